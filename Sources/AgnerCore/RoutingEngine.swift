
/// The routing engine: a deterministic state machine with no I/O, no clock and no randomness.
///
/// ```swift
/// var engine = RoutingEngine(configuration: center)
/// var events: [Event] = []
/// try engine.apply(.arrive(arrival), at: 12.5, into: &events)
/// if let due = engine.nextDeadline() { engine.advance(to: due, into: &events) }
/// ```
///
/// The live service drives it with the wall clock; the simulator with a virtual clock. The
/// same commands at the same times always produce the same events.
///
/// - Complexity: a routing decision costs O(p · log n), where p is the number of pools an
///   agent belongs to (bounded by topics × ladder steps, not by agents or contacts) and n the
///   size of a pool's heap. Nothing scans all agents or all contacts.
public struct RoutingEngine: Sendable {
    public let configuration: CenterConfiguration
    /// The time of the last command or timer.
    public private(set) var now: Seconds = 0
    /// Events left out of what the engine reports (none by default). Not part of the state:
    /// a decoded engine reports everything until told otherwise.
    public var omittedEvents: RoutineEvents = []

    /// The contacts, agents, pools, each agent's pools and the free contact slots, owned
    /// together (`EngineRecords`):
    /// read and written through the properties below.
    var records = EngineRecords()
    var contacts: RecordStore<ContactRecord> {
        @inline(__always) _read { yield records.contacts }
        @inline(__always) _modify { assertOwnsRecords(); yield &records.contacts }
    }
    var agents: RecordStore<AgentRecord> {
        @inline(__always) _read { yield records.agents }
        @inline(__always) _modify { assertOwnsRecords(); yield &records.agents }
    }
    var pools: RecordStore<Pool> {
        @inline(__always) _read { yield records.pools }
        @inline(__always) _modify { assertOwnsRecords(); yield &records.pools }
    }
    /// The pools each agent belongs to, per channel (derived from its profile and the pools).
    var agentPools: MembershipTable {
        @inline(__always) _read { yield records.agentPools }
        @inline(__always) _modify { assertOwnsRecords(); yield &records.agentPools }
    }
    /// Per channel, the contacts in its pools' lines (the sum of their `waitingCount`): routing
    /// a freed agent skips the channels where nobody waits without looking at their pools.
    /// Derived, not stored in snapshots.
    var channelWaiting = PerChannel(repeating: 0)
    var freeContactSlots: RecordStore<Int32> {
        @inline(__always) _read { yield records.freeContactSlots }
        @inline(__always) _modify { assertOwnsRecords(); yield &records.freeContactSlots }
    }
    var contactSlots = SlotTable()
    var freeAgentSlots: [Int32] = []
    var agentSlots = SlotTable()
    /// Every distinct eligibility criterion the ladders give (fixed by the configuration).
    var criteria: [PoolCriterion] = []
    /// For topic t and channel c, the criterion of each ladder step: `topicCriteria[t * 4 + c][step]`.
    var topicCriteria: [[Int32]] = []
    /// The pool holding each criterion's agents (changes when `refinePools` splits a pool).
    var criterionPools: [Int32] = []
    /// For topic t and channel c, the pool of each step: `criterionPools` of `topicCriteria`,
    /// kept beside them for the hot path.
    var topicPools: [[Int32]] = []
    /// For topic t and channel c, at `t * 4 + c`: for each step, the first later step whose pool
    /// differs (the steps' count when none does). Derived with `topicPools`.
    var wideningSteps: [[Int8]] = []
    /// For topic t: when each ladder step starts, as a fraction of the answer target.
    var stepStarts: [[Double]] = []
    var timers = BinaryHeap<TimerEntry>()
    var arrivalSequence: UInt64 = 0
    var channelOpen = PerChannel(repeating: true)
    /// Per channel, the contacts that arrived while it was closed and wait for it to open
    /// (slot and arrival sequence, in arrival order; an entry whose contact moved on is skipped).
    var awaitingOpening = PerChannel<[OpeningWaiter]>(repeating: [])
    /// `configuration.channels[c].routingTier`, kept flat for the hot path.
    let channelTiers: PerChannel<Int>
    /// `configuration.channels[c].higherTierReserve`, kept flat for the hot path.
    let channelReserves: PerChannel<Int>
    /// `configuration.channels[c].wrapUp` and `.outOfHours`, kept flat for the hot path.
    let channelWrapUps: PerChannel<Seconds>
    let channelOutOfHours: PerChannel<OutOfHoursRule>
    /// `configuration.answerTarget(topic: t, channel: c)` at `t * 4 + c`, kept flat for the hot path.
    let answerTargets: [Seconds]
    /// Pools that gained a free agent while they had agents held back (`Pool.heldBack`): those
    /// agents are routed again at the end of the command or timer. Empty between commands.
    var poolsToRecheck: [Int32] = []
    /// An empty list kept with its capacity, swapped with a pool's `heldBack` when that is
    /// routed again (`recheckHeldBack`). Not part of the state.
    var spareHeldBack: [Int32] = []
    /// The smallest reserve of any channel that has one (`Int.max` without): an agent held back
    /// for a pool can take lower-tier work only once that pool has at least this many free
    /// agents, so a pool below it is not worth routing its held-back agents again.
    let smallestReserve: Int
    /// Marks for `compactHeldBack` (one per agent slot, compared with the epoch).
    var heldBackMarks: [UInt32] = []
    var heldBackEpoch: UInt32 = 0

