/// A contact as seen from outside the engine.
public struct ContactSnapshot: Sendable, Equatable {
    public var id: ContactID
    public var channel: Channel
    public var topic: TopicID
    public var segment: Segment
    public var priority: Int
    public var state: ContactState
    public var step: Int
    public var arrival: Seconds
    public var deadline: Seconds
    public var agent: AgentID?
    public var breached: Bool
    public var missedOffers: Int
    /// The contact waits for a callback rather than holding the line.
    public var isCallback: Bool
    /// Held (`Command.hold`): keeps its place, offered to nobody.
    public var held: Bool
    /// Arrived while its channel was closed; offered once it opens.
    public var awaitingOpening: Bool
    /// When it was answered (in conversation or wrap-up); nil before.
    public var answeredAt: Seconds?
}

/// An agent as seen from outside the engine.
public struct AgentSnapshot: Sendable, Equatable {
    public var profile: AgentProfile
    public var state: AgentState
    /// What the agent last asked for (the state shows what routing made of it).
    public var presence: Presence
    /// Missed an offer and not made available again since.
    public var notResponding: Bool
    /// Capacity in use per channel (offers, conversations and wrap-ups).
    public var inUse: PerChannel<Int>
    /// When the agent last became free (logged in, came back, or finished a contact).
    public var idleSince: Seconds
}

extension RoutingEngine {
    public func state(of id: ContactID) -> ContactState? {
        contactSlots[id.rawValue].map { contacts[Int($0)].state }
    }

    public func contact(_ id: ContactID) -> ContactSnapshot? {
        contactSlots[id.rawValue].map { snapshot(ofContactAt: $0) }
    }

    /// Every contact that has not reached a terminal state, in arrival order.
    public var openContacts: [ContactSnapshot] {
        contactSlots.values.map { snapshot(ofContactAt: $0) }.sorted { $0.arrival != $1.arrival ? $0.arrival < $1.arrival : $0.id < $1.id }
    }

    public func agent(_ id: AgentID) -> AgentSnapshot? {
        agentSlots[id.rawValue].map { snapshot(ofAgentAt: $0) }
    }

    /// Every agent, ordered by id.
    public var allAgents: [AgentSnapshot] {
        agentSlots.values.map { snapshot(ofAgentAt: $0) }.sorted { $0.profile.id < $1.profile.id }
    }

    /// An agent's department (its index), without copying its record.
    public func department(of id: AgentID) -> Int? {
        agentSlots[id.rawValue].map { agents[Int($0)].profile.department.index }
    }

    public var openContactCount: Int { contactSlots.count }
    public var agentCount: Int { agentSlots.count }
    public func isOpen(_ channel: Channel) -> Bool { channelOpen[channel] }

    private func snapshot(ofContactAt slot: Int32) -> ContactSnapshot {
        let record = contacts[Int(slot)]
        return ContactSnapshot(
            id: record.id, channel: record.channel, topic: TopicID(Int(record.topic)), segment: record.segment,
            priority: Int(record.priority), state: record.state, step: caughtUpStep(record), arrival: record.arrival,
            deadline: record.deadline, agent: record.agent >= 0 ? agents[Int(record.agent)].profile.id : nil,
            breached: record.breached, missedOffers: Int(record.missedOffers), isCallback: record.isCallback,
            held: record.held, awaitingOpening: record.awaitingOpening,
            answeredAt: record.state == .connected || record.state == .wrapUp ? record.answeredAt : nil)
    }

    private func snapshot(ofAgentAt slot: Int32) -> AgentSnapshot {
        let record = agents[Int(slot)]
        return AgentSnapshot(profile: record.profile, state: record.state, presence: record.presence,
                             notResponding: record.notResponding, inUse: record.used, idleSince: record.idleSince)
    }
}
