import AgnerCore
import Foundation
import Testing
@testable import AgnerSim

@Suite("Sweeps and assignments")
struct SweepTests {
    static let retail = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scenarios/retail.yaml").path

    static func set(_ text: String) throws -> ScenarioOverride { try ScenarioOverride(parsing: text) }

    @Test("an assignment by group name, channel and topic changes what it names and nothing else")
    func assignmentsByName() throws {
        let base = try ScenarioLoader.load(path: Self.retail)
        let changed = try ScenarioLoader.load(path: Self.retail, overrides: [
            try Self.set("agents[billing].count=7"),
            try Self.set("center.channels.phone.goal=85%"),
            try Self.set("demand[chat/order].daily=840"),
            try Self.set("hours.sat=closed"),
        ])
        let billing = try #require(changed.agentGroups.firstIndex { $0.name == "billing" })
        #expect(changed.agentGroups[billing].count == 7)
        #expect(changed.roster.members.count == base.roster.members.count + 2)
        #expect(changed.center.channels.phone.serviceLevelGoal == 0.85)
        #expect(changed.center.channels.chat.serviceLevelGoal == base.center.channels.chat.serviceLevelGoal)
        let order = try #require(base.center.topics.firstIndex { $0.name == "order" })
        for (before, after) in zip(base.demand, changed.demand) {
            let factor = after.channel == .chat && after.topic.index == order ? 2.0 : 1.0
            #expect(zip(before.ratePerInterval, after.ratePerInterval).allSatisfy { abs($0 * factor - $1) < 1e-12 })
        }
        #expect(changed.hours.days[Weekday.saturday.rawValue] == nil)
        #expect(changed.hours.days[Weekday.monday.rawValue] == base.hours.days[Weekday.monday.rawValue])
        #expect(changed.overrides.map(\.description) == ["agents[billing].count=7", "center.channels.phone.goal=85%",
                                                         "demand[chat/order].daily=840", "hours.sat=closed"])
    }

    @Test("a selector by channel or by topic alone picks every stream of it, through YAML merge keys")
    func selectorsPickSeveralStreams() throws {
        let base = try ScenarioLoader.load(path: Self.retail)
        let byTopic = try ScenarioLoader.load(path: Self.retail, overrides: [try Self.set("demand[general].weekdays={sun: 0}")])
        let general = try #require(base.center.topics.firstIndex { $0.name == "general" })
        for (before, after) in zip(base.demand, byTopic.demand) {
            #expect(after.weekdayFactor[Weekday.sunday.rawValue] == (before.topic.index == general ? 0 : before.weekdayFactor[Weekday.sunday.rawValue]))
        }
        let byChannel = try ScenarioLoader.load(path: Self.retail, overrides: [try Self.set("demand[phone].segments={regular: 100%}")])
        #expect(byChannel.demand.filter { $0.channel == .phone }.allSatisfy { $0.segmentMix.regular == 1 })
        #expect(byChannel.demand.filter { $0.channel == .chat }.allSatisfy { $0.segmentMix.regular == 0.6 })
    }

    @Test("a path that leads nowhere is an error naming it")
    func unknownPathsAreNamed() throws {
        func message(_ assignment: String) throws -> String {
            do {
                _ = try ScenarioLoader.load(path: Self.retail, overrides: [try Self.set(assignment)])
                Issue.record("\(assignment) was accepted")
                return ""
            } catch { return "\(error)" }
        }
        let group = try message("agents[bililng].count=3")
        #expect(group.contains("agents[bililng].count=3") && group.contains("did you mean [billing]"))
        let key = try message("hours.defualt=08:00-22:00")
        #expect(key.contains("defualt") && key.contains("did you mean 'default'"))
        let field = try message("agents[billing].cont=3")
        #expect(field.contains("unknown key 'cont'") && field.contains("--set agents[billing].cont=3"))
        let stream = try message("demand[fax/order].daily=3")
        #expect(stream.contains("no item of demand matches [fax/order]"))
        let range = try message("agents[billing].count=-2")
        #expect(range.contains("-2 is outside 0–100,000"))
        #expect(throws: ScenarioError.self) { try ScenarioOverride(parsing: "agents[billing].count") }
        #expect(throws: ScenarioError.self) { try ScenarioOverride(parsing: "agents[billing.count=3") }
    }

    @Test("an axis is a list, a range of whole numbers, or a range with a step and a unit")
    func axisValues() throws {
        #expect(try SweepAxis(parsing: "agents[billing].count=6..9").values == ["6", "7", "8", "9"])
        #expect(try SweepAxis(parsing: "patience.default=45s..90s step 15s").values == ["45s", "60s", "75s", "90s"])
        #expect(try SweepAxis(parsing: "center.channels.phone.goal=75%..85% step 2.5%").values == ["75.0%", "77.5%", "80.0%", "82.5%", "85.0%"])
        #expect(try SweepAxis(parsing: "hours.default=08:00-20:00,08:00-22:00").values == ["08:00-20:00", "08:00-22:00"])
        #expect(try SweepAxis(parsing: "agents[digital desk].channels={chat: 3, email: 1},{chat: 2}").values == ["{chat: 3, email: 1}", "{chat: 2}"])
        // Quotes as YAML writes them: escaped inside, and a quote inside a plain value is text.
        #expect(try SweepAxis(parsing: #"name="x" >z",q"#).values == [#""x" >z""#, "q"])
        #expect(try SweepAxis(parsing: "name='it''s, ok',b").values == ["'it''s, ok'", "b"])
        #expect(try SweepAxis(parsing: #"name=5" screen,7" screen"#).values == [#"5" screen"#, #"7" screen"#])
        #expect(throws: ScenarioError.self) { try SweepAxis(parsing: "agents[billing].count=9..6") }
        #expect(throws: ScenarioError.self) { try SweepAxis(parsing: "agents[billing].count=1..3 step 1s") }
    }

    @Test("points run the first axis slowest, and a grid rebuilt from its points is the same grid")
    func gridOrder() throws {
        let grid = try SweepGrid(axes: [try SweepAxis(parsing: "a.b=1,2"), try SweepAxis(parsing: "c=x,y,z")])
        #expect(grid.pointCount == 6)
        #expect((0..<6).map { grid.values(point: $0) } == [["1", "x"], ["1", "y"], ["1", "z"], ["2", "x"], ["2", "y"], ["2", "z"]])
        let rebuilt = try SweepGrid(points: (0..<6).map { grid.overrides(point: $0) })
        #expect(rebuilt == grid)
        #expect(throws: ScenarioError.self) { try SweepGrid(axes: [try SweepAxis(parsing: "a=1,2"), try SweepAxis(parsing: "a=3")]) }
    }

    static let queue = """
        agents: [{name: desk, count: 9}]
        demand: [{rate: 1.5/min}]
        handling: {default: 300s}
        patience: {default: 120s}
        run: {days: 1, replications: 4, seed: 3}
        """

    @Test("every point sees the same customers, and the figures do not depend on the threads")
    func commonRandomNumbers() throws {
        let grid = try SweepGrid(axes: [try SweepAxis(parsing: "agents[desk].count=7..9")])
        let scenarios = try (0..<grid.pointCount).map { try ScenarioLoader.load(yaml: Self.queue, overrides: grid.overrides(point: $0)) }
        let one = try Simulator.runBatch(scenarios, options: Simulator.Options(threads: 1))
        let two = try Simulator.runBatch(scenarios, options: Simulator.Options(threads: 2))
        #expect(one.map(\.replications) == two.map(\.replications))
        // The same arrivals at every point, replication by replication.
        let offered = one.map { $0.replications.map(\.total.offered) }
        #expect(offered.allSatisfy { $0 == offered[0] })
        // Each point is the run simulate would make of it alone.
        let alone = try Simulator.run(scenarios[1])
        #expect(alone.replications == one[1].replications)
        // More agents never serve worse here, point by point (paired by the common numbers).
        let summary = SweepSummary(sweep: grid, outcomes: one)
        let levels = summary.points.map { $0.channels[0].serviceLevel.mean }
        #expect(levels == levels.sorted())
    }

    @Test("a staffing profile puts its agents on duty interval by interval")
    func staffingProfile() throws {
        let scenario = try ScenarioLoader.load(yaml: """
            hours: {default: "08:00-12:00"}
            agents: [{name: desk, staffing: {"08:00": 2, "09:00": 4, "10:30": 1, "12:00": 0}}]
            demand: [{rate: 10/h}]
            run: {days: 1, replications: 1}
            """)
        #expect(scenario.agentGroups[0].count == 4)
        let summary = SimulationSummary(try Simulator.run(scenario))
        let staffed = Dictionary(uniqueKeysWithValues: summary.intervals.map { ($0.start, $0.staffedAgents) })
        #expect(staffed["08:00"] == 2 && staffed["08:30"] == 2 && staffed["09:00"] == 4 && staffed["10:00"] == 4)
        // Those going off duty at 10:30 finish the call they are on first, as at a shift's end.
        #expect(staffed["10:30"]! >= 1 && staffed["10:30"]! < 1.5 && staffed["11:30"] == 1)
        // An agent still on a call at 12:00 finishes it before logging out, as at the end of a shift.
        #expect((staffed["12:00"] ?? 0) < 0.5)
        #expect(throws: ScenarioError.self) {
            try ScenarioLoader.load(yaml: "agents: [{count: 2, staffing: {\"08:00\": 3}}]\ndemand: [{rate: 1/h}]")
        }
        #expect(throws: ScenarioError.self) {
            try ScenarioLoader.load(yaml: "agents: [{staffing: {\"08:10\": 3}}]\ndemand: [{rate: 1/h}]")
        }
    }

    @Test("agent groups written back as YAML read as the same groups")
    func groupsRoundTrip() throws {
        let base = try ScenarioLoader.load(path: Self.retail)
        let text = try String(contentsOfFile: Self.retail, encoding: .utf8)
            .replacingOccurrences(of: "variants:\n", with: "variants:\n  written:\n" + AgentGroupsYAML.agents(base, indent: 4) + "\n")
        let written = try ScenarioLoader.load(yaml: text, variant: "written")
        #expect(written.agentGroups.count == base.agentGroups.count)
        for (a, b) in zip(base.agentGroups, written.agentGroups) {
            #expect(a.name == b.name && a.count == b.count && a.department == b.department && a.skills == b.skills)
            #expect(a.capacity == b.capacity && a.shift == b.shift && a.days == b.days && a.breaks == b.breaks)
        }
    }
}
