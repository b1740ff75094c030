import Foundation
import Testing
@testable import AgnerCore

/// Pools are sets of agents: the criteria of ladder steps and topics that name the same agents
/// share one pool, and a pool splits when an agent who meets some of its criteria and not
/// others is added or changed.
@Suite("Pools shared by criteria that name the same agents")
struct PoolSharingTests {
    /// The phone pools of topic invoice, one entry per ladder step.
    static func invoicePhonePools(_ engine: RoutingEngine) -> [Int32] {
        engine.topicPools[Center.invoice.index * 4 + Channel.phone.rawValue]
    }

    @Test("agents who all meet every step of a ladder leave its steps in one pool")
    func identicalAgentsShareOnePool() {
        var script = Script()
        for number in 1...3 { script.agent(UInt64(number), Center.billing, [SkillLevel(Center.billingSkill, 4)]) }
        // Steps: owning department at ≥ 3, owning department at ≥ 1, any department, anyone on phone.
        let pools = Self.invoicePhonePools(script.engine)
        #expect(Set(pools).count == 1)
        // The other topics' criteria, which these agents do not meet, form a second phone pool.
        #expect(script.engine.agentPools.memberships(0, .phone).count == 1)
        #expect(script.engine.pools.filter { $0.channel == .phone }.count == 2)
        #expect(script.engine.integrityViolation() == nil)
    }

    @Test("an agent who meets some steps and not others splits the pool, and each step keeps exactly its agents")
    func differentAgentSplitsThePool() throws {
        var script = Script()
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)])
        #expect(Set(Self.invoicePhonePools(script.engine)).count == 1)
        // Billing at 2: step 0 (≥ 3) leaves it out, steps 1 and 2 take it, step 3 takes it.
        script.agent(2, Center.billing, [SkillLevel(Center.billingSkill, 2)])
        var pools = Self.invoicePhonePools(script.engine)
        #expect(pools[0] != pools[1] && pools[1] == pools[2] && pools[2] == pools[3])
        // Another department's agent without the skill: only the last step takes it.
        script.agent(3, Center.sales, [SkillLevel(Center.ordersSkill, 5)])
        pools = Self.invoicePhonePools(script.engine)
        #expect(Set(pools).count == 3 && pools[1] == pools[2] && pools[3] != pools[2])
        #expect(script.engine.integrityViolation() == nil)

        // Routing follows the steps: agents 1 and 3 busy, agent 2 free but below step 0's level.
        script.arrive(100, .phone, Center.invoice, at: 1)
        #expect(script.state(100) == .offered)
        try script.run(.accept(ContactID(100), AgentID(1)), at: 2)
        try script.run(.setPresence(AgentID(2), .onBreak), at: 2)
        try script.run(.setPresence(AgentID(3), .onBreak), at: 2)
        script.arrive(101, .phone, Center.invoice, at: 3)
        #expect(script.state(101) == .queued)
        try script.run(.setPresence(AgentID(2), .available), at: 4)
        #expect(script.state(101) == .queued, "agent 2 is not eligible at step 0")
        // Step 1 opens at a quarter of the 60 s target after arrival: agent 2 takes it then.
        let events = script.advance(to: 3 + 15)
        #expect(offers(in: events).map(\.agent) == [2])
    }

    @Test("a contact waiting when its pool splits moves to the line of its step's new pool (escalations reported or not)",
          arguments: [false, true])
    func waitingContactFollowsTheSplit(escalationsOmitted: Bool) throws {
        var script = Script()
        if escalationsOmitted { script.engine.omittedEvents = [.escalations] }
        // Nobody free: the e-mail and the call wait in the channels' single pools.
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)], available: false)
        script.arrive(100, .phone, Center.invoice, at: 0)
        #expect(script.state(100) == .queued)
        let before = Self.invoicePhonePools(script.engine)
        #expect(Set(before).count == 1)
        // An agent of another department splits step 3 off; the call, at step 0, stays.
        script.agent(2, Center.sales, [SkillLevel(Center.ordersSkill, 5)], at: 1, available: false)
        let after = Self.invoicePhonePools(script.engine)
        #expect(after[0] == before[0] && after[3] != after[0])
        #expect(script.engine.integrityViolation() == nil)
        // At step 3 (45 s) the call is in step 3's line: agent 2 takes it when available.
        script.advance(to: 46)
        #expect(script.engine.contacts[Int(script.engine.contactSlots[100]!)].bucket == after[3])
        let events = try script.run(.setPresence(AgentID(2), .available), at: 47)
        #expect(offers(in: events).map(\.contact) == [100])
        #expect(offer(in: events)?.explanation.step == 3)
        #expect(script.engine.integrityViolation() == nil)
    }

    @Test("with escalations unreported, a step that opens no pool has no timer, and an offer still reports the step reached")
    func stepsThatOpenNoPoolNeedNoTimer() throws {
        var offered: [OfferExplanation?] = []
        for omitted in [false, true] {
            var script = Script()
            if omitted { script.engine.omittedEvents = [.escalations] }
            // One kind of agent: the four steps of invoice by phone are one pool.
            script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)], available: false)
            script.arrive(100, .phone, Center.invoice, at: 0)
            #expect(Set(Self.invoicePhonePools(script.engine)).count == 1)
            // Reported, step 1 has its timer at a quarter of the 60 s target; unreported, the
            // clock's next timer is the breach warning's.
            let warning = 60 * script.engine.configuration.breachWarningAt
            #expect(script.engine.nextDeadline() == (omitted ? warning : 15))
            // The contact's snapshot reports the step reached (step 1 from 15 s).
            script.advance(to: 20)
            #expect(script.engine.openContacts.first?.step == 1)
            // Half the target has passed at 40 s: step 2.
            let events = try script.run(.setPresence(AgentID(1), .available), at: 40)
            offered.append(offer(in: events)?.explanation)
            #expect(script.engine.integrityViolation() == nil)
        }
        #expect(offered[0]?.step == 2 && offered[1]?.step == 2)
    }

    @Test("a pool that agents join far more often than it is searched stops being kept in order, and its next search finds the same agent")
    func poolRarelySearchedIsRebuilt() throws {
        var script = Script()
        for number in 1...3 { script.agent(UInt64(number), Center.billing, [SkillLevel(Center.billingSkill, 4)]) }
        let pool = Int(Self.invoicePhonePools(script.engine)[0])
        // The first search indexes the pool; agent 1 (free since 0, the lowest slot) is offered.
        #expect(offers(in: script.arrive(100, .phone, Center.invoice, at: 1)).map(\.agent) == [1])
        #expect(script.engine.pools[pool].isIndexed)
        try script.run(.accept(ContactID(100), AgentID(1)), at: 1)
        // Agent 3 goes on a break and comes back 40 times: 40 entries, no search.
        for round in 0..<40 {
            try script.run(.setPresence(AgentID(3), .onBreak), at: 10 + Double(round))
            try script.run(.setPresence(AgentID(3), .available), at: 10.5 + Double(round))
        }
        #expect(!script.engine.pools[pool].isIndexed)
        #expect(script.engine.pools[pool].freeEntryCount == 0)
        #expect(script.engine.integrityViolation() == nil)
        // Rebuilt when searched: agent 2, free since 0, has waited longest.
        #expect(offers(in: script.arrive(101, .phone, Center.invoice, at: 60)).map(\.agent) == [2])
        #expect(script.engine.pools[pool].isIndexed)
        #expect(offers(in: script.arrive(102, .phone, Center.invoice, at: 61)).map(\.agent) == [3])
        #expect(script.engine.integrityViolation() == nil)
    }

    @Test("under most skilled, agents who stand at different levels in two criteria keep them apart")
    func mostSkilledKeepsStandingsApart() {
        var script = Script(Center.configuration(policy: .mostSkilled))
        // Billing at 4 stands 4 under the skill steps and 0 under "anyone on the channel".
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)])
        let pools = Self.invoicePhonePools(script.engine)
        #expect(pools[0] == pools[1] && pools[1] == pools[2] && pools[3] != pools[2])
        #expect(script.engine.integrityViolation() == nil)
    }
}

