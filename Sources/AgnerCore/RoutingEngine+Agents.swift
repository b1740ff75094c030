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
        agents[Int(slot)].memberships = memberships(of: profile)
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
        agents[Int(agent)].memberships = memberships(of: profile)
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
        agents[Int(agent)].memberships = PerChannel(repeating: [])
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

    /// The pools the profile is eligible for, per channel.
    /// - Complexity: O(number of pools), once per agent added or changed.
    func memberships(of profile: AgentProfile) -> PerChannel<[Membership]> {
        var result = PerChannel<[Membership]>(repeating: [])
        for (index, pool) in pools.enumerated() {
            if let standing = pool.criterion.standing(of: profile) {
                result[pool.criterion.channel].append(Membership(pool: Int32(index), proficiency: Int32(standing)))
            }
        }
        return result
    }
}
