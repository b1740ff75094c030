import AgnerCore
import Foundation

/// Checks the simulator against the closed forms of Erlang C and Erlang A.
public enum Validation {
    /// One analytic row: a single queue and what Erlang C/A say about it.
    public struct ReferenceRow: Sendable {
        public var label: String
        public var model: QueueModel
        public var agents: Int
        public var probabilityOfWaiting, serviceLevel, averageSpeedOfAnswer, abandonRate, occupancy: Double
    }

    /// The values of `shared/validation/erlang-reference.csv` (computed from the published closed
    /// forms; service level = answered within 60 s ÷ offered).
    public static let reference: [ReferenceRow] = parse("""
        case,arrivals_per_s,aht_s,agents,patience_s,p_wait,sl_60_of_offered,asa_s,abandon_rate,occupancy,model
        a,0.1583333333,300,48,inf,0.9152461244,0.1718510599,549.1476746,0,0.9895833333,ErlangC M/M/n
        a,0.1583333333,300,50,inf,0.6290947299,0.6184347584,75.49136759,0,0.95,ErlangC M/M/n
        a,0.1583333333,300,52,inf,0.4173836215,0.830304483,27.82557476,0,0.9134615385,ErlangC M/M/n
        a,0.1583333333,300,55,inf,0.2097175122,0.9532056979,8.388700489,0,0.8636363636,ErlangC M/M/n
        b,0.02777777778,180,6,inf,0.5875164505,0.5790260678,105.7529611,0,0.8333333333,ErlangC M/M/n
        b,0.02777777778,180,7,inf,0.3241499492,0.833575867,29.17349543,0,0.7142857143,ErlangC M/M/n
        b,0.02777777778,180,8,inf,0.1672665067,0.938466091,10.0359904,0,0.625,ErlangC M/M/n
        b,0.02777777778,180,10,inf,0.03610535916,0.9931805785,1.29979293,0,0.5,ErlangC M/M/n
        a-ErlangA,0.1583333333,300,50,120,0.3009196971,0.9479035012,5.091797179,0.04656814433,0.9057602629,ErlangA M/M/n+M
        """)!

    /// Reads the reference CSV format; nil when a line does not fit.
    public static func parse(_ text: String) -> [ReferenceRow]? {
        var rows: [ReferenceRow] = []
        for line in text.split(whereSeparator: \.isNewline).dropFirst() {
            let f = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard f.count >= 10, let rate = Double(f[1]), let aht = Double(f[2]), let agents = Int(f[3]),
                  let pWait = Double(f[5]), let sl = Double(f[6]), let asa = Double(f[7]), let ab = Double(f[8]), let occ = Double(f[9])
            else { return nil }
            let patience: Double? = f[4] == "inf" ? nil : Double(f[4])
            if f[4] != "inf" && patience == nil { return nil }
            rows.append(ReferenceRow(label: f[0], model: QueueModel(arrivalRate: rate, meanHandleTime: aht, meanPatience: patience),
                                     agents: agents, probabilityOfWaiting: pWait, serviceLevel: sl, averageSpeedOfAnswer: asa,
                                     abandonRate: ab, occupancy: occ))
        }
        return rows
    }

    /// One metric of one row: analytic against simulated.
    public struct Check: Sendable {
        public var metric: String
        public var analytic: Double
        public var simulated: Estimate
        /// The widest half-width that counts as narrow enough.
        public var allowedHalfWidth: Double
        /// Replications behind `simulated`.
        public var replications: Int
        /// Inside the simulated 95 % interval (about one check in twenty misses by chance).
        public var inside: Bool { simulated.contains(analytic) }
        public var narrow: Bool { (simulated.halfWidth ?? .infinity) <= allowedHalfWidth }

        /// Inside the interval at the level that keeps a family of `checks` checks at 95 %
        /// together (Bonferroni: each at 1 − 0.05 ÷ checks), so that a run of many checks fails
        /// only when something is wrong, not because one of forty missed by chance.
        public func insideFamily(of checks: Int) -> Bool {
            guard let halfWidth = simulated.halfWidth, replications > 1 else { return false }
            let df = replications - 1
            let widened = halfWidth / Estimate.tQuantile975(degreesOfFreedom: df)
                * StudentT.quantile(1 - 0.025 / Double(max(1, checks)), degreesOfFreedom: df)
            return abs(simulated.mean - analytic) <= widened
        }

        /// What the exit status rests on: inside at the family's level, and narrow.
        public func passed(amongChecks checks: Int) -> Bool { insideFamily(of: checks) && narrow }
    }

