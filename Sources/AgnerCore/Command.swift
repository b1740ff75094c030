/// A new contact announced to the engine.
public struct ContactArrival: Sendable, Equatable {
    public var id: ContactID
    public var channel: Channel
    public var topic: TopicID
    public var segment: Segment
    /// 0 (normal) to 9 (most urgent); each level is a head start on the deadline.
    public var priority: Int

    public init(id: ContactID, channel: Channel, topic: TopicID, segment: Segment = .regular, priority: Int = 0) {
        self.id = id
        self.channel = channel
        self.topic = topic
        self.segment = segment
        self.priority = priority
    }
}

/// Everything that can happen to the engine from outside. Timers are not commands: they fire
/// through `advance(to:)`.
public enum Command: Sendable, Equatable {
    case arrive(ContactArrival)
    /// The agent took the offered contact: it is connected.
    case accept(ContactID, AgentID)
    /// The agent declined the offer: the contact goes back in line, keeping its place.
    case reject(ContactID, AgentID)
    /// The customer gave up (while waiting, ringing, or waiting for a callback).
    case abandon(ContactID)
    /// The conversation ended; the agent goes into wrap-up.
    case complete(ContactID)
    /// Log in (`available`), take a break, log out. Work in progress is finished first.
    case setPresence(AgentID, Presence)
    case addAgent(AgentProfile)
    /// Change an agent's department, skills or channels; work in progress is kept.
    case updateAgent(AgentProfile)
    /// Remove an agent who holds no contacts.
    case removeAgent(AgentID)
    /// Open or close a channel (opening hours).
    case setChannelOpen(Channel, Bool)
    /// The contact cannot be delivered for now (the adapter that announced it is gone): an
    /// offer out for it is withdrawn (the agent keeps the state it had, not `notResponding`),
    /// and it keeps its place in line and its deadline but is offered to nobody until
    /// `resume`. With `abandonAt`, it ends as abandoned (cause `adapterLost`) at that time
    /// (seconds, the engine's clock) unless resumed first. Holding a held contact again only
    /// sets the new `abandonAt`. Only waiting or offered contacts can be held.
    case hold(ContactID, abandonAt: Seconds?)
    /// A held contact goes back in line and is routed at once if an agent is free.
    case resume(ContactID)
}
