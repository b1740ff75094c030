
extension RoutingEngine {
    /// Finds a free agent for a waiting contact, searching the pools of its ladder from the
    /// narrowest (the owning department's experts) to the one of its current step.
    /// - Returns: true when the contact was offered.
    mutating func routeWaitingContact(_ slot: Int32, into events: inout [Event]) -> Bool {
        let contact = contacts[Int(slot)]
        var searched: Int32 = -1
        for step in 0...Int(contact.step) {
            let pool = topicPool(topic: contact.topic, channel: contact.channel, step: step)
            // Steps that widen nothing share their pool: searched once.
            if pool == searched { continue }
            searched = pool
            if let agent = bestFreeAgent(in: pool, for: contact.channel) {
                offer(slot, to: agent, poolStep: step, pool: pool, into: &events)
                return true
            }
        }
        return false
    }

    /// The pool's best free agent under the selection policy who may take a contact of the
    /// channel: with a reserve for higher tiers (`ChannelSettings.higherTierReserve`), the best
    /// one who keeps it.
    /// - Complexity: O(log n) amortised without a reserve; with one, O(k · log n), where k is
    ///   the number of free agents ranked ahead who are held back for higher tiers (about the
    ///   reserve per pool).
    mutating func bestFreeAgent(in pool: Int32, for channel: Channel) -> Int32? {
        guard let best = bestFreeAgent(in: pool) else { return nil }
        let reserve = channelReserves[channel]
        guard reserve > 0 else { return best }
        let tier = channelTiers[channel]
        if holdsBack(best, below: tier, reserve: reserve) == false { return best }
        // Walk the free agents in rank order: the in-order line by index, the heap by popping
        // (live entries popped are put back afterwards).
        let bit = UInt8(1) << UInt8(channel.rawValue)
        var popped: [FreeAgentEntry] = []
        defer { for entry in popped { pools[Int(pool)].freeAgents.insert(entry) } }
        var index = 0
        var found: Int32? = nil
        while found == nil {
            var inOrder: FreeAgentEntry? = nil
            while index < pools[Int(pool)].freeInOrder.count {
                let entry = pools[Int(pool)].freeInOrder[index]
                if isCurrent(entry, channel: channel, bit: bit) { inOrder = entry; break }
                index += 1
            }
            var outOfOrder: FreeAgentEntry? = nil
            while let top = pools[Int(pool)].freeAgents.min {
                if isCurrent(top, channel: channel, bit: bit) { outOfOrder = top; break }
                pools[Int(pool)].freeAgents.popMin()
            }
            let next: FreeAgentEntry
            switch (inOrder, outOfOrder) {
            case let (a?, b?) where b < a:
                next = b
                popped.append(pools[Int(pool)].freeAgents.popMin()!)
            case let (a?, _):
                next = a
                index += 1
            case let (nil, b?):
                next = b
                popped.append(pools[Int(pool)].freeAgents.popMin()!)
            case (nil, nil):
                return nil
            }
            if holdsBack(next.agent, below: tier, reserve: reserve) == false { found = next.agent }
        }
        return found
    }

    /// Where the agent would break the reserve by taking a contact of a tier below others: the
    /// first pool it belongs to on a channel of a higher tier that would keep fewer than
    /// `reserve` other agents free; nil when it keeps the reserve everywhere (a threshold
    /// reservation for call blending, as in Bhulai & Koole, "A queueing model for call blending
    /// in call centers", IEEE Trans. Automatic Control 48(8), 2003, and Gans & Zhou, "A
    /// call-routing problem with service-level constraints", Operations Research 51(2), 2003).
    /// - Complexity: O(memberships on higher-tier channels).
    ///
    /// `mutating` only so that a mutating caller passes the engine by reference: as a plain
    /// method it was handed a copy of the whole engine (a 692-byte `memcpy` per call).
    mutating func shortPool(for agent: Int32, below tier: Int, reserve: Int) -> Int? {
        let countedFree = agents[Int(agent)].countedFree
        let table = pools.records()  // the memberships name pools that exist
        for channel in Channel.allCases where channelTiers[channel] > tier {
            let own = countedFree & (1 << UInt8(channel.rawValue)) != 0 ? 1 : 0
            for membership in agentPools.memberships(agent, channel) where table[Int(membership.pool)].freeCount - own < reserve {
                return Int(membership.pool)
            }
        }
        return nil
    }

