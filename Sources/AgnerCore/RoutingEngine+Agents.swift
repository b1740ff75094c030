extension RoutingEngine {
    mutating func setPresence(_ id: AgentID, _ presence: Presence, into events: inout [Event]) throws(EngineError) {
        guard let agent = agentSlots[id.rawValue] else { throw .unknownAgent(id) }
        let previous = agents[Int(agent)].presence
        // Any request shows the agent is responding again.
        guard previous != presence || agents[Int(agent)].notResponding else { return }
        agents[Int(agent)].presence = presence
        agents[Int(agent)].notResponding = false
        if presence == .available { agents[Int(agent)].idleSince = now }
        refreshAgent(agent, into: &events)
        routeAgent(agent, into: &events)
    }

    mutating func addAgent(_ profile: AgentProfile, into events: inout [Event]) throws(EngineError) {
        guard agentSlots[profile.id.rawValue] == nil else { throw .duplicateAgent(profile.id) }
        try validate(profile)
        let slot: Int32
        if let reused = freeAgentSlots.popLast() {
            slot = reused
            let versions = agents[Int(slot)].versions
            agents[Int(slot)] = AgentRecord(profile: profile)
            agents[Int(slot)].versions = versions  // entries of the slot's last agent stay stale
        } else {
            slot = Int32(agents.count)
            agents.append(AgentRecord(profile: profile))
        }
        agents[Int(slot)].idleSince = now
        agentPools.set(slot, PerChannel(repeating: []))  // in no pool while the pools are refined
        refinePools(for: profile)
        agentPools.set(slot, memberships(of: profile))
        agentSlots[profile.id.rawValue] = slot
        events.append(.agentState(profile.id, .offline))
    }

    mutating func updateAgent(_ profile: AgentProfile, into events: inout [Event]) throws(EngineError) {
        guard let agent = agentSlots[profile.id.rawValue] else { throw .unknownAgent(profile.id) }
        try validate(profile)
        let record = agents[Int(agent)]
        for channel in Channel.allCases where record.used[channel] > profile.capacity[channel] {
            throw .capacityInUse(profile.id, channel, holding: record.used[channel], capacity: profile.capacity[channel])
        }
        // Leave every pool under the old profile, then join the new ones.
        agents[Int(agent)].live = false
        refreshAgent(agent, into: &events)
        agents[Int(agent)].live = true
        agents[Int(agent)].profile = profile
        refinePools(for: profile)
        agentPools.set(agent, memberships(of: profile))
        refreshAgent(agent, into: &events)
        routeAgent(agent, into: &events)
    }

    mutating func removeAgent(_ id: AgentID, into events: inout [Event]) throws(EngineError) {
        guard let agent = agentSlots[id.rawValue] else { throw .unknownAgent(id) }
        let record = agents[Int(agent)]
        guard record.usedTotal == 0 else {
            throw .agentHoldsContacts(id, holding: record.usedTotal)
        }
        agents[Int(agent)].live = false
        refreshAgent(agent, into: &events)
        agentPools.set(agent, PerChannel(repeating: []))
        agentSlots[id.rawValue] = nil
        freeAgentSlots.append(agent)
        events.append(.agentRemoved(id))
    }

    func validate(_ profile: AgentProfile) throws(EngineError) {
        guard configuration.departments.indices.contains(profile.department.index) else {
            throw .unknownDepartment(profile.department.index)
        }
        var seen = Set<Int>()
        for level in profile.skills {
            guard configuration.skills.indices.contains(level.skill.index) else { throw .unknownSkill(level.skill.index) }
            guard DomainLimits.proficiency.contains(level.proficiency) else {
                throw .invalidValue("proficiency \(level.proficiency) in \(configuration.skills[level.skill.index]) is outside \(DomainLimits.proficiency.lowerBound)–\(DomainLimits.proficiency.upperBound)")
            }
            guard seen.insert(level.skill.index).inserted else {
                throw .invalidValue("skill \(configuration.skills[level.skill.index]) is listed twice")
            }
        }
        for channel in Channel.allCases {
            let capacity = profile.capacity[channel]
            let range = DomainLimits.capacity(channel)
            guard range.contains(capacity) else {
                throw .invalidValue("\(channel) capacity \(capacity) is outside \(range.lowerBound)–\(range.upperBound)")
            }
        }
    }

    /// The pools the profile is eligible for, per channel, with its standing in each (in the
    /// pool's first criterion; under `SelectionPolicy.mostSkilled` every criterion of a pool
    /// gives its agents one standing).
    /// - Complexity: O(number of pools), once per agent added or changed.
    func memberships(of profile: AgentProfile) -> PerChannel<[Membership]> {
        var result = PerChannel<[Membership]>(repeating: [])
        for (index, pool) in pools.enumerated() {
            if let standing = criteria[Int(pool.criteria[0])].standing(of: profile) {
                result[pool.channel].append(Membership(pool: Int32(index), proficiency: Int32(standing)))
            }
        }
        return result
    }

    /// How a profile stands under a criterion, as far as pools tell agents apart: nil when not
    /// eligible; the proficiency under `mostSkilled` (it orders the free agents); else 0.
    func poolKey(_ criterion: Int32, _ profile: AgentProfile) -> Int? {
        guard let standing = criteria[Int(criterion)].standing(of: profile) else { return nil }
        return configuration.policy == .mostSkilled ? standing : 0
    }

    /// The first pool whose criteria the profile does not meet alike (see `Pool.criteria`), if any.
    func poolToldApart(by profile: AgentProfile) -> Int? {
        pools.indices.first { index in
            let key = poolKey(pools[index].criteria[0], profile)
            return pools[index].criteria.dropFirst().contains { poolKey($0, profile) != key }
        }
    }

    /// Keeps every pool a set of agents that meet all of its criteria alike: a profile that
    /// meets some of a pool's criteria and not others (or stands differently in them, under
    /// `mostSkilled`) splits the pool, one part per way of meeting them.
    ///
    /// Pools only split: an agent who leaves takes nothing from the equality of the others.
    /// - Complexity: O(criteria) when nothing splits, which is every agent after the first of
    ///   each kind; a split costs O(agents + contacts in the pool's line), and there are at most
    ///   as many splits as criteria over the engine's life.
    mutating func refinePools(for profile: AgentProfile) {
        var split = false
        for index in pools.indices {  // pools made here already meet the profile alike
            let list = pools[index].criteria
            guard list.count > 1 else { continue }
            var groups: [(key: Int?, criteria: [Int32])] = []
            for criterion in list {
                let key = poolKey(criterion, profile)
                if let at = groups.firstIndex(where: { $0.key == key }) {
                    groups[at].criteria.append(criterion)
                } else {
                    groups.append((key, [criterion]))
                }
            }
            guard groups.count > 1 else { continue }
            if !split {
                // Waiting contacts move to the pool of the step they have reached.
                catchUpWaitingSteps()
                split = true
            }
            for group in groups.dropFirst() { splitPool(index, moving: group.criteria) }
        }
        // A step that opened no pool may open one now.
        if split { rescheduleWaitingClocks() }
    }

    /// Moves some of a pool's criteria to a new pool of the same agents: the new pool starts as
    /// a copy (free agents, counts, agents held back), each waiting contact goes with the
    /// criterion of its current step, and every agent of the pool joins the new one.
    private mutating func splitPool(_ index: Int, moving moved: [Int32]) {
        let newIndex = Int32(pools.count)
        var part = pools[index]
        part.criteria = moved
        pools[index].criteria.removeAll { moved.contains($0) }
        for criterion in moved { criterionPools[Int(criterion)] = newIndex }
        updateTopicPools()
        // The line: current entries go where their contact's step now points; stale ones are dropped.
        var staying: [WaitingEntry] = [], going: [WaitingEntry] = []
        for entry in pools[index].waiting.unordered where contacts[Int(entry.contact)].queueVersion == entry.version {
            let contact = contacts[Int(entry.contact)]
            if topicPool(topic: contact.topic, channel: contact.channel, step: Int(contact.step)) == newIndex {
                contacts[Int(entry.contact)].bucket = newIndex
                going.append(entry)
            } else {
                staying.append(entry)
            }
        }
        pools[index].waiting = BinaryHeap(staying)
        pools[index].waitingCount = staying.count
        part.waiting = BinaryHeap(going)
        part.waitingCount = going.count
        pools.append(part)
        let channel = part.channel
        for slot in agents.indices {
            guard let membership = agentPools.memberships(Int32(slot), channel).first(where: { $0.pool == Int32(index) }) else { continue }
            let standing = criteria[Int(moved[0])].standing(of: agents[slot].profile).map { Int32($0) } ?? membership.proficiency
            agentPools.append(Int32(slot), channel, Membership(pool: newIndex, proficiency: standing))
        }
    }
}
