import AgnerCore

/// The next arrival of every demand stream, the earliest first: a tournament tree over the
/// streams (a winner tree, Knuth, *The Art of Computer Programming*, vol. 3, 5.4.1).
///
/// Each inner node keeps the stream with the earlier (time, stream) of its two children, so the
/// root names the next arrival. A stream's next arrival replaces its previous one and replays
/// only the matches on its own path to the root: one comparison per level, where a binary heap
/// sifts the hole down to a leaf and the entry back up. With the retail week's eleven streams
/// the heap's `replaceMin` cost 111 instructions per simulated contact; the tournament brought
/// the whole run from 8,872 to 8,804 (single queue, one stream: 4,710 to 4,687). The order is
/// the heap's: earliest time first, the lower stream first at equal times.
///
/// A stream with no more arrivals has time `+infinity`; the tree is padded to a power of two
/// with such streams. Storage is owned by the replication alone, so it is reached through
/// unchecked pointers (no uniqueness check per write, as with `Slab`).
final class ArrivalTournament {
    /// Leaves: the streams, then the padding.
    private let leaves: Int
    /// `times[stream]`: the stream's next arrival (`+infinity`: none).
    private let times: UnsafeMutablePointer<Seconds>
    /// `winners[node]` for the inner nodes `1..<leaves`; node `i` has children `2i` and `2i + 1`,
    /// and leaf `leaves + s` (stream `s`) is its own winner.
    private let winners: UnsafeMutablePointer<Int32>

    /// A tree of `streams` streams, none with an arrival yet.
    init(streams: Int) {
        var leaves = 1
        while leaves < streams { leaves *= 2 }
        self.leaves = leaves
        times = .allocate(capacity: leaves)
        times.initialize(repeating: .infinity, count: leaves)
        winners = .allocate(capacity: 2 * leaves)
        winners.initialize(repeating: 0, count: 2 * leaves)
        for stream in 0..<leaves { winners[leaves + stream] = Int32(stream) }
        for node in stride(from: leaves - 1, to: 0, by: -1) { winners[node] = winners[2 * node] }
    }

    deinit {
        times.deallocate()
        winners.deallocate()
    }

    /// The stream whose arrival comes next (when `nextTime` is finite): the root's winner
    /// (with one stream, the root is its leaf).
    @inline(__always)
    var next: Int { Int(winners[1]) }

    /// The time of the next arrival of all streams; `+infinity` when none has any.
    @inline(__always)
    var nextTime: Seconds { times[next] }

    /// Sets `stream`'s next arrival (`nil`: it has no more) and replays its path to the root.
    @inline(__always)
    func setNext(_ time: Seconds?, of stream: Int) {
        times[stream] = time ?? .infinity
        var node = (leaves &+ stream) >> 1
        while node > 0 {
            let left = winners[2 &* node]
            let right = winners[2 &* node &+ 1]
            // The left subtree holds the lower streams: it wins ties.
            winners[node] = times[Int(right)] < times[Int(left)] ? right : left
            node >>= 1
        }
    }
}