    /// Whether the reserve keeps the agent from a contact of a tier below others; if so, the
    /// agent is noted in one pool that lacks free agents (its witness), to be routed again when
    /// that pool gains enough: until then the agent cannot keep the reserve, so noting it in
    /// every short pool would only route it again for nothing (a "watched literal", as SAT
    /// solvers keep one watch per clause). When the witness recovers, the agent is checked
    /// against all its pools and, if another is short, noted there.
    mutating func holdsBack(_ agent: Int32, below tier: Int, reserve: Int) -> Bool {
        guard let pool = shortPool(for: agent, below: tier, reserve: reserve) else { return false }
        noteHeldBack(agent, in: pool)
        return true
    }

    /// Notes the agent in the pool's held-back list (`Pool.heldBack`), once in a row.
    mutating func noteHeldBack(_ agent: Int32, in pool: Int) {
        guard pools[pool].heldBack.last != agent else { return }
        pools[pool].heldBack.append(agent)
        if pools[pool].heldBack.count > 4 * pools[pool].freeCount + 64 { compactHeldBack(pool) }
    }

    /// Keeps each agent of a pool's held-back list once, and only those still free, in order.
    /// - Complexity: O(list length); the marks are reused from one compaction to the next.
    mutating func compactHeldBack(_ pool: Int) {
        heldBackEpoch &+= 1
        if heldBackMarks.count < agents.count { heldBackMarks += Array(repeating: 0, count: agents.count - heldBackMarks.count) }
        let list = pools[pool].heldBack
        pools[pool].heldBack = []
        var kept: [Int32] = []
        kept.reserveCapacity(list.count)
        for agent in list where agents[Int(agent)].countedFree != 0 && heldBackMarks[Int(agent)] != heldBackEpoch {
            heldBackMarks[Int(agent)] = heldBackEpoch
            kept.append(agent)
        }
        pools[pool].heldBack = kept
    }

    /// Routes again the agents held back in pools that gained a free agent (see `Pool.heldBack`).
    ///
    /// An agent still short of every reserve it is free for is only noted again in the pools
    /// that lack free agents (what routing it would do), without looking through all its pools
    /// for work: whatever it could take besides reserved work it took when it became free.
    mutating func recheckHeldBack(into events: inout [Event]) {
        while let pool = poolsToRecheck.popLast() {
            // The list is taken out and the pool gets the spare one, emptied: neither list
            // gives up its capacity, so noting agents again allocates nothing.
            var waiting = spareHeldBack
            spareHeldBack = []
            swap(&waiting, &pools[Int(pool)].heldBack)
            for agent in waiting where agents[Int(agent)].live && agents[Int(agent)].countedFree != 0 {
                if mayTakeReservedWork(agent) { routeAgent(agent, into: &events) }
            }
            waiting.removeAll(keepingCapacity: true)
            spareHeldBack = waiting
        }
    }

    /// Whether the agent, free on some channel with a reserve, keeps that reserve now; an agent
    /// that keeps none is noted in the pools that hold it back (`holdsBack`).
    mutating func mayTakeReservedWork(_ agent: Int32) -> Bool {
        let free = agents[Int(agent)].countedFree
        // Per channel with a reserve, the pool that holds the agent back (-1: none looked at).
        var witnesses = PerChannel(repeating: -1)
        var reserved = false
        for channel in Channel.allCases where free & (1 << UInt8(channel.rawValue)) != 0 {
            let reserve = channelReserves[channel]
            guard reserve > 0 else { continue }
            reserved = true
            guard let pool = shortPool(for: agent, below: channelTiers[channel], reserve: reserve) else { return true }
            witnesses[channel] = pool
        }
        guard reserved else { return false }
        for channel in Channel.allCases where witnesses[channel] >= 0 { noteHeldBack(agent, in: witnesses[channel]) }
        return false
    }

    /// The pool's best free agent under the selection policy, dropping stale entries.
    /// - Complexity: O(log n) amortised.
    mutating func bestFreeAgent(in pool: Int32) -> Int32? {
        // Nobody free: whatever the line holds is stale.
        guard pools[Int(pool)].freeCount > 0 else { return nil }
        if !pools[Int(pool)].isIndexed { indexFreeAgents(of: pool) }
        pools[Int(pool)].pushesSinceSearch = 0
        let channel = pools[Int(pool)].channel
        let bit = UInt8(1) << UInt8(channel.rawValue)
        var inOrder: FreeAgentEntry? = nil
        while let first = pools[Int(pool)].freeInOrder.first {
            if isCurrent(first, channel: channel, bit: bit) { inOrder = first; break }
            pools[Int(pool)].freeInOrder.removeFirst()
        }
        var outOfOrder: FreeAgentEntry? = nil
        while let top = pools[Int(pool)].freeAgents.min {
            if isCurrent(top, channel: channel, bit: bit) { outOfOrder = top; break }
            pools[Int(pool)].freeAgents.popMin()
        }
        switch (inOrder, outOfOrder) {
        case let (a?, b?): return b < a ? b.agent : a.agent
        case let (a?, nil): return a.agent
        case let (nil, b?): return b.agent
        case (nil, nil): return nil
        }
    }

