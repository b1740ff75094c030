import AgnerCore

extension Replication {
    mutating func addAgents() {
        var number = 0
        for group in scenario.agentGroups {
            for _ in 0..<group.count {
                let profile = AgentProfile(id: AgentID(UInt64(number)), department: group.department,
                                           skills: group.skills, capacity: group.capacity)
                agentProfiles.append(profile)
                agentStaffed.append(false)
                agentStaffedSince.append(0)
                apply(.addAgent(profile))
                number += 1
            }
        }
    }

    /// Schedules the day's opening hours, shifts and breaks.
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
        guard open != nil else { return }  // nobody works on a closed day
        var number = 0
        for group in scenario.agentGroups {
            defer { number += group.count }
            guard group.days.contains(weekday), let shift = group.shift ?? open else { continue }
            for member in 0..<group.count {
                let agent = UInt64(number + member)
                push(dayStart + shift.start, .shiftStart, agent)
                push(dayStart + shift.end, .shiftEnd, agent)
                for rule in group.breaks {
                    let start = rule.at + Double(member) * rule.stagger / Double(max(1, group.count))
                    guard start >= shift.start, start + rule.length <= shift.end else { continue }
                    push(dayStart + start, .breakStart, agent)
                    push(dayStart + start + rule.length, .breakEnd, agent)
                }
                result.agentCost += shiftCost(dayStart + shift.start, dayStart + shift.end, dayStart: dayStart)
            }
        }
    }

    mutating func setChannels(open: Bool) {
        for channel in Channel.allCases { apply(.setChannelOpen(channel, open)) }
    }

    /// The cost of one shift after the warm-up, with the premium for time outside standard hours.
    func shiftCost(_ start: Seconds, _ stop: Seconds, dayStart: Seconds) -> Double {
        let from = max(start, warmup)
        let to = min(stop, end)
        guard to > from else { return 0 }
        let standard = scenario.costs.standardHours
        let inside = max(0, min(to, dayStart + standard.end) - max(from, dayStart + standard.start))
        let outside = (to - from) - inside
        let hourly = scenario.costs.agentHour / 3600
        return hourly * (inside + outside * (1 + scenario.costs.extendedHoursPremium))
    }

    mutating func agentChanged(_ agent: Int, state: AgentState) {
        let staffed = state != .offline && state != .onBreak
        guard staffed != agentStaffed[agent] else { return }
        integrateWorkload()
        agentStaffed[agent] = staffed
        if staffed {
            staffedAgents += 1
            agentStaffedSince[agent] = now
        } else {
            staffedAgents -= 1
            result.agents[agent].workload.staffed += max(0, now - max(agentStaffedSince[agent], warmup))
        }
    }

    /// Moves the clock. Staffed and busy agent-seconds are step functions, integrated only when
    /// they change (`integrateWorkload`), not at every event.
    @inline(__always)
    mutating func advanceClock(to time: Seconds) {
        now = time
    }

    /// Adds staffed and busy agent-seconds since the last change to the intervals they fall in.
    /// Call before changing `staffedAgents` or `busyLoad`, and at the end.
    mutating func integrateWorkload() {
        var from = max(integratedUntil, warmup)
        let to = min(now, end)
        while from < to {
            let interval = Int(from / intervalLength)
            let boundary = min(to, Double(interval + 1) * intervalLength)
            let span = boundary - from
            if interval < result.intervalWorkload.count {
                result.intervalWorkload[interval].staffed += span * Double(staffedAgents)
                result.intervalWorkload[interval].busy += span * busyLoad
            }
            from = boundary
        }
        integratedUntil = max(integratedUntil, now)
    }

    mutating func finish() {
        integrateWorkload()
        aggregateCells()
        for agent in agentStaffed.indices where agentStaffed[agent] {
            result.agents[agent].workload.staffed += max(0, end - max(agentStaffedSince[agent], warmup))
        }
        for workload in result.intervalWorkload { result.workload.add(workload) }
        for notice in scenario.notices {
            result.noticeCost += Double(result.topics[notice.topic.index].noticesSent) * notice.costPerMessage
        }
    }
}
