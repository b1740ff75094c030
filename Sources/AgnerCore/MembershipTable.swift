/// Every agent's pools, per channel, in one buffer the engine owns.
///
/// Per (agent slot, channel) a cell block: a header whose `pool` holds the count, then room for
/// `width` memberships. Reading an agent's pools costs no reference counting: an array per
/// agent and channel cost a retain and a release at every look (about 5 % of the retail week's
/// instructions, callgrind; docs/performance.md). The memberships are derived from the agent's
/// profile and the pools (`RoutingEngine.memberships(of:)`), so they are not stored in snapshots.
///
/// - Complexity: `memberships` O(1); `set` and `append` O(1), or O(slots × width) when the
///   width grows (an agent in more pools of a channel than any before).
struct MembershipTable: Sendable {
    private var cells = RecordStore<Membership>()
    /// Room per (slot, channel).
    private(set) var width = 4
    private var slots = 0

    @inline(__always)
    private func header(_ slot: Int, _ channel: Channel) -> Int {
        (slot &* 4 &+ channel.rawValue) &* (width &+ 1)
    }

    /// The agent's memberships on the channel, in pool order. Valid until the table changes.
    @inline(__always)
    func memberships(_ slot: Int32, _ channel: Channel) -> UnsafeBufferPointer<Membership> {
        let at = header(Int(slot), channel)
        return cells.buffer(from: at &+ 1, count: Int(cells[at].pool))
    }

    mutating func makeUnique() {
        cells.makeUnique()
    }

    /// Sets the agent's memberships on every channel (an agent added, changed or removed).
    mutating func set(_ slot: Int32, _ lists: PerChannel<[Membership]>) {
        let needed = Channel.allCases.map { lists[$0].count }.max() ?? 0
        if needed > width { relayout(width: max(needed, width * 2)) }
        while slots <= Int(slot) {
            for _ in 0..<(4 * (width + 1)) { cells.append(Membership(pool: 0, proficiency: 0)) }
            slots += 1
        }
        for channel in Channel.allCases {
            let at = header(Int(slot), channel)
            cells[at].pool = Int32(lists[channel].count)
            for (index, membership) in lists[channel].enumerated() { cells[at + 1 + index] = membership }
        }
    }

    /// Adds a membership after the agent's others on the channel (a pool split).
    mutating func append(_ slot: Int32, _ channel: Channel, _ membership: Membership) {
        let count = Int(cells[header(Int(slot), channel)].pool)
        if count == width { relayout(width: width * 2) }
        let at = header(Int(slot), channel)
        cells[at + 1 + count] = membership
        cells[at].pool = Int32(count + 1)
    }

    private mutating func relayout(width newWidth: Int) {
        var grown: [Membership] = []
        grown.reserveCapacity(slots * 4 * (newWidth + 1))
        for slot in 0..<slots {
            for channel in Channel.allCases {
                let at = header(slot, channel)
                let count = Int(cells[at].pool)
                grown.append(cells[at])
                for index in 0..<newWidth { grown.append(index < count ? cells[at + 1 + index] : Membership(pool: 0, proficiency: 0)) }
            }
        }
        cells = RecordStore(grown)
        width = newWidth
    }
}
