import AgnerCore
import Foundation
import Testing
@testable import AgnerSim

/// Figures a planner can trust: every contact counted once, units never mixed, occupancy as
/// practice defines it, common random numbers per purpose, runs that split into shards.
@Suite("Figures")
struct FiguresTests {
    static func outcome(_ yaml: String, variant: String? = nil, replications: Int? = nil, days: Int? = nil) throws -> SimulationOutcome {
        try Simulator.run(try ScenarioLoader.load(yaml: yaml, variant: variant), options: Simulator.Options(replications: replications, days: days))
    }

    /// Every tally a replication keeps, named.
    static func tallies(_ r: ReplicationResult) -> [(String, Tally)] {
        [("total", r.total)] + r.channels.enumerated().map { ("channel \($0.offset)", $0.element) }
            + r.topics.enumerated().map { ("topic \($0.offset)", $0.element) }
            + r.departments.enumerated().map { ("department \($0.offset)", $0.element) }
            + r.segments.enumerated().map { ("segment \($0.offset)", $0.element) }
            + r.intervals.enumerated().map { ("interval \($0.offset / 4) channel \($0.offset % 4)", $0.element) }
    }

    static var bundledRuns: [(String, String?)] {
        BundledScenarios.names.filter { !$0.hasPrefix("live-") }.flatMap { name in
            let variants = (try? ScenarioLoader.load(path: BundledScenarios.path(name)).variants) ?? []
            return [(name, nil)] + variants.map { (name, $0) }
        }
    }

    @Test("offered = answered + abandoned + open at end on every group of every bundled scenario and variant",
          arguments: bundledRuns.map { "\($0.0)\($0.1.map { ":" + $0 } ?? "")" })
    func everyContactCountedOnce(run: String) throws {
        let parts = run.split(separator: ":").map(String.init)
        let scenario = try ScenarioLoader.load(path: BundledScenarios.path(parts[0]), variant: parts.count > 1 ? parts[1] : nil)
        let outcome = try Simulator.run(scenario, options: Simulator.Options(replications: 2, days: 3))
        for replication in outcome.replications {
            for (name, tally) in Self.tallies(replication) {
                #expect(tally.offered == tally.answered + tally.abandoned + tally.openAtEnd, "\(run) replication \(replication.index) \(name)")
            }
            // The groupings cover the same contacts.
            let sum = { (tallies: [Tally]) in tallies.reduce(0) { $0 + $1.offered } }
            #expect(sum(replication.channels) == replication.total.offered)
            #expect(sum(replication.topics) == replication.total.offered)
            #expect(sum(replication.departments) == replication.total.offered)
            #expect(sum(replication.segments) == replication.total.offered)
            #expect(sum(replication.intervals) == replication.total.offered)
            #expect(replication.agents.reduce(0) { $0 + $1.answered } == replication.total.answered)
        }
        let summary = SimulationSummary(outcome)
        for group in [summary.total] + summary.channels + summary.topics + summary.departments + summary.segments {
            #expect(abs(group.offered.mean - group.answered.mean - group.abandoned.mean - group.openAtEnd.mean) < 1e-9, "\(run) \(group.name)")
        }
        for interval in summary.intervals {
            for row in interval.channels {
                #expect(abs(row.offered - row.answered - row.abandoned - row.openAtEnd) < 1e-9)
            }
        }
    }

    @Test("an overloaded queue shows the contacts still waiting at the end instead of losing them")
    func overloadedQueueShowsOpenContacts() throws {
        let outcome = try Self.outcome("""
            agents: [{count: 2}]
            demand: [{channel: email, rate: 60/h}]
            handling: {default: 300s}
            run: {days: 1, replications: 1}
            """)
        let total = outcome.replications[0].total
        #expect(total.abandoned == 0)
        #expect(total.openAtEnd > total.answered)
        #expect(total.offered == total.answered + total.openAtEnd)
    }

