/// A grid of variants of one scenario: every combination of the axes' values (`agner sweep`).
///
/// Points are numbered with the first axis varying slowest, as nested loops would run them:
/// for `--set a=1,2 --set b=x,y` the points are (1, x), (1, y), (2, x), (2, y). Every point runs
/// with the same seed, so replication *r* of every point sees the same customers (common random
/// numbers): differences between points come from the settings, not from chance.
public struct SweepGrid: Sendable, Equatable {
    public var axes: [SweepAxis]

    /// The most points a sweep may have.
    public static let maximumPoints = 10_000

    /// - Throws: `ScenarioError` when there is no axis, when two axes set the same path, or
    ///   when the grid has more than `maximumPoints` points.
    public init(axes: [SweepAxis]) throws(ScenarioError) {
        guard !axes.isEmpty else { throw ScenarioError(path: [], message: "a sweep needs at least one --set PATH=VALUES") }
        var seen = Set<String>()
        for axis in axes where !seen.insert(axis.pathText).inserted {
            throw ScenarioError(path: [], message: "--set \(axis.pathText) is given twice; give its values once, separated by commas")
        }
        var points = 1
        for axis in axes {
            points *= axis.values.count
            guard points <= Self.maximumPoints else {
                throw ScenarioError(path: [], message: "the grid has more than \(Self.maximumPoints) points; sweep fewer values, or split it into several sweeps")
            }
        }
        self.axes = axes
    }

    public var pointCount: Int { axes.reduce(1) { $0 * $1.values.count } }

    /// The index of each axis's value at `point` (first axis slowest).
    public func valueIndices(point: Int) -> [Int] {
        var rest = point
        var indices = Array(repeating: 0, count: axes.count)
        for axis in axes.indices.reversed() {
            indices[axis] = rest % axes[axis].values.count
            rest /= axes[axis].values.count
        }
        return indices
    }

    /// The values of `point`, one per axis.
    public func values(point: Int) -> [String] {
        zip(axes, valueIndices(point: point)).map { $0.values[$1] }
    }

    /// The assignments of `point`, one per axis, in axis order.
    public func overrides(point: Int) -> [ScenarioOverride] {
        zip(axes, valueIndices(point: point)).map { $0.override($1) }
    }

    /// Rebuilds a sweep from the assignments stored with its points (`agner merge`): the axes
    /// are the paths, each with the values in the order the points first use them.
    /// - Throws: `ScenarioError` when the points do not share one list of paths.
    public init(points: [[ScenarioOverride]]) throws(ScenarioError) {
        guard let first = points.first, !first.isEmpty else { throw ScenarioError(path: [], message: "a sweep needs at least one point") }
        let paths = first.map(\.pathText)
        var values = Array(repeating: [String](), count: paths.count)
        for point in points {
            guard point.map(\.pathText) == paths else {
                throw ScenarioError(path: [], message: "the stored points set different paths (\(paths.joined(separator: ", ")) and \(point.map(\.pathText).joined(separator: ", ")))")
            }
            for (axis, assignment) in point.enumerated() where !values[axis].contains(assignment.value) { values[axis].append(assignment.value) }
        }
        try self.init(axes: zip(paths, values).map { SweepAxis(pathText: $0, values: $1) })
    }
}

/// The figures of a sweep, one row per point: what a planner compares across the grid.
///
/// JSON: `{scenario, variant, seed, replications, days, service_level_definition, axes: [path],
/// points: [{point, settings: {path: value}, channels: [{channel, goal, target_seconds,
/// service_level, average_speed_of_answer, abandon_rate, meets_goal}], abandon_rate, occupancy,
/// cost, currency}]}`; each figure an estimate `{mean, half_width, lower, upper}`.
/// `meets_goal` is true only when the 95 % interval of the service level lies at or above the
/// goal, false when it lies below, and null when it straddles the goal.
public struct SweepSummary: Sendable, Encodable {
    public struct ChannelFigures: Sendable, Encodable {
        public var channel: String
        public var goal: Double
        public var targetSeconds: Double
        public var serviceLevel: Estimate
        public var averageSpeedOfAnswer: Estimate
        /// Real-time channels only.
        public var abandonRate: Estimate?
        public var meetsGoal: Bool?

        enum CodingKeys: String, CodingKey {
            case channel, goal, targetSeconds = "target_seconds", serviceLevel = "service_level",
                 averageSpeedOfAnswer = "average_speed_of_answer", abandonRate = "abandon_rate", meetsGoal = "meets_goal"
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(channel, forKey: .channel)
            try c.encode(goal, forKey: .goal)
            try c.encode(targetSeconds, forKey: .targetSeconds)
            try c.encode(serviceLevel, forKey: .serviceLevel)
            try c.encode(averageSpeedOfAnswer, forKey: .averageSpeedOfAnswer)
            try c.encode(abandonRate, forKey: .abandonRate)
            try c.encode(meetsGoal, forKey: .meetsGoal)
        }
    }

    public struct Point: Sendable, Encodable {
        /// 0-based, first axis slowest.
        public var point: Int
        /// One value per axis, in axis order.
        public var values: [String]
        public var channels: [ChannelFigures]
        /// Abandoned ÷ offered over the real-time channels together; nil without them.
        public var abandonRate: Estimate?
        public var occupancy: Estimate
        public var cost: Estimate
        var paths: [String]

