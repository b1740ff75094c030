import AgnerCore

/// Additive counters for a group of contacts (a channel, a topic, an interval, …). Memory does
/// not grow with the number of contacts: everything is a running sum or a maximum.
public struct Tally: Sendable, Equatable, Codable {
    /// Contacts that reached the center while it was open (or that it kept: e-mail, callbacks).
    public var offered = 0
    public var answered = 0
    public var answeredWithinTarget = 0
    public var abandoned = 0
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

/// Staffed and busy agent-seconds, for occupancy.
public struct Workload: Sendable, Equatable, Codable {
    /// Agent-seconds logged in and not on a break.
    public var staffed: Double = 0
    /// Agent-seconds of handling and wrap-up; a chat counts 1 ÷ the agent's chat capacity.
    public var busy: Double = 0

    public init() {}

    public var occupancy: Double { staffed > 0 ? busy / staffed : .nan }

    public mutating func add(_ other: Workload) {
        staffed += other.staffed
        busy += other.busy
    }
}
