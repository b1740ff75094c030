import AgnerCore
import Foundation

/// One run of a scenario: the routing engine on a virtual clock, fed by random demand.
///
/// Two event sources are interleaved: the simulator's own heap (arrivals, ends of handling,
/// customers hanging up, shifts, breaks, opening hours) and the engine's timers (escalation,
/// breaches, ends of wrap-up). Engine timers due at the same moment go first.
struct Replication {
    let scenario: Scenario
    let index: Int
    var engine: RoutingEngine
    var events: [Event] = []
    var queue = BinaryHeap<Pending>()
    var sequence: UInt64 = 0
    var now: Seconds = 0

    var arrivalsRandom: Xoshiro256
    var handleRandom: Xoshiro256
    var patienceRandom: Xoshiro256
    var samplingRandom: Xoshiro256

    // Per stream
    let handleSamplers: [Distribution.Sampler]
    let patienceSamplers: [PerSegment<Distribution.Sampler?>]
    let deflection: [Double]
    let segmentThresholds: [(Double, Double)]

    // Agents
    var agentProfiles: [AgentProfile] = []
    var agentGroupOf: [Int] = []
    var agentStaffed: [Bool] = []
    var agentStaffedSince: [Seconds] = []

    // Contacts in flight: a slab, the slot in the low 32 bits of the contact id.
    var contacts: [ContactInfo] = []
    var freeSlots: [UInt32] = []
    var generation: UInt32 = 0

    // Occupancy integration
    var staffedAgents = 0
    var busyLoad = 0.0
    var integratedUntil: Seconds = 0

    var result: ReplicationResult
    let intervalsPerDay: Int
    let intervalLength: Seconds
    let warmup: Seconds
    let end: Seconds
    let definitionTargets: [Seconds]  // answer target per stream
    // Per stream, flat, so the hot path copies no arrays out of the scenario.
    let streamChannel: [Channel]
    let streamTopic: [Int]
    let streamDepartment: [Int]
    /// `rates[stream * intervalsPerDay + interval]`, arrivals per second.
    let rates: [Double]
    /// `weekdayFactors[stream * 7 + weekday]`.
    let weekdayFactors: [Double]
    let wrapUp: PerChannel<Seconds>
    let ringTime: Seconds
    let qaSampleRate: Double
    let startWeekday: Int

    struct ContactInfo {
        var stream: Int32 = 0
        var segment: Segment = .regular
        var arrival: Seconds = 0
        var interval: Int32 = 0
        var counted = false
        var agent: Int32 = -1
        var weight: Double = 0
        var generation: UInt32 = 0
        var live = false
    }

    struct Pending: Comparable {
        enum Kind: UInt8 {
            case arrival, complete, abandon, accept, shiftStart, shiftEnd, breakStart, breakEnd, open, close, dayStart
        }

        var time: Seconds
        var sequence: UInt64
        var kind: Kind
        var a: UInt64
        var b: UInt64

        static func < (x: Self, y: Self) -> Bool { x.time != y.time ? x.time < y.time : x.sequence < y.sequence }
        static func == (x: Self, y: Self) -> Bool { x.time == y.time && x.sequence == y.sequence }
    }

