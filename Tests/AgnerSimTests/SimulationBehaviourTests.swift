import AgnerCore
import Foundation
import Testing
@testable import AgnerSim

@Suite("Simulation behaviour")
struct SimulationBehaviourTests {
    static func summary(_ yaml: String, variant: String? = nil, threads: Int? = nil, replications: Int? = nil) throws -> SimulationSummary {
        let scenario = try ScenarioLoader.load(yaml: yaml, variant: variant)
        return SimulationSummary(try Simulator.run(scenario, options: Simulator.Options(replications: replications, threads: threads)))
    }

    static let small = """
        center: {departments: [front], skills: [general]}
        hours: {default: "08:00-18:00"}
        agents: [{count: 6, breaks: [{at: "12:00", length: 30min, stagger: 1h}]}]
        demand:
          - {channel: phone, daily: 600, profile: {"07:00": 1, "09:00": 3, "17:00": 2, "19:00": 0}}
          - {channel: email, daily: 60}
          - {channel: clickToCall, daily: 40, profile: {"08:00": 1, "20:00": 0}}
        handling: {default: 240s}
        patience: {default: 120s}
        qa: {sampleRate: 20%}
        run: {days: 2, replications: 3, seed: 3}
        """

    @Test("the same scenario and seed give identical results, whatever the number of threads")
    func deterministicAcrossThreads() throws {
        let one = try Self.summary(Self.small, threads: 1)
        let two = try Self.summary(Self.small, threads: 2)
        let again = try Self.summary(Self.small, threads: 2)
        func fingerprint(_ s: SimulationSummary) -> [Double] {
            [s.total.offered.mean, s.total.answered.mean, s.realTime!.serviceLevel!.mean, s.channels[0].averageSpeedOfAnswer!.mean,
             s.total.abandoned.mean, s.occupancy.mean] + s.intervals.flatMap { $0.channels.map(\.offered) } + s.agents.map(\.answered)
        }
        #expect(fingerprint(one) == fingerprint(two))
        #expect(fingerprint(two) == fingerprint(again))
    }

    @Test("the reporting interval changes how results are cut, never which customers arrive")
    func arrivalsIndependentOfInterval() throws {
        // The profile changes on the hour, so 15-minute, 30-minute and hourly runs have the same
        // demand over time; before arrivals were drawn by time change they were redrawn at every
        // interval boundary and each length met other customers.
        let runs = try ["15min", "30min", "1h"].map { length in
            try Self.summary(Self.small.replacingOccurrences(of: "seed: 3", with: "seed: 3, interval: \(length)"))
        }
        for run in runs.dropFirst() {
            #expect(run.channels.map(\.offered.mean) == runs[0].channels.map(\.offered.mean))
            #expect(run.channels.map(\.answered.mean) == runs[0].channels.map(\.answered.mean))
            #expect(run.total.abandoned.mean == runs[0].total.abandoned.mean)
        }
        // Demand that changes off the intervals' boundaries (08:10, 09:50) and a half-hourly
        // profile are followed as given, not smeared over intervals, whatever their length.
        let offGrid = """
            agents: [{count: 2}]
            demand:
              - {channel: phone, rates: {"08:10": 60/h, "09:50": 0/h}}
              - {channel: chat, daily: 200, profile: [\(Array(repeating: "0", count: 16).joined(separator: ", ")), \(Array(repeating: "1", count: 20).joined(separator: ", ")), \(Array(repeating: "0", count: 12).joined(separator: ", "))]}
            run: {days: 1, replications: 2, seed: 5, interval: LENGTH}
            """
        let cut = try ["15min", "30min", "1h"].map { try Self.summary(offGrid.replacingOccurrences(of: "LENGTH", with: $0)) }
        for run in cut.dropFirst() {
            #expect(run.channels.map(\.offered.mean) == cut[0].channels.map(\.offered.mean))
            #expect(run.channels.map(\.answered.mean) == cut[0].channels.map(\.answered.mean))
            #expect(run.channels.map { $0.averageSpeedOfAnswer?.mean } == cut[0].channels.map { $0.averageSpeedOfAnswer?.mean })
        }
        // Hour by hour, the 30-minute rows add up to the hourly ones.
        let half = runs[1].intervals, hour = runs[2].intervals
        for row in hour {
            let halves = half.filter { $0.day == row.day && $0.start.prefix(2) == row.start.prefix(2) }
            let sum = halves.reduce(0.0) { $0 + $1.channels.reduce(0.0) { $0 + $1.offered } }
            #expect(abs(sum - row.channels.reduce(0.0) { $0 + $1.offered }) < 1e-9)  // means of three runs
        }
    }

