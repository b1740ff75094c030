import AgnerCore

/// A simulation's results in numbers a supervisor reads: means over replications with 95 %
/// intervals, in total and by channel, topic, department and segment; per interval, per day
/// and per agent. Every figure is defined in docs/simulation.md.
///
/// Encoded as JSON with snake_case keys; an undefined value (a ratio with no contacts, a
/// figure that has no meaning for the group) is `null`, never left out and never "nan".
public struct SimulationSummary: Sendable, Encodable {
    /// The figures of a group of contacts. offered = answered + abandoned + open_at_end;
    /// unserved and deflected are beside it (they never reached an agent's queue).
    public struct Group: Sendable, Encodable {
        public var name: String
        /// Service-level goal (share) and answer target (seconds), for channels.
        public var goal: Double?
        public var targetSeconds: Double?
        public var offered: Estimate
        public var answered: Estimate
        public var abandoned: Estimate
        public var openAtEnd: Estimate
        public var unserved: Estimate
        public var deflected: Estimate
        public var callbacks: Estimate
        public var qaSampled: Estimate
        /// Ratios and waits: nil for the center's total, where they would mix channels.
        public var serviceLevel: Estimate?
        public var probabilityOfWaiting: Estimate?
        public var averageSpeedOfAnswer: Estimate?
        public var longestWait: Estimate?
        public var abandonRate: Estimate?
        public var averageHandleTime: Estimate
        /// Breaches by cause, snake case (`all_eligible_busy`).
        public var breaches: [String: Estimate]
        /// Channels: used ÷ offered concurrent slots.
        public var slotUtilisation: Estimate?
        /// Channels: the share of intervals with contacts whose service level (pooled over
        /// replications) meets the goal, and how many intervals had contacts. An interval counts
        /// only where its service level is defined: under `answered`, one in which no contact
        /// was answered has none, nor under `shortAbandonsExcluded` one of short abandons only.
        public var intervalsMeetingGoal: Double?
        public var intervalsWithContacts: Int?
        /// Channels: the interval with the lowest service level.
        public var worstInterval: IntervalMark?
        /// Topics: the owning department.
        public var owner: String?
        /// Topics: share of answered contacts handled outside the owning department.
        public var leakage: Estimate?
        /// Topics: share of answered contacts offered at each escalation step (0 first).
        public var answeredAtStep: [Estimate]?

        /// True when the goal is met by the mean.
        public var meetsGoal: Bool? {
            guard let goal, let serviceLevel, serviceLevel.mean.isFinite else { return nil }
            return serviceLevel.mean >= goal
        }

        enum CodingKeys: String, CodingKey {
            case name, goal, targetSeconds = "target_seconds", offered, answered, abandoned, openAtEnd = "open_at_end", unserved,
                 deflected, callbacks, qaSampled = "qa_sampled", serviceLevel = "service_level",
                 probabilityOfWaiting = "probability_of_waiting", averageSpeedOfAnswer = "average_speed_of_answer",
                 longestWait = "longest_wait", abandonRate = "abandon_rate", averageHandleTime = "average_handle_time", breaches,
                 slotUtilisation = "slot_utilisation", intervalsMeetingGoal = "intervals_meeting_goal",
                 intervalsWithContacts = "intervals_with_contacts", worstInterval = "worst_interval", owner, leakage,
                 answeredAtStep = "answered_at_step"
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(goal, forKey: .goal)
            try c.encode(targetSeconds, forKey: .targetSeconds)
            try c.encode(offered, forKey: .offered)
            try c.encode(answered, forKey: .answered)
            try c.encode(abandoned, forKey: .abandoned)
            try c.encode(openAtEnd, forKey: .openAtEnd)
            try c.encode(unserved, forKey: .unserved)
            try c.encode(deflected, forKey: .deflected)
            try c.encode(callbacks, forKey: .callbacks)
            try c.encode(qaSampled, forKey: .qaSampled)
            try c.encode(serviceLevel, forKey: .serviceLevel)
            try c.encode(probabilityOfWaiting, forKey: .probabilityOfWaiting)
            try c.encode(averageSpeedOfAnswer, forKey: .averageSpeedOfAnswer)
            try c.encode(longestWait, forKey: .longestWait)
            try c.encode(abandonRate, forKey: .abandonRate)
            try c.encode(averageHandleTime, forKey: .averageHandleTime)
            try c.encode(breaches, forKey: .breaches)
            try c.encode(slotUtilisation, forKey: .slotUtilisation)
            try c.encode(intervalsMeetingGoal, forKey: .intervalsMeetingGoal)
            try c.encode(intervalsWithContacts, forKey: .intervalsWithContacts)
            try c.encode(worstInterval, forKey: .worstInterval)
            try c.encode(owner, forKey: .owner)
            try c.encode(leakage, forKey: .leakage)
            try c.encode(answeredAtStep, forKey: .answeredAtStep)
        }
    }

