import AgnerReport
import AgnerSim
import AgnerStore
import ArgumentParser
import Foundation

extension Agner {
    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "merge",
            abstract: "Combine the shards of a simulation (agner simulate --shard i/N --db part-i.sqlite) into the whole run.",
            discussion: """
                Reads every shard run in the given results databases; they must be the shards 1 … N of \
                one run (same scenario text, variant, seed, replications and days), each once. Prints \
                the whole run's figures exactly as agner simulate would have printed them without \
                shards (byte for byte, in every format), and stores the run with --db.

                Example (GNU parallel, four shards on this machine or over ssh):
                  parallel agner simulate scenarios/retail.yaml --replications 40 --shard {}/4 --db part-{}.sqlite ::: 1 2 3 4
                  agner merge part-*.sqlite --db all.sqlite
                More batch engines (Slurm, Kubernetes) in docs/simulation.md.
                """)

        @Argument(help: "The shards' results databases.")
        var parts: [String]

        @Option(help: "Store the merged run in this results database.")
        var db: String?

        @Option(help: "Output: table, json, csv or html, as agner simulate (or as agner sweep, for a sweep's shards).")
        var format: SimulationFormat = .table

        @Option(help: "Write the report to this file instead of standard output.")
        var output: String?

        @Flag(help: "In the table, also break down by topic, department and segment.")
        var details = false

        @Flag(help: "In the table, also list every agent.")
        var agents = false

        @Flag(help: "In the table, also list every interval.")
        var intervals = false

        @Flag(help: "In the table, also list every day of the run.")
        var daily = false

        func validate() throws {
            guard !parts.isEmpty else { throw ValidationError("give the shards' results databases") }
            try refuseWriting("--db", db, over: parts)
            try refuseWriting("--output", output, over: parts + [db])
        }

        struct ShardRun {
            var file: String
            var record: RunRecord
            var store: ResultsStore
        }

        func run() throws {
            var shards: [ShardRun] = []
            for file in parts {
                guard FileManager.default.fileExists(atPath: file) else { throw CommandFailure(description: "\(file): no such file") }
                let store: ResultsStore
                do { store = try ResultsStore(path: file) } catch {
                    throw CommandFailure(description: "\(file): not a results database: \(error)")
                }
                let found = try store.runs().filter { $0.shardCount != nil }
                guard !found.isEmpty else { throw CommandFailure(description: "\(file): holds no shard run (agner simulate --shard i/N --db \(file))") }
                shards += found.map { ShardRun(file: file, record: $0, store: store) }
            }
            if shards.contains(where: { $0.record.sweepPoint != nil }) {
                try mergeSweep(shards)
                return
            }
            let outcome = try Self.merge(shards)
            let summary = SimulationSummary(outcome)
            if let db {
                let id = try storeRun(outcome: outcome, summary: summary, scenarioText: outcome.scenario.sourceText, path: db)
                note("merged \(shards.count) shards into run \(id) in \(db)")
            }
            try printSummary(summary, outcome: outcome, format: format, parts: .init(details: details, agents: agents, intervals: intervals, daily: daily),
                             output: output)
        }

        /// Rebuilds one run from its shards: they must be shards 1 … N of one run (same scenario
        /// text, variant, assignments, seed, replications and days), each once.
        static func merge(_ shards: [ShardRun]) throws -> SimulationOutcome {
            let first = shards[0].record
            func sameRun(_ r: RunRecord) -> Bool {
                r.scenarioHash == first.scenarioHash && r.scenarioText == first.scenarioText && r.variant == first.variant
                    && r.seed == first.seed && r.replications == first.replications && r.days == first.days
                    && r.shardCount == first.shardCount && r.serviceLevelDefinition == first.serviceLevelDefinition
                    && r.overrides == first.overrides && r.sweepPoint == first.sweepPoint
            }
            if let other = shards.first(where: { !sameRun($0.record) }) {
                throw CommandFailure(description: """
                    \(other.file): run \(other.record.id ?? 0) is a shard of another run than \(shards[0].file)'s \
                    (scenario, variant, seed, replications, days or shard count differ); merge the shards of one run at a time
                    """)
            }
            let count = first.shardCount!
            var seen: [Int: String] = [:]
            for shard in shards {
                let index = shard.record.shardIndex ?? 0
                if let earlier = seen[index] {
                    throw CommandFailure(description: "shard \(index)/\(count) is stored twice (\(earlier) and \(shard.file))")
                }
                seen[index] = shard.file
            }
            let missing = (1...count).filter { seen[$0] == nil }
            guard missing.isEmpty else {
                throw CommandFailure(description: "shard\(missing.count == 1 ? "" : "s") \(missing.map { "\($0)/\(count)" }.joined(separator: ", ")) missing")
            }
            var overrides: [ScenarioOverride] = []
            do {
                overrides = try (first.overrides ?? "").split(separator: "\n").map { try ScenarioOverride(parsing: String($0)) }
            } catch {
                throw CommandFailure(description: "\(shards[0].file): the stored assignments no longer read: \(error)")
            }
            guard let text = first.scenarioText else { throw CommandFailure(description: "\(shards[0].file): the run does not hold its scenario") }
            var scenario: Scenario
            do { scenario = try ScenarioLoader.load(yaml: text, variant: first.variant, overrides: overrides) } catch {
                throw CommandFailure(description: "the stored scenario no longer loads: \(error.description)")
            }
            var results: [ReplicationResult] = []
            var wall = 0.0
            for shard in shards {
                wall = max(wall, shard.record.wallSeconds)
                for stored in try shard.store.replications(run: shard.record.id!) {
                    do { results.append(try ReplicationResult(bytes: [UInt8](stored.result))) } catch {
                        throw CommandFailure(description: "\(shard.file): replication \(stored.replication): \(error.description)")
                    }
                }
            }
            results.sort { $0.index < $1.index }
            guard results.map(\.index) == Array(0..<first.replications) else {
                throw CommandFailure(description: "the shards hold replications \(results.map(\.index)), not 0 to \(first.replications - 1) once each")
            }
            do {
                scenario = try Simulator.prepare(scenario, Simulator.Options(replications: first.replications, seed: first.unsignedSeed, days: first.days))
            } catch {
                throw CommandFailure(description: error.description)
            }
            return SimulationOutcome(scenario: scenario, replications: results, shard: nil, wallSeconds: wall, threads: 0)
        }

        /// Merges the shards of a sweep point by point and prints the sweep's table.
        func mergeSweep(_ shards: [ShardRun]) throws {
            if let stray = shards.first(where: { $0.record.sweepPoint == nil }) {
                throw CommandFailure(description: "\(stray.file): run \(stray.record.id ?? 0) is not a point of a sweep; merge the shards of one sweep at a time")
            }
            let points = Dictionary(grouping: shards) { $0.record.sweepPoint! }
            let count = points.keys.max()! + 1
            let missing = (0..<count).filter { points[$0] == nil }
            guard missing.isEmpty else {
                throw CommandFailure(description: "point\(missing.count == 1 ? "" : "s") \(missing.map(String.init).joined(separator: ", ")) of the sweep missing")
            }
            let first = shards[0].record
            if let other = shards.first(where: { r in
                r.record.scenarioText != first.scenarioText || r.record.variant != first.variant || r.record.seed != first.seed
                    || r.record.replications != first.replications || r.record.days != first.days || r.record.shardCount != first.shardCount
            }) {
                throw CommandFailure(description: "\(other.file): run \(other.record.id ?? 0) belongs to another sweep than \(shards[0].file)'s; merge one sweep at a time")
            }
            var outcomes: [SimulationOutcome] = []
            for point in 0..<count { outcomes.append(try Self.merge(points[point]!)) }
            let grid: SweepGrid
            do { grid = try SweepGrid(points: outcomes.map(\.scenario.overrides)) } catch {
                throw CommandFailure(description: error.description)
            }
            guard grid.pointCount == count, (0..<count).allSatisfy({ grid.overrides(point: $0) == outcomes[$0].scenario.overrides }) else {
                throw CommandFailure(description: "the stored points do not form a whole grid; merge the shards of one whole sweep")
            }
            if let db {
                for (point, outcome) in outcomes.enumerated() {
                    try storeRun(outcome: outcome, summary: SimulationSummary(outcome), scenarioText: outcome.scenario.sourceText,
                                 path: db, sweepPoint: point)
                }
                note("merged \(shards.count) shards of \(count) points into \(db)")
            }
            try printSweep(SweepSummary(sweep: grid, outcomes: outcomes), format: format, output: output)
        }
    }
}