    @Test("another seed gives other numbers")
    func seedMatters() throws {
        let a = try Self.summary(Self.small)
        let b = try Self.summary(Self.small.replacingOccurrences(of: "seed: 3", with: "seed: 4"))
        #expect(a.total.offered.mean != b.total.offered.mean)
    }

    @Test("calls outside opening hours are unserved; e-mails wait for opening; click-to-call becomes a callback")
    func openingHours() throws {
        let s = try Self.summary(Self.small)
        let phone = s.channels.first { $0.name == "phone" }!
        let email = s.channels.first { $0.name == "email" }!
        let clickToCall = s.channels.first { $0.name == "clickToCall" }!
        // Phone demand before 08:00 and after 18:00 finds the center closed.
        #expect(phone.unserved.mean > 0)
        #expect(email.unserved.mean == 0)
        #expect(email.answered.mean > 0)
        #expect(clickToCall.unserved.mean == 0)
        #expect(clickToCall.callbacks.mean > 0)
        #expect(s.total.breaches["out_of_hours"]!.mean > 0)
    }

    @Test("channels and intervals add up to the total")
    func partsAddUpToTotal() throws {
        let s = try Self.summary(Self.small, replications: 1)
        let byChannel = s.channels.reduce(0.0) { $0 + $1.offered.mean }
        #expect(byChannel == s.total.offered.mean)
        let byInterval = s.intervals.reduce(0.0) { $0 + $1.channels.reduce(0.0) { $0 + $1.offered } }
        #expect(abs(byInterval - s.total.offered.mean) < 1e-6)
    }

    @Test("breach counts have a place for every cause")
    func breachCountsCoverCauses() {
        #expect(BreachCounts.count == BreachCause.allCases.count)
    }

    @Test("the QA sample is about the configured share of handled contacts, and it is per agent")
    func qaSample() throws {
        let s = try Self.summary(Self.small, replications: 3)
        let share = s.total.qaSampled.mean / s.total.answered.mean
        #expect(abs(share - 0.2) < 0.03)
        #expect(abs(s.agents.reduce(0) { $0 + $1.qaSampled } - s.total.qaSampled.mean) < 1e-6)
    }

    @Test("a proactive notice deflects its share of the topic's contacts and costs per message")
    func noticesDeflect() throws {
        let yaml = """
            agents: [{count: 20}]
            demand: [{rate: 2/min}]
            notices: [{topic: general, deflects: 40%, costPerMessage: 0.05}]
            run: {days: 1, replications: 2}
            """
        let s = try Self.summary(yaml)
        let share = s.total.deflected.mean / (s.total.deflected.mean + s.total.offered.mean)
        #expect(abs(share - 0.4) < 0.03)
        let messages = s.total.deflected.mean + s.total.offered.mean
        #expect(abs(s.costs.notices.mean - 0.05 * messages) < 1e-6)
        // A campaign that deflects nobody is still sent, and paid for, to every customer.
        let useless = try Self.summary(yaml.replacingOccurrences(of: "deflects: 40%", with: "deflects: 0%"))
        #expect(useless.total.deflected.mean == 0)
        #expect(abs(useless.costs.notices.mean - 0.05 * useless.total.offered.mean) < 1e-6)
        #expect(useless.costs.notices.mean > 0)
        // No currency named: null in JSON, as every undefined value.
        let json = String(decoding: try JSONEncoder().encode(useless.costs), as: UTF8.self)
        #expect(json.contains("\"currency\":null"))
    }

    @Test("the warm-up is left out of the statistics")
    func warmupExcluded() throws {
        let base = "agents: [{count: 5}]\ndemand: [{rate: 1/min}]\nrun: {days: 1, replications: 1, seed: 9"
        let all = try Self.summary(base + "}")
        let late = try Self.summary(base + ", warmup: 12h}")
        #expect(late.total.offered.mean < 0.6 * all.total.offered.mean)
        #expect(late.total.offered.mean > 0.4 * all.total.offered.mean)
        #expect(late.intervals.allSatisfy { $0.day == 0 && $0.start >= "12:00" })
    }

    @Test("shifts and breaks shape staffed time and cost, with a premium outside standard hours")
    func shiftsBreaksAndCost() throws {
        let yaml = """
            agents:
              - {count: 2, shift: "08:00-16:00", breaks: [{at: "12:00", length: 1h}]}
              - {count: 1, shift: "18:00-22:00"}
            demand: [{rate: 1/h}]
            costs: {agentHour: 10, extendedHoursPremium: 50%, standardHours: "08:00-20:00"}
            run: {days: 1, replications: 1}
            """
        let s = try Self.summary(yaml)
        // 2 × 8 h at 10 + 2 h at 10 + 2 h at 15 = 160 + 20 + 30
        #expect(abs(s.costs.agents.mean - 210) < 1e-6)
        // Staffed: 2 × (8 − 1) h + 4 h = 18 agent-hours (breaks are not staffed), and a little
        // more when a call runs past a shift's end or the start of a break: it is finished first.
        #expect(s.staffedAgentHours.mean >= 18 - 1e-6 && s.staffedAgentHours.mean < 18.5)
        // During the lunch hour only the agents not on a break are staffed; at 17:00 nobody is.
        let evening = s.intervals.first { $0.start == "17:00" }
        #expect(evening == nil || evening!.occupancy == nil)
    }