    public init(configuration: CenterConfiguration) {
        self.configuration = configuration
        channelTiers = configuration.channels.map(\.routingTier)
        channelReserves = configuration.channels.map(\.higherTierReserve)
        channelWrapUps = configuration.channels.map(\.wrapUp)
        channelOutOfHours = configuration.channels.map(\.outOfHours)
        answerTargets = configuration.topics.indices.flatMap { topic in
            Channel.allCases.map { configuration.answerTarget(topic: TopicID(topic), channel: $0) }
        }
        smallestReserve = Channel.allCases.map { configuration.channels[$0].higherTierReserve }.filter { $0 > 0 }.min() ?? Int.max
        var criterionIndex: [PoolCriterion: Int32] = [:]
        for (topicIndex, topic) in configuration.topics.enumerated() {
            let ladder = configuration.ladder(for: TopicID(topicIndex))
            stepStarts.append(ladder.steps.map(\.from))
            for channel in Channel.allCases {
                var perStep: [Int32] = []
                for step in ladder.steps {
                    var criterion = Self.criterion(for: step, topic: topic, channel: channel)
                    // With one department, "the owning department" and "any department" are the
                    // same agents: one criterion, not two.
                    if configuration.departments.count == 1 { criterion.department = -1 }
                    if let index = criterionIndex[criterion] {
                        perStep.append(index)
                    } else {
                        let index = Int32(criteria.count)
                        criteria.append(criterion)
                        criterionIndex[criterion] = index
                        perStep.append(index)
                    }
                }
                topicCriteria.append(perStep)
            }
        }
        // Before any agent is added every criterion of a channel names the same (empty) set of
        // agents: one pool per channel, split as agents who tell them apart arrive.
        criterionPools = Array(repeating: -1, count: criteria.count)
        for channel in Channel.allCases {
            let ofChannel = criteria.indices.filter { criteria[$0].channel == channel }.map { Int32($0) }
            guard !ofChannel.isEmpty else { continue }
            for criterion in ofChannel { criterionPools[Int(criterion)] = Int32(pools.count) }
            pools.append(Pool(channel: channel, criteria: ofChannel))
        }
        updateTopicPools()
    }

    /// `topicPools` and `wideningSteps` from `criterionPools`, after either changed.
    mutating func updateTopicPools() {
        topicPools = topicCriteria.map { $0.map { criterionPools[Int($0)] } }
        wideningSteps = topicPools.map { steps in
            steps.indices.map { step in Int8(steps.indices.first { $0 > step && steps[$0] != steps[step] } ?? steps.count) }
        }
    }

    private static func criterion(for step: EscalationStep, topic: Topic, channel: Channel) -> PoolCriterion {
        let department = step.departments == .owning ? topic.owningDepartment.index : -1
        switch step.skills {
        case .anyOnChannel:
            return PoolCriterion(channel: channel, department: department, skills: [], minimumProficiency: 0)
        case let .required(level):
            let skills = Array(Set(topic.requiredSkills.map(\.index))).sorted()
            return PoolCriterion(channel: channel, department: department, skills: skills, minimumProficiency: level)
        }
    }

    @inline(__always)
    func topicPool(topic: Int32, channel: Channel, step: Int) -> Int32 {
        topicPools[Int(topic) &* 4 &+ channel.rawValue][step]
    }

    // MARK: - Commands

