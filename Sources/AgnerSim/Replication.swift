import AgnerCore
import Foundation

/// One run of a scenario: the routing engine on a virtual clock, fed by random demand.
///
/// Two event sources are interleaved: the simulator's own (each stream's next arrival in
/// `arrivals`; ends of handling, customers hanging up, shifts, breaks and opening hours in the
/// `queue` heap) and the engine's timers (escalation, breaches, ends of wrap-up). Engine timers
/// due at the same moment go first.
struct Replication {
    let scenario: Scenario
    let index: Int
    var engine: RoutingEngine
    /// The engine's events: each command appends its own after those of the commands before,
    /// which were handled already. Cleared only once they fill the reserved capacity
    /// (`clearHandledEvents`): clearing after every command cost about 140 instructions per
    /// simulated contact (single queue).
    var events: [Event] = []
    let queue = EventList(reserving: 256, placeholder: Pending(time: 0, sequence: 0, kind: .dayStart, a: 0))
    /// The next arrival of each demand stream, kept apart from the other events: one entry
    /// per stream instead of one per contact in the main queue.
    let arrivals: ArrivalTournament
    var sequence: UInt64 = 0
    var now: Seconds = 0

    /// Per demand stream, one generator per purpose (common random numbers: see `RandomPurpose`).
    let random: StreamGenerators
    /// Per demand stream, what the hot path reads and keeps of it (`StreamProfile`).
    let streams: Slab<StreamProfile>

    // Agents
    var agentProfiles: [AgentProfile] = []
    /// Per agent: staffed or not, contacts held, since when (one record, one write per change).
    let agentClocks = Slab(reserving: 64, placeholder: AgentClock())

    // Contacts in flight: a slab, the slot in the low 32 bits of the contact id.
    let contacts = Slab(reserving: 1024, placeholder: ContactInfo())
    /// The slots freed, reused last in, first out.
    let freeSlots = Slab(reserving: 1024, placeholder: UInt32(0))
    var generation: UInt32 = 0
    /// The step of the offer just made (the engine's `connected` follows its `offered`).
    var lastOfferedStep = 0
    var openContacts = 0
    var openContactsLimit = ScenarioLimits.openContacts
    /// Set when more contacts were open at once than `ScenarioLimits.openContacts`.
    var overloadedAt: Seconds? = nil


    var result: ReplicationResult
    /// Tallies per (stream, segment), summed into total, channel, topic, department and
    /// segment when the replication ends: one update on the hot path instead of five.
    let streamCells: Slab<Tally>
    /// `intervalCells[interval * 4 + channel]`, copied into the result when the replication ends,
    /// as are the slabs below (the hot path writes them in place).
    let intervalCells: Slab<Tally>
    let intervalWork: Slab<Workload>
    let agentTallies: Slab<AgentTally>
    let answeredByDepartment: Slab<Int>
    let answeredAtStep: Slab<Int>
    /// `answeredByWait[channel * WaitBands.count + band]` (see `WaitBands`).
    let answeredByWait: Slab<Int>
    let intervalsPerDay: Int
    let intervalLength: Seconds
    let warmup: Seconds
    let end: Seconds
    /// `rates[stream * DemandStream.minutesPerDay + minute]`, arrivals per second: the demand by
    /// the minute, so arrivals never depend on the reporting interval.
    let rates: [Double]
    /// `rateRunEnds[stream * DemandStream.minutesPerDay + minute]`: the first minute after
    /// `minute`, in the same day, whose rate differs from its rate (`minutesPerDay` if none):
    /// `enterRate` steps over a run of equal rates at once instead of minute by minute.
    let rateRunEnds: [Int32]
    /// `weekdayFactors[stream * 7 + weekday]`.
    let weekdayFactors: [Double]
    let wrapUp: PerChannel<Seconds>
    let ringTime: Seconds
    let qaSampleRate: Double
    let startWeekday: Int
    let departmentCount: Int

    /// The generators of every demand stream, in one buffer: drawing through a pointer costs
    /// no copy and no uniqueness check (a replication owns its generators alone).
    final class StreamGenerators {
        let pointer: UnsafeMutablePointer<StreamRandom>
        let count: Int

