import AgnerSim
import Foundation
import Testing
@testable import AgnerReport

@Suite("Reports")
struct ReportTests {
    static let yaml = """
        center: {channels: {phone: {goal: 80%}, chat: {goal: 99%}}}
        agents: [{count: 4}]
        demand: [{channel: phone, rate: 20/h}, {channel: chat, rate: 10/h}, {channel: email, rate: 0/h}]
        handling: {default: 300s}
        run: {days: 1, replications: 2}
        variants:
          fewer: {agents: [{count: 2}]}
        """

    static func summary(_ variant: String? = nil) throws -> SimulationSummary {
        SimulationSummary(Simulator.run(try ScenarioLoader.load(yaml: yaml, variant: variant)))
    }

    @Test("the table shows totals first, then each channel with its goal marked met or missed")
    func tableMarksGoals() throws {
        let table = SimulationReport.table(try Self.summary())
        let lines = table.split(separator: "\n").map(String.init)
        let total = try #require(lines.firstIndex { $0.hasPrefix("total") })
        let phone = try #require(lines.firstIndex { $0.hasPrefix("phone") })
        #expect(total < phone)
        #expect(lines[phone].contains("✓ 80 %/60 s"))
        #expect(lines.contains { $0.hasPrefix("chat") && $0.contains("✗ 99 %/60 s") })
        #expect(table.contains("service level = answered within target ÷ offered (offered)"))
    }

    @Test("JSON output is valid JSON, with undefined ratios as null, and names the service-level definition")
    func jsonIsValid() throws {
        let text = try SimulationReport.json(try Self.summary())
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["service_level_definition"] as? String == "offered")
        let channels = try #require(object["channels"] as? [[String: Any]])
        let email = try #require(channels.first { $0["name"] as? String == "email" })
        let asa = try #require(email["average_speed_of_answer"] as? [String: Any])
        #expect(asa["mean"] is NSNull)
    }

    @Test("CSV has a header and one row per interval and channel")
    func csvShape() throws {
        let summary = try Self.summary()
        let lines = SimulationReport.csv(summary).split(separator: "\n")
        #expect(lines.first == "day,start,channel,offered,answered,abandoned,service_level,asa_s,occupancy")
        #expect(lines.count == summary.intervals.count + 1)
        #expect(lines.dropFirst().allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == 9 })
    }

    @Test("the staffing table marks the required number of agents")
    func staffTable() throws {
        let model = QueueModel(arrivalRate: 570.0 / 3600, meanHandleTime: 300)
        let rows = (50...54).map { StaffingMath.figures(model, agents: $0, target: 60) }
        let text = StaffReport(model: model, definition: .offered, target: 60, goal: 0.8, required: 52, rows: rows).table()
        #expect(text.contains("52 agents are needed."))
        #expect(text.split(separator: "\n").contains { $0.hasPrefix("    52") && $0.contains("◀ required") })
        let json = try StaffReport(model: model, definition: .offered, target: 60, goal: 0.8, required: 52, rows: rows).json()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["model"] as? String == "erlangC")
        #expect(object["required_agents"] as? Int == 52)
        #expect((object["rows"] as? [[String: Any]])?.first?.keys.sorted() == ["abandon_rate", "agents", "asa_s", "occupancy", "p_wait", "service_level"])
    }

    @Test("a comparison gives deltas and one verdict per goal")
    func comparison() throws {
        let report = ComparisonReport(a: try Self.summary(), b: try Self.summary("fewer"), labelA: "base", labelB: "fewer")
        let text = report.table()
        #expect(text.contains("base  vs  fewer"))
        #expect(report.verdicts().count == 3)
        #expect(report.verdicts().contains { $0.hasPrefix("phone goal 80 % within 60 s") })
        #expect(text.contains("worse"))
    }
}

extension ReportTests {
    @Test("the JSON and CSV outputs are the same byte for byte, whatever the number of threads")
    func outputsAreReproducible() throws {
        let scenario = try ScenarioLoader.load(yaml: Self.yaml)
        let one = SimulationSummary(Simulator.run(scenario, options: Simulator.Options(replications: 4, threads: 1)))
        let two = SimulationSummary(Simulator.run(scenario, options: Simulator.Options(replications: 4, threads: 2)))
        #expect(try SimulationReport.json(one) == SimulationReport.json(two))
        #expect(SimulationReport.csv(one) == SimulationReport.csv(two))
        #expect(SimulationReport.table(one, details: true, agents: true, intervals: true)
                == SimulationReport.table(two, details: true, agents: true, intervals: true))
    }
}