    /// Applies a command at `time`, appending what happened to `events`.
    ///
    /// Timers due at or before `time` fire first (their events come first in `events`). If the
    /// command is refused it throws and changes nothing, but the timers that fired stay fired.
    public mutating func apply(_ command: Command, at time: Seconds, into events: inout [Event]) throws(EngineError) {
        guard time >= now else { throw .timeWentBackwards(now: now, requested: time) }
        makeRecordsUnique()
        fireTimers(until: time, into: &events)
        switch command {
        case let .arrive(arrival): try arrive(arrival, into: &events)
        case let .accept(contact, agent): try accept(contact, by: agent, into: &events)
        case let .reject(contact, agent): try reject(contact, by: agent, into: &events)
        case let .abandon(contact): try abandon(contact, into: &events)
        case let .complete(contact): try complete(contact, into: &events)
        case let .setPresence(agent, presence): try setPresence(agent, presence, into: &events)
        case let .addAgent(profile): try addAgent(profile, into: &events)
        case let .updateAgent(profile): try updateAgent(profile, into: &events)
        case let .removeAgent(agent): try removeAgent(agent, into: &events)
        case let .setChannelOpen(channel, open): setChannelOpen(channel, open, into: &events)
        case let .hold(contact, abandonAt): try hold(contact, abandonAt: abandonAt, into: &events)
        case let .resume(contact): try resume(contact, into: &events)
        }
        if !poolsToRecheck.isEmpty { recheckHeldBack(into: &events) }
    }

    /// Convenience for callers that want the events as a new array. Timer events that fire
    /// before a refused command are lost to the caller here; use `apply(_:at:into:)` when that matters.
    public mutating func apply(_ command: Command, at time: Seconds) throws(EngineError) -> [Event] {
        var events: [Event] = []
        try apply(command, at: time, into: &events)
        return events
    }

    // MARK: - Timers

    /// The earliest pending timer (escalation, breach warning, breach, offer timeout, end of
    /// wrap-up), or nil when nothing is pending. Drops stale timers it finds on top.
    public mutating func nextDeadline() -> Seconds? {
        while let top = timers.min {
            if isCurrent(top) { return top.time }
            timers.popMin()
        }
        return nil
    }

    /// Fires every timer due at or before `time`, in time order.
    public mutating func advance(to time: Seconds, into events: inout [Event]) {
        makeRecordsUnique()
        fireTimers(until: time, into: &events)
    }

    private mutating func fireTimers(until time: Seconds, into events: inout [Event]) {
        while let top = timers.min, top.time <= time {
            timers.popMin()
            guard isCurrent(top) else { continue }
            if top.time > now { now = top.time }
            switch top.kind {
            case .clock: runClock(slot: top.contact, into: &events)
            case .offerTimeout: expireOffer(slot: top.contact, into: &events)
            case .wrapUpEnd: endWrapUp(slot: top.contact, into: &events)
            case .holdExpiry: expireHold(slot: top.contact, into: &events)
            }
            if !poolsToRecheck.isEmpty { recheckHeldBack(into: &events) }
        }
        if time > now { now = time }
    }

    public mutating func advance(to time: Seconds) -> [Event] {
        var events: [Event] = []
        advance(to: time, into: &events)
        return events
    }

    /// Gives this engine its own records if a copy of it shares them (see `RecordStore`): the
    /// one uniqueness check of a command, made before it writes anything.
    @inline(__always)
    mutating func makeRecordsUnique() {
        if !isKnownUniquelyReferenced(&records) { records = records.copy() }
    }

    /// Debug builds check that a record is written only by an engine that owns its records
    /// alone: a path that skipped `makeRecordsUnique()` fails the tests instead of changing a copy.
    @inline(__always)
    mutating func assertOwnsRecords() {
        assert(isKnownUniquelyReferenced(&records), "a record written while a copy of the engine shares it: makeRecordsUnique() first")
    }

    @inline(__always)
    func isCurrent(_ timer: TimerEntry) -> Bool {
        switch timer.kind {
        case .clock: return contacts[Int(timer.contact)].clockVersion == timer.version
        case .offerTimeout, .wrapUpEnd, .holdExpiry: return contacts[Int(timer.contact)].linkVersion == timer.version
        }
    }

    mutating func schedule(_ kind: TimerEntry.Kind, at time: Seconds, contact slot: Int32, version: UInt32) {
        timers.insert(TimerEntry(time: time, sequence: contacts[Int(slot)].sequence, kind: kind, contact: slot, version: version))
    }
}

// MARK: - Snapshots

