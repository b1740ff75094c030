import AgnerCore

/// Staffing requirements interval by interval, from a scenario's demand, against the agents
/// its shifts put on duty: the view every workforce-management tool starts from.
///
/// For each channel and interval: arrivals, handle time (mean handle time plus the channel's
/// wrap-up), offered load, and the agents Erlang C needs for the channel's goal (Erlang A when
/// its customers abandon, with the mean patience over its segments). These are steady-state
/// approximations: each interval is taken as if it lasted, so a queue carried over from the
/// interval before is not seen (the simulator sees it). Chat counts an agent as `c` servers,
/// c the usual chat concurrency of its agents: the load is divided by c.
public enum IntradayRequirements {
    public struct Row: Sendable, Encodable {
        public var day: Int
        public var weekday: String
        public var start: String
        /// A channel's name, or `all` for the interval's total (when more than one channel has
        /// arrivals or agents on duty). Channels with neither are left out.
        public var channel: String
        public var arrivalsPerHour: Double
        /// Mean handle time plus wrap-up, seconds (nil without arrivals).
        public var averageHandleTime: Double?
        /// Offered load in Erlangs (agents busy on average if every contact were answered).
        public var loadErlangs: Double
        /// erlangC, erlangA, closed (the channel is closed: nothing to answer), or none (no arrivals).
        public var model: String
        /// Agents needed on duty; nil when no number of agents meets the goal.
        public var required: Int?
        /// Agents to schedule for that with the shrinkage (breaks, absence, training), when given.
        public var scheduledRequired: Int?
        /// Mean agents on duty (on shift, not on a break) who serve the channel; for `all`,
        /// the agents on duty.
        public var scheduled: Double
        /// On duty − required (negative: short of agents). Both count agents on duty; the
        /// shrinkage only turns the requirement into agents to schedule.
        public var gap: Double?

        enum CodingKeys: String, CodingKey {
            case day, weekday, start, channel, arrivalsPerHour = "arrivals_per_hour", averageHandleTime = "average_handle_time",
                 loadErlangs = "load_erlangs", model, required, scheduledRequired = "to_schedule", scheduled = "on_duty", gap
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(day, forKey: .day)
            try c.encode(weekday, forKey: .weekday)
            try c.encode(start, forKey: .start)
            try c.encode(channel, forKey: .channel)
            try c.encode(arrivalsPerHour, forKey: .arrivalsPerHour)
            try c.encode(averageHandleTime, forKey: .averageHandleTime)
            try c.encode(loadErlangs, forKey: .loadErlangs)
            try c.encode(model, forKey: .model)
            try c.encode(required, forKey: .required)
            try c.encode(scheduledRequired, forKey: .scheduledRequired)
            try c.encode(scheduled, forKey: .scheduled)
            try c.encode(gap, forKey: .gap)
        }
    }

