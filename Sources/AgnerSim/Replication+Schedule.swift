import AgnerCore

extension Replication {
    /// The engine every replication of `scenario` starts from: configured for simulation, with
    /// the roster's agents added (all logged out, at time 0). It is the same for every
    /// replication, so a run builds it once and each replication starts from a copy (the
    /// engine's stores are copied on its first command): adding the agents refines the pools
    /// again for each one, which cost about 2.9 million instructions per replication of the
    /// retail week (126 per simulated contact). Adding an agent reports it logged out, which
    /// changes nothing the replication keeps, so those events are dropped.
    static func startingEngine(for scenario: Scenario) -> RoutingEngine {
        var configuration = scenario.center
        configuration.offerTimeout = nil  // simulated agents answer their offers
        configuration.acceptsOffersAtOnce = scenario.run.ringTime == 0
        var engine = RoutingEngine(configuration: configuration)
        // The replication reads none of these: leaving them out saves an append and a dispatch each.
        engine.omittedEvents = [.escalations, .breachWarnings, .completions, .workStates]
        var events: [Event] = []
        for profile in agentProfiles(of: scenario) {
            do {
                try engine.apply(.addAgent(profile), at: 0, into: &events)
            } catch {
                preconditionFailure("the engine refused agent \(profile.id): \(error)")
            }
            events.removeAll(keepingCapacity: true)
        }
        return engine
    }

    /// The roster's agents, numbered in roster order.
    static func agentProfiles(of scenario: Scenario) -> [AgentProfile] {
        scenario.roster.members.enumerated().map { number, member in
            let group = scenario.agentGroups[member.group]
            return AgentProfile(id: AgentID(UInt64(number)), department: group.department,
                                skills: group.skills, capacity: group.capacity)
        }
    }

    /// The roster's agents as the replication tracks them (profile and clock); the engine has
    /// them already (`startingEngine`).
    mutating func addAgents() {
        for profile in Self.agentProfiles(of: scenario) {
            agentProfiles.append(profile)
            agentClocks.append(AgentClock())
        }
    }

    /// Schedules the day's opening hours, shifts and breaks. A shift past midnight ends the
    /// next day; its breaks may fall after midnight too. Each part of a shift follows its own
    /// day's hours (`Scenario.workedShift`); on the first day, the shifts begun the evening
    /// before the run start their part past midnight.
    mutating func startDay(_ day: Int) {
        let dayStart = Double(day) * 86_400
        let open = scenario.hours.window(weekday: scenario.run.weekday(ofDay: day), day: day)
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
        if day == 0 { scheduleShifts(startingOn: -1) }
        scheduleShifts(startingOn: day)
    }

    /// Every group's shifts and breaks that start on `day` (−1: the evening before the run).
    mutating func scheduleShifts(startingOn day: Int) {
        let dayStart = Double(day) * 86_400
        var number = 0
        for group in scenario.agentGroups {
            defer { number += group.count }
            guard let worked = scenario.workedShift(of: group, day: day) else { continue }
            if group.staffing != nil {
                guard day >= 0 else { continue }  // a staffing profile stays within its day
                for member in 0..<group.count {
                    let agent = UInt64(number + member)
                    for span in group.onDutySpans(member: member, interval: intervalLength) ?? [] {
                        push(dayStart + span.start, .shiftStart, agent)
                        push(dayStart + span.end, .shiftEnd, agent)
                        result.agentCost += shiftCost(dayStart + span.start, dayStart + span.end, dayStart: dayStart)
                    }
                }
                continue
            }
            for member in 0..<group.count {
                let agent = UInt64(number + member)
                push(dayStart + worked.start, .shiftStart, agent)
                push(dayStart + worked.end, .shiftEnd, agent)
                for rule in group.breaks {
                    guard let planned = rule.span(member: member, of: group.count, in: worked.shift),
                          let span = worked.clip(planned) else { continue }
                    push(dayStart + span.start, .breakStart, agent)
                    push(dayStart + span.end, .breakEnd, agent)
                }
                result.agentCost += shiftCost(dayStart + worked.start, dayStart + worked.end, dayStart: dayStart)
            }
        }
    }

    mutating func setChannels(open: Bool) {
        for channel in scenario.center.channelsByTier { apply(.setChannelOpen(channel, open)) }
    }

