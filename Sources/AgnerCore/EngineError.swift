/// Why the engine refused a command. A refused command changes nothing.
public enum EngineError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownAgent(AgentID)
    case unknownContact(ContactID)
    case unknownTopic(Int)
    case unknownSkill(Int)
    case unknownDepartment(Int)
    case duplicateContact(ContactID)
    case duplicateAgent(AgentID)
    /// The command does not fit the contact's or agent's state (accepting an offer that is not
    /// out, completing a contact that is not connected, removing a busy agent, …).
    case invalidState(String)
    /// A value outside its range (proficiency outside 1–5, negative capacity, priority outside 0–9).
    case invalidValue(String)
    /// Commands must come in time order.
    case timeWentBackwards(now: Seconds, requested: Seconds)

    public var description: String {
        switch self {
        case let .unknownAgent(id): "unknown agent \(id)"
        case let .unknownContact(id): "unknown contact \(id)"
        case let .unknownTopic(index): "unknown topic #\(index)"
        case let .unknownSkill(index): "unknown skill #\(index)"
        case let .unknownDepartment(index): "unknown department #\(index)"
        case let .duplicateContact(id): "contact \(id) already exists"
        case let .duplicateAgent(id): "agent \(id) already exists"
        case let .invalidState(why): why
        case let .invalidValue(why): why
        case let .timeWentBackwards(now, requested): "time went backwards: engine at \(now) s, command at \(requested) s"
        }
    }
}
