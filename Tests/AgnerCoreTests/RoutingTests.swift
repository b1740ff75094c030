import Testing
@testable import AgnerCore

@Suite("Routing")
struct RoutingTests {
    @Test("an arriving contact is offered at once to a free agent of the owning department")
    func arrivalGoesToFreeAgent() throws {
        var script = Script()
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)])
        let events = script.arrive(100, at: 5)
        let offered = try #require(offer(in: events))
        #expect(offered.contact == 100 && offered.agent == 1)
        #expect(offered.explanation.step == 0)
        #expect(offered.explanation.eligibleAgents == 1)
        #expect(script.state(100) == .offered)
        #expect(script.agentState(1) == .reserved)
    }

    @Test("a contact with no free eligible agent waits in line")
    func contactWaitsWhenNobodyFree() {
        var script = Script()
        script.agent(1, Center.service, [SkillLevel(Center.repairSkill, 5)])
        let events = script.arrive(100, .phone, Center.invoice, at: 0)
        #expect(events == [.queued(ContactID(100), step: 0)])
        #expect(script.state(100) == .queued)
    }

    @Test("a freed agent takes the most urgent contact it is eligible for")
    func freedAgentTakesMostUrgent() throws {
        var script = Script()
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)], available: false)
        script.arrive(100, .email, at: 0)  // deadline 4 h: least urgent though first
        script.arrive(101, .phone, at: 5)  // deadline 65 s: most urgent
        script.arrive(102, .chat, at: 10)  // deadline 70 s
        let events = try script.run(.setPresence(AgentID(1), .available), at: 12)
        #expect(offers(in: events).map(\.contact) == [101])
    }

    @Test("a wholesale customer's head start moves them ahead of a regular customer who came first")
    func wholesaleHeadStart() throws {
        var script = Script()
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)], available: false)
        script.arrive(100, segment: .regular, at: 0)
        script.arrive(101, segment: .wholesale, at: 10)  // deadline 70 − 20 = 50 < 60
        let events = try script.run(.setPresence(AgentID(1), .available), at: 11)
        #expect(offers(in: events).map(\.contact) == [101])
    }

    @Test("a higher priority moves a contact ahead")
    func priorityHeadStart() throws {
        var script = Script()
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)], available: false)
        script.arrive(100, priority: 0, at: 0)
        script.arrive(101, priority: 2, at: 15)  // deadline 75 − 20 = 55 < 60
        let events = try script.run(.setPresence(AgentID(1), .available), at: 16)
        #expect(offers(in: events).map(\.contact) == [101])
    }

    @Test("contacts with equal deadlines are served in arrival order")
    func tiesByArrivalOrder() throws {
        var script = Script()
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)], available: false)
        script.arrive(200, at: 3)
        script.arrive(100, at: 3)
        let events = try script.run(.setPresence(AgentID(1), .available), at: 4)
        #expect(offers(in: events).map(\.contact) == [200])
    }

    @Test("longestIdle offers to the agent who has been free the longest")
    func longestIdlePolicy() throws {
        var script = Script(Center.configuration(policy: .longestIdle))
        script.agent(2, Center.billing, [SkillLevel(Center.billingSkill, 3)], at: 5)
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 5)], at: 10)
        let offered = try #require(offer(in: script.arrive(100, at: 20)))
        #expect(offered.agent == 2)
        #expect(offered.explanation.idleFor == 15)
        #expect(offered.explanation.summary.contains("longest idle"))
    }

    @Test("an offer's explanation reads as one line per policy")
    func explanationSummary() {
        var why = OfferExplanation(step: 2, poolStep: 1, eligibleAgents: 3, policy: .longestIdle, idleFor: 14.6, proficiency: 4, inProgress: 0)
        #expect(why.summary == "step 2, pool of step 1, 3 eligible free, longest idle (15 s)")
        why.policy = .mostSkilled
        #expect(why.summary == "step 2, pool of step 1, 3 eligible free, most skilled (proficiency 4)")
        why.policy = .leastOccupied
        why.inProgress = 12
        #expect(why.summary == "step 2, pool of step 1, 3 eligible free, least occupied (12 in progress)")
    }

    @Test("mostSkilled offers to the most proficient agent")
    func mostSkilledPolicy() throws {
        var script = Script(Center.configuration(policy: .mostSkilled))
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 3)], at: 0)
        script.agent(2, Center.billing, [SkillLevel(Center.billingSkill, 5)], at: 10)
        let offered = try #require(offer(in: script.arrive(100, at: 20)))
        #expect(offered.agent == 2)
        #expect(offered.explanation.proficiency == 5)
    }

    @Test("leastOccupied offers a chat to the agent with the fewest chats in progress")
    func leastOccupiedPolicy() throws {
        var script = Script(Center.configuration(policy: .leastOccupied, offerTimeout: nil))
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 3)], at: 0)
        let first = try #require(offer(in: script.arrive(100, .chat, at: 1)))
        #expect(first.agent == 1)
        try script.run(.accept(ContactID(100), AgentID(1)), at: 1)
        script.agent(2, Center.billing, [SkillLevel(Center.billingSkill, 3)], at: 2)
        let second = try #require(offer(in: script.arrive(101, .chat, at: 3)))
        #expect(second.agent == 2)
        #expect(second.explanation.inProgress == 0)
    }

    @Test("at step 0 the owning department's experts are preferred over agents who idle longer elsewhere")
    func owningDepartmentFirst() throws {
        var script = Script()
        script.agent(1, Center.sales, [SkillLevel(Center.billingSkill, 5)], at: 0)
        script.agent(2, Center.billing, [SkillLevel(Center.billingSkill, 1)], at: 0)
        script.agent(3, Center.billing, [SkillLevel(Center.billingSkill, 4)], at: 10)
        let offered = try #require(offer(in: script.arrive(100, at: 20)))
        #expect(offered.agent == 3)
        #expect(offered.explanation.poolStep == 0)
    }

    @Test("a freed agent takes a contact already escalated beyond its own department")
    func freedAgentServesEscalatedContacts() throws {
        var script = Script()
        script.agent(1, Center.sales, [SkillLevel(Center.billingSkill, 2)], available: false)
        script.arrive(100, at: 0)
        script.advance(to: 31)  // step 2: any department with the skill
        let events = try script.run(.setPresence(AgentID(1), .available), at: 31)
        let offered = try #require(offer(in: events))
        #expect(offered.contact == 100)
        #expect(offered.explanation.step == 2 && offered.explanation.poolStep == 2)
    }
}

