import AgnerCore

/// The events the router pushes, by their names on the wire: the one table of event names
/// (`subscribe` takes them; docs/protocol.md lists them).
public enum EventName: String, CaseIterable, Sendable, Hashable {
    case offer
    case offerExpired = "offer.expired"
    case offerRejected = "offer.rejected"
    case offerWithdrawn = "offer.withdrawn"
    case queued = "contact.queued"
    case connected = "contact.connected"
    case escalated = "contact.escalated"
    case breachWarning = "contact.breach_warning"
    case breached = "contact.breached"
    case callback = "contact.callback"
    case abandoned = "contact.abandoned"
    case completed = "contact.completed"
    case closed = "contact.closed"
    case wrappedUp = "contact.wrapped_up"
    case held = "contact.held"
    case resumed = "contact.resumed"
    case agentState = "agent.state"
    case agentRemoved = "agent.removed"
    /// A channel opened or closed (the router's, not the engine's).
    case channelState = "channel.state"
    /// The answer to a `whatif` (only to the connection that asked).
    case whatIfResult = "whatif.result"

    /// The name of an engine event.
    public init(_ event: Event) {
        self = switch event {
        case .offered: .offer
        case .offerExpired: .offerExpired
        case .offerRejected: .offerRejected
        case .offerWithdrawn: .offerWithdrawn
        case .queued: .queued
        case .connected: .connected
        case .escalated: .escalated
        case .breachWarning: .breachWarning
        case .breached: .breached
        case .callbackScheduled: .callback
        case .abandoned: .abandoned
        case .held: .held
        case .resumed: .resumed
        case .completed: .completed
        case .closed: .closed
        case .wrapUpEnded: .wrappedUp
        case .agentState: .agentState
        case .agentRemoved: .agentRemoved
        }
    }

    /// Whether the event also goes to the adapter that announced the contact (it must act on
    /// it: an offer to answer, a callback to make, a contact closed or withdrawn).
    public var goesToOwner: Bool {
        switch self {
        case .offer, .offerExpired, .offerWithdrawn, .callback, .closed: true
        default: false
        }
    }
}

/// How engine events read on the wire.
public enum EventWire {
    /// The contact an event concerns (who owns it decides who receives it), if any.
    public static func contact(of event: Event) -> ContactID? {
        switch event {
        case let .offered(c, _, _, _), let .offerExpired(c, _), let .offerRejected(c, _), let .offerWithdrawn(c, _),
             let .queued(c, _), let .connected(c, _, _), let .escalated(c, _), let .breachWarning(c), let .breached(c, _),
             let .callbackScheduled(c), let .abandoned(c, _, _), let .held(c), let .resumed(c), let .completed(c, _),
             let .closed(c), let .wrapUpEnded(c, _):
            c
        case .agentState, .agentRemoved:
            nil
        }
    }

    /// The event's fields after its name, in protocol order, with contacts and agents named by
    /// the given functions (the adapters' ids).
    public static func fields(of event: Event, contact name: (ContactID) -> String, agent agentName: (AgentID) -> String) -> [(String, WireValue)] {
        switch event {
        case let .offered(c, a, why, expiresAt):
            [("contact", .string(name(c))), ("agent", .string(agentName(a))), ("step", .int(why.step)), ("why", .string(why.summary)),
             ("expires_at", expiresAt.map(WireValue.double) ?? .null)]
        case let .offerExpired(c, a), let .offerRejected(c, a), let .offerWithdrawn(c, a), let .completed(c, a), let .wrapUpEnded(c, a):
            [("contact", .string(name(c))), ("agent", .string(agentName(a)))]
        case let .queued(c, step), let .escalated(c, step): [("contact", .string(name(c))), ("step", .int(step))]
        case let .connected(c, a, waited): [("contact", .string(name(c))), ("agent", .string(agentName(a))), ("waited_s", .double(waited))]
        case let .breachWarning(c), let .callbackScheduled(c), let .closed(c), let .held(c), let .resumed(c):
            [("contact", .string(name(c)))]
        case let .breached(c, cause): [("contact", .string(name(c))), ("cause", .string(cause.rawValue))]
        case let .abandoned(c, waited, cause):
            [("contact", .string(name(c))), ("waited_s", .double(waited)), ("cause", .string(cause.rawValue))]
        case let .agentState(a, state): [("agent", .string(agentName(a))), ("state", .string(state.name))]
        case let .agentRemoved(a): [("agent", .string(agentName(a)))]
        }
    }
}
