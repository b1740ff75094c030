import Foundation

/// xoshiro256** — a small, fast generator with good statistical quality. Seeded through
/// SplitMix64 so that nearby seeds give unrelated streams.
public struct Xoshiro256: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64

    public init(seed: UInt64) {
        var mix = seed
        func next() -> UInt64 {
            mix &+= 0x9E37_79B9_7F4A_7C15
            var z = mix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = next(); s1 = next(); s2 = next(); s3 = next()
    }

    /// One independent stream per (seed, replication, purpose).
    public init(seed: UInt64, replication: Int, purpose: RandomPurpose) {
        self.init(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(replication) &* 0xD1B5_4A32_D192_ED03 &+ UInt64(purpose.rawValue) &* 0x8CB9_2BA7_2F3D_8DD7)
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform in (0, 1]: never 0, so its logarithm is finite.
    @inline(__always)
    public mutating func unitOpen() -> Double {
        Double((next() >> 11) + 1) * 0x1.0p-53
    }

    @inline(__always)
    public mutating func exponential(mean: Double) -> Double {
        -mean * log(unitOpen())
    }

    /// A standard normal variate (Box–Muller; the second value of the pair is dropped to keep
    /// the stream's use independent of history).
    public mutating func normal() -> Double {
        let u = unitOpen()
        let v = unitOpen()
        return sqrt(-2 * log(u)) * cos(2 * Double.pi * v)
    }

    @inline(__always)
    public mutating func chance(_ probability: Double) -> Bool {
        unitOpen() <= probability
    }
}

/// What a random stream is used for: one stream each, so changing one part of a scenario
/// does not shift the random numbers of the others.
public enum RandomPurpose: Int, Sendable {
    case arrivals = 1
    case handleTimes = 2
    case patience = 3
    case sampling = 4
    case routing = 5
}
