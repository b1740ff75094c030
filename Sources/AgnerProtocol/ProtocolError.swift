/// An error a request gets back; the connection stays usable.
public struct ProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case badJSON = "bad_json"
        case lineTooLong = "line_too_long"
        case unknownOp = "unknown_op"
        case badField = "bad_field"
        case notAuthenticated = "not_authenticated"
        case forbidden
        case unknownAgent = "unknown_agent"
        case unknownContact = "unknown_contact"
        case duplicateContact = "duplicate_contact"
        case invalidState = "invalid_state"
        case overloaded
        /// The journal cannot be written (a full disk, say): no change is accepted until it can.
        case journalFailed = "journal_failed"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    static func missing(_ field: StaticString, _ expected: String) -> ProtocolError {
        ProtocolError(.badField, "\(field): missing; expected \(expected)")
    }

    static func wrongType(_ field: StaticString, _ expected: String) -> ProtocolError {
        ProtocolError(.badField, "\(field): expected \(expected)")
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
