import Foundation
import Testing

@Suite("agner sweep and agner optimise", .serialized)
struct SweepAndOptimiseTests {
    static let desks = """
        name: two desks
        center: {departments: [front], skills: [orders, billing], topics: [{name: order, skills: [orders]}, {name: invoice, skills: [billing]}]}
        hours: {default: "08:00-12:00"}
        agents: [{name: orders, count: 5, skills: {orders: 4, billing: 1}}, {name: billing, count: 2, skills: {billing: 4}}]
        demand: [{topic: order, rate: 40/h}, {topic: invoice, rate: 12/h}]
        handling: {default: 300s}
        patience: {default: 150s}
        costs: {agentHour: 30, currency: EUR}
        run: {days: 1, replications: 4, seed: 8}
        """

    /// The fenced block marked `gnu-parallel-sweep` in docs/optimisation.md.
    static func documentedSweep() throws -> String {
        let text = try String(contentsOf: Scratch.repository.appendingPathComponent("docs/optimisation.md"), encoding: .utf8)
        let start = try #require(text.range(of: "```sh gnu-parallel-sweep\n"))
        let end = try #require(text.range(of: "```", range: start.upperBound..<text.endIndex))
        return String(text[start.upperBound..<end.lowerBound])
    }

    @Test("the documented sweep in shards with GNU parallel merges to exactly the whole sweep")
    func shardedSweepMerges() throws {
        let script = try Self.documentedSweep()
        #expect(script.contains("parallel ") && script.contains("agner merge") && script.contains("cmp "))
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/parallel"), "GNU parallel is needed: apt-get install parallel (make test installs it)")
        let scratch = try Scratch()
        let run = try AgnerRun.run([script], in: scratch.directory, shell: true)
        #expect(run.status == 0, "\(run.output)\n\(run.errors)")
    }

    @Test("a sweep prints one row per point in every format, and names a path that leads nowhere")
    func sweepRowsAndErrors() throws {
        let scratch = try Scratch()
        let file = try scratch.file("desks.yaml", Self.desks)
        let table = try AgnerRun.run(["sweep", file, "--set", "agents[billing].count=1..3", "--set", "patience.default=100s,200s"])
        #expect(table.status == 0, "\(table.errors)")
        #expect(table.output.contains("6 points × 4 replications"))
        #expect(table.output.contains("agents[billing].count  patience.default"))
        let csv = try AgnerRun.run(["sweep", file, "--set", "agents[billing].count=1..3", "--format", "csv"])
        let lines = csv.output.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("agents[billing].count,phone_service_level,phone_service_level_lower"))
        let json = try AgnerRun.run(["sweep", file, "--set", "agents[billing].count=2", "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        #expect((object["points"] as? [Any])?.count == 1)
        let wrong = try AgnerRun.run(["sweep", file, "--set", "agents[biling].count=1..3"])
        #expect(wrong.status != 0)
        #expect(wrong.errors.contains("no item of agents matches [biling]; did you mean [billing]?"))
        let key = try AgnerRun.run(["sweep", file, "--set", "center.chanels.phone.goal=70%"])
        #expect(key.errors.contains("unknown key 'chanels'"))
    }

    @Test("optimise answers with a variant that the scenario reads back and simulates")
    func optimiseVariantPastesBack() throws {
        let scratch = try Scratch()
        let file = try scratch.file("desks.yaml", Self.desks)
        let run = try AgnerRun.run(["optimise", file, "--replications", "4", "--budget", "40", "--format", "json"])
        #expect(run.status == 0, "\(run.errors)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        let variant = try #require(object["variant_yaml"] as? String)
        #expect(variant.hasPrefix("variants:\n  least:\n    agents:\n"))
        #expect(run.errors.contains("evaluations in"))
        let pasted = try scratch.file("pasted.yaml", Self.desks + "\n" + variant + "\n")
        let simulated = try AgnerRun.run(["simulate", pasted, "--variant", "least"])
        #expect(simulated.status == 0, "\(simulated.errors)")
        let least = try #require(object["least"] as? [[Int]])
        let table = try AgnerRun.run(["optimise", file, "--replications", "4", "--budget", "40"])
        #expect(table.output.contains("as a variant (paste under variants: in \(file)):"))
        #expect(table.output.contains("--set 'agents[orders].count=\(least[0][0])'"))
    }
}
