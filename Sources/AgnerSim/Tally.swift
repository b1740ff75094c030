import AgnerCore

/// Additive counters for a group of contacts (a channel, a topic, an interval, …). Memory does
/// not grow with the number of contacts: everything is a running sum or a maximum.
public struct Tally: Sendable, Equatable, Codable {
    /// Contacts that reached the center while it was open (or that it kept: e-mail, callbacks).
    public var offered = 0
    public var answered = 0
    public var answeredWithinTarget = 0
    public var abandoned = 0
    /// Offered but neither answered nor abandoned when the run ended: still waiting (in line,
    /// ringing, or waiting for a callback). offered = answered + abandoned + openAtEnd.
    public var openAtEnd = 0
    /// Abandoned within 5 s (forgiven by the `shortAbandonsExcluded` definition).
    public var abandonedShort = 0
    /// Contacts that had to wait at all.
    public var waited = 0
    public var waitSum: Double = 0
    public var longestWait: Double = 0
    public var handleSum: Double = 0
    public var breaches = BreachCounts()
    public var callbacks = 0
    /// Arrived outside opening hours and not kept.
    public var unserved = 0
    /// Would have contacted the center, but a proactive notice answered them.
    public var deflected = 0
    public var noticesSent = 0
    public var qaSampled = 0

    public init() {}

    public mutating func add(_ other: Tally) {
        offered += other.offered
        answered += other.answered
        answeredWithinTarget += other.answeredWithinTarget
        abandoned += other.abandoned
        openAtEnd += other.openAtEnd
        abandonedShort += other.abandonedShort
        waited += other.waited
        waitSum += other.waitSum
        longestWait = max(longestWait, other.longestWait)
        handleSum += other.handleSum
        for index in 0..<BreachCounts.count { breaches[index] += other.breaches[index] }
        callbacks += other.callbacks
        unserved += other.unserved
        deflected += other.deflected
        noticesSent += other.noticesSent
        qaSampled += other.qaSampled
    }

    public func serviceLevel(_ definition: ServiceLevelDefinition) -> Double {
        let denominator: Int = switch definition {
        case .offered, .virtual: offered
        case .answered: answered
        case .shortAbandonsExcluded: offered - abandonedShort
        }
        return denominator > 0 ? Double(answeredWithinTarget) / Double(denominator) : .nan
    }

    public var averageSpeedOfAnswer: Double { answered > 0 ? waitSum / Double(answered) : .nan }
    public var averageHandleTime: Double { answered > 0 ? handleSum / Double(answered) : .nan }
    public var abandonRate: Double { offered > 0 ? Double(abandoned) / Double(offered) : .nan }
    public var probabilityOfWaiting: Double { offered > 0 ? Double(waited) / Double(offered) : .nan }
}

/// Breaches per cause (in `BreachCause.allCases` order), stored inline so that a `Tally` is a
/// plain value: no heap storage, no reference counting on the simulator's hot path.
public struct BreachCounts: Sendable, Equatable, Codable {
    public static let count = BreachCause.allCases.count
    private var a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, g = 0

    public init() {}

    public subscript(index: Int) -> Int {
        get {
            switch index {
            case 0: a
            case 1: b
            case 2: c
            case 3: d
            case 4: e
            case 5: f
            default: g
            }
        }
        set {
            switch index {
            case 0: a = newValue
            case 1: b = newValue
            case 2: c = newValue
            case 3: d = newValue
            case 4: e = newValue
            case 5: f = newValue
            default: g = newValue
            }
        }
    }

    public init(from decoder: Decoder) throws {
        var container = try decoder.unkeyedContainer()
        for index in 0..<Self.count { self[index] = try container.decode(Int.self) }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.unkeyedContainer()
        for index in 0..<Self.count { try container.encode(self[index]) }
    }
}

/// Staffed, occupied and slot time, in agent-seconds, for occupancy and slot utilisation.
public struct Workload: Sendable, Equatable, Codable {
    /// Agent-seconds logged in and not on a break.
    public var staffed: Double = 0
    /// Agent-seconds handling or wrapping up at least one contact (never more than `staffed`).
    public var occupied: Double = 0
    /// Slot-seconds offered per channel: the agent's capacity on the channel × staffed time.
    public var slotsOffered = PerChannel<Double>(repeating: 0)
    /// Slot-seconds used per channel: contacts held (handling or wrap-up) × time.
    public var slotsUsed = PerChannel<Double>(repeating: 0)

    public init() {}

    /// Time handling or wrapping up at least one contact ÷ time available (logged in, not on a
    /// break): 0–1, as contact-center practice defines it. NaN when nobody was staffed.
    public var occupancy: Double { staffed > 0 ? min(1, occupied / staffed) : .nan }

    /// Used ÷ offered concurrent slots of a channel: 0–1. NaN when no slot was offered.
    public func slotUtilisation(_ channel: Channel) -> Double {
        slotsOffered[channel] > 0 ? min(1, slotsUsed[channel] / slotsOffered[channel]) : .nan
    }

    public mutating func add(_ other: Workload) {
        staffed += other.staffed
        occupied += other.occupied
        for channel in Channel.allCases {
            slotsOffered[channel] += other.slotsOffered[channel]
            slotsUsed[channel] += other.slotsUsed[channel]
        }
    }
}
