import Testing
@testable import AgnerCore

@Suite("Offers, abandonment and wrap-up")
struct OfferTests {
    @Test("accepting an offer connects the contact and makes the agent busy")
    func acceptConnects() throws {
        var script = Script()
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)])
        script.arrive(100, at: 0)
        let events = try script.run(.accept(ContactID(100), AgentID(1)), at: 3)
        #expect(events == [.connected(ContactID(100), AgentID(1), waited: 3), .agentState(AgentID(1), .busy)])
    }

    @Test("a rejected contact goes back in line with its original place and the agent is not responding")
    func rejectedContactKeepsPlace() throws {
        var script = Script()
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)])
        script.arrive(100, at: 0)
        script.arrive(101, at: 1)
        let events = try script.run(.reject(ContactID(100), AgentID(1)), at: 5)
        #expect(events.contains(.offerRejected(ContactID(100), AgentID(1))))
        #expect(script.agentState(1) == .notResponding)
        #expect(script.state(100) == .queued)
        let snapshot = try #require(script.engine.contact(ContactID(100)))
        #expect(snapshot.arrival == 0 && snapshot.deadline == 60)
        script.agent(2, Center.billing, [SkillLevel(Center.billingSkill, 4)], at: 6)
        #expect(offers(in: script.log).last?.contact == 100)
    }

    @Test("an offer not answered within the reservation timeout expires")
    func offerTimesOut() throws {
        var script = Script()
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)])
        let arrival = script.arrive(100, at: 0)
        guard case let .offered(_, _, _, expiresAt)? = arrival.first(where: { if case .offered = $0 { true } else { false } }) else {
            Issue.record("no offer"); return
        }
        #expect(expiresAt == 15)
        let events = script.advance(to: 15)
        #expect(events.first == .offerExpired(ContactID(100), AgentID(1)))
        #expect(script.agentState(1) == .notResponding)
        #expect(script.state(100) == .queued)
        #expect(throws: EngineError.self) { try script.run(.accept(ContactID(100), AgentID(1)), at: 16) }
    }

    @Test("with missed offers set to available, the contact tries other agents before the one who missed it")
    func missedOfferAvailable() throws {
        var script = Script(Center.configuration(missedOffer: .available))
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)], at: 0)
        script.agent(2, Center.billing, [SkillLevel(Center.billingSkill, 4)], at: 1)
        script.arrive(100, at: 2)
        let events = try script.run(.reject(ContactID(100), AgentID(1)), at: 3)
        #expect(offers(in: events).map(\.agent) == [2])
        #expect(script.agentState(1) == .available)
    }

    @Test("a customer who abandons while waiting leaves the line")
    func abandonWhileQueued() throws {
        var script = Script()
        script.arrive(100, at: 0)
        let events = try script.run(.abandon(ContactID(100)), at: 20)
        #expect(events == [.escalated(ContactID(100), step: 1), .abandoned(ContactID(100), waited: 20, cause: .customer)])
        #expect(script.state(100) == nil)
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)], at: 21)
        #expect(offers(in: script.log).isEmpty)
    }

    @Test("a customer who abandons while the offer rings frees the agent for the next contact")
    func abandonWhileOffered() throws {
        var script = Script()
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)])
        script.arrive(100, at: 0)
        script.arrive(101, at: 1)
        let events = try script.run(.abandon(ContactID(100)), at: 2)
        #expect(events.first == .abandoned(ContactID(100), waited: 2, cause: .customer))
        #expect(offers(in: events).map(\.contact) == [101])
    }

    @Test("after completing, the agent wraps up for the channel's wrap-up time before the next offer")
    func wrapUpHoldsCapacity() throws {
        var script = Script(Center.configuration(wrapUp: 30))
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)])
        script.arrive(100, at: 0)
        try script.run(.accept(ContactID(100), AgentID(1)), at: 0)
        script.arrive(101, at: 5)
        let done = try script.run(.complete(ContactID(100)), at: 10)
        #expect(done == [.completed(ContactID(100), AgentID(1)), .agentState(AgentID(1), .wrapUp)])
        #expect(script.state(100) == .wrapUp)
        #expect(offers(in: script.advance(to: 39.9)).isEmpty)
        let after = script.advance(to: 40)
        #expect(after.first == .wrapUpEnded(ContactID(100), AgentID(1)))
        #expect(offers(in: after).map(\.contact) == [101])
        #expect(script.state(100) == nil)
    }
}