    @Test("each part of a night shift follows its own day: a closed evening keeps an open morning, a closed day ends it at midnight")
    func nightShiftsAcrossClosedDays() throws {
        func run(_ hours: String, startDay: String, days: Int) throws -> SimulationSummary {
            try Self.summary("""
                hours: \(hours)
                agents: [{count: 1, shift: "22:00-06:00"}]
                demand: [{channel: email, rate: 1/h}]
                handling: {default: 1s}
                costs: {agentHour: 10}
                run: {days: \(days), startDay: \(startDay), replications: 1}
                """)
        }
        // Sunday closed, run Sunday–Monday: Saturday's shift ends at midnight (none of it in the
        // run); Sunday's starts on a closed evening but works Monday 00:00–06:00; Monday's works
        // 22:00–24:00 before the run ends. Before, Sunday's whole shift was dropped: 2 h.
        let sunday = try run("{sun: closed}", startDay: "sun", days: 2)
        #expect(abs(sunday.staffedAgentHours.mean - 8) < 0.01)
        #expect(abs(sunday.costs.agents.mean - 80) < 1e-6)
        // Tuesday a holiday, run Monday–Wednesday: Sunday's shift gives Monday 00–06, Monday's
        // stops at midnight, Tuesday's works Wednesday 00–06, Wednesday's 22–24. Before, the
        // holiday's morning was worked and Wednesday's morning was not (and the night before the
        // run was missing): 10 h.
        let holiday = try run("{holidays: [1]}", startDay: "mon", days: 3)
        #expect(abs(holiday.staffedAgentHours.mean - 16) < 0.01)
        #expect(abs(holiday.costs.agents.mean - 160) < 1e-6)
        #expect(holiday.intervals.filter { $0.day == 1 }.allSatisfy { ($0.staffedAgents ?? 0) == 0 })
        #expect(holiday.intervals.first { $0.day == 2 && $0.start == "00:00" }?.staffedAgents == 1)
        // The schedule's cost and the intraday view count the same hours.
        let scenario = try ScenarioLoader.load(yaml: """
            hours: {holidays: [1]}
            agents: [{count: 1, shift: "22:00-06:00"}]
            demand: [{channel: email, rate: 1/h}]
            costs: {agentHour: 10}
            run: {days: 3, startDay: mon}
            """)
        #expect(abs(ScheduleCost.byInterval(scenario).reduce(0) { $0 + $1.total } - 160) < 1e-6)
        let scheduled = IntradayRequirements.rows(scenario).filter { $0.channel == "email" }
        #expect(abs(scheduled.reduce(0) { $0 + $1.scheduled } * scenario.run.interval / 3600 - 16) < 1e-6)
    }

    @Test("a variant with more agents answers faster than the base, on the same customers")
    func variantsCompare() throws {
        let yaml = """
            agents: [{count: 8}]
            demand: [{rate: 1.5/min}]
            handling: {default: 300s}
            patience: {default: 90s}
            run: {days: 1, replications: 3}
            variants:
              more:
                agents: [{count: 10}]
            """
        let base = try Self.summary(yaml)
        let more = try Self.summary(yaml, variant: "more")
        #expect(base.total.offered.mean == more.total.offered.mean)  // common random numbers
        #expect(more.channels[0].serviceLevel!.mean > base.channels[0].serviceLevel!.mean)
        #expect(more.total.abandoned.mean < base.total.abandoned.mean)
    }

    @Test("every bundled scenario loads, with all its variants, and runs", arguments: ["single-queue", "retail", "repair-service", "extended-hours"])
    func bundledScenariosRun(name: String) throws {
        let path = BundledScenarios.path(name)
        let scenario = try ScenarioLoader.load(path: path)
        for variant in [nil] + scenario.variants.map(Optional.some) {
            let loaded = try ScenarioLoader.load(path: path, variant: variant)
            let s = SimulationSummary(try Simulator.run(loaded, options: Simulator.Options(replications: 2, days: 1)))
            #expect(s.total.offered.mean > 0)
            #expect(s.total.answered.mean > 0)
        }
    }
}
