import AgnerCore
import Dispatch
import Foundation

/// "What if, from now": the next hour (or any horizon) simulated from the live router's state,
/// with and without a staffing change, over several replications.
///
/// It starts from a copy of the live engine: the contacts waiting (with their waits so far),
/// those in conversation (with the time already spent), agents in their states. From there:
/// - arrivals per channel and topic: Poisson, at a rate that blends what the last hour showed
///   with the scenario's demand for the time of day (half and half after an hour watched, what
///   was seen weighing less when watched for less, as `0.5 × window/3600`, when the scenario has
///   demand for the stream; what was seen alone when it has none; the scenario alone when
///   nothing was seen for a stream it has);
/// - offers are answered at once; handle times from the scenario (for a contact already in
///   conversation, the remaining time given the time spent, drawn by rejection), wrap-up from
///   the center;
/// - customers waiting hang up after their patience (given the wait so far), e-mail never;
/// - agents keep their states for the horizon (no shift changes); the change adds agents of a
///   group (logged in, available) or logs some out (they finish what they hold);
/// - channels stay open or closed as they are.
///
/// Figures cover the contacts waiting at the start and those arriving within the horizon.
public enum Forecast {
    /// A staffing change: `count` more agents of the group (negative: fewer).
    public struct Change: Sendable, Equatable {
        public var group: String
        public var count: Int
        public init(group: String, count: Int) {
            self.group = group
            self.count = count
        }
    }

    /// The live state to start from.
    public struct Start: Sendable {
        /// A copy of the live engine (its clock is Unix seconds).
        public var engine: RoutingEngine
        /// The live agents' names by engine agent id.
        public var agentNames: [UInt64: String]
        /// Arrivals seen per (channel, topic index) over the last `window` seconds.
        public var recentArrivals: [Int: Int]
        public var window: Double
        /// Seconds since the start of the local day and the local weekday (0 = Monday), for the
        /// scenario's profile.
        public var timeOfDay: Double
        public var weekday: Int

        public init(engine: RoutingEngine, agentNames: [UInt64: String], recentArrivals: [Int: Int], window: Double,
                    timeOfDay: Double, weekday: Int) {
            self.engine = engine
            self.agentNames = agentNames
            self.recentArrivals = recentArrivals
            self.window = window
            self.timeOfDay = timeOfDay
            self.weekday = weekday
        }
    }

    /// Per channel, over the replications.
    public struct ChannelFigures: Sendable {
        public var channel: Channel
        public var offered: Estimate
        /// Answered within the target ÷ offered (waiting at the start and arrived).
        public var serviceLevel: Estimate
        public var averageSpeedOfAnswer: Estimate
        public var abandonRate: Estimate
        public var breaches: Estimate
    }

    public struct Outcome: Sendable {
        public var horizon: Double
        public var replications: Int
        public var baseline: [ChannelFigures]
        public var withChange: [ChannelFigures]?
    }

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs the forecast (replications spread over the cores; the same seed gives the same numbers).
    /// - Throws: `Invalid` for a change naming no group of the scenario.
    public static func run(_ start: Start, scenario: Scenario, changes: [Change], horizon: Double, replications: Int,
                           seed: UInt64 = 1) throws(Invalid) -> Outcome {
        for change in changes where !scenario.agentGroups.contains(where: { $0.name == change.group }) {
            throw Invalid(description: "no agent group '\(change.group)' (groups: \(scenario.agentGroups.map(\.name).joined(separator: ", ")))")
        }
        let rates = Self.rates(start, scenario: scenario)
        func side(_ changes: [Change]) -> [ChannelFigures] {
            let results = Results(count: replications)
            DispatchQueue.concurrentPerform(iterations: replications) { index in
                results.store(index, Self.replicate(start, scenario: scenario, changes: changes, rates: rates, horizon: horizon,
                                                    seed: seed, replication: index))
            }
            let runs = results.values
            return Channel.allCases.map { channel in
                let per = runs.map { $0.channels[channel] }
                return ChannelFigures(
                    channel: channel,
                    offered: Estimate(per.map { Double($0.offered) }, range: Estimate.nonNegative),
                    serviceLevel: Estimate(per.map { $0.offered > 0 ? Double($0.withinTarget) / Double($0.offered) : .nan }, range: Estimate.share),
                    averageSpeedOfAnswer: Estimate(per.map { $0.answered > 0 ? $0.waitSum / Double($0.answered) : .nan }, range: Estimate.nonNegative),
                    abandonRate: Estimate(per.map { $0.offered > 0 ? Double($0.abandoned) / Double($0.offered) : .nan }, range: Estimate.share),
                    breaches: Estimate(per.map { Double($0.breaches) }, range: Estimate.nonNegative))
            }
        }
        return Outcome(horizon: horizon, replications: replications, baseline: side([]), withChange: changes.isEmpty ? nil : side(changes))
    }