        init(_ generators: [StreamRandom]) {
            count = generators.count
            pointer = UnsafeMutablePointer<StreamRandom>.allocate(capacity: max(1, count))
            pointer.initialize(from: generators, count: count)
        }

        deinit {
            pointer.deinitialize(count: count)
            pointer.deallocate()
        }

        @inline(__always)
        subscript(stream: Int) -> UnsafeMutablePointer<StreamRandom> { pointer + stream }
    }

    /// What the hot path reads and keeps of one demand stream, in one record: flat, so it copies
    /// nothing out of the scenario, and in a slab, so an arrival reads its stream's fields
    /// without a bounds check each (one array per field cost 13 instructions per simulated
    /// contact more in the single queue, 30 in the retail week).
    struct StreamProfile {
        var channel: Channel
        var topic: Int
        /// The topic's owning department.
        var department: Int
        var answerTarget: Seconds
        /// Segment shares summed: a draw u ≤ `.0` is wholesale, ≤ `.1` regular, above it new.
        var segmentThresholds: (Double, Double)
        /// The share of customers the stream's notice campaigns keep from contacting the center.
        var deflection: Double
        /// Whether the customers' segment, deflection and patience are random at all. A draw
        /// that cannot change anything is skipped; each purpose has its own generator, so
        /// skipping one moves no other draw.
        var drawsSegment: Bool
        var drawsDeflection: Bool
        var drawsPatience: Bool
        /// Whether the topic has a notice campaign (its customers are sent notices).
        var notified: Bool
        var handleTime: Distribution.Sampler
        var patience: PerSegment<Distribution.Sampler?>
        /// The arrival rate in force (per second) and until when: the end of its stretch of
        /// equal rates (`enterRate`); none yet at the start.
        var rate: Double = 0
        var rateUntil: Seconds = -1

        init(_ stream: DemandStream, of scenario: Scenario) {
            channel = stream.channel
            topic = stream.topic.index
            department = scenario.center.topics[stream.topic.index].owningDepartment.index
            answerTarget = scenario.center.answerTarget(topic: stream.topic, channel: stream.channel)
            segmentThresholds = (stream.segmentMix.wholesale, stream.segmentMix.wholesale + stream.segmentMix.regular)
            // Several campaigns on one topic: each deflects a share of what the others left.
            deflection = 1 - scenario.notices.filter { $0.topic == stream.topic }.reduce(1.0) { $0 * (1 - $1.deflects) }
            drawsSegment = Segment.allCases.filter { stream.segmentMix[$0] > 0 }.count > 1
            drawsDeflection = deflection > 0
            notified = scenario.notices.contains { $0.topic == stream.topic }
            handleTime = scenario.handling.distribution(channel: stream.channel, topic: stream.topic).sampler
            patience = PerSegment(wholesale: scenario.patience.distribution(channel: stream.channel, segment: .wholesale)?.sampler,
                                  regular: scenario.patience.distribution(channel: stream.channel, segment: .regular)?.sampler,
                                  new: scenario.patience.distribution(channel: stream.channel, segment: .new)?.sampler)
            drawsPatience = patience.wholesale != nil || patience.regular != nil || patience.new != nil
        }
    }

    /// The generators of one demand stream.
    struct StreamRandom {
        var arrivals: Xoshiro256
        var segment: Xoshiro256
        var deflection: Xoshiro256
        var handleTimes: Xoshiro256
        var patience: Xoshiro256
        var sampling: Xoshiro256

        init(seed: UInt64, replication: Int, stream key: UInt64) {
            arrivals = Xoshiro256(seed: seed, replication: replication, purpose: .arrivals, stream: key)
            segment = Xoshiro256(seed: seed, replication: replication, purpose: .segment, stream: key)
            deflection = Xoshiro256(seed: seed, replication: replication, purpose: .deflection, stream: key)
            handleTimes = Xoshiro256(seed: seed, replication: replication, purpose: .handleTimes, stream: key)
            patience = Xoshiro256(seed: seed, replication: replication, purpose: .patience, stream: key)
            sampling = Xoshiro256(seed: seed, replication: replication, purpose: .sampling, stream: key)
        }
    }