    @Test("occupancy is time with at least one contact ÷ time staffed, never above 100 %, even with chat 3 and e-mail 1")
    func occupancyNeverAboveOne() throws {
        // One agent holding up to three chats and an e-mail, swamped: the old weighting gave 199.6 %.
        let outcome = try Self.outcome("""
            agents: [{name: desk, count: 1, channels: {chat: 3, email: 1}}]
            demand: [{channel: chat, rate: 60/h}, {channel: email, rate: 60/h}]
            handling: {default: 600s}
            run: {days: 1, replications: 2}
            """)
        let summary = SimulationSummary(outcome)
        let agent = try #require(summary.agents.first)
        #expect(agent.agent == "desk")
        #expect(try #require(agent.occupancy) <= 1)
        #expect(try #require(agent.occupancy) > 0.99)
        #expect(try #require(agent.slotUtilisation) <= 1)
        #expect(summary.occupancy.mean <= 1)
        for channel in summary.channels { #expect(try #require(channel.slotUtilisation).mean <= 1) }
        for interval in summary.intervals {
            #expect((interval.occupancy ?? 0) <= 1 + 1e-12)
            for row in interval.channels { #expect((row.slotUtilisation ?? 0) <= 1 + 1e-12) }
        }
    }

    @Test("occupancy and slot utilisation stay within 0–100 % in every bundled scenario", arguments: ["retail", "extended-hours", "repair-service"])
    func occupancyInRange(name: String) throws {
        let summary = SimulationSummary(try Simulator.run(try ScenarioLoader.load(path: BundledScenarios.path(name)),
                                                          options: Simulator.Options(replications: 2, days: 2)))
        #expect((0...1).contains(summary.occupancy.mean))
        for interval in summary.intervals {
            if let occupancy = interval.occupancy { #expect((0...1.0000001).contains(occupancy), "\(interval.day) \(interval.start)") }
        }
        for agent in summary.agents { if let occupancy = agent.occupancy { #expect((0...1).contains(occupancy), "\(agent.agent)") } }
        for department in summary.departmentAgents where department.occupancy.mean.isFinite { #expect((0...1).contains(department.occupancy.mean)) }
    }

    @Test("the center's staffing is given once per interval, not repeated on every channel")
    func intervalStaffingOnce() throws {
        let summary = SimulationSummary(try Self.outcome("""
            agents: [{count: 3}]
            demand: [{channel: phone, rate: 10/h}, {channel: chat, rate: 10/h}]
            run: {days: 1, replications: 1}
            """))
        let first = try #require(summary.intervals.first)
        #expect(first.channels.map(\.channel) == ["phone", "chat"])
        #expect(abs(first.staffedAgents - 3) < 1e-9)
    }

    @Test("a variant that changes one topic leaves every other topic's arrivals identical (common random numbers per purpose)")
    func commonRandomNumbersPerTopic() throws {
        // Measured before: notices on repair status changed e-mail offered from 700.25 to 721.25.
        let path = BundledScenarios.path("repair-service")
        let today = try Simulator.run(try ScenarioLoader.load(path: path, variant: "today"), options: Simulator.Options(replications: 2, days: 2))
        let notices = try Simulator.run(try ScenarioLoader.load(path: path, variant: "notices"), options: Simulator.Options(replications: 2, days: 2))
        let scenario = today.scenario
        let repairStatus = try #require(scenario.center.topic(named: "repairStatus"))
        for (a, b) in zip(today.replications, notices.replications) {
            for topic in scenario.center.topics.indices where topic != repairStatus.index {
                let arrivals = { (t: Tally) in [t.offered, t.unserved, t.deflected] }
                #expect(arrivals(a.topics[topic]) == arrivals(b.topics[topic]), "topic \(scenario.center.topics[topic].name)")
            }
            #expect(a.channels[Channel.email.rawValue].offered == b.channels[Channel.email.rawValue].offered)
            // The notices do deflect repair-status calls, and only those.
            #expect(b.topics[repairStatus.index].deflected > 0)
            #expect(a.topics[repairStatus.index].offered + a.topics[repairStatus.index].unserved
                    == b.topics[repairStatus.index].offered + b.topics[repairStatus.index].unserved + b.topics[repairStatus.index].deflected)
        }
    }

    @Test("more demand on one stream moves no other stream's customers, and a slower handle time keeps the same customers")
    func commonRandomNumbersPerStream() throws {
        let yaml = """
            center: {skills: [a, b], topics: [{name: a, skills: [a]}, {name: b, skills: [b]}]}
            agents: [{count: 6}]
            demand: [{topic: a, rate: 20/h}, {topic: b, rate: 20/h, segments: {regular: 50%, new: 50%}}]
            patience: {default: 100s}
            run: {days: 1, replications: 2}
            variants:
              busier: {demand: [{topic: a, rate: 40/h}, {topic: b, rate: 20/h, segments: {regular: 50%, new: 50%}}]}
              slower: {handling: {default: 400s}}
            """
        let base = try Self.outcome(yaml)
        let busier = try Self.outcome(yaml, variant: "busier")
        let slower = try Self.outcome(yaml, variant: "slower")
        for index in base.replications.indices {
            let b = base.replications[index].topics[1], busy = busier.replications[index].topics[1]
            #expect(b.offered == busy.offered)
            #expect(base.replications[index].segments.map(\.offered) == slower.replications[index].segments.map(\.offered))
            #expect(base.replications[index].total.offered == slower.replications[index].total.offered)
        }
    }

    @Test("leakage is the share answered outside the owning department, and the ladder steps add up")
    func leakageAndSteps() throws {
        let yaml = """
            center:
              departments: [billing, sales]
              skills: [billing, orders]
              topics: [{name: invoice, skills: [billing], department: billing}, {name: order, skills: [orders], department: sales}]
              ladder: [{from: 0, department: owning, skill: 3}, {from: 50%, department: any, skill: 1}]
            agents:
              - {name: billing, count: 4, department: billing, skills: {billing: 5}}
              - {name: sales, count: 4, department: sales, skills: {orders: 5, billing: 2}}
            demand: [{topic: invoice, rate: 30/h}, {topic: order, rate: 6/h}]
            handling: {default: 300s}
            run: {days: 1, replications: 2}
            """
        let summary = SimulationSummary(try Self.outcome(yaml))
        let invoice = try #require(summary.topics.first { $0.name == "invoice" })
        let order = try #require(summary.topics.first { $0.name == "order" })
        #expect(invoice.owner == "billing")
        #expect(try #require(order.leakage).mean == 0)  // only sales can answer orders
        #expect(try #require(invoice.leakage).mean > 0)  // sales helps with invoices once the ladder widens
        let steps = try #require(invoice.answeredAtStep)
        #expect(abs(steps.reduce(0) { $0 + $1.mean } - 1) < 1e-9)
        let sales = try #require(summary.departmentAgents.first { $0.name == "sales" })
        #expect(sales.answeredOtherTopics.mean > 0)
        #expect(abs(sales.answered.mean - sales.answeredOwnTopics.mean - sales.answeredOtherTopics.mean) < 1e-9)
        let answeredByAgents = summary.departmentAgents.reduce(0.0) { $0 + $1.answered.mean }
        #expect(abs(answeredByAgents - summary.total.answered.mean) < 1e-9)
    }

    @Test("a collapse in one interval shows as the worst interval and lowers the share of intervals meeting the goal")
    func worstInterval() throws {
        // Nobody works 08:00-09:00 on a day open from 08:00.
        let summary = SimulationSummary(try Self.outcome("""
            hours: {default: "08:00-12:00"}
            agents: [{count: 4, shift: "09:00-12:00"}]
            demand: [{rate: 20/h}]
            handling: {default: 120s}
            run: {days: 2, replications: 2, interval: 1h}
            """))
        let phone = try #require(summary.channels.first)
        let worst = try #require(phone.worstInterval)
        #expect(worst.start == "08:00")
        #expect(worst.serviceLevel < 0.1)
        #expect(try #require(phone.intervalsMeetingGoal) <= 0.75)
        #expect(phone.intervalsWithContacts == 8)
    }

    @Test("under the answered definition an interval in which nobody was answered has no service level: it is neither the worst nor counted, and the JSON is written")
    func intervalWithoutServiceLevel() throws {
        // Nobody works 08:00-10:00, and callers hang up after a minute on average: nobody
        // calling at 08:00 is answered, so answered-within-target ÷ answered is 0 ÷ 0 there.
        let summary = SimulationSummary(try Self.outcome("""
            hours: {default: "08:00-12:00"}
            agents: [{count: 4, shift: "10:00-12:00"}]
            demand: [{rate: 20/h}]
            handling: {default: 120s}
            patience: {default: 60s}
            run: {days: 2, replications: 2, interval: 1h, serviceLevel: answered}
            """))
        let phone = try #require(summary.channels.first)
        let worst = try #require(phone.worstInterval)
        #expect(worst.serviceLevel.isFinite)
        #expect(worst.start != "08:00")
        // The intervals counted are those with a service level: not the 08:00 ones.
        let eight = summary.intervals.filter { $0.start == "08:00" }.compactMap(\.channels.first)
        #expect(eight.count == 2 && eight.allSatisfy { $0.offered > 0 && $0.answered == 0 && $0.serviceLevel == nil })
        let withLevel = summary.intervals.compactMap(\.channels.first).filter { $0.serviceLevel != nil }
        #expect(phone.intervalsWithContacts == withLevel.count && withLevel.count >= 4 && withLevel.count < 8)
        // Before, the undefined level reached the JSON encoder, which refuses NaN.
        #expect(throws: Never.self) { try JSONEncoder().encode(summary) }
    }

    @Test("an overnight shift works past midnight, with its agent-hours and cost")
    func overnightShift() throws {
        let summary = SimulationSummary(try Self.outcome("""
            agents: [{name: night, count: 2, shift: "22:00-06:00", days: [mon], breaks: [{at: "02:00", length: 30min}]}]
            demand: [{rate: 6/h}]
            handling: {default: 120s}
            costs: {agentHour: 10, extendedHoursPremium: 50%, standardHours: "08:00-20:00"}
            run: {days: 2, replications: 1}
            """))
        // Monday 22:00 to Tuesday 06:00, less a half-hour break each: 2 × 7.5 agent-hours.
        #expect(abs(summary.staffedAgentHours.mean - 15) < 1e-9)
        // All of it outside standard hours, breaks paid: 2 × 8 h × 10 × 1.5.
        #expect(abs(summary.costs.agents.mean - 240) < 1e-9)
        let answeredAfterMidnight = summary.intervals.filter { $0.day == 1 && $0.start < "06:00" }
            .reduce(0.0) { $0 + ($1.channels.first?.answered ?? 0) }
        #expect(answeredAfterMidnight > 0)
        let answeredTuesdayDay = summary.intervals.filter { $0.day == 1 && $0.start >= "07:00" && $0.start < "21:00" }
            .reduce(0.0) { $0 + ($1.channels.first?.answered ?? 0) }
        #expect(answeredTuesdayDay == 0)
    }

    @Test("agents are reported by the names the live router uses")
    func agentNames() throws {
        let summary = SimulationSummary(try Self.outcome("""
            agents: [{name: Billing, count: 2}, {name: night desk, count: 1}]
            demand: [{rate: 6/h}]
            run: {days: 1, replications: 1}
            """))
        #expect(summary.agents.map(\.agent) == ["billing-1", "billing-2", "night-desk"])
    }

    @Test("shards of a run together are exactly the run: same replications, same bytes")
    func shardsMergeExactly() throws {
        let scenario = try ScenarioLoader.load(path: BundledScenarios.path("retail"))
        let options = Simulator.Options(replications: 3, days: 1)
        let whole = try Simulator.run(scenario, options: options)
        var parts: [ReplicationResult] = []
        for index in 1...2 {
            var shardOptions = options
            shardOptions.shard = Simulator.Shard(index: index, count: 2)
            let shard = try Simulator.run(scenario, options: shardOptions)
            #expect(shard.replications.map(\.index) == Array(stride(from: index - 1, to: 3, by: 2)))
            // Through the stored bytes, as agner merge reads them.
            parts += try shard.replications.map { try ReplicationResult(bytes: $0.encodedBytes()) }
        }
        let merged = SimulationOutcome(scenario: whole.scenario, replications: parts)
        #expect(merged.replications == whole.replications)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        #expect(try encoder.encode(SimulationSummary(merged)) == encoder.encode(SimulationSummary(whole)))
    }

    @Test("damaged stored bytes are refused, not trusted")
    func damagedBytes() throws {
        let result = try Self.outcome("agents: [{count: 2}]\ndemand: [{rate: 6/h}]\nrun: {replications: 1}").replications[0]
        var bytes = result.encodedBytes()
        #expect(try ReplicationResult(bytes: bytes) == result)
        bytes.removeLast()
        #expect(throws: TextFile.Failure.self) { try ReplicationResult(bytes: bytes) }
        #expect(throws: TextFile.Failure.self) { try ReplicationResult(bytes: [9] + bytes) }
    }

    @Test("a replication that holds more open contacts than the limit stops with an error instead of growing without end")
    func overloadStops() throws {
        let scenario = try ScenarioLoader.load(yaml: "agents: [{count: 1}]\ndemand: [{channel: email, rate: 3000/h}]\nrun: {replications: 2}")
        #expect(throws: Simulator.Failure.self) {
            try Simulator.run(scenario, options: Simulator.Options(openContactsLimit: 500))
        }
        do {
            _ = try Simulator.run(scenario, options: Simulator.Options(openContactsLimit: 500))
        } catch {
            #expect(error.description.contains("more than 500 contacts were open at once"))
        }
    }
}
