import Testing
@testable import AgnerCore

@Suite("Refused commands")
struct CommandErrorTests {
    /// Everything observable about the engine, to show a refused command changed nothing.
    struct Observed: Equatable {
        var contacts: [ContactSnapshot]
        var agents: [AgentSnapshot]
        var deadline: Seconds?
    }

    static func observe(_ engine: RoutingEngine) -> Observed {
        var copy = engine
        return Observed(contacts: engine.openContacts, agents: engine.allAgents, deadline: copy.nextDeadline())
    }

    static func busyCenter() -> Script {
        var script = Script()
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 4)])
        script.agent(2, Center.service, [SkillLevel(Center.repairSkill, 4)], available: false)
        script.arrive(100, at: 0)
        script.arrive(101, at: 1)
        return script
    }

    static let refused: [(Command, EngineError)] = [
        (.accept(ContactID(999), AgentID(1)), .unknownContact(ContactID(999))),
        (.accept(ContactID(100), AgentID(77)), .unknownAgent(AgentID(77))),
        (.accept(ContactID(101), AgentID(1)), .notOffered(ContactID(101), to: AgentID(1))),
        (.accept(ContactID(100), AgentID(2)), .notOffered(ContactID(100), to: AgentID(2))),
        (.reject(ContactID(101), AgentID(1)), .notOffered(ContactID(101), to: AgentID(1))),
        (.complete(ContactID(100)), .contactNotInState(ContactID(100), .offered, .complete)),
        (.complete(ContactID(5)), .unknownContact(ContactID(5))),
        (.abandon(ContactID(5)), .unknownContact(ContactID(5))),
        (.arrive(ContactArrival(id: ContactID(100), channel: .chat, topic: Center.order)), .duplicateContact(ContactID(100))),
        (.arrive(ContactArrival(id: ContactID(300), channel: .chat, topic: TopicID(42))), .unknownTopic(42)),
        (.arrive(ContactArrival(id: ContactID(300), channel: .chat, topic: Center.order, priority: 10)), .invalidValue("priority 10 is outside 0–9")),
        (.addAgent(AgentProfile(id: AgentID(3), department: Center.sales, skills: [SkillLevel(Center.ordersSkill, 7)])),
         .invalidValue("proficiency 7 in orders is outside 1–5")),
        (.addAgent(AgentProfile(id: AgentID(3), department: Center.sales, skills: [SkillLevel(Center.ordersSkill, 0)])),
         .invalidValue("proficiency 0 in orders is outside 1–5")),
        (.addAgent(AgentProfile(id: AgentID(3), department: DepartmentID(9), skills: [])), .unknownDepartment(9)),
        (.addAgent(AgentProfile(id: AgentID(1), department: Center.sales, skills: [])), .duplicateAgent(AgentID(1))),
        (.addAgent(AgentProfile(id: AgentID(3), department: Center.sales, skills: [SkillLevel(SkillID(8), 3)])), .unknownSkill(8)),
        (.updateAgent(AgentProfile(id: AgentID(1), department: Center.billing, skills: [], capacity: PerChannel(phone: 0, chat: 3, email: 1, clickToCall: 1))),
         .capacityInUse(AgentID(1), .phone, holding: 1, capacity: 0)),
        (.removeAgent(AgentID(1)), .agentHoldsContacts(AgentID(1), holding: 1)),
        (.resume(ContactID(100)), .contactNotInState(ContactID(100), .offered, .resume)),
        (.hold(ContactID(555), abandonAt: nil), .unknownContact(ContactID(555))),
        (.hold(ContactID(100), abandonAt: .infinity), .invalidValue("a hold must end at a finite time, not inf")),
        (.setPresence(AgentID(8), .available), .unknownAgent(AgentID(8))),
    ]

    @Test("a refused command returns its typed error and changes nothing", arguments: 0..<refused.count)
    func refusedCommandChangesNothing(index: Int) {
        let (command, expected) = Self.refused[index]
        var script = Self.busyCenter()
        let before = Self.observe(script.engine)
        #expect(throws: expected) { try script.run(command, at: 2) }
        #expect(Self.observe(script.engine) == before)
    }

    @Test("a command from the past is refused")
    func timeGoesForward() {
        var script = Self.busyCenter()
        #expect(throws: EngineError.timeWentBackwards(now: 1, requested: 0.5)) {
            try script.run(.abandon(ContactID(101)), at: 0.5)
        }
    }
}

@Suite("Live staffing changes")
struct StaffingChangeTests {
    @Test("an agent added and logged in takes the waiting contacts at once")
    func addedAgentTakesWork() {
        var script = Script()
        script.arrive(100, at: 0)
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 3)], at: 5)
        #expect(script.state(100) == .offered)
    }

    @Test("giving an agent a new skill makes them eligible for that topic's waiting contacts")
    func newSkillMakesEligible() throws {
        var script = Script()
        script.agent(1, Center.billing, [SkillLevel(Center.repairSkill, 3)])
        script.arrive(100, .phone, Center.invoice, at: 0)
        #expect(script.state(100) == .queued)
        let events = try script.run(.updateAgent(AgentProfile(
            id: AgentID(1), department: Center.billing, skills: [SkillLevel(Center.billingSkill, 3)])), at: 2)
        #expect(offers(in: events).map(\.contact) == [100])
    }

    @Test("a removed agent gets no more offers")
    func removedAgent() throws {
        var script = Script()
        script.agent(1, Center.billing, [SkillLevel(Center.billingSkill, 3)])
        try script.run(.removeAgent(AgentID(1)), at: 1)
        script.arrive(100, at: 2)
        #expect(script.state(100) == .queued)
        #expect(script.engine.agent(AgentID(1)) == nil)
    }
}
