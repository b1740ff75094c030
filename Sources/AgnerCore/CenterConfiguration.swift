/// How free agents are chosen when several are eligible for a contact.
public enum SelectionPolicy: String, CaseIterable, Sendable, Codable, Equatable {
    /// The agent who has waited longest since last becoming free.
    case longestIdle
    /// The agent with the highest proficiency in the topic's skills, then the longest idle.
    case mostSkilled
    /// The agent with the fewest contacts in progress on the channel, then the longest idle.
    case leastOccupied
}

/// What happens to an agent who rejects an offer or lets it time out.
public enum MissedOfferRule: String, Sendable, Codable, Equatable {
    /// The agent must be made available again by a state command.
    case notResponding
    /// The agent is available again at once.
    case available
}

/// Everything the engine needs to know about the center that does not change while it runs.
/// Agents are not here: they come and go through commands.
public struct CenterConfiguration: Sendable, Equatable {
    public var departments: [String]
    public var skills: [String]
    public var topics: [Topic]
    public var channels: PerChannel<ChannelSettings>
    public var ladder: EscalationLadder
    public var policy: SelectionPolicy
    /// How long an offer may stay unanswered; `nil` for no limit (the simulator accepts at once).
    public var offerTimeout: Seconds?
    public var missedOffer: MissedOfferRule
    /// Offers connect in the same decision, as if answered at once (the simulator without
    /// ring time). Events still say `offered`, then `connected`.
    public var acceptsOffersAtOnce = false
    /// A breach warning is emitted at this fraction of the answer target.
    public var breachWarningAt: Double
    /// Seconds taken off a contact's deadline for its segment when ranking urgency.
    public var segmentHeadStart: PerSegment<Seconds>
    /// Seconds taken off a contact's deadline per priority level (0–9).
    public var priorityHeadStart: Seconds

    public init(
        departments: [String],
        skills: [String],
        topics: [Topic],
        channels: PerChannel<ChannelSettings> = PerChannel(
            phone: .standard(for: .phone), chat: .standard(for: .chat),
            email: .standard(for: .email), clickToCall: .standard(for: .clickToCall)),
        ladder: EscalationLadder = .standard,
        policy: SelectionPolicy = .longestIdle,
        offerTimeout: Seconds? = 15,
        missedOffer: MissedOfferRule = .notResponding,
        breachWarningAt: Double = 0.8,
        segmentHeadStart: PerSegment<Seconds> = PerSegment(wholesale: 20, regular: 0, new: 0),
        priorityHeadStart: Seconds = 10
    ) throws(ConfigurationError) {
        self.departments = departments
        self.skills = skills
        self.topics = topics
        self.channels = channels
        self.ladder = ladder
        self.policy = policy
        self.offerTimeout = offerTimeout
        self.missedOffer = missedOffer
        self.breachWarningAt = breachWarningAt
        self.segmentHeadStart = segmentHeadStart
        self.priorityHeadStart = priorityHeadStart
        try validate()
    }

