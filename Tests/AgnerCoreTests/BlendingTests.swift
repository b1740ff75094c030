import Testing
@testable import AgnerCore

/// A center where every agent handles every channel: the general topic needs no skill.
private func blendedCenter(emailTier: Int = RoutingTier.deferred, emailReserve: Int = 0) -> CenterConfiguration {
    var channels = PerChannel(
        phone: ChannelSettings.standard(for: .phone), chat: .standard(for: .chat),
        email: .standard(for: .email), clickToCall: .standard(for: .clickToCall))
    channels.email.routingTier = emailTier
    channels.email.higherTierReserve = emailReserve
    return try! CenterConfiguration(
        departments: ["frontline"], skills: ["general"],
        topics: [Topic(name: "general", requiredSkills: [], owningDepartment: DepartmentID(0))],
        channels: channels, offerTimeout: nil)
}

private let general = TopicID(0)

@Suite("Channel blending: real-time customers before deferred work")
struct BlendingTests {
    @Test("an agent who logs in takes the waiting call before an e-mail that waited all night")
    func callBeforeOvernightEmail() throws {
        var script = Script(blendedCenter())
        script.agent(1, DepartmentID(0), [], available: false)
        script.arrive(100, .email, general, at: 0)  // waited all night: breached long before 08:00
        script.arrive(200, .phone, general, at: 28_800)
        let events = try script.run(.setPresence(AgentID(1), .available), at: 28_810)
        #expect(offers(in: events).map(\.contact) == [200])
    }

    @Test("a freed agent takes a call of the higher tier even when an e-mail is breached and older")
    func freedAgentTakesCall() throws {
        var script = Script(blendedCenter())
        script.agent(1, DepartmentID(0), [])
        script.arrive(50, .phone, general, at: 0)
        try script.run(.accept(ContactID(50), AgentID(1)), at: 1)
        script.arrive(100, .email, general, at: 2)
        script.advance(to: 20_000)  // the e-mail breaches (4 h target) and keeps waiting at top urgency
        script.arrive(200, .chat, general, at: 20_001)
        let events = try script.run(.complete(ContactID(50)), at: 20_002)
        #expect(offers(in: events).map(\.contact).first == 200)
    }

    @Test("a center that puts e-mail in the phone's tier serves them by urgency alone")
    func sameTierIsUrgency() throws {
        var script = Script(blendedCenter(emailTier: RoutingTier.realTime))
        script.agent(1, DepartmentID(0), [], available: false)
        script.arrive(100, .email, general, at: 0)
        script.arrive(200, .phone, general, at: 28_800)
        let events = try script.run(.setPresence(AgentID(1), .available), at: 28_810)
        #expect(offers(in: events).map(\.contact).first == 100)
    }

    @Test("an agent free on several channels at once fills them from the highest tier down")
    func severalChannelsAtOnce() throws {
        var script = Script(blendedCenter())
        let capacity = PerChannel(phone: 0, chat: 2, email: 1, clickToCall: 0)
        script.agent(1, DepartmentID(0), [], capacity: capacity, available: false)
        script.arrive(100, .email, general, at: 0)
        script.arrive(200, .chat, general, at: 10_000)
        script.arrive(201, .chat, general, at: 10_001)
        let events = try script.run(.setPresence(AgentID(1), .available), at: 10_002)
        #expect(offers(in: events).map(\.contact) == [200, 201, 100])
    }

    @Test("with a reserve, an e-mail waits while too few agents would stay free for calls")
    func reserveKeepsAgentsFree() throws {
        var script = Script(blendedCenter(emailReserve: 2))
        script.agent(1, DepartmentID(0), [])
        script.agent(2, DepartmentID(0), [])
        let first = script.arrive(100, .email, general, at: 0)
        #expect(offers(in: first).isEmpty)  // 1 other would stay free: fewer than 2
        let third = try script.run(.addAgent(AgentProfile(id: AgentID(3), department: DepartmentID(0), skills: [])), at: 1)
        #expect(offers(in: third).isEmpty)
        let login = try script.run(.setPresence(AgentID(3), .available), at: 2)
        #expect(offers(in: login).map(\.contact) == [100])  // 2 others stay free
        let call = script.arrive(200, .phone, general, at: 3)
        #expect(offers(in: call).count == 1)
    }

    @Test("with a reserve, an arriving e-mail skips agents held back and goes to one who keeps it")
    func reserveSkipsHeldBackAgents() throws {
        var script = Script(blendedCenter(emailReserve: 1))
        // Agent 1 serves phone and e-mail and is alone on the phone; agent 2 does e-mail only.
        script.agent(1, DepartmentID(0), [], capacity: PerChannel(phone: 1, chat: 0, email: 1, clickToCall: 0))
        script.agent(2, DepartmentID(0), [], capacity: PerChannel(phone: 0, chat: 0, email: 1, clickToCall: 0), at: 5)
        let events = script.arrive(100, .email, general, at: 10)
        #expect(offers(in: events).map(\.agent) == [2])
    }
}

