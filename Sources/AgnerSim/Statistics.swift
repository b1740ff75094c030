import Foundation

/// A mean over replications with its 95 % confidence interval (Student's t), clipped to the
/// values the figure can take (a share stays within 0–1, a count and a wait at or above 0).
///
/// JSON: `{"mean": m, "half_width": h, "lower": l, "upper": u}`; `half_width` is the t
/// interval's half-width before clipping, `lower` and `upper` the interval after it. With one
/// replication there is no interval: `half_width`, `lower` and `upper` are null. Undefined
/// figures (a service level with no contacts) have a null mean.
public struct Estimate: Sendable, Equatable, Codable {
    enum CodingKeys: String, CodingKey { case mean, halfWidth = "half_width", lower, upper }

    /// Non-finite numbers are written as null: JSON has no NaN.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(mean.isFinite ? mean : nil, forKey: .mean)
        try c.encode(halfWidth.flatMap { $0.isFinite ? $0 : nil }, forKey: .halfWidth)
        try c.encode(lower.flatMap { $0.isFinite ? $0 : nil }, forKey: .lower)
        try c.encode(upper.flatMap { $0.isFinite ? $0 : nil }, forKey: .upper)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mean = try c.decodeIfPresent(Double.self, forKey: .mean) ?? .nan
        halfWidth = try c.decodeIfPresent(Double.self, forKey: .halfWidth)
        lower = try c.decodeIfPresent(Double.self, forKey: .lower)
        upper = try c.decodeIfPresent(Double.self, forKey: .upper)
    }

    public var mean: Double
    /// Half-width of the 95 % interval before clipping; nil with a single replication.
    public var halfWidth: Double?
    /// The interval, clipped to the figure's possible values; nil with a single replication.
    public var lower: Double?
    public var upper: Double?

    /// Counts, waits and times: never below zero.
    public static let nonNegative: ClosedRange<Double> = 0...Double.greatestFiniteMagnitude
    /// Shares: 0–1.
    public static let share: ClosedRange<Double> = 0...1
    /// Differences: anything.
    public static let unbounded: ClosedRange<Double> = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude

    /// - Parameters:
    ///   - values: one value per replication; non-finite ones (undefined in that replication)
    ///     are left out.
    ///   - range: the values the figure can take; the interval is clipped to it.
    public init(_ values: [Double], range: ClosedRange<Double> = Estimate.unbounded) {
        let finite = values.filter(\.isFinite)
        guard !finite.isEmpty else {
            mean = .nan
            halfWidth = nil
            return
        }
        let n = Double(finite.count)
        mean = finite.reduce(0, +) / n
        guard finite.count > 1 else {
            halfWidth = nil
            return
        }
        let variance = finite.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
        let h = Self.tQuantile975(degreesOfFreedom: finite.count - 1) * sqrt(variance / n)
        halfWidth = h
        lower = max(range.lowerBound, mean - h)
        upper = min(range.upperBound, mean + h)
    }

    public init(mean: Double, halfWidth: Double?, range: ClosedRange<Double> = Estimate.unbounded) {
        self.mean = mean
        self.halfWidth = halfWidth
        if let halfWidth {
            lower = max(range.lowerBound, mean - halfWidth)
            upper = min(range.upperBound, mean + halfWidth)
        }
    }

    /// True when `value` lies inside the (clipped) interval.
    public func contains(_ value: Double) -> Bool {
        guard let lower, let upper else { return false }
        return value >= lower && value <= upper
    }

    /// True when the interval was clipped at an end of the figure's range.
    public var isClipped: Bool {
        guard let halfWidth, let lower, let upper else { return false }
        return lower > mean - halfWidth || upper < mean + halfWidth
    }

    /// The 97.5 % quantile of Student's t: exact table to 30 degrees of freedom, then the
    /// Cornish–Fisher expansion (error below 1e-4).
    public static func tQuantile975(degreesOfFreedom df: Int) -> Double {
        let table: [Double] = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                               2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                               2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
        if df >= 1 && df <= table.count { return table[df - 1] }
        let z = 1.959964
        let v = Double(df)
        return z + (z * z * z + z) / (4 * v) + (5 * pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * v * v)
    }
}
