import AgnerTestSupport
@testable import AgnerCore

/// A small center: three departments, three skills, three topics.
///
/// | topic | skill | owner |
/// |---|---|---|
/// | invoice | billing | billing |
/// | repairStatus | repair | service |
/// | order | orders | sales |
enum Center {
    static let billing = DepartmentID(0)
    static let service = DepartmentID(1)
    static let sales = DepartmentID(2)

    static let billingSkill = SkillID(0)
    static let repairSkill = SkillID(1)
    static let ordersSkill = SkillID(2)

    static let invoice = TopicID(0)
    static let repairStatus = TopicID(1)
    static let order = TopicID(2)

    static func configuration(
        policy: SelectionPolicy = .longestIdle,
        offerTimeout: Seconds? = 15,
        missedOffer: MissedOfferRule = .notResponding,
        wrapUp: Seconds = 0,
        phoneBreach: BreachAction = .keepWaiting,
        invoiceLadder: EscalationLadder? = nil
    ) -> CenterConfiguration {
        var channels = PerChannel(
            phone: ChannelSettings.standard(for: .phone), chat: .standard(for: .chat),
            email: .standard(for: .email), clickToCall: .standard(for: .clickToCall))
        for channel in Channel.allCases { channels[channel].wrapUp = wrapUp }
        channels.phone.breachAction = phoneBreach
        return try! CenterConfiguration(
            departments: ["billing", "service", "sales"],
            skills: ["billing", "repair", "orders"],
            topics: [
                Topic(name: "invoice", requiredSkills: [billingSkill], owningDepartment: billing, ladder: invoiceLadder),
                Topic(name: "repairStatus", requiredSkills: [repairSkill], owningDepartment: service),
                Topic(name: "order", requiredSkills: [ordersSkill], owningDepartment: sales),
            ],
            channels: channels,
            policy: policy,
            offerTimeout: offerTimeout,
            missedOffer: missedOffer)
    }
}

/// An engine with a running log of its events, for tests that read like a script.
struct Script {
    var engine: RoutingEngine
    var log: [Event] = []

    init(_ configuration: CenterConfiguration = Center.configuration()) {
        engine = RoutingEngine(configuration: configuration)
    }

    /// Applies the command and returns its events (timer events due first included).
    @discardableResult
    mutating func run(_ command: Command, at time: Seconds) throws(EngineError) -> [Event] {
        var events: [Event] = []
        defer { log += events }
        try engine.apply(command, at: time, into: &events)
        return events
    }

    @discardableResult
    mutating func advance(to time: Seconds) -> [Event] {
        let events = engine.advance(to: time)
        log += events
        return events
    }

    /// Adds an agent and logs them in.
    mutating func agent(
        _ number: UInt64, _ department: DepartmentID, _ skills: [SkillLevel],
        capacity: PerChannel<Int> = AgentProfile.standardCapacity, at time: Seconds = 0, available: Bool = true
    ) {
        let id = AgentID(number)
        try! run(.addAgent(AgentProfile(id: id, department: department, skills: skills, capacity: capacity)), at: time)
        if available { try! run(.setPresence(id, .available), at: time) }
    }

    @discardableResult
    mutating func arrive(
        _ number: UInt64, _ channel: Channel = .phone, _ topic: TopicID = Center.invoice,
        segment: Segment = .regular, priority: Int = 0, at time: Seconds
    ) -> [Event] {
        try! run(.arrive(ContactArrival(id: ContactID(number), channel: channel, topic: topic, segment: segment, priority: priority)), at: time)
    }

    func state(_ contact: UInt64) -> ContactState? { engine.state(of: ContactID(contact)) }
    func agentState(_ agent: UInt64) -> AgentState? { engine.agent(AgentID(agent))?.state }
}

/// The offers in a list of events, as (contact, agent) numbers.
func offers(in events: [Event]) -> [(contact: UInt64, agent: UInt64)] {
    events.compactMap { event in
        if case let .offered(contact, agent, _, _) = event { return (contact.rawValue, agent.rawValue) }
        return nil
    }
}

func offer(in events: [Event]) -> (contact: UInt64, agent: UInt64, explanation: OfferExplanation)? {
    for event in events {
        if case let .offered(contact, agent, explanation, _) = event { return (contact.rawValue, agent.rawValue, explanation) }
    }
    return nil
}

/// A small seeded generator for tests.
typealias SeededGenerator = SplitMix64
