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

    static func outcome(_ variant: String? = nil, replications: Int? = nil) throws -> SimulationOutcome {
        try Simulator.run(try ScenarioLoader.load(yaml: yaml, variant: variant), options: Simulator.Options(replications: replications))
    }

    static func summary(_ variant: String? = nil, replications: Int? = nil) throws -> SimulationSummary {
        SimulationSummary(try outcome(variant, replications: replications))
    }

    @Test("the table shows contacts first, then each channel's service with its goal marked met or missed")
    func tableMarksGoals() throws {
        let table = SimulationReport.table(try Self.summary())
        let lines = table.split(separator: "\n").map(String.init)
        let contacts = try #require(lines.firstIndex { $0.hasPrefix("contacts") })
        let service = try #require(lines.firstIndex { $0.hasPrefix("service") && $0.contains("goal") })
        #expect(contacts < service)
        #expect(lines[(service + 1)...].contains { $0.hasPrefix("phone") && $0.contains("✓ 80 %/60 s") })
        #expect(lines[(service + 1)...].contains { $0.hasPrefix("chat") && $0.contains("✗ 99 %/60 s") })
        #expect(table.contains("service level = answered within target ÷ offered (offered)"))
    }

    /// Every key of every object, recursively.
    static func keys(_ value: Any) -> [String] {
        if let object = value as? [String: Any] { return object.keys + object.values.flatMap(keys) }
        if let array = value as? [Any] { return array.flatMap(keys) }
        return []
    }

    static func strings(_ value: Any) -> [String] {
        if let object = value as? [String: Any] { return object.values.flatMap(strings) }
        if let array = value as? [Any] { return array.flatMap(strings) }
        return (value as? String).map { [$0] } ?? []
    }

    @Test("JSON uses snake_case for every key (breach causes included) and null, never \"nan\", for undefined values")
    func jsonConventions() throws {
        let text = try SimulationReport.json(try Self.summary())
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["service_level_definition"] as? String == "offered")
        let keys = Set(Self.keys(object))
        #expect(keys.contains("all_eligible_busy"))
        #expect(keys.contains("open_at_end"))
        let badKeys = keys.filter { $0.range(of: "^[a-z0-9_]+$", options: .regularExpression) == nil }
        #expect(badKeys.isEmpty, "keys not in snake case: \(badKeys.sorted())")
        #expect(!Self.strings(object).contains { ["nan", "inf", "-inf"].contains($0) })
        let channels = try #require(object["channels"] as? [[String: Any]])
        let email = try #require(channels.first { $0["name"] as? String == "email" })
        let asa = try #require(email["average_speed_of_answer"] as? [String: Any])
        #expect(asa["mean"] is NSNull)
        // The total mixes channels: its ratios and waits are null, not left out.
        let total = try #require(object["total"] as? [String: Any])
        #expect(total["service_level"] is NSNull)
        #expect(total["average_speed_of_answer"] is NSNull)
        #expect(object["real_time"] is [String: Any])
    }

    @Test("CSV has a header, a row per interval and channel, and one row per interval for the whole center")
    func csvShape() throws {
        let summary = try Self.summary()
        let lines = SimulationReport.csv(summary).split(separator: "\n")
        #expect(lines.first.map(String.init) == SimulationReport.csvHeader)
        let expected = summary.intervals.reduce(0) { $0 + $1.channels.count + 1 }
        #expect(lines.count == expected + 1)
        let columns = SimulationReport.csvHeader.split(separator: ",").count
        #expect(lines.dropFirst().allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == columns })
        #expect(lines.dropFirst().filter { $0.contains(",all,") }.count == summary.intervals.count)
    }

    @Test("rounded counts add up in the table: the parts shown make the whole shown")
    func roundingAddsUp() {
        // Each rounded alone: 220 offered = 187 + 33 answered/abandoned (or 221 = 188 + 33).
        let shown = Format.partsAddingUp(220.5, [187.5, 33.0, 0], digits: 0)
        #expect(Int(shown.whole)! == shown.parts.map { Int($0)! }.reduce(0, +))
        let thirds = Format.partsAddingUp(200.0, [100.0 / 3, 100.0 / 3, 400.0 / 3], digits: 1)
        #expect(thirds.whole == "200.0")
        #expect(thirds.parts.map { Double($0)! }.reduce(0, +) == 200.0)
        #expect(Format.partsAddingUp(16_302, [15_000, 1_302, 0]).whole == "16,302")
    }

    @Test("every row of the contacts table adds up as shown: offered = answered + abandoned + open at end")
    func tableRowsAddUp() throws {
        let table = SimulationReport.table(try Self.summary(replications: 3), parts: .init(details: true))
        let contacts = table.components(separatedBy: "\n\n")[1]  // the block after the heading lines
        #expect(contacts.hasPrefix("contacts"))
        var rows = 0
        for line in contacts.split(separator: "\n") where !line.hasPrefix("contacts") && !line.hasPrefix("─") {
            let numbers = line.split(separator: " ").compactMap { Double($0.replacingOccurrences(of: ",", with: "")) }
            guard numbers.count >= 4, line.contains(".") else { continue }
            #expect(abs(numbers[0] - numbers[1] - numbers[2] - numbers[3]) < 1e-9, "\(line)")
            rows += 1
        }
        #expect(rows >= 3)
    }

    @Test("one replication shows no ± and says there is no interval")
    func oneReplicationNoInterval() throws {
        let table = SimulationReport.table(try Self.summary(replications: 1))
        #expect(!table.contains("±"))
        #expect(table.contains("one replication, so no intervals"))
        let text = try SimulationReport.json(try Self.summary(replications: 1))
        #expect(text.contains("\"half_width\" : null"))
    }

    @Test("an interval clipped at the end of its range is shown as a range, never past 100 %")
    func clippedInterval() {
        let estimate = Estimate([1.0, 1.0, 0.9], range: Estimate.share)
        #expect(estimate.upper == 1)
        #expect(estimate.isClipped)
        #expect(SimulationReport.percent(estimate) == "96.7 % (82.3–100.0)")
        #expect(Estimate([0, 0, 3], range: Estimate.nonNegative).lower == 0)
    }

    @Test("a comparison gives each delta a 95 % interval and calls it better or worse only when the interval excludes zero")
    func comparison() throws {
        let report = ComparisonReport(a: try Self.outcome(), b: try Self.outcome("fewer"), labelA: "base", labelB: "fewer")
        let text = report.table()
        #expect(text.contains("base  vs  fewer"))
        #expect(report.verdicts().count == 3)
        #expect(report.verdicts().contains { $0.hasPrefix("phone goal 80 % within 60 s") })
        for line in report.lines() where line.key != nil {
            guard let verdict = line.verdict, verdict != .definitionsDiffer else { continue }
            let excludesZero = (line.delta.lower ?? 0) > 0 || (line.delta.upper ?? 0) < 0
            #expect((verdict == .noClearDifference) == !excludesZero, "\(line.label)")
        }
        // Same customers on both sides: the offered contacts do not differ at all.
        let offered = try #require(report.lines().first { $0.key?.metric == "offered" })
        #expect(offered.delta.mean == 0 && offered.verdict == nil)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        let metrics = try #require(object["rows"] as? [[String: Any]]).compactMap { $0["metric"] as? String }
        #expect(Set(metrics).count == metrics.count)
        #expect(metrics.contains("channel.phone.service_level"))
        #expect(metrics.contains("total.offered") && metrics.contains("cost.total"))
        #expect(metrics.allSatisfy { !$0.contains(" ") }, "\(metrics)")
    }

    @Test("a difference whose interval includes zero is no clear difference")
    func noClearDifference() throws {
        // Two variants that differ in nothing but the name: every delta is exactly zero.
        let yaml = Self.yaml + "\n  same: {}"
        let a = try Simulator.run(try ScenarioLoader.load(yaml: yaml))
        let b = try Simulator.run(try ScenarioLoader.load(yaml: yaml, variant: "same"))
        let report = ComparisonReport(a: a, b: b, labelA: "base", labelB: "same")
        let verdicts = report.lines().compactMap(\.verdict)
        #expect(!verdicts.isEmpty)
        #expect(verdicts.allSatisfy { $0 == .noClearDifference })
        #expect(!report.table().contains("  better") && !report.table().contains("  worse"))
    }
}