    struct ContactInfo {
        var stream: Int32 = 0
        var segment: Segment = .regular
        var arrival: Seconds = 0
        var interval: Int32 = 0
        var counted = false
        var agent: Int32 = -1
        /// Handle time, drawn when the contact arrived.
        var handleTime: Seconds = 0
        var generation: UInt32 = 0
        var live = false
        /// Waited in line at some point (not offered on arrival).
        var queued = false
        var connected = false
        var callback = false
        /// Drawn for quality review if handled (drawn when the contact arrived).
        var sampled = false
        /// The escalation step at which the contact was offered.
        var step: UInt8 = 0
        /// The agent whose offer rings (with ring time).
        var ringingAgent: UInt64 = 0

        @inline(__always)
        mutating func connect(agent: Int32) {
            self.agent = agent
            connected = true
        }
    }

    /// A pending simulator event: 24 bytes, ordered by (time, sequence).
    struct Pending: Comparable {
        enum Kind: UInt8 {
            case complete, abandon, accept, shiftStart, shiftEnd, breakStart, breakEnd, open, close, dayStart
        }

        /// The time as `OrderKey.of` gives it (shifts begun the evening before start at
        /// negative times). Stored so, the event list's pops compare integers straight from
        /// memory: on the pops' critical path, converting a `Double` on each comparison cost
        /// 3.6 % of a single-queue run (docs/performance.md, "The fourth round").
        var timeKey: UInt64
        /// The sequence number above the kind: `sequence << 8 | kind`.
        var order: UInt64
        var a: UInt64

        init(time: Seconds, sequence: UInt64, kind: Kind, a: UInt64) {
            self.timeKey = OrderKey.of(time + 0)  // -0.0 becomes 0.0: the two tie
            self.order = sequence << 8 | UInt64(kind.rawValue)
            self.a = a
        }

        var time: Seconds { OrderKey.number(timeKey) }

        var kind: Kind { Kind(rawValue: UInt8(truncatingIfNeeded: order))! }

        /// An end of handling (`.complete`), read without decoding the kind.
        @inline(__always)
        var isCompletion: Bool { UInt8(truncatingIfNeeded: order) == Kind.complete.rawValue }

        /// Time, then order, in one number: in the event list's pops, which of two children
        /// comes first is a coin toss, and a mispredicted branch costs more than comparing one
        /// 128-bit number.
        @inline(__always)
        var key: UInt128 { UInt128(timeKey) << 64 | UInt128(order) }

        static func < (x: Self, y: Self) -> Bool { x.key < y.key }
        static func == (x: Self, y: Self) -> Bool { x.timeKey == y.timeKey && x.order == y.order }
    }

