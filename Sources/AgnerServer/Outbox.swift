import AgnerProtocol
/// The lines the router has produced for connections and not yet handed over, in the order
/// they were produced. Their bytes sit side by side in one buffer that lines are encoded into
/// directly (no String, no array per line); each line is a range of it and the connection it
/// goes to, and a line for several connections (an event for its subscribers) is stored once.
public struct Outbox {
    public struct Line: Sendable, Equatable {
        public var session: SessionID
        public var range: Range<Int>
    }

    public private(set) var bytes: [UInt8] = []
    public private(set) var lines: [Line] = []

    public init() {}

    public var isEmpty: Bool { lines.isEmpty }

    /// A point to go back to (see `truncate(to:)`) or to insert a line at (`insert(_:at:)`).
    public struct Mark {
        var lines: Int
        var bytes: Int
    }

    public var mark: Mark { Mark(lines: lines.count, bytes: bytes.count) }

    /// Forgets every line produced since the mark.
    mutating func truncate(to mark: Mark) {
        lines.removeSubrange(mark.lines...)
        bytes.removeSubrange(mark.bytes...)
    }

    /// Encodes one line (newline included) at the end and sends it to `session`.
    mutating func append(to session: SessionID, _ encode: (inout [UInt8]) -> Void) {
        let start = bytes.count
        encode(&bytes)
        lines.append(Line(session: session, range: start..<bytes.count))
    }

    /// Encodes one line (newline included) for every connection in `sessions`, in their order.
    mutating func append(to sessions: [SessionID], _ encode: (inout [UInt8]) -> Void) {
        let start = bytes.count
        encode(&bytes)
        for session in sessions { lines.append(Line(session: session, range: start..<bytes.count)) }
    }

    mutating func append(_ line: String, to session: SessionID) {
        append(to: session) { $0 += line.utf8 }
    }

    /// Appends a line already encoded (newline included).
    mutating func append(bytes line: UnsafeRawBufferPointer, to session: SessionID) {
        append(to: session) { $0 += line }
    }

    /// Encodes one line for `session` and puts it before the lines produced since the mark
    /// (a reply goes out before the events of the request it answers).
    mutating func insert(at mark: Mark, to session: SessionID, _ encode: (inout [UInt8]) -> Void) {
        let start = bytes.count
        encode(&bytes)
        lines.insert(Line(session: session, range: start..<bytes.count), at: mark.lines)
    }

    /// Calls `body` with each line's connection and bytes, in order.
    public func forEach(_ body: (SessionID, UnsafeRawBufferPointer) -> Void) {
        bytes.withUnsafeBytes { all in
            for line in lines { body(line.session, UnsafeRawBufferPointer(rebasing: all[line.range])) }
        }
    }

    /// Forgets every line, keeping the buffers' capacity for the next batch (unless a burst
    /// made them large: that memory goes back).
    public mutating func removeAll() {
        let large = bytes.capacity > Self.keptCapacity
        bytes.removeAll(keepingCapacity: !large)
        lines.removeAll(keepingCapacity: !large)
    }

    /// Bytes of capacity kept from one batch to the next.
    static let keptCapacity = 4 << 20

    /// The lines as strings (tests, tools; the server hands the bytes over directly).
    public var outbounds: [Outbound] {
        lines.map { Outbound(session: $0.session, line: String(decoding: bytes[$0.range], as: UTF8.self)) }
    }
}
