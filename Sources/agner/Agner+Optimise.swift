import AgnerReport
import AgnerSim
import ArgumentParser
import Foundation

extension Agner {
    struct Optimise: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "optimise",
            abstract: "Find the least staffing that keeps every channel's service-level goal (and an abandonment cap), by simulation.",
            discussion: """
                Searches for the fewest agents per agent group (or the least cost, with --cost) whose \
                simulated service level meets every channel's goal, with the abandon rate of each \
                real-time channel within --max-abandon. With --by interval, it finds the agents each \
                group needs on duty in every interval of the day (the same every working day; \
                the groups' shifts and breaks set aside), each real-time channel's goal held in \
                every interval: the input to shift planning.

                A goal counts as met only when its 95 % interval over --replications clears it. The \
                search starts from the Erlang requirements, sets aside goals that no staffing in \
                reach can keep (missed even with every group doubled), adds an agent where goals \
                fail and then removes agents while every goal holds, simulating each candidate on \
                the same random numbers (marginal analysis with common random numbers; method, \
                sources and limits in docs/optimisation.md). The answer is checked once more on \
                independent random numbers.

                Prints the staffing beside today's and the start's, each run's figures with their \
                intervals, the cost against today's, the evaluations used, and the staffing as a \
                variant to paste into the scenario.

                Examples:
                  agner optimise scenarios/retail.yaml
                  agner optimise scenarios/retail.yaml --cost --max-abandon 5%
                  agner optimise scenarios/single-queue.yaml --max-abandon 5%
                  agner optimise scenarios/retail.yaml --by interval --budget 400
                """)

        enum Goal: String, ExpressibleByArgument, CaseIterable {
            case serviceLevel = "service-level"
        }

        @Argument(help: "The scenario file (YAML).")
        var file: String

        @Option(help: "A variant defined in the scenario's variants section to start from.")
        var variant: String?

        @Option(help: "What to keep: service-level (each channel's goal and target from the scenario).")
        var goal: Goal = .serviceLevel

        @Option(parsing: .unconditional, help: "Most abandoned ÷ offered on each real-time channel, more than 0 % and at most 100 %, e.g. 5%.")
        var maxAbandon: String?

        @Option(help: "Staffing per agent group (group) or per group and interval of the day (interval).")
        var by: StaffingSearch.Granularity = .group

        @Flag(help: "Minimise the agent cost (costs.agentHour, with the extended-hours premium) instead of the number of agents.")
        var cost = false

        @Option(help: "Most evaluations (simulations of one staffing with --replications replications), 3–100,000.")
        var budget: Int = 300

        @Option(help: "Replications per evaluation (at least 2: a goal is judged by its 95 % interval).")
        var replications: Int = 10

        @Option(help: "Random seed (overrides run.seed); the same seed gives the same answer.")
        var seed: UInt64?

        @Option(help: "Simulated days (overrides run.days).")
        var days: Int?

        @Option(help: "Worker threads (default: all cores). The answer does not depend on it.")
        var threads: Int?

        @Option(help: "Output: table or json.")
        var format: StaffFormat = .table

        @Option(help: "The name of the variant the answer is written as (letters, digits, spaces, '-' and '_').")
        var name: String = "least"

        func validate() throws {
            guard (2...ScenarioLimits.replications.upperBound).contains(replications) else {
                throw ValidationError("--replications must be between 2 and \(ScenarioLimits.replications.upperBound): a goal is judged by its 95 % interval")
            }
            guard (3...100_000).contains(budget) else { throw ValidationError("--budget must be between 3 and 100,000 evaluations") }
            if let days, !ScenarioLimits.days.contains(days) {
                throw ValidationError("--days must be between \(ScenarioLimits.days.lowerBound) and \(ScenarioLimits.days.upperBound)")
            }
            if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
            if let maxAbandon { _ = try Self.share(maxAbandon) }
            // Pasted back into the scenario as a key of `variants`: plain text only.
            guard !name.isEmpty, name.count <= 64,
                  name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == " " || $0 == "-" || $0 == "_" }),
                  name.first != " ", name.last != " " else {
                throw ValidationError("--name '\(name)' cannot name a variant: use 1–64 letters, digits, spaces, '-' and '_'")
            }
        }

        /// A cap such as `5%`: more than 0 % (customers with patience always hang up now and
        /// then, so no staffing keeps every one) and at most 100 %.
        static func share(_ text: String) throws -> Double {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasSuffix("%"), let value = Double(trimmed.dropLast().trimmingCharacters(in: .whitespaces)), value.isFinite else {
                throw ValidationError("--max-abandon takes a percentage such as 5%, not '\(text)'")
            }
            guard value > 0, value <= 100 else {
                throw ValidationError("--max-abandon \(text) is outside the range: more than 0 % (some customers always hang up) and at most 100 %")
            }
            return value / 100
        }

        func run() throws {
            let scenario = try loadScenario(file, variant: variant)
            let settings = StaffingSearch.Settings(
                granularity: by, objective: cost ? .cost : .agents, maxAbandon: try maxAbandon.map(Self.share), budget: budget,
                replications: replications, seed: seed, days: days, threads: threads)
            var search: StaffingSearch
            do { search = try StaffingSearch(scenario: scenario, settings: settings) } catch {
                throw CommandFailure(description: "\(file): \(error.description)")
            }
            let verbose = isatty(STDERR_FILENO) == 1
            let started = ContinuousClock.now
            let result: StaffingSearch.Result
            do {
                result = try search.run { line in if verbose { note(line) } }
            } catch {
                throw CommandFailure(description: "\(file): \(error.description)")
            }
            let report = OptimisationReport(result, variantName: name, file: file)
            switch format {
            case .table: print(report.table())
            case .json: print(try report.json())
            }
            let elapsed = ContinuousClock.now - started
            note("\(result.evaluations) evaluations in \(Format.fixed(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18, 1)) s")
            // No answer is a failure for a script: it must not read the report as one.
            if result.best == nil { throw ExitCode(2) }
        }
    }
}

extension StaffingSearch.Granularity: ExpressibleByArgument {}
