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

/// Student's t distribution, for intervals at levels other than 95 % (a family of checks
/// judged together, Bonferroni).
public enum StudentT {
    /// P(T ≤ t) for `degreesOfFreedom` ν ≥ 1: 1 − ½ I_{ν/(ν+t²)}(ν/2, ½) for t ≥ 0, by symmetry
    /// below (Abramowitz and Stegun 26.7.1 with 26.5.27).
    public static func cumulative(_ t: Double, degreesOfFreedom: Int) -> Double {
        let v = Double(degreesOfFreedom)
        let tail = 0.5 * regularizedIncompleteBeta(v / (v + t * t), a: v / 2, b: 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// The `probability` quantile (0 < p < 1), by bisection on `cumulative` to 1e-10.
    public static func quantile(_ probability: Double, degreesOfFreedom: Int) -> Double {
        precondition(probability > 0 && probability < 1 && degreesOfFreedom >= 1)
        if probability < 0.5 { return -quantile(1 - probability, degreesOfFreedom: degreesOfFreedom) }
        var low = 0.0, high = 1.0
        while cumulative(high, degreesOfFreedom: degreesOfFreedom) < probability && high < 1e12 { high *= 2 }
        for _ in 0..<200 where high - low > 1e-10 * max(1, high) {
            let middle = (low + high) / 2
            if cumulative(middle, degreesOfFreedom: degreesOfFreedom) < probability { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }

    /// I_x(a, b), the regularized incomplete beta function, by its continued fraction
    /// (Abramowitz and Stegun 26.5.8) evaluated with Lentz's method, on the side of x where it
    /// converges fast (26.5.2: I_x(a, b) = 1 − I_{1−x}(b, a)).
    static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        if x > (a + 1) / (a + b + 2) { return 1 - regularizedIncompleteBeta(1 - x, a: b, b: a) }
        let logBeta: Double = lgamma(a) + lgamma(b) - lgamma(a + b)
        let logPowers: Double = a * log(x) + b * log(1 - x)
        let logFront = logPowers - logBeta
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var fraction = d
        for m in 1...500 {
            let m = Double(m)
            // The even step, then the odd step of the fraction.
            let even: Double = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            let odd: Double = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            for numerator in [even, odd] {
                d = 1 + numerator * d
                if abs(d) < tiny { d = tiny }
                c = 1 + numerator / c
                if abs(c) < tiny { c = tiny }
                d = 1 / d
                fraction *= d * c
            }
            if abs(d * c - 1) < 1e-15 { break }
        }
        return exp(logFront) * fraction / a
    }
}
