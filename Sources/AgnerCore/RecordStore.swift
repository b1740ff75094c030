/// The engine's records of one kind (contacts, agents or pools), in one buffer the engine owns.
///
/// A value with copy-on-write semantics like an array, but the uniqueness check is not made at
/// every field written: a Swift array of structs checks before each write, and those checks
/// were about 40 per simulated contact (callgrind, docs/performance.md). The engine's stores
/// live in one `EngineRecords`, checked once per command (`RoutingEngine.makeRecordsUnique()`,
/// at the start of `apply` and `advance`); `makeUnique()` copies a store's own buffer. Every
/// write goes straight to memory; debug builds assert that the buffer is not shared when it is
/// written, so a path that writes to a shared store fails the tests instead of changing a copy.
///
/// Indices are checked in every build, as an array's are.
///
/// - Complexity: subscript O(1); `append` amortised O(1); `makeUnique` O(1), or O(n) when the
///   buffer is shared with a copy of the engine (a snapshot, a test's copy).
struct RecordStore<Record>: RandomAccessCollection {
    final class Buffer {
        var pointer: UnsafeMutablePointer<Record>
        var count: Int
        var capacity: Int

        init(capacity: Int) {
            self.capacity = Swift.max(capacity, 1)
            pointer = UnsafeMutablePointer<Record>.allocate(capacity: self.capacity)
            count = 0
        }

        deinit {
            pointer.deinitialize(count: count)
            pointer.deallocate()
        }

        func copy() -> Buffer {
            let copy = Buffer(capacity: capacity)
            copy.pointer.initialize(from: pointer, count: count)
            copy.count = count
            return copy
        }

        func grow() {
            let grown = UnsafeMutablePointer<Record>.allocate(capacity: capacity * 2)
            grown.moveInitialize(from: pointer, count: count)
            pointer.deallocate()
            pointer = grown
            capacity *= 2
        }
    }

    private var buffer: Buffer

    init() {
        buffer = Buffer(capacity: 16)
    }

    init(_ records: [Record]) {
        buffer = Buffer(capacity: records.count)
        buffer.pointer.initialize(from: records, count: records.count)
        buffer.count = records.count
    }

    /// Gives this value a buffer of its own if a copy shares it. Call before writing.
    @inline(__always)
    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&buffer) { buffer = buffer.copy() }
    }

    var startIndex: Int { 0 }
    var endIndex: Int { buffer.count }

    subscript(index: Int) -> Record {
        @inline(__always)
        unsafeAddress {
            precondition(index >= 0 && index < buffer.count, "record \(index) outside 0..<\(buffer.count)")
            return UnsafePointer(buffer.pointer + index)
        }
        @inline(__always)
        unsafeMutableAddress {
            precondition(index >= 0 && index < buffer.count, "record \(index) outside 0..<\(buffer.count)")
            assert(isKnownUniquelyReferenced(&buffer), "a record written while its buffer is shared: makeUnique() first")
            return buffer.pointer + index
        }
    }

    /// A run of records to read, for a hot path that must not pay for reference counting.
    /// Valid until the store is written, appended to, copied or replaced.
    @inline(__always)
    func buffer(from start: Int, count: Int) -> UnsafeBufferPointer<Record> {
        precondition(start >= 0 && count >= 0 && start + count <= buffer.count, "records \(start)..<\(start + count) outside 0..<\(buffer.count)")
        return UnsafeBufferPointer(start: buffer.pointer + start, count: count)
    }

    /// The record's address, for a hot path that reads and writes many of its fields (one
    /// index check instead of one per field). Valid until the store is appended to, copied or
    /// replaced; the caller keeps it no longer than that.
    @inline(__always)
    mutating func address(of index: Int) -> UnsafeMutablePointer<Record> {
        precondition(index >= 0 && index < buffer.count, "record \(index) outside 0..<\(buffer.count)")
        assert(isKnownUniquelyReferenced(&buffer), "a record written while its buffer is shared: makeUnique() first")
        return buffer.pointer + index
    }

    /// All records, to write in a hot loop over indices the engine keeps in range itself (a
    /// pool index from an agent's memberships, say): the buffer's subscript is checked in debug
    /// builds only. Valid as `address(of:)` is.
    @inline(__always)
    mutating func mutableRecords() -> UnsafeMutableBufferPointer<Record> {
        assert(isKnownUniquelyReferenced(&buffer), "records written while their buffer is shared: makeUnique() first")
        return UnsafeMutableBufferPointer(start: buffer.pointer, count: buffer.count)
    }

    /// All records, to read in a hot loop (see `mutableRecords()`). Valid as `address(of:)` is.
    @inline(__always)
    func records() -> UnsafeBufferPointer<Record> {
        UnsafeBufferPointer(start: buffer.pointer, count: buffer.count)
    }

    mutating func append(_ record: Record) {
        assert(isKnownUniquelyReferenced(&buffer), "a record appended while its buffer is shared: makeUnique() first")
        if buffer.count == buffer.capacity { buffer.grow() }
        (buffer.pointer + buffer.count).initialize(to: record)
        buffer.count += 1
    }

    /// Removes and returns the last record (a free list's pop).
    mutating func popLast() -> Record? {
        assert(isKnownUniquelyReferenced(&buffer), "a record removed while its buffer is shared: makeUnique() first")
        guard buffer.count > 0 else { return nil }
        buffer.count -= 1
        return (buffer.pointer + buffer.count).move()
    }

    /// The records, as an array.
    var elements: [Record] { Array(UnsafeBufferPointer(start: buffer.pointer, count: buffer.count)) }
}

/// Writes happen only on a value that owns its buffer (`makeUnique()`), as with an array, so a
/// store can be copied to another thread and read there while the original goes on.
extension RecordStore: @unchecked Sendable where Record: Sendable {}

/// The engine's records of every kind (and the free contact slots) in one object: a command
/// checks once that its engine owns them alone (`RoutingEngine.makeRecordsUnique()`) instead
/// of once per kind. Each store's buffer belongs to one
/// such object only, so a store never checks its own buffer in release builds.
///
/// A copy of the engine shares the object until either copy writes, as with an array; the
/// object is the engine's only way to its records, so a copy read on another thread holds all
/// of them for as long as it reads any.
final class EngineRecords: @unchecked Sendable {
    var contacts = RecordStore<ContactRecord>()
    var agents = RecordStore<AgentRecord>()
    var pools = RecordStore<Pool>()
    var agentPools = MembershipTable()
    /// The contact slots free for reuse, the last freed first.
    var freeContactSlots = RecordStore<Int32>()

    /// A copy with buffers of its own.
    func copy() -> EngineRecords {
        let copy = EngineRecords()
        copy.contacts = contacts
        copy.agents = agents
        copy.pools = pools
        copy.agentPools = agentPools
        copy.freeContactSlots = freeContactSlots
        copy.freeContactSlots.makeUnique()
        copy.contacts.makeUnique()
        copy.agents.makeUnique()
        copy.pools.makeUnique()
        copy.agentPools.makeUnique()
        return copy
    }
}