    init(scenario: Scenario, index: Int) {
        self.scenario = scenario
        self.index = index
        var configuration = scenario.center
        configuration.offerTimeout = nil  // simulated agents answer their offers
        engine = RoutingEngine(configuration: configuration)
        let seed = scenario.run.seed
        arrivalsRandom = Xoshiro256(seed: seed, replication: index, purpose: .arrivals)
        handleRandom = Xoshiro256(seed: seed, replication: index, purpose: .handleTimes)
        patienceRandom = Xoshiro256(seed: seed, replication: index, purpose: .patience)
        samplingRandom = Xoshiro256(seed: seed, replication: index, purpose: .sampling)
        handleSamplers = scenario.demand.map { scenario.handling.distribution(channel: $0.channel, topic: $0.topic).sampler }
        patienceSamplers = scenario.demand.map { stream in
            PerSegment(wholesale: scenario.patience.distribution(channel: stream.channel, segment: .wholesale)?.sampler,
                       regular: scenario.patience.distribution(channel: stream.channel, segment: .regular)?.sampler,
                       new: scenario.patience.distribution(channel: stream.channel, segment: .new)?.sampler)
        }
        deflection = scenario.demand.map { stream in
            // Several campaigns on one topic: each deflects a share of what the others left.
            1 - scenario.notices.filter { $0.topic == stream.topic }.reduce(1.0) { $0 * (1 - $1.deflects) }
        }
        segmentThresholds = scenario.demand.map { ($0.segmentMix.wholesale, $0.segmentMix.wholesale + $0.segmentMix.regular) }
        definitionTargets = scenario.demand.map { scenario.center.answerTarget(topic: $0.topic, channel: $0.channel) }
        streamChannel = scenario.demand.map(\.channel)
        streamTopic = scenario.demand.map(\.topic.index)
        streamDepartment = scenario.demand.map { scenario.center.topics[$0.topic.index].owningDepartment.index }
        rates = scenario.demand.flatMap(\.ratePerInterval)
        weekdayFactors = scenario.demand.flatMap(\.weekdayFactor)
        wrapUp = PerChannel(phone: scenario.center.channels.phone.wrapUp, chat: scenario.center.channels.chat.wrapUp,
                            email: scenario.center.channels.email.wrapUp, clickToCall: scenario.center.channels.clickToCall.wrapUp)
        ringTime = scenario.run.ringTime
        qaSampleRate = scenario.qaSampleRate
        startWeekday = scenario.run.startDay.rawValue
        intervalsPerDay = scenario.run.intervalsPerDay
        intervalLength = scenario.run.interval
        warmup = scenario.run.warmup
        end = scenario.run.duration
        let agentCount = scenario.agentGroups.reduce(0) { $0 + $1.count }
        result = ReplicationResult(topics: scenario.center.topics.count, departments: scenario.center.departments.count,
                                   intervals: scenario.run.days * scenario.run.intervalsPerDay, agents: agentCount)
        events.reserveCapacity(64)
    }

    // MARK: - Running

    mutating func run() -> ReplicationResult {
        addAgents()
        for (stream, _) in scenario.demand.enumerated() { scheduleNextArrival(stream: stream, after: 0) }
        for day in 0..<scenario.run.days { push(Double(day) * 86_400, .dayStart, UInt64(day)) }
        while true {
            let nextPending = queue.min?.time ?? .infinity
            if let due = engine.nextDeadline(), due <= nextPending, due <= end {
                advanceClock(to: due)
                events.removeAll(keepingCapacity: true)
                engine.advance(to: due, into: &events)
                handleEvents()
                continue
            }
            guard nextPending <= end, let item = queue.popMin() else { break }
            advanceClock(to: item.time)
            handle(item)
        }
        advanceClock(to: end)
        finish()
        return result
    }

    mutating func push(_ time: Seconds, _ kind: Pending.Kind, _ a: UInt64 = 0, _ b: UInt64 = 0) {
        sequence &+= 1
        queue.insert(Pending(time: time, sequence: sequence, kind: kind, a: a, b: b))
    }

    mutating func apply(_ command: Command) {
        events.removeAll(keepingCapacity: true)
        do {
            try engine.apply(command, at: now, into: &events)
        } catch {
            // The simulator only sends commands that fit; a refusal is a bug worth stopping for.
            preconditionFailure("the engine refused \(command) at \(now): \(error)")
        }
        handleEvents()
    }

    mutating func handle(_ item: Pending) {
        switch item.kind {
        case .arrival: arrive(stream: Int(item.a))
        case .complete: apply(.complete(ContactID(item.a)))
        case .abandon:
            let id = ContactID(item.a)
            if let state = engine.state(of: id), state == .queued || state == .offered { apply(.abandon(id)) }
        case .accept:
            let id = ContactID(item.a)
            if engine.state(of: id) == .offered { apply(.accept(id, AgentID(item.b))) }
        case .shiftStart: apply(.setPresence(AgentID(item.a), .available))
        case .shiftEnd: apply(.setPresence(AgentID(item.a), .offline))
        case .breakStart:
            if engine.agent(AgentID(item.a))?.presence == .available { apply(.setPresence(AgentID(item.a), .onBreak)) }
        case .breakEnd:
            if engine.agent(AgentID(item.a))?.presence == .onBreak { apply(.setPresence(AgentID(item.a), .available)) }
        case .open: setChannels(open: true)
        case .close: setChannels(open: false)
        case .dayStart: startDay(Int(item.a))
        }
    }

