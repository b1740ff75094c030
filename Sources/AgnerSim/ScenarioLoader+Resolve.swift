import AgnerCore
import Foundation

extension ScenarioLoader {
    /// Turns names into ids, fills in defaults, and checks what the decoder could not.
    static func resolve(_ file: ScenarioFile) throws(FieldError) -> Scenario {
        let centerFile = file.center
        let departments = centerFile?.departments ?? ["center"]
        let skills = centerFile?.skills ?? ["general"]
        guard !departments.isEmpty else { throw FieldError(path: [.key("center"), .key("departments")], "list at least one department") }
        for (kind, names) in [("departments", departments), ("skills", skills)] {
            for (index, name) in names.enumerated() { try checkName(name, path: [.key("center"), .key(kind), .index(index)]) }
        }
        for (index, topic) in (centerFile?.topics ?? []).enumerated() {
            try checkName(topic.name, path: [.key("center"), .key("topics"), .index(index), .key("name")])
        }
        for (index, group) in file.agents.enumerated() {
            if let name = group.name { try checkName(name, path: [.key("agents"), .index(index), .key("name")]) }
        }
        func department(_ name: String?, _ path: FieldPath) throws(FieldError) -> DepartmentID {
            guard let name else { return DepartmentID(0) }
            guard let index = departments.firstIndex(of: name) else {
                throw FieldError(path: path, "unknown department '\(name)'" + suggestion(name, departments))
            }
            return DepartmentID(index)
        }
        func skill(_ name: String, _ path: FieldPath) throws(FieldError) -> SkillID {
            guard let index = skills.firstIndex(of: name) else {
                throw FieldError(path: path, "unknown skill '\(name)'" + suggestion(name, skills))
            }
            return SkillID(index)
        }

        // Topics (default: one topic needing the first skill, owned by the first department).
        var topics: [Topic] = []
        let topicFiles = centerFile?.topics ?? []
        if topicFiles.isEmpty {
            topics = [Topic(name: "general", requiredSkills: skills.isEmpty ? [] : [SkillID(0)], owningDepartment: DepartmentID(0))]
        }
        for (index, topic) in topicFiles.enumerated() {
            let base: FieldPath = [.key("center"), .key("topics"), .index(index)]
            var required: [SkillID] = []
            for (skillIndex, name) in (topic.skills ?? []).enumerated() {
                required.append(try skill(name, base + [.key("skills"), .index(skillIndex)]))
            }
            var targets = PerChannel<Seconds?>(repeating: nil)
            for target in topic.targets ?? [] {
                guard let channel = Channel(name: target.name) else { throw FieldError(path: target.path, "unknown channel '\(target.name)'" + suggestion(target.name, Channel.allCases.map(\.name))) }
                guard DomainLimits.answerTarget.contains(target.value.seconds) else {
                    throw FieldError(path: target.path, "an answer target of \(Bounds.outside(target.value.seconds, DomainLimits.answerTarget, unit: .duration))")
                }
                targets[channel] = target.value.seconds
            }
            topics.append(Topic(name: topic.name, requiredSkills: required,
                                owningDepartment: try department(topic.department, base + [.key("department")]),
                                ladder: topic.ladder?.ladder, answerTargets: targets))
        }
        func topic(_ name: String?, _ path: FieldPath) throws(FieldError) -> TopicID {
            guard let name else { return TopicID(0) }
            guard let index = topics.firstIndex(where: { $0.name == name }) else {
                throw FieldError(path: path, "unknown topic '\(name)'" + suggestion(name, topics.map(\.name)))
            }
            return TopicID(index)
        }

        // Channels.
        var channels = PerChannel(phone: ChannelSettings.standard(for: .phone), chat: .standard(for: .chat),
                                  email: .standard(for: .email), clickToCall: .standard(for: .clickToCall))
        for entry in centerFile?.channels ?? [] {
            guard let channel = Channel(name: entry.name) else {
                throw FieldError(path: entry.path, "unknown channel '\(entry.name)'" + suggestion(entry.name, Channel.allCases.map(\.name)))
            }
            let settings = entry.value
            if let target = settings.target { channels[channel].answerTarget = target }
            if let goal = settings.goal { channels[channel].serviceLevelGoal = goal }
            if let wrapUp = settings.wrapUp { channels[channel].wrapUp = wrapUp }
            if let breach = settings.breach {
                guard breach == .keepWaiting || channel.isVoice else {
                    throw FieldError(path: entry.path + [.key("breach")], "a callback is only possible on phone and clickToCall")
                }
                channels[channel].breachAction = breach
            }
            if let rule = settings.outsideHours { channels[channel].outOfHours = rule }
            if let priority = settings.priority { channels[channel].routingTier = priority }
            if let reserve = settings.reserve { channels[channel].higherTierReserve = reserve }
        }
        let head = centerFile?.headStart
        let center: CenterConfiguration
        do {
            center = try CenterConfiguration(
                departments: departments, skills: skills, topics: topics, channels: channels,
                ladder: centerFile?.ladder?.ladder ?? .standard, policy: centerFile?.policy ?? .longestIdle,
                offerTimeout: centerFile?.offerTimeout ?? 15, missedOffer: centerFile?.missedOffer ?? .notResponding,
                segmentHeadStart: PerSegment(wholesale: head?.wholesale ?? 20, regular: head?.regular ?? 0, new: head?.new ?? 0),
                priorityHeadStart: head?.perPriority ?? 10)
        } catch {
            throw FieldError(path: [.key("center")], error.description)
        }

        // Run settings first: demand profiles need the interval.
        let runFile = file.run
        let run = RunSettings(
            days: runFile?.days ?? 1, startDay: runFile?.startDay ?? .monday, interval: runFile?.interval ?? 1800,
            warmup: runFile?.warmup ?? 0, replications: runFile?.replications ?? 5, seed: runFile?.seed ?? 1,
            serviceLevel: runFile?.serviceLevel ?? .offered, ringTime: runFile?.ringTime ?? 0)
        if run.warmup >= run.duration {
            throw FieldError(path: [.key("run"), .key("warmup")], "the warm-up must be shorter than the run (\(run.days) day(s))")
        }
        do { try ScenarioLimits.check(run) } catch { throw FieldError(path: error.path, error.message) }

        // Agents.
        var groups: [AgentGroup] = []
        for (index, group) in file.agents.enumerated() {
            let base: FieldPath = [.key("agents"), .index(index)]
            var levels: [SkillLevel] = []
            if let named = group.skills {
                for entry in named { levels.append(SkillLevel(try skill(entry.name, entry.path), entry.value)) }
            } else {
                levels = skills.indices.map { SkillLevel(SkillID($0), 3) }
            }
            // By default a group serves, at standard capacity, every channel the scenario has demand on.
            var capacity = PerChannel(repeating: 0)
            for channel in Set(file.demand.map(\.channel)) { capacity[channel] = AgentProfile.standardCapacity[channel] }
            if let named = group.channels {
                capacity = PerChannel(repeating: 0)
                for entry in named {
                    guard let channel = Channel(name: entry.name) else {
                        throw FieldError(path: entry.path, "unknown channel '\(entry.name)'" + suggestion(entry.name, Channel.allCases.map(\.name)))
                    }
                    let limits = DomainLimits.capacity(channel)
                    guard limits.contains(entry.value) else {
                        throw FieldError(path: entry.path, "\(channel) capacity \(entry.value) is outside \(limits.lowerBound)–\(limits.upperBound)")
                    }
                    capacity[channel] = entry.value
                }
            }
            var days = Set(Weekday.allCases)
            if let names = group.days {
                days = []
                for (dayIndex, name) in names.enumerated() {
                    guard let day = Weekday(short: name) else {
                        throw FieldError(path: base + [.key("days"), .index(dayIndex)], "'\(name)' should be mon, tue, wed, thu, fri, sat or sun")
                    }
                    days.insert(day)
                }
            }
            let name = group.name ?? "group \(index + 1)"
            if let adapter = group.adapter { try checkName(adapter, path: base + [.key("adapter")]) }
            try checkBreaks(group.breaks.map(\.rule), group: name, count: group.count, shift: group.shift, path: base + [.key("breaks")])
            var count = group.count
            var staffing: [Int]? = nil
            if let steps = group.staffing {
                staffing = try staffingProfile(steps, run: run, path: base + [.key("staffing")])
                let most = staffing!.max() ?? 0
                if group.countGiven {
                    guard count >= most else {
                        throw FieldError(path: base + [.key("count")], "the staffing profile puts \(most) agents on duty, more than the group's \(count)")
                    }
                } else {
                    count = most
                }
            }
            groups.append(AgentGroup(
                name: name, count: count,
                department: try department(group.department, base + [.key("department")]),
                skills: levels, capacity: capacity, shift: group.shift, days: days, breaks: group.breaks.map(\.rule), staffing: staffing,
                adapter: group.adapter))
        }
        let roster: Roster
        do { roster = try Roster(groups: groups.map { ($0.name, $0.count) }) } catch {
            // Point at the group whose members collide with an earlier one's, or at the list.
            var path: FieldPath = [.key("agents")]
            if case let .duplicateName(_, name) = error {
                var seen = Set<String>()
                search: for (index, group) in groups.enumerated() {
                    for member in 0..<group.count {
                        let candidate = Roster.agentName(group: group.name, member: member, of: group.count)
                        if !seen.insert(candidate).inserted && candidate == name { path += [.index(index), .key("name")]; break search }
                    }
                }
            }
            throw FieldError(path: path, error.description)
        }

        // Demand.
        var streams: [DemandStream] = []
        for (index, demand) in file.demand.enumerated() {
            let base: FieldPath = [.key("demand"), .index(index)]
            let rates = try ratePerMinute(demand, path: base)
            var weekdays = [Double](repeating: 1, count: 7)
            for entry in demand.weekdays ?? [] {
                guard let day = Weekday(short: entry.name) else {
                    throw FieldError(path: entry.path, "'\(entry.name)' should be mon, tue, wed, thu, fri, sat or sun")
                }
                weekdays[day.rawValue] = entry.value
            }
            let busiest = (rates.max() ?? 0) * (weekdays.max() ?? 1)
            guard ScenarioLimits.ratePerSecond.contains(busiest) else {
                throw FieldError(path: base, "the busiest minute comes to \(Bounds.show(busiest, .rate)) (with its weekday factor), above the \(Bounds.show(ScenarioLimits.ratePerSecond.upperBound, .rate)) a stream may have")
            }
            var mix = PerSegment<Double>(wholesale: 0, regular: 1, new: 0)
            if let named = demand.segments {
                mix = PerSegment(repeating: 0)
                for entry in named {
                    guard let segment = Segment(name: entry.name) else {
                        throw FieldError(path: entry.path, "unknown segment '\(entry.name)'" + suggestion(entry.name, Segment.allCases.map(\.name)))
                    }
                    mix[segment] = entry.value.value
                }
                let total = mix.wholesale + mix.regular + mix.new
                guard abs(total - 1) < 0.001 else {
                    throw FieldError(path: base + [.key("segments")], "the segment shares add up to \(Quantities.trim(total * 100)) %, not 100 %")
                }
            }
            streams.append(DemandStream(channel: demand.channel, topic: try topic(demand.topic, base + [.key("topic")]),
                                        ratePerMinute: rates, intervalsPerDay: run.intervalsPerDay, weekdayFactor: weekdays, segmentMix: mix))
        }

        // Handling and patience.
        let handlingFile = file.handling
        var handling = HandlingTimes(standard: .exponential(mean: 300), channels: PerChannel(repeating: nil),
                                     topics: Array(repeating: nil, count: topics.count))
        if let standard = handlingFile?.standard {
            guard let distribution = standard.distribution else {
                throw FieldError(path: [.key("handling"), .key("default")], "every contact takes some time; give a distribution")
            }
            handling.standard = distribution
        }
        for entry in handlingFile?.channels ?? [] {
            guard let channel = Channel(name: entry.name) else {
                throw FieldError(path: entry.path, "unknown channel '\(entry.name)'" + suggestion(entry.name, Channel.allCases.map(\.name)))
            }
            handling.channels[channel] = entry.value.distribution
        }
        for entry in handlingFile?.topics ?? [] {
            handling.topics[try topic(entry.name, entry.path).index] = entry.value.distribution
        }
        var patience = Patience(standard: file.patience?.standard?.distribution, channels: PerChannel(repeating: nil),
                                segments: PerSegment(repeating: nil))
        for entry in file.patience?.channels ?? [] {
            guard let channel = Channel(name: entry.name) else {
                throw FieldError(path: entry.path, "unknown channel '\(entry.name)'" + suggestion(entry.name, Channel.allCases.map(\.name)))
            }
            patience.channels[channel] = entry.value.distribution
        }
        for entry in file.patience?.segments ?? [] {
            guard let segment = Segment(name: entry.name) else {
                throw FieldError(path: entry.path, "unknown segment '\(entry.name)'" + suggestion(entry.name, Segment.allCases.map(\.name)))
            }
            patience.segments[segment] = entry.value.distribution
        }

        // Hours.
        var hours = OpeningHours.alwaysOpen
        if let hoursFile = file.hours {
            let standard: DailyWindow? = hoursFile.standard ?? .allDay
            hours.days = Weekday.allCases.map { day in hoursFile.days[day] ?? standard }
            hours.holidays = Set(hoursFile.holidays)
            hours.closedDates = Set(hoursFile.closedDates)
            hours.timeZone = hoursFile.timezone ?? "UTC"
        }

        // Notices, costs, QA.
        var notices: [NoticeCampaign] = []
        for (index, notice) in file.notices.enumerated() {
            let id = try topic(notice.topic, [.key("notices"), .index(index), .key("topic")])
            notices.append(NoticeCampaign(name: notice.name ?? "\(notice.medium) notice for \(notice.topic)", topic: id,
                                          deflects: notice.deflects, medium: notice.medium, costPerMessage: notice.costPerMessage))
        }
        let costsFile = file.costs
        var standardHours = DailyWindow.allDay
        if let given = costsFile?.standardHours {
            guard let window = given else { throw FieldError(path: [.key("costs"), .key("standardHours")], "standard hours are a window such as 08:00-20:00") }
            standardHours = window
        }
        let costs = Costs(agentHour: costsFile?.agentHour ?? 0, extendedHoursPremium: costsFile?.extendedHoursPremium ?? 0,
                          standardHours: standardHours, currency: costsFile?.currency.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 })

