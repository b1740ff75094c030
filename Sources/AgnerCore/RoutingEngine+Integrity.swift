/// Whether a decoded engine can be trusted. A snapshot that passes its checksum may still hold a
/// state no sequence of commands produces (written by a build with a bug, or damaged before its
/// checksum was taken); the engine indexes its arrays with the slots such a state holds, so one
/// out-of-range slot would trap on the first command. Decoding refuses such a state with the
/// first thing found wrong, instead.
extension RoutingEngine {
    /// The first inconsistency in the engine's state, or nil when it is one commands produce:
    ///
    /// - every slot, pool, topic, step and agent index is within its array;
    /// - the id tables are well formed, and map each open contact and agent to its own record;
    ///   every other record is on its free list;
    /// - an agent's profile is one `addAgent` accepts, its pools are those the profile gives,
    ///   and its counters (offers, conversations, wrap-ups, capacity in use, logged in, free)
    ///   are what its contacts and presence make them;
    /// - each pool's counts are what its agents and contacts make them;
    /// - a contact holds an agent exactly when it is offered, connected or wrapping up, is in a
    ///   line only while waiting, and no timer or line entry that is still current names a
    ///   contact that ended or a state it does not fit;
    /// - every heap is in heap order;
    /// - the clock, and every open contact's arrival, is within `DomainLimits.clock`.
    ///
    /// - Complexity: O(contacts + agents × pools + entries in heaps and timers).
    public func integrityViolation() -> String? {
        guard DomainLimits.clock.contains(now) else { return "the engine's time \(now) is outside \(DomainLimits.clock)" }
        // Records and free lists.
        if let problem = contactSlots.integrityViolation(slotLimit: contacts.count) { return "contacts: \(problem)" }
        if let problem = agentSlots.integrityViolation(slotLimit: agents.count) { return "agents: \(problem)" }
        var contactLive = [Bool](repeating: false, count: contacts.count)
        for slot in contactSlots.values { contactLive[Int(slot)] = true }
        var agentLive = [Bool](repeating: false, count: agents.count)
        for slot in agentSlots.values { agentLive[Int(slot)] = true }
        if let problem = Self.freeListViolation(freeContactSlots.elements, live: contactLive, kind: "contact") { return problem }
        if let problem = Self.freeListViolation(freeAgentSlots, live: agentLive, kind: "agent") { return problem }

        // Contacts, and what they hold of agents and pools.
        var offers = [Int](repeating: 0, count: agents.count)
        var connected = [Int](repeating: 0, count: agents.count)
        var wrappingUp = [Int](repeating: 0, count: agents.count)
        var used = [PerChannel<Int>](repeating: PerChannel(repeating: 0), count: agents.count)
        var waiting = [Int](repeating: 0, count: pools.count)
        for (slot, contact) in contacts.enumerated() where contactLive[slot] {
            guard contactSlots[contact.id.rawValue] == Int32(slot) else { return "contact slot \(slot) is not the one its id maps to" }
            guard stepStarts.indices.contains(Int(contact.topic)) else { return "contact \(contact.id): topic \(contact.topic) of \(stepStarts.count)" }
            guard contact.step >= 0, Int(contact.step) < stepStarts[Int(contact.topic)].count else {
                return "contact \(contact.id): step \(contact.step) of \(stepStarts[Int(contact.topic)].count)"
            }
            guard contact.missedOffers >= 0, contact.missedOffers < Int32.max else { return "contact \(contact.id): \(contact.missedOffers) missed offers" }
            // Times order lines and timers: one that is not a number breaks their order.
            guard ![contact.arrival, contact.answeredAt, contact.deadline, contact.effectiveDeadline].contains(where: \.isNaN) else {
                return "contact \(contact.id): a time that is not a number"
            }
            guard DomainLimits.clock.contains(contact.arrival) else { return "contact \(contact.id): arrival \(contact.arrival) outside \(DomainLimits.clock)" }
            switch contact.state {
            case .offered, .connected, .wrapUp:
                guard contact.agent >= 0, Int(contact.agent) < agents.count, agentLive[Int(contact.agent)] else {
                    return "contact \(contact.id) is \(contact.state) without an agent (slot \(contact.agent))"
                }
                let agent = Int(contact.agent)
                switch contact.state {
                case .offered: offers[agent] += 1
                case .connected: connected[agent] += 1
                default: wrappingUp[agent] += 1
                }
                used[agent][contact.channel] += 1
            case .queued, .callbackScheduled:
                guard contact.agent == -1 else { return "contact \(contact.id) is \(contact.state) but held by agent slot \(contact.agent)" }
            case .completed, .abandoned, .closed:
                return "contact \(contact.id) is open in state \(contact.state)"
            }
            if contact.bucket != -1 {
                guard contact.bucket >= 0, Int(contact.bucket) < pools.count else { return "contact \(contact.id) in line \(contact.bucket) of \(pools.count)" }
                guard contact.state.isWaiting, !contact.isParked else { return "contact \(contact.id) is in a line while \(contact.state)" }
                guard contact.bucket == topicPool(topic: contact.topic, channel: contact.channel, step: Int(contact.step)) else {
                    return "contact \(contact.id) is in another line than its step's"
                }
                waiting[Int(contact.bucket)] += 1
            }
        }

        // Agents: profile, pools, and counters against what their contacts hold.
        var freeCount = [Int](repeating: 0, count: pools.count)
        var loggedIn = [Int](repeating: 0, count: pools.count)
        var notResponding = [Int](repeating: 0, count: pools.count)
        for (slot, agent) in agents.enumerated() {
            guard agentLive[slot] else {
                guard !agent.live, !agent.countedLoggedIn, !agent.countedNotResponding, agent.countedFree == 0,
                      Channel.allCases.allSatisfy({ agentPools.memberships(Int32(slot), $0).isEmpty }) else {
                    return "agent slot \(slot) is free but still counted in pools"
                }
                continue
            }
            let name = agent.profile.id
            guard agentSlots[name.rawValue] == Int32(slot), agent.live else { return "agent slot \(slot) is not the one its id maps to" }
            do throws(EngineError) { try validate(agent.profile) } catch { return "agent \(name): \(error)" }
            guard agent.capacity == agent.profile.capacity else { return "agent \(name): capacity differs from its profile" }
            guard !agent.idleSince.isNaN, !Channel.allCases.contains(where: { agent.pushedSince[$0].isNaN }) else {
                return "agent \(name): a time that is not a number"
            }
            // Ranks are built from it in 32 bits (`leastOccupied`): -1 before any push, else
            // what was in use then, within the channel's capacity limit.
            for channel in Channel.allCases where !(-1...DomainLimits.capacity(channel).upperBound).contains(agent.pushedInUse[channel]) {
                return "agent \(name): \(agent.pushedInUse[channel]) \(channel) contacts in progress when last ranked"
            }
            if let pool = poolToldApart(by: agent.profile) {
                return "agent \(name): meets some criteria of pool \(pool) and not others (or not alike)"
            }
            let expected = memberships(of: agent.profile)
            for channel in Channel.allCases {
                let have = agentPools.memberships(Int32(slot), channel), want = expected[channel]
                guard have.count == want.count,
                      zip(have, want).allSatisfy({ $0.pool == $1.pool && $0.proficiency == $1.proficiency }) else {
                    return "agent \(name): its \(channel) pools are not those its profile gives"
                }
            }
            guard agent.offers == offers[slot], agent.connected == connected[slot], agent.wrappingUp == wrappingUp[slot],
                  agent.used == used[slot], agent.usedTotal == Channel.allCases.reduce(0, { $0 + used[slot][$1] }) else {
                return "agent \(name): its counts of offers, conversations and wrap-ups are not what its contacts make"
            }
            let isLoggedIn = agent.presence != .offline
            let isNotResponding = isLoggedIn && agent.presence == .available && agent.notResponding
            let free = AgentRecord.freeMask(presence: agent.presence, notResponding: agent.notResponding, capacity: agent.capacity,
                                            used: agent.used, usedTotal: agent.usedTotal)
            guard agent.countedLoggedIn == isLoggedIn, agent.countedNotResponding == isNotResponding, agent.countedFree == free else {
                return "agent \(name): what the pools count of it is not its state"
            }
            for channel in Channel.allCases {
                let isFree = free & (1 << UInt8(channel.rawValue)) != 0
                for membership in agentPools.memberships(Int32(slot), channel) {
                    let pool = Int(membership.pool)
                    if isLoggedIn { loggedIn[pool] += 1 }
                    if isNotResponding { notResponding[pool] += 1 }
                    if isFree { freeCount[pool] += 1 }
                }
            }
        }

        // Pools: counts, and entries naming slots that exist; current entries only for what is in line or free.
        var waitingOnChannel = PerChannel(repeating: 0)
        for pool in pools { waitingOnChannel[pool.channel] += pool.waitingCount }
        guard waitingOnChannel == channelWaiting else { return "the channels' waiting counts are not their pools' sums" }
        for (index, pool) in pools.enumerated() {
            guard pool.freeCount == freeCount[index], pool.loggedInCount == loggedIn[index],
                  pool.notRespondingCount == notResponding[index], pool.waitingCount == waiting[index] else {
                return "pool \(index): its counts are not what its agents and contacts make"
            }
            // Commands keep it in 0...agents + 16 (`refreshAgent`); a damaged one would overflow.
            guard (0...(agents.count + 16)).contains(pool.pushesSinceSearch) else {
                return "pool \(index): \(pool.pushesSinceSearch) pushes since its last search, outside 0–\(agents.count + 16)"
            }
            guard pool.waiting.isHeapOrdered, pool.freeAgents.isHeapOrdered else { return "pool \(index): a heap out of order" }
            for entry in pool.waiting.unordered {
                guard entry.contact >= 0, Int(entry.contact) < contacts.count else { return "pool \(index): a line entry for slot \(entry.contact)" }
                guard !entry.effectiveDeadline.isNaN else { return "pool \(index): a line entry whose deadline is not a number" }
                guard Self.notAhead(entry.version, of: contacts[Int(entry.contact)].queueVersion) else {
                    return "pool \(index): a line entry newer than its contact"
                }
                let contact = contacts[Int(entry.contact)]
                if contact.queueVersion == entry.version && !(contactLive[Int(entry.contact)] && Int(contact.bucket) == index) {
                    return "pool \(index): a current line entry for a contact not in that line"
                }
            }
            let channel = pool.channel
            for entry in Array(pool.freeInOrder) + pool.freeAgents.unordered {
                guard entry.agent >= 0, Int(entry.agent) < agents.count, !entry.since.isNaN,
                      Self.notAhead(entry.version, of: agents[Int(entry.agent)].versions[channel]) else {
                    return "pool \(index): a free-agent entry for slot \(entry.agent) that cannot be"
                }
            }
            // Free agents in order come in rank order (each one added after the last).
            if pool.freeInOrder.count > 1 {
                for position in 1..<pool.freeInOrder.count where pool.freeInOrder[position] < pool.freeInOrder[position - 1] {
                    return "pool \(index): its free agents in order are not"
                }
            }
            for agent in pool.heldBack where agent < 0 || Int(agent) >= agents.count {
                return "pool \(index): a held-back agent slot \(agent)"
            }
        }

        // Timers: a current one fits its contact's state.
        guard timers.isHeapOrdered else { return "the timers are out of order" }
        for timer in timers.unordered {
            guard timer.contact >= 0, Int(timer.contact) < contacts.count else { return "a timer for contact slot \(timer.contact)" }
            guard !timer.time.isNaN else { return "a timer whose time is not a number" }
            let contact = contacts[Int(timer.contact)]
            guard Self.notAhead(timer.version, of: timer.kind == .clock ? contact.clockVersion : contact.linkVersion) else {
                return "a timer newer than its contact"
            }
            guard isCurrent(timer) else { continue }
            guard contactLive[Int(timer.contact)] else { return "a current timer for a contact that ended" }
            guard timer.sequence == contact.sequence else { return "contact \(contact.id): a current timer out of its contact's order" }
            let fits = switch timer.kind {
            case .clock: true
            case .offerTimeout: contact.state == .offered
            case .wrapUpEnd: contact.state == .wrapUp
            case .holdExpiry: contact.held && (contact.state.isWaiting || contact.state == .connected)
            }
            guard fits else { return "contact \(contact.id): a current \(timer.kind) timer while \(contact.state)" }
        }
        for channel in Channel.allCases {
            for waiter in awaitingOpening[channel] where waiter.slot < 0 || Int(waiter.slot) >= contacts.count {
                return "a contact slot \(waiter.slot) waiting for \(channel) to open"
            }
        }
        return nil
    }

    /// Versions only move on (wrapping after 2³² changes): an entry or timer carries its
    /// record's version at the time, never one it has not reached yet (which would make a
    /// stale entry current again later, for another contact in the slot).
    static func notAhead(_ version: UInt32, of current: UInt32) -> Bool {
        current &- version < 1 << 31
    }

    /// A free list names slots that exist, each once, none of them in use; with the slots in
    /// use, it accounts for every record.
    private static func freeListViolation(_ free: [Int32], live: [Bool], kind: String) -> String? {
        var seen = [Bool](repeating: false, count: live.count)
        for slot in free {
            guard slot >= 0, Int(slot) < live.count else { return "free \(kind) slot \(slot) of \(live.count)" }
            guard !live[Int(slot)], !seen[Int(slot)] else { return "free \(kind) slot \(slot) is in use or listed twice" }
            seen[Int(slot)] = true
        }
        guard free.count + live.reduce(0, { $0 + ($1 ? 1 : 0) }) == live.count else {
            return "\(kind) records neither in use nor free"
        }
        return nil
    }
}
