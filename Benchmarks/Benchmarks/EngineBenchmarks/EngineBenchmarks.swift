import AgnerCore
import Benchmark
import DequeModule
import Workloads

// Three measurements of the routing engine (see docs/performance.md for the figures):
//
// 1. one arrival routed while 10,000 agents are logged in (20 skills, 5 departments);
// 2. one agent freeing capacity while 100,000 contacts wait across 50 topics;
// 3. a recorded mixed stream (arrive, accept, complete, wrap-up end, abandon, breaks) on a
//    1,000-agent center, replayed into a fresh engine: commands per second.
//
// 1 and 2 time a single decision per iteration, so their wall-clock percentiles are the
// decision latency.

/// Mutable state shared by a benchmark's iterations (each benchmark runs on one thread).
final class Bench<State>: @unchecked Sendable {
    var state: State?
}

struct ArrivalState {
    var engine: RoutingEngine
    var events: [Event] = []
    var next: UInt64 = 0
}

struct FreeingState {
    var engine: RoutingEngine
    var events: [Event] = []
    var connected: Deque<ContactID>
    var next: UInt64
    let time: Seconds
}

let arrival = Bench<ArrivalState>()
let freeing = Bench<FreeingState>()
let mixed = Bench<MixedStream>()

let decisionMetrics: [BenchmarkMetric] = [.wallClock, .mallocCountTotal]

let benchmarks: @Sendable () -> Void = {
    Benchmark(
        "Arrival routed, 10000 agents",
        configuration: .init(metrics: decisionMetrics, timeUnits: .nanoseconds, warmupIterations: 1000,
                             maxDuration: .seconds(5), maxIterations: 200_000),
        closure: { benchmark in
            var state = arrival.state!
            arrival.state = nil
            state.next += 1
            let id = ContactID(state.next)
            let topic = TopicID(Int(state.next % 20))
            state.events.removeAll(keepingCapacity: true)
            benchmark.startMeasurement()
            try! state.engine.apply(.arrive(ContactArrival(id: id, channel: .phone, topic: topic)), at: 1, into: &state.events)
            benchmark.stopMeasurement()
            // Put the agent back: accept and complete (no wrap-up).
            guard case let .offered(_, agent, _, _)? = state.events.first else { fatalError("arrival was not offered") }
            try! state.engine.apply(.accept(id, agent), at: 1, into: &state.events)
            try! state.engine.apply(.complete(id), at: 1, into: &state.events)
            arrival.state = state
        },
        setup: {
            let configuration = LargeCenter.configuration(skills: 20, departments: 5, topics: 20)
            arrival.state = ArrivalState(engine: LargeCenter.staffedEngine(configuration, agents: 10_000))
        },
        teardown: { arrival.state = nil }
    )

    Benchmark(
        "Agent freed, 100000 waiting",
        configuration: .init(metrics: decisionMetrics, timeUnits: .nanoseconds, warmupIterations: 1000,
                             maxDuration: .seconds(5), maxIterations: 200_000),
        closure: { benchmark in
            var state = freeing.state!
            freeing.state = nil
            let finishing = state.connected.removeFirst()
            state.events.removeAll(keepingCapacity: true)
            benchmark.startMeasurement()
            try! state.engine.apply(.complete(finishing), at: state.time, into: &state.events)
            benchmark.stopMeasurement()
            // Keep the center as it was: accept the new offer, and one more contact joins the line.
            for event in state.events {
                guard case let .offered(contact, agent, _, _) = event else { continue }
                var more: [Event] = []
                try! state.engine.apply(.accept(contact, agent), at: state.time, into: &more)
                state.connected.append(contact)
            }
            state.next += 1
            try! state.engine.apply(.arrive(ContactArrival(id: ContactID(state.next), channel: .phone, topic: TopicID(Int(state.next % 50)))),
                                    at: state.time, into: &state.events)
            freeing.state = state
        },
        setup: {
            // 10,000 phone agents, every one on a call, and 100,000 calls waiting that arrived
            // over the last 100 s: some still at step 0, some escalated, some breached.
            let configuration = LargeCenter.configuration(skills: 20, departments: 5, topics: 50)
            let phoneOnly = PerChannel(phone: 1, chat: 0, email: 0, clickToCall: 0)
            var engine = LargeCenter.staffedEngine(configuration, agents: 10_000, capacity: phoneOnly)
            var events: [Event] = []
            var connected = Deque<ContactID>()
            var next: UInt64 = 0
            func acceptOffers(in events: [Event], at time: Seconds) {
                for event in events {
                    guard case let .offered(contact, agent, _, _) = event else { continue }
                    var more: [Event] = []
                    try! engine.apply(.accept(contact, agent), at: time, into: &more)
                    connected.append(contact)
                }
            }
            // Calls until every agent is on one; escalation to step 3 lets anyone take any topic.
            for _ in 0..<10_000 {
                next += 1
                events.removeAll(keepingCapacity: true)
                try! engine.apply(.arrive(ContactArrival(id: ContactID(next), channel: .phone, topic: TopicID(Int(next % 50)))), at: 0, into: &events)
                acceptOffers(in: events, at: 0)
            }
            events.removeAll(keepingCapacity: true)
            engine.advance(to: 46, into: &events)
            acceptOffers(in: events, at: 46)
            var rng = SplitMix64(seed: 7)
            for index in 0..<100_000 {
                next += 1
                let segment = Segment.allCases[Int(rng.next() % 3)]
                events.removeAll(keepingCapacity: true)
                try! engine.apply(.arrive(ContactArrival(id: ContactID(next), channel: .phone, topic: TopicID(Int(rng.next() % 50)), segment: segment)),
                                  at: 46 + Double(index) / 1000, into: &events)
            }
            precondition(connected.count == 10_000, "every agent should be on a call, \(connected.count) are")
            freeing.state = FreeingState(engine: engine, connected: connected, next: next, time: 146)
        },
        teardown: { freeing.state = nil }
    )

    Benchmark(
        "Mixed stream, 1000 agents, 200000 commands",
        configuration: .init(metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput], timeUnits: .milliseconds,
                             warmupIterations: 1, maxDuration: .seconds(10), maxIterations: 20),
        closure: { benchmark in
            blackHole(mixed.state!.replay())
        },
        setup: {
            let stream = MixedStream(agents: 1000, arrivalsPerSecond: 3.5, commands: 200_000)
            mixed.state = stream
            let c = stream.counts
            print("mixed stream: \(stream.commands.count) commands, \(c.arrivals) arrivals, \(c.accepts) accepts, \(c.completes) completes, \(c.abandons) abandons, \(c.breaks) breaks, \(Int(stream.commands.last!.time)) s simulated")
        },
        teardown: { mixed.state = nil }
    )
}
