import AgnerCore
import Dispatch
import Foundation

/// Runs a scenario's replications, spread over all cores. Each replication has its own random
/// streams (seed, replication, demand stream, purpose), so the results are the same whatever
/// the number of threads, and a shard of the replications gives exactly their share of the
/// whole run.
public enum Simulator {
    public struct Options: Sendable {
        public var replications: Int?
        public var seed: UInt64?
        public var days: Int?
        /// nil: all cores.
        public var threads: Int?
        /// Run only this shard of the replications: replication r (0-based) belongs to shard
        /// `r % count + 1`. nil: all of them.
        public var shard: Shard?
        /// Most contacts open at once before a replication stops (`ScenarioLimits.openContacts`).
        public var openContactsLimit: Int

        public init(replications: Int? = nil, seed: UInt64? = nil, days: Int? = nil, threads: Int? = nil, shard: Shard? = nil,
                    openContactsLimit: Int = ScenarioLimits.openContacts) {
            self.replications = replications
            self.seed = seed
            self.days = days
            self.threads = threads
            self.shard = shard
            self.openContactsLimit = openContactsLimit
        }
    }

    /// Shard `index` of `count` (1-based): replications index−1, index−1+count, …
    public struct Shard: Sendable, Equatable, CustomStringConvertible {
        public var index: Int
        public var count: Int

        public init(index: Int, count: Int) {
            self.index = index
            self.count = count
        }

        /// `3/8`. - Throws: a message when the text is not `i/N` with 1 ≤ i ≤ N ≤ 10,000.
        public init(parsing text: String) throws(TextFile.Failure) {
            let parts = text.split(separator: "/")
            guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
                throw TextFile.Failure(description: "'\(text)' is not a shard; write i/N, e.g. 2/8 for the second of eight")
            }
            guard (1...ScenarioLimits.replications.upperBound).contains(count), (1...count).contains(index) else {
                throw TextFile.Failure(description: "shard \(text): i must be from 1 to N, and N from 1 to \(ScenarioLimits.replications.upperBound)")
            }
            self.init(index: index, count: count)
        }

        /// The replications of this shard among `total`.
        public func replications(of total: Int) -> [Int] { Array(stride(from: index - 1, to: total, by: count)) }

        public var description: String { "\(index)/\(count)" }
    }

    /// A run that could not finish.
    public enum Failure: Error, CustomStringConvertible, Equatable {
        /// More contacts were open at once than `ScenarioLimits.openContacts`.
        case overloaded(replication: Int, at: Seconds, limit: Int)
        /// The run settings after the command-line overrides are out of bounds.
        case invalidSettings(String)

        public var description: String {
            switch self {
            case let .overloaded(replication, at, limit):
                let day = Int(at / 86_400)
                let minutes = Int(at.truncatingRemainder(dividingBy: 86_400) / 60)
                return """
                    replication \(replication + 1) stopped on day \(day) at \(String(format2: minutes / 60)):\(String(format2: minutes % 60)): \
                    more than \(limit) contacts were open at once. The center is overloaded far beyond what \
                    its agents can handle; add agents or lower the demand to see figures.
                    """
            case let .invalidSettings(message): return message
            }
        }
    }

    /// Applies command-line overrides to the scenario's run settings.
    /// - Throws: `Failure.invalidSettings` when the result is out of bounds (`ScenarioLimits.check`).
    public static func prepare(_ scenario: Scenario, _ options: Options) throws(Failure) -> Scenario {
        var prepared = scenario
        if let replications = options.replications { prepared.run.replications = replications }
        if let seed = options.seed { prepared.run.seed = seed }
        if let days = options.days { prepared.run.days = days }
        do { try ScenarioLimits.check(prepared.run) } catch { throw .invalidSettings(error.description) }
        if prepared.run.warmup >= prepared.run.duration {
            throw .invalidSettings("run.warmup: the warm-up must be shorter than the run (\(prepared.run.days) day(s))")
        }
        return prepared
    }

    /// Runs every replication (or the options' shard of them). `progress` is called (from any
    /// thread) as replications finish.
    /// - Throws: `Failure` when the settings are out of bounds or a replication overloads.
    public static func run(_ scenario: Scenario, options: Options = Options(),
                           progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) throws(Failure) -> SimulationOutcome {
        let prepared = try prepare(scenario, options)
        let indices = options.shard?.replications(of: prepared.run.replications) ?? Array(0..<prepared.run.replications)
        let count = indices.count
        let threads = max(1, min(options.threads ?? ProcessInfo.processInfo.activeProcessorCount, max(1, count)))
        let results = ResultSlots(count: count)
        let started = ContinuousClock.now
        let next = Counter()
        let done = Counter()
        let startingEngine = Replication.startingEngine(for: prepared)
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            while true {
                let slot = next.increment() - 1
                guard slot < count, !results.failed else { return }
                var replication = Replication(scenario: prepared, index: indices[slot], startingEngine: startingEngine)
                replication.openContactsLimit = options.openContactsLimit
                let result = replication.run()
                if let at = replication.overloadedAt {
                    results.fail(.overloaded(replication: indices[slot], at: at, limit: options.openContactsLimit))
                    return
                }
                results.store(result, at: slot)
                progress?(done.increment(), count)
            }
        }
        if let failure = results.failure { throw failure }
        let elapsed = ContinuousClock.now - started
        return SimulationOutcome(scenario: prepared, replications: results.all(), shard: options.shard,
                                 wallSeconds: elapsed.seconds, threads: threads)
    }
}

/// Replication results and what they add up to.
public struct SimulationOutcome: Sendable {
    /// The scenario with the run's settings (overrides applied).
    public var scenario: Scenario
    /// The replications run, in replication order.
    public var replications: [ReplicationResult]
    /// The shard these replications are, or nil for the whole run.
    public var shard: Simulator.Shard?
    public var wallSeconds: Double
    public var threads: Int

    public init(scenario: Scenario, replications: [ReplicationResult], shard: Simulator.Shard? = nil, wallSeconds: Double = 0, threads: Int = 0) {
        self.scenario = scenario
        self.replications = replications.sorted { $0.index < $1.index }
        self.shard = shard
        self.wallSeconds = wallSeconds
        self.threads = threads
    }

    public var contactsSimulated: Int { replications.reduce(0) { $0 + $1.contactsSimulated } }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}

/// Results written by index from several threads; each slot is written once.
final class ResultSlots: @unchecked Sendable {
    private var slots: [ReplicationResult?]
    private(set) var failure: Simulator.Failure?
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func store(_ result: ReplicationResult, at index: Int) {
        lock.lock()
        slots[index] = result
        lock.unlock()
    }

    func fail(_ failure: Simulator.Failure) {
        lock.lock()
        if self.failure == nil { self.failure = failure }
        lock.unlock()
    }

    var failed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return failure != nil
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
