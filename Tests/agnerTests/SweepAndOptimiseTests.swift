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

    @Test("a sweep charts its points on one HTML page, merged shards too, and refuses ranges and values too large to handle")
    func sweepPageAndLimits() throws {
        let scratch = try Scratch()
        let file = try scratch.file("desks.yaml", Self.desks)
        let page = scratch.directory.appendingPathComponent("sweep.html").path
        let html = try AgnerRun.run(["sweep", file, "--set", "agents[billing].count=1..3", "--format", "html", "--output", page])
        #expect(html.status == 0, "\(html.errors)")
        let text = try String(contentsOfFile: page, encoding: .utf8)
        #expect(text.contains("data-chart=\"service-level-phone\"") && text.contains("data-chart=\"occupancy\""))
        #expect(text.contains("Points that keep every goal") && text.contains("<script") == false)
        // The shards of a sweep merge to the same page.
        var parts: [String] = []
        for shard in 1...2 {
            let db = scratch.directory.appendingPathComponent("part-\(shard).sqlite").path
            let run = try AgnerRun.run(["sweep", file, "--set", "agents[billing].count=1..3", "--shard", "\(shard)/2", "--db", db])
            #expect(run.status == 0, "\(run.errors)")
            parts.append(db)
        }
        let merged = try AgnerRun.run(["merge"] + parts + ["--format", "html"])
        #expect(merged.status == 0, "\(merged.errors)")
        #expect(merged.output.trimmingCharacters(in: .whitespacesAndNewlines) == text.trimmingCharacters(in: .whitespacesAndNewlines))
        // A file that cannot be written is refused before the run, not after it.
        let nowhere = try AgnerRun.run(["sweep", file, "--set", "agents[billing].count=1..3", "--format", "html", "--output", "/nonexistent/sweep.html"])
        #expect(nowhere.status != 0 && nowhere.errors.contains("cannot be written") && !nowhere.errors.contains("sweeping"), "\(nowhere.errors)")
        // Before, ends past Int's range trapped, and a few aliases in a --set value took all memory.
        let huge = try AgnerRun.run(["sweep", file, "--set", "agents[billing].count=1..9999999999999999999999"])
        #expect(huge.status == 1 && huge.errors.contains("must lie within"), "\(huge.errors)")
        let levels = (1...6).map { level in
            let name = String(UnicodeScalar(UInt8(96 + level)))
            let item = level == 1 ? "1" : "*" + String(UnicodeScalar(UInt8(95 + level)))
            return "&\(name) [" + Array(repeating: item, count: 10).joined(separator: ",") + "]"
        }
        let bomb = try AgnerRun.run(["sweep", file, "--set", "description=[" + levels.joined(separator: ", ") + "]"])
        #expect(bomb.status == 1 && bomb.errors.contains("expands to more than"), "\(bomb.errors)")
    }

    @Test("optimise staffs a center that has nobody today, refuses a cap nobody can keep, and fails when the budget gives no answer")
    func optimiseFromNobody() throws {
        let scratch = try Scratch()
        let nobody = Self.desks.replacingOccurrences(of: "count: 5", with: "count: 0").replacingOccurrences(of: "count: 2", with: "count: 0")
        let file = try scratch.file("nobody.yaml", nobody)
        // Before, the start scaled today's 0 agents to 0 and set the goal aside as out of reach.
        let run = try AgnerRun.run(["optimise", file, "--replications", "4", "--budget", "40", "--format", "json"])
        #expect(run.status == 0, "\(run.errors)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        let least = try #require(object["least"] as? [[Int]])
        #expect(least.allSatisfy { $0[0] > 0 })
        #expect((object["set_aside"] as? [Any])?.isEmpty == true)
        let starved = try AgnerRun.run(["optimise", file, "--replications", "4", "--budget", "3"])
        #expect(starved.status == 2 && starved.output.contains("no staffing that keeps every goal was found"))
        for cap in ["0%", "-5%", "150%"] {
            let refused = try AgnerRun.run(["optimise", file, "--max-abandon", cap])
            #expect(refused.status != 0 && refused.errors.contains("more than 0 %"), "\(cap): \(refused.errors)")
        }
        let unnamed = try AgnerRun.run(["optimise", file, "--name", "evil: {}"])
        #expect(unnamed.status != 0 && unnamed.errors.contains("cannot name a variant"))
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
