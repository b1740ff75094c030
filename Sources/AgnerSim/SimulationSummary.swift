import AgnerCore

/// A simulation's results in numbers a supervisor reads: means over replications with 95 %
/// intervals, in total and by channel, topic, department and segment; per interval; per agent.
public struct SimulationSummary: Sendable, Codable {
    public struct Group: Sendable, Codable {
        public var name: String
        /// Service-level goal and answer target, where the group has one (channels).
        public var goal: Double?
        public var targetSeconds: Double?
        public var offered: Estimate
        public var answered: Estimate
        public var abandoned: Estimate
        public var serviceLevel: Estimate
        public var probabilityOfWaiting: Estimate
        public var averageSpeedOfAnswer: Estimate
        public var longestWait: Estimate
        public var averageHandleTime: Estimate
        public var abandonRate: Estimate
        public var breaches: [String: Estimate]
        public var callbacks: Estimate
        public var unserved: Estimate
        public var deflected: Estimate
        public var qaSampled: Estimate
        /// Occupancy: for the whole center, and for a department by its agents.
        public var occupancy: Estimate?

        /// True when the goal is met by the mean.
        public var meetsGoal: Bool? { goal.map { serviceLevel.mean >= $0 } }
    }

    public struct IntervalRow: Sendable, Codable {
        public var day: Int
        public var start: String
        public var channel: String
        public var offered: Double
        public var answered: Double
        public var abandoned: Double
        public var serviceLevel: Double
        public var averageSpeedOfAnswer: Double
        public var occupancy: Double
    }

    public struct AgentRow: Sendable, Codable {
        public var agent: Int
        public var group: String
        public var answered: Double
        public var averageHandleTime: Double
        public var occupancy: Double
        public var qaSampled: Double
    }

    public struct CostSummary: Sendable, Codable {
        public var currency: String
        public var agents: Estimate
        public var notices: Estimate
        public var total: Estimate
        public var perAnswered: Estimate
    }

    public var scenario: String
    public var variant: String?
    public var scenarioHash: String
    public var seed: UInt64
    public var replications: Int
    public var days: Int
    public var warmupSeconds: Double
    public var serviceLevelDefinition: String
    public var serviceLevelLabel: String
    public var total: Group
    public var channels: [Group]
    public var topics: [Group]
    public var departments: [Group]
    public var segments: [Group]
    public var intervals: [IntervalRow]
    public var agents: [AgentRow]
    public var costs: CostSummary
    /// Agent-hours logged in and not on a break (after the warm-up).
    public var staffedAgentHours: Estimate
    public var contactsSimulated: Int
    /// How long the run took and on how many threads: kept for the results database, but not
    /// part of the encoded summary, which must be the same on every run.
    public var wallSeconds: Double
    public var threads: Int

    enum CodingKeys: String, CodingKey {
        case scenario, variant, scenarioHash, seed, replications, days, warmupSeconds, serviceLevelDefinition,
             serviceLevelLabel, total, channels, topics, departments, segments, intervals, agents, costs,
             staffedAgentHours, contactsSimulated
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        scenario = try c.decode(String.self, forKey: .scenario)
        variant = try c.decodeIfPresent(String.self, forKey: .variant)
        scenarioHash = try c.decode(String.self, forKey: .scenarioHash)
        seed = try c.decode(UInt64.self, forKey: .seed)
        replications = try c.decode(Int.self, forKey: .replications)
        days = try c.decode(Int.self, forKey: .days)
        warmupSeconds = try c.decode(Double.self, forKey: .warmupSeconds)
        serviceLevelDefinition = try c.decode(String.self, forKey: .serviceLevelDefinition)
        serviceLevelLabel = try c.decode(String.self, forKey: .serviceLevelLabel)
        total = try c.decode(Group.self, forKey: .total)
        channels = try c.decode([Group].self, forKey: .channels)
        topics = try c.decode([Group].self, forKey: .topics)
        departments = try c.decode([Group].self, forKey: .departments)
        segments = try c.decode([Group].self, forKey: .segments)
        intervals = try c.decode([IntervalRow].self, forKey: .intervals)
        agents = try c.decode([AgentRow].self, forKey: .agents)
        costs = try c.decode(CostSummary.self, forKey: .costs)
        staffedAgentHours = try c.decode(Estimate.self, forKey: .staffedAgentHours)
        contactsSimulated = try c.decode(Int.self, forKey: .contactsSimulated)
        wallSeconds = 0
        threads = 0
    }

