import AgnerProtocol
import AgnerCore

/// Each client may touch only what is its own. An adapter acts only on the contacts it
/// announced, and on the agents it manages: those it logged in (until it logs them out), or
/// those the center assigns to it. Supervisors act on everything; observers only read.
extension LiveRouter {
    /// Refuses an adapter's request on another adapter's contact or agent (`forbidden`).
    func checkOwnership(_ request: Request, adapter: String) throws(ProtocolError) {
        switch request {
        case let .accept(contact, _), let .reject(contact, _), let .abandon(contact), let .complete(contact):
            if let id = directory.contactIDs[contact], let owner = directory.contacts[id.rawValue]?.owner, owner != adapter {
                throw ProtocolError(.forbidden, "contact '\(contact)' belongs to another adapter")
            }
        case let .agentState(agent, _):
            if let id = directory.agentIDs[agent], let manager = agentManagers[id.rawValue], manager != adapter {
                throw ProtocolError(.forbidden, "agent '\(agent)' is managed by another adapter")
            }
        default:
            break
        }
    }

    /// After a client set an agent's state: an adapter manages the agent while the agent is
    /// logged in; the agent is let go when it is logged out, by its adapter or by a supervisor.
    /// Agents the center assigns keep their adapter. Journaled as a command of its own (a replay
    /// cannot know who was an adapter). - Parameter adapter: the adapter's name, nil for a supervisor.
    func noteManager(of agent: AgentID, presence: Presence, adapter: String?, origin: String) {
        guard !replaying, !assignedAgents.contains(agent.rawValue) else { return }
        let manager: String?
        if presence == .offline {
            manager = nil
        } else if let adapter {
            manager = adapter
        } else {
            return  // a supervisor's change leaves the manager as it was
        }
        guard agentManagers[agent.rawValue] != manager, let name = directory.agentNames[agent.rawValue] else { return }
        performInternal(.object([("op", .string(Operation.agentManager.rawValue)), ("agent", .string(name)),
                                 ("adapter", manager.map(WireValue.string) ?? .null)]), origin: origin)
    }
}
