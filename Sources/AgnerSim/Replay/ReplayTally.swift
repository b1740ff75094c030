import AgnerCore

/// Measures a replay from the engine's events as the simulator measures a replication
/// (docs/simulation.md, "What is measured"), into the same `ReplicationResult`, so that its
/// figures (service level by the named definition, ASA, abandonment, occupancy, leakage,
/// breaches by cause, per channel and interval) are defined exactly as a simulation's.
///
/// Where a replay knows less than a simulation it says so here:
/// - a handle time is known when the conversation ends (`completed`); one still going at the
///   end of the window counts up to the end;
/// - a contact ended because its adapter was lost past the grace counts as abandoned (it was
///   not answered), so offered = answered + abandoned + open at end still holds;
/// - agents cost their logged-in time (breaks included, as a simulated shift is paid whole),
///   with the extended-hours premium on time outside the standard hours of its local day;
/// - there is no QA sampling and there are no notices (nothing deflected).
struct ReplayTally {
    struct ContactInfo {
        var channel: Channel
        var topic: Int
        var owner: Int
        var segment: Segment
        var position: Int
        var counted: Bool
        var target: Double
        var connectedAt: Double?
        var agent = -1
        var step = 0
        var handled = false
    }

    let center: CenterConfiguration
    let window: ReplayWindow
    let costs: Costs?
    var result: ReplicationResult
    var contacts: [UInt64: ContactInfo] = [:]
    var agentIndex: [UInt64: Int] = [:]
    var agentOrder: [AgentID] = []
    var agentDepartments: [UInt64: Int?] = [:]
    var capacities: [PerChannel<Int>] = []
    var clocks: [AgentClock] = []
    var loggedInSince: [Double?] = []
    var agentTallies: [AgentTally] = []
    var intervalCells: [Tally]
    var intervalWork: [Workload]
    let ladderSteps: Int

    init(center: CenterConfiguration, window: ReplayWindow, costs: Costs? = nil) {
        self.center = center
        self.window = window
        self.costs = costs
        ladderSteps = center.topics.indices.map { center.ladder(for: TopicID($0)).steps.count }.max() ?? 1
        result = ReplicationResult(index: 0, topics: center.topics.count, departments: center.departments.count,
                                   intervals: window.intervalCount, agents: 0, ladderSteps: ladderSteps)
        result.answeredByWait = Array(repeating: 0, count: Channel.allCases.count * WaitBands.count)
        intervalCells = Array(repeating: Tally(), count: window.intervalCount * Channel.allCases.count)
        intervalWork = Array(repeating: Workload(), count: window.intervalCount)
    }

    // MARK: - Agents

    /// An agent the replay knows (at start, or added live). `department`: its department in
    /// the measured center, nil when it has none there.
    mutating func addAgent(_ id: AgentID, department: Int?, capacity: PerChannel<Int> = AgentProfile.standardCapacity) {
        guard agentIndex[id.rawValue] == nil else { return }
        agentIndex[id.rawValue] = agentOrder.count
        agentOrder.append(id)
        agentDepartments[id.rawValue] = department
        capacities.append(capacity)
        clocks.append(AgentClock())
        loggedInSince.append(nil)
        agentTallies.append(AgentTally())
    }

    mutating func updateAgent(_ id: AgentID, department: Int?, capacity: PerChannel<Int>? = nil) {
        agentDepartments[id.rawValue] = department
        if let index = agentIndex[id.rawValue], let capacity { capacities[index] = capacity }
    }

    // MARK: - Contacts

    /// Adds to every group the contact belongs to.
    mutating func tally(_ info: ContactInfo, _ change: (inout Tally) -> Void) {
        change(&result.total)
        change(&result.channels[info.channel.rawValue])
        change(&result.topics[info.topic])
        change(&result.departments[info.owner])
        change(&result.segments[info.segment.rawValue])
        change(&intervalCells[info.position * 4 + info.channel.rawValue])
    }

