import Testing
@testable import AgnerCore

@Suite("Escalation ladder and breaches")
struct EscalationTests {
    @Test("the worked example: a billing call escalates twice and is answered at 47 s by a sales agent")
    func workedExample() throws {
        var script = Script()
        // Billing's only agent is on a call; a sales agent with billing skill is on a break.
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)])
        script.arrive(1, at: 0)
        try script.run(.accept(ContactID(1), AgentID(1)), at: 0)
        script.agent(2, Center.sales, [SkillLevel(Center.billingSkill, 2)], available: false)

        #expect(script.arrive(100, at: 0) == [.queued(ContactID(100), step: 0)])
        #expect(script.advance(to: 15) == [.escalated(ContactID(100), step: 1)])
        #expect(script.advance(to: 30) == [.escalated(ContactID(100), step: 2)])
        let events = try script.run(.setPresence(AgentID(2), .available), at: 44)
        let offered = try #require(offer(in: events))
        #expect(offered.contact == 100 && offered.agent == 2)
        #expect(offered.explanation.step == 2)
        let connected = try script.run(.accept(ContactID(100), AgentID(2)), at: 47)
        #expect(connected.first == .connected(ContactID(100), AgentID(2), waited: 47))
        // Answered: no escalation to step 3, no warning, no breach afterwards.
        #expect(script.advance(to: 200).isEmpty)
    }

    @Test("escalation steps fire at 0.25, 0.5 and 0.75 of the target with no traffic")
    func stepsFireOnTime() {
        var script = Script()
        script.arrive(100, at: 0)
        var engine = script.engine
        #expect(engine.nextDeadline() == 15)
        #expect(script.advance(to: 14.9).isEmpty)
        #expect(script.advance(to: 15) == [.escalated(ContactID(100), step: 1)])
        #expect(script.advance(to: 30) == [.escalated(ContactID(100), step: 2)])
        #expect(script.advance(to: 45) == [.escalated(ContactID(100), step: 3)])
    }

    @Test("a breach warning comes at 0.8 of the target and the breach at the deadline")
    func warningThenBreach() {
        var script = Script()
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)])
        script.arrive(1, at: 0)
        try! script.run(.accept(ContactID(1), AgentID(1)), at: 0)
        script.arrive(100, at: 0)
        script.advance(to: 47)
        #expect(script.advance(to: 48) == [.breachWarning(ContactID(100))])
        #expect(script.advance(to: 60) == [.breached(ContactID(100), .allEligibleBusy)])
    }

    @Test("a breach when no eligible agent is logged in says so")
    func breachNobodyLoggedIn() {
        var script = Script()
        script.arrive(100, at: 0)
        let events = script.advance(to: 60)
        #expect(events.contains(.breached(ContactID(100), .nobodyEligibleLoggedIn)))
    }

    @Test("a breach after a rejected offer names the rejection")
    func breachAfterRejection() throws {
        var script = Script()
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)])
        script.arrive(100, at: 0)
        try script.run(.reject(ContactID(100), AgentID(1)), at: 5)
        let events = script.advance(to: 60)
        #expect(events.contains(.breached(ContactID(100), .offersRejectedOrTimedOut)))
    }

    @Test("a breached contact keeps waiting ahead of contacts that have not breached")
    func breachedContactGetsTopUrgency() throws {
        var script = Script()
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)], available: false)
        // An e-mail has a 4 h deadline; make a phone call breach and compare with a fresh wholesale call.
        script.arrive(100, .phone, at: 0)
        script.advance(to: 61)
        script.arrive(101, .phone, segment: .wholesale, priority: 9, at: 61)  // effective deadline 121 − 20 − 90 = 11
        let events = try script.run(.setPresence(AgentID(1), .available), at: 62)
        #expect(offers(in: events).map(\.contact) == [100])
    }

    @Test("with the callback action a breached call becomes a callback that keeps its place")
    func breachOffersCallback() throws {
        var script = Script(Center.configuration(phoneBreach: .callback))
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)], available: false)
        script.arrive(100, .phone, at: 0)
        script.arrive(101, .phone, at: 30)
        let events = script.advance(to: 60)
        // (Contact 101 escalates at the same moment, 60 s; at equal times the contact that
        // arrived first goes first.)
        #expect(Array(events.drop { $0 != .breached(ContactID(100), .nobodyEligibleLoggedIn) }.prefix(3))
                == [.breached(ContactID(100), .nobodyEligibleLoggedIn), .callbackScheduled(ContactID(100)), .escalated(ContactID(101), step: 2)])
        #expect(script.state(100) == .callbackScheduled)
        let offered = try script.run(.setPresence(AgentID(1), .available), at: 70)
        #expect(offers(in: offered).map(\.contact) == [100])
    }

    @Test("a topic's own ladder replaces the center's")
    func topicLadderOverride() throws {
        let ladder = try EscalationLadder(steps: [
            EscalationStep(from: 0, departments: .owning, skills: .required(minimumProficiency: 1)),
            EscalationStep(from: 0.5, departments: .any, skills: .anyOnChannel),
        ])
        var script = Script(Center.configuration(invoiceLadder: ladder))
        script.arrive(100, at: 0)
        #expect(script.advance(to: 30) == [.escalated(ContactID(100), step: 1)])
        #expect(script.advance(to: 47).isEmpty)
    }

    @Test("a ladder that narrows the pool is refused")
    func narrowingLadderRefused() {
        #expect(throws: ConfigurationError.self) {
            try EscalationLadder(steps: [
                EscalationStep(from: 0, departments: .any, skills: .required(minimumProficiency: 1)),
                EscalationStep(from: 0.5, departments: .owning, skills: .required(minimumProficiency: 1)),
            ])
        }
        #expect(throws: ConfigurationError.self) {
            try EscalationLadder(steps: [
                EscalationStep(from: 0.1, departments: .any, skills: .anyOnChannel),
            ])
        }
    }

    @Test("a ladder of more steps than a contact's step can count is refused; the longest allowed escalates to its last step")
    func ladderLengthBounded() throws {
        func ladder(_ count: Int) throws(ConfigurationError) -> EscalationLadder {
            try EscalationLadder(steps: (0..<count).map { EscalationStep(from: Double($0) / Double(count), departments: .any, skills: .anyOnChannel) })
        }
        #expect(throws: ConfigurationError.self) { try ladder(DomainLimits.ladderSteps.upperBound + 1) }
        #expect(throws: ConfigurationError.self) { try ladder(200) }
        let longest = try ladder(DomainLimits.ladderSteps.upperBound)
        var script = Script(Center.configuration(invoiceLadder: longest))
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)], available: false)
        script.arrive(100, .phone, Center.invoice, at: 0)
        script.advance(to: 59.9)
        #expect(script.engine.openContacts.first?.step == DomainLimits.ladderSteps.upperBound - 1)
    }

    @Test("at step 3 any agent serving the channel may take the contact")
    func lastStepAnyoneOnChannel() throws {
        var script = Script()
        script.agent(1, Center.service, [SkillLevel(Center.repairSkill, 5)])
        script.agent(9, Center.sales, [SkillLevel(Center.ordersSkill, 5)])
        try script.run(.setPresence(AgentID(1), .onBreak), at: 0)
        try script.run(.setPresence(AgentID(9), .onBreak), at: 0)
        script.arrive(100, at: 0)
        try script.run(.setPresence(AgentID(9), .available), at: 46)
        #expect(offers(in: script.log).map(\.agent) == [9])
    }
}