@Suite("Index upkeep")
struct IndexUpkeepTests {
    @Test("compacting a pool's heap of free agents never loses a free agent")
    func compactionKeepsFreeAgents() throws {
        var script = Script(Center.configuration(offerTimeout: nil))
        let agents = UInt64(1)...100
        for agent in agents { script.agent(agent, Center.billing, [SkillLevel(Center.billingSkill, 4)]) }
        // Every round each agent takes a call (leaving and re-entering every pool of every
        // channel) and then an e-mail. Pushes into the pools fill their heaps with stale
        // entries, which are compacted every few rounds; after each round all 100 agents must
        // still be found free for e-mail.
        var contact: UInt64 = 0
        for round in 0..<20 {
            let time = Double(round)
            for channel in [Channel.phone, .email] {
                var offeredTo = Set<UInt64>()
                for _ in agents {
                    contact += 1
                    let offered = try #require(offer(in: script.arrive(contact, channel, at: time)), "round \(round): \(channel) contact waited")
                    offeredTo.insert(offered.agent)
                    try script.run(.accept(ContactID(contact), AgentID(offered.agent)), at: time)
                }
                #expect(offeredTo.count == 100)
                for finished in (contact - 99)...contact { try script.run(.complete(ContactID(finished)), at: time) }
            }
        }
    }
}

extension IndexUpkeepTests {
    @Test("the id table finds, replaces and forgets ids through growth and removals")
    func slotTableBehavesLikeADictionary() {
        var table = SlotTable()
        var reference: [UInt64: Int32] = [:]
        var rng = SeededGenerator(seed: 99)
        for step in 0..<20_000 {
            let key = UInt64.random(in: 0..<3_000, using: &rng) << (step % 3 == 0 ? 32 : 0)
            if Bool.random(using: &rng) {
                table[key] = Int32(step)
                reference[key] = Int32(step)
            } else {
                table[key] = nil
                reference[key] = nil
            }
        }
        #expect(table.count == reference.count)
        for (key, value) in reference { #expect(table[key] == value) }
        for key in UInt64(0)..<3_000 where reference[key] == nil { #expect(table[key] == nil) }
        #expect(table.values.sorted() == reference.values.sorted())
    }
}

extension IndexUpkeepTests {
    @Test("the binary heap pops in order, built by insertion or all at once")
    func binaryHeapOrder() {
        var rng = SeededGenerator(seed: 5)
        let values = (0..<2_000).map { _ in Int.random(in: 0..<500, using: &rng) }
        var inserted = BinaryHeap<Int>()
        for value in values { inserted.insert(value) }
        var built = BinaryHeap(values)
        var fromInserted: [Int] = []
        var fromBuilt: [Int] = []
        while let value = inserted.popMin() { fromInserted.append(value) }
        while let value = built.popMin() { fromBuilt.append(value) }
        #expect(fromInserted == values.sorted())
        #expect(fromBuilt == values.sorted())
    }

    @Test("order keys order as the numbers do, negatives and infinities too, and give the numbers back")
    func orderKeys() {
        var rng = SeededGenerator(seed: 8)
        let edges: [Double] = [-.infinity, -1e11, -86_400, -1, -.leastNonzeroMagnitude, 0, .leastNonzeroMagnitude,
                               1e-300, 0.5, 1, 86_400, 1e11, .greatestFiniteMagnitude, .infinity]
        let numbers = edges + (0..<2_000).map { _ in Double.random(in: -1e6...1e6, using: &rng) }
        for x in numbers {
            #expect(OrderKey.number(OrderKey.of(x)) == x)
            for y in edges { #expect((OrderKey.of(x) < OrderKey.of(y)) == (x < y), "\(x) against \(y)") }
        }
        // -0.0 comes just before 0.0: stored as `x + 0`, the two tie.
        #expect(OrderKey.of(-0.0) < OrderKey.of(0.0))
        #expect(OrderKey.of(-0.0 + 0) == OrderKey.of(0.0))
    }
}