    /// An interval of the run, named by day and time.
    public struct IntervalMark: Sendable, Encodable, Equatable {
        public var day: Int
        public var start: String
        public var serviceLevel: Double
        /// Mean offered contacts in the interval.
        public var offered: Double

        enum CodingKeys: String, CodingKey { case day, start, serviceLevel = "service_level", offered }
    }

    /// One channel in one interval or day: means over replications, and ratios pooled over
    /// replications (null when there was nothing to divide).
    public struct ChannelRow: Sendable, Encodable {
        public var channel: String
        public var offered: Double
        public var answered: Double
        public var abandoned: Double
        public var openAtEnd: Double
        public var unserved: Double
        public var deflected: Double
        public var serviceLevel: Double?
        public var averageSpeedOfAnswer: Double?
        /// Used ÷ offered concurrent slots of the channel.
        public var slotUtilisation: Double?

        enum CodingKeys: String, CodingKey {
            case channel, offered, answered, abandoned, openAtEnd = "open_at_end", unserved, deflected, serviceLevel = "service_level",
                 averageSpeedOfAnswer = "average_speed_of_answer", slotUtilisation = "slot_utilisation"
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(channel, forKey: .channel)
            try c.encode(offered, forKey: .offered)
            try c.encode(answered, forKey: .answered)
            try c.encode(abandoned, forKey: .abandoned)
            try c.encode(openAtEnd, forKey: .openAtEnd)
            try c.encode(unserved, forKey: .unserved)
            try c.encode(deflected, forKey: .deflected)
            try c.encode(serviceLevel, forKey: .serviceLevel)
            try c.encode(averageSpeedOfAnswer, forKey: .averageSpeedOfAnswer)
            try c.encode(slotUtilisation, forKey: .slotUtilisation)
        }
    }

    /// One interval: the center's staffing once, then each channel.
    public struct IntervalRow: Sendable, Encodable {
        public var day: Int
        public var start: String
        /// Mean agents staffed (logged in, not on a break) over the interval.
        public var staffedAgents: Double
        public var occupancy: Double?
        public var channels: [ChannelRow]

