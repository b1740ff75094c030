import AgnerCore

/// The ranges of a scenario's numbers that only the simulator and the scenario file need; the
/// center's own ranges (proficiency, capacity, answer targets, agents …) are `DomainLimits`.
/// A value outside its range is refused with the field and the line. docs/scenario-format.md
/// lists every one.
///
/// Why bounds at all: a scenario drives memory and time. Unbounded, `count: 10000000000`
/// allocated 400 GB, `rate: 1e12/s` grew without end, and an answer target of `1e300s` trapped
/// the live server. Each bound is far above what a real center needs.
public enum ScenarioLimits {
    /// Largest scenario file, in bytes (1 MiB; the bundled ones are under 10 KiB).
    public static let fileSize = 1 << 20
    /// Most YAML nodes after expanding aliases (`*name`): a file of a few aliases must not
    /// stand for billions of nodes.
    public static let yamlNodes = 500_000

    /// Simulated days per replication.
    public static let days: ClosedRange<Int> = 1...3660
    /// Replications per run.
    public static let replications: ClosedRange<Int> = 1...10_000
    /// Days × intervals per day × replications: the per-interval results are kept for every
    /// replication (so that shards can be merged exactly), about 1 KB each.
    public static let intervalResults = 1_000_000

    /// Arrivals of one demand stream, per second: 0 to 100,000 an hour in any interval.
    public static let ratePerSecond: ClosedRange<Double> = 0...(100_000.0 / 3600)
    /// Contacts of one demand stream on a day with weekday factor 1.
    public static let daily: ClosedRange<Double> = 0...2_400_000
    /// Weekday factor of a demand stream.
    public static let weekdayFactor: ClosedRange<Double> = 0...10
    /// Weight of one step of an intra-day profile (weights are relative).
    public static let profileWeight: ClosedRange<Double> = 0...1_000_000

    /// Mean (or fixed value) of a handle-time or patience distribution, in seconds: up to a day.
    public static let meanDuration: ClosedRange<Seconds> = 0...86_400
    /// Coefficient of variation of a lognormal distribution.
    public static let coefficientOfVariation: ClosedRange<Double> = 0.001...10
    /// Observed values of an empirical distribution.
    public static let empiricalValues: ClosedRange<Int> = 1...100_000

    /// A break's length and stagger, in seconds: up to a day.
    public static let breakLength: ClosedRange<Seconds> = 0...86_400
    /// Time an offer rings in the simulator before the agent connects: up to 5 minutes.
    public static let ringTime: ClosedRange<Seconds> = 0...300
    /// Cost of an agent-hour.
    public static let agentHourCost: ClosedRange<Double> = 0...10_000
    /// Cost of one notice.
    public static let noticeCost: ClosedRange<Double> = 0...1_000
    /// Contacts a replication may hold open at once (waiting, ringing, handled or in
    /// wrap-up). Past it the run stops with an error: the center is overloaded beyond what a
    /// simulation can show, and memory would grow without end.
    public static let openContacts = 1_000_000

    /// Refuses run settings whose per-interval results would not fit the limits (checked again
    /// after command-line overrides of days and replications).
    /// - Throws: a message naming the product and the limit.
    public static func check(_ run: RunSettings) throws(ScenarioError) {
        guard days.contains(run.days) else {
            throw ScenarioError(path: [.key("run"), .key("days")], message: "\(run.days) days is outside \(days.lowerBound)–\(days.upperBound)")
        }
        guard replications.contains(run.replications) else {
            throw ScenarioError(path: [.key("run"), .key("replications")],
                                message: "\(run.replications) replications is outside \(replications.lowerBound)–\(replications.upperBound)")
        }
        let cells = run.days * run.intervalsPerDay * run.replications
        guard cells <= intervalResults else {
            throw ScenarioError(path: [.key("run")], message: """
                \(run.days) days × \(run.intervalsPerDay) intervals × \(run.replications) replications is \(cells) interval results, \
                more than \(intervalResults); use fewer days or replications, or a longer interval
                """)
        }
    }
}
