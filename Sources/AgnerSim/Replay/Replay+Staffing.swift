import AgnerCore

extension Replay {
    /// A staffing change: `count` more agents of an agent group (negative: fewer).
    public struct Change: Sendable, Equatable {
        public var group: String
        public var count: Int
        public init(group: String, count: Int) {
            self.group = group
            self.count = count
        }
    }

    /// The agents of a replay under `scenario`, with where each one's presence comes from.
    ///
    /// - An agent the record knows (by name, from the recorded center's roster) logs in, takes
    ///   breaks and logs out as recorded (never, if it never did).
    /// - An agent the record does not know, in a group with recorded members who logged in,
    ///   follows them in turn: the first newcomer the first of them, and so on (another agent
    ///   working the same hours).
    /// - The agents of a group none of whose members the record knows work the scenario's
    ///   shifts and breaks (or staffing profile) on the group's days, in the hours' time zone, on
    ///   the window's days (elapsed time from local midnight).
    /// - `changes` add members to a group (named after its last: `billing-4`, `billing-5`; a
    ///   group of one, `lead`, gets `lead-2`) or leave out its last members.
    ///
    /// - Parameter recorded: the center the journal was written with (its roster and groups).
    /// - Throws: `Failure` for a change naming no group, taking out more agents than the group
    ///   has, or giving a name another agent has.
    public static func agents(for scenario: Scenario, recorded: Scenario, recording: Recording, changes: [Change],
                              window: ReplayWindow) throws(Failure) -> [Agent] {
        for change in changes where !scenario.agentGroups.contains(where: { $0.name == change.group }) {
            throw Failure(description: "--add \(change.group): no agent group '\(change.group)' (groups: \(scenario.agentGroups.map(\.name).joined(separator: ", ")))")
        }
        let recordedNames = Set(recording.roster)
        let presences = recording.presences()
        // The recorded members of each group (by group name) who logged in at least once.
        var recordedMembers: [String: [String]] = [:]
        for member in recorded.roster.members {
            let logsIn = presences[member.name]?.contains { $0.1 == .available } ?? false
            if logsIn { recordedMembers[recorded.agentGroups[member.group].name, default: []].append(member.name) }
        }
        var agents: [Agent] = []
        var names = Set<String>()
        for (index, group) in scenario.agentGroups.enumerated() {
            var members = scenario.roster.members.filter { $0.group == index }.map(\.name)
            let change = changes.filter { $0.group == group.name }.reduce(0) { $0 + $1.count }
            if change < 0 {
                guard -change <= members.count else {
                    throw Failure(description: "--add \(group.name)=\(change): the group has \(members.count) agent\(members.count == 1 ? "" : "s")")
                }
                members.removeLast(-change)
            } else if change > 0 {
                let count = group.count
                guard count + change <= DomainLimits.agents.upperBound else {
                    throw Failure(description: "--add \(group.name)=\(change): \(count + change) agents, beyond the \(DomainLimits.agents.upperBound) a center holds")
                }
                for extra in 0..<change {
                    members.append(Roster.agentName(group: group.name, member: count + extra, of: count + change))
                }
            }
            let followed = recordedMembers[group.name] ?? []
            let groupKnown = members.contains { recordedNames.contains($0) } || !followed.isEmpty
            var newcomers = 0
            for (member, name) in members.enumerated() {
                guard names.insert(name).inserted else {
                    throw Failure(description: "two agents would be called '\(name)' (group \(group.name)); rename a group")
                }
                let presence: Presence
                if recordedNames.contains(name) {
                    presence = .recorded(name)
                } else if !followed.isEmpty {
                    presence = .recorded(followed[newcomers % followed.count])
                    newcomers += 1
                } else if groupKnown {
                    presence = .never
                } else {
                    presence = .schedule(schedule(of: group, member: member, count: members.count, scenario: scenario, window: window))
                }
                agents.append(Agent(name: name, profile: AgentProfile(id: AgentID(0), department: group.department, skills: group.skills,
                                                                      capacity: group.capacity),
                                    presence: presence, group: index))
            }
        }
        guard agents.count <= DomainLimits.agents.upperBound else {
            throw Failure(description: "--add: \(agents.count) agents in all, beyond the \(DomainLimits.agents.upperBound) a center holds")
        }
        return agents
    }

