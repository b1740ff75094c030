import AgnerReport
import AgnerSim
import ArgumentParser

extension Agner {
    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "compare",
            abstract: "Compare two variants (or two scenario files) side by side.",
            discussion: """
                Both sides run with the same seed and replications, so they see the same customers \
                (common random numbers): differences come from the change, not from chance. Each \
                difference gets a 95 % interval from the paired replications; it is called better or \
                worse only when that interval excludes zero, otherwise "no clear difference". Prints \
                service level and ASA per channel, abandonment, contacts, occupancy and cost, and \
                who meets each goal.

                Two files whose run settings (replications, days, seed, warm-up, service-level \
                definition) differ are refused, since their figures would not measure the same \
                thing; --allow-different-runs compares them anyway (without pairing, and never \
                calling a change of definition an improvement).

                Examples:
                  agner compare scenarios/extended-hours.yaml --variant standard --variant extended
                  agner compare today.yaml tomorrow.yaml --replications 20
                  agner compare scenarios/extended-hours.yaml --format html --output compare.html
                """)

        @Argument(help: "One scenario file with two variants, or two scenario files.")
        var files: [String]

        @Option(name: .customLong("variant"), help: "A variant; give it twice (A, then B), or once to compare the base with it.")
        var variants: [String] = []

        @OptionGroup var options: SimulationOptions

        @Flag(help: "Compare two runs whose replications, days, seed, warm-up or service-level definition differ.")
        var allowDifferentRuns = false

        @Option(help: "Output: table, json, or html (one self-contained page: both sides overlaid, the differences as bars with their intervals).")
        var format: CompareFormat = .table

        @Option(help: "Write the report to this file instead of standard output.")
        var output: String?

        enum CompareFormat: String, ExpressibleByArgument, CaseIterable {
            case table, json, html
        }

        func validate() throws {
            guard (1...2).contains(files.count) else { throw ValidationError("give one scenario file with two variants, or two files") }
            try refuseWriting("--output", output, over: files)
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
            var scenarios: [(scenario: Scenario, label: String)] = []
            for side in chosen {
                let scenario = try loadScenario(side.file, variant: side.variant)
                let prepared: Scenario
                do { prepared = try Simulator.prepare(scenario, options.simulatorOptions) } catch {
                    throw CommandFailure(description: "\(side.file): \(error.description)")
                }
                scenarios.append((prepared, side.variant ?? (files.count == 2 ? side.file : "base")))
            }
            let settingsA = ComparisonReport.RunSettingsText(scenarios[0].scenario.run)
            let settingsB = ComparisonReport.RunSettingsText(scenarios[1].scenario.run)
            let differences = settingsA.differences(from: settingsB)
            if !differences.isEmpty && !allowDifferentRuns {
                let list = differences.map { "  \($0.0): \($0.1) (\(scenarios[0].label)) vs \($0.2) (\(scenarios[1].label))" }.joined(separator: "\n")
                throw CommandFailure(description: """
                    the two sides are run differently, so their figures would not measure the same thing:
                    \(list)
                    Make them the same (--replications, --seed and --days set both sides), or compare anyway with --allow-different-runs.
                    """)
            }
            var outcomes: [SimulationOutcome] = []
            for side in scenarios {
                let progress = ProgressLine("simulating \(side.label)")
                do {
                    outcomes.append(try Simulator.run(side.scenario, options: Simulator.Options(threads: options.threads)) {
                        progress.update(done: $0, total: $1)
                    })
                } catch {
                    progress.finish()
                    throw CommandFailure(description: "\(side.label): \(error.description)")
                }
                progress.finish()
            }
            let report = ComparisonReport(a: outcomes[0], b: outcomes[1], labelA: scenarios[0].label, labelB: scenarios[1].label)
            let text: String = switch format {
            case .table: report.table()
            case .json: try report.json()
            case .html: HTMLReport.comparison(a: outcomes[0], b: outcomes[1], labelA: scenarios[0].label, labelB: scenarios[1].label)
            }
            try writeReport(text, to: output)
        }
    }
}
