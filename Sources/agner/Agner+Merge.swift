import AgnerReport
import AgnerSim
import AgnerStore
import ArgumentParser
import Foundation

extension Agner {
    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
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

        @Option(help: "Output: table, json or csv, as agner simulate.")
        var format: SimulationFormat = .table

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
            let first = shards[0].record
            func sameRun(_ r: RunRecord) -> Bool {
                r.scenarioHash == first.scenarioHash && r.scenarioText == first.scenarioText && r.variant == first.variant
                    && r.seed == first.seed && r.replications == first.replications && r.days == first.days
                    && r.shardCount == first.shardCount && r.serviceLevelDefinition == first.serviceLevelDefinition
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
            guard let text = first.scenarioText else { throw CommandFailure(description: "\(shards[0].file): the run does not hold its scenario") }
            var scenario: Scenario
            do { scenario = try ScenarioLoader.load(yaml: text, variant: first.variant) } catch {
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
            let outcome = SimulationOutcome(scenario: scenario, replications: results, shard: nil, wallSeconds: wall, threads: 0)
            let summary = SimulationSummary(outcome)
            if let db {
                let id = try storeRun(outcome: outcome, summary: summary, scenarioText: text, path: db)
                note("merged \(count) shards into run \(id) in \(db)")
            }
            try printSummary(summary, outcome: outcome, format: format, parts: .init(details: details, agents: agents, intervals: intervals, daily: daily))
        }
    }
}
