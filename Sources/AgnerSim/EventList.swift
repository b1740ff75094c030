import AgnerCore

/// The replication's event list: a binary min-heap, kept with AgnerCore's `BinaryHeap` order
/// operations (`siftUp`, `fillRoot`) in a slab the replication owns alone.
///
/// `BinaryHeap` is a value: each insert and pop checks that its array is not shared, twice
/// (once to resize, once for the buffer). The event list is never copied, so it skips the
/// checks: 63 instructions per simulated contact in the single queue (docs/performance.md).
/// One heap algorithm in the project, two storages.
///
/// - Complexity: `insert` and `popMin` O(log n); `min` O(1).
struct EventList<Element: Comparable & Sendable> {
    private let slab: Slab<Element>

    /// An empty list; `placeholder` only fills the slab's type (it is never read).
    init(reserving capacity: Int, placeholder: Element) {
        slab = Slab(reserving: capacity, placeholder: placeholder)
    }

    var count: Int { slab.count }

    @inline(__always)
    var min: Element? { slab.count > 0 ? slab[0] : nil }

    @inline(__always)
    private var heap: UnsafeMutableBufferPointer<Element> {
        UnsafeMutableBufferPointer(start: slab.pointer, count: slab.count)
    }

    @inline(__always)
    func insert(_ element: Element) {
        slab.append(element)
        BinaryHeap.siftUp(element, from: slab.count &- 1, in: heap)
    }

    @inline(__always)
    @discardableResult
    func popMin() -> Element? {
        guard let last = slab.popLast() else { return nil }
        guard slab.count > 0 else { return last }
        let top = slab[0]
        BinaryHeap.fillRoot(with: last, in: heap)
        return top
    }
}
