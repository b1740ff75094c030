import AgnerCore
import Foundation

/// A distribution of durations in seconds (handle times, patience).
public enum Distribution: Sendable, Equatable, CustomStringConvertible {
    case exponential(mean: Seconds)
    /// Lognormal given by its mean and coefficient of variation (standard deviation ÷ mean).
    case lognormal(mean: Seconds, cv: Double)
    case fixed(Seconds)
    /// Drawn uniformly from observed values.
    case empirical([Seconds])

    public var mean: Seconds {
        switch self {
        case let .exponential(mean), let .lognormal(mean, _): mean
        case let .fixed(value): value
        case let .empirical(values): values.reduce(0, +) / Double(max(1, values.count))
        }
    }

    public var description: String {
        switch self {
        case let .exponential(mean): "exponential, mean \(Quantities.format(duration: mean))"
        case let .lognormal(mean, cv): "lognormal, mean \(Quantities.format(duration: mean)), cv \(cv)"
        case let .fixed(value): "fixed \(Quantities.format(duration: value))"
        case let .empirical(values): "empirical, \(values.count) values"
        }
    }

    /// Precomputed parameters so that a draw costs a few instructions.
    public struct Sampler: Sendable {
        enum Kind: Sendable {
            case exponential(Double)
            case lognormal(mu: Double, sigma: Double)
            case fixed(Double)
            case empirical([Double])
        }

        let kind: Kind

        /// One value. Every draw takes exactly two numbers from `rng`, whatever the
        /// distribution, so a stream stays in step with its customers when a variant changes
        /// the distribution (common random numbers).
        @inline(__always)
        public func draw(_ rng: inout Xoshiro256) -> Seconds {
            let first = rng.next()
            let second = rng.next()
            return value(first, second)
        }

        /// The value a draw gives when `rng.next()` returned `first`, then `second`: a draw in
        /// two halves, so that a caller can take the numbers when the customer arrives and pay
        /// for the arithmetic (a logarithm, or a logarithm, a cosine and an exponential) only
        /// if the value is needed. A customer answered at once never uses its patience.
        @inline(__always)
        public func value(_ first: UInt64, _ second: UInt64) -> Seconds {
            switch kind {
            case let .exponential(mean):
                return -mean * log(Xoshiro256.unitOpen(first))
            case let .lognormal(mu, sigma):
                return exp(mu + sigma * Xoshiro256.normal(first, second))
            case let .fixed(value):
                return value
            case let .empirical(values):
                return values[Int(first % UInt64(values.count))]
            }
        }
    }

    public var sampler: Sampler {
        switch self {
        case let .exponential(mean): return Sampler(kind: .exponential(mean))
        case let .lognormal(mean, cv):
            let sigma2 = log(1 + cv * cv)
            return Sampler(kind: .lognormal(mu: log(mean) - sigma2 / 2, sigma: sqrt(sigma2)))
        case let .fixed(value): return Sampler(kind: .fixed(value))
        case let .empirical(values): return Sampler(kind: .empirical(values))
        }
    }
}