        enum CodingKeys: String, CodingKey { case day, start, staffedAgents = "staffed_agents", occupancy, channels }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(day, forKey: .day)
            try c.encode(start, forKey: .start)
            try c.encode(staffedAgents, forKey: .staffedAgents)
            try c.encode(occupancy, forKey: .occupancy)
            try c.encode(channels, forKey: .channels)
        }
    }

    /// One day of the run.
    public struct DayRow: Sendable, Encodable {
        public var day: Int
        public var weekday: String
        public var staffedAgentHours: Double
        public var occupancy: Double?
        public var channels: [ChannelRow]

        enum CodingKeys: String, CodingKey { case day, weekday, staffedAgentHours = "staffed_agent_hours", occupancy, channels }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(day, forKey: .day)
            try c.encode(weekday, forKey: .weekday)
            try c.encode(staffedAgentHours, forKey: .staffedAgentHours)
            try c.encode(occupancy, forKey: .occupancy)
            try c.encode(channels, forKey: .channels)
        }
    }

    /// A department as its agents see it: the contacts they handled, whoever owns the topic.
    public struct DepartmentWork: Sendable, Encodable {
        public var name: String
        public var agents: Int
        public var answered: Estimate
        /// Answered contacts of topics the department owns.
        public var answeredOwnTopics: Estimate
        /// Answered contacts of other departments' topics (help given).
        public var answeredOtherTopics: Estimate
        public var averageHandleTime: Estimate
        public var occupancy: Estimate
        public var staffedAgentHours: Estimate

        enum CodingKeys: String, CodingKey {
            case name, agents, answered, answeredOwnTopics = "answered_own_topics", answeredOtherTopics = "answered_other_topics",
                 averageHandleTime = "average_handle_time", occupancy, staffedAgentHours = "staffed_agent_hours"
        }
    }

    public struct AgentRow: Sendable, Encodable {
        /// The agent's name, as the live router knows it (`billing-1`).
        public var agent: String
        public var group: String
        public var answered: Double
        public var averageHandleTime: Double?
        public var occupancy: Double?
        /// Used ÷ offered concurrent slots over all the agent's channels.
        public var slotUtilisation: Double?
        public var qaSampled: Double

        enum CodingKeys: String, CodingKey {
            case agent, group, answered, averageHandleTime = "average_handle_time", occupancy, slotUtilisation = "slot_utilisation",
                 qaSampled = "qa_sampled"
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(agent, forKey: .agent)
            try c.encode(group, forKey: .group)
            try c.encode(answered, forKey: .answered)
            try c.encode(averageHandleTime, forKey: .averageHandleTime)
            try c.encode(occupancy, forKey: .occupancy)
            try c.encode(slotUtilisation, forKey: .slotUtilisation)
            try c.encode(qaSampled, forKey: .qaSampled)
        }
    }

    public struct CostSummary: Sendable, Encodable {
        /// nil (null in JSON) when the scenario names none.
        public var currency: String?
        public var agents: Estimate
        public var notices: Estimate
        public var total: Estimate
        public var perAnswered: Estimate
        /// Total cost ÷ (answered + deflected by notices).
        public var perCustomerServed: Estimate

        enum CodingKeys: String, CodingKey {
            case currency, agents, notices, total, perAnswered = "per_answered", perCustomerServed = "per_customer_served"
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(currency, forKey: .currency)  // null when none, as every undefined value
            try c.encode(agents, forKey: .agents)
            try c.encode(notices, forKey: .notices)
            try c.encode(total, forKey: .total)
            try c.encode(perAnswered, forKey: .perAnswered)
            try c.encode(perCustomerServed, forKey: .perCustomerServed)
        }
    }

    public var scenario: String
    public var variant: String?
    public var scenarioHash: String
    public var seed: UInt64
    /// Replications summarised (a shard's share, or all).
    public var replications: Int
    /// The shard, `i/N`, when these are one shard's replications; nil for a whole run.
    public var shard: String?
    public var days: Int
    public var warmupSeconds: Double
    public var intervalSeconds: Double
    public var serviceLevelDefinition: String
    public var serviceLevelLabel: String
    /// Counts over every channel (ratios and waits are null here: see `realTime`).
    public var total: Group
    /// The real-time channels together (phone, chat, click-to-call), nil without any.
    public var realTime: Group?
    public var channels: [Group]
    public var topics: [Group]
    /// By the department that owns the topic.
    public var departments: [Group]
    /// By the department of the agents who handled the contacts.
    public var departmentAgents: [DepartmentWork]
    public var segments: [Group]
    /// Share of answered contacts handled outside the topic's owning department.
    public var leakage: Estimate
    /// Time handling or wrapping up at least one contact ÷ time staffed, over all agents.
    public var occupancy: Estimate
    /// Agent-hours logged in and not on a break (after the warm-up).
    public var staffedAgentHours: Estimate
    public var intervals: [IntervalRow]
    public var daily: [DayRow]
    public var agents: [AgentRow]
    public var costs: CostSummary
    public var contactsSimulated: Int
    /// How long the run took and on how many threads: kept for the results database, but not
    /// part of the encoded summary, which must be the same on every run.
    public var wallSeconds: Double
    public var threads: Int

    enum CodingKeys: String, CodingKey {
        case scenario, variant, scenarioHash = "scenario_hash", seed, replications, shard, days, warmupSeconds = "warmup_seconds",
             intervalSeconds = "interval_seconds", serviceLevelDefinition = "service_level_definition",
             serviceLevelLabel = "service_level_label", total, realTime = "real_time", channels, topics, departments,
             departmentAgents = "department_agents", segments, leakage, occupancy, staffedAgentHours = "staffed_agent_hours",
             intervals, daily, agents, costs, contactsSimulated = "contacts_simulated"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(scenario, forKey: .scenario)
        try c.encode(variant, forKey: .variant)
        try c.encode(scenarioHash, forKey: .scenarioHash)
        try c.encode(seed, forKey: .seed)
        try c.encode(replications, forKey: .replications)
        try c.encode(shard, forKey: .shard)
        try c.encode(days, forKey: .days)
        try c.encode(warmupSeconds, forKey: .warmupSeconds)
        try c.encode(intervalSeconds, forKey: .intervalSeconds)
        try c.encode(serviceLevelDefinition, forKey: .serviceLevelDefinition)
        try c.encode(serviceLevelLabel, forKey: .serviceLevelLabel)
        try c.encode(total, forKey: .total)
        try c.encode(realTime, forKey: .realTime)
        try c.encode(channels, forKey: .channels)
        try c.encode(topics, forKey: .topics)
        try c.encode(departments, forKey: .departments)
        try c.encode(departmentAgents, forKey: .departmentAgents)
        try c.encode(segments, forKey: .segments)
        try c.encode(leakage, forKey: .leakage)
        try c.encode(occupancy, forKey: .occupancy)
        try c.encode(staffedAgentHours, forKey: .staffedAgentHours)
        try c.encode(intervals, forKey: .intervals)
        try c.encode(daily, forKey: .daily)
        try c.encode(agents, forKey: .agents)
        try c.encode(costs, forKey: .costs)
        try c.encode(contactsSimulated, forKey: .contactsSimulated)
    }

    public init(_ outcome: SimulationOutcome) {
        let scenario = outcome.scenario
        let runs = outcome.replications
        let definition = scenario.run.serviceLevel
        let figures = outcome.figures()
        func estimate(_ key: FigureKey) -> Estimate {
            Estimate(figures[key] ?? [], range: SimulationOutcome.range(ofMetric: key.metric))
        }
        func group(_ source: ReportedGroup) -> Group {
            func e(_ figure: GroupFigure) -> Estimate { estimate(FigureKey(source.scope, source.name, figure.rawValue)) }
            func ratio(_ figure: GroupFigure) -> Estimate? { source.scope == .total ? nil : e(figure) }
            var breaches: [String: Estimate] = [:]
            for cause in BreachCause.allCases {
                breaches[cause.snakeCaseName] = estimate(FigureKey(source.scope, source.name, "breaches." + cause.snakeCaseName))
            }
            return Group(name: source.name, goal: nil, targetSeconds: nil, offered: e(.offered), answered: e(.answered),
                         abandoned: e(.abandoned), openAtEnd: e(.openAtEnd), unserved: e(.unserved), deflected: e(.deflected),
                         callbacks: e(.callbacks), qaSampled: e(.qaSampled), serviceLevel: ratio(.serviceLevel),
                         probabilityOfWaiting: ratio(.probabilityOfWaiting), averageSpeedOfAnswer: ratio(.averageSpeedOfAnswer),
                         longestWait: ratio(.longestWait), abandonRate: ratio(.abandonRate), averageHandleTime: e(.averageHandleTime),
                         breaches: breaches)
        }
        let sources = ReportedGroup.all(scenario)
        func groups(_ scope: FigureScope) -> [Group] { sources.filter { $0.scope == scope }.map(group) }

        self.scenario = scenario.name
        variant = scenario.variant
        scenarioHash = scenario.sourceHash
        seed = scenario.run.seed
        replications = runs.count
        shard = outcome.shard?.description
        days = scenario.run.days
        warmupSeconds = scenario.run.warmup
        intervalSeconds = scenario.run.interval
        serviceLevelDefinition = definition.rawValue
        serviceLevelLabel = definition.label
        total = groups(.total)[0]
        realTime = groups(.realTime).first
        segments = groups(.segment).filter { $0.offered.mean > 0 || $0.deflected.mean > 0 || $0.unserved.mean > 0 }
        departments = groups(.department)
        leakage = estimate(FigureKey(.center, "center", "leakage"))
        occupancy = estimate(FigureKey(.center, "center", "occupancy"))
        staffedAgentHours = estimate(FigureKey(.center, "center", "staffed_agent_hours"))

        // Per interval: staffing once, then each channel; intervals with no traffic and no staff left out.
        let used = scenario.usedChannels
        let perDay = scenario.run.intervalsPerDay
        let n = Double(max(1, runs.count))
        let intervalCount = runs.first?.intervalWorkload.count ?? 0
        func channelRow(_ channel: Channel, _ sum: Tally, _ workload: Workload) -> ChannelRow {
            func defined(_ x: Double) -> Double? { x.isFinite ? x : nil }
            return ChannelRow(channel: channel.name, offered: Double(sum.offered) / n, answered: Double(sum.answered) / n,
                              abandoned: Double(sum.abandoned) / n, openAtEnd: Double(sum.openAtEnd) / n,
                              unserved: Double(sum.unserved) / n, deflected: Double(sum.deflected) / n,
                              serviceLevel: defined(sum.serviceLevel(definition)), averageSpeedOfAnswer: defined(sum.averageSpeedOfAnswer),
                              slotUtilisation: defined(workload.slotUtilisation(channel)))
        }
        var rows: [IntervalRow] = []
        var dayTallies = Array(repeating: Array(repeating: Tally(), count: Channel.allCases.count), count: scenario.run.days)
        var dayWorkload = Array(repeating: Workload(), count: scenario.run.days)
        var pooled: [[(interval: Int, tally: Tally)]] = Array(repeating: [], count: Channel.allCases.count)
        // Each replication read in place by index: `for run in runs` copied its whole result
        // (a retain and a release of each of its arrays) for every interval and channel.
        for interval in 0..<intervalCount {
            var workload = Workload()
            for run in runs.indices { workload.add(runs[run].intervalWorkload[interval]) }
            dayWorkload[interval / perDay].add(workload)
            var channelRows: [ChannelRow] = []
            for channel in used {
                var sum = Tally()
                for run in runs.indices { sum.add(runs[run].intervals[interval * 4 + channel.rawValue]) }
                dayTallies[interval / perDay][channel.rawValue].add(sum)
                // Only where the service level is defined (not 0 ÷ 0 under `answered` or
                // `shortAbandonsExcluded`): it is compared with the goal and may be the worst.
                if sum.offered > 0 && !sum.serviceLevel(definition).isNaN { pooled[channel.rawValue].append((interval, sum)) }
                guard sum.offered + sum.unserved + sum.deflected > 0 || workload.slotsOffered[channel] > 0 else { continue }
                channelRows.append(channelRow(channel, sum, workload))
            }
            guard !channelRows.isEmpty || workload.staffed > 0 else { continue }
            rows.append(IntervalRow(day: interval / perDay, start: Self.clock(Double(interval % perDay) * scenario.run.interval),
                                    staffedAgents: workload.staffed / n / scenario.run.interval,
                                    occupancy: workload.occupancy.isFinite ? workload.occupancy : nil, channels: channelRows))
        }
        intervals = rows
        daily = (0..<scenario.run.days).map { day in
            let weekday = scenario.run.weekday(ofDay: day)
            let workload = dayWorkload[day]
            return DayRow(day: day, weekday: weekday.short, staffedAgentHours: workload.staffed / n / 3600,
                          occupancy: workload.occupancy.isFinite ? workload.occupancy : nil,
                          channels: used.map { channelRow($0, dayTallies[day][$0.rawValue], workload) })
        }

        channels = groups(.channel).map { row in
            var row = row
            let channel = Channel(name: row.name)!
            row.goal = scenario.center.channels[channel].serviceLevelGoal
            row.targetSeconds = scenario.center.channels[channel].answerTarget
            row.slotUtilisation = estimate(FigureKey(.channel, row.name, "slot_utilisation"))
            let withContacts = pooled[channel.rawValue]
            row.intervalsWithContacts = withContacts.count
            if !withContacts.isEmpty, let goal = row.goal {
                let levels = withContacts.map { ($0.interval, $0.tally, $0.tally.serviceLevel(definition)) }
                row.intervalsMeetingGoal = Double(levels.filter { $0.2 >= goal }.count) / Double(levels.count)
                // The lowest service level; on a tie, the interval with more contacts, then the earlier.
                let worst = levels.min { a, b in a.2 != b.2 ? a.2 < b.2 : (a.1.offered != b.1.offered ? a.1.offered > b.1.offered : a.0 < b.0) }!
                row.worstInterval = IntervalMark(day: worst.0 / perDay, start: Self.clock(Double(worst.0 % perDay) * scenario.run.interval),
                                                 serviceLevel: worst.2, offered: Double(worst.1.offered) / n)
            }
            return row
        }
        topics = groups(.topic).enumerated().map { index, row in
            var row = row
            row.owner = scenario.center.departments[scenario.center.topics[index].owningDepartment.index]
            row.leakage = estimate(FigureKey(.topic, row.name, "leakage"))
            let steps = runs.first?.ladderSteps ?? 0
            row.answeredAtStep = (0..<steps).map { estimate(FigureKey(.topic, row.name, "answered_at_step.\($0)")) }
            return row
        }

        // Departments as their agents see them.
        let departmentCount = scenario.center.departments.count
        let members = scenario.roster.members
        departmentAgents = scenario.center.departments.indices.map { department in
            let agentIndices = members.indices.filter { scenario.agentGroups[members[$0].group].department.index == department }
            func perRun(_ value: (ReplicationResult) -> Double, _ range: ClosedRange<Double> = Estimate.nonNegative) -> Estimate {
                Estimate(runs.map(value), range: range)
            }
            func answered(_ result: ReplicationResult, own: Bool?) -> Double {
                var count = 0
                for (topic, info) in scenario.center.topics.enumerated() {
                    let owned = info.owningDepartment.index == department
                    if let own, own != owned { continue }
                    count += result.answeredByDepartment[topic * departmentCount + department]
                }
                return Double(count)
            }
            return DepartmentWork(
                name: scenario.center.departments[department], agents: agentIndices.count,
                answered: perRun { answered($0, own: nil) },
                answeredOwnTopics: perRun { answered($0, own: true) },
                answeredOtherTopics: perRun { answered($0, own: false) },
                averageHandleTime: perRun { result in
                    let count = agentIndices.reduce(0) { $0 + result.agents[$1].answered }
                    let handle = agentIndices.reduce(0.0) { $0 + result.agents[$1].handleSum }
                    return count > 0 ? handle / Double(count) : .nan
                },
                occupancy: perRun({ result in
                    var workload = Workload()
                    for agent in agentIndices { workload.add(result.agents[agent].workload) }
                    return workload.occupancy
                }, Estimate.share),
                staffedAgentHours: perRun { result in agentIndices.reduce(0.0) { $0 + result.agents[$1].workload.staffed } / 3600 })
        }

        agents = members.indices.map { index in
            var answered = 0.0, handle = 0.0, qa = 0.0
            var workload = Workload()
            for run in runs {
                answered += Double(run.agents[index].answered)
                handle += run.agents[index].handleSum
                qa += Double(run.agents[index].qaSampled)
                workload.add(run.agents[index].workload)
            }
            let offeredSlots = Channel.allCases.reduce(0.0) { $0 + workload.slotsOffered[$1] }
            let usedSlots = Channel.allCases.reduce(0.0) { $0 + workload.slotsUsed[$1] }
            return AgentRow(agent: members[index].name, group: scenario.agentGroups[members[index].group].name, answered: answered / n,
                            averageHandleTime: answered > 0 ? handle / answered : nil,
                            occupancy: workload.occupancy.isFinite ? workload.occupancy : nil,
                            slotUtilisation: offeredSlots > 0 ? min(1, usedSlots / offeredSlots) : nil, qaSampled: qa / n)
        }
        costs = CostSummary(
            currency: scenario.costs.currency, agents: estimate(FigureKey(.cost, "cost", "agents")),
            notices: estimate(FigureKey(.cost, "cost", "notices")), total: estimate(FigureKey(.cost, "cost", "total")),
            perAnswered: estimate(FigureKey(.cost, "cost", "per_answered")),
            perCustomerServed: estimate(FigureKey(.cost, "cost", "per_customer_served")))
        contactsSimulated = outcome.contactsSimulated
        wallSeconds = outcome.wallSeconds
        threads = outcome.threads
    }

    /// `HH:MM` for seconds after midnight.
    public static func clock(_ seconds: Double) -> String {
        let minutes = Int(seconds / 60)
        return String(format2: minutes / 60) + ":" + String(format2: minutes % 60)
    }
}

extension String {
    init(format2 value: Int) { self = value < 10 ? "0\(value)" : "\(value)" }
}
