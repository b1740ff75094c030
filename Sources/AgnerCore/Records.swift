/// An agent's membership in a pool, with the agent's standing there.
struct Membership: Sendable, Codable {
    var pool: Int32
    var proficiency: Int32
}

/// What the engine keeps per agent. Stored in a slot array; ids map to slots.
struct AgentRecord: Sendable, Codable {
    var profile: AgentProfile {
        didSet { capacity = profile.capacity }
    }
    /// `profile.capacity`, kept beside the counters so the hot path reads no arrays.
    var capacity: PerChannel<Int>
    /// What the agent asked for; only commands set it.
    var presence: Presence = .offline
    /// Missed an offer and not made available again (under `MissedOfferRule.notResponding`).
    /// Derived by the engine; cleared by any presence command.
    var notResponding = false
    /// Capacity in use per channel: offers out, contacts connected, contacts in wrap-up.
    var used = PerChannel(repeating: 0)
    var usedTotal = 0
    var offers = 0
    var connected = 0
    var wrappingUp = 0
    var idleSince: Seconds = 0
    /// Per channel, bumped whenever the agent's entries in that channel's pools must be
    /// treated as stale (its rank moved, or it became free again and was pushed anew).
    var versions = PerChannel<UInt32>(repeating: 0)
    /// Per channel, the rank inputs of the entries last pushed (idle since, contacts in progress).
    var pushedSince = PerChannel<Seconds>(repeating: -.infinity)
    var pushedInUse = PerChannel<Int>(repeating: -1)
    /// What the pools' counters currently include for this agent.
    var countedLoggedIn = false
    var countedNotResponding = false
    var countedFree: UInt8 = 0
    var reported: AgentState = .offline
    var live = true

    init(profile: AgentProfile) {
        self.profile = profile
        self.capacity = profile.capacity
    }

    /// The channels with free capacity, one bit per channel. Static over plain values, so the
    /// engine can call it on an element of its agent array without copying the record.
    @inline(__always)
    static func freeMask(presence: Presence, notResponding: Bool, capacity: PerChannel<Int>, used: PerChannel<Int>, usedTotal: Int) -> UInt8 {
        guard presence == .available && !notResponding else { return 0 }
        let voiceInUse = used.phone + used.clickToCall > 0
        var mask: UInt8 = 0
        if capacity.phone > 0 && usedTotal == 0 { mask |= 1 << 0 }
        if capacity.chat > 0 && !voiceInUse && used.chat < capacity.chat { mask |= 1 << 1 }
        if capacity.email > 0 && !voiceInUse && used.email < capacity.email { mask |= 1 << 2 }
        if capacity.clickToCall > 0 && usedTotal == 0 { mask |= 1 << 3 }
        return mask
    }

    @inline(__always)
    static func state(presence: Presence, notResponding: Bool, offers: Int, connected: Int, wrappingUp: Int) -> AgentState {
        if connected > 0 { return .busy }
        if offers > 0 { return .reserved }
        if wrappingUp > 0 { return .wrapUp }
        switch presence {
        case .offline: return .offline
        case .available: return notResponding ? .notResponding : .available
        case .onBreak: return .onBreak
        }
    }

    var state: AgentState {
        Self.state(presence: presence, notResponding: notResponding, offers: offers, connected: connected, wrappingUp: wrappingUp)
    }
}

/// What the engine keeps per contact while it is alive (until it reaches a terminal state).
struct ContactRecord: Sendable, Codable {
    var id = ContactID(0)
    var channel = Channel.phone
    var topic: Int32 = 0
    var segment = Segment.regular
    var priority: Int8 = 0
    var state = ContactState.queued
    var step: Int8 = 0
    var warned = false
    var breached = false
    var arrivedOutOfHours = false
    /// Waiting for a callback rather than holding the line.
    var isCallback = false
    /// Held (`Command.hold`): keeps its place and deadline, offered to nobody.
    var held = false
    /// Arrived while its channel was closed and kept (e-mail held, click-to-call called back):
    /// offered to nobody until the channel opens.
    var awaitingOpening = false

