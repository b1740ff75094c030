/// A replication's event list: its pending events, the smallest first, in a binary heap over
/// one allocation that the replication owns alone.
///
/// AgnerCore's `BinaryHeap` keeps its elements in a Swift array, so every write of a sift
/// checks the array's uniqueness and bounds: for the simulator's events that was about 570
/// instructions per simulated contact (single queue). Here the writes go straight to memory.
/// A pop moves the hole left by the minimum down to a leaf along the smaller children (one
/// comparison a level instead of two) and then sifts the last element up from there, which
/// rarely climbs far (Floyd's bottom-up heap pop).
///
/// The elements must be strictly totally ordered (no two equal), as (time, sequence) is: then
/// every valid heap pops them in the one same order, whatever its layout.
///
/// - Complexity: `insert` and `popMin` O(log n); `min` O(1).
final class EventList<Element: Comparable> {
    private var storage: UnsafeMutablePointer<Element>
    private(set) var count = 0
    private var capacity: Int

    init(reserving capacity: Int = 64) {
        self.capacity = max(1, capacity)
        storage = UnsafeMutablePointer<Element>.allocate(capacity: self.capacity)
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    /// The smallest element, if any.
    @inline(__always)
    var min: Element? { count > 0 ? storage[0] : nil }

    func insert(_ element: Element) {
        if count == capacity { grow() }
        // The storage and count in locals, and arithmetic that cannot overflow (a heap holds
        // far fewer than Int.max / 2 elements): the loops then keep everything in registers.
        let base = storage
        var child = count
        count = child &+ 1
        while child > 0 {
            let parent = (child &- 1) >> 1
            guard element < base[parent] else { break }
            (base + child).initialize(to: (base + parent).move())
            child = parent
        }
        (base + child).initialize(to: element)
    }

    /// Removes and returns the smallest element.
    @discardableResult
    func popMin() -> Element? {
        guard count > 0 else { return nil }
        let base = storage
        let top = base.move()
        let remaining = count &- 1
        count = remaining
        guard remaining > 0 else { return top }
        let last = (base + remaining).move()
        // Down to a leaf along the smaller children...
        var hole = 0
        while true {
            var child = hole &* 2 &+ 1
            guard child < remaining else { break }
            if child &+ 1 < remaining && base[child &+ 1] < base[child] { child &+= 1 }
            (base + hole).initialize(to: (base + child).move())
            hole = child
        }
        // ...then the last element up from there to its place.
        while hole > 0 {
            let parent = (hole &- 1) >> 1
            guard last < base[parent] else { break }
            (base + hole).initialize(to: (base + parent).move())
            hole = parent
        }
        (base + hole).initialize(to: last)
        return top
    }

    private func grow() {
        let grown = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
        grown.moveInitialize(from: storage, count: count)
        storage.deallocate()
        storage = grown
        capacity *= 2
    }
}
