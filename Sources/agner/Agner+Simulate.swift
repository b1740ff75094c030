import AgnerReport
import AgnerSim
import ArgumentParser
import Foundation

extension Agner {
    struct Simulate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Simulate a scenario: the production routing engine on a virtual clock.",
            discussion: """
                Runs the scenario's replications over all cores and prints service level, waiting, \
                abandonment, occupancy and cost, in total and by channel, with 95 % intervals across \
                replications. The same scenario and seed always give the same numbers.

                Examples:
                  agner simulate scenarios/retail.yaml
                  agner simulate scenarios/retail.yaml --variant extended --replications 20 --format json
                  agner simulate scenarios/single-queue.yaml --db results.sqlite
                """)

        @Argument(help: "The scenario file (YAML).")
        var file: String

        @Option(help: "A variant defined in the scenario's variants section.")
        var variant: String?

        @OptionGroup var options: SimulationOptions

        @Option(help: "Output: table, json or csv (per interval and channel).")
        var format: OutputFormat = .table

        @Flag(help: "In the table, also break down by topic, department and segment.")
        var details = false

        @Flag(help: "In the table, also list every agent (answered, occupancy, QA sample).")
        var agents = false

        @Flag(help: "In the table, also list every interval.")
        var intervals = false

        @Option(help: "Also store the run in this SQLite results database.")
        var db: String?

        func run() throws {
            let scenario = try loadScenario(file, variant: variant)
            let progress = ProgressLine("simulating \(scenario.name)")
            let outcome = Simulator.run(scenario, options: options.simulatorOptions) { progress.update(done: $0, total: $1) }
            progress.finish()
            let summary = SimulationSummary(outcome)
            if let db { try storeRun(outcome: outcome, summary: summary, path: db) }
            switch format {
            case .table: print(SimulationReport.table(summary, details: details, agents: agents, intervals: intervals))
            case .json: print(try SimulationReport.json(summary))
            case .csv: print(SimulationReport.csv(summary))
            }
        }
    }

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case table, json, csv
    }
}