@Suite("Requested presence is never overwritten")
struct PresenceTests {
    static func ringing(_ missed: MissedOfferRule) -> Script {
        var script = Script(Center.configuration(missedOffer: missed))
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)])
        script.arrive(100, at: 0)
        return script
    }

    @Test("an agent who logs out while an offer rings is offline when it expires, and is offered nothing more",
          arguments: [MissedOfferRule.notResponding, .available])
    func logoutWhileRinging(missed: MissedOfferRule) throws {
        var script = Self.ringing(missed)
        try script.run(.setPresence(AgentID(1), .offline), at: 2)
        #expect(script.agentState(1) == .reserved)
        let expiry = script.advance(to: 15)
        #expect(expiry.contains(.offerExpired(ContactID(100), AgentID(1))))
        #expect(script.agentState(1) == .offline)
        script.advance(to: 200)
        #expect(offers(in: script.log).count == 1)
    }

    @Test("an agent who asks for a break while an offer rings is on break after a rejection",
          arguments: [MissedOfferRule.notResponding, .available])
    func breakWhileRinging(missed: MissedOfferRule) throws {
        var script = Self.ringing(missed)
        try script.run(.setPresence(AgentID(1), .onBreak), at: 2)
        try script.run(.reject(ContactID(100), AgentID(1)), at: 3)
        #expect(script.agentState(1) == .onBreak)
        #expect(script.engine.agent(AgentID(1))?.presence == .onBreak)
    }

    @Test("an agent who logs out while busy is offline after the call, with work waiting")
    func logoutWhileBusy() throws {
        var script = Self.ringing(.notResponding)
        try script.run(.accept(ContactID(100), AgentID(1)), at: 1)
        script.arrive(101, at: 2)
        try script.run(.setPresence(AgentID(1), .offline), at: 3)
        let done = try script.run(.complete(ContactID(100)), at: 60)
        #expect(offers(in: done).isEmpty)
        #expect(script.agentState(1) == .offline)
    }

    @Test("an available agent who misses an offer is not responding until a state request")
    func notRespondingUntilRequest() throws {
        var script = Self.ringing(.notResponding)
        script.advance(to: 15)
        #expect(script.agentState(1) == .notResponding)
        #expect(script.engine.agent(AgentID(1))?.presence == .available)
        let back = try script.run(.setPresence(AgentID(1), .available), at: 20)
        #expect(offers(in: back).map(\.contact) == [100])
    }

    @Test("a breach whose eligible agents all missed their offers says so")
    func breachNotResponding() throws {
        var script = Self.ringing(.notResponding)
        script.advance(to: 15)  // agent 1 is not responding
        let events = script.advance(to: 60)
        #expect(events.contains(.breached(ContactID(100), .offersRejectedOrTimedOut)))
        script.arrive(101, at: 61)
        let later = script.advance(to: 121)
        #expect(later.contains(.breached(ContactID(101), .allEligibleNotResponding)))
    }
}

@Suite("Held contacts: their adapter is gone")
struct HoldTests {
    @Test("holding an offered contact withdraws the offer and the agent keeps its state")
    func holdWithdrawsOffer() throws {
        var script = Script()
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)])
        script.arrive(100, at: 0)
        let events = try script.run(.hold(ContactID(100), abandonAt: 120), at: 5)
        #expect(events.contains(.offerWithdrawn(ContactID(100), AgentID(1))))
        #expect(script.agentState(1) == .available)
        #expect(script.engine.contact(ContactID(100))?.held == true)
        script.agent(2, Center.billing, [SkillLevel(Center.billingSkill, 4)], at: 6)
        #expect(offers(in: script.log).count == 1)  // nobody gets a held contact
    }

    @Test("a held contact keeps its place and is offered again when resumed")
    func resumeKeepsPlace() throws {
        var script = Script()
        script.arrive(100, at: 0)
        try script.run(.hold(ContactID(100), abandonAt: nil), at: 1)
        script.arrive(101, at: 2)
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)], capacity: PerChannel(phone: 1, chat: 0, email: 0, clickToCall: 0), at: 3)
        #expect(offers(in: script.log).map(\.contact) == [101])
        try script.run(.accept(ContactID(101), AgentID(1)), at: 4)
        try script.run(.resume(ContactID(100)), at: 5)
        let done = try script.run(.complete(ContactID(101)), at: 6)
        #expect(offers(in: done).map(\.contact) == [100])
        #expect(script.engine.contact(ContactID(100))?.arrival == 0)
    }

    @Test("a hold that runs out ends the contact as abandoned because its adapter was lost")
    func holdRunsOut() throws {
        var script = Script()
        script.arrive(100, at: 0)
        try script.run(.hold(ContactID(100), abandonAt: 40), at: 10)
        let events = script.advance(to: 40)
        #expect(events.contains(.abandoned(ContactID(100), waited: 40, cause: .adapterLost)))
        #expect(script.state(100) == nil)
    }

    @Test("a contact held at its deadline breaches with cause adapterLost")
    func heldBreach() throws {
        var script = Script()
        script.arrive(100, at: 0)
        try script.run(.hold(ContactID(100), abandonAt: nil), at: 1)
        #expect(script.advance(to: 60).contains(.breached(ContactID(100), .adapterLost)))
    }
}