    // MARK: - Arrivals

    /// Piecewise-constant Poisson: draw with the current interval's rate; past the interval's
    /// end, start again from the boundary with the next rate (the exponential forgets).
    mutating func scheduleNextArrival(stream: Int, after start: Seconds) {
        var time = start
        while time < end {
            let day = Int(time / 86_400)
            let intervalOfDay = min(intervalsPerDay - 1, Int((time - Double(day) * 86_400) / intervalLength))
            let boundary = Double(day) * 86_400 + Double(intervalOfDay + 1) * intervalLength
            let weekday = (startWeekday + day) % 7
            let rate = rates[stream * intervalsPerDay + intervalOfDay] * weekdayFactors[stream * 7 + weekday]
            if rate > 0 {
                let next = time + arrivalsRandom.exponential(mean: 1 / rate)
                if next < boundary {
                    push(next, .arrival, UInt64(stream))
                    return
                }
            }
            time = boundary
        }
    }

    mutating func arrive(stream: Int) {
        scheduleNextArrival(stream: stream, after: now)
        let counted = now >= warmup
        let interval = Int32(min(result.intervals.count / 4 - 1, Int(now / intervalLength)))
        let u = arrivalsRandom.unitOpen()
        let (wholesale, regular) = segmentThresholds[stream]
        let segment: Segment = u <= wholesale ? .wholesale : (u <= regular ? .regular : .new)
        if deflection[stream] > 0 {
            if counted { tally(stream: stream, segment: segment, interval: interval) { $0.noticesSent += 1 } }
            if arrivalsRandom.chance(deflection[stream]) {
                if counted { tally(stream: stream, segment: segment, interval: interval) { $0.deflected += 1 } }
                return
            }
        }
        result.contactsSimulated += 1
        let slot = allocateSlot()
        contacts[Int(slot)].stream = Int32(stream)
        contacts[Int(slot)].segment = segment
        contacts[Int(slot)].arrival = now
        contacts[Int(slot)].interval = interval
        contacts[Int(slot)].counted = counted
        contacts[Int(slot)].agent = -1
        let id = ContactID(UInt64(contacts[Int(slot)].generation) << 32 | UInt64(slot))
        apply(.arrive(ContactArrival(id: id, channel: streamChannel[stream], topic: TopicID(streamTopic[stream]), segment: segment)))
        guard let state = engine.state(of: id) else { return }  // closed
        if counted { tally(stream: stream, segment: segment, interval: interval) { $0.offered += 1 } }
        if state != .connected {
            if counted && state != .offered { tally(stream: stream, segment: segment, interval: interval) { $0.waited += 1 } }
            if state != .callbackScheduled, let sampler = patienceSamplers[stream][segment] {
                push(now + sampler.draw(&patienceRandom), .abandon, id.rawValue)
            }
        }
    }

    // MARK: - Engine events

