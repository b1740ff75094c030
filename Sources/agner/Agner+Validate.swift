import AgnerReport
import AgnerSim
import ArgumentParser
import Foundation

extension Agner {
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "validate",
            abstract: "Check the simulator against Erlang C and Erlang A.",
            discussion: """
                Simulates each reference queue (single skill, exponential handle times, Poisson \
                arrivals; exponential patience for Erlang A) and prints analytic against simulated \
                values with 95 % intervals. At 95 % about one check in twenty misses by chance, so \
                with some forty checks one or two "no" in that column are expected. A check passes \
                when the analytic value lies inside its interval at the family's level (Bonferroni: \
                each at 1 − 0.05 ÷ checks, so that all of them together are judged at 95 %) and the \
                95 % interval is narrow: half-width ≤ 0.01 for probabilities, ≤ 5 % of the value for ASA.

                Exits with status 0 only when every check passes, 1 otherwise, so a script or CI job \
                can rely on it: a wrong simulator fails, chance alone fails one run in twenty. A \
                short run (--scale below 1) gives wider intervals and often fails the narrowness check.
                """)

        @Option(help: "A reference CSV in the format of shared/validation/erlang-reference.csv (default: the built-in copy).")
        var reference: String?

        @Option(parsing: .unconditional, help: "Scale the simulated days per case (0.1 for a quick look).")
        var scale: Double = 1

        @Option(parsing: .unconditional, help: "Replications per case.")
        var replications: Int = 10

        @Option(parsing: .unconditional, help: "Random seed.")
        var seed: UInt64 = 1

        @Option(parsing: .unconditional, help: "Worker threads (default: all cores).")
        var threads: Int?

        func validate() throws {
            guard scale > 0, scale <= 100 else { throw ValidationError("--scale must be in (0, 100]") }
            guard (2...1000).contains(replications) else { throw ValidationError("--replications must be between 2 and 1000") }
        }

        func run() throws {
            var rows = Validation.reference
            if let reference {
                let text: String
                do { text = try TextFile.read(reference, limit: ScenarioLimits.fileSize, kind: "a reference table") } catch {
                    throw CommandFailure(description: "\(reference): \(error.description)")
                }
                guard let parsed = Validation.parse(text), !parsed.isEmpty else {
                    throw CommandFailure(description: "\(reference): not a reference table (columns: case, arrivals_per_s, aht_s, agents, patience_s, p_wait, sl_60_of_offered, asa_s, abandon_rate, occupancy)")
                }
                rows = parsed
            }
            var results: [Validation.RowResult] = []
            let interactive = isatty(STDERR_FILENO) == 1
            for (index, row) in rows.enumerated() {
                if interactive { writeToStandardError("\rvalidating case \(index + 1)/\(rows.count): \(row.label) n=\(row.agents)   ") }
                results.append(try Validation.run(row, scale: scale, replications: replications, seed: seed, threads: threads))
            }
            if interactive { writeToStandardError("\r\u{1B}[K") }
            print(ValidationReport.table(results))
            let checks = results.flatMap(\.checks)
            let failed = checks.filter { !$0.passed(amongChecks: checks.count) }.count
            if failed > 0 {
                note("\(failed) of \(checks.count) checks failed")
                throw ExitCode.failure
            }
        }
    }
}
