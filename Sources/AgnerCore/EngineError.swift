/// What a command asked of a contact, for `EngineError.contactNotInState`.
public enum ContactAction: String, Sendable, Equatable {
    case abandon, complete, hold, resume
}

/// Why the engine refused a command. A refused command changes nothing.
///
/// Errors carry the engine's ids; `description(naming:)` renders them with the names a caller
/// uses (the live service's adapter ids), `description` with the engine's own (`c12`, `a3`).
public enum EngineError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownAgent(AgentID)
    case unknownContact(ContactID)
    case unknownTopic(Int)
    case unknownSkill(Int)
    case unknownDepartment(Int)
    case duplicateContact(ContactID)
    case duplicateAgent(AgentID)
    /// The contact is not in a state that allows the action (abandoning a contact already
    /// answered, completing one not connected, holding one in wrap-up, resuming one not held).
    case contactNotInState(ContactID, ContactState, ContactAction)
    /// Accept or reject of an offer that is not out to that agent.
    case notOffered(ContactID, to: AgentID)
    /// An agent's capacity on a channel cannot drop below what it holds there.
    case capacityInUse(AgentID, Channel, holding: Int, capacity: Int)
    /// An agent holding contacts cannot be removed.
    case agentHoldsContacts(AgentID, holding: Int)
    /// A value outside its range (proficiency outside 1–5, negative capacity, priority outside 0–9).
    case invalidValue(String)
    /// Commands must come in time order.
    case timeWentBackwards(now: Seconds, requested: Seconds)

    /// The contact or agent a state error is about.
    public var isInvalidState: Bool {
        switch self {
        case .contactNotInState, .notOffered, .capacityInUse, .agentHoldsContacts, .timeWentBackwards, .duplicateAgent: true
        default: false
        }
    }

    public var description: String {
        description(contact: { $0.description }, agent: { $0.description })
    }

    /// The message, naming contacts and agents with the given functions.
    public func description(contact name: (ContactID) -> String, agent agentName: (AgentID) -> String) -> String {
        switch self {
        case let .unknownAgent(id): "unknown agent \(agentName(id))"
        case let .unknownContact(id): "unknown contact \(name(id))"
        case let .unknownTopic(index): "unknown topic #\(index)"
        case let .unknownSkill(index): "unknown skill #\(index)"
        case let .unknownDepartment(index): "unknown department #\(index)"
        case let .duplicateContact(id): "contact \(name(id)) already exists"
        case let .duplicateAgent(id): "agent \(agentName(id)) already exists"
        case let .contactNotInState(id, state, action):
            switch action {
            case .abandon: "contact \(name(id)) is \(state), not waiting: it cannot be abandoned"
            case .complete: "contact \(name(id)) is \(state), not connected: it cannot be completed"
            case .hold: "contact \(name(id)) is \(state), not waiting or offered: it cannot be held"
            case .resume: "contact \(name(id)) is not held: it cannot be resumed"
            }
        case let .notOffered(id, agent): "contact \(name(id)) is not offered to agent \(agentName(agent))"
        case let .capacityInUse(agent, channel, holding, capacity):
            "agent \(agentName(agent)) holds \(holding) \(channel) contacts; capacity cannot drop to \(capacity)"
        case let .agentHoldsContacts(agent, holding):
            "agent \(agentName(agent)) still holds \(holding) contact(s); log the agent out and let them finish first"
        case let .invalidValue(why): why
        case let .timeWentBackwards(now, requested): "time went backwards: engine at \(now) s, command at \(requested) s"
        }
    }
}