    /// The cost of one shift after the warm-up (`Scenario.shiftCost`).
    func shiftCost(_ start: Seconds, _ stop: Seconds, dayStart: Seconds) -> Double {
        scenario.shiftCost(start, stop, dayStart: dayStart)
    }

    /// An agent's presence changed. Staffed (logged in, not on a break) and occupied (staffed
    /// and holding at least one contact) time are added as spans when they end: no step
    /// function is integrated on the hot path. Inlined, as is `AgentClock.setStaffed`: most
    /// changes (busy, wrap-up, available again) leave the agent staffed and end at its first
    /// test (the two calls cost 65 instructions per simulated contact, single queue).
    @inline(__always)
    mutating func agentChanged(_ agent: Int, state: AgentState) {
        guard let ended = agentClocks[agent].setStaffed(state != .offline && state != .onBreak, at: now) else { return }
        addStaffed(agent, from: ended.staffedSince, to: now)
        if let occupied = ended.occupiedSince { addOccupied(agent, from: occupied, to: now) }
    }

    /// Moves the clock.
    @inline(__always)
    mutating func advanceClock(to time: Seconds) {
        now = time
    }

    /// Calls `add(interval, seconds)` for each interval that [from, to) overlaps inside the
    /// statistics' window (after the warm-up, before the end). - Returns: the seconds inside.
    @inline(__always)
    mutating func spread(from: Seconds, to: Seconds, _ add: (inout Workload, Seconds) -> Void) -> Seconds {
        var t = max(from, warmup)
        let stop = min(to, end)
        guard stop > t else { return 0 }
        let inside = stop - t
        while t < stop {
            let interval = Int(t / intervalLength)
            let boundary = min(stop, Double(interval + 1) * intervalLength)
            if interval < intervalWork.count { add(&intervalWork[interval], boundary - t) }
            t = boundary
        }
        return inside
    }

    /// A span of an agent's staffed time: staffed seconds, and slot-seconds offered on each of
    /// the agent's channels.
    mutating func addStaffed(_ agent: Int, from: Seconds, to: Seconds) {
        let capacity = agentProfiles[agent].capacity
        let seconds = spread(from: from, to: to) { workload, span in
            workload.staffed += span
            workload.slotsOffered.phone += span * Double(capacity.phone)
            workload.slotsOffered.chat += span * Double(capacity.chat)
            workload.slotsOffered.email += span * Double(capacity.email)
            workload.slotsOffered.clickToCall += span * Double(capacity.clickToCall)
        }
        agentTallies[agent].workload.staffed += seconds
    }

    /// A span of an agent's occupied time.
    mutating func addOccupied(_ agent: Int, from: Seconds, to: Seconds) {
        let seconds = spread(from: from, to: to) { workload, span in workload.occupied += span }
        agentTallies[agent].workload.occupied += seconds
    }

    /// A contact's hold on a slot of `channel`. - Returns: the seconds inside the window.
    @inline(__always)
    mutating func addSlotUse(_ channel: Channel, from: Seconds, to: Seconds) -> Seconds {
        spread(from: from, to: to) { workload, span in workload.slotsUsed[channel] += span }
    }

    mutating func finish() {
        // Contacts still open at the end: counted once, as open; agents' time up to the end.
        for slot in 0..<contacts.count where contacts[slot].live {
            let info = contacts[slot]
            if info.counted && !info.connected {
                tally(stream: Int(info.stream), segment: info.segment, interval: info.interval) { $0.openAtEnd += 1 }
            }
        }
        aggregateCells()
        result.intervals = intervalCells.elements
        for agent in 0..<agentClocks.count {
            let clock = agentClocks[agent]
            if clock.staffed {
                addStaffed(agent, from: clock.staffedSince, to: end)
                if clock.held > 0 { addOccupied(agent, from: clock.occupiedSince, to: end) }
            }
            let staffed = agentTallies[agent].workload.staffed
            for channel in Channel.allCases {
                agentTallies[agent].workload.slotsOffered[channel] = staffed * Double(agentProfiles[agent].capacity[channel])
            }
        }
        result.intervalWorkload = intervalWork.elements
        result.agents = agentTallies.elements
        result.answeredByDepartment = answeredByDepartment.elements
        result.answeredAtStep = answeredAtStep.elements
        result.answeredByWait = answeredByWait.elements
        for workload in result.intervalWorkload { result.workload.add(workload) }
        for notice in scenario.notices {
            result.noticeCost += Double(result.topics[notice.topic.index].noticesSent) * notice.costPerMessage
        }
    }
}