    mutating func handleEvents() {
        var index = 0
        while index < events.count {
            let event = events[index]
            index += 1
            switch event {
            case let .offered(contact, agent, _, _):
                if ringTime > 0 {
                    push(now + ringTime, .accept, contact.rawValue, agent.rawValue)
                } else {
                    // Accept at once; the accept's events are handled in this same loop.
                    do { try engine.apply(.accept(contact, agent), at: now, into: &events) } catch {
                        preconditionFailure("accept refused: \(error)")
                    }
                }
            case let .connected(contact, agent, waited):
                connected(contact, agent: agent, waited: waited)
            case let .abandoned(contact, waited):
                let info = contacts[Int(slot(of: contact))]
                if info.counted {
                    tally(stream: Int(info.stream), segment: info.segment, interval: info.interval) {
                        $0.abandoned += 1
                        if waited <= ServiceLevelDefinition.shortAbandon { $0.abandonedShort += 1 }
                        $0.longestWait = max($0.longestWait, waited)
                    }
                }
                releaseSlot(contact)
            case let .breached(contact, cause):
                let info = contacts[Int(slot(of: contact))]
                if info.counted {
                    let causeIndex = BreachCause.allCases.firstIndex(of: cause)!
                    tally(stream: Int(info.stream), segment: info.segment, interval: info.interval) { $0.breaches[causeIndex] += 1 }
                }
            case let .callbackScheduled(contact):
                let info = contacts[Int(slot(of: contact))]
                if info.counted { tally(stream: Int(info.stream), segment: info.segment, interval: info.interval) { $0.callbacks += 1 } }
            case let .closed(contact):
                let info = contacts[Int(slot(of: contact))]
                if info.counted { tally(stream: Int(info.stream), segment: info.segment, interval: info.interval) { $0.unserved += 1 } }
                releaseSlot(contact)
            case let .wrapUpEnded(contact, _):
                let info = contacts[Int(slot(of: contact))]
                busyLoad -= info.weight
                releaseSlot(contact)
            case let .agentState(agent, state):
                agentChanged(Int(agent.rawValue), state: state)
            default:
                break
            }
        }
    }

    mutating func connected(_ contact: ContactID, agent: AgentID, waited: Seconds) {
        let slot = Int(slot(of: contact))
        let info = contacts[slot]
        let stream = Int(info.stream)
        let handle = handleSamplers[stream].draw(&handleRandom)
        push(now + handle, .complete, contact.rawValue)
        let agentIndex = Int(agent.rawValue)
        let channel = streamChannel[stream]
        let capacity = agentProfiles[agentIndex].capacity[channel]
        let weight = channel.isVoice ? 1 : 1 / Double(max(1, capacity))
        contacts[slot].agent = Int32(agentIndex)
        contacts[slot].weight = weight
        busyLoad += weight
        let wrapUp = self.wrapUp[channel]
        guard info.counted else { return }
        let withinTarget = waited <= definitionTargets[stream]
        let sampled = qaSampleRate > 0 && samplingRandom.chance(qaSampleRate)
        tally(stream: stream, segment: info.segment, interval: info.interval) {
            $0.answered += 1
            if withinTarget { $0.answeredWithinTarget += 1 }
            $0.waitSum += waited
            $0.longestWait = max($0.longestWait, waited)
            $0.handleSum += handle
            if sampled { $0.qaSampled += 1 }
        }
        result.agents[agentIndex].answered += 1
        result.agents[agentIndex].handleSum += handle
        result.agents[agentIndex].workload.busy += min(handle + wrapUp, end - now) * weight
        if sampled { result.agents[agentIndex].qaSampled += 1 }
    }

    /// Adds to every grouping the contact belongs to.
    @inline(__always)
    mutating func tally(stream: Int, segment: Segment, interval: Int32, _ change: (inout Tally) -> Void) {
        let channel = streamChannel[stream].rawValue
        change(&result.total)
        change(&result.channels[channel])
        change(&result.topics[streamTopic[stream]])
        change(&result.departments[streamDepartment[stream]])
        change(&result.segments[segment.rawValue])
        change(&result.intervals[Int(interval) * 4 + channel])
    }

    // MARK: - Contact slots

    @inline(__always)
    func slot(of contact: ContactID) -> UInt32 { UInt32(truncatingIfNeeded: contact.rawValue) }

    mutating func allocateSlot() -> UInt32 {
        let slot: UInt32
        if let reused = freeSlots.popLast() {
            slot = reused
        } else {
            contacts.append(ContactInfo())
            slot = UInt32(contacts.count - 1)
        }
        contacts[Int(slot)].generation &+= 1
        contacts[Int(slot)].live = true
        return slot
    }

    mutating func releaseSlot(_ contact: ContactID) {
        let slot = slot(of: contact)
        contacts[Int(slot)].live = false
        freeSlots.append(slot)
    }
}
