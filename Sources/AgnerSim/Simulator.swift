import AgnerCore
import Dispatch
import Foundation

/// Runs a scenario's replications, spread over all cores. Each replication has its own random
/// streams (seed, replication, purpose), so the results are the same whatever the number of threads.
public enum Simulator {
    public struct Options: Sendable {
        public var replications: Int?
        public var seed: UInt64?
        public var days: Int?
        /// nil: all cores.
        public var threads: Int?

        public init(replications: Int? = nil, seed: UInt64? = nil, days: Int? = nil, threads: Int? = nil) {
            self.replications = replications
            self.seed = seed
            self.days = days
            self.threads = threads
        }
    }

    /// Applies command-line overrides to the scenario's run settings.
    public static func prepare(_ scenario: Scenario, _ options: Options) -> Scenario {
        var prepared = scenario
        if let replications = options.replications { prepared.run.replications = replications }
        if let seed = options.seed { prepared.run.seed = seed }
        if let days = options.days { prepared.run.days = days }
        return prepared
    }

    /// Runs every replication. `progress` is called (from any thread) as replications finish.
    public static func run(_ scenario: Scenario, options: Options = Options(),
                           progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) -> SimulationOutcome {
        let prepared = prepare(scenario, options)
        let count = prepared.run.replications
        let threads = max(1, min(options.threads ?? ProcessInfo.processInfo.activeProcessorCount, count))
        let results = ResultSlots(count: count)
        let started = ContinuousClock.now
        let next = Counter()
        let done = Counter()
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            while true {
                let index = next.increment() - 1
                guard index < count else { return }
                var replication = Replication(scenario: prepared, index: index)
                results.store(replication.run(), at: index)
                progress?(done.increment(), count)
            }
        }
        let elapsed = ContinuousClock.now - started
        return SimulationOutcome(scenario: prepared, replications: results.all(), wallSeconds: elapsed.seconds, threads: threads)
    }
}

/// Replication results and what they add up to.
public struct SimulationOutcome: Sendable {
    public var scenario: Scenario
    public var replications: [ReplicationResult]
    public var wallSeconds: Double
    public var threads: Int

    public var contactsSimulated: Int { replications.reduce(0) { $0 + $1.contactsSimulated } }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}

/// Results written by index from several threads; each slot is written once.
final class ResultSlots: @unchecked Sendable {
    private var slots: [ReplicationResult?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func store(_ result: ReplicationResult, at index: Int) {
        lock.lock()
        slots[index] = result
        lock.unlock()
    }

    func all() -> [ReplicationResult] {
        lock.lock()
        defer { lock.unlock() }
        return slots.map { $0! }
    }
}

final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()

    func increment() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