    /// - Parameter startingEngine: `Replication.startingEngine(for: scenario)`, built once for
    ///   all the replications of a run; built here when not given.
    init(scenario: Scenario, index: Int, startingEngine: RoutingEngine? = nil) {
        self.scenario = scenario
        self.index = index
        engine = startingEngine ?? Self.startingEngine(for: scenario)
        let seed = scenario.run.seed
        var occurrences: [String: Int] = [:]
        random = StreamGenerators(scenario.demand.map { stream in
            let topic = scenario.center.topics[stream.topic.index].name
            let identity = "\(stream.channel.name)/\(topic)"
            let occurrence = occurrences[identity, default: 0]
            occurrences[identity] = occurrence + 1
            return StreamRandom(seed: seed, replication: index,
                                stream: RandomPurpose.streamKey(channel: stream.channel.name, topic: topic, occurrence: occurrence))
        })
        streams = Slab(scenario.demand.map { StreamProfile($0, of: scenario) })
        arrivals = ArrivalTournament(streams: scenario.demand.count)
        rates = scenario.demand.flatMap(\.ratePerMinute)
        rateRunEnds = rates.withUnsafeBufferPointer { rates in
            // Unchecked: a replication of the retail week computes 11 × 1,440 of them.
            let perDay = DemandStream.minutesPerDay
            return [Int32](unsafeUninitializedCapacity: rates.count) { ends, count in
                for dayStart in stride(from: 0, to: rates.count, by: perDay) {
                    var minute = 0
                    while minute < perDay {
                        let rate = rates[dayStart + minute]
                        var runEnd = minute + 1
                        while runEnd < perDay && rates[dayStart + runEnd] == rate { runEnd += 1 }
                        (ends.baseAddress! + dayStart + minute).initialize(repeating: Int32(runEnd), count: runEnd - minute)
                        minute = runEnd
                    }
                }
                count = rates.count
            }
        }
        weekdayFactors = scenario.demand.flatMap(\.weekdayFactor)
        wrapUp = scenario.center.channels.map(\.wrapUp)
        ringTime = scenario.run.ringTime
        qaSampleRate = scenario.qaSampleRate
        startWeekday = scenario.run.startDay.rawValue
        intervalsPerDay = scenario.run.intervalsPerDay
        intervalLength = scenario.run.interval
        warmup = scenario.run.warmup
        end = scenario.run.duration
        departmentCount = scenario.center.departments.count
        let ladderSteps = scenario.center.topics.indices.map { scenario.center.ladder(for: TopicID($0)).steps.count }.max() ?? 1
        streamCells = Slab(repeating: Tally(), count: scenario.demand.count * Segment.allCases.count)
        intervalCells = Slab(repeating: Tally(), count: scenario.run.days * scenario.run.intervalsPerDay * Channel.allCases.count)
        intervalWork = Slab(repeating: Workload(), count: scenario.run.days * scenario.run.intervalsPerDay)
        agentTallies = Slab(repeating: AgentTally(), count: scenario.roster.members.count)
        answeredByDepartment = Slab(repeating: 0, count: scenario.center.topics.count * departmentCount)
        answeredAtStep = Slab(repeating: 0, count: scenario.center.topics.count * ladderSteps)
        answeredByWait = Slab(repeating: 0, count: Channel.allCases.count * WaitBands.count)
        // The per-interval and per-agent tables start empty: `finish` sets them from the slabs
        // above (a replication of the retail week would otherwise fill 1,344 tallies and 336
        // workloads with zeros only to replace them).
        result = ReplicationResult(index: index, topics: scenario.center.topics.count, departments: departmentCount,
                                   intervals: 0, agents: 0, ladderSteps: ladderSteps)
        events.reserveCapacity(64)
    }

    // MARK: - Running

    mutating func run() -> ReplicationResult {
        addAgents()
        for stream in 0..<streams.count {
            arrivals.setNext(nextArrival(stream: stream, after: 0), of: stream)
        }
        for day in 0..<scenario.run.days { push(Double(day) * 86_400, .dayStart, UInt64(day)) }
        while overloadedAt == nil {
            let nextPending = queue.min?.time ?? .infinity
            let nextArrival = arrivals.nextTime
            let next = min(nextPending, nextArrival)
            if let due = engine.nextDeadline(), due <= next, due <= end {
                advanceClock(to: due)
                let start = clearHandledEvents()
                engine.advance(to: due, into: &events)
                handleNewEvents(from: start)
                continue
            }
            guard next <= end else { break }
            if nextArrival < nextPending {
                advanceClock(to: nextArrival)
                arrive(stream: arrivals.next)
            } else {
                let item = queue.popMin()!
                advanceClock(to: item.time)
                if item.isCompletion {
                    // Most of the list's events are ends of handling: sent from here, they
                    // skip `handle`'s call and frame (25 instructions per simulated contact).
                    apply(.complete(ContactID(item.a)))
                } else {
                    handle(item)
                }
            }
        }
        advanceClock(to: end)
        finish()
        return result
    }

    mutating func push(_ time: Seconds, _ kind: Pending.Kind, _ a: UInt64 = 0) {
        sequence &+= 1
        queue.insert(Pending(time: time, sequence: sequence, kind: kind, a: a))
    }