@Suite("The table of each agent's pools")
struct MembershipTableTests {
    @Test("memberships are kept per agent and channel through growth past the table's width")
    func keepsListsThroughGrowth() {
        var table = MembershipTable()
        func list(_ pools: Range<Int32>) -> [Membership] { pools.map { Membership(pool: $0, proficiency: $0 % 5) } }
        table.set(0, PerChannel(phone: list(0..<2), chat: [], email: list(10..<13), clickToCall: []))
        table.set(2, PerChannel(phone: list(20..<27), chat: list(30..<31), email: [], clickToCall: []))  // wider than 4
        for pool in Int32(40)..<Int32(52) { table.append(1, .chat, Membership(pool: pool, proficiency: 1)) }
        #expect(Array(table.memberships(0, .phone)).map(\.pool) == [0, 1])
        #expect(Array(table.memberships(0, .email)).map(\.pool) == [10, 11, 12])
        #expect(Array(table.memberships(2, .phone)).map(\.pool) == Array(20..<27))
        #expect(Array(table.memberships(2, .phone)).map(\.proficiency) == (20..<27).map { $0 % 5 })
        #expect(Array(table.memberships(1, .chat)).map(\.pool) == Array(40..<52))
        #expect(table.memberships(1, .phone).isEmpty && table.memberships(0, .clickToCall).isEmpty)
        table.set(2, PerChannel(repeating: []))
        #expect(Channel.allCases.allSatisfy { table.memberships(2, $0).isEmpty })
        #expect(table.width >= 12)
    }
}

