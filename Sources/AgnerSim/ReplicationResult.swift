import AgnerCore

/// What one replication measured: additive counters only, so that results can be stored,
/// merged across shards and summed in replication order to give the same bytes.
public struct ReplicationResult: Sendable, Equatable, Codable {
    /// The replication's number (0-based); its random streams depend on it.
    public var index: Int
    public var total = Tally()
    public var channels: [Tally] = Array(repeating: Tally(), count: Channel.allCases.count)
    public var topics: [Tally]
    /// By the department that owns the topic.
    public var departments: [Tally]
    public var segments: [Tally] = Array(repeating: Tally(), count: Segment.allCases.count)
    /// By interval of the run and channel: `intervals[interval * 4 + channel]`, attributed to the
    /// interval in which the contact arrived.
    public var intervals: [Tally]
    /// Staffed, occupied and slot time per interval of the run.
    public var intervalWorkload: [Workload]
    public var workload = Workload()
    public var agents: [AgentTally]
    /// Answered contacts by topic and by the department of the agent who answered:
    /// `answeredByDepartment[topic * departments + department]`.
    public var answeredByDepartment: [Int]
    /// Answered contacts by topic and by the escalation step at which they were offered:
    /// `answeredAtStep[topic * ladderSteps + step]`.
    public var answeredAtStep: [Int]
    /// Answered contacts by channel and by how long they waited, in `WaitBands`:
    /// `answeredByWait[channel * WaitBands.count + band]`. Empty for results stored before it
    /// was recorded (byte format 1).
    public var answeredByWait: [Int] = []
    /// The most steps of any topic's ladder (the stride of `answeredAtStep`).
    public var ladderSteps: Int
    /// Contacts simulated (including the warm-up), for speed figures.
    public var contactsSimulated = 0
    /// Agent cost of the schedule, with the extended-hours premium.
    public var agentCost: Double = 0
    public var noticeCost: Double = 0

    init(index: Int, topics: Int, departments: Int, intervals: Int, agents: Int, ladderSteps: Int) {
        self.index = index
        self.topics = Array(repeating: Tally(), count: topics)
        self.departments = Array(repeating: Tally(), count: departments)
        self.intervals = Array(repeating: Tally(), count: intervals * Channel.allCases.count)
        self.intervalWorkload = Array(repeating: Workload(), count: intervals)
        self.agents = Array(repeating: AgentTally(), count: agents)
        self.answeredByDepartment = Array(repeating: 0, count: topics * departments)
        self.answeredAtStep = Array(repeating: 0, count: topics * ladderSteps)
        self.ladderSteps = ladderSteps
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

    /// An answered contact: its handle time, the slot-seconds it holds, whether it is sampled.
    @inline(__always)
    mutating func recordAnswered(handle: Seconds, held: Seconds, channel: Channel, sampled: Bool) {
        answered += 1
        handleSum += handle
        if held > 0 { workload.slotsUsed[channel] += held }
        if sampled { qaSampled += 1 }
    }
}