    /// Replications' totals written from several threads, each to its own place.
    final class Results: @unchecked Sendable {
        private var storage: [Totals]
        private let lock = NSLock()
        init(count: Int) { storage = Array(repeating: Totals(), count: count) }
        func store(_ index: Int, _ totals: Totals) { lock.withLock { storage[index] = totals } }
        var values: [Totals] { lock.withLock { storage } }
    }

    struct Counts: Sendable {
        var offered = 0, answered = 0, withinTarget = 0, abandoned = 0, breaches = 0
        var waitSum = 0.0
    }

    struct Totals: Sendable {
        var channels = PerChannel(repeating: Counts())
    }

    /// A stream's rate (per second) for the horizon.
    struct StreamRate: Sendable {
        var channel: Channel
        var topic: TopicID
        var perSecond: Double
        var segments: [(Segment, Double)]
    }

    static func rates(_ start: Start, scenario: Scenario) -> [StreamRate] {
        var result: [StreamRate] = []
        var covered = Set<Int>()
        let intervalLength = 86_400 / Double(max(1, scenario.demand.first?.ratePerInterval.count ?? 1))
        for stream in scenario.demand {
            let key = stream.topic.index * 4 + stream.channel.rawValue
            covered.insert(key)
            let interval = min(stream.ratePerInterval.count - 1, max(0, Int(start.timeOfDay / intervalLength)))
            let factor = stream.weekdayFactor.indices.contains(start.weekday) ? stream.weekdayFactor[start.weekday] : 1
            let profile = stream.ratePerInterval.isEmpty ? 0 : stream.ratePerInterval[interval] * factor
            let seen = start.recentArrivals[key].map { Double($0) / max(start.window, 1) }
            // What was seen weighs by how long it was watched: half after a full hour, less before
            // (a burst in the first minute after a start says little about the next hour).
            let weight = 0.5 * min(1, start.window / 3600)
            let rate = seen.map { weight * $0 + (1 - weight) * profile } ?? profile
            let mix = stream.segmentMix
            result.append(StreamRate(channel: stream.channel, topic: stream.topic, perSecond: rate,
                                     segments: [(.wholesale, mix.wholesale), (.regular, mix.regular), (.new, mix.new)]))
        }
        for (key, count) in start.recentArrivals.sorted(by: { $0.key < $1.key }) where !covered.contains(key) && count > 0 {
            result.append(StreamRate(channel: Channel(rawValue: key % 4)!, topic: TopicID(key / 4),
                                     perSecond: Double(count) / max(start.window, 1), segments: [(.regular, 1)]))
        }
        return result
    }