@Suite("Capacity and agent states")
struct CapacityTests {
    @Test("a chat agent holds up to three chats, not a fourth")
    func chatConcurrency() throws {
        var script = Script(Center.configuration(offerTimeout: nil))
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)])
        for contact in UInt64(1)...4 {
            script.arrive(contact, .chat, at: Double(contact))
            if script.state(contact) == .offered { try script.run(.accept(ContactID(contact), AgentID(1)), at: Double(contact)) }
        }
        #expect(script.state(4) == .queued)
        #expect(script.engine.agent(AgentID(1))?.inUse.chat == 3)
        try script.run(.complete(ContactID(2)), at: 10)
        #expect(script.state(4) == .offered)
    }

    @Test("a voice contact is exclusive: no chat during a call, no call during a chat")
    func voiceIsExclusive() throws {
        var script = Script(Center.configuration(offerTimeout: nil))
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)])
        script.arrive(100, .phone, at: 0)
        try script.run(.accept(ContactID(100), AgentID(1)), at: 0)
        script.arrive(101, .chat, at: 1)
        #expect(script.state(101) == .queued)
        let freed = try script.run(.complete(ContactID(100)), at: 2)
        #expect(offers(in: freed).map(\.contact) == [101])
        try script.run(.accept(ContactID(101), AgentID(1)), at: 2)
        script.arrive(102, .phone, at: 3)
        #expect(script.state(102) == .queued)
        script.arrive(103, .chat, at: 4)
        #expect(script.state(103) == .offered)
    }

    @Test("logging out while busy finishes the current contact, takes nothing new, then goes offline")
    func logoutWhileBusy() throws {
        var script = Script()
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)])
        script.arrive(100, at: 0)
        try script.run(.accept(ContactID(100), AgentID(1)), at: 0)
        try script.run(.setPresence(AgentID(1), .offline), at: 5)
        #expect(script.agentState(1) == .busy)
        script.arrive(101, at: 6)
        let done = try script.run(.complete(ContactID(100)), at: 10)
        #expect(offers(in: done).isEmpty)
        #expect(script.agentState(1) == .offline)
        #expect(script.state(101) == .queued)
    }

    @Test("a break while busy takes effect after the current contact")
    func breakWhileBusy() throws {
        var script = Script()
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)])
        script.arrive(100, at: 0)
        try script.run(.accept(ContactID(100), AgentID(1)), at: 0)
        try script.run(.setPresence(AgentID(1), .onBreak), at: 1)
        script.arrive(101, at: 2)
        try script.run(.complete(ContactID(100)), at: 3)
        #expect(script.agentState(1) == .onBreak)
        let back = try script.run(.setPresence(AgentID(1), .available), at: 4)
        #expect(offers(in: back).map(\.contact) == [101])
    }

    @Test("an agent's state changes are reported once each")
    func stateEvents() throws {
        var script = Script()
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)])
        script.arrive(100, at: 0)
        try script.run(.accept(ContactID(100), AgentID(1)), at: 1)
        try script.run(.complete(ContactID(100)), at: 2)
        let states = script.log.compactMap { event -> AgentState? in
            if case let .agentState(_, state) = event { return state }
            return nil
        }
        #expect(states == [.offline, .available, .reserved, .busy, .available])
    }
}

@Suite("Opening hours")
struct OpeningHoursTests {
    @Test("a call while phone is closed is closed; an e-mail waits; a click-to-call becomes a callback")
    func outOfHoursRules() throws {
        var script = Script()
        for channel in Channel.allCases { try script.run(.setChannelOpen(channel, false), at: 0) }
        #expect(script.arrive(1, .phone, at: 1) == [.closed(ContactID(1))])
        #expect(script.state(1) == nil)
        #expect(script.arrive(2, .email, at: 1) == [.queued(ContactID(2), step: 0)])
        #expect(script.arrive(3, .clickToCall, at: 1).first == .callbackScheduled(ContactID(3)))
        #expect(script.state(3) == .callbackScheduled)
        let breaches = script.advance(to: 61)
        #expect(breaches.contains(.breached(ContactID(3), .outOfHours)))
    }
}
