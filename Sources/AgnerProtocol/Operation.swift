/// Every operation of the protocol, with who may use it and whether it is journaled: the one
/// table of operations (docs/protocol.md lists the same).
public enum Operation: String, CaseIterable, Sendable {
    case hello
    case contactArrive = "contact.arrive"
    case offerAccept = "offer.accept"
    case offerReject = "offer.reject"
    case contactAbandon = "contact.abandon"
    case contactComplete = "contact.complete"
    case agentState = "agent.state"
    case sync
    case stats
    case agents
    case contacts
    case subscribe
    case agentAdd = "agent.add"
    case agentUpdate = "agent.update"
    case agentRemove = "agent.remove"
    case centerOpen = "center.open"
    case centerClose = "center.close"
    case centerHours = "center.hours"
    /// Live against the candidate configuration running in shadow mode.
    case shadow
    /// A forecast of the next hours from the live state, with and without a staffing change.
    case whatIf = "whatif"
    /// The router holds a lost adapter's contacts (journaled by the router, never sent by a client).
    case adapterLost = "internal.adapter_lost"
    /// The router opens or closes a channel on the opening hours.
    case openingHours = "internal.opening_hours"
    /// The router notes which adapter manages an agent.
    case agentManager = "internal.agent_manager"

    /// Who may send an operation.
    public enum Access: Sendable, Equatable {
        /// Any role (reads), and `hello` before any role.
        case anyone
        /// Adapters and supervisors.
        case adapter
        /// Supervisors only.
        case supervisor
        /// Nobody: the router writes it into its journal itself.
        case router
    }

    public var access: Access {
        switch self {
        case .hello, .stats, .agents, .contacts, .subscribe: .anyone
        case .contactArrive, .offerAccept, .offerReject, .contactAbandon, .contactComplete, .agentState, .sync: .adapter
        case .agentAdd, .agentUpdate, .agentRemove, .centerOpen, .centerClose, .centerHours, .shadow, .whatIf: .supervisor
        case .adapterLost, .openingHours, .agentManager: .router
        }
    }

    /// Whether a role may send it. (Roles rank supervisor > adapter > observer.)
    public func allows(_ role: Role) -> Bool {
        switch access {
        case .anyone: true
        case .adapter: role == .adapter || role == .supervisor
        case .supervisor: role == .supervisor
        case .router: false
        }
    }

    /// The operation a request names, for a client: unknown names and the router's own
    /// operations are both `unknown_op`.
    public init(requested name: String) throws(ProtocolError) {
        guard let operation = Operation(rawValue: name), operation.access != .router else {
            throw ProtocolError(.unknownOp, "unknown op '\(name)'")
        }
        self = operation
    }
}
