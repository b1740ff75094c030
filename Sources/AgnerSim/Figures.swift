import AgnerCore

/// Where a figure belongs: the whole center's contacts, the real-time channels together, one
/// channel, topic, owning department or segment, the center's agents, or costs.
public enum FigureScope: String, Sendable, CaseIterable, Comparable {
    case total
    case realTime = "real_time"
    case channel, topic, department, segment
    /// Figures of the center's agents and of the run as a whole (occupancy, leakage, agent-hours).
    case center
    case cost

    public static func < (a: Self, b: Self) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// Names one figure of a run: `channel` · `phone` · `service_level`.
public struct FigureKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var scope: FigureScope
    public var name: String
    public var metric: String

    public init(_ scope: FigureScope, _ name: String, _ metric: String) {
        self.scope = scope
        self.name = name
        self.metric = metric
    }

    public static func < (a: Self, b: Self) -> Bool {
        (a.scope, a.name, a.metric) < (b.scope, b.name, b.metric)
    }

    /// `channel.phone.service_level`, or `real_time.service_level` for a scope with one member
    /// (total, real-time channels, center, cost): unique in a run, without spaces.
    public var description: String {
        switch scope {
        case .total, .realTime, .center, .cost: "\(scope.rawValue).\(metric)"
        case .channel, .topic, .department, .segment: "\(scope.rawValue).\(name).\(metric)"
        }
    }
}

/// The figures of a group of contacts, each a number per replication.
public enum GroupFigure: String, CaseIterable, Sendable {
    case offered, answered, abandoned
    case openAtEnd = "open_at_end"
    case unserved, deflected, callbacks
    case qaSampled = "qa_sampled"
    case serviceLevel = "service_level"
    case probabilityOfWaiting = "probability_of_waiting"
    case averageSpeedOfAnswer = "average_speed_of_answer"
    case longestWait = "longest_wait"
    case averageHandleTime = "average_handle_time"
    case abandonRate = "abandon_rate"

    /// Counts add up across channels; ratios and waits do not (a total ASA would mix e-mail's
    /// hours with phone's seconds), so the center's total gives only these.
    public var isAdditive: Bool {
        switch self {
        case .serviceLevel, .probabilityOfWaiting, .averageSpeedOfAnswer, .longestWait, .abandonRate: false
        default: true
        }
    }

    /// The values the figure can take (its interval is clipped to them).
    public var range: ClosedRange<Double> {
        switch self {
        case .serviceLevel, .probabilityOfWaiting, .abandonRate: Estimate.share
        default: Estimate.nonNegative
        }
    }

    /// The figure's value for one replication's tally: NaN when undefined (no contacts).
    public func value(of tally: Tally, definition: ServiceLevelDefinition) -> Double {
        switch self {
        case .offered: Double(tally.offered)
        case .answered: Double(tally.answered)
        case .abandoned: Double(tally.abandoned)
        case .openAtEnd: Double(tally.openAtEnd)
        case .unserved: Double(tally.unserved)
        case .deflected: Double(tally.deflected)
        case .callbacks: Double(tally.callbacks)
        case .qaSampled: Double(tally.qaSampled)
        case .serviceLevel: tally.serviceLevel(definition)
        case .probabilityOfWaiting: tally.probabilityOfWaiting
        case .averageSpeedOfAnswer: tally.averageSpeedOfAnswer
        case .longestWait: tally.answered + tally.abandoned > 0 ? tally.longestWait : .nan
        case .averageHandleTime: tally.averageHandleTime
        case .abandonRate: tally.abandonRate
        }
    }
}

extension BreachCause {
    /// The cause in snake case, as JSON and the results database name it: `all_eligible_busy`.
    public var snakeCaseName: String {
        var out = ""
        for character in rawValue {
            if character.isUppercase {
                out += "_" + character.lowercased()
            } else {
                out.append(character)
            }
        }
        return out
    }
}

/// The groups a run reports on, each with a way to pick its tally out of a replication.
struct ReportedGroup {
    var scope: FigureScope
    var name: String
    var pick: (ReplicationResult) -> Tally