@Suite("The engine as a value")
struct EngineValueTests {
    @Test("a stored state whose agent has a proficiency no profile may have is refused, not trapped on while its pools are derived")
    func damagedProfileIsRefused() throws {
        var script = Script()
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)])
        script.agent(2, Center.sales, [SkillLevel(Center.ordersSkill, 2)])
        var damaged = script.engine
        damaged.makeRecordsUnique()
        // Found by the snapshot fuzz campaign: a flipped byte made a proficiency of 2³³, and
        // deriving the agent's pools converted it to 32 bits and trapped.
        damaged.agents[1].profile = AgentProfile(id: AgentID(2), department: Center.sales,
                                                 skills: [SkillLevel(Center.ordersSkill, 1 << 33)])
        let data = try JSONEncoder().encode(damaged)
        let decoder = JSONDecoder()
        decoder.userInfo[RoutingEngine.configurationKey] = script.engine.configuration
        #expect(throws: DecodingError.self) { try decoder.decode(RoutingEngine.self, from: data) }
        let intact = try decoder.decode(RoutingEngine.self, from: try JSONEncoder().encode(script.engine))
        #expect(intact.agentCount == 2 && intact.integrityViolation() == nil)
    }

    /// Stores both engines and reads them back: the damaged one must be refused, the other kept.
    static func expectRefused(_ damaged: RoutingEngine, kept engine: RoutingEngine) throws {
        // Channels never ranked keep an idle time of -∞, which JSON spells only as a string.
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        decoder.userInfo[RoutingEngine.configurationKey] = engine.configuration
        #expect(throws: DecodingError.self) { try decoder.decode(RoutingEngine.self, from: try encoder.encode(damaged)) }
        #expect(try decoder.decode(RoutingEngine.self, from: try encoder.encode(engine)).integrityViolation() == nil)
    }

    @Test("a stored state whose agent was ranked with more contacts in progress than any capacity is refused, not trapped on when ranked in 32 bits")
    func damagedRankInputIsRefused() throws {
        var script = Script(Center.configuration(policy: .leastOccupied))
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)], capacity: PerChannel(phone: 0, chat: 3, email: 0, clickToCall: 0))
        var damaged = script.engine
        damaged.makeRecordsUnique()
        damaged.agents[0].pushedInUse.chat = 1 << 40
        try Self.expectRefused(damaged, kept: script.engine)
    }

    @Test("a stored state whose pool counts more pushes since its last search than commands can make is refused, not trapped on at the next push",
          arguments: [Int.max, -1, 1_000])
    func damagedPushCountIsRefused(pushes: Int) throws {
        var script = Script()
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)])
        script.arrive(100, .phone, Center.invoice, at: 1)  // the pool is searched: indexed
        var damaged = script.engine
        damaged.makeRecordsUnique()
        damaged.pools[0].pushesSinceSearch = pushes
        try Self.expectRefused(damaged, kept: script.engine)
    }

    @Test("a copy of the engine is not changed by commands applied to the original, nor the original by the copy's")
    func copiesAreIndependent() throws {
        var script = Script()
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)])
        script.arrive(100, .phone, Center.invoice, at: 1)
        let saved = script.engine
        var copy = script.engine
        try script.run(.accept(ContactID(100), AgentID(1)), at: 2)
        script.arrive(101, .chat, Center.invoice, at: 3)
        #expect(saved.state(of: ContactID(100)) == .offered && saved.state(of: ContactID(101)) == nil)
        var events: [Event] = []
        try copy.apply(.reject(ContactID(100), AgentID(1)), at: 2, into: &events)
        #expect(script.engine.state(of: ContactID(100)) == .connected)
        #expect(copy.state(of: ContactID(100)) == .queued)
        #expect(saved.state(of: ContactID(100)) == .offered)
        for engine in [saved, copy, script.engine] { #expect(engine.integrityViolation() == nil) }
    }

    @Test("leaving routine events out changes no other event and no state")
    func omittedEventsChangeNothingElse() throws {
        var rng = SeededGenerator(seed: 7)
        let configuration = PropertyTests.randomCenter(&rng)
        var full = RoutingEngine(configuration: configuration)
        var lean = RoutingEngine(configuration: configuration)
        lean.omittedEvents = [.escalations, .breachWarnings, .completions, .workStates]
        var nextContact: UInt64 = 0
        var time: Seconds = 0
        var reported: [AgentID: AgentState] = [:]
        var left = 0
        for _ in 0..<1_500 {
            let command = PropertyTests.randomCommand(full, nextContact: &nextContact, &rng)
            time += Double(Int.random(in: 0...8, using: &rng))
            var fullEvents: [Event] = [], leanEvents: [Event] = []
            let fullRefused = (try? full.apply(command, at: time, into: &fullEvents)) == nil
            let leanRefused = (try? lean.apply(command, at: time, into: &leanEvents)) == nil
            #expect(fullRefused == leanRefused)
            // What the lean engine should report: everything but the routine events, and an
            // agent's state only when it is new or the agent goes away or comes back.
            let expected = fullEvents.filter { event in
                switch event {
                case .escalated, .breachWarning, .completed:
                    return false
                case let .agentState(agent, state):
                    defer { reported[agent] = state }
                    guard let previous = reported[agent] else { return true }
                    return previous.isAway != state.isAway
                case let .agentRemoved(agent):
                    reported[agent] = nil  // one added again under the id is new
                    return true
                default:
                    return true
                }
            }
            left += fullEvents.count - leanEvents.count
            #expect(leanEvents == expected, "after \(command)")
            #expect(full.openContacts == lean.openContacts)
            #expect(full.allAgents == lean.allAgents)
        }
        #expect(left > 100)
    }
}