/// The engine's whole state, for snapshots that make recovery fast: an engine decoded from
/// one behaves exactly as the encoded engine would (same timers, same order, same indexes).
///
/// The configuration is not part of it: decoding takes it from
/// `decoder.userInfo[RoutingEngine.configurationKey]`, and refuses a state whose pools do not
/// match the ones that configuration gives, or one that is not consistent (`integrityViolation()`).
extension RoutingEngine: Codable {
    public static let configurationKey = CodingUserInfoKey(rawValue: "agner.centerConfiguration")!

    enum CodingKeys: String, CodingKey {
        case now, contacts, freeContactSlots, contactSlots, agents, freeAgentSlots, agentSlots, pools
        case timers, arrivalSequence, channelOpen, awaitingOpening
    }

    public init(from decoder: any Decoder) throws {
        guard let configuration = decoder.userInfo[Self.configurationKey] as? CenterConfiguration else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "decoding an engine needs its configuration in userInfo[RoutingEngine.configurationKey]"))
        }
        self.init(configuration: configuration)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let decodedPools = try container.decode([Pool].self, forKey: .pools)
        // The pools must partition this configuration's criteria, each by its own channel.
        var owner = [Int32](repeating: -1, count: criteria.count)
        for (index, pool) in decodedPools.enumerated() {
            guard !pool.criteria.isEmpty, pool.criteria == pool.criteria.sorted() else {
                throw DecodingError.dataCorruptedError(forKey: .pools, in: container, debugDescription: "pool \(index) lists no criteria, or not in order")
            }
            for criterion in pool.criteria {
                guard criteria.indices.contains(Int(criterion)), criteria[Int(criterion)].channel == pool.channel,
                      owner[Int(criterion)] == -1 else {
                    throw DecodingError.dataCorruptedError(forKey: .pools, in: container,
                                                           debugDescription: "the state was saved with another center configuration")
                }
                owner[Int(criterion)] = Int32(index)
            }
        }
        guard !owner.contains(-1) else {
            throw DecodingError.dataCorruptedError(forKey: .pools, in: container,
                                                   debugDescription: "the state was saved with another center configuration")
        }
        pools = RecordStore(decodedPools)
        criterionPools = owner
        updateTopicPools()
        now = try container.decode(Seconds.self, forKey: .now)
        contacts = RecordStore(try container.decode([ContactRecord].self, forKey: .contacts))
        freeContactSlots = RecordStore(try container.decode([Int32].self, forKey: .freeContactSlots))
        contactSlots = try container.decode(SlotTable.self, forKey: .contactSlots)
        agents = RecordStore(try container.decode([AgentRecord].self, forKey: .agents))
        freeAgentSlots = try container.decode([Int32].self, forKey: .freeAgentSlots)
        agentSlots = try container.decode(SlotTable.self, forKey: .agentSlots)
        // The pools of each agent follow from its profile and the pools: derived, not stored.
        // A profile `addAgent` would refuse gets none here, and is reported just below.
        for slot in agents.indices {
            let valid = agents[slot].live && (try? validate(agents[slot].profile)) != nil
            agentPools.set(Int32(slot), valid ? memberships(of: agents[slot].profile) : PerChannel(repeating: []))
        }
        for pool in pools { channelWaiting[pool.channel] += pool.waitingCount }
        timers = try container.decode(BinaryHeap<TimerEntry>.self, forKey: .timers)
        arrivalSequence = try container.decode(UInt64.self, forKey: .arrivalSequence)
        channelOpen = try container.decode(PerChannel<Bool>.self, forKey: .channelOpen)
        awaitingOpening = try container.decode(PerChannel<[OpeningWaiter]>.self, forKey: .awaitingOpening)
        // A state no sequence of commands produces would trap on the first command that
        // touches it: refused here, with what is wrong.
        if let problem = integrityViolation() {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "an inconsistent engine state: \(problem)"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        // Pools first: decoding checks them against the configuration before anything else.
        try container.encode(pools.elements, forKey: .pools)
        try container.encode(now, forKey: .now)
        try container.encode(contacts.elements, forKey: .contacts)
        try container.encode(freeContactSlots.elements, forKey: .freeContactSlots)
        try container.encode(contactSlots, forKey: .contactSlots)
        try container.encode(agents.elements, forKey: .agents)
        try container.encode(freeAgentSlots, forKey: .freeAgentSlots)
        try container.encode(agentSlots, forKey: .agentSlots)
        try container.encode(timers, forKey: .timers)
        try container.encode(arrivalSequence, forKey: .arrivalSequence)
        try container.encode(channelOpen, forKey: .channelOpen)
        try container.encode(awaitingOpening, forKey: .awaitingOpening)
    }
}
