/// Maps 64-bit ids to slots: open addressing with linear probing and backward-shift deletion.
/// Cheaper than `Dictionary` on the hot path (no per-process seeded hashing), and never
/// iterated to make a decision. Each entry holds its key and slot side by side (one array: one
/// uniqueness check per insert or removal, one cache line per probe).
///
/// - Complexity: O(1) expected for lookup, insert and removal; the table stays at most half full.
struct SlotTable: Sendable, Codable {
    struct Entry: Sendable, Codable {
        var key: UInt64
        /// -1: empty.
        var slot: Int32
    }

    private var entries: [Entry]
    private var mask: Int
    private(set) var count = 0

    init() {
        entries = Array(repeating: Entry(key: 0, slot: -1), count: 16)
        mask = 15
    }

    @inline(__always)
    private func home(_ key: UInt64) -> Int {
        Self.home(key, mask: mask)
    }

    @inline(__always)
    private static func home(_ key: UInt64, mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
    }

    subscript(key: UInt64) -> Int32? {
        get {
            let index = position(of: key)
            return entries.withUnsafeBufferPointer { $0[index].slot >= 0 ? $0[index].slot : nil }
        }
        set {
            if let newValue { insert(key, newValue) } else { remove(key) }
        }
    }

    /// Where the key is, or the empty entry where its probe ends. Probes read the table through
    /// one buffer pointer (the mask keeps every index inside it: `entries.count == mask + 1`).
    @inline(__always)
    private func position(of key: UInt64) -> Int {
        let mask = self.mask
        return entries.withUnsafeBufferPointer { table in
            var index = Self.home(key, mask: mask)
            while table[index].slot >= 0 && table[index].key != key { index = (index &+ 1) & mask }
            return index
        }
    }

    private mutating func insert(_ key: UInt64, _ slot: Int32) {
        precondition(slot >= 0, "a slot is never negative")
        if (count + 1) * 2 > entries.count { grow() }
        let index = position(of: key)
        let added = entries.withUnsafeMutableBufferPointer { table in
            let added = table[index].slot < 0
            table[index] = Entry(key: key, slot: slot)
            return added
        }
        if added { count += 1 }
    }

    private mutating func remove(_ key: UInt64) {
        let index = position(of: key)
        let mask = self.mask  // a local: capturing self would share the array and copy it
        let removed = entries.withUnsafeMutableBufferPointer { table in
            guard table[index].slot >= 0 else { return false }
            // Shift later entries of the run back so lookups never stop at a hole too early.
            var hole = index
            var next = (index + 1) & mask
            while table[next].slot >= 0 {
                let wanted = Self.home(table[next].key, mask: mask)
                // Move the entry if its home is not within (hole, next].
                let between = hole <= next ? (wanted > hole && wanted <= next) : (wanted > hole || wanted <= next)
                if !between {
                    table[hole] = table[next]
                    hole = next
                }
                next = (next + 1) & mask
            }
            table[hole].slot = -1
            return true
        }
        if removed { count -= 1 }
    }

    private mutating func grow() {
        let old = entries
        entries = Array(repeating: Entry(key: 0, slot: -1), count: old.count * 2)
        mask = entries.count - 1
        count = 0
        for entry in old where entry.slot >= 0 { insert(entry.key, entry.slot) }
    }

    /// What is wrong with a decoded table, or nil: its size, its count, a slot outside
    /// `0..<slotLimit` or named twice, or an id a lookup would not find.
    func integrityViolation(slotLimit: Int) -> String? {
        let capacity = entries.count
        guard capacity >= 16, capacity & (capacity - 1) == 0, mask == capacity - 1 else {
            return "an id table of \(capacity) entries with mask \(mask)"
        }
        let filled = entries.reduce(0) { $0 + ($1.slot >= 0 ? 1 : 0) }
        guard filled == count, count * 2 <= capacity else { return "an id table says \(count) ids, holds \(filled) in \(capacity)" }
        var seen = Set<Int32>()
        for entry in entries where entry.slot >= 0 {
            guard Int(entry.slot) < slotLimit else { return "an id maps to slot \(entry.slot) of \(slotLimit)" }
            guard seen.insert(entry.slot).inserted else { return "two ids map to slot \(entry.slot)" }
            guard self[entry.key] == entry.slot else { return "id \(entry.key) is not where a lookup finds it" }
        }
        return nil
    }

    var values: [Int32] {
        entries.compactMap { $0.slot >= 0 ? $0.slot : nil }
    }
}