    @inline(__always)
    func isCurrent(_ entry: FreeAgentEntry, channel: Channel, bit: UInt8) -> Bool {
        agents[Int(entry.agent)].versions[channel] == entry.version && agents[Int(entry.agent)].countedFree & bit != 0
    }

    /// The pool's most urgent waiting contact, dropping stale entries.
    /// - Complexity: O(log n) amortised.
    mutating func mostUrgentWaiting(in pool: Int32) -> WaitingEntry? {
        // Nobody in line: whatever the heap holds is stale (the usual case for most pools).
        guard pools[Int(pool)].waitingCount > 0 else { return nil }
        while let top = pools[Int(pool)].waiting.min {
            if contacts[Int(top.contact)].queueVersion == top.version { return top }
            pools[Int(pool)].waiting.popMin()
        }
        return nil
    }

    /// Offers the contact to the agent. The contact leaves its line; the agent's capacity is reserved.
    mutating func offer(_ slot: Int32, to agent: Int32, poolStep: Int, pool: Int32, into events: inout [Event]) {
        // The step it is offered at is reported: caught up when escalations go unreported (a
        // contact offered as it arrives has none to catch up).
        if omittedEvents.contains(.escalations) && contacts[Int(slot)].arrival != now { catchUpEscalation(slot, into: &events) }
        let contact = contacts[Int(slot)]
        // The standing under the criterion of the step the agent was found at (a pool may hold
        // several criteria whose standings differ, except under `mostSkilled`).
        let criterion = topicCriteria[Int(contact.topic) &* 4 &+ contact.channel.rawValue][poolStep]
        var standing = 0
        if criterion == pools[Int(pool)].criteria[0] || configuration.policy == .mostSkilled {
            // The membership holds the standing in the pool's first criterion, and under most
            // skilled the one every criterion of the pool gives.
            for membership in agentPools.memberships(agent, contact.channel) where membership.pool == pool {
                standing = Int(membership.proficiency)
            }
        } else {
            standing = criteria[Int(criterion)].standing(of: agents[Int(agent)].profile) ?? 0
        }
        leaveBucket(slot)
        // Through the records' addresses: one index check each (valid up to the calls below).
        let record = agents.address(of: Int(agent))
        let explanation = OfferExplanation(
            step: Int(contact.step), poolStep: poolStep, eligibleAgents: pools[Int(pool)].freeCount,
            policy: configuration.policy, idleFor: now - record.pointee.idleSince, proficiency: standing,
            inProgress: record.pointee.used[contact.channel])
        let offered = contacts.address(of: Int(slot))
        offered.pointee.state = .offered
        offered.pointee.agent = agent
        offered.pointee.linkVersion &+= 1
        record.pointee.offers += 1
        record.pointee.used[contact.channel] += 1
        record.pointee.usedTotal += 1
        if configuration.acceptsOffersAtOnce {
            events.append(.offered(contact.id, record.pointee.profile.id, explanation, expiresAt: nil))
            connect(slot, agent: agent, into: &events)
            return
        }
        var expiresAt: Seconds? = nil
        if let timeout = configuration.offerTimeout {
            expiresAt = now + timeout
            schedule(.offerTimeout, at: now + timeout, contact: slot, version: offered.pointee.linkVersion)
        }
        events.append(.offered(contact.id, record.pointee.profile.id, explanation, expiresAt: expiresAt))
        refreshAgent(agent, into: &events)
    }