    /// Out of every line for now: held, or waiting for its channel to open.
    var isParked: Bool { held || awaitingOpening }
    var missedOffers: Int32 = 0
    var arrival: Seconds = 0
    /// When it was answered (connected); 0 until then.
    var answeredAt: Seconds = 0
    var deadline: Seconds = 0
    var effectiveDeadline: Seconds = 0
    var sequence: UInt64 = 0
    /// The agent slot holding the offer, the conversation or the wrap-up; -1 when none.
    var agent: Int32 = -1
    /// The pool whose line the contact is in; -1 when not waiting.
    var bucket: Int32 = -1
    /// Versions survive slot reuse, so entries for an earlier contact in the slot stay stale.
    var queueVersion: UInt32 = 0
    var clockVersion: UInt32 = 0
    var linkVersion: UInt32 = 0
}

/// A pending timer. Stale when the version no longer matches its contact's.
///
/// Timers fire in time order; at equal times the contact that arrived first goes first, then
/// by kind. The order depends only on the timers, not on when they were scheduled, so leaving
/// out timers that change nothing (`RoutingEngine.nextEscalation`) moves no other timer.
struct TimerEntry: Comparable, Sendable, Codable {
    enum Kind: UInt8, Sendable, Codable {
        /// Escalation, breach warning or breach of a waiting contact.
        case clock
        case offerTimeout
        case wrapUpEnd
        /// A held contact's hold runs out: a waiting one is abandoned (cause `adapterLost`), one
        /// in conversation is completed.
        case holdExpiry
    }

    /// The time as `OrderKey.of` gives it: the heap's comparisons load integers straight from
    /// memory (docs/performance.md, "The fourth round"). Encoded as the time itself.
    var timeKey: UInt64
    /// The arrival sequence of its contact (`ContactRecord.sequence`).
    var sequence: UInt64
    var kind: Kind
    var contact: Int32
    var version: UInt32

    init(time: Seconds, sequence: UInt64, kind: Kind, contact: Int32, version: UInt32) {
        timeKey = OrderKey.of(time + 0)  // -0.0 becomes 0.0: the two tie
        self.sequence = sequence
        self.kind = kind
        self.contact = contact
        self.version = version
    }

    var time: Seconds { OrderKey.number(timeKey) }

    static func < (a: Self, b: Self) -> Bool {
        // Time and sequence as one number: no branch on which comes first.
        let x = UInt128(a.timeKey) << 64 | UInt128(a.sequence)
        let y = UInt128(b.timeKey) << 64 | UInt128(b.sequence)
        // Equal only for two timers of one contact due at one instant: rarely taken.
        if x == y { return a.kind.rawValue < b.kind.rawValue }
        return x < y
    }

    static func == (a: Self, b: Self) -> Bool {
        a.timeKey == b.timeKey && a.sequence == b.sequence && a.kind == b.kind
    }

    enum CodingKeys: String, CodingKey { case time, sequence, kind, contact, version }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(time: try c.decode(Seconds.self, forKey: .time), sequence: try c.decode(UInt64.self, forKey: .sequence),
                  kind: try c.decode(Kind.self, forKey: .kind), contact: try c.decode(Int32.self, forKey: .contact),
                  version: try c.decode(UInt32.self, forKey: .version))
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(time, forKey: .time)
        try c.encode(sequence, forKey: .sequence)
        try c.encode(kind, forKey: .kind)
        try c.encode(contact, forKey: .contact)
        try c.encode(version, forKey: .version)
    }
}

/// A contact waiting for its channel to open: its slot and arrival sequence (stale once the
/// slot holds another contact, or the contact is no longer waiting for opening).
struct OpeningWaiter: Sendable, Codable, Equatable {
    var slot: Int32
    var sequence: UInt64
}
