import AgnerCore
import Foundation
import Testing
@testable import AgnerSim

@Suite("Least staffing by simulation")
struct StaffingSearchTests {
    /// One queue: 2 calls a minute, 5-minute calls, callers who hang up after 2 minutes on
    /// average; an 8-hour day (Erlang A: 10 Erlangs).
    static let queue = """
        hours: {default: "08:00-16:00"}
        agents: [{name: desk, count: 14}]
        demand: [{rate: 2/min}]
        handling: {default: 300s}
        patience: {default: 120s}
        run: {days: 1, replications: 4, seed: 5}
        """

    static func search(_ yaml: String, _ settings: StaffingSearch.Settings) throws -> StaffingSearch.Result {
        var search = try StaffingSearch(scenario: try ScenarioLoader.load(yaml: yaml), settings: settings)
        return try search.run()
    }

    @Test("on a single queue the answer is Erlang A's required agents, within one where the interval straddles the goal")
    func singleQueueIsErlangA() throws {
        let settings = StaffingSearch.Settings(maxAbandon: 0.08, budget: 40, replications: 8)
        let result = try Self.search(Self.queue, settings)
        let model = QueueModel(arrivalRate: 2.0 / 60, meanHandleTime: 300, meanPatience: 120)
        let erlang = try #require(StaffingMath.requiredAgents(model, target: 60, goal: 0.8, maxAbandon: 0.08))
        let found = try #require(result.best).staffing.counts[0][0]
        #expect(abs(found - erlang) <= 1, "found \(found), Erlang A \(erlang)")
        #expect(result.start.counts[0][0] == erlang, "the search starts from the Erlang requirement")
        #expect(try #require(result.best).feasible)
        // One agent fewer misses a goal (that is why the search stopped there).
        #expect(result.stop.contains("no single agent can be removed"))
        #expect(result.evaluations <= 40)
    }

    /// Two desks that cannot help each other (one answers the phone, the other chats, one chat
    /// at a time): each channel's goal is an Erlang C problem of its own, checkable by hand
    /// with `agner staff`.
    static let twoDesks = """
        center:
          departments: [front]
          skills: [orders, billing]
          topics: [{name: order, skills: [orders]}, {name: invoice, skills: [billing]}]
        hours: {default: "08:00-14:00"}
        agents:
          - {name: orders, count: 9, skills: {orders: 4}, channels: {phone: 1}}
          - {name: billing, count: 4, skills: {billing: 4}, channels: {chat: 1}}
        demand:
          - {channel: phone, topic: order, rate: 60/h}
          - {channel: chat, topic: invoice, rate: 20/h}
        handling: {default: 300s}
        run: {days: 1, replications: 6, seed: 9}
        """

    @Test("on two desks that cannot help each other the answer is each desk's Erlang C requirement")
    func twoGroupsByHand() throws {
        // Erlang C, 80 % within 60 s (agner staff --arrivals 60/h --aht 300s, then 20/h): 5 Erlangs
        // need 8 agents (90.8 %; 7 give 78.3 %), 1.67 Erlangs need 4 (93.6 %; 3 give 77.0 %).
        #expect(StaffingMath.requiredAgents(QueueModel(arrivalRate: 60.0 / 3600, meanHandleTime: 300), target: 60, goal: 0.8) == 8)
        #expect(StaffingMath.requiredAgents(QueueModel(arrivalRate: 20.0 / 3600, meanHandleTime: 300), target: 60, goal: 0.8) == 4)
        let result = try Self.search(Self.twoDesks, StaffingSearch.Settings(budget: 40, replications: 6))
        let counts = try #require(result.best).staffing.counts.map { $0[0] }
        #expect((8...9).contains(counts[0]), "orders \(counts[0])")
        #expect((4...5).contains(counts[1]), "billing \(counts[1])")
        #expect(result.setAside.isEmpty)
    }