    /// - Parameters:
    ///   - days: days of the run (0-based); nil: every day.
    ///   - shrinkage: share of paid time not on duty (0–0.9); nil: none given.
    ///   - maxAbandon: abandonment cap for Erlang A channels.
    /// - Complexity: O(days × intervals × (streams + groups) + agents × breaks) plus the
    ///   Erlang searches, each O(log agents) evaluations.
    public static func rows(_ scenario: Scenario, days: [Int]? = nil, shrinkage: Double? = nil, maxAbandon: Double? = nil) -> [Row] {
        let run = scenario.run
        let perDay = run.intervalsPerDay
        let length = run.interval
        let chosen = days ?? Array(0..<run.days)
        let channels = scenario.usedChannels
        let scheduled = onDuty(scenario)
        var rows: [Row] = []
        for day in chosen where (0..<run.days).contains(day) {
            let weekday = run.weekday(ofDay: day)
            let window = scenario.hours.window(weekday: weekday, day: day)
            for interval in 0..<perDay {
                let start = Double(interval) * length
                let absolute = day * perDay + interval
                var intervalRows: [Row] = []
                for channel in channels {
                    var rate = 0.0, work = 0.0, patienceWeight = 0.0, patienceSum = 0.0
                    for stream in scenario.demand where stream.channel == channel {
                        let streamRate = stream.ratePerInterval[interval] * stream.weekdayFactor[weekday.rawValue]
                        rate += streamRate
                        work += streamRate * scenario.handling.distribution(channel: channel, topic: stream.topic).mean
                        for segment in Segment.allCases {
                            guard let patience = scenario.patience.distribution(channel: channel, segment: segment) else { continue }
                            patienceWeight += streamRate * stream.segmentMix[segment]
                            patienceSum += streamRate * stream.segmentMix[segment] * patience.mean
                        }
                    }
                    let settings = scenario.center.channels[channel]
                    let open = window.map { $0.contains(start) } ?? false
                    let handle = rate > 0 ? work / rate + settings.wrapUp : nil
                    var row = Row(day: day, weekday: weekday.short, start: SimulationSummary.clock(start), channel: channel.name,
                                  arrivalsPerHour: rate * 3600, averageHandleTime: handle, loadErlangs: rate * (handle ?? 0),
                                  model: "none", required: 0, scheduledRequired: nil, scheduled: scheduled.channel[channel.rawValue][absolute],
                                  gap: nil)
                    if let handle, rate > 0 {
                        if !open {
                            row.model = "closed"
                        } else {
                            let concurrency = channel == .chat ? Double(chatConcurrency(scenario)) : 1
                            let patience = patienceWeight > 0 ? patienceSum / patienceWeight : nil
                            let model = QueueModel(arrivalRate: rate, meanHandleTime: handle / concurrency,
                                                   meanPatience: channel.isRealTime ? patience : nil)
                            row.model = model.name
                            let definition = run.serviceLevel == .virtual ? .offered : run.serviceLevel
                            row.required = StaffingMath.requiredAgents(model, target: settings.answerTarget, goal: settings.serviceLevelGoal,
                                                                       definition: definition, maxAbandon: model.meanPatience == nil ? nil : maxAbandon)
                        }
                    }
                    if let shrinkage, let required = row.required { row.scheduledRequired = scheduledAgents(required, shrinkage: shrinkage) }
                    if let needed = row.required { row.gap = row.scheduled - Double(needed) }
                    // A channel with neither arrivals nor agents on duty has nothing to say.
                    if row.arrivalsPerHour > 0 || row.scheduled > 0 { intervalRows.append(row) }
                }
                let total = scheduled.all[absolute]
                guard !intervalRows.isEmpty || total > 0 else { continue }
                guard intervalRows.count != 1 else {
                    rows += intervalRows
                    continue
                }
                let required = intervalRows.contains { $0.required == nil } ? nil : intervalRows.reduce(0) { $0 + ($1.required ?? 0) }
                var all = Row(day: day, weekday: weekday.short, start: SimulationSummary.clock(start), channel: "all",
                              arrivalsPerHour: intervalRows.reduce(0) { $0 + $1.arrivalsPerHour }, averageHandleTime: nil,
                              loadErlangs: intervalRows.reduce(0) { $0 + $1.loadErlangs }, model: "sum", required: required,
                              scheduledRequired: nil, scheduled: total, gap: nil)
                if let shrinkage, let required { all.scheduledRequired = scheduledAgents(required, shrinkage: shrinkage) }
                if let needed = all.required { all.gap = total - Double(needed) }
                rows += intervalRows + [all]
            }
        }
        return rows
    }

    /// Agents to schedule so that `required` are on duty when a share `shrinkage` of paid time
    /// is lost (breaks, absence, training): ⌈required ÷ (1 − shrinkage)⌉.
    public static func scheduledAgents(_ required: Int, shrinkage: Double) -> Int {
        Int((Double(required) / (1 - shrinkage) - 1e-9).rounded(.up))
    }

    /// The chat concurrency most of the chat agents have (3 when nobody serves chat).
    static func chatConcurrency(_ scenario: Scenario) -> Int {
        var agentsByCapacity: [Int: Int] = [:]
        for group in scenario.agentGroups where group.capacity.chat > 0 { agentsByCapacity[group.capacity.chat, default: 0] += group.count }
        return agentsByCapacity.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key ?? AgentProfile.standardCapacity.chat
    }

    /// Mean agents on duty in every interval of the run: per channel (agents who serve it) and
    /// in all. Shifts past midnight count on the next day; breaks are off duty.
    static func onDuty(_ scenario: Scenario) -> (channel: [[Double]], all: [Double]) {
        let length = scenario.run.interval
        let count = scenario.run.days * scenario.run.intervalsPerDay
        var all = [Double](repeating: 0, count: count)
        var channel = [[Double]](repeating: [Double](repeating: 0, count: count), count: Channel.allCases.count)
        func add(_ from: Seconds, _ to: Seconds, agents: Double, group: AgentGroup) {
            var t = max(0, from)
            let end = min(to, Double(count) * length)
            while t < end {
                let interval = Int(t / length)
                let boundary = min(end, Double(interval + 1) * length)
                let share = agents * (boundary - t) / length
                all[interval] += share
                for c in Channel.allCases where group.capacity[c] > 0 { channel[c.rawValue][interval] += share }
                t = boundary
            }
        }
        for day in -1..<scenario.run.days {
            let dayStart = Double(day) * 86_400
            for group in scenario.agentGroups where group.count > 0 {
                guard let worked = scenario.workedShift(of: group, day: day) else { continue }
                if let staffing = group.staffing {
                    guard day >= 0 else { continue }
                    for (interval, agents) in staffing.enumerated() where agents > 0 {
                        add(dayStart + Double(interval) * length, dayStart + Double(interval + 1) * length, agents: Double(agents), group: group)
                    }
                    continue
                }
                add(dayStart + worked.start, dayStart + worked.end, agents: Double(group.count), group: group)
                for member in 0..<group.count {
                    for rule in group.breaks {
                        guard let planned = rule.span(member: member, of: group.count, in: worked.shift),
                              let span = worked.clip(planned) else { continue }
                        add(dayStart + span.start, dayStart + span.end, agents: -1, group: group)
                    }
                }
            }
        }
        return (channel, all)
    }
}
