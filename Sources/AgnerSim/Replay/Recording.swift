import AgnerCore

/// Recorded traffic, as a replay needs it: every contact with its arrival, the offers made for
/// it and how each was answered, when it was connected, completed or abandoned; and what the
/// center did apart from its contacts (agents' log-ins, breaks and log-outs, agents added,
/// channels opened and closed, adapters lost and back), each at its time and journal place.
///
/// A `Recorder` builds one from a journal played back on the engine (`AgnerProtocol`'s
/// `JournalPlayback`: the router's own decisions, with their times). Names, not indices, tie it
/// to a center (topics, departments, skills, agents), so a replay may run it under another.
public struct Recording: Sendable {
    /// Where a recorded moment sits: its time (Unix seconds) and its journal sequence, which
    /// orders entries of the same time as the router took them.
    public struct Place: Sendable, Equatable, Comparable {
        public var time: Double
        public var sequence: Int64
        public init(time: Double, sequence: Int64) {
            self.time = time
            self.sequence = sequence
        }
        public static func < (a: Self, b: Self) -> Bool { a.time != b.time ? a.time < b.time : a.sequence < b.sequence }
    }

    /// How an offer ended, as recorded.
    public enum Response: Sendable, Equatable {
        /// `offer.accept` (time and journal place).
        case accepted(Place)
        /// `offer.reject`.
        case rejected(Place)
        /// Nobody answered within the center's offer timeout.
        case expired
        /// No answer was recorded: withdrawn (adapter lost), the customer hung up while it
        /// rang, or still ringing when the record ends.
        case none
    }

    public struct Offer: Sendable, Equatable {
        public var agent: String
        /// Unix seconds.
        public var time: Double
        public var response: Response
    }

    public struct Contact: Sendable {
        /// The adapter's id for it.
        public var name: String
        /// The adapter that announced it (its offers, holds and resumes go by it).
        public var owner: String
        public var arrival: Place
        public var channel: Channel
        public var topic: String
        public var segment: Segment
        public var priority: Int
        /// Arrived while its channel was closed and was not kept.
        public var closed = false
        public var offers: [Offer] = []
        /// When it was connected (Unix seconds).
        public var connected: Double?
        /// `contact.complete`: the end of the conversation.
        public var completed: Place?
        /// `contact.abandon`: the customer hung up.
        public var abandoned: Place?

        /// Seconds from connection to completion, when both were recorded.
        public var handleTime: Double? {
            guard let connected, let completed else { return nil }
            return completed.time - connected
        }

        /// Seconds from the offer that was accepted to its acceptance (the last one).
        public var ringDelay: Double? {
            for offer in offers.reversed() {
                if case let .accepted(place) = offer.response { return place.time - offer.time }
            }
            return nil
        }
    }

    /// An agent as `agent.add` and `agent.update` describe it, by names.
    public struct AgentSpec: Sendable, Equatable {
        public var name: String
        public var department: String
        public var skills: [String: Int]
        public var capacity: PerChannel<Int>
        public init(name: String, department: String, skills: [String: Int], capacity: PerChannel<Int>) {
            self.name = name
            self.department = department
            self.skills = skills
            self.capacity = capacity
        }
    }

    /// What the center did apart from answering and ending contacts.
    public enum Action: Sendable {
        /// A contact arrives (its index in `contacts`).
        case arrive(Int)
        /// The customer hangs up (if still waiting or ringing).
        case abandon(Int)
        /// An agent logs in (`available`), takes a break or logs out.
        case presence(agent: String, Presence)
        case addAgent(AgentSpec)
        case updateAgent(AgentSpec)
        case removeAgent(String)
        /// Channels opened or closed, by the calendar (`internal.opening_hours`) or by a
        /// supervisor (`center.open`, `center.close`, until `until` when it says).
        case channels([Channel], open: Bool, byCalendar: Bool, until: Double?)
        /// A supervisor's `center.hours`: the channels follow the opening hours again.
        case followHours([Channel])
        /// The adapter's last connection closed: its contacts are held until `until` (a waiting
        /// e-mail without end). `includingHeld`: those held already get the new end (a restart).
        case adapterLost(adapter: String, until: Double, includingHeld: Bool)
        /// The adapter synced: its held contacts go back in line.
        case adapterSynced(String)
    }