    /// Member `member` of a group of `count`: log-in, breaks and log-out on each of the
    /// window's days the group works, by the scenario's shifts and opening hours.
    static func schedule(of group: AgentGroup, member: Int, count: Int, scenario: Scenario, window: ReplayWindow) -> [ScheduledPresence] {
        var changes: [ScheduledPresence] = []
        for day in 0..<window.days {
            let weekday = Weekday(rawValue: (window.startWeekday.rawValue + day) % 7)!
            guard let open = scenario.hours.days[weekday.rawValue], !scenario.hours.closedDates.contains(window.dates[day]),
                  group.days.contains(weekday) else { continue }
            let midnight = window.midnights[day]
            if let spans = group.onDutySpans(member: member, interval: scenario.run.interval) {
                for span in spans {
                    changes.append(ScheduledPresence(time: midnight + span.start, presence: .available))
                    changes.append(ScheduledPresence(time: midnight + span.end, presence: .offline))
                }
                continue
            }
            let shift = group.shift ?? Shift(start: open.start, length: open.length)
            changes.append(ScheduledPresence(time: midnight + shift.start, presence: .available))
            for rule in group.breaks {
                guard let span = rule.span(member: member, of: count, in: shift) else { continue }
                changes.append(ScheduledPresence(time: midnight + span.start, presence: .onBreak))
                changes.append(ScheduledPresence(time: midnight + span.end, presence: .available))
            }
            changes.append(ScheduledPresence(time: midnight + shift.end, presence: .offline))
        }
        return changes.sorted { $0.time < $1.time }
    }

    /// The scenario a replay's figures are reported under (`SimulationSummary`, the comparison,
    /// the HTML report): `scenario`'s center, goals, service-level definition and costs; run
    /// settings for the window (one replication, the window's days from the local day of its
    /// start, what comes before its start as the warm-up); demand streams with the arrivals the
    /// window counted (so the channels and topics reported are those that had traffic, and the
    /// intraday requirements are those of the recorded arrivals); and the agents measured, in
    /// their groups (an agent added live in a group of its own). Its groups have no working
    /// days: the replay's agents worked as the record (or the change) says, not by a schedule.
    public static func reportScenario(_ scenario: Scenario, recording: Recording, window: ReplayWindow,
                                      agents: [MeasuredAgent]) -> Scenario {
        var report = scenario
        report.run.days = window.days
        report.run.startDay = window.startWeekday
        report.run.interval = window.interval
        report.run.warmup = window.warmup
        report.run.replications = 1
        report.run.seed = 0
        report.run.ringTime = 0
        report.notices = []
        report.qaSampleRate = 0
        // Demand: the counted arrivals per interval of the day, averaged over the window's days.
        let perDay = window.intervalsPerDay
        var counts: [Int: (rates: [Double], segments: PerSegment<Double>)] = [:]
        for contact in recording.contacts where window.counts(contact.arrival.time) {
            guard let topic = scenario.center.topic(named: contact.topic) else { continue }
            let key = topic.index * 4 + contact.channel.rawValue
            var entry = counts[key] ?? (Array(repeating: 0, count: perDay), PerSegment(repeating: 0))
            entry.rates[window.position(of: contact.arrival.time) % perDay] += 1
            entry.segments[contact.segment] += 1
            counts[key] = entry
        }
        let scale = 1 / (Double(max(1, window.days)) * window.interval)
        report.demand = counts.sorted { $0.key < $1.key }.map { key, entry in
            let total = max(1, entry.segments.wholesale + entry.segments.regular + entry.segments.new)
            return DemandStream(channel: Channel(rawValue: key % 4)!, topic: TopicID(key / 4), ratePerInterval: entry.rates.map { $0 * scale },
                                weekdayFactor: Array(repeating: 1, count: 7),
                                segmentMix: PerSegment(wholesale: entry.segments.wholesale / total, regular: entry.segments.regular / total,
                                                       new: entry.segments.new / total))
        }
        // Agents: the scenario's groups without working days, then one group per agent added live.
        var groups = scenario.agentGroups.map { group -> AgentGroup in
            var group = group
            group.count = 0
            group.days = []
            group.staffing = nil
            return group
        }
        var members: [Roster.Member] = []
        for agent in agents {
            if let index = agent.group, groups.indices.contains(index) {
                groups[index].count += 1
                members.append(Roster.Member(name: agent.name, group: index))
            } else {
                let department = DepartmentID(agent.department ?? 0)
                groups.append(AgentGroup(name: agent.name, count: 1, department: department, skills: [], capacity: AgentProfile.standardCapacity,
                                         shift: nil, days: [], breaks: []))
                members.append(Roster.Member(name: agent.name, group: groups.count - 1))
            }
        }
        report.agentGroups = groups
        report.roster.members = members
        return report
    }
}
