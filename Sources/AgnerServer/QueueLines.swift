import AgnerCore

/// What `stats` counts per channel and topic, kept up to date event by event so that `stats`
/// costs the number of queues, not the number of open contacts (the wallboard asks for it four
/// times a second).
///
/// Each queue's line holds the contacts `stats` counts (waiting or ringing, held or not) in
/// arrival order. A contact joins its line when it arrives and leaves it when it is answered or
/// ends, and never comes back (a rejected offer puts it back in line, but it never left: ringing
/// counts). Leaving marks its entry dead; dead entries are cut from the front and compacted
/// away once they outnumber the live ones.
///
/// The figures that depend on the time are prefixes of the line, because waits shrink along it:
/// those waiting past the breach warning, those past their target, those that arrived before
/// today. Each has a cursor that only moves forward (time only moves forward) with the count of
/// live entries before it, so the figures cost the entries the cursor passes since the last
/// look: each entry once, over its life.
struct QueueLines {
    struct Cursor {
        /// Entries before it satisfy the cursor's predicate.
        var position = 0
        /// Live entries before it.
        var before = 0
    }

    struct Line {
        var ids: [UInt64] = []
        var arrivals: [Double] = []
        var targets: [Double] = []
        var days: [Int] = []
        var alive: [Bool] = []
        var held: [Bool] = []
        /// Entries before it are dead.
        var head = 0
        var live = 0
        var heldLive = 0
        /// Waiting past the breach warning; past the target; arrived before today.
        var warned = Cursor(), late = Cursor(), earlier = Cursor()

        /// Moves the cursors up to `now` and `day` (neither goes back).
        mutating func advance(now: Double, day: Int, breachWarningAt share: Double) {
            // Everything before the head is dead: a cursor behind it moves up without counting.
            warned.position = max(warned.position, head)
            late.position = max(late.position, head)
            earlier.position = max(earlier.position, head)
            while warned.position < ids.count && now - arrivals[warned.position] >= share * targets[warned.position] {
                if alive[warned.position] { warned.before += 1 }
                warned.position += 1
            }
            while late.position < ids.count && !(now - arrivals[late.position] < targets[late.position]) {
                if alive[late.position] { late.before += 1 }
                late.position += 1
            }
            while earlier.position < ids.count && days[earlier.position] < day {
                if alive[earlier.position] { earlier.before += 1 }
                earlier.position += 1
            }
        }
    }

    /// By `LiveRouter.queueKey(channel, topic)`; only lines with a live entry.
    var lines: [Int: Line] = [:]
    /// Where each contact in a line is.
    var slots: [UInt64: (key: Int, index: Int)] = [:]
    /// Held contacts (in any state) and the adapter they belong to, and how many each adapter has:
    /// a `sync` with nothing held costs nothing.
    var heldOwners: [UInt64: String] = [:]
    var heldCounts: [String: Int] = [:]

    /// Brings a contact's entry in step with its state (`nil`: it ended).
    mutating func update(_ id: UInt64, _ contact: ContactSnapshot?, day: () -> Int?, owner: () -> String?) {
        let counted = contact.map { $0.state.isWaiting || $0.state == .offered } ?? false
        let isHeld = contact?.held ?? false
        if let slot = slots[id] {
            if !counted {
                remove(slot)
                slots[id] = nil
            } else if lines[slot.key]!.held[slot.index] != isHeld {
                lines[slot.key]!.held[slot.index] = isHeld
                lines[slot.key]!.heldLive += isHeld ? 1 : -1
            }
        } else if counted, let contact {
            let key = LiveRouter.queueKey(contact.channel, contact.topic)
            var line = lines.removeValue(forKey: key) ?? Line()
            slots[id] = (key, line.ids.count)
            line.ids.append(id)
            line.arrivals.append(contact.arrival)
            line.targets.append(contact.deadline - contact.arrival)
            line.days.append(day() ?? Int.min)
            line.alive.append(true)
            line.held.append(isHeld)
            line.live += 1
            if isHeld { line.heldLive += 1 }
            lines[key] = line
        }
        if isHeld {
            if heldOwners[id] == nil, let name = owner() {
                heldOwners[id] = name
                heldCounts[name, default: 0] += 1
            }
        } else if !heldOwners.isEmpty, let name = heldOwners.removeValue(forKey: id) {
            let left = (heldCounts[name] ?? 1) - 1
            heldCounts[name] = left > 0 ? left : nil
        }
    }

    private mutating func remove(_ slot: (key: Int, index: Int)) {
        guard var line = lines.removeValue(forKey: slot.key) else { return }
        let index = slot.index
        line.alive[index] = false
        line.live -= 1
        if line.held[index] { line.heldLive -= 1 }
        guard line.live > 0 else { return }  // an empty line goes: its figures are all zero
        if index < line.warned.position { line.warned.before -= 1 }
        if index < line.late.position { line.late.before -= 1 }
        if index < line.earlier.position { line.earlier.before -= 1 }
        while line.head < line.ids.count && !line.alive[line.head] { line.head += 1 }
        if line.ids.count - line.head > 2 * line.live + 64 || (line.head > 4096 && line.head > line.ids.count / 2) {
            compact(&line, key: slot.key)
        }
        lines[slot.key] = line
    }

    /// Keeps the live entries only; a cursor keeps its live entries before it.
    private mutating func compact(_ line: inout Line, key: Int) {
        var kept = Line()
        kept.ids.reserveCapacity(line.live)
        for index in line.head..<line.ids.count where line.alive[index] {
            slots[line.ids[index]] = (key, kept.ids.count)
            kept.ids.append(line.ids[index])
            kept.arrivals.append(line.arrivals[index])
            kept.targets.append(line.targets[index])
            kept.days.append(line.days[index])
            kept.alive.append(true)
            kept.held.append(line.held[index])
        }
        kept.live = line.live
        kept.heldLive = line.heldLive
        kept.warned = Cursor(position: line.warned.before, before: line.warned.before)
        kept.late = Cursor(position: line.late.before, before: line.late.before)
        kept.earlier = Cursor(position: line.earlier.before, before: line.earlier.before)
        line = kept
    }

    /// A queue's figures at `now` (which never goes back), for `stats`.
    struct Figures {
        var waiting = 0
        var held = 0
        var oldest = 0.0
        var atRisk = 0
        /// Arrived today and still within their target.
        var withinTarget = 0
    }

    mutating func figures(now: Double, day: Int, breachWarningAt: Double) -> [Int: Figures] {
        var result: [Int: Figures] = [:]
        for key in Array(lines.keys) {
            var line = lines.removeValue(forKey: key)!
            line.advance(now: now, day: day, breachWarningAt: breachWarningAt)
            var figures = Figures()
            figures.held = line.heldLive
            figures.waiting = line.live - line.heldLive
            figures.oldest = line.head < line.ids.count ? max(0, now - line.arrivals[line.head]) : 0
            figures.atRisk = line.warned.before
            figures.withinTarget = line.live - max(line.late.before, line.earlier.before)
            result[key] = figures
            lines[key] = line
        }
        return result
    }
}