    /// One replication: the engine copy driven for the horizon.
    static func replicate(_ start: Start, scenario: Scenario, changes: [Change], rates: [StreamRate], horizon: Double,
                          seed: UInt64, replication: Int) -> Totals {
        var engine = start.engine
        var rng = Xoshiro256(seed: seed &+ 0x5DEE_CE66 &* UInt64(replication + 1))
        let begin = engine.now
        let end = begin + horizon
        var totals = Totals()
        var events: [Event] = []
        var pending = BinaryHeap<Pending>()
        var sequence: UInt64 = 0
        var tracked: [UInt64: (channel: Channel, target: Double)] = [:]
        var nextContact = UInt64.max / 2
        func push(_ time: Double, _ kind: Pending.Kind, _ id: UInt64, _ stream: Int = 0) {
            sequence += 1
            pending.insert(Pending(time: time, sequence: sequence, kind: kind, id: id, stream: stream))
        }
        func handleTime(_ channel: Channel, _ topic: TopicID, spent: Double) -> Double {
            let sampler = scenario.handling.distribution(channel: channel, topic: topic).sampler
            for _ in 0..<8 {
                let draw = sampler.draw(&rng)
                if draw > spent { return draw - spent }
            }
            return sampler.draw(&rng)
        }
        func patience(_ channel: Channel, _ segment: Segment, waited: Double) -> Double? {
            guard let sampler = scenario.patience.distribution(channel: channel, segment: segment)?.sampler else { return nil }
            for _ in 0..<8 {
                let draw = sampler.draw(&rng)
                if draw > waited { return draw - waited }
            }
            return sampler.draw(&rng)
        }
        // Contacts already there: those waiting are counted as offered; those in conversation end later.
        for contact in engine.openContacts {
            let target = contact.deadline - contact.arrival
            switch contact.state {
            case .queued, .offered, .callbackScheduled:
                tracked[contact.id.rawValue] = (contact.channel, target)
                totals.channels[contact.channel].offered += 1
                if contact.state != .callbackScheduled, let patience = patience(contact.channel, contact.segment, waited: begin - contact.arrival) {
                    push(begin + patience, .abandon, contact.id.rawValue)
                }
                if contact.state == .offered, let agent = contact.agent { push(begin, .accept, contact.id.rawValue, Int(agent.rawValue)) }
            case .connected:
                push(begin + handleTime(contact.channel, contact.topic, spent: begin - (contact.answeredAt ?? begin)), .complete, contact.id.rawValue)
            default:
                break
            }
        }
        // The change, at the start.
        for change in changes {
            guard let groupIndex = scenario.agentGroups.firstIndex(where: { $0.name == change.group }) else { continue }
            let group = scenario.agentGroups[groupIndex]
            let members = Set(scenario.roster.members.filter { $0.group == groupIndex }.map(\.name))
            if change.count > 0 {
                for index in 0..<change.count {
                    let id = AgentID(UInt64.max / 4 + UInt64(groupIndex) * 10_000 + UInt64(index))
                    try? engine.apply(.addAgent(AgentProfile(id: id, department: group.department, skills: group.skills, capacity: group.capacity)),
                                      at: begin, into: &events)
                    try? engine.apply(.setPresence(id, .available), at: begin, into: &events)
                }
            } else if change.count < 0 {
                // The members logged in now, the available ones first, by name.
                let candidates = engine.allAgents.filter { agent in
                    agent.presence != .offline && members.contains(start.agentNames[agent.profile.id.rawValue] ?? "")
                }.sorted { ($0.state == .available ? 0 : 1, start.agentNames[$0.profile.id.rawValue] ?? "") < ($1.state == .available ? 0 : 1, start.agentNames[$1.profile.id.rawValue] ?? "") }
                for agent in candidates.prefix(-change.count) {
                    try? engine.apply(.setPresence(agent.profile.id, .offline), at: begin, into: &events)
                }
            }
        }
        // The first arrival of each stream.
        for (index, stream) in rates.enumerated() where stream.perSecond > 0 {
            push(begin + rng.exponential(mean: 1 / stream.perSecond), .arrival, 0, index)
        }
        func react(_ produced: [Event], at time: Double) {
            for event in produced {
                switch event {
                case let .offered(c, a, _, _):
                    push(time, .accept, c.rawValue, Int(a.rawValue))
                case let .connected(c, _, waited):
                    guard let known = tracked.removeValue(forKey: c.rawValue) else { continue }
                    totals.channels[known.channel].answered += 1
                    totals.channels[known.channel].waitSum += waited
                    if waited <= known.target { totals.channels[known.channel].withinTarget += 1 }
                    if let snapshot = engine.contact(c) {
                        push(time + handleTime(snapshot.channel, snapshot.topic, spent: 0), .complete, c.rawValue)
                    }
                case let .abandoned(c, _, _):
                    if let known = tracked.removeValue(forKey: c.rawValue) { totals.channels[known.channel].abandoned += 1 }
                case let .breached(c, _):
                    if let known = tracked[c.rawValue] { totals.channels[known.channel].breaches += 1 }
                default:
                    break
                }
            }
        }
        react(events, at: begin)
        events.removeAll()
        while let next = pending.min, next.time <= end {
            pending.popMin()
            var produced: [Event] = []
            // Engine timers due first (escalations, breaches, wrap-ups).
            engine.advance(to: next.time, into: &produced)
            react(produced, at: next.time)
            produced.removeAll()
            switch next.kind {
            case .arrival:
                let stream = rates[next.stream]
                var pick = Double(rng.next() >> 11) / Double(1 << 53)
                var segment = Segment.regular
                for (candidate, share) in stream.segments {
                    if pick < share { segment = candidate; break }
                    pick -= share
                }
                nextContact += 1
                let id = ContactID(nextContact)
                let arrival = ContactArrival(id: id, channel: stream.channel, topic: stream.topic, segment: segment)
                if (try? engine.apply(.arrive(arrival), at: next.time, into: &produced)) != nil, engine.contact(id) != nil {
                    let target = scenario.center.answerTarget(topic: stream.topic, channel: stream.channel)
                    tracked[id.rawValue] = (stream.channel, target)
                    totals.channels[stream.channel].offered += 1
                    if let patience = patience(stream.channel, segment, waited: 0) { push(next.time + patience, .abandon, id.rawValue) }
                }
                push(next.time + rng.exponential(mean: 1 / stream.perSecond), .arrival, 0, next.stream)
            case .accept:
                try? engine.apply(.accept(ContactID(next.id), AgentID(UInt64(next.stream))), at: next.time, into: &produced)
            case .complete:
                try? engine.apply(.complete(ContactID(next.id)), at: next.time, into: &produced)
            case .abandon:
                if let state = engine.state(of: ContactID(next.id)), state.isWaiting || state == .offered {
                    try? engine.apply(.abandon(ContactID(next.id)), at: next.time, into: &produced)
                }
            }
            react(produced, at: next.time)
        }
        var tail: [Event] = []
        engine.advance(to: end, into: &tail)
        react(tail, at: end)
        return totals
    }

    struct Pending: Comparable {
        enum Kind: UInt8 { case arrival, accept, complete, abandon }
        var time: Double
        var sequence: UInt64
        var kind: Kind
        var id: UInt64
        /// The stream of an arrival; the agent (engine id) of an accept.
        var stream: Int
        static func < (a: Self, b: Self) -> Bool { a.time != b.time ? a.time < b.time : a.sequence < b.sequence }
        static func == (a: Self, b: Self) -> Bool { a.time == b.time && a.sequence == b.sequence }
    }
}
