import AgnerProtocol
import AgnerCore

/// Each client may touch only what is its own. An adapter acts only on the contacts it
/// announced, and on the agents it manages: those it logged in (until it logs them out), or
/// those the center assigns to it. Supervisors act on everything; observers only read.
extension LiveRouter {
    static let agentManagerOp = "internal.agent_manager"

    /// Refuses an adapter's request on another adapter's contact or agent (`forbidden`).
    func checkOwnership(_ op: String, _ request: WireObject, adapter: String) throws(ProtocolError) {
        switch op {
        case "offer.accept", "offer.reject":
            try checkContact(try request.string("contact"), adapter: adapter)
        case "contact.abandon", "contact.complete":
            try checkContact(try request.string("id"), adapter: adapter)
        case "agent.state":
            let name = try request.string("agent")
            if let id = agentIDs[name], let manager = agentManagers[id.rawValue], manager != adapter {
                throw ProtocolError(.forbidden, "agent '\(name)' is managed by another adapter")
            }
        default:
            break
        }
    }

    private func checkContact(_ name: String, adapter: String) throws(ProtocolError) {
        if let id = contactIDs[name], let owner = contacts[id.rawValue]?.owner, owner != adapter {
            throw ProtocolError(.forbidden, "contact '\(name)' belongs to another adapter")
        }
    }

    /// After an adapter set an agent's state: it manages the agent while the agent is logged
    /// in, and lets go when it logs the agent out. Agents the center assigns keep their adapter.
    /// Journaled as a command of its own (a replay cannot know who was an adapter).
    func noteManager(of agent: AgentID, presence: Presence, adapter: String) {
        guard !replaying, !assignedAgents.contains(agent.rawValue) else { return }
        let manager: String? = presence == .offline ? nil : adapter
        guard agentManagers[agent.rawValue] != manager, let name = agentNames[agent.rawValue] else { return }
        performInternal(.object([("op", .string(Self.agentManagerOp)), ("agent", .string(name)),
                                 ("adapter", manager.map(WireValue.string) ?? .null)]), origin: adapter)
    }
}
