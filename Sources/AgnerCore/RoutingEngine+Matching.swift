extension RoutingEngine {
    /// Finds a free agent for a waiting contact, searching the pools of its ladder from the
    /// narrowest (the owning department's experts) to the one of its current step.
    /// - Returns: true when the contact was offered.
    mutating func routeWaitingContact(_ slot: Int32, into events: inout [Event]) -> Bool {
        let contact = contacts[Int(slot)]
        for step in 0...Int(contact.step) {
            let pool = topicPool(topic: contact.topic, channel: contact.channel, step: step)
            if let agent = bestFreeAgent(in: pool) {
                offer(slot, to: agent, poolStep: step, pool: pool, into: &events)
                return true
            }
        }
        return false
    }

    /// The pool's best free agent under the selection policy, dropping stale entries.
    /// - Complexity: O(log n) amortised.
    mutating func bestFreeAgent(in pool: Int32) -> Int32? {
        let bit = UInt8(1) << UInt8(pools[Int(pool)].criterion.channel.rawValue)
        while let top = pools[Int(pool)].freeAgents.min {
            let agent = agents[Int(top.agent)]
            if agent.version == top.version && agent.countedFree & bit != 0 { return top.agent }
            pools[Int(pool)].freeAgents.removeMin()
        }
        return nil
    }

    /// The pool's most urgent waiting contact, dropping stale entries.
    /// - Complexity: O(log n) amortised.
    mutating func mostUrgentWaiting(in pool: Int32) -> WaitingEntry? {
        while let top = pools[Int(pool)].waiting.min {
            if contacts[Int(top.contact)].queueVersion == top.version { return top }
            pools[Int(pool)].waiting.removeMin()
        }
        return nil
    }

    /// Offers the contact to the agent. The contact leaves its line; the agent's capacity is reserved.
    mutating func offer(_ slot: Int32, to agent: Int32, poolStep: Int, pool: Int32, into events: inout [Event]) {
        let contact = contacts[Int(slot)]
        let record = agents[Int(agent)]
        var standing = 0
        for membership in record.memberships[contact.channel] where membership.pool == pool {
            standing = Int(membership.proficiency)
        }
        let explanation = OfferExplanation(
            step: Int(contact.step), poolStep: poolStep, eligibleAgents: pools[Int(pool)].freeCount,
            policy: configuration.policy, idleFor: now - record.idleSince, proficiency: standing,
            inProgress: record.used[contact.channel])
        leaveBucket(slot)
        contacts[Int(slot)].state = .offered
        contacts[Int(slot)].agent = agent
        contacts[Int(slot)].linkVersion &+= 1
        agents[Int(agent)].offers += 1
        agents[Int(agent)].used[contact.channel] += 1
        agents[Int(agent)].usedTotal += 1
        var expiresAt: Seconds? = nil
        if let timeout = configuration.offerTimeout {
            expiresAt = now + timeout
            schedule(.offerTimeout, at: now + timeout, contact: slot, version: contacts[Int(slot)].linkVersion)
        }
        events.append(.offered(contact.id, record.profile.id, explanation, expiresAt: expiresAt))
        refreshAgent(agent, keyChanged: true, into: &events)
    }

    /// Offers the agent the most urgent contacts it is eligible for, while it has free capacity.
    mutating func routeAgent(_ agent: Int32, into events: inout [Event]) {
        while agents[Int(agent)].countedFree != 0 {
            var best: WaitingEntry? = nil
            let record = agents[Int(agent)]
            for channel in Channel.allCases where record.countedFree & (1 << UInt8(channel.rawValue)) != 0 {
                for membership in record.memberships[channel] {
                    guard let candidate = mostUrgentWaiting(in: membership.pool) else { continue }
                    if best.map({ candidate < $0 }) ?? true { best = candidate }
                }
            }
            guard let chosen = best else { return }
            let contact = contacts[Int(chosen.contact)]
            let poolStep = narrowestStep(of: record, for: contact) ?? Int(contact.step)
            let pool = topicPool(topic: contact.topic, channel: contact.channel, step: poolStep)
            offer(chosen.contact, to: agent, poolStep: poolStep, pool: pool, into: &events)
        }
    }

    /// The first step of the contact's ladder whose pool includes the agent.
    private func narrowestStep(of agent: AgentRecord, for contact: ContactRecord) -> Int? {
        let memberships = agent.memberships[contact.channel]
        for step in 0...Int(contact.step) {
            let pool = topicPool(topic: contact.topic, channel: contact.channel, step: step)
            if memberships.contains(where: { $0.pool == pool }) { return step }
        }
        return nil
    }

    /// Brings the pools' counters and heaps up to date with the agent's record, and reports a
    /// change of its state. `keyChanged` says the agent's rank in its pools may have moved
    /// (idle since, contacts in progress).
    mutating func refreshAgent(_ agent: Int32, keyChanged: Bool, into events: inout [Event]) {
        let record = agents[Int(agent)]
        let loggedIn = record.live && record.presence != .offline
        let free = record.live ? record.freeMask : 0
        if loggedIn != record.countedLoggedIn {
            let delta = loggedIn ? 1 : -1
            for channel in Channel.allCases {
                for membership in record.memberships[channel] { pools[Int(membership.pool)].loggedInCount += delta }
            }
            agents[Int(agent)].countedLoggedIn = loggedIn
        }
        if free != record.countedFree || (keyChanged && free != 0) {
            agents[Int(agent)].version &+= 1
            let version = agents[Int(agent)].version
            for channel in Channel.allCases {
                let bit = UInt8(1) << UInt8(channel.rawValue)
                let wasFree = record.countedFree & bit != 0
                let isFree = free & bit != 0
                guard wasFree || isFree else { continue }
                for membership in record.memberships[channel] {
                    let pool = Int(membership.pool)
                    if wasFree != isFree { pools[pool].freeCount += isFree ? 1 : -1 }
                    if isFree {
                        pools[pool].freeAgents.insert(FreeAgentEntry(
                            rank: rank(of: record, in: membership, channel: channel),
                            since: record.idleSince, agent: agent, version: version))
                        if Pool.needsCompaction(heapCount: pools[pool].freeAgents.count, live: pools[pool].freeCount) {
                            compactFreeAgents(Int32(pool))
                        }
                    }
                }
            }
            agents[Int(agent)].countedFree = free
        }
        let state = record.state
        if record.live && state != record.reported {
            agents[Int(agent)].reported = state
            events.append(.agentState(record.profile.id, state))
        }
    }

    private func rank(of agent: AgentRecord, in membership: Membership, channel: Channel) -> Int32 {
        switch configuration.policy {
        case .longestIdle: 0
        case .mostSkilled: -membership.proficiency
        case .leastOccupied: Int32(agent.used[channel])
        }
    }

    // MARK: - Compaction

    mutating func compactFreeAgents(_ pool: Int32) {
        let bit = UInt8(1) << UInt8(pools[Int(pool)].criterion.channel.rawValue)
        let live = pools[Int(pool)].freeAgents.unordered.filter { entry in
            let agent = agents[Int(entry.agent)]
            return agent.version == entry.version && agent.countedFree & bit != 0
        }
        pools[Int(pool)].freeAgents = .init(live)
    }

    mutating func compactWaiting(_ pool: Int32) {
        let live = pools[Int(pool)].waiting.unordered.filter { contacts[Int($0.contact)].queueVersion == $0.version }
        pools[Int(pool)].waiting = .init(live)
    }
}
