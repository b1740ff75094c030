import AgnerCore

/// What one replication measured.
public struct ReplicationResult: Sendable {
    public var total = Tally()
    public var channels: [Tally] = Array(repeating: Tally(), count: Channel.allCases.count)
    public var topics: [Tally]
    /// By the department that owns the topic.
    public var departments: [Tally]
    public var segments: [Tally] = Array(repeating: Tally(), count: Segment.allCases.count)
    /// By interval of the run and channel: `intervals[interval * 4 + channel]`, attributed to the
    /// interval in which the contact arrived.
    public var intervals: [Tally]
    /// Staffed and busy time per interval of the run.
    public var intervalWorkload: [Workload]
    public var workload = Workload()
    public var agents: [AgentTally]
    /// Contacts simulated (including the warm-up), for speed figures.
    public var contactsSimulated = 0
    /// Agent cost of the schedule, with the extended-hours premium.
    public var agentCost: Double = 0
    public var noticeCost: Double = 0

    init(topics: Int, departments: Int, intervals: Int, agents: Int) {
        self.topics = Array(repeating: Tally(), count: topics)
        self.departments = Array(repeating: Tally(), count: departments)
        self.intervals = Array(repeating: Tally(), count: intervals * Channel.allCases.count)
        self.intervalWorkload = Array(repeating: Workload(), count: intervals)
        self.agents = Array(repeating: AgentTally(), count: agents)
    }

    public var totalCost: Double { agentCost + noticeCost }
}

public struct AgentTally: Sendable, Equatable, Codable {
    public var answered = 0
    public var handleSum: Double = 0
    public var workload = Workload()
    /// Contacts drawn for quality review.
    public var qaSampled = 0

    public init() {}
}