    /// A contact arrived at `time`; `events` are those of its arrival.
    mutating func arrive(_ id: ContactID, channel: Channel, topic: TopicID, segment: Segment, at time: Double, _ events: [Event]) {
        let info = ContactInfo(channel: channel, topic: topic.index, owner: center.topics[topic.index].owningDepartment.index,
                               segment: segment, position: window.position(of: time), counted: window.counts(time),
                               target: center.answerTarget(topic: topic, channel: channel))
        contacts[id.rawValue] = info
        observe(events, at: time)
        guard info.counted, !events.contains(.closed(id)) else { return }
        let waited = events.contains(.queued(id, step: 0))
        tally(info) {
            $0.offered += 1
            if waited { $0.waited += 1 }
        }
    }

    mutating func observe(_ events: [Event], at time: Double) {
        for event in events {
            switch event {
            case let .offered(contact, _, explanation, _):
                contacts[contact.rawValue]?.step = explanation.step
            case let .connected(contact, agent, waited):
                connected(contact, agent: agent, waited: waited, at: time)
            case let .completed(contact, _):
                guard var info = contacts[contact.rawValue], let since = info.connectedAt else { continue }
                info.handled = true
                contacts[contact.rawValue] = info
                if info.counted {
                    tally(info) { $0.handleSum += time - since }
                    if info.agent >= 0 { agentTallies[info.agent].handleSum += time - since }
                }
            case let .wrapUpEnded(contact, _):
                guard let info = contacts.removeValue(forKey: contact.rawValue) else { continue }
                release(info, at: time)
            case let .abandoned(contact, waited, _):
                guard let info = contacts.removeValue(forKey: contact.rawValue) else { continue }
                if info.counted {
                    tally(info) {
                        $0.abandoned += 1
                        if waited <= ServiceLevelDefinition.shortAbandon { $0.abandonedShort += 1 }
                        $0.longestWait = max($0.longestWait, waited)
                    }
                }
            case let .breached(contact, cause):
                guard let info = contacts[contact.rawValue], info.counted else { continue }
                let index = BreachCause.allCases.firstIndex(of: cause)!
                tally(info) { $0.breaches[index] += 1 }
            case let .callbackScheduled(contact):
                guard let info = contacts[contact.rawValue], info.counted else { continue }
                tally(info) { $0.callbacks += 1 }
            case let .closed(contact):
                guard let info = contacts.removeValue(forKey: contact.rawValue), info.counted else { continue }
                tally(info) { $0.unserved += 1 }
            case let .agentState(agent, state):
                agentChanged(agent, state: state, at: time)
            default:
                break
            }
        }
    }

    mutating func connected(_ contact: ContactID, agent: AgentID, waited: Double, at time: Double) {
        guard var info = contacts[contact.rawValue] else { return }
        let index = agentIndex[agent.rawValue] ?? -1
        info.connectedAt = time
        info.agent = index
        contacts[contact.rawValue] = info
        if index >= 0 { clocks[index].hold(at: time) }
        guard info.counted else { return }
        tally(info) {
            $0.answered += 1
            if waited <= info.target { $0.answeredWithinTarget += 1 }
            $0.waitSum += waited
            $0.longestWait = max($0.longestWait, waited)
        }
        let departments = center.departments.count
        if let department = agentDepartments[agent.rawValue] ?? nil, (0..<departments).contains(department) {
            result.answeredByDepartment[info.topic * departments + department] += 1
        }
        result.answeredAtStep[info.topic * ladderSteps + min(info.step, ladderSteps - 1)] += 1
        result.answeredByWait[info.channel.rawValue * WaitBands.count + WaitBands.band(of: waited)] += 1
        if index >= 0 { agentTallies[index].answered += 1 }
    }