    @Test("the same seed gives the same answer, whatever the threads")
    func sameSeedSameAnswer() throws {
        let one = try Self.search(Self.twoDesks, StaffingSearch.Settings(budget: 30, replications: 4, seed: 21, threads: 1))
        let two = try Self.search(Self.twoDesks, StaffingSearch.Settings(budget: 30, replications: 4, seed: 21, threads: 2))
        #expect(one.best?.staffing == two.best?.staffing)
        #expect(one.evaluations == two.evaluations)
        #expect(one.best?.outcome.replications == two.best?.outcome.replications)
    }

    @Test("a goal no staffing can keep is set aside, named, and held at today's level")
    func unreachableGoalSetAside() throws {
        // E-mail sent after closing cannot be answered within an hour: most of it arrives while closed.
        let yaml = """
            center: {channels: {email: {target: 1h, goal: 90%, outsideHours: hold}}}
            hours: {default: "09:00-13:00"}
            agents: [{name: desk, count: 3}]
            demand: [{channel: phone, rate: 12/h}, {channel: email, rate: 6/h}]
            handling: {default: 240s}
            run: {days: 2, replications: 4, seed: 2}
            """
        let result = try Self.search(yaml, StaffingSearch.Settings(budget: 30, replications: 4))
        #expect(result.setAside.map(\.constraint.channel) == [.email])
        #expect(result.constraints.contains { $0.channel == .email && $0.kind == .serviceLevelNotBelowToday })
        let best = try #require(result.best)
        #expect(best.checks.allSatisfy { $0.met })
    }

    @Test("per interval, the answer follows the demand through the day")
    func perIntervalFollowsDemand() throws {
        let yaml = """
            hours: {default: "08:00-12:00"}
            agents: [{name: desk, count: 8}]
            demand: [{rates: {"08:00": 30/h, "10:00": 90/h, "12:00": 0/h}}]
            handling: {default: 240s}
            run: {days: 2, replications: 5, seed: 4}
            """
        let result = try Self.search(yaml, StaffingSearch.Settings(granularity: .interval, budget: 60, replications: 5))
        let best = try #require(result.best)
        let profile = best.staffing.counts[0]
        #expect(profile.count == 48)
        #expect(profile[0..<16].allSatisfy { $0 == 0 } && profile[24...].allSatisfy { $0 == 0 }, "nobody outside the opening hours")
        let quiet = profile[16..<20].reduce(0, +), busy = profile[20..<24].reduce(0, +)
        #expect(busy > quiet, "more agents when three times the calls come: \(profile[16..<24])")
        #expect(best.checks.allSatisfy { $0.met })
    }

    @Test("per interval, today is the schedule as it is (shifts and breaks), not its profile of agents on duty")
    func perIntervalTodayIsTheSchedule() throws {
        let yaml = """
            hours: {default: "08:00-16:00"}
            agents: [{name: desk, count: 12, shift: "08:00-16:00", breaks: [{at: "11:00", length: 45min, stagger: 2h}]}]
            demand: [{rate: 80/h}]
            handling: {default: 300s}
            patience: {default: 120s}
            costs: {agentHour: 20}
            run: {days: 2, replications: 4, seed: 9}
            """
        let scenario = try ScenarioLoader.load(yaml: yaml)
        let result = try Self.search(yaml, StaffingSearch.Settings(granularity: .interval, budget: 40, replications: 4))
        let simulated = try Simulator.run(scenario, options: Simulator.Options(replications: 4))
        // Before, "today" was the profile: breaks averaged into fractions of agents on duty,
        // with another service level and cost than the schedule the center has.
        let today = result.todayEvaluation.outcome.figures(), schedule = simulated.figures()
        func comparable(_ values: [Double]?) -> [Double]? { values?.map { $0.isNaN ? -1 : $0 } }
        #expect(!schedule.isEmpty && today.count == schedule.count)
        for (key, values) in schedule { #expect(comparable(today[key]) == comparable(values), "\(key)") }
    }
}