        enum CodingKeys: String, CodingKey { case point, settings, channels, abandonRate = "abandon_rate", occupancy, cost }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(point, forKey: .point)
            try c.encode(Dictionary(uniqueKeysWithValues: zip(paths, values)), forKey: .settings)
            try c.encode(channels, forKey: .channels)
            try c.encode(abandonRate, forKey: .abandonRate)
            try c.encode(occupancy, forKey: .occupancy)
            try c.encode(cost, forKey: .cost)
        }
    }

    /// False when an axis sets the seed: then the points see different customers.
    public var sharesRandomNumbers: Bool { !axes.contains("run.seed") }

    public var scenario: String
    public var variant: String?
    public var seed: UInt64
    public var replications: Int
    public var days: Int
    public var serviceLevelDefinition: String
    /// nil when the scenario names none.
    public var currency: String?
    /// The paths, in axis order.
    public var axes: [String]
    public var points: [Point]

    enum CodingKeys: String, CodingKey {
        case scenario, variant, seed, replications, days, serviceLevelDefinition = "service_level_definition", currency, axes, points
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(scenario, forKey: .scenario)
        try c.encode(variant, forKey: .variant)
        try c.encode(seed, forKey: .seed)
        try c.encode(replications, forKey: .replications)
        try c.encode(days, forKey: .days)
        try c.encode(serviceLevelDefinition, forKey: .serviceLevelDefinition)
        try c.encode(currency, forKey: .currency)
        try c.encode(axes, forKey: .axes)
        try c.encode(points, forKey: .points)
    }

    /// - Parameter outcomes: one per point of `sweep`, in point order.
    public init(sweep: SweepGrid, outcomes: [SimulationOutcome]) {
        precondition(outcomes.count == sweep.pointCount, "one outcome per point")
        self.init(sweep: sweep, first: outcomes[0], points: outcomes.enumerated().map { index, outcome in
            Self.point(index, values: sweep.values(point: index), paths: sweep.axes.map(\.pathText), outcome: outcome)
        })
    }

    /// From rows already made (`point(_:values:paths:outcome:)`, one per point in order), so that
    /// a large grid can be run a few points at a time and its replications let go.
    /// - Parameter first: the first point's run (for the run settings).
    public init(sweep: SweepGrid, first outcome: SimulationOutcome, points: [Point]) {
        let first = outcome.scenario
        scenario = first.name
        variant = first.variant
        seed = first.run.seed
        replications = outcome.replications.count
        days = first.run.days
        serviceLevelDefinition = first.run.serviceLevel.rawValue
        currency = first.costs.currency
        axes = sweep.axes.map(\.pathText)
        self.points = points
    }

    /// The figures of one run as a row (`values` of the `paths`).
    public static func point(_ index: Int, values: [String], paths: [String], outcome: SimulationOutcome) -> Point {
        let scenario = outcome.scenario
        let figures = outcome.figures()
        func estimate(_ scope: FigureScope, _ name: String, _ metric: String) -> Estimate {
            Estimate(figures[FigureKey(scope, name, metric)] ?? [], range: SimulationOutcome.range(ofMetric: metric))
        }
        let channels = scenario.usedChannels.map { channel in
            let settings = scenario.center.channels[channel]
            let level = estimate(.channel, channel.name, GroupFigure.serviceLevel.rawValue)
            return ChannelFigures(
                channel: channel.name, goal: settings.serviceLevelGoal, targetSeconds: settings.answerTarget, serviceLevel: level,
                averageSpeedOfAnswer: estimate(.channel, channel.name, GroupFigure.averageSpeedOfAnswer.rawValue),
                abandonRate: channel.isRealTime ? estimate(.channel, channel.name, GroupFigure.abandonRate.rawValue) : nil,
                meetsGoal: GoalCheck.atLeast(level, settings.serviceLevelGoal))
        }
        let realTime = scenario.usedChannels.contains(where: \.isRealTime)
        return Point(point: index, values: values, channels: channels,
                     abandonRate: realTime ? estimate(.realTime, "real-time channels", GroupFigure.abandonRate.rawValue) : nil,
                     occupancy: estimate(.center, "center", "occupancy"), cost: estimate(.cost, "cost", "total"), paths: paths)
    }
}

/// Whether a figure keeps a promise, judged by its 95 % interval rather than its mean: a goal
/// is met only when the whole interval clears it.
public enum GoalCheck {
    /// true when the interval lies at or above `goal`, false when it lies below, nil when it
    /// straddles the goal (or there is no interval: a single replication, or no contacts).
    public static func atLeast(_ estimate: Estimate, _ goal: Double) -> Bool? {
        guard let lower = estimate.lower, let upper = estimate.upper, estimate.mean.isFinite else { return nil }
        if lower >= goal { return true }
        if upper < goal { return false }
        return nil
    }

    /// true when the interval lies at or below `cap`, false when it lies above, nil when it straddles it.
    public static func atMost(_ estimate: Estimate, _ cap: Double) -> Bool? {
        guard let lower = estimate.lower, let upper = estimate.upper, estimate.mean.isFinite else { return nil }
        if upper <= cap { return true }
        if lower > cap { return false }
        return nil
    }
}
