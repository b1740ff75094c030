/// Maps 64-bit ids to slots: open addressing with linear probing and backward-shift deletion.
/// Cheaper than `Dictionary` on the hot path (no per-process seeded hashing), and never
/// iterated to make a decision.
///
/// - Complexity: O(1) expected for lookup, insert and removal; the table stays at most half full.
struct SlotTable: Sendable, Codable {
    private var keys: [UInt64]
    private var slots: [Int32]
    private var used: [Bool]
    private var mask: Int
    private(set) var count = 0

    init() {
        keys = Array(repeating: 0, count: 16)
        slots = Array(repeating: -1, count: 16)
        used = Array(repeating: false, count: 16)
        mask = 15
    }

    @inline(__always)
    private func home(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
    }

    subscript(key: UInt64) -> Int32? {
        get {
            var index = home(key)
            while used[index] {
                if keys[index] == key { return slots[index] }
                index = (index + 1) & mask
            }
            return nil
        }
        set {
            if let newValue { insert(key, newValue) } else { remove(key) }
        }
    }

    private mutating func insert(_ key: UInt64, _ slot: Int32) {
        if (count + 1) * 2 > keys.count { grow() }
        var index = home(key)
        while used[index] {
            if keys[index] == key {
                slots[index] = slot
                return
            }
            index = (index + 1) & mask
        }
        used[index] = true
        keys[index] = key
        slots[index] = slot
        count += 1
    }

    private mutating func remove(_ key: UInt64) {
        var index = home(key)
        while used[index] {
            if keys[index] == key { break }
            index = (index + 1) & mask
        }
        guard used[index] else { return }
        // Shift later entries of the run back so lookups never stop at a hole too early.
        var hole = index
        var next = (index + 1) & mask
        while used[next] {
            let wanted = home(keys[next])
            // Move the entry if its home is not within (hole, next].
            let between = hole <= next ? (wanted > hole && wanted <= next) : (wanted > hole || wanted <= next)
            if !between {
                keys[hole] = keys[next]
                slots[hole] = slots[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        used[hole] = false
        count -= 1
    }

    private mutating func grow() {
        let oldKeys = keys, oldSlots = slots, oldUsed = used
        let capacity = keys.count * 2
        keys = Array(repeating: 0, count: capacity)
        slots = Array(repeating: -1, count: capacity)
        used = Array(repeating: false, count: capacity)
        mask = capacity - 1
        count = 0
        for index in oldKeys.indices where oldUsed[index] { insert(oldKeys[index], oldSlots[index]) }
    }

    /// Why the table cannot be trusted (a snapshot that decoded into a broken table), or nil:
    /// its arrays agree in size, a power of two; it is at most half full (so every lookup
    /// ends); every key is found where a lookup looks for it; every slot is below `slotLimit`
    /// and appears once.
    /// - Complexity: O(capacity) expected.
    func integrityViolation(slotLimit: Int) -> String? {
        let capacity = keys.count
        guard capacity >= 16, capacity & (capacity - 1) == 0, slots.count == capacity, used.count == capacity, mask == capacity - 1 else {
            return "an id table of \(keys.count)/\(slots.count)/\(used.count) entries with mask \(mask)"
        }
        let filled = used.reduce(0) { $0 + ($1 ? 1 : 0) }
        guard filled == count, count * 2 <= capacity else { return "an id table says \(count) ids, holds \(filled) in \(capacity)" }
        var seen = Set<Int32>()
        for index in 0..<capacity where used[index] {
            guard slots[index] >= 0, Int(slots[index]) < slotLimit else { return "an id maps to slot \(slots[index]) of \(slotLimit)" }
            guard seen.insert(slots[index]).inserted else { return "two ids map to slot \(slots[index])" }
            guard self[keys[index]] == slots[index] else { return "id \(keys[index]) is not where a lookup finds it" }
        }
        return nil
    }

    /// Every stored slot, in table order (callers sort before showing anything).
    var values: [Int32] {
        slots.indices.filter { used[$0] }.map { slots[$0] }
    }
}