    /// Sends `command` to the engine and handles its events. Inlined, as is `allocateSlot`: their
    /// callers are few, and the calls cost 60 instructions per simulated contact (single queue).
    /// - Parameter reportsEvents: the command always reports events (an arrival does), so the
    ///   test for none (`handleNewEvents`) is left out.
    @inline(__always)
    mutating func apply(_ command: Command, reportsEvents: Bool = false) {
        let start = clearHandledEvents()
        do {
            try engine.apply(command, at: now, into: &events)
        } catch {
            // The simulator only sends commands that fit; a refusal is a bug worth stopping for.
            preconditionFailure("the engine refused \(command) at \(now): \(error)")
        }
        if reportsEvents { handleEvents(from: start) } else { handleNewEvents(from: start) }
    }

    /// Drops the handled events once they fill the reserved capacity (see `events`).
    /// - Returns: where the next command's events will start.
    @inline(__always)
    mutating func clearHandledEvents() -> Int {
        if events.count >= 64 { events.removeAll(keepingCapacity: true) }
        return events.count
    }

    mutating func handle(_ item: Pending) {
        switch item.kind {
        case .complete: apply(.complete(ContactID(item.a)))
        case .abandon:
            // Still holding the line: not answered, not ended, not waiting for a callback.
            let id = ContactID(item.a)
            if isCurrent(id), !contacts[Int(slot(of: id))].connected, !contacts[Int(slot(of: id))].callback { apply(.abandon(id)) }
        case .accept:
            let id = ContactID(item.a)
            if isCurrent(id), !contacts[Int(slot(of: id))].connected {
                apply(.accept(id, AgentID(contacts[Int(slot(of: id))].ringingAgent)))
            }
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

    /// Piecewise-constant Poisson by a time change (the inversion of the cumulative rate; Law,
    /// *Simulation Modeling and Analysis*, on nonstationary Poisson processes): one unit exponential per arrival,
    /// spent at the rate in force until it is used up. The arrival times therefore depend only
    /// on the demand's rate over time, never on how the reporting interval cuts it: a 30-minute
    /// run of an hourly profile meets the same customers at the same moments as an hourly run.
    /// - Returns: the time of the stream's next arrival after `start`, nil if none comes before the end.
    ///   Inlined into `arrive`, as `connected` is into `handleEvents`: one call site each on
    ///   the hot path (the calls cost 45 instructions per simulated contact, single queue).
    @inline(__always)
    mutating func nextArrival(stream: Int, after start: Seconds) -> Seconds? {
        var time = start
        var remaining = random[stream].pointee.arrivals.exponential(mean: 1)
        while time < end {
            if time >= streams[stream].rateUntil { enterRate(stream: stream, at: time) }
            let boundary = streams[stream].rateUntil
            let rate = streams[stream].rate
            if rate > 0 {
                let next = time + max(0, remaining) / rate
                if next < boundary { return next < end ? next : nil }
                remaining -= rate * (boundary - time)
            }
            time = boundary
        }
        return nil
    }

    /// The rate of `stream` in force at `time` (per second), and until when: the end of the run
    /// of consecutive minutes with that same rate, so that equal rates are one stretch.
    ///
    /// The scan goes through unchecked pointers, the day's weekday factor looked up once a day:
    /// a stretch can be a whole night or day, and checked array reads made a call cost about
    /// 6,800 instructions (2,500 with unchecked ones; the retail week makes about 570 calls a
    /// replication). It steps over each run of equal rates within a day at once
    /// (`rateRunEnds`): equal rates times one day's factor are equal, and the stretch's end is
    /// a whole number of seconds, so the step adds exactly what the minutes would have added;
    /// where runs meet (a new rate, a new day) the rates times the factor are compared as
    /// before. (Retail week: `enterRate` 60 → 7 instructions per simulated contact, and 8
    /// to build `rateRunEnds` once per replication.)
    mutating func enterRate(stream: Int, at time: Seconds) {
        let perDay = DemandStream.minutesPerDay
        var day = Int(time / 86_400)
        var minute = min(perDay - 1, Int((time - Double(day) * 86_400) / 60))
        var until = Double(day) * 86_400 + Double(minute + 1) * 60
        let end = end
        let start = startWeekday
        let current = rates.withUnsafeBufferPointer { rates in
            weekdayFactors.withUnsafeBufferPointer { weekdayFactors in
            rateRunEnds.withUnsafeBufferPointer { rateRunEnds in
                let streamRates = rates.baseAddress! + stream * perDay
                let streamRunEnds = rateRunEnds.baseAddress! + stream * perDay
                let streamFactors = weekdayFactors.baseAddress! + stream * 7
                var factor = streamFactors[(start + day) % 7]
                let current = streamRates[minute] * factor
                while until < end {
                    // The rest of this run: the same rate, the same product.
                    let rest = Int(streamRunEnds[minute]) - 1 - minute
                    if rest > 0, until + Double(rest) * 60 < end {
                        minute += rest
                        until += Double(rest) * 60
                    }
                    minute += 1
                    if minute == perDay {
                        minute = 0
                        day += 1
                        factor = streamFactors[(start + day) % 7]
                    }
                    guard streamRates[minute] * factor == current else { break }
                    until += 60
                }
                return current
            }
            }
        }
        streams[stream].rateUntil = until
        streams[stream].rate = current
    }

    /// A would-be contact of `stream` arrives. Everything random about the customer is drawn
    /// here, from the stream's own generators, whether or not the contact reaches the center:
    /// segment, deflection, handle time, patience and QA sampling stay tied to the customer.
    /// - Precondition: this arrival is `arrivals.next`; it gives way to the stream's next one.
    mutating func arrive(stream: Int) {
        arrivals.setNext(nextArrival(stream: stream, after: now), of: stream)
        let counted = now >= warmup
        let interval = Int32(min(intervalCells.count / 4 - 1, Int(now / intervalLength)))
        let draws = random[stream]
        let (wholesale, regular) = streams[stream].segmentThresholds
        var segment: Segment = wholesale > 0 ? .wholesale : (regular > wholesale ? .regular : .new)
        if streams[stream].drawsSegment {
            let u = draws.pointee.segment.unitOpen()
            segment = u <= wholesale ? .wholesale : (u <= regular ? .regular : .new)
        }
        let deflected = streams[stream].drawsDeflection && draws.pointee.deflection.unitOpen() <= streams[stream].deflection
        let handle = streams[stream].handleTime.draw(&draws.pointee.handleTimes)
        // The patience's two numbers are taken now, also for a segment that does not abandon
        // (to stay in step with the stream's other customers); they are turned into a duration
        // only if the contact has to wait (`Distribution.Sampler.value`): most never do, and
        // the logarithm cost 50 instructions each.
        var patienceNumbers: (UInt64, UInt64) = (0, 0)
        if streams[stream].drawsPatience {
            patienceNumbers.0 = draws.pointee.patience.next()
            patienceNumbers.1 = draws.pointee.patience.next()
        }
        let sampled = qaSampleRate > 0 && draws.pointee.sampling.unitOpen() <= qaSampleRate
        if streams[stream].notified {
            // Every customer of a topic with a campaign is sent the notice, and it is paid for,
            // whether or not it keeps anyone from contacting the center.
            if counted { tally(stream: stream, segment: segment, interval: interval) { $0.noticesSent += 1 } }
            if deflected {
                if counted { tally(stream: stream, segment: segment, interval: interval) { $0.deflected += 1 } }
                return
            }
        }
        result.contactsSimulated += 1
        if openContacts >= openContactsLimit {
            overloadedAt = now
            return
        }
        // One write of the whole record: each field written through the array would check
        // its uniqueness again.
        var record = ContactInfo()
        record.stream = Int32(stream)
        record.segment = segment
        record.arrival = now
        record.interval = interval
        record.counted = counted
        record.handleTime = handle
        record.sampled = sampled
        let slot = allocateSlot(record)
        let id = ContactID(UInt64(contacts[Int(slot)].generation) << 32 | UInt64(slot))
        apply(.arrive(ContactArrival(id: id, channel: streams[stream].channel, topic: TopicID(streams[stream].topic), segment: segment)),
              reportsEvents: true)
        guard isCurrent(id) else { return }  // closed: not kept
        let info = contacts[Int(slot)]
        if counted {
            let waited = !info.connected && info.queued
            tally(stream: stream, segment: segment, interval: interval) {
                $0.offered += 1
                if waited { $0.waited += 1 }
            }
        }
        if !info.connected, !info.callback, streams[stream].drawsPatience, let sampler = streams[stream].patience[segment] {
            let patience = sampler.value(patienceNumbers.0, patienceNumbers.1)
            if patience.isFinite { push(now + patience, .abandon, id.rawValue) }
        }
    }

    // MARK: - Engine events

    /// `BreachCause.allCases` once: the synthesized property builds a new array at every call.
    static let breachCauses = BreachCause.allCases

    /// Handles the engine's events from `start` on, if it reported any. Many commands and timers
    /// report none the simulator reads (an end of handling that starts a wrap-up, a timer that
    /// only escalates): the test saves those the call (retail week: about 1 in 10 calls).
    @inline(__always)
    mutating func handleNewEvents(from start: Int) {
        if start < events.count { handleEvents(from: start) }
    }

    /// Handles the engine's events from `start` on.
    mutating func handleEvents(from start: Int) {
        var index = start
        while index < events.count {
            let event = events[index]
            index += 1
            switch event {
            case let .offered(contact, agent, explanation, _):
                // Without ring time the engine connects at once (acceptsOffersAtOnce): the
                // `connected` event follows this one, so the step is kept here, not in the contact.
                lastOfferedStep = explanation.step
                if ringTime > 0 {
                    contacts[Int(slot(of: contact))].step = UInt8(truncatingIfNeeded: explanation.step)
                    contacts[Int(slot(of: contact))].ringingAgent = agent.rawValue
                    push(now + ringTime, .accept, contact.rawValue)
                }
            case let .queued(contact, _):
                contacts[Int(slot(of: contact))].queued = true
            case let .connected(contact, agent, waited):
                connected(contact, agent: agent, waited: waited)
            case let .abandoned(contact, waited, _):
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
                    let causeIndex = Self.breachCauses.firstIndex(of: cause)!
                    tally(stream: Int(info.stream), segment: info.segment, interval: info.interval) { $0.breaches[causeIndex] += 1 }
                }
            case let .callbackScheduled(contact):
                contacts[Int(slot(of: contact))].callback = true
                let info = contacts[Int(slot(of: contact))]
                if info.counted { tally(stream: Int(info.stream), segment: info.segment, interval: info.interval) { $0.callbacks += 1 } }
            case let .closed(contact):
                let info = contacts[Int(slot(of: contact))]
                if info.counted { tally(stream: Int(info.stream), segment: info.segment, interval: info.interval) { $0.unserved += 1 } }
                releaseSlot(contact)
            case let .wrapUpEnded(contact, _):
                let info = contacts[Int(slot(of: contact))]
                let agent = Int(info.agent)
                if let since = agentClocks[agent].release() { addOccupied(agent, from: since, to: now) }
                releaseSlot(contact)
            case let .agentState(agent, state):
                agentChanged(Int(agent.rawValue), state: state)
            default:
                break
            }
        }
    }

    /// The engine connected `contact` to `agent`: its end of handling is scheduled and the
    /// answer is counted.
    @inline(__always)
    mutating func connected(_ contact: ContactID, agent: AgentID, waited: Seconds) {
        let slot = Int(slot(of: contact))
        let info = contacts[slot]
        let stream = Int(info.stream)
        let handle = info.handleTime
        push(now + handle, .complete, contact.rawValue)
        let agentIndex = Int(agent.rawValue)
        let channel = streams[stream].channel
        contacts[slot].connect(agent: Int32(agentIndex))
        agentClocks[agentIndex].hold(at: now)
        // The contact holds its slot for its handle time and wrap-up: known now, so added now.
        let held = addSlotUse(channel, from: now, to: now + handle + wrapUp[channel])
        guard info.counted else {
            if held > 0 { agentTallies[agentIndex].workload.slotsUsed[channel] += held }
            return
        }
        let withinTarget = waited <= streams[stream].answerTarget
        let sampled = info.sampled
        tally(stream: stream, segment: info.segment, interval: info.interval) {
            $0.answered += 1
            if withinTarget { $0.answeredWithinTarget += 1 }
            $0.waitSum += waited
            $0.longestWait = max($0.longestWait, waited)
            $0.handleSum += handle
            if sampled { $0.qaSampled += 1 }
        }
        let topic = streams[stream].topic
        answeredByDepartment[topic * departmentCount + agentProfiles[agentIndex].department.index] += 1
        let step = ringTime > 0 ? Int(info.step) : lastOfferedStep
        answeredAtStep[topic * result.ladderSteps + min(step, result.ladderSteps - 1)] += 1
        answeredByWait[channel.rawValue * WaitBands.count + WaitBands.band(of: waited)] += 1
        agentTallies[agentIndex].recordAnswered(handle: handle, held: held, channel: channel, sampled: sampled)
    }

    /// Adds to every grouping the contact belongs to.
    @inline(__always)
    mutating func tally(stream: Int, segment: Segment, interval: Int32, _ change: (inout Tally) -> Void) {
        change(&streamCells[stream * 3 + segment.rawValue])
        change(&intervalCells[Int(interval) * 4 + streams[stream].channel.rawValue])
    }

    /// Sums the (stream, segment) cells into every grouping.
    mutating func aggregateCells() {
        for stream in 0..<streams.count {
            for segment in Segment.allCases {
                let cell = streamCells[stream * 3 + segment.rawValue]
                result.total.add(cell)
                result.channels[streams[stream].channel.rawValue].add(cell)
                result.topics[streams[stream].topic].add(cell)
                result.departments[streams[stream].department].add(cell)
                result.segments[segment.rawValue].add(cell)
            }
        }
    }

    // MARK: - Contact slots

    @inline(__always)
    func slot(of contact: ContactID) -> UInt32 { UInt32(truncatingIfNeeded: contact.rawValue) }

    /// The id still names a contact in flight (its slot was not freed and reused since).
    @inline(__always)
    func isCurrent(_ contact: ContactID) -> Bool {
        let info = contacts[Int(slot(of: contact))]
        return info.live && info.generation == UInt32(truncatingIfNeeded: contact.rawValue >> 32)
    }

    /// Stores `record` in a free slot (a new generation of it), live.
    @inline(__always)
    mutating func allocateSlot(_ record: ContactInfo) -> UInt32 {
        var record = record
        record.live = true
        openContacts += 1
        if let reused = freeSlots.popLast() {
            record.generation = contacts[Int(reused)].generation &+ 1
            contacts[Int(reused)] = record
            return reused
        }
        record.generation = 1
        contacts.append(record)
        return UInt32(contacts.count - 1)
    }

    mutating func releaseSlot(_ contact: ContactID) {
        let slot = slot(of: contact)
        contacts[Int(slot)].live = false
        openContacts -= 1
        freeSlots.append(slot)
    }
}

/// An agent's staffed and occupied state for the workload figures: staffed = logged in and not
/// on a break; occupied = staffed and holding at least one contact (handling or wrap-up).
struct AgentClock {
    var staffed = false
    var held: Int32 = 0
    var staffedSince: Seconds = 0
    var occupiedSince: Seconds = 0

    /// A contact connects.
    @inline(__always)
    mutating func hold(at now: Seconds) {
        held += 1
        if held == 1 && staffed { occupiedSince = now }
    }

    /// A contact's wrap-up ends. - Returns: when the occupied span that just ended began, if one did.
    @inline(__always)
    mutating func release() -> Seconds? {
        held -= 1
        return held == 0 && staffed ? occupiedSince : nil
    }

    /// The agent became staffed (logged in, not on a break) or stopped being so at `now`.
    /// - Returns: when it stops, the starts of the spans that end now: staffed, and occupied
    ///   when it held contacts; nil otherwise (nothing ended, or nothing changed).
    @inline(__always)
    mutating func setStaffed(_ isStaffed: Bool, at now: Seconds) -> (staffedSince: Seconds, occupiedSince: Seconds?)? {
        guard isStaffed != staffed else { return nil }
        staffed = isStaffed
        if isStaffed {
            staffedSince = now
            if held > 0 { occupiedSince = now }
            return nil
        }
        return (staffedSince, held > 0 ? occupiedSince : nil)
    }
}