    public struct RowResult: Sendable {
        public var row: ReferenceRow
        public var days: Int
        public var replications: Int
        public var checks: [Check]
        public var contactsSimulated: Int
    }

    /// Simulated days per replication, sized by contacts: more where the queue is slow to forget
    /// (heavy load) or where the quantity is small and rare (a short ASA at light load).
    public static func days(for row: ReferenceRow, scale: Double) -> Int {
        let load = row.model.load / Double(row.agents)
        let contacts: Double = load > 0.98 ? 6_000_000 : load > 0.85 ? 2_500_000 : load > 0.6 ? 300_000 : 600_000
        let perDay = row.model.arrivalRate * 86_400
        return max(1, Int((contacts / perDay * scale).rounded(.up)))
    }

    /// A single-queue scenario for the row: n agents, exponential handle time and patience.
    public static func scenario(for row: ReferenceRow, days: Int, replications: Int, seed: UInt64) throws(ScenarioError) -> Scenario {
        let patience = row.model.meanPatience.map { "patience: {default: {distribution: exponential, mean: \($0)}}" } ?? ""
        let warmup = max(1, days / 10)
        return try ScenarioLoader.load(yaml: """
            name: \(row.label) n=\(row.agents)
            center: {ladder: flat}
            agents: [{count: \(row.agents)}]
            demand: [{rate: \(row.model.arrivalRate * 3600)/h}]
            handling: {default: {distribution: exponential, mean: \(row.model.meanHandleTime)}}
            \(patience)
            run: {days: \(days), warmup: \(warmup * 86_400), replications: \(replications), seed: \(seed)}
            """)
    }

    /// - Throws: `ScenarioError` for a row that makes no valid scenario, `Simulator.Failure`
    ///   when the simulation cannot run it.
    ///
    /// Sequential: when a 95 % interval comes out wider than its check allows, the row is run
    /// again with the replications that half-width says it needs (half-widths shrink as one over
    /// the square root of the replications; Law and Kelton, *Simulation Modeling and Analysis*,
    /// the sequential procedure for a relative precision), at most four times as many. The first
    /// replications are the same in both runs (each replication's random numbers depend only on
    /// the seed and its index).
    public static func run(_ row: ReferenceRow, scale: Double = 1, replications: Int = 10, seed: UInt64 = 1, threads: Int? = nil) throws -> RowResult {
        let first = try runOnce(row, scale: scale, replications: replications, seed: seed, threads: threads)
        var needed = 1.0
        for check in first.checks {
            guard let halfWidth = check.simulated.halfWidth, check.allowedHalfWidth > 0, halfWidth > check.allowedHalfWidth else { continue }
            needed = max(needed, (halfWidth / check.allowedHalfWidth) * (halfWidth / check.allowedHalfWidth) * 1.1)
        }
        guard needed > 1 else { return first }
        let more = min(4 * replications, Int((Double(replications) * needed).rounded(.up)))
        return try runOnce(row, scale: scale, replications: more, seed: seed, threads: threads)
    }

    static func runOnce(_ row: ReferenceRow, scale: Double, replications: Int, seed: UInt64, threads: Int?) throws -> RowResult {
        let days = days(for: row, scale: scale)
        let scenario = try scenario(for: row, days: days, replications: replications, seed: seed)
        let outcome = try Simulator.run(scenario, options: Simulator.Options(threads: threads))
        let summary = SimulationSummary(outcome)
        let queue = summary.channels[0]
        var checks = [
            Check(metric: "P(wait)", analytic: row.probabilityOfWaiting, simulated: queue.probabilityOfWaiting ?? Estimate([]), allowedHalfWidth: 0.01, replications: replications),
            Check(metric: "service level", analytic: row.serviceLevel, simulated: queue.serviceLevel ?? Estimate([]), allowedHalfWidth: 0.01, replications: replications),
            Check(metric: "ASA", analytic: row.averageSpeedOfAnswer, simulated: queue.averageSpeedOfAnswer ?? Estimate([]),
                  allowedHalfWidth: 0.05 * row.averageSpeedOfAnswer, replications: replications),
            Check(metric: "occupancy", analytic: row.occupancy, simulated: summary.occupancy, allowedHalfWidth: 0.01, replications: replications),
        ]
        if row.model.meanPatience != nil {
            checks.insert(Check(metric: "abandoned", analytic: row.abandonRate, simulated: queue.abandonRate ?? Estimate([]), allowedHalfWidth: 0.01,
                                replications: replications), at: 3)
        }
        return RowResult(row: row, days: days, replications: replications, checks: checks, contactsSimulated: outcome.contactsSimulated)
    }
}
