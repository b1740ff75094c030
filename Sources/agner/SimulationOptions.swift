import AgnerSim
import ArgumentParser
import Foundation

/// Options shared by `simulate` and `compare`.
struct SimulationOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Replications, 1–10,000 (overrides run.replications in the scenario).")
    var replications: Int?

    @Option(parsing: .unconditional, help: "Random seed (overrides run.seed). Same scenario and seed give the same numbers.")
    var seed: UInt64?

    @Option(parsing: .unconditional, help: "Simulated days, 1–3,660 (overrides run.days).")
    var days: Int?

    @Option(parsing: .unconditional, help: "Worker threads for replications (default: all cores). Results do not depend on it.")
    var threads: Int?

    func validate() throws {
        if let replications, !ScenarioLimits.replications.contains(replications) {
            throw ValidationError("--replications must be between \(ScenarioLimits.replications.lowerBound) and \(ScenarioLimits.replications.upperBound)")
        }
        if let days, !ScenarioLimits.days.contains(days) {
            throw ValidationError("--days must be between \(ScenarioLimits.days.lowerBound) and \(ScenarioLimits.days.upperBound)")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    var simulatorOptions: Simulator.Options {
        Simulator.Options(replications: replications, seed: seed, days: days, threads: threads)
    }
}

/// Replication progress on stderr, shown only when stderr is a terminal and the run has taken
/// more than a second.
final class ProgressLine: @unchecked Sendable {
    private let started = ContinuousClock.now
    private let lock = NSLock()
    private let label: String
    private var shown = false
    private let enabled = isatty(STDERR_FILENO) == 1

    init(_ label: String) { self.label = label }

    func update(done: Int, total: Int) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        guard ContinuousClock.now - started > .seconds(1) || shown else { return }
        shown = true
        writeToStandardError("\r\(label): replication \(done)/\(total)")
    }

    /// Shows `text` after the label (e.g. "entry 120,000 of 480,000").
    func update(_ text: String) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        guard ContinuousClock.now - started > .seconds(1) || shown else { return }
        shown = true
        writeToStandardError("\r\u{1B}[K\(label): \(text)")
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if shown { writeToStandardError("\r\u{1B}[K") }
    }
}

/// Loads a scenario, turning its error into a clean command-line failure.
func loadScenario(_ path: String, variant: String?) throws -> Scenario {
    do {
        return try ScenarioLoader.load(path: path, variant: variant)
    } catch {
        throw CommandFailure(description: error.description)
    }
}

/// An error printed as it is, without a usage banner, exiting 1.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
}