    private func validate() throws(ConfigurationError) {
        try Self.checkUnique(departments, kind: "department")
        try Self.checkUnique(skills, kind: "skill")
        try Self.checkUnique(topics.map(\.name), kind: "topic")
        for topic in topics {
            for skill in topic.requiredSkills where !skills.indices.contains(skill.index) {
                throw .unknownSkill(topic: topic.name, skill: skill.index)
            }
            guard departments.indices.contains(topic.owningDepartment.index) else {
                throw .unknownDepartment(topic: topic.name, department: topic.owningDepartment.index)
            }
        }
        try Self.checkCount(departments.count, DomainLimits.departments, kind: "departments")
        try Self.checkCount(skills.count, DomainLimits.skills, kind: "skills")
        try Self.checkCount(topics.count, DomainLimits.topics, kind: "topics")
        for topic in topics {
            for channel in Channel.allCases {
                if let target = topic.answerTargets[channel], !DomainLimits.answerTarget.contains(target) {
                    throw .invalidSetting("topic \(topic.name), channel \(channel): the answer target \(target) s is outside \(DomainLimits.answerTarget.lowerBound)–\(DomainLimits.answerTarget.upperBound) s")
                }
            }
        }
        for channel in Channel.allCases {
            let settings = channels[channel]
            guard DomainLimits.answerTarget.contains(settings.answerTarget) else {
                throw .invalidSetting("channel \(channel): the answer target \(settings.answerTarget) s is outside \(DomainLimits.answerTarget.lowerBound)–\(DomainLimits.answerTarget.upperBound) s")
            }
            guard (0...1).contains(settings.serviceLevelGoal) else {
                throw .invalidSetting("channel \(channel): the service-level goal must be between 0 and 1")
            }
            guard DomainLimits.wrapUp.contains(settings.wrapUp) else {
                throw .invalidSetting("channel \(channel): wrap-up \(settings.wrapUp) s is outside 0–\(DomainLimits.wrapUp.upperBound) s")
            }
            guard DomainLimits.routingTier.contains(settings.routingTier) else {
                throw .invalidSetting("channel \(channel): the routing tier (priority) \(settings.routingTier) is outside \(DomainLimits.routingTier.lowerBound)–\(DomainLimits.routingTier.upperBound)")
            }
            if settings.higherTierReserve > 0 && !Channel.allCases.contains(where: { channels[$0].routingTier > settings.routingTier }) {
                throw .invalidSetting("channel \(channel): a reserve keeps agents free for higher tiers, and no channel's tier (priority) is above \(channel)'s")
            }
            guard DomainLimits.higherTierReserve.contains(settings.higherTierReserve) else {
                throw .invalidSetting("channel \(channel): the reserve for higher tiers \(settings.higherTierReserve) is outside \(DomainLimits.higherTierReserve.lowerBound)–\(DomainLimits.higherTierReserve.upperBound)")
            }
        }
        if let offerTimeout, !DomainLimits.offerTimeout.contains(offerTimeout) {
            throw .invalidSetting("the offer timeout \(offerTimeout) s is outside \(DomainLimits.offerTimeout.lowerBound)–\(DomainLimits.offerTimeout.upperBound) s")
        }
        for headStart in [segmentHeadStart.wholesale, segmentHeadStart.regular, segmentHeadStart.new, priorityHeadStart]
        where !DomainLimits.headStart.contains(headStart) {
            throw .invalidSetting("a head start of \(headStart) s is outside 0–\(DomainLimits.headStart.upperBound) s")
        }
        guard breachWarningAt > 0 && breachWarningAt < 1 else {
            throw .invalidSetting("the breach warning must come between 0 and 1 × the answer target")
        }
    }

    private static func checkCount(_ count: Int, _ range: ClosedRange<Int>, kind: String) throws(ConfigurationError) {
        guard range.contains(count) else {
            throw .invalidSetting("\(count) \(kind) is outside \(range.lowerBound)–\(range.upperBound)")
        }
    }

    private static func checkUnique(_ names: [String], kind: String) throws(ConfigurationError) {
        var seen = Set<String>()
        for name in names where !seen.insert(name).inserted {
            throw .duplicateName(kind: kind, name: name)
        }
    }

    /// The channels from the highest routing tier down (ties in channel order). Open channels in
    /// this order at one moment, so that the contacts of a higher tier that waited for the
    /// opening are offered before those of a lower one.
    public var channelsByTier: [Channel] {
        Channel.allCases.sorted {
            let (a, b) = (channels[$0].routingTier, channels[$1].routingTier)
            return a != b ? a > b : $0.rawValue < $1.rawValue
        }
    }

    /// The answer target of a topic on a channel.
    public func answerTarget(topic: TopicID, channel: Channel) -> Seconds {
        topics[topic.index].answerTargets[channel] ?? channels[channel].answerTarget
    }

    public func ladder(for topic: TopicID) -> EscalationLadder {
        topics[topic.index].ladder ?? ladder
    }

    public func department(named name: String) -> DepartmentID? {
        departments.firstIndex(of: name).map(DepartmentID.init)
    }

    public func skill(named name: String) -> SkillID? {
        skills.firstIndex(of: name).map(SkillID.init)
    }

    public func topic(named name: String) -> TopicID? {
        topics.firstIndex { $0.name == name }.map(TopicID.init)
    }
}

/// A value for each segment, stored inline.
public struct PerSegment<Value> {
    public var wholesale: Value
    public var regular: Value
    public var new: Value

    public init(wholesale: Value, regular: Value, new: Value) {
        self.wholesale = wholesale
        self.regular = regular
        self.new = new
    }

    public init(repeating value: Value) {
        self.init(wholesale: value, regular: value, new: value)
    }

    public subscript(segment: Segment) -> Value {
        get {
            switch segment {
            case .wholesale: wholesale
            case .regular: regular
            case .new: new
            }
        }
        set {
            switch segment {
            case .wholesale: wholesale = newValue
            case .regular: regular = newValue
            case .new: new = newValue
            }
        }
    }
}

extension PerSegment: Sendable where Value: Sendable {}
extension PerSegment: Equatable where Value: Equatable {}
