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
        var child = count
        count += 1
        while child > 0 {
            let parent = (child - 1) >> 1
            guard element < storage[parent] else { break }
            (storage + child).initialize(to: (storage + parent).move())
            child = parent
        }
        (storage + child).initialize(to: element)
    }

    /// Removes and returns the smallest element.
    @discardableResult
    func popMin() -> Element? {
        guard count > 0 else { return nil }
        let top = (storage + 0).move()
        count -= 1
        guard count > 0 else { return top }
        let last = (storage + count).move()
        // Down to a leaf along the smaller children...
        var hole = 0
        while true {
            var child = 2 * hole + 1
            guard child < count else { break }
            if child + 1 < count && storage[child + 1] < storage[child] { child += 1 }
            (storage + hole).initialize(to: (storage + child).move())
            hole = child
        }
        // ...then the last element up from there to its place.
        while hole > 0 {
            let parent = (hole - 1) >> 1
            guard last < storage[parent] else { break }
            (storage + hole).initialize(to: (storage + parent).move())
            hole = parent
        }
        (storage + hole).initialize(to: last)
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