extension ReportTests {
    @Test("comparison and staffing JSON follow the same convention: snake_case keys, null for undefined")
    func otherJSONConventions() throws {
        let report = ComparisonReport(a: try Self.outcome(), b: try Self.outcome("fewer"), labelA: "base", labelB: "fewer")
        let model = QueueModel(arrivalRate: 570.0 / 3600, meanHandleTime: 300)
        let rows = (47...49).map { StaffingMath.figures(model, agents: $0, target: 60) }
        let staff = StaffReport(model: model, definition: .offered, target: 60, goal: 0.8, required: nil, rows: rows)
        for text in [try report.json(), try staff.json()] {
            let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
            let bad = Set(Self.keys(object)).filter { $0.range(of: "^[a-z0-9_]+$", options: .regularExpression) == nil }
            #expect(bad.isEmpty, "keys not in snake case: \(bad.sorted())")
            #expect(!Self.strings(object).contains("nan"))
        }
        let staffObject = try #require(try JSONSerialization.jsonObject(with: Data(staff.json().utf8)) as? [String: Any])
        #expect(staffObject["required_agents"] is NSNull)  // unattainable: said, not a number
        let first = try #require((staffObject["rows"] as? [[String: Any]])?.first)
        #expect(first["average_speed_of_answer"] is NSNull)  // 47 agents for 47.5 Erlangs: unstable
    }

    @Test("the JSON, CSV and table outputs are the same byte for byte, whatever the number of threads")
    func outputsAreReproducible() throws {
        let scenario = try ScenarioLoader.load(yaml: Self.yaml)
        let one = SimulationSummary(try Simulator.run(scenario, options: Simulator.Options(replications: 4, threads: 1)))
        let two = SimulationSummary(try Simulator.run(scenario, options: Simulator.Options(replications: 4, threads: 2)))
        #expect(try SimulationReport.json(one) == SimulationReport.json(two))
        #expect(SimulationReport.csv(one) == SimulationReport.csv(two))
        let all = SimulationReport.TableParts(details: true, agents: true, intervals: true, daily: true)
        #expect(SimulationReport.table(one, parts: all) == SimulationReport.table(two, parts: all))
    }
}
