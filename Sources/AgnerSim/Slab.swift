/// A run of elements owned by one replication: fixed or growing, read and written in place.
///
/// A Swift array in a struct checks that its buffer is not shared before every write (copy on
/// write); a replication's tallies, contacts and agent clocks are never shared, and those
/// checks were a few percent of the simulator's time. A slab is a class over one allocation:
/// a write goes straight to memory. Indices are checked in debug builds only; the replication
/// computes them from its own slots and streams.
///
/// - Complexity: subscript and `popLast` O(1); `append` amortised O(1).
final class Slab<Element> {
    private(set) var pointer: UnsafeMutablePointer<Element>
    private(set) var count: Int
    private var capacity: Int

    init(repeating value: Element, count: Int) {
        capacity = max(1, count)
        pointer = UnsafeMutablePointer<Element>.allocate(capacity: capacity)
        pointer.initialize(repeating: value, count: count)
        self.count = count
    }

    /// A slab holding `elements`.
    init(_ elements: [Element]) {
        capacity = max(1, elements.count)
        pointer = UnsafeMutablePointer<Element>.allocate(capacity: capacity)
        pointer.initialize(from: elements, count: elements.count)
        count = elements.count
    }

    /// An empty slab that grows as elements are appended.
    convenience init(reserving capacity: Int, placeholder: Element) {
        self.init(repeating: placeholder, count: 0)
        reserve(capacity)
    }

    deinit {
        pointer.deinitialize(count: count)
        pointer.deallocate()
    }

    subscript(index: Int) -> Element {
        unsafeAddress {
            assert(index >= 0 && index < count, "slab index \(index) outside 0..<\(count)")
            return UnsafePointer(pointer + index)
        }
        unsafeMutableAddress {
            assert(index >= 0 && index < count, "slab index \(index) outside 0..<\(count)")
            return pointer + index
        }
    }

    func append(_ element: Element) {
        if count == capacity { reserve(capacity * 2) }
        (pointer + count).initialize(to: element)
        count += 1
    }

    /// Removes and returns the last element, if any.
    func popLast() -> Element? {
        guard count > 0 else { return nil }
        count -= 1
        return (pointer + count).move()
    }

    private func reserve(_ newCapacity: Int) {
        guard newCapacity > capacity else { return }
        let grown = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        grown.moveInitialize(from: pointer, count: count)
        pointer.deallocate()
        pointer = grown
        capacity = newCapacity
    }

    /// The elements, as an array.
    var elements: [Element] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}