    /// In report order: the total, the real-time channels together (when there is more than
    /// one real-time channel or any e-mail), each channel, topic, owning department and segment.
    static func all(_ scenario: Scenario) -> [ReportedGroup] {
        let used = scenario.usedChannels
        let realTime = used.filter(\.isRealTime)
        var groups = [ReportedGroup(scope: .total, name: "total") { $0.total }]
        if !realTime.isEmpty {
            groups.append(ReportedGroup(scope: .realTime, name: "real-time channels") { result in
                var sum = Tally()
                for channel in realTime { sum.add(result.channels[channel.rawValue]) }
                return sum
            })
        }
        for channel in used { groups.append(ReportedGroup(scope: .channel, name: channel.name) { $0.channels[channel.rawValue] }) }
        for (index, topic) in scenario.center.topics.enumerated() {
            groups.append(ReportedGroup(scope: .topic, name: topic.name) { $0.topics[index] })
        }
        for (index, department) in scenario.center.departments.enumerated() {
            groups.append(ReportedGroup(scope: .department, name: department) { $0.departments[index] })
        }
        for segment in Segment.allCases {
            groups.append(ReportedGroup(scope: .segment, name: segment.name) { $0.segments[segment.rawValue] })
        }
        return groups
    }
}

extension Scenario {
    /// The channels with demand, in channel order.
    public var usedChannels: [Channel] {
        Channel.allCases.filter { channel in demand.contains { $0.channel == channel } }
    }
}

extension SimulationOutcome {
    /// Every figure of the run, one value per replication (in replication order; NaN where a
    /// replication leaves it undefined). The summary's estimates, the comparison's paired
    /// deltas and the per-replication rows of the results database all come from here.
    public func figures() -> [FigureKey: [Double]] {
        let definition = scenario.run.serviceLevel
        var figures: [FigureKey: [Double]] = [:]
        for group in ReportedGroup.all(scenario) {
            let tallies = replications.map(group.pick)
            for figure in GroupFigure.allCases where group.scope != .total || figure.isAdditive {
                figures[FigureKey(group.scope, group.name, figure.rawValue)] = tallies.map { figure.value(of: $0, definition: definition) }
            }
            for (index, cause) in BreachCause.allCases.enumerated() {
                figures[FigureKey(group.scope, group.name, "breaches." + cause.snakeCaseName)] = tallies.map { Double($0.breaches[index]) }
            }
        }
        for channel in scenario.usedChannels {
            figures[FigureKey(.channel, channel.name, "slot_utilisation")] = replications.map { $0.workload.slotUtilisation(channel) }
        }
        let departments = scenario.center.departments.count
        for (index, topic) in scenario.center.topics.enumerated() {
            let owner = topic.owningDepartment.index
            figures[FigureKey(.topic, topic.name, "leakage")] = replications.map { result in
                let answered = (0..<departments).reduce(0) { $0 + result.answeredByDepartment[index * departments + $1] }
                let outside = answered - result.answeredByDepartment[index * departments + owner]
                return answered > 0 ? Double(outside) / Double(answered) : .nan
            }
            let steps = replications.first?.ladderSteps ?? 0
            for step in 0..<steps {
                figures[FigureKey(.topic, topic.name, "answered_at_step.\(step)")] = replications.map { result in
                    let answered = (0..<steps).reduce(0) { $0 + result.answeredAtStep[index * steps + $1] }
                    return answered > 0 ? Double(result.answeredAtStep[index * steps + step]) / Double(answered) : .nan
                }
            }
        }
        figures[FigureKey(.center, "center", "leakage")] = replications.map { result in
            var answered = 0, outside = 0
            for (index, topic) in scenario.center.topics.enumerated() {
                for department in 0..<departments {
                    let count = result.answeredByDepartment[index * departments + department]
                    answered += count
                    if department != topic.owningDepartment.index { outside += count }
                }
            }
            return answered > 0 ? Double(outside) / Double(answered) : .nan
        }
        figures[FigureKey(.center, "center", "occupancy")] = replications.map { $0.workload.occupancy }
        figures[FigureKey(.center, "center", "staffed_agent_hours")] = replications.map { $0.workload.staffed / 3600 }
        figures[FigureKey(.cost, "cost", "agents")] = replications.map(\.agentCost)
        figures[FigureKey(.cost, "cost", "notices")] = replications.map(\.noticeCost)
        figures[FigureKey(.cost, "cost", "total")] = replications.map(\.totalCost)
        figures[FigureKey(.cost, "cost", "per_answered")] = replications.map { $0.total.answered > 0 ? $0.totalCost / Double($0.total.answered) : .nan }
        figures[FigureKey(.cost, "cost", "per_customer_served")] = replications.map {
            let served = $0.total.answered + $0.total.deflected
            return served > 0 ? $0.totalCost / Double(served) : .nan
        }
        return figures
    }

    /// The range of values a figure can take, by its metric name.
    public static func range(ofMetric metric: String) -> ClosedRange<Double> {
        if let figure = GroupFigure(rawValue: metric) { return figure.range }
        if metric == "slot_utilisation" || metric == "leakage" || metric == "occupancy" || metric.hasPrefix("answered_at_step.") {
            return Estimate.share
        }
        return Estimate.nonNegative
    }
}
