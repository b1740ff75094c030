import AgnerReport
import AgnerSim
import ArgumentParser
import Foundation

extension Agner {
    struct Simulate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "simulate",
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
                  agner simulate scenarios/retail.yaml --format html --output report.html
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

        @Option(help: "Output: table, json (one object, snake_case, null for undefined), csv (per interval and channel) or html (one self-contained page with charts; docs/simulation.md).")
        var format: SimulationFormat = .table

        @Option(help: "Write the report to this file instead of standard output.")
        var output: String?

        @Flag(help: "In the table, also break down by topic, department and segment, with ownership (leakage, ladder steps) and what each department's agents handled.")
        var details = false

        @Flag(help: "In the table, also list every agent (answered, occupancy, slot utilisation, QA sample).")
        var agents = false

        @Flag(help: "In the table, also list every interval: staffed agents and occupancy, then each channel.")
        var intervals = false

        @Flag(help: "In the table, also list every day of the run.")
        var daily = false

        @Option(parsing: .unconditional, help: "Run only shard i of N of the replications (i from 1 to N), e.g. 2/4. Needs --db; combine the shards with agner merge.")
        var shard: String?

        @Option(help: "Also store the run in this SQLite results database (created if missing; runs accumulate). Prints the run's id on stderr.")
        var db: String?

        func validate() throws {
            try refuseWriting("--output", output, over: [file, db])
            try refuseWriting("--db", db, over: [file])
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
            if let shard {
                let parsed = try Simulator.Shard(parsing: shard)
                let replications = simulatorOptions.replications ?? scenario.run.replications
                guard parsed.count <= replications else {
                    throw CommandFailure(description: "--shard \(shard): \(parsed.count) shards for \(replications) replications would leave some empty; use at most \(replications)")
                }
                simulatorOptions.shard = parsed
            }
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
            try printSummary(summary, outcome: outcome, format: format, parts: .init(details: details, agents: agents, intervals: intervals, daily: daily),
                             output: output)
        }
    }

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case table, json, csv
    }

    /// A simulation's formats: those of the other reports, and the HTML page.
    enum SimulationFormat: String, ExpressibleByArgument, CaseIterable {
        case table, json, csv, html
    }
}

/// Prints a summary in the chosen format (the same for simulate and merge, so that merged
/// shards print exactly what the whole run prints), to standard output or to `output`.
func printSummary(_ summary: SimulationSummary, outcome: SimulationOutcome, format: Agner.SimulationFormat,
                  parts: SimulationReport.TableParts, output: String? = nil) throws {
    let text: String = switch format {
    case .table: SimulationReport.table(summary, parts: parts)
    case .json: try SimulationReport.json(summary)
    case .csv: SimulationReport.csv(summary)
    case .html: HTMLReport.simulation(outcome)
    }
    try writeReport(text, to: output)
}

/// Prints the report, or writes it to a file (with a note on stderr saying where).
/// Refuses an option that writes a file (`--output`, `--db`) when it names one of the
/// command's inputs (its scenario, journal, shards or results database, also through another
/// path or a link): what it writes would replace, or be written into, what the command reads.
/// - Throws: `ValidationError` naming the option and both files.
func refuseWriting(_ option: String, _ path: String?, over inputs: [String?]) throws {
    guard let path else { return }
    func identity(_ path: String) -> String {
        var info = stat()
        if stat(path, &info) == 0 { return "\(info.st_dev):\(info.st_ino)" }
        return URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }
    let target = identity(path)
    for case let input? in inputs where identity(input) == target {
        throw ValidationError("\(option) \(path) is \(input), which this command reads: it would be replaced; name another file")
    }
    // A report is written after the run: checked now, so that a long run is not lost to a file
    // it cannot write. (A results database or journal is opened first, and says why itself.)
    guard option == "--output" else { return }
    var info = stat()
    if stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
        throw ValidationError("\(option) \(path) is a directory; name a file")
    }
    let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
    if access(directory, W_OK) != 0 {
        let reason = String(cString: strerror(errno)).lowercased()
        throw ValidationError("\(option) \(path) cannot be written: its directory \(directory): \(reason)")
    }
}

func writeReport(_ text: String, to output: String?) throws {
    guard let output else {
        print(text)
        return
    }
    do { try (text + "\n").write(toFile: output, atomically: true, encoding: .utf8) } catch {
        throw CommandFailure(description: "\(output): cannot write the report: \(error.localizedDescription)")
    }
    note("report written to \(output)")
}

/// A line for the person at the terminal, on stderr (stdout carries the report).
func note(_ text: String) {
    writeToStandardError("agner: \(text)\n")
}
