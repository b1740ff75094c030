/// Why an agent got an offer.
public struct OfferExplanation: Sendable, Equatable {
    /// The contact's escalation step when it was offered.
    public var step: Int
    /// The narrowest step whose pool held the chosen agent (≤ `step`).
    public var poolStep: Int
    /// Free agents in that pool at the moment of the decision.
    public var eligibleAgents: Int
    public var policy: SelectionPolicy
    /// Seconds the chosen agent had been free.
    public var idleFor: Seconds
    /// The agent's proficiency in the topic's skills (lowest of them; 0 when none were needed).
    public var proficiency: Int
    /// Contacts the agent already held on the channel.
    public var inProgress: Int

    /// One line a supervisor can read.
    public var summary: String {
        // Built in one buffer: the live service writes one with every offer.
        var text = "step "
        text.reserveCapacity(80)
        text += String(step)
        text += ", pool of step "
        text += String(poolStep)
        text += ", "
        text += String(eligibleAgents)
        switch policy {
        case .longestIdle:
            text += " eligible free, longest idle ("
            text += String(Int(idleFor.rounded()))
            text += " s)"
        case .mostSkilled:
            text += " eligible free, most skilled (proficiency "
            text += String(proficiency)
            text += ")"
        case .leastOccupied:
            text += " eligible free, least occupied ("
            text += String(inProgress)
            text += " in progress)"
        }
        return text
    }
}

/// Why a contact missed its answer target.
public enum BreachCause: String, Sendable, Codable, Equatable, CaseIterable {
    /// No agent of the contact's widest pool was logged in.
    case nobodyEligibleLoggedIn
    /// Eligible agents were logged in but none had free capacity.
    case allEligibleBusy
    /// The contact was offered, and the offers were rejected or timed out.
    case offersRejectedOrTimedOut
    /// The contact arrived while its channel was closed.
    case outOfHours
    /// An offer was ringing at the deadline.
    case ringing
    /// Eligible agents were logged in, and every one of them was not responding (missed an
    /// offer and not made available again).
    case allEligibleNotResponding
    /// The contact was held at the deadline: the adapter that announced it was gone.
    case adapterLost
}

/// Why a waiting contact ended without an answer.
public enum AbandonCause: String, Sendable, Codable, Equatable, CaseIterable {
    /// The customer hung up or closed the chat (the `abandon` command).
    case customer
    /// The contact was held because its adapter was gone, and the hold ran out.
    case adapterLost
}

/// What the engine tells the world. Every command and timer returns events in a fixed order.
public enum Event: Sendable, Equatable {
    /// The contact waits in line at this escalation step.
    case queued(ContactID, step: Int)
    /// The contact is offered to the agent; `expiresAt` is nil when offers do not time out.
    case offered(ContactID, AgentID, OfferExplanation, expiresAt: Seconds?)
    case offerRejected(ContactID, AgentID)
    case offerExpired(ContactID, AgentID)
    /// The offer was taken back because the contact was held; the agent keeps the state it had.
    case offerWithdrawn(ContactID, AgentID)
    /// The agent took the contact after it waited `waited` seconds.
    case connected(ContactID, AgentID, waited: Seconds)
    /// The contact's pool widened to this step.
    case escalated(ContactID, step: Int)
    case breachWarning(ContactID)
    case breached(ContactID, BreachCause)
    /// The customer will be called back; the contact keeps its place in line.
    case callbackScheduled(ContactID)
    case abandoned(ContactID, waited: Seconds, cause: AbandonCause)
    /// The contact is held: it keeps its place and deadline but is offered to nobody.
    case held(ContactID)
    /// A held contact is back in line.
    case resumed(ContactID)
    /// The conversation ended; the agent is in wrap-up for the channel's wrap-up time.
    case completed(ContactID, AgentID)
    /// The contact arrived while its channel was closed and was not kept.
    case closed(ContactID)
    /// The agent finished wrapping up the contact; the capacity is free again.
    case wrapUpEnded(ContactID, AgentID)
    case agentState(AgentID, AgentState)
    case agentRemoved(AgentID)
}

/// Events a caller may leave out of what the engine reports (`RoutingEngine.omittedEvents`).
///
/// The live router reports everything. The simulator reads none of these, and each one left
/// out saves an append and a dispatch (about 5 % of a simulated contact's instructions in the
/// single queue; docs/performance.md). Leaving events out changes no decision: who is offered
/// which contact, and when, and every other event are the same. One report can differ: with
/// escalations left out, a step that opens no pool has no timer (`RoutingEngine.nextEscalation`),
/// so the step an offer or a contact's snapshot gives at the very instant that step starts (a
/// tie with another timer at the same moment, or a step whose start rounds to the arrival) may
/// be the new one where the full engine, whose timer has not fired yet, gives the old one.
public struct RoutineEvents: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// `Event.escalated`.
    public static let escalations = RoutineEvents(rawValue: 1 << 0)
    /// `Event.breachWarning`.
    public static let breachWarnings = RoutineEvents(rawValue: 1 << 1)
    /// `Event.completed` (the `wrapUpEnded` that follows is still reported).
    public static let completions = RoutineEvents(rawValue: 1 << 2)
    /// `Event.agentState` between the states of an agent at work (available, reserved, busy,
    /// wrap-up, not responding). Going offline or on a break, or coming back, is still reported.
    public static let workStates = RoutineEvents(rawValue: 1 << 3)
}

extension AgentState {
    /// Logged out or on a break: not at work.
    @inline(__always)
    var isAway: Bool { self == .offline || self == .onBreak }
}
