/// The kind of customer. Segments move a contact up the line by a head start on its deadline.
public enum Segment: Int, CaseIterable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// Intermediaries who buy in bulk.
    case wholesale = 0
    case regular = 1
    /// One-time customers; in the simulator they are the least patient.
    case new = 2

    public var name: String {
        switch self {
        case .wholesale: "wholesale"
        case .regular: "regular"
        case .new: "new"
        }
    }

    public init?(name: String) {
        guard let segment = Segment.allCases.first(where: { $0.name == name }) else { return nil }
        self = segment
    }

    public var description: String { name }
}
