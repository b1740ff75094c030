/// A replication's event list: its pending events, the smallest first, in a binary heap over
/// one allocation that the replication owns alone.
///
/// AgnerCore's `BinaryHeap` keeps its elements in a Swift array, so every write of a sift
/// checks the array's uniqueness and bounds: for the simulator's events that was about 570
/// instructions per simulated contact (single queue). Here the writes go straight to memory
/// (under 300 instructions per contact).
/// A pop moves the hole left by the minimum down to a leaf and sifts the last element up from
/// there (`fillRoot(with:)`).
///
/// The elements must be strictly totally ordered (no two equal), as (time, sequence) is: then
/// every valid heap pops them in the one same order, whatever its layout.
///
/// - Complexity: `insert`, `popMin` and `replaceMin` O(log n); `min` O(1).
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
        let base = storage  // locals and wrapping arithmetic, as in `fillRoot(with:)`
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

    /// Removes and returns the smallest element. Inlined: the replication's loop pops about
    /// 1.2 events per simulated contact, and the call cost 38 instructions per contact.
    @inline(__always)
    @discardableResult
    func popMin() -> Element? {
        guard count > 0 else { return nil }
        let top = storage.move()
        let remaining = count &- 1
        count = remaining
        if remaining > 0 { fillRoot(with: (storage + remaining).move()) }
        return top
    }

    /// Replaces the smallest element with `element`: a pop and an insert in one pass down.
    /// - Precondition: the list is not empty.
    func replaceMin(with element: Element) {
        precondition(count > 0, "replaceMin on an empty event list")
        storage.deinitialize(count: 1)
        fillRoot(with: element)
    }

    /// Puts `element` in the empty root's place: the hole moves down to a leaf along the
    /// smaller children (one comparison a level instead of two), then `element` sifts up
    /// from there, which it rarely does far (Floyd's bottom-up heap pop).
    @inline(__always)
    private func fillRoot(with element: Element) {
        // The storage and count in locals, and arithmetic that cannot overflow (a heap holds
        // far fewer than Int.max / 2 elements): the loops then keep everything in registers.
        let base = storage
        let count = count
        var hole = 0
        while true {
            var child = hole &* 2 &+ 1
            guard child < count else { break }
            if child &+ 1 < count && base[child &+ 1] < base[child] { child &+= 1 }
            (base + hole).initialize(to: (base + child).move())
            hole = child
        }
        while hole > 0 {
            let parent = (hole &- 1) >> 1
            guard element < base[parent] else { break }
            (base + hole).initialize(to: (base + parent).move())
            hole = parent
        }
        (base + hole).initialize(to: element)
    }

    private func grow() {
        let grown = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
        grown.moveInitialize(from: storage, count: count)
        storage.deallocate()
        storage = grown
        capacity *= 2
    }
}