    /// Offers the agent the most urgent contacts it is eligible for, while it has free capacity:
    /// the most urgent of the highest routing tier among the channels where it is free (channel
    /// blending: a free moment goes to a waiting customer before deferred work).
    mutating func routeAgent(_ agent: Int32, into events: inout [Event]) {
        while agents[Int(agent)].countedFree != 0 {
            var best: WaitingEntry? = nil
            var bestTier = Int.min
            let free = agents[Int(agent)].countedFree
            // Only channels where the agent is free and someone waits.
            for channel in Channel.allCases where free & (1 << UInt8(channel.rawValue)) != 0 && channelWaiting[channel] > 0 {
                let tier = channelTiers[channel]
                if tier < bestTier { continue }  // a contact of a higher tier is already found
                var channelBest: WaitingEntry? = nil
                let table = pools.records()  // the memberships name pools that exist
                for membership in agentPools.memberships(agent, channel) where table[Int(membership.pool)].waitingCount > 0 {
                    guard let candidate = mostUrgentWaiting(in: membership.pool) else { continue }
                    if channelBest.map({ candidate < $0 }) ?? true { channelBest = candidate }
                }
                guard let candidate = channelBest, tier > bestTier || best.map({ candidate < $0 }) ?? true else { continue }
                let reserve = channelReserves[channel]
                if reserve > 0 && holdsBack(agent, below: tier, reserve: reserve) { continue }
                best = candidate
                bestTier = tier
            }
            guard let chosen = best else { return }
            let contact = contacts[Int(chosen.contact)]
            let poolStep = narrowestStep(of: agent, for: contact) ?? Int(contact.step)
            let pool = topicPool(topic: contact.topic, channel: contact.channel, step: poolStep)
            offer(chosen.contact, to: agent, poolStep: poolStep, pool: pool, into: &events)
        }
    }

    /// The first step of the contact's ladder whose pool includes the agent. (`mutating` only
    /// to be passed the engine by reference, as `shortPool` is.)
    private mutating func narrowestStep(of agent: Int32, for contact: ContactRecord) -> Int? {
        let memberships = agentPools.memberships(agent, contact.channel)
        for step in 0...Int(contact.step) {
            let pool = topicPool(topic: contact.topic, channel: contact.channel, step: step)
            if memberships.contains(where: { $0.pool == pool }) { return step }
        }
        return nil
    }

    /// Brings the pools' counters and heaps up to date with the agent's record, and reports a
    /// change of its state. An agent is pushed into a channel's pools only when it became free
    /// there or its rank there moved (idle since, contacts in progress); entries of a channel
    /// where it is no longer free go stale by themselves (`isCurrent` checks the free mask).
    mutating func refreshAgent(_ agent: Int32, into events: inout [Event]) {
        // One address for the many fields read and written here (nothing below appends agents).
        let record = agents.address(of: Int(agent))
        let live = record.pointee.live
        let presence = record.pointee.presence
        let notResponding = record.pointee.notResponding
        let loggedIn = live && presence != .offline
        let countsNotResponding = loggedIn && presence == .available && notResponding
        let free = live ? AgentRecord.freeMask(presence: presence, notResponding: notResponding, capacity: record.pointee.capacity,
                                               used: record.pointee.used, usedTotal: record.pointee.usedTotal) : 0
        let counted = record.pointee.countedFree
        if loggedIn != record.pointee.countedLoggedIn {
            let delta = loggedIn ? 1 : -1
            for channel in Channel.allCases {
                for membership in agentPools.memberships(agent, channel) { pools[Int(membership.pool)].loggedInCount += delta }
            }
            record.pointee.countedLoggedIn = loggedIn
        }
        if countsNotResponding != record.pointee.countedNotResponding {
            let delta = countsNotResponding ? 1 : -1
            for channel in Channel.allCases {
                for membership in agentPools.memberships(agent, channel) { pools[Int(membership.pool)].notRespondingCount += delta }
            }
            record.pointee.countedNotResponding = countsNotResponding
        }
        if free != 0 || counted != 0 {
            // The mask first: compaction below must already see the agent as free.
            record.pointee.countedFree = free
            let policy = configuration.policy
            var channels = free | counted  // visit only the channels that are or were free
            while channels != 0 {
                let channel = Channel(rawValue: channels.trailingZeroBitCount)!
                channels &= channels - 1
                let bit = UInt8(1) << UInt8(channel.rawValue)
                let wasFree = counted & bit != 0
                let isFree = free & bit != 0
                let memberships = agentPools.memberships(agent, channel)
                if wasFree != isFree {
                    let delta = isFree ? 1 : -1
                    // The memberships name pools that exist: no index check per pool.
                    let table = pools.mutableRecords()
                    for membership in memberships {
                        let pool = Int(membership.pool)
                        table[pool].freeCount += delta
                        // Its held-back agents are routed again only when the pool could now keep a
                        // reserve: below the smallest one, every one of them would be held back again.
                        if isFree && table[pool].freeCount >= smallestReserve && !table[pool].heldBack.isEmpty {
                            poolsToRecheck.append(membership.pool)
                        }
                    }
                }
                guard isFree else { continue }
                let since = record.pointee.idleSince
                let inUse = record.pointee.used[channel]
                let rankMoved = since != record.pointee.pushedSince[channel]
                    || (policy == .leastOccupied && inUse != record.pointee.pushedInUse[channel])
                guard !wasFree || rankMoved else { continue }
                record.pointee.versions[channel] &+= 1
                record.pointee.pushedSince[channel] = since
                record.pointee.pushedInUse[channel] = inUse
                let version = record.pointee.versions[channel]
                for membership in memberships where pools[Int(membership.pool)].isIndexed {
                    let pool = Int(membership.pool)
                    // Pushed to more often since its last search than there are agents: cheaper
                    // to rebuild when next searched (`indexFreeAgents`, O(agents)) than to keep.
                    // The retail week has pools pushed to 500 times as often as searched.
                    pools[pool].pushesSinceSearch &+= 1  // bounded by the check below (and on decode)
                    if pools[pool].pushesSinceSearch > agents.count + 16 {
                        unindexFreeAgents(of: Int32(pool))
                        continue
                    }
                    let rank: Int32 = switch policy {
                    case .longestIdle: 0
                    case .mostSkilled: -membership.proficiency
                    case .leastOccupied: Int32(inUse)
                    }
                    pools[pool].addFree(FreeAgentEntry(rank: rank, since: since, agent: agent, version: version))
                    if Pool.needsCompaction(heapCount: pools[pool].freeEntryCount, live: pools[pool].freeCount) {
                        compactFreeAgents(Int32(pool))
                    }
                }
            }
        }
        let state = AgentRecord.state(presence: presence, notResponding: notResponding, offers: record.pointee.offers,
                                      connected: record.pointee.connected, wrappingUp: record.pointee.wrappingUp)
        if live && state != record.pointee.reported {
            let previous = record.pointee.reported
            record.pointee.reported = state
            if !omittedEvents.contains(.workStates) || previous.isAway != state.isAway {
                events.append(.agentState(record.pointee.profile.id, state))
            }
        }
    }

