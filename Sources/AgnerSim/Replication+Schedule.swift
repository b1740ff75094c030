import AgnerCore

extension Replication {
    mutating func addAgents() {
        for (number, member) in scenario.roster.members.enumerated() {
            let group = scenario.agentGroups[member.group]
            let profile = AgentProfile(id: AgentID(UInt64(number)), department: group.department,
                                       skills: group.skills, capacity: group.capacity)
            agentProfiles.append(profile)
            agentStaffed.append(false)
            agentStaffedSince.append(0)
            agentHeld.append(0)
            agentOccupiedSince.append(0)
            apply(.addAgent(profile))
        }
    }

    /// Schedules the day's opening hours, shifts and breaks. A shift past midnight ends the
    /// next day; its breaks may fall after midnight too.
    mutating func startDay(_ day: Int) {
        let dayStart = Double(day) * 86_400
        let weekday = Weekday(rawValue: (scenario.run.startDay.rawValue + day) % 7)!
        let open = scenario.hours.window(weekday: weekday, day: day)
        if let open {
            if open.start > 0 {
                setChannels(open: false)
                push(dayStart + open.start, .open)
            } else {
                setChannels(open: true)
            }
            if open.end < 86_400 { push(dayStart + open.end, .close) }
        } else {
            setChannels(open: false)
        }
        var number = 0
        for group in scenario.agentGroups {
            defer { number += group.count }
            guard let shift = scenario.shift(of: group, day: day) else { continue }
            for member in 0..<group.count {
                let agent = UInt64(number + member)
                push(dayStart + shift.start, .shiftStart, agent)
                push(dayStart + shift.end, .shiftEnd, agent)
                for rule in group.breaks {
                    guard let span = rule.span(member: member, of: group.count, in: shift) else { continue }
                    push(dayStart + span.start, .breakStart, agent)
                    push(dayStart + span.end, .breakEnd, agent)
                }
                result.agentCost += shiftCost(dayStart + shift.start, dayStart + shift.end, dayStart: dayStart)
            }
        }
    }

    mutating func setChannels(open: Bool) {
        for channel in Channel.allCases { apply(.setChannelOpen(channel, open)) }
    }

    /// The cost of one shift after the warm-up, with the premium for time outside standard
    /// hours (of the day the shift starts and, past midnight, of the next).
    func shiftCost(_ start: Seconds, _ stop: Seconds, dayStart: Seconds) -> Double {
        let from = max(start, warmup)
        let to = min(stop, end)
        guard to > from else { return 0 }
        let standard = scenario.costs.standardHours
        var inside = 0.0
        for day in [dayStart, dayStart + 86_400] {
            inside += max(0, min(to, day + standard.end) - max(from, day + standard.start))
        }
        let outside = (to - from) - inside
        let hourly = scenario.costs.agentHour / 3600
        return hourly * (inside + outside * (1 + scenario.costs.extendedHoursPremium))
    }

    /// Presence and load of one agent changed: keeps the staffed and occupied counts, the slots
    /// offered, and the agent's own staffed and occupied time. An agent is occupied while
    /// staffed and holding at least one contact (handling or wrap-up).
    mutating func agentChanged(_ agent: Int, state: AgentState) {
        let staffed = state != .offline && state != .onBreak
        guard staffed != agentStaffed[agent] else { return }
        integrateWorkload()
        let wasOccupied = agentStaffed[agent] && agentHeld[agent] > 0
        agentStaffed[agent] = staffed
        let capacity = agentProfiles[agent].capacity
        if staffed {
            staffedAgents += 1
            agentStaffedSince[agent] = now
            for channel in Channel.allCases { offeredSlots[channel] += Double(capacity[channel]) }
        } else {
            staffedAgents -= 1
            result.agents[agent].workload.staffed += max(0, now - max(agentStaffedSince[agent], warmup))
            for channel in Channel.allCases { offeredSlots[channel] -= Double(capacity[channel]) }
        }
        occupancyChanged(agent, was: wasOccupied)
    }

    /// After a change of an agent's presence or held contacts: keeps the occupied count and the
    /// agent's occupied time. Call after `integrateWorkload()`.
    @inline(__always)
    mutating func occupancyChanged(_ agent: Int, was: Bool) {
        let isOccupied = agentStaffed[agent] && agentHeld[agent] > 0
        guard isOccupied != was else { return }
        if isOccupied {
            occupiedAgents += 1
            agentOccupiedSince[agent] = now
        } else {
            occupiedAgents -= 1
            result.agents[agent].workload.occupied += max(0, now - max(agentOccupiedSince[agent], warmup))
        }
    }

    /// Moves the clock. Staffed, occupied and slot counts are step functions, integrated only
    /// when they change (`integrateWorkload`), not at every event.
    @inline(__always)
    mutating func advanceClock(to time: Seconds) {
        now = time
    }

    /// Adds staffed, occupied and slot time since the last change to the intervals it falls
    /// in. Call before changing any of the counts, and at the end.
    mutating func integrateWorkload() {
        var from = max(integratedUntil, warmup)
        let to = min(now, end)
        while from < to {
            let interval = Int(from / intervalLength)
            let boundary = min(to, Double(interval + 1) * intervalLength)
            let span = boundary - from
            if interval < result.intervalWorkload.count {
                // Field by field: `Channel.allCases` would build an array on every call.
                result.intervalWorkload[interval].staffed += span * Double(staffedAgents)
                result.intervalWorkload[interval].occupied += span * Double(occupiedAgents)
                result.intervalWorkload[interval].slotsOffered.phone += span * offeredSlots.phone
                result.intervalWorkload[interval].slotsOffered.chat += span * offeredSlots.chat
                result.intervalWorkload[interval].slotsOffered.email += span * offeredSlots.email
                result.intervalWorkload[interval].slotsOffered.clickToCall += span * offeredSlots.clickToCall
                result.intervalWorkload[interval].slotsUsed.phone += span * usedSlots.phone
                result.intervalWorkload[interval].slotsUsed.chat += span * usedSlots.chat
                result.intervalWorkload[interval].slotsUsed.email += span * usedSlots.email
                result.intervalWorkload[interval].slotsUsed.clickToCall += span * usedSlots.clickToCall
            }
            from = boundary
        }
        integratedUntil = max(integratedUntil, now)
    }

    mutating func finish() {
        integrateWorkload()
        // Contacts still open at the end: counted once, as open; agents' time up to the end.
        for slot in contacts.indices where contacts[slot].live {
            let info = contacts[slot]
            if info.counted && !info.connected {
                tally(stream: Int(info.stream), segment: info.segment, interval: info.interval) { $0.openAtEnd += 1 }
            }
        }
        aggregateCells()
        for agent in agentStaffed.indices {
            if agentStaffed[agent] {
                result.agents[agent].workload.staffed += max(0, end - max(agentStaffedSince[agent], warmup))
                if agentHeld[agent] > 0 {
                    result.agents[agent].workload.occupied += max(0, end - max(agentOccupiedSince[agent], warmup))
                }
            }
            let staffed = result.agents[agent].workload.staffed
            for channel in Channel.allCases {
                result.agents[agent].workload.slotsOffered[channel] = staffed * Double(agentProfiles[agent].capacity[channel])
            }
        }
        for workload in result.intervalWorkload { result.workload.add(workload) }
        for notice in scenario.notices {
            result.noticeCost += Double(result.topics[notice.topic.index].noticesSent) * notice.costPerMessage
        }
    }
}
