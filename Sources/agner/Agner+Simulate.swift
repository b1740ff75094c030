import AgnerReport
import AgnerSim
import ArgumentParser
import Foundation

extension Agner {
    struct Simulate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Simulate a scenario: the production routing engine on a virtual clock.",
            discussion: """
                Runs the scenario's replications over all cores and prints, with 95 % intervals across \
                replications: the contacts (offered = answered + abandoned + open at end, with unserved \
                and deflected beside), then each channel's service level against its goal with the \
                share of intervals meeting it and the worst interval, waits, occupancy and cost. \
                Every figure is defined in docs/simulation.md. The same scenario and seed always give \
                the same numbers.

                Runs too large for one machine split into shards: --shard i/N runs replications i, \
                i+N, … (the same random numbers as the whole run) and stores them with --db; \
                agner merge combines the shards into exactly the whole run's figures.

                Examples:
                  agner simulate scenarios/retail.yaml
                  agner simulate scenarios/retail.yaml --details --intervals
                  agner simulate scenarios/retail.yaml --variant leaner --replications 20 --format json
                  agner simulate scenarios/retail.yaml --set 'agents[billing].count=4' --set 'hours.sat=closed'
                  agner simulate scenarios/single-queue.yaml --db results.sqlite
                  agner simulate scenarios/retail.yaml --replications 40 --shard 2/4 --db part-2.sqlite
                """)

        @Argument(help: "The scenario file (YAML).")
        var file: String

        @Option(help: "A variant defined in the scenario's variants section.")
        var variant: String?

        @Option(name: .customLong("set"), help: ArgumentHelp("Change one value after the variant: PATH=VALUE, e.g. 'agents[billing].count=6' (paths as for agner sweep; repeatable).", valueName: "path=value"))
        var assignments: [String] = []

        @OptionGroup var options: SimulationOptions

        @Option(help: "Output: table, json (one object, snake_case, null for undefined) or csv (per interval and channel).")
        var format: OutputFormat = .table

        @Flag(help: "In the table, also break down by topic, department and segment, with ownership (leakage, ladder steps) and what each department's agents handled.")
        var details = false

        @Flag(help: "In the table, also list every agent (answered, occupancy, slot utilisation, QA sample).")
        var agents = false

        @Flag(help: "In the table, also list every interval: staffed agents and occupancy, then each channel.")
        var intervals = false

        @Flag(help: "In the table, also list every day of the run.")
        var daily = false

        @Option(help: "Run only shard i of N of the replications (i from 1 to N), e.g. 2/4. Needs --db; combine the shards with agner merge.")
        var shard: String?

        @Option(help: "Also store the run in this SQLite results database (created if missing; runs accumulate). Prints the run's id on stderr.")
        var db: String?

        func validate() throws {
            if let shard {
                do { _ = try Simulator.Shard(parsing: shard) } catch { throw ValidationError(error.description) }
                guard db != nil else { throw ValidationError("--shard needs --db: a shard's replications are stored, then combined with agner merge") }
            }
        }

        func run() throws {
            let scenario: Scenario
            do {
                scenario = try ScenarioLoader.load(path: file, variant: variant, overrides: assignments.map(ScenarioOverride.init(parsing:)))
            } catch {
                throw CommandFailure(description: error.description)
            }
            var simulatorOptions = options.simulatorOptions
            if let shard { simulatorOptions.shard = try Simulator.Shard(parsing: shard) }
            let progress = ProgressLine("simulating \(scenario.name)")
            let outcome: SimulationOutcome
            do {
                outcome = try Simulator.run(scenario, options: simulatorOptions) { progress.update(done: $0, total: $1) }
            } catch {
                progress.finish()
                throw CommandFailure(description: "\(file): \(error.description)")
            }
            progress.finish()
            let summary = SimulationSummary(outcome)
            if let db {
                let id = try storeRun(outcome: outcome, summary: summary, scenarioText: scenario.sourceText, path: db)
                note("stored as run \(id) in \(db)")
            }
            try printSummary(summary, format: format, parts: .init(details: details, agents: agents, intervals: intervals, daily: daily))
        }
    }

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case table, json, csv
    }
}

/// Prints a summary in the chosen format (the same for simulate and merge, so that merged
/// shards print exactly what the whole run prints).
func printSummary(_ summary: SimulationSummary, format: Agner.OutputFormat, parts: SimulationReport.TableParts) throws {
    switch format {
    case .table: print(SimulationReport.table(summary, parts: parts))
    case .json: print(try SimulationReport.json(summary))
    case .csv: print(SimulationReport.csv(summary))
    }
}

/// A line for the person at the terminal, on stderr (stdout carries the report).
func note(_ text: String) {
    writeToStandardError("agner: \(text)\n")
}
