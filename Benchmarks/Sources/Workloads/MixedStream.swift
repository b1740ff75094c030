import AgnerCore
import HeapModule

/// A realistic command stream for a center, recorded once by driving the engine with Poisson
/// arrivals, exponential handle times and patience, and agents taking breaks. Because the
/// engine is deterministic, replaying the recorded commands into a fresh engine reproduces
/// every decision, so a benchmark can time the engine alone.
public struct MixedStream: Sendable {
    public let initial: RoutingEngine
    public let commands: [(command: Command, time: Seconds)]

    public struct Counts: Sendable {
        public var arrivals = 0, accepts = 0, completes = 0, abandons = 0, breaks = 0
    }

    public let counts: Counts

    private struct Pending: Comparable {
        enum Action { case arrival, complete(ContactID), abandon(ContactID), breakEnd(AgentID), breakStart }
        var time: Seconds
        var sequence: Int
        var action: Action
        static func < (a: Self, b: Self) -> Bool { a.time != b.time ? a.time < b.time : a.sequence < b.sequence }
        static func == (a: Self, b: Self) -> Bool { a.time == b.time && a.sequence == b.sequence }
    }

    /// - Parameters:
    ///   - agents: agents logged in at the start.
    ///   - arrivalsPerSecond: Poisson rate over all channels.
    ///   - commands: stop recording after this many commands.
    public init(agents: Int, arrivalsPerSecond: Double, commands limit: Int, seed: UInt64 = 1) {
        let configuration = LargeCenter.configuration(skills: 20, departments: 5, topics: 40, wrapUp: 5)
        initial = LargeCenter.staffedEngine(configuration, agents: agents)
        var engine = initial
        var rng = SplitMix64(seed: seed)
        var pending = Heap<Pending>()
        var sequence = 0
        func push(_ time: Seconds, _ action: Pending.Action) {
            sequence += 1
            pending.insert(Pending(time: time, sequence: sequence, action: action))
        }
        var recorded: [(Command, Seconds)] = []
        recorded.reserveCapacity(limit)
        var counts = Counts()
        var events: [Event] = []
        var nextContact: UInt64 = 0
        let channels: [Channel] = [.phone, .phone, .phone, .phone, .phone, .chat, .chat, .chat, .email, .clickToCall]

        func apply(_ command: Command, at time: Seconds) {
            events.removeAll(keepingCapacity: true)
            do { try engine.apply(command, at: time, into: &events) } catch { return }
            recorded.append((command, time))
            react(at: time)
        }
        func react(at time: Seconds) {
            var index = 0
            while index < events.count {
                if case let .offered(contact, agent, _, _) = events[index] {
                    // Accept at once; the accept's own events are appended and handled in turn.
                    var more: [Event] = []
                    if (try? engine.apply(.accept(contact, agent), at: time, into: &more)) != nil {
                        recorded.append((.accept(contact, agent), time))
                        counts.accepts += 1
                        push(time + rng.exponential(mean: 300), .complete(contact))
                        events += more
                    }
                }
                index += 1
            }
        }

        push(rng.exponential(mean: 1 / arrivalsPerSecond), .arrival)
        push(600, .breakStart)
        while recorded.count < limit {
            let nextPending = pending.min?.time ?? .infinity
            if let due = engine.nextDeadline(), due <= nextPending {
                events.removeAll(keepingCapacity: true)
                engine.advance(to: due, into: &events)
                react(at: due)
                continue
            }
            guard let item = pending.popMin() else { break }
            switch item.action {
            case .arrival:
                nextContact += 1
                let id = ContactID(nextContact)
                let channel = channels[Int(rng.next() % UInt64(channels.count))]
                let topic = TopicID(Int(rng.next() % 40))
                let segment = Segment.allCases[Int(rng.next() % 3)]
                counts.arrivals += 1
                apply(.arrive(ContactArrival(id: id, channel: channel, topic: topic, segment: segment)), at: item.time)
                if channel.isRealTime && engine.state(of: id) == .queued {
                    push(item.time + rng.exponential(mean: 120), .abandon(id))
                }
                push(item.time + rng.exponential(mean: 1 / arrivalsPerSecond), .arrival)
            case let .complete(contact):
                counts.completes += 1
                apply(.complete(contact), at: item.time)
            case let .abandon(contact):
                if let state = engine.state(of: contact), state == .queued {
                    counts.abandons += 1
                    apply(.abandon(contact), at: item.time)
                }
            case .breakStart:
                let agent = AgentID(rng.next() % UInt64(agents))
                counts.breaks += 1
                apply(.setPresence(agent, .onBreak), at: item.time)
                push(item.time + 900, .breakEnd(agent))
                push(item.time + 30, .breakStart)
            case let .breakEnd(agent):
                apply(.setPresence(agent, .available), at: item.time)
            }
        }
        commands = recorded.map { (command: $0.0, time: $0.1) }
        self.counts = counts
    }

    /// Replays the stream into a copy of the initial engine.
    /// - Returns: the number of events produced, so the work cannot be optimised away.
    public func replay() -> Int {
        var engine = initial
        var events: [Event] = []
        events.reserveCapacity(64)
        var produced = 0
        for (command, time) in commands {
            events.removeAll(keepingCapacity: true)
            try! engine.apply(command, at: time, into: &events)
            produced &+= events.count
        }
        return produced
    }
}
