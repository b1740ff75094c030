import AgnerReport
import AgnerSim
import ArgumentParser

extension Agner {
    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare two variants (or two scenario files) side by side.",
            discussion: """
                Both sides run with the same seed and replications, so they see the same customers: \
                differences come from the change, not from chance. Prints service level, ASA, \
                abandonment, unserved demand, occupancy and cost with deltas, and a verdict per goal.

                Examples:
                  agner compare scenarios/extended-hours.yaml --variant standard --variant extended
                  agner compare today.yaml tomorrow.yaml
                """)

        @Argument(help: "One scenario file with two variants, or two scenario files.")
        var files: [String]

        @Option(name: .customLong("variant"), help: "A variant; give it twice (A, then B), or once to compare the base with it.")
        var variants: [String] = []

        @OptionGroup var options: SimulationOptions

        @Option(help: "Output: table or json.")
        var format: StaffFormat = .table

        func validate() throws {
            guard (1...2).contains(files.count) else { throw ValidationError("give one scenario file with two variants, or two files") }
            guard variants.count <= 2 else { throw ValidationError("give at most two variants") }
            if files.count == 2 && variants.count == 1 { throw ValidationError("with two files, give no variant or one for each") }
        }

        func sides() throws -> [(file: String, variant: String?)] {
            if files.count == 2 {
                return [(files[0], variants.first), (files[1], variants.count == 2 ? variants[1] : nil)]
            }
            switch variants.count {
            case 2: return [(files[0], variants[0]), (files[0], variants[1])]
            case 1: return [(files[0], nil), (files[0], variants[0])]
            default:
                let scenario = try loadScenario(files[0], variant: nil)
                guard scenario.variants.count == 2 else {
                    throw CommandFailure(description: "\(files[0]) defines \(scenario.variants.count) variant(s); name the two to compare with --variant A --variant B")
                }
                return [(files[0], scenario.variants[0]), (files[0], scenario.variants[1])]
            }
        }

        func run() throws {
            let chosen = try sides()
            var summaries: [SimulationSummary] = []
            var labels: [String] = []
            for side in chosen {
                let scenario = try loadScenario(side.file, variant: side.variant)
                let label = side.variant ?? (files.count == 2 ? side.file : "base")
                let progress = ProgressLine("simulating \(label)")
                let outcome = Simulator.run(scenario, options: options.simulatorOptions) { progress.update(done: $0, total: $1) }
                progress.finish()
                summaries.append(SimulationSummary(outcome))
                labels.append(label)
            }
            let report = ComparisonReport(a: summaries[0], b: summaries[1], labelA: labels[0], labelB: labels[1])
            switch format {
            case .table: print(report.table())
            case .json: print(try report.json())
            }
        }
    }
}