    /// A contact's hold on its agent ends (its wrap-up ended, or the window did).
    mutating func release(_ info: ContactInfo, at time: Double) {
        guard let since = info.connectedAt, info.agent >= 0 else { return }
        let channel = info.channel
        let held = window.spread(from: since, to: time) { position, seconds in intervalWork[position].slotsUsed[channel] += seconds }
        agentTallies[info.agent].workload.slotsUsed[channel] += held
        if let start = clocks[info.agent].release() { addOccupied(info.agent, from: start, to: time) }
    }

    // MARK: - Agents' time

    mutating func agentChanged(_ agent: AgentID, state: AgentState, at time: Double) {
        guard let index = agentIndex[agent.rawValue] else { return }
        let loggedIn = state != .offline
        if loggedIn, loggedInSince[index] == nil {
            loggedInSince[index] = time
        } else if !loggedIn, let since = loggedInSince[index] {
            addCost(from: since, to: time)
            loggedInSince[index] = nil
        }
        guard let ended = clocks[index].setStaffed(state != .offline && state != .onBreak, at: time) else { return }
        addStaffed(index, from: ended.staffedSince, to: time)
        if let occupied = ended.occupiedSince { addOccupied(index, from: occupied, to: time) }
    }

    mutating func addStaffed(_ agent: Int, from start: Double, to stop: Double) {
        let capacity = capacities[agent]
        let seconds = window.spread(from: start, to: stop) { position, span in
            intervalWork[position].staffed += span
            for channel in Channel.allCases { intervalWork[position].slotsOffered[channel] += span * Double(capacity[channel]) }
        }
        agentTallies[agent].workload.staffed += seconds
    }

    mutating func addOccupied(_ agent: Int, from start: Double, to stop: Double) {
        let seconds = window.spread(from: start, to: stop) { position, span in intervalWork[position].occupied += span }
        agentTallies[agent].workload.occupied += seconds
    }

    /// Logged-in time inside the window at the hourly cost, with the premium outside the
    /// standard hours of each local day.
    mutating func addCost(from start: Double, to stop: Double) {
        guard let costs else { return }
        var t = max(start, window.from)
        let end = min(stop, window.to)
        let hourly = costs.agentHour / 3600
        while t < end {
            let day = window.day(of: t)
            let midnight = window.midnights[day]
            let boundary = min(end, window.midnights[day + 1])
            guard boundary > t else { break }
            let inside = max(0, min(boundary, midnight + costs.standardHours.end) - max(t, midnight + costs.standardHours.start))
            result.agentCost += hourly * (inside + (boundary - t - inside) * (1 + costs.extendedHoursPremium))
            t = boundary
        }
    }

    // MARK: - The end

    /// Closes the books at `end` (Unix seconds): contacts still waiting are open at end,
    /// conversations still going count up to the end, agents' time up to the end.
    mutating func finish(at end: Double) -> ReplicationResult {
        for (_, info) in contacts.sorted(by: { $0.key < $1.key }) {
            if info.connectedAt == nil {
                if info.counted { tally(info) { $0.openAtEnd += 1 } }
                continue
            }
            if !info.handled, let since = info.connectedAt, info.counted {
                tally(info) { $0.handleSum += end - since }
                if info.agent >= 0 { agentTallies[info.agent].handleSum += end - since }
            }
            release(info, at: end)
        }
        contacts = [:]
        for index in clocks.indices {
            let clock = clocks[index]
            if clock.staffed {
                addStaffed(index, from: clock.staffedSince, to: end)
                if clock.held > 0 { addOccupied(index, from: clock.occupiedSince, to: end) }
            }
            if let since = loggedInSince[index] { addCost(from: since, to: end) }
            let staffed = agentTallies[index].workload.staffed
            for channel in Channel.allCases { agentTallies[index].workload.slotsOffered[channel] = staffed * Double(capacities[index][channel]) }
        }
        result.intervals = intervalCells
        result.intervalWorkload = intervalWork
        result.workload = Workload()
        for workload in intervalWork { result.workload.add(workload) }
        result.agents = agentTallies
        result.contactsSimulated = Int(result.total.offered + result.total.unserved)
        return result
    }
}
