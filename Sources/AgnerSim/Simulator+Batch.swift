import Dispatch
import Foundation

extension Simulator {
    /// Runs several scenarios (the points of a sweep, the candidates of a search) at once: every
    /// (scenario, replication) pair is one task, spread over all cores, so a batch of small runs
    /// keeps every core busy where running them one after the other would leave cores idle at
    /// the end of each.
    ///
    /// Each scenario is run exactly as `run(_:options:)` runs it (its replications draw from
    /// their own random streams by seed and replication), so the outcomes are the same whatever
    /// the number of threads and whatever else is in the batch; with one seed, replication *r*
    /// of every scenario sees the same customers (common random numbers).
    ///
    /// - Parameters:
    ///   - scenarios: the runs; `options`' replications, seed and days apply to each.
    ///   - options: as for `run`; `shard` picks the same replications of every scenario.
    ///   - progress: called from any thread as tasks finish, with (done, total) tasks.
    /// - Returns: one outcome per scenario, in order.
    /// - Throws: `Failure` for the first scenario (in order) whose settings are out of bounds,
    ///   or for a replication that overloads.
    public static func runBatch(_ scenarios: [Scenario], options: Options = Options(),
                                progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) throws(Failure) -> [SimulationOutcome] {
        var prepared: [Scenario] = []
        for scenario in scenarios { prepared.append(try prepare(scenario, options)) }
        var tasks: [(scenario: Int, replication: Int)] = []
        for (number, scenario) in prepared.enumerated() {
            let indices = options.shard?.replications(of: scenario.run.replications) ?? Array(0..<scenario.run.replications)
            for index in indices { tasks.append((number, index)) }
        }
        let count = tasks.count
        let work = tasks
        let threads = max(1, min(options.threads ?? ProcessInfo.processInfo.activeProcessorCount, max(1, count)))
        let results = ResultSlots(count: count)
        let started = ContinuousClock.now
        let next = Counter()
        let done = Counter()
        let frozen = prepared
        let startingEngines = prepared.map { Replication.startingEngine(for: $0) }
        let limit = options.openContactsLimit
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            while true {
                let slot = next.increment() - 1
                guard slot < count, !results.failed else { return }
                let task = work[slot]
                var replication = Replication(scenario: frozen[task.scenario], index: task.replication,
                                              startingEngine: startingEngines[task.scenario])
                replication.openContactsLimit = limit
                let result = replication.run()
                if let at = replication.overloadedAt {
                    results.fail(.overloaded(replication: task.replication, at: at, limit: limit))
                    return
                }
                results.store(result, at: slot)
                progress?(done.increment(), count)
            }
        }
        if let failure = results.failure { throw failure }
        let elapsed = (ContinuousClock.now - started).seconds
        let all = results.all()
        var outcomes: [SimulationOutcome] = []
        var position = 0
        for scenario in prepared {
            let taken = tasks[position...].prefix { $0.scenario == outcomes.count }.count
            outcomes.append(SimulationOutcome(scenario: scenario, replications: Array(all[position..<position + taken]),
                                              shard: options.shard, wallSeconds: elapsed, threads: threads))
            position += taken
        }
        return outcomes
    }
}