    /// Builds a pool's index of free agents when it is searched unindexed: the first time, and
    /// after it stopped being kept (`unindexFreeAgents`).
    /// - Complexity: O(agents × pools per agent), paid for by the pushes that were skipped.
    mutating func indexFreeAgents(of pool: Int32) {
        pools[Int(pool)].isIndexed = true
        pools[Int(pool)].pushesSinceSearch = 0
        pools[Int(pool)].freeInOrder.removeAll()
        let channel = pools[Int(pool)].channel
        let bit = UInt8(1) << UInt8(channel.rawValue)
        var entries: [FreeAgentEntry] = []
        for slot in agents.indices where agents[slot].live && agents[slot].countedFree & bit != 0 {
            guard let membership = agentPools.memberships(Int32(slot), channel).first(where: { $0.pool == pool }) else { continue }
            let rank: Int32 = switch configuration.policy {
            case .longestIdle: 0
            case .mostSkilled: -membership.proficiency
            case .leastOccupied: Int32(agents[slot].pushedInUse[channel])
            }
            entries.append(FreeAgentEntry(rank: rank, since: agents[slot].pushedSince[channel], agent: Int32(slot),
                                          version: agents[slot].versions[channel]))
        }
        pools[Int(pool)].freeAgents = BinaryHeap(entries)
    }

    /// Stops keeping the pool's free agents in order until it is next searched. Decisions do
    /// not change: `indexFreeAgents` rebuilds the same order from the agents' records.
    mutating func unindexFreeAgents(of pool: Int32) {
        pools[Int(pool)].isIndexed = false
        pools[Int(pool)].pushesSinceSearch = 0
        pools[Int(pool)].freeInOrder.removeAll()
        pools[Int(pool)].freeAgents = BinaryHeap()
    }

    // MARK: - Compaction

    mutating func compactFreeAgents(_ pool: Int32) {
        let channel = pools[Int(pool)].channel
        let bit = UInt8(1) << UInt8(channel.rawValue)
        let agents = self.agents
        func isCurrent(_ entry: FreeAgentEntry) -> Bool {
            agents[Int(entry.agent)].versions[channel] == entry.version && agents[Int(entry.agent)].countedFree & bit != 0
        }
        pools[Int(pool)].freeInOrder.removeAll { !isCurrent($0) }
        pools[Int(pool)].freeAgents = BinaryHeap(pools[Int(pool)].freeAgents.unordered.filter(isCurrent))
    }

    mutating func compactWaiting(_ pool: Int32) {
        let live = pools[Int(pool)].waiting.unordered.filter { contacts[Int($0.contact)].queueVersion == $0.version }
        pools[Int(pool)].waiting = BinaryHeap(live)
    }
}