    public init(_ outcome: SimulationOutcome) {
        let scenario = outcome.scenario
        let runs = outcome.replications
        let definition = scenario.run.serviceLevel
        func estimate(_ value: (ReplicationResult) -> Double) -> Estimate { Estimate(runs.map(value)) }
        func group(_ name: String, goal: Double? = nil, target: Double? = nil, occupancy: Bool = false,
                   _ pick: @escaping (ReplicationResult) -> Tally) -> Group {
            func e(_ value: @escaping (Tally) -> Double) -> Estimate { estimate { value(pick($0)) } }
            var breaches: [String: Estimate] = [:]
            for (index, cause) in BreachCause.allCases.enumerated() { breaches[cause.rawValue] = e { Double($0.breaches[index]) } }
            return Group(
                name: name, goal: goal, targetSeconds: target,
                offered: e { Double($0.offered) }, answered: e { Double($0.answered) }, abandoned: e { Double($0.abandoned) },
                serviceLevel: e { $0.serviceLevel(definition) }, probabilityOfWaiting: e(\.probabilityOfWaiting),
                averageSpeedOfAnswer: e(\.averageSpeedOfAnswer), longestWait: e(\.longestWait),
                averageHandleTime: e(\.averageHandleTime), abandonRate: e(\.abandonRate), breaches: breaches,
                callbacks: e { Double($0.callbacks) }, unserved: e { Double($0.unserved) }, deflected: e { Double($0.deflected) },
                qaSampled: e { Double($0.qaSampled) },
                occupancy: occupancy ? estimate { $0.workload.occupancy } : nil)
        }
        self.scenario = scenario.name
        variant = scenario.variant
        scenarioHash = scenario.sourceHash
        seed = scenario.run.seed
        replications = runs.count
        days = scenario.run.days
        warmupSeconds = scenario.run.warmup
        serviceLevelDefinition = definition.rawValue
        serviceLevelLabel = definition.label
        total = group("total", occupancy: true) { $0.total }
        let used = Channel.allCases.filter { channel in scenario.demand.contains { $0.channel == channel } }
        channels = used.map { channel in
            group(channel.name, goal: scenario.center.channels[channel].serviceLevelGoal,
                  target: scenario.center.channels[channel].answerTarget) { $0.channels[channel.rawValue] }
        }
        topics = scenario.center.topics.indices.map { index in group(scenario.center.topics[index].name) { $0.topics[index] } }
        departments = scenario.center.departments.indices.map { index in group(scenario.center.departments[index]) { $0.departments[index] } }
        // Occupancy by the agents' department (the topics' owner decides the rest of the row).
        var departmentOfAgent: [Int] = []
        for group in scenario.agentGroups { departmentOfAgent += Array(repeating: group.department.index, count: group.count) }
        for index in departments.indices {
            departments[index].occupancy = estimate { run in
                var workload = Workload()
                for (agent, department) in departmentOfAgent.enumerated() where department == index { workload.add(run.agents[agent].workload) }
                return workload.occupancy
            }
        }
        segments = Segment.allCases.map { segment in group(segment.name) { $0.segments[segment.rawValue] } }
            .filter { $0.offered.mean > 0 || $0.deflected.mean > 0 }

        // Per interval: means over replications, intervals with no traffic and no staff left out.
        var rows: [IntervalRow] = []
        let perDay = scenario.run.intervalsPerDay
        let intervalCount = runs.first?.intervalWorkload.count ?? 0
        let n = Double(max(1, runs.count))
        for interval in 0..<intervalCount {
            let staffed = runs.reduce(0.0) { $0 + $1.intervalWorkload[interval].staffed }
            let busy = runs.reduce(0.0) { $0 + $1.intervalWorkload[interval].busy }
            for channel in used {
                var sum = Tally()
                for run in runs { sum.add(run.intervals[interval * 4 + channel.rawValue]) }
                guard sum.offered > 0 || staffed > 0 else { continue }
                let seconds = Int(Double(interval % perDay) * scenario.run.interval)
                rows.append(IntervalRow(
                    day: interval / perDay, start: String(format2: seconds / 3600) + ":" + String(format2: (seconds % 3600) / 60),
                    channel: channel.name, offered: Double(sum.offered) / n, answered: Double(sum.answered) / n,
                    abandoned: Double(sum.abandoned) / n, serviceLevel: sum.serviceLevel(definition),
                    averageSpeedOfAnswer: sum.averageSpeedOfAnswer, occupancy: staffed > 0 ? busy / staffed : .nan))
            }
        }
        intervals = rows

        var agentRows: [AgentRow] = []
        var number = 0
        for group in scenario.agentGroups {
            for _ in 0..<group.count {
                let index = number
                var answered = 0.0, handle = 0.0, qa = 0.0
                var workload = Workload()
                for run in runs {
                    answered += Double(run.agents[index].answered)
                    handle += run.agents[index].handleSum
                    qa += Double(run.agents[index].qaSampled)
                    workload.add(run.agents[index].workload)
                }
                agentRows.append(AgentRow(agent: index, group: group.name, answered: answered / n,
                                          averageHandleTime: answered > 0 ? handle / answered : .nan,
                                          occupancy: workload.occupancy, qaSampled: qa / n))
                number += 1
            }
        }
        agents = agentRows
        costs = CostSummary(
            currency: scenario.costs.currency, agents: estimate(\.agentCost), notices: estimate(\.noticeCost),
            total: estimate(\.totalCost),
            perAnswered: estimate { $0.total.answered > 0 ? $0.totalCost / Double($0.total.answered) : .nan })
        staffedAgentHours = estimate { $0.workload.staffed / 3600 }
        contactsSimulated = outcome.contactsSimulated
        wallSeconds = outcome.wallSeconds
        threads = outcome.threads
    }
}

extension String {
    init(format2 value: Int) { self = value < 10 ? "0\(value)" : "\(value)" }
}
