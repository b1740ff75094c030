import AgnerReport
import AgnerSim
import ArgumentParser
import Foundation

extension Agner {
    struct Sweep: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sweep",
            abstract: "Run a grid of variants of a scenario, all on the same random numbers: one row per point.",
            discussion: """
                Each --set PATH=VALUES is an axis; the grid is every combination of their values (the \
                first --set varies slowest). Every point runs with the same seed and replications, so \
                replication r of every point sees the same customers: differences between rows come \
                from the settings, not from chance. Each row gives every channel's service level \
                against its goal (✓ when its 95 % interval clears the goal, ✗ when it lies below, ~ \
                when too close to call), abandonment over the real-time channels, occupancy and cost, \
                each with its 95 % interval.

                Paths follow the file's keys, with a selector in brackets for lists: \
                agents[NAME] (a group), center.topics[NAME], demand[CHANNEL/TOPIC], demand[CHANNEL] or \
                demand[TOPIC] (every stream of it), notices[TOPIC]. Values: V1,V2,… (YAML, as in the \
                file), A..B (whole numbers), A..B step S (a unit may follow each number: 45s..90s step 15s). \
                A path that leads nowhere is an error naming it. Paths, values and shards: \
                docs/optimisation.md.

                A large grid runs on a batch engine in shards, as agner simulate does: --shard i/N \
                runs replications i, i+N, … of every point and stores them with --db; agner merge \
                combines the shards into exactly the whole sweep's table.

                Examples:
                  agner sweep scenarios/retail.yaml --set 'agents[billing].count=3..7'
                  agner sweep scenarios/retail.yaml --set 'agents[frontline late].count=9..13' --set 'hours.default=08:00-20:00,08:00-22:00'
                  agner sweep scenarios/single-queue.yaml --set 'agents[group 1].count=48..56' --set 'patience.default=90s,120s,180s' --format csv
                  agner sweep scenarios/retail.yaml --set 'agents[billing].count=3..7' --format html --output sweep.html
                  parallel agner sweep scenarios/retail.yaml --set 'agents[billing].count=3..7' --shard {}/4 --db part-{}.sqlite ::: 1 2 3 4
                  agner merge part-*.sqlite
                """)

        @Argument(help: "The scenario file (YAML).")
        var file: String

        @Option(name: .customLong("set"), help: ArgumentHelp("An axis: PATH=V1,V2,… or PATH=A..B [step S]. Give one --set per axis.", valueName: "path=values"))
        var axes: [String] = []

        @Option(help: "A variant defined in the scenario's variants section, under every point.")
        var variant: String?

        @OptionGroup var options: SimulationOptions

        @Option(help: "Worker threads (the same as --threads; default: all cores). Results do not depend on it.")
        var jobs: Int?

        @Option(help: "Output: table, json (one object), csv (one row per point) or html (one self-contained page charting every point; docs/optimisation.md).")
        var format: SimulationFormat = .table

        @Option(help: "Write the report to this file instead of standard output.")
        var output: String?

        @Option(help: "Run only shard i of N of every point's replications, e.g. 2/4. Needs --db; combine the shards with agner merge.")
        var shard: String?

        @Option(help: "Also store every point as a run in this SQLite results database (created if missing).")
        var db: String?

        func validate() throws {
            guard !axes.isEmpty else { throw ValidationError("give at least one --set PATH=VALUES, e.g. --set 'agents[billing].count=6..12'") }
            if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
            try refuseWriting("--db", db, over: [file])
            try refuseWriting("--output", output, over: [file, db])
            if let shard {
                do { _ = try Simulator.Shard(parsing: shard) } catch { throw ValidationError(error.description) }
                guard db != nil else { throw ValidationError("--shard needs --db: a shard's replications are stored, then combined with agner merge") }
            }
        }

        func run() throws {
            let grid: SweepGrid
            do { grid = try SweepGrid(axes: axes.map(SweepAxis.init(parsing:))) } catch {
                throw CommandFailure(description: error.description)
            }
            // Every point is read (and checked) before anything is simulated.
            var scenarios: [Scenario] = []
            for point in 0..<grid.pointCount {
                do {
                    scenarios.append(try ScenarioLoader.load(path: file, variant: variant, overrides: grid.overrides(point: point)))
                } catch {
                    throw CommandFailure(description: error.description)
                }
            }
            var simulatorOptions = options.simulatorOptions
            if let jobs { simulatorOptions.threads = jobs }
            if let shard {
                let parsed = try Simulator.Shard(parsing: shard)
                let replications = simulatorOptions.replications ?? scenarios[0].run.replications
                guard parsed.count <= replications else {
                    throw CommandFailure(description: "--shard \(shard): \(parsed.count) shards for \(replications) replications would leave some empty; use at most \(replications)")
                }
                simulatorOptions.shard = parsed
            }
            // A few points at a time, so that a large grid's replications are let go once summed.
            let threads = simulatorOptions.threads ?? ProcessInfo.processInfo.activeProcessorCount
            let chunk = max(8, 4 * threads)
            let progress = ProgressLine("sweeping \(grid.pointCount) points")
            let paths = grid.axes.map(\.pathText)
            var rows: [SweepSummary.Point] = []
            var first: SimulationOutcome? = nil
            let pointCount = scenarios.count
            for start in stride(from: 0, to: scenarios.count, by: chunk) {
                let points = start..<min(scenarios.count, start + chunk)
                let outcomes: [SimulationOutcome]
                do {
                    outcomes = try Simulator.runBatch(Array(scenarios[points]), options: simulatorOptions) { done, total in
                        progress.update(done: start * total / points.count + done, total: pointCount * total / points.count)
                    }
                } catch {
                    progress.finish()
                    throw CommandFailure(description: "\(file): \(error.description)")
                }
                if first == nil { first = outcomes[0] }
                for (offset, outcome) in outcomes.enumerated() {
                    let point = start + offset
                    if let db {
                        try storeRun(outcome: outcome, summary: SimulationSummary(outcome), scenarioText: outcome.scenario.sourceText,
                                     path: db, sweepPoint: point)
                    }
                    rows.append(SweepSummary.point(point, values: grid.values(point: point), paths: paths, outcome: outcome))
                }
            }
            progress.finish()
            if let db { note("stored \(grid.pointCount) points in \(db)") }
            try printSweep(SweepSummary(sweep: grid, first: first!, points: rows), format: format, output: output)
        }
    }
}

/// Prints a sweep in the chosen format (the same for sweep and merge, so that merged shards
/// print exactly what the whole sweep prints), to standard output or to `output`.
func printSweep(_ summary: SweepSummary, format: Agner.SimulationFormat, output: String? = nil) throws {
    let text: String = switch format {
    case .table: SweepReport.table(summary)
    case .json: try SweepReport.json(summary)
    case .csv: SweepReport.csv(summary)
    case .html: HTMLReport.sweep(summary)
    }
    try writeReport(text, to: output)
}