    public struct Item: Sendable {
        public var place: Place
        public var action: Action
    }

    /// The agents the router knew at start, in its order.
    public var roster: [String]
    public var contacts: [Contact] = []
    /// In journal order.
    public var actions: [Item] = []
    /// The first and last entry replayed (Unix seconds).
    public var firstEntry: Double?
    public var lastEntry: Double?
    /// Journal entries read.
    public var entries = 0
    /// Offers made in all.
    public var offerCount = 0

    public init(roster: [String]) {
        self.roster = roster
    }

    /// The agents who were made available at least once (by name, sorted): those who worked.
    public func agentsWhoWorked() -> [String] {
        presences().filter { $0.value.contains { $0.1 == .available } }.keys.sorted()
    }

    /// The presence commands of each agent, by name, in order (for agents who follow another's).
    func presences() -> [String: [(Place, Presence)]] {
        var out: [String: [(Place, Presence)]] = [:]
        for item in actions {
            if case let .presence(agent, presence) = item.action { out[agent, default: []].append((item.place, presence)) }
        }
        return out
    }
}

/// Builds a `Recording` from a journal played back on the engine, entry by entry, and measures
/// what happened as the simulator measures a replication (the "as recorded" side of a replay).
///
/// Feed it, in order, the timers that fired (`timers(at:_:)`) and each entry (`entry(_:at:_:)`)
/// with the events it caused; then `finish(at:)`.
public struct Recorder {
    /// A journal entry in the replay's terms (`AgnerProtocol`'s requests, with the engine ids
    /// the playback gave them).
    public enum Entry: Sendable {
        case arrive(ContactID, name: String, owner: String, channel: Channel, topic: TopicID, segment: Segment, priority: Int)
        case accept(ContactID, AgentID)
        case reject(ContactID, AgentID)
        case complete(ContactID)
        case abandon(ContactID)
        case presence(AgentID, Presence)
        case addAgent(AgentProfile, name: String)
        case updateAgent(AgentProfile)
        case removeAgent(AgentID)
        case channels([Channel], open: Bool, byCalendar: Bool, until: Double?)
        case followHours([Channel])
        case adapterLost(adapter: String, until: Double, includingHeld: Bool)
        case adapterSynced(String)
        /// Nothing a replay needs (`internal.agent_manager`).
        case other
    }

    public private(set) var recording: Recording
    let center: CenterConfiguration
    /// Agent names by the playback's agent id (its roster first, from 1).
    var agentNames: [UInt64: String] = [:]
    var agentGroups: [String: Int?] = [:]
    var tally: ReplayTally

    /// - Parameters:
    ///   - center: the center the journal was written with.
    ///   - roster: its agents at start, in the router's order (ids 1, 2, … as the journal
    ///     reader gives them), with their profiles (the ids in them are ignored).
    ///   - window: what to measure.
    ///   - costs: what agents cost, for the figures (nil: no cost).
    public init(center: CenterConfiguration, roster: [(name: String, profile: AgentProfile, group: Int?)], window: ReplayWindow,
                costs: Costs? = nil) {
        self.center = center
        recording = Recording(roster: roster.map(\.name))
        tally = ReplayTally(center: center, window: window, costs: costs)
        for (index, agent) in roster.enumerated() {
            agentNames[UInt64(index + 1)] = agent.name
            agentGroups[agent.name] = agent.group
            tally.addAgent(AgentID(UInt64(index + 1)), department: agent.profile.department.index, capacity: agent.profile.capacity)
        }
    }

    func name(_ agent: AgentID) -> String { agentNames[agent.rawValue] ?? agent.description }

    /// The contact's index in the recording (the journal reader numbers contacts from 1 as they arrive).
    func index(_ contact: ContactID) -> Int? {
        let index = Int(contact.rawValue) - 1
        return recording.contacts.indices.contains(index) ? index : nil
    }

    /// Timers that fired at `time` (escalations, breaches, ends of offers and wrap-ups).
    public mutating func timers(at time: Double, _ events: [Event]) {
        observe(events, at: time)
        tally.observe(events, at: time)
    }

