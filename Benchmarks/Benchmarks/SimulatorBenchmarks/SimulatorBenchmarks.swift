import AgnerSim
import Benchmark
import Foundation

// Simulator speed (see docs/performance.md):
// 1. the single queue with abandonment of the issue (50 agents, 9.5 arrivals/min, exponential
//    handle time 300 s, exponential patience 120 s): simulated contacts per CPU-second, one thread;
// 2. 100 replications of an 8-hour day of that model, on all cores: wall time;
// 3. the bundled retail week: simulated contacts per CPU-second, one thread;
// 4. required agents by Erlang C and Erlang A at very large scale.

func singleQueue(days: Int, replications: Int) -> Scenario {
    try! ScenarioLoader.load(yaml: """
        agents: [{count: 50}]
        demand: [{rate: 9.5/min}]
        handling: {default: 300s}
        patience: {default: 120s}
        run: {days: \(days), replications: \(replications)}
        """)
}

let retailPath = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("scenarios/retail.yaml").path

/// CPU time of the calling thread, in seconds.
func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

/// Runs on one thread and reports simulated contacts per CPU-second of that thread.
func contactsPerCPUSecond(_ scenario: Scenario, _ benchmark: Benchmark) {
    let start = threadCPUSeconds()
    let outcome = try! Simulator.run(scenario, options: Simulator.Options(threads: 1))
    let seconds = threadCPUSeconds() - start
    benchmark.measurement(.custom("contacts per CPU-s", polarity: .prefersLarger, useScalingFactor: false),
                          Int(Double(outcome.contactsSimulated) / seconds))
    blackHole(outcome.contactsSimulated)
}

let contactRate = BenchmarkMetric.custom("contacts per CPU-s", polarity: .prefersLarger, useScalingFactor: false)

let benchmarks: @Sendable () -> Void = {
    let singleQueueWeek = singleQueue(days: 7, replications: 1)
    Benchmark("Single queue with abandonment, 7 days, 1 thread",
              configuration: .init(metrics: [.wallClock, contactRate], timeUnits: .milliseconds, warmupIterations: 1, maxDuration: .seconds(10), maxIterations: 10)) { benchmark in
        contactsPerCPUSecond(singleQueueWeek, benchmark)
    }

    let eightHours = try! ScenarioLoader.load(yaml: """
        agents: [{count: 50}]
        demand: [{rates: {"08:00": 9.5/min, "16:00": 0/min}}]
        handling: {default: 300s}
        patience: {default: 120s}
        run: {days: 1, replications: 100}
        """)
    Benchmark("100 replications of an 8-hour day, all cores",
              configuration: .init(metrics: [.wallClock, .cpuTotal], timeUnits: .milliseconds, warmupIterations: 1, maxDuration: .seconds(10), maxIterations: 10)) { _ in
        blackHole(try! Simulator.run(eightHours).contactsSimulated)
    }

    let retail = try! ScenarioLoader.load(path: retailPath)
    Benchmark("Retail week (retail.yaml), 1 replication, 1 thread",
              configuration: .init(metrics: [.wallClock, contactRate], timeUnits: .milliseconds, warmupIterations: 1, maxDuration: .seconds(10), maxIterations: 10)) { benchmark in
        contactsPerCPUSecond(try! Simulator.prepare(retail, Simulator.Options(replications: 1)), benchmark)
    }

    // Staffing math at scale: the fewest agents for 80 % within 60 s, and the rows around
    // them, as `agner staff` computes them (target: well under a second).
    for (label, perHour, patience) in [("Erlang C, 28,000 calls/s", 28_000.0 * 3600, nil as Double?),
                                       ("Erlang A, 1,000,000 calls/h", 1_000_000, 120),
                                       ("Erlang A, 10,000,000 calls/h", 10_000_000, 120)] {
        Benchmark("Required agents, \(label), AHT 300 s",
                  configuration: .init(metrics: [.wallClock, .cpuTotal], timeUnits: .milliseconds, warmupIterations: 1, maxDuration: .seconds(10), maxIterations: 20)) { _ in
            let model = QueueModel(arrivalRate: perHour / 3600, meanHandleTime: 300, meanPatience: patience)
            let required = StaffingMath.requiredAgents(model, target: 60, goal: 0.8)!
            for agents in (required - 4)...(required + 4) { blackHole(StaffingMath.figures(model, agents: agents, target: 60)) }
        }
    }
}
