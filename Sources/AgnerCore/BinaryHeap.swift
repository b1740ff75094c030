/// A binary min-heap. For a strict total order (every element key distinct, as with
/// `(time, sequence)`), the pop order is fully determined, so runs are reproducible.
///
/// swift-collections' `Heap` is a min-max heap: it can also pop the maximum, which this
/// project never needs, at the price of more comparisons per level.
///
/// - Complexity: `insert` and `popMin` O(log n); `min` O(1).
public struct BinaryHeap<Element: Comparable>: Sendable where Element: Sendable {
    @usableFromInline var storage: [Element] = []

    public init() {}

    /// Builds a heap from any elements.
    /// - Complexity: O(n).
    @inlinable
    public init(_ elements: [Element]) {
        storage = elements
        guard storage.count > 1 else { return }
        for start in stride(from: storage.count / 2 - 1, through: 0, by: -1) { siftDown(from: start) }
    }

    /// The elements in no particular order.
    public var unordered: [Element] { storage }

    /// Inlinable, like the rest of the heap: callers in other modules must get code specialised
    /// for their element type, not the generic path (measured: +55 % instructions otherwise).
    @inlinable
    mutating func siftDown(from start: Int) {
        let element = storage[start]
        let count = storage.count
        var hole = start
        while true {
            var child = 2 * hole + 1
            guard child < count else { break }
            if child + 1 < count && storage[child + 1] < storage[child] { child += 1 }
            guard storage[child] < element else { break }
            storage[hole] = storage[child]
            hole = child
        }
        storage[hole] = element
    }

    public var count: Int { storage.count }

    /// Whether no element is smaller than its parent (a decoded heap that is not one would pop
    /// out of order).
    /// - Complexity: O(n).
    public var isHeapOrdered: Bool {
        storage.indices.dropFirst().allSatisfy { !(storage[$0] < storage[($0 - 1) >> 1]) }
    }
    public var isEmpty: Bool { storage.isEmpty }

    @inlinable
    public var min: Element? { storage.first }

    @inlinable
    public mutating func insert(_ element: Element) {
        storage.append(element)
        storage.withUnsafeMutableBufferPointer { heap in
            Self.siftUp(element, from: heap.count &- 1, in: heap)
        }
    }

    /// Removes the smallest element. The hole left at the root moves down along the smaller
    /// children to a leaf, one comparison per level, and the last element is sifted up from
    /// there (Floyd's variant, as in libstdc++'s `pop_heap`): the last element is usually large,
    /// so it belongs near the bottom, and the usual sift-down's second comparison per level (the
    /// element against the smaller child) mostly says "go on". The heap's arrangement differs
    /// from the usual sift-down's, but under a strict total order the pop order does not.
    @inlinable
    @discardableResult
    public mutating func popMin() -> Element? {
        guard let last = storage.popLast() else { return nil }
        guard !storage.isEmpty else { return last }
        return storage.withUnsafeMutableBufferPointer { heap in
            let top = heap[0]
            Self.fillRoot(with: last, in: heap)
            return top
        }
    }

    /// Replaces the smallest element with `element`: a pop and an insert in one pass.
    /// - Precondition: the heap is not empty.
    @inlinable
    public mutating func replaceMin(with element: Element) {
        precondition(!storage.isEmpty, "replaceMin on an empty heap")
        storage.withUnsafeMutableBufferPointer { heap in Self.fillRoot(with: element, in: heap) }
    }

    /// Puts `element` in the root's place: the hole moves down to a leaf along the smaller
    /// children, then `element` sifts up from there (Floyd's variant: one comparison per level
    /// on the way down).
    ///
    /// Public with `siftUp`, so that a caller who owns a buffer alone can keep a heap in it
    /// with the same order operations and no copy-on-write check per insert and pop (the
    /// simulator's event list, `AgnerSim.EventList`).
    @inlinable
    public static func fillRoot(with element: Element, in heap: UnsafeMutableBufferPointer<Element>) {
        let count = heap.count
        var hole = 0
        var child = 1
        while child < count {
            // Which child is the smaller is a coin toss in a heap of random times. Adding 0 or 1
            // to the index, rather than branching, spares the mispredictions where the element's
            // `<` has no branch either (docs/performance.md, "The fourth round"). A select of the
            // two indices would not do: LLVM turns it back into a branch, as it feeds the loads.
            if child &+ 1 < count { child &+= heap[child &+ 1] < heap[child] ? 1 : 0 }
            heap[hole] = heap[child]
            hole = child
            child = 2 &* hole &+ 1
        }
        siftUp(element, from: hole, in: heap)
    }

    /// Moves `element` up from the hole at `start` to where it keeps the heap ordered.
    @inlinable
    public static func siftUp(_ element: Element, from start: Int, in heap: UnsafeMutableBufferPointer<Element>) {
        var hole = start
        while hole > 0 {
            let parent = (hole &- 1) >> 1
            guard element < heap[parent] else { break }
            heap[hole] = heap[parent]
            hole = parent
        }
        heap[hole] = element
    }
}

/// The elements in heap order, so a decoded heap pops exactly as the encoded one would.
extension BinaryHeap: Codable where Element: Codable {}

/// Unsigned integers that order as the numbers they stand for, so that a heap element's `<`
/// can compare one wide integer instead of branching field by field.
///
/// In a heap of random times, which of two children is the smaller is a coin toss: a branch
/// on it is mispredicted half the time, which costs more than the few instructions here
/// (docs/performance.md, "The fourth round").
public enum OrderKey {
    /// `x` as an unsigned integer in the same order, except that -0.0 comes just before 0.0
    /// (store `x + 0` where the two must tie).
    /// - Precondition: `x` is not NaN (the engine refuses such times; snapshots are checked).
    @inlinable @inline(__always)
    public static func of(_ x: Double) -> UInt64 {
        let bits = x.bitPattern
        // Not negative: set the sign bit. Negative: flip every bit, so larger magnitudes come first.
        return bits ^ (UInt64(bitPattern: Int64(bitPattern: bits) >> 63) | 1 << 63)
    }

    /// The number whose key is `key`: `number(of(x))` is `x`.
    @inlinable @inline(__always)
    public static func number(_ key: UInt64) -> Double {
        // A key with its top bit set stands for a number that is not negative.
        Double(bitPattern: key ^ (UInt64(bitPattern: Int64(bitPattern: ~key) >> 63) | 1 << 63))
    }
}
