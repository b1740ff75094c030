import DequeModule

/// One eligibility criterion produced by some topic's ladder step, e.g. "phone, department
/// billing, skill invoices at proficiency ≥ 3". Topics with the same criterion share a pool.
struct PoolCriterion: Hashable, Sendable, Codable {
    var channel: Channel
    /// -1: any department.
    var department: Int
    /// Sorted skill indices; empty: no skill needed.
    var skills: [Int]
    var minimumProficiency: Int

    /// The agent's standing in this pool: nil when not eligible, else the lowest proficiency
    /// among the required skills (0 when none are required).
    func standing(of profile: AgentProfile) -> Int? {
        guard profile.capacity[channel] > 0 else { return nil }
        if department >= 0 && profile.department.index != department { return nil }
        var lowest = skills.isEmpty ? 0 : Int.max
        for skill in skills {
            let level = profile.proficiency(in: SkillID(skill))
            guard level > 0 && level >= minimumProficiency else { return nil }
            lowest = min(lowest, level)
        }
        return lowest
    }
}

/// A free agent in a pool's heap. Entries are never removed in place: an entry whose
/// `version` no longer matches its agent's is stale and dropped when it reaches the top.
struct FreeAgentEntry: Comparable, Sendable, Codable {
    /// Policy rank: smaller is better (negated proficiency, contacts in progress, or 0).
    var rank: Int32
    var since: Seconds
    var agent: Int32
    var version: UInt32

    static func < (a: Self, b: Self) -> Bool {
        if a.rank != b.rank { return a.rank < b.rank }
        if a.since != b.since { return a.since < b.since }
        return a.agent < b.agent
    }

    static func == (a: Self, b: Self) -> Bool {
        a.rank == b.rank && a.since == b.since && a.agent == b.agent && a.version == b.version
    }
}

/// A waiting contact in a pool's heap, ordered by urgency: breached contacts that keep
/// waiting first, then the earliest effective deadline, then arrival order. (A pool holds one
/// channel, so every entry in it shares the channel's routing tier; tiers are compared across
/// pools, in `routeAgent`.)
struct WaitingEntry: Comparable, Sendable, Codable {
    /// 0: breached and kept waiting at top urgency; 1: every other contact.
    var breachRank: UInt8
    var effectiveDeadline: Seconds
    var sequence: UInt64
    var contact: Int32
    var version: UInt32

    static func < (a: Self, b: Self) -> Bool {
        if a.breachRank != b.breachRank { return a.breachRank < b.breachRank }
        if a.effectiveDeadline != b.effectiveDeadline { return a.effectiveDeadline < b.effectiveDeadline }
        return a.sequence < b.sequence
    }

    static func == (a: Self, b: Self) -> Bool {
        a.breachRank == b.breachRank && a.effectiveDeadline == b.effectiveDeadline && a.sequence == b.sequence && a.version == b.version
    }
}

/// A set of agents, the criteria that give exactly that set, and the contacts waiting for it.
///
/// A pool is defined by its agents, not by one criterion: ladder steps and topics whose criteria
/// name the same agents share one pool (the standard ladder gives a single-skill center four
/// criteria of the same agents; the retail center 64 criteria but 14 sets of agents), so taking
/// or freeing an agent updates each set once (`RoutingEngine.refinePools(for:)` keeps the sets
/// exact as agents are added or changed).
///
/// - Complexity: finding the best free agent or the most urgent contact is O(log n) amortised;
///   stale entries are dropped as they surface, and a heap is rebuilt when it holds more than
///   twice its live entries, so memory stays proportional to what is live.
struct Pool: Sendable, Codable {
    let channel: Channel
    /// The criteria (indices into `RoutingEngine.criteria`, ascending) whose agents this pool
    /// holds: every agent meets all of them or none (and, under `SelectionPolicy.mostSkilled`,
    /// stands at the same proficiency in each).
    var criteria: [Int32]
    /// Free agents whose entries arrived in rank order (the usual case under `longestIdle`:
    /// an agent re-enters with `since == now`, behind everyone already free). O(1) to add.
    var freeInOrder = Deque<FreeAgentEntry>()
    /// Free agents whose entries arrived out of order (other policies, or an agent who
    /// became free again with an older idle time). O(log n) to add.
    var freeAgents = BinaryHeap<FreeAgentEntry>()
    /// Agents of the pool with free capacity on its channel right now.
    var freeCount = 0
    /// Agents of the pool who are logged in (any presence but offline).
    var loggedInCount = 0
    /// Logged-in agents of the pool who are not responding (missed an offer).
    var notRespondingCount = 0
    var waiting = BinaryHeap<WaitingEntry>()
    /// Contacts waiting in this pool right now.
    var waitingCount = 0
    /// Free agents are indexed only once someone has looked for one here: a pool that is never
    /// searched (a channel without demand, say) costs nothing when agents come and go.
    var isIndexed = false
    /// Entries added to the free lines since the pool was last searched. A pool added to far
    /// more often than it is searched stops being indexed (`RoutingEngine.refreshAgent`):
    /// rebuilding its lines when it is next searched costs less than keeping them.
    var pushesSinceSearch = 0
    /// Free agents who were kept from a contact of a lower tier because this pool (of a higher
    /// tier) had too few other free agents (`ChannelSettings.higherTierReserve`). When the pool
    /// gains a free agent and then has at least the smallest reserve free, they are routed again:
    /// one of them may now keep the reserve.
    var heldBack: [Int32] = []

    init(channel: Channel, criteria: [Int32]) {
        self.channel = channel
        self.criteria = criteria
    }

    /// Adds a free agent's entry where it keeps the pool ordered.
    /// - Complexity: O(1) when the entry ranks after every in-order entry, else O(log n).
    mutating func addFree(_ entry: FreeAgentEntry) {
        if freeInOrder.last.map({ !(entry < $0) }) ?? true {
            freeInOrder.append(entry)
        } else {
            freeAgents.insert(entry)
        }
    }

    var freeEntryCount: Int { freeInOrder.count + freeAgents.count }

    /// Heaps are rebuilt when they hold more than three times their live entries: memory
    /// stays proportional to what is live, and each rebuild is paid for by the pushes before it.
    static func needsCompaction(heapCount: Int, live: Int) -> Bool {
        heapCount > 3 * live + 64
    }
}