    /// One journal entry and the events it caused.
    public mutating func entry(_ entry: Entry, at place: Recording.Place, _ events: [Event]) {
        recording.entries += 1
        if recording.firstEntry == nil { recording.firstEntry = place.time }
        recording.lastEntry = place.time
        func act(_ action: Recording.Action) { recording.actions.append(Recording.Item(place: place, action: action)) }
        func spec(_ profile: AgentProfile, _ name: String) -> Recording.AgentSpec {
            Recording.AgentSpec(name: name, department: center.departments[profile.department.index],
                                skills: Dictionary(profile.skills.map { (center.skills[$0.skill.index], $0.proficiency) }, uniquingKeysWith: max),
                                capacity: profile.capacity)
        }
        switch entry {
        case let .arrive(id, name, owner, channel, topic, segment, priority):
            let index = recording.contacts.count
            precondition(Int(id.rawValue) == index + 1, "contacts are numbered in arrival order")
            recording.contacts.append(Recording.Contact(name: name, owner: owner, arrival: place, channel: channel,
                                                        topic: center.topics[topic.index].name, segment: segment, priority: priority))
            recording.contacts[index].closed = events.contains(.closed(id))
            act(.arrive(index))
            tally.arrive(id, channel: channel, topic: topic, segment: segment, at: place.time, events)
        case let .accept(contact, _), let .reject(contact, _):
            guard let index = index(contact), let last = recording.contacts[index].offers.indices.last else { break }
            if case .accept = entry {
                recording.contacts[index].offers[last].response = .accepted(place)
            } else {
                recording.contacts[index].offers[last].response = .rejected(place)
            }
        case let .complete(contact):
            if let index = index(contact) { recording.contacts[index].completed = place }
        case let .abandon(contact):
            if let index = index(contact) {
                recording.contacts[index].abandoned = place
                act(.abandon(index))
            }
        case let .presence(agent, presence):
            act(.presence(agent: name(agent), presence))
        case let .addAgent(profile, name):
            agentNames[profile.id.rawValue] = name
            tally.addAgent(profile.id, department: profile.department.index, capacity: profile.capacity)
            act(.addAgent(spec(profile, name)))
        case let .updateAgent(profile):
            tally.updateAgent(profile.id, department: profile.department.index, capacity: profile.capacity)
            act(.updateAgent(spec(profile, name(profile.id))))
        case let .removeAgent(agent):
            act(.removeAgent(name(agent)))
        case let .channels(channels, open, byCalendar, until):
            act(.channels(channels, open: open, byCalendar: byCalendar, until: until))
        case let .followHours(channels):
            act(.followHours(channels))
        case let .adapterLost(adapter, until, includingHeld):
            act(.adapterLost(adapter: adapter, until: until, includingHeld: includingHeld))
        case let .adapterSynced(adapter):
            act(.adapterSynced(adapter))
        case .other:
            break
        }
        observe(events, at: place.time)
        if case .arrive = entry {} else { tally.observe(events, at: place.time) }
    }

    /// Notes offers and connections as they happen.
    mutating func observe(_ events: [Event], at time: Double) {
        for event in events {
            switch event {
            case let .offered(contact, agent, _, _):
                guard let index = index(contact) else { continue }
                recording.contacts[index].offers.append(Recording.Offer(agent: name(agent), time: time, response: .none))
                recording.offerCount += 1
            case let .offerExpired(contact, _):
                guard let index = index(contact), let last = recording.contacts[index].offers.indices.last else { continue }
                recording.contacts[index].offers[last].response = .expired
            case let .connected(contact, _, _):
                if let index = index(contact) { recording.contacts[index].connected = time }
            default:
                break
            }
        }
    }

    /// Ends the record at `end` (Unix seconds, the window's end): the recording, and its
    /// figures as one replication.
    public mutating func finish(at end: Double) -> (recording: Recording, measured: ReplicationResult) {
        (recording, tally.finish(at: end))
    }

    /// The agents measured, in order: the roster, then those added live.
    public var measuredAgents: [Replay.MeasuredAgent] {
        tally.agentOrder.map { id in
            let name = agentNames[id.rawValue] ?? id.description
            return Replay.MeasuredAgent(name: name, department: tally.agentDepartments[id.rawValue] ?? nil, group: agentGroups[name] ?? nil)
        }
    }
}
