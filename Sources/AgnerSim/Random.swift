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

    /// One independent stream per (seed, replication, purpose, demand stream). `stream` names
    /// the demand stream by what it is (`RandomPurpose.streamKey`), not by its place in the
    /// file, so a variant that adds, removes or reorders streams leaves the others' numbers alone.
    public init(seed: UInt64, replication: Int, purpose: RandomPurpose, stream: UInt64 = 0) {
        self.init(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(replication) &* 0xD1B5_4A32_D192_ED03
                  &+ UInt64(purpose.rawValue) &* 0x8CB9_2BA7_2F3D_8DD7 &+ stream &* 0xA24B_AED4_963E_E407)
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
        Self.unitOpen(next())
    }

    /// The uniform in (0, 1] that `unitOpen()` makes of one output of `next()`.
    @inline(__always)
    public static func unitOpen(_ bits: UInt64) -> Double {
        Double((bits >> 11) + 1) * 0x1.0p-53
    }

    @inline(__always)
    public mutating func exponential(mean: Double) -> Double {
        -mean * log(unitOpen())
    }

    /// A standard normal variate (Box–Muller; the second value of the pair is dropped to keep
    /// the stream's use independent of history).
    public mutating func normal() -> Double {
        let first = next()
        let second = next()
        return Self.normal(first, second)
    }

    /// The standard normal variate that `normal()` makes of two outputs of `next()`.
    @inline(__always)
    public static func normal(_ first: UInt64, _ second: UInt64) -> Double {
        let u = unitOpen(first)
        let v = unitOpen(second)
        return sqrt(-2 * log(u)) * cos(2 * Double.pi * v)
    }

    @inline(__always)
    public mutating func chance(_ probability: Double) -> Bool {
        unitOpen() <= probability
    }
}

/// What a random stream is used for. Every demand stream has one generator per purpose, so
/// changing one part of a scenario does not shift the random numbers of the others (common
/// random numbers): a notice that deflects repair-status calls draws from the repair-status
/// stream's own `deflection` generator, never from anyone's arrivals.
public enum RandomPurpose: Int, Sendable, CaseIterable {
    /// Times between arrivals.
    case arrivals = 1
    /// Handle times, one per would-be contact, drawn when it arrives.
    case handleTimes = 2
    /// Patience, one per would-be contact, drawn when it arrives.
    case patience = 3
    /// Whether a handled contact is drawn for quality review.
    case sampling = 4
    /// The customer's segment.
    case segment = 6
    /// Whether a proactive notice answers the would-be contact.
    case deflection = 7

    /// A demand stream's identity for seeding: FNV-1a of `channel/topic`, and the stream's
    /// occurrence among streams of the same channel and topic.
    public static func streamKey(channel: String, topic: String, occurrence: Int) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(channel)/\(topic)#\(occurrence)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}
