import AgnerCore
import Testing
@testable import AgnerSim

@Suite("Intraday requirements")
struct IntradayRequirementsTests {
    static let yaml = """
        hours: {default: "08:00-18:00"}
        center: {channels: {phone: {wrapUp: 30s}}}
        agents:
          - {name: day, count: 10, shift: "08:00-16:00", breaks: [{at: "12:00", length: 30min}]}
          - {name: night, count: 2, shift: "22:00-02:00", channels: {email: 1}}
        demand: [{channel: phone, rate: 60/h}, {channel: email, rate: 6/h}]
        handling: {default: 270s}
        patience: {default: 120s}
        run: {days: 2, interval: 30min}
        """

    @Test("each interval gives arrivals, load with wrap-up, the Erlang requirement and the agents on duty")
    func requirementsPerInterval() throws {
        let scenario = try ScenarioLoader.load(yaml: Self.yaml)
        let rows = IntradayRequirements.rows(scenario, days: [0], shrinkage: 0.3)
        let nine = try #require(rows.first { $0.start == "09:00" && $0.channel == "phone" })
        #expect(abs(nine.arrivalsPerHour - 60) < 1e-9)
        #expect(nine.averageHandleTime == 300)  // 270 s handling + 30 s wrap-up
        #expect(abs(nine.loadErlangs - 5) < 1e-9)
        #expect(nine.model == "erlangA")
        let expected = StaffingMath.requiredAgents(QueueModel(arrivalRate: 60.0 / 3600, meanHandleTime: 300, meanPatience: 120), target: 60, goal: 0.8)
        #expect(nine.required == expected)
        #expect(nine.scheduledRequired == IntradayRequirements.scheduledAgents(expected!, shrinkage: 0.3))
        #expect(nine.scheduled == 10)
        #expect(nine.gap == 10 - Double(expected!))
        // Without a stagger all ten take their break at 12:00: nobody is on duty for that half hour.
        let noon = try #require(rows.first { $0.start == "12:00" && $0.channel == "phone" })
        #expect(noon.scheduled == 0)
        // Before opening the demand is there but nothing can be answered.
        let early = try #require(rows.first { $0.start == "07:00" && $0.channel == "phone" })
        #expect(early.model == "closed" && early.required == 0)
        // Both channels in an interval: an `all` row counts each agent once.
        let all = try #require(rows.first { $0.start == "09:00" && $0.channel == "all" })
        #expect(all.scheduled == 10)
    }

    @Test("a night shift counts on duty after midnight, on the next day")
    func nightShiftOnDuty() throws {
        let scenario = try ScenarioLoader.load(yaml: Self.yaml)
        let rows = IntradayRequirements.rows(scenario, days: [1])
        let late = try #require(rows.first { $0.start == "01:00" && $0.channel == "email" })
        #expect(late.scheduled == 2)
        #expect(late.model == "closed")  // the center is closed: e-mails wait for the morning
    }
}