        return Scenario(
            name: file.name ?? "scenario", summary: file.description ?? "", variant: nil, center: center,
            agentGroups: groups, roster: roster, demand: streams, handling: handling, patience: patience, hours: hours, notices: notices,
            costs: costs, qaSampleRate: file.qa?.sampleRate ?? 0, run: run, variants: [], sourceHash: "")
    }

    /// Refuses breaks of one agent that overlap: the end of the first would end the second.
    /// Breaks are compared as each member takes them (with the stagger), against the group's
    /// shift when it has one (a break before the shift's start then falls on the next day).
    static func checkBreaks(_ rules: [BreakRule], group: String, count: Int, shift: Shift?, path: FieldPath) throws(FieldError) {
        guard rules.count > 1 else { return }
        let window = shift ?? Shift(start: 0, length: 86_400)
        func span(_ rule: BreakRule, _ member: Int) -> (start: Seconds, end: Seconds) {
            rule.span(member: member, of: count, in: window)
                ?? (rule.at + Double(member) * rule.stagger / Double(max(1, count)), rule.at + Double(member) * rule.stagger / Double(max(1, count)) + rule.length)
        }
        func clock(_ seconds: Seconds) -> String {
            let minutes = Int((seconds.truncatingRemainder(dividingBy: 86_400) / 60).rounded())
            return String(format2: minutes / 60 % 24) + ":" + String(format2: minutes % 60)
        }
        for member in 0..<max(1, count) {
            for later in 1..<rules.count {
                let b = span(rules[later], member)
                for earlier in 0..<later {
                    let a = span(rules[earlier], member)
                    guard a.start < b.end && b.start < a.end else { continue }
                    let agent = Roster.agentName(group: group, member: member, of: count)
                    throw FieldError(path: path + [.index(later)],
                                     "in group '\(group)', agent \(agent)'s break \(clock(b.start))–\(clock(b.end)) overlaps its break "
                                     + "\(clock(a.start))–\(clock(a.end)) (breaks[\(earlier)]); an agent's breaks must not overlap")
                }
            }
        }
    }

    /// A name of a department, skill, topic, agent group or adapter: at most
    /// `DomainLimits.nameLength` characters, and the characters `DomainLimits.nameProblem`
    /// allows (it shows in reports and, for agents, on the live router's wire).
    static func checkName(_ name: String, path: FieldPath) throws(FieldError) {
        if let problem = DomainLimits.nameProblem(name) { throw FieldError(path: path, "a name \(problem)") }
        guard name.count <= DomainLimits.nameLength else {
            throw FieldError(path: path, "a name of \(name.count) characters is longer than \(DomainLimits.nameLength)")
        }
    }

    static func suggestion(_ name: String, _ known: [String]) -> String {
        if let close = closest(name, in: known) { return "; did you mean '\(close)'?" }
        return " (known: \(known.joined(separator: ", ")))"
    }

    /// Agents on duty in each interval of a day, from (time of day, agents) steps that start on
    /// interval boundaries; before the first step nobody is on duty.
    static func staffingProfile(_ steps: [(time: Seconds, agents: Int)], run: RunSettings, path: FieldPath) throws(FieldError) -> [Int] {
        var profile = Array(repeating: 0, count: run.intervalsPerDay)
        for (index, step) in steps.enumerated() {
            let position = step.time / run.interval
            guard position == position.rounded(), step.time < 86_400 else {
                throw FieldError(path: path, "\(SimulationSummary.clock(step.time)) is not the start of a \(Quantities.format(duration: run.interval)) interval; staffing changes on interval boundaries")
            }
            let end = index + 1 < steps.count ? Int(steps[index + 1].time / run.interval) : run.intervalsPerDay
            for interval in Int(position)..<max(Int(position), end) { profile[interval] = step.agents }
        }
        return profile
    }

    /// Arrivals per second in each minute of a day (1,440 values), exactly as the demand gives
    /// them: a constant `rate`, `rates` by time of day, or `daily` spread by a `profile` (a list
    /// of 24, 48 or 96 weights, one per hour, half hour or quarter hour whatever the reporting
    /// interval, or weights by time of day). Steps between whole minutes are averaged over that
    /// minute.
    static func ratePerMinute(_ demand: DemandFile, path: FieldPath) throws(FieldError) -> [Double] {
        let count = DemandStream.minutesPerDay
        /// The mean over each minute of a step function given as (start, value) pairs.
        func stepped(_ steps: [(Seconds, Double)]) -> [Double] {
            var minutes = Array(repeating: 0.0, count: count)
            for (index, step) in steps.enumerated() {
                let stepEnd = index + 1 < steps.count ? steps[index + 1].0 : 86_400
                var t = max(0, step.0)
                while t < stepEnd {
                    let minute = min(count - 1, Int(t / 60))
                    let boundary = min(stepEnd, Double(minute + 1) * 60)
                    minutes[minute] += (boundary - t) / 60 * step.1
                    t = boundary
                }
            }
            return minutes
        }
        if let rate = demand.rate { return Array(repeating: rate, count: count) }
        if let rates = demand.rates { return stepped(rates) }
        let daily = demand.daily ?? 0
        var weights: [Double]
        switch demand.profile {
        case nil:
            weights = Array(repeating: 1, count: count)
        case let .list(list) where [24, 48, 96].contains(list.count):
            let slot = count / list.count
            weights = (0..<count).map { list[$0 / slot] }
        case let .list(list):
            throw FieldError(path: path + [.key("profile")], "the profile has \(list.count) values; give 24 (one per hour), 48 (one per half hour) or 96 (one per quarter hour)")
        case let .steps(steps):
            weights = stepped(steps)
        }
        let total = weights.reduce(0, +)
        guard total > 0 || daily == 0 else { throw FieldError(path: path + [.key("profile")], "the profile is zero all day") }
        return weights.map { total > 0 ? daily * $0 / total / 60 : 0 }
    }
}
