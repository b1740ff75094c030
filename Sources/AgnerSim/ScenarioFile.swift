import Foundation
import AgnerCore

// The YAML file as written: every field optional where a default makes sense, unknown keys
// refused. `ScenarioLoader` resolves names and builds a `Scenario`. The format is documented
// in docs/scenario-format.md.

struct ScenarioFile: Decodable {
    var name: String?
    var description: String?
    var center: CenterFile?
    var agents: [AgentGroupFile]
    var demand: [DemandFile]
    var handling: HandlingFile?
    var patience: PatienceFile?
    var hours: HoursFile?
    var notices: [NoticeFile]
    var costs: CostsFile?
    var qa: QAFile?
    var run: RunFile?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, description, center, agents, demand, handling, patience, hours, notices, costs, qa, run, variants
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        center = try c.decodeIfPresent(CenterFile.self, forKey: .center)
        agents = try c.decodeIfPresent([AgentGroupFile].self, forKey: .agents) ?? []
        demand = try c.decodeIfPresent([DemandFile].self, forKey: .demand) ?? []
        handling = try c.decodeIfPresent(HandlingFile.self, forKey: .handling)
        patience = try c.decodeIfPresent(PatienceFile.self, forKey: .patience)
        hours = try c.decodeIfPresent(HoursFile.self, forKey: .hours)
        notices = try c.decodeIfPresent([NoticeFile].self, forKey: .notices) ?? []
        costs = try c.decodeIfPresent(CostsFile.self, forKey: .costs)
        qa = try c.decodeIfPresent(QAFile.self, forKey: .qa)
        run = try c.decodeIfPresent(RunFile.self, forKey: .run)
        if agents.isEmpty { throw FieldError(decoder.codingPath + [CodingKeys.agents], "a scenario needs at least one agent group") }
        if demand.isEmpty { throw FieldError(decoder.codingPath + [CodingKeys.demand], "a scenario needs at least one demand stream") }
    }
}

struct CenterFile: Decodable {
    var departments: [String]?
    var skills: [String]?
    var topics: [TopicFile]?
    var policy: SelectionPolicy?
    var ladder: LadderFile?
    var channels: [(name: String, value: ChannelFile, path: FieldPath)]?
    var headStart: HeadStartFile?
    var offerTimeout: Seconds?
    var missedOffer: MissedOfferRule?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case departments, skills, topics, policy, ladder, channels, headStart, offerTimeout, missedOffer
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        departments = try c.decodeIfPresent([String].self, forKey: .departments)
        skills = try c.decodeIfPresent([String].self, forKey: .skills)
        topics = try c.decodeIfPresent([TopicFile].self, forKey: .topics)
        if let text = try c.decodeIfPresent(String.self, forKey: .policy) {
            guard let policy = SelectionPolicy(rawValue: text) else {
                throw c.fail(.policy, "unknown policy '\(text)' (known: longestIdle, mostSkilled, leastOccupied)")
            }
            self.policy = policy
        }
        ladder = try c.decodeIfPresent(LadderFile.self, forKey: .ladder)
        channels = try c.named(.channels, ChannelFile.self)
        headStart = try c.decodeIfPresent(HeadStartFile.self, forKey: .headStart)
        offerTimeout = try c.duration(.offerTimeout, in: DomainLimits.offerTimeout)
        if let text = try c.decodeIfPresent(String.self, forKey: .missedOffer) {
            guard let rule = MissedOfferRule(rawValue: text) else {
                throw c.fail(.missedOffer, "unknown rule '\(text)' (known: notResponding, available)")
            }
            missedOffer = rule
        }
    }
}

struct TopicFile: Decodable {
    var name: String
    var skills: [String]?
    var department: String?
    var ladder: LadderFile?
    var targets: [(name: String, value: DurationValue, path: FieldPath)]?

    enum CodingKeys: String, CodingKey, CaseIterable { case name, skills, department, ladder, targets }

    init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        skills = try c.decodeIfPresent([String].self, forKey: .skills)
        department = try c.decodeIfPresent(String.self, forKey: .department)
        ladder = try c.decodeIfPresent(LadderFile.self, forKey: .ladder)
        targets = try c.named(.targets, DurationValue.self)
    }
}

/// `standard`, `flat`, or a list of steps.
struct LadderFile: Decodable {
    var ladder: EscalationLadder

    struct StepFile: Decodable {
        var step: EscalationStep
        enum CodingKeys: String, CodingKey, CaseIterable { case from, department, skill }
        init(from decoder: Decoder) throws {
            let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
            let from = try c.fraction(.from) ?? 0
            let department = try c.decodeIfPresent(String.self, forKey: .department) ?? "owning"
            let departments: EscalationStep.Departments
            switch department {
            case "owning": departments = .owning
            case "any": departments = .any
            default: throw c.fail(.department, "'\(department)' should be owning or any")
            }
            let skills: EscalationStep.Skills
            if let level = try? c.decodeIfPresent(Int.self, forKey: .skill) {
                guard DomainLimits.proficiency.contains(level) else {
                    throw c.fail(.skill, "proficiency \(level) is outside \(DomainLimits.proficiency.lowerBound)–\(DomainLimits.proficiency.upperBound)")
                }
                skills = .required(minimumProficiency: level)
            } else if let text = try c.decodeIfPresent(String.self, forKey: .skill) {
                guard text == "any" || text == "none" else { throw c.fail(.skill, "'\(text)' should be a proficiency 1–5, or any (anyone on the channel)") }
                skills = .anyOnChannel
            } else {
                skills = .required(minimumProficiency: 1)
            }
            step = EscalationStep(from: from, departments: departments, skills: skills)
        }
    }

    init(from decoder: Decoder) throws {
        if let name = try? decoder.singleValueContainer().decode(String.self) {
            switch name {
            case "standard": ladder = .standard
            case "flat": ladder = .flat
            default: throw decoder.fail("unknown ladder '\(name)' (write standard, flat, or a list of steps)")
            }
            return
        }
        let steps = try decoder.singleValueContainer().decode([StepFile].self)
        do { ladder = try EscalationLadder(steps: steps.map(\.step)) } catch { throw decoder.fail(error.description) }
    }
}

struct ChannelFile: Decodable {
    var target: Seconds?
    var goal: Double?
    var wrapUp: Seconds?
    var breach: BreachAction?
    var outsideHours: OutOfHoursRule?
    /// The channel's routing tier.
    var priority: Int?
    /// Agents kept free for higher tiers.
    var reserve: Int?

    enum CodingKeys: String, CodingKey, CaseIterable { case target, goal, wrapUp, breach, outsideHours, priority, reserve }

    init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        target = try c.duration(.target, in: DomainLimits.answerTarget)
        goal = try c.fraction(.goal)
        wrapUp = try c.duration(.wrapUp, in: DomainLimits.wrapUp)
        if let text = try c.decodeIfPresent(String.self, forKey: .breach) {
            guard let action = BreachAction(rawValue: text) else { throw c.fail(.breach, "'\(text)' should be keepWaiting or callback") }
            breach = action
        }
        if let text = try c.decodeIfPresent(String.self, forKey: .outsideHours) {
            guard let rule = OutOfHoursRule(rawValue: text) else {
                throw c.fail(.outsideHours, "'\(text)' should be close, hold or callbackAtOpening")
            }
            outsideHours = rule
        }
        priority = try c.decodeIfPresent(Int.self, forKey: .priority)
        if let priority, !DomainLimits.routingTier.contains(priority) {
            throw c.fail(.priority, "\(priority) is outside \(DomainLimits.routingTier.lowerBound)–\(DomainLimits.routingTier.upperBound) (higher is served first)")
        }
        reserve = try c.decodeIfPresent(Int.self, forKey: .reserve)
        if let reserve, !DomainLimits.higherTierReserve.contains(reserve) {
            throw c.fail(.reserve, "\(reserve) is outside \(DomainLimits.higherTierReserve.lowerBound)–\(DomainLimits.higherTierReserve.upperBound) (agents kept free for higher tiers)")
        }
    }
}

struct HeadStartFile: Decodable {
    var wholesale, regular, new, perPriority: Seconds?
    enum CodingKeys: String, CodingKey, CaseIterable { case wholesale, regular, new, perPriority }
    init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        wholesale = try c.duration(.wholesale, in: DomainLimits.headStart)
        regular = try c.duration(.regular, in: DomainLimits.headStart)
        new = try c.duration(.new, in: DomainLimits.headStart)
        perPriority = try c.duration(.perPriority, in: DomainLimits.headStart)
    }
}

struct BreakFile: Decodable {
    var rule: BreakRule
    enum CodingKeys: String, CodingKey, CaseIterable { case at, length, stagger }
    init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        let at: Seconds
        do { at = try Quantities.clock(try c.decode(String.self, forKey: .at)) } catch let error as Quantities.Invalid {
            throw c.fail(.at, error.description)
        }
        guard let length = try c.duration(.length, in: ScenarioLimits.breakLength), length > 0 else {
            throw c.fail(.length, "a break needs a length, e.g. 15min")
        }
        rule = BreakRule(at: at, length: length, stagger: try c.duration(.stagger, in: ScenarioLimits.breakLength) ?? 0)
    }
}

struct AgentGroupFile: Decodable {
    var name: String?
    var count: Int
    var department: String?
    var skills: [(name: String, value: Int, path: FieldPath)]?
    var channels: [(name: String, value: Int, path: FieldPath)]?
    var shift: Shift?
    var days: [String]?
    var breaks: [BreakFile]
    /// Agents on duty from each time of day until the next (before the first: none).
    var staffing: [(time: Seconds, agents: Int)]?
    /// The live router's adapter that alone (with supervisors) sets these agents' states.
    var adapter: String?
    var countGiven: Bool

    enum CodingKeys: String, CodingKey, CaseIterable { case name, count, department, skills, channels, shift, days, breaks, staffing, adapter }

    init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        count = try c.wholeNumber(.count, in: DomainLimits.agents) ?? 1
        department = try c.decodeIfPresent(String.self, forKey: .department)
        adapter = try c.decodeIfPresent(String.self, forKey: .adapter)
        skills = try c.named(.skills, Int.self)
        for skill in skills ?? [] where !DomainLimits.proficiency.contains(skill.value) {
            throw FieldError(path: skill.path, "proficiency \(skill.value) is outside \(DomainLimits.proficiency.lowerBound)–\(DomainLimits.proficiency.upperBound)")
        }
        channels = try c.named(.channels, Int.self)
        shift = try c.decodeIfPresent(ShiftValue.self, forKey: .shift)?.shift
        days = try c.decodeIfPresent([String].self, forKey: .days)
        breaks = try c.decodeIfPresent([BreakFile].self, forKey: .breaks) ?? []
        countGiven = c.contains(.count)
        if c.contains(.staffing) {
            let nested = try c.nestedContainer(keyedBy: AnyKey.self, forKey: .staffing)
            var steps: [(Seconds, Int)] = []
            for key in nested.allKeys {
                let time: Seconds
                do { time = try Quantities.clock(key.stringValue) } catch { throw FieldError(nested.codingPath + [key], error.description) }
                guard let agents = try nested.wholeNumber(key, in: DomainLimits.agents) else { continue }
                steps.append((time, agents))
            }
            guard !steps.isEmpty else { throw FieldError(c.codingPath + [CodingKeys.staffing], "give agents on duty by time of day, e.g. {\"08:00\": 4, \"12:00\": 6, \"20:00\": 0}") }
            staffing = steps.sorted { $0.0 < $1.0 }
            if shift != nil { throw FieldError(c.codingPath + [CodingKeys.staffing], "give a shift or a staffing profile, not both") }
            if !breaks.isEmpty { throw FieldError(c.codingPath + [CodingKeys.staffing], "a staffing profile counts agents on duty, so it has no breaks; plan breaks in the shifts that cover it") }
        }
    }
}

/// A daily profile: a list of weights (one per interval, or 24 hourly), or a mapping from
/// time of day to weight (each weight holds until the next time).
enum ProfileFile: Decodable {
    case list([Double])
    case steps([(time: Seconds, weight: Double)])

    init(from decoder: Decoder) throws {
        if let list = try? decoder.singleValueContainer().decode([Double].self) {
            if let bad = list.first(where: { !ScenarioLimits.profileWeight.contains($0) }) {
                throw decoder.fail("a profile weight of \(Bounds.outside(bad, ScenarioLimits.profileWeight, unit: .plain))")
            }
            self = .list(list)
            return
        }
        let c = try decoder.container(keyedBy: AnyKey.self)
        var steps: [(Seconds, Double)] = []
        for key in c.allKeys {
            let time: Seconds
            do { time = try Quantities.clock(key.stringValue) } catch { throw FieldError(c.codingPath + [key], error.description) }
            let weight = try c.decode(Double.self, forKey: key)
            guard ScenarioLimits.profileWeight.contains(weight) else {
                throw FieldError(c.codingPath + [key], "a profile weight of \(Bounds.outside(weight, ScenarioLimits.profileWeight, unit: .plain))")
            }
            steps.append((time, weight))
        }
        self = .steps(steps.sorted { $0.0 < $1.0 })
    }
}

struct DemandFile: Decodable {
    var channel: Channel
    var topic: String?
    var daily: Double?
    var profile: ProfileFile?
    var rate: Double?
    var rates: [(time: Seconds, perSecond: Double)]?
    var weekdays: [(name: String, value: Double, path: FieldPath)]?
    var segments: [(name: String, value: FractionValue, path: FieldPath)]?

    enum CodingKeys: String, CodingKey, CaseIterable { case channel, topic, daily, profile, rate, rates, weekdays, segments }

    init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        let channelName = try c.decodeIfPresent(String.self, forKey: .channel) ?? "phone"
        guard let channel = Channel(name: channelName) else {
            throw c.fail(.channel, "unknown channel '\(channelName)' (known: phone, chat, email, clickToCall)")
        }
        self.channel = channel
        topic = try c.decodeIfPresent(String.self, forKey: .topic)
        daily = try c.number(.daily, in: ScenarioLimits.daily)
        profile = try c.decodeIfPresent(ProfileFile.self, forKey: .profile)
        rate = try c.decodeIfPresent(RateValue.self, forKey: .rate)?.perSecond
        if c.contains(.rates) {
            let nested = try c.nestedContainer(keyedBy: AnyKey.self, forKey: .rates)
            var steps: [(Seconds, Double)] = []
            for key in nested.allKeys {
                let time: Seconds
                do { time = try Quantities.clock(key.stringValue) } catch { throw FieldError(nested.codingPath + [key], error.description) }
                steps.append((time, try nested.decode(RateValue.self, forKey: key).perSecond))
            }
            rates = steps.sorted { $0.0 < $1.0 }
        }
        let given = [daily != nil, rate != nil, rates != nil].filter { $0 }.count
        if given != 1 {
            throw decoder.fail(given == 0 ? "give the demand as daily (with an optional profile), rate, or rates"
                                          : "give only one of daily, rate and rates")
        }
        if profile != nil && daily == nil { throw c.fail(.profile, "a profile shapes a daily volume; add daily") }
        weekdays = try c.named(.weekdays, Double.self)
        for day in weekdays ?? [] where !ScenarioLimits.weekdayFactor.contains(day.value) {
            throw FieldError(path: day.path, "a weekday factor of \(Bounds.outside(day.value, ScenarioLimits.weekdayFactor, unit: .plain))")
        }
        segments = try c.named(.segments, FractionValue.self)
    }
}

/// A distribution: a mapping, or a bare duration meaning exponential with that mean.
struct DistributionFile: Decodable {
    var distribution: Distribution?

    enum CodingKeys: String, CodingKey, CaseIterable { case distribution, mean, cv, value, values }

    init(from decoder: Decoder) throws {
        func checkedMean(_ mean: Seconds) throws -> Seconds {
            guard mean > 0 else { throw decoder.fail("a mean must be more than zero") }
            guard ScenarioLimits.meanDuration.contains(mean) else {
                throw decoder.fail("a mean of \(Bounds.outside(mean, ScenarioLimits.meanDuration, unit: .duration))")
            }
            return mean
        }
        if let single = try? decoder.singleValueContainer(), let text = try? single.decode(String.self) {
            if text == "none" { distribution = nil; return }
            let mean: Seconds
            do { mean = try Quantities.duration(text) } catch { throw decoder.fail(error.description) }
            distribution = .exponential(mean: try checkedMean(mean))
            return
        }
        if let single = try? decoder.singleValueContainer(), let number = try? single.decode(Double.self) {
            distribution = .exponential(mean: try checkedMean(number))
            return
        }
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        let kind = try c.decodeIfPresent(String.self, forKey: .distribution) ?? "exponential"
        func mean() throws -> Seconds {
            guard let mean = try c.duration(.mean, in: ScenarioLimits.meanDuration), mean > 0 else {
                throw c.fail(.mean, "\(kind) needs a mean more than zero, e.g. 300s")
            }
            return mean
        }
        switch kind {
        case "exponential":
            distribution = .exponential(mean: try mean())
        case "lognormal":
            let m = try mean()
            guard let cv = try c.number(.cv, in: ScenarioLimits.coefficientOfVariation) else {
                throw c.fail(.cv, "lognormal needs cv (standard deviation ÷ mean) more than zero, e.g. 0.6")
            }
            distribution = .lognormal(mean: m, cv: cv)
        case "fixed":
            guard let value = try c.duration(.value, in: ScenarioLimits.meanDuration) ?? c.duration(.mean, in: ScenarioLimits.meanDuration) else {
                throw c.fail(.value, "fixed needs a value, e.g. 300s")
            }
            distribution = .fixed(value)
        case "empirical":
            let values = try c.decodeIfPresent([DurationValue].self, forKey: .values)?.map(\.seconds) ?? []
            guard !values.isEmpty else { throw c.fail(.values, "empirical needs a list of observed values") }
            guard ScenarioLimits.empiricalValues.contains(values.count) else {
                throw c.fail(.values, "\(values.count) observed values is more than \(ScenarioLimits.empiricalValues.upperBound)")
            }
            if let bad = values.first(where: { !ScenarioLimits.meanDuration.contains($0) }) {
                throw c.fail(.values, "an observed value of \(Bounds.outside(bad, ScenarioLimits.meanDuration, unit: .duration))")
            }
            distribution = .empirical(values)
        case "none":
            distribution = nil
        default:
            throw c.fail(.distribution, "unknown distribution '\(kind)' (known: exponential, lognormal, fixed, empirical)")
        }
    }
}

struct HandlingFile: Decodable {
    var standard: DistributionFile?
    var channels: [(name: String, value: DistributionFile, path: FieldPath)]?
    var topics: [(name: String, value: DistributionFile, path: FieldPath)]?

    enum CodingKeys: String, CodingKey, CaseIterable { case `default`, channels, topics }

    init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        standard = try c.decodeIfPresent(DistributionFile.self, forKey: .default)
        channels = try c.named(.channels, DistributionFile.self)
        topics = try c.named(.topics, DistributionFile.self)
    }
}

struct PatienceFile: Decodable {
    var standard: DistributionFile?
    var channels: [(name: String, value: DistributionFile, path: FieldPath)]?
    var segments: [(name: String, value: DistributionFile, path: FieldPath)]?

    enum CodingKeys: String, CodingKey, CaseIterable { case `default`, channels, segments }

    init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        standard = try c.decodeIfPresent(DistributionFile.self, forKey: .default)
        channels = try c.named(.channels, DistributionFile.self)
        segments = try c.named(.segments, DistributionFile.self)
    }
}

struct HoursFile: Decodable {
    var standard: DailyWindow??
    var days: [Weekday: DailyWindow?] = [:]
    var holidays: [Int] = []
    var closedDates: [CalendarDate] = []
    var timezone: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case `default`, mon, tue, wed, thu, fri, sat, sun, holidays, timezone }

    /// A holiday: a day of the run (a number) or a calendar date (`2026-12-25`).
    struct Holiday: Decodable {
        var day: Int?
        var date: CalendarDate?
        init(from decoder: Decoder) throws {
            let single = try decoder.singleValueContainer()
            if let number = try? single.decode(Int.self) {
                guard number >= 0 else { throw decoder.fail("day \(number) is before the run starts (days count from 0)") }
                day = number
                return
            }
            // YAML reads an unquoted 2026-12-25 as a string here (a date to Yams is still text).
            guard let text = try? single.decode(String.self), let parsed = CalendarDate(text) else {
                throw decoder.fail("a holiday is a day of the run (0, 1, …) or a date such as 2026-12-25")
            }
            date = parsed
        }
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        standard = try c.window(.default)
        for key in [CodingKeys.mon, .tue, .wed, .thu, .fri, .sat, .sun] {
            if let window = try c.window(key) { days[Weekday(short: key.rawValue)!] = window }
        }
        for holiday in try c.decodeIfPresent([Holiday].self, forKey: .holidays) ?? [] {
            if let day = holiday.day { holidays.append(day) }
            if let date = holiday.date { closedDates.append(date) }
        }
        if let bad = holidays.first(where: { $0 >= ScenarioLimits.days.upperBound }) {
            throw c.fail(.holidays, "day \(bad) is past the longest run (days count from 0 to \(ScenarioLimits.days.upperBound - 1))")
        }
        timezone = try c.decodeIfPresent(String.self, forKey: .timezone)
        if let timezone, TimeZone(identifier: timezone) == nil {
            throw c.fail(.timezone, "unknown time zone '\(timezone)' (an IANA name such as Europe/Berlin, or UTC)")
        }
    }
}

struct NoticeFile: Decodable {
    var name: String?
    var topic: String
    var deflects: Double
    var medium: String
    var costPerMessage: Double

    enum CodingKeys: String, CodingKey, CaseIterable { case name, topic, deflects, medium, costPerMessage }

    init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        topic = try c.decode(String.self, forKey: .topic)
        guard let share = try c.fraction(.deflects) else { throw c.fail(.deflects, "say what share of the topic's contacts the notice deflects, e.g. 30%") }
        deflects = share
        medium = try c.decodeIfPresent(String.self, forKey: .medium) ?? "sms"
        guard ["sms", "email"].contains(medium) else { throw c.fail(.medium, "'\(medium)' should be sms or email") }
        costPerMessage = try c.number(.costPerMessage, in: ScenarioLimits.noticeCost) ?? 0
    }
}

struct CostsFile: Decodable {
    var agentHour: Double?
    var extendedHoursPremium: Double?
    var standardHours: DailyWindow??
    var currency: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case agentHour, extendedHoursPremium, standardHours, currency }

    init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        agentHour = try c.number(.agentHour, in: ScenarioLimits.agentHourCost)
        extendedHoursPremium = try c.fraction(.extendedHoursPremium)
        standardHours = try c.window(.standardHours)
        currency = try c.decodeIfPresent(String.self, forKey: .currency)
    }
}

struct QAFile: Decodable {
    var sampleRate: Double?
    enum CodingKeys: String, CodingKey, CaseIterable { case sampleRate }
    init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        sampleRate = try c.fraction(.sampleRate)
    }
}

struct RunFile: Decodable {
    var days: Int?
    var startDay: Weekday?
    var interval: Seconds?
    var warmup: Seconds?
    var replications: Int?
    var seed: UInt64?
    var serviceLevel: ServiceLevelDefinition?
    var ringTime: Seconds?

    enum CodingKeys: String, CodingKey, CaseIterable { case days, startDay, interval, warmup, replications, seed, serviceLevel, ringTime }

    init(from decoder: Decoder) throws {
        let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
        days = try c.wholeNumber(.days, in: ScenarioLimits.days)
        if let text = try c.decodeIfPresent(String.self, forKey: .startDay) {
            guard let day = Weekday(short: text) else { throw c.fail(.startDay, "'\(text)' should be mon, tue, wed, thu, fri, sat or sun") }
            startDay = day
        }
        interval = try c.duration(.interval)
        if let interval, ![900.0, 1800, 3600].contains(interval) { throw c.fail(.interval, "the interval must be 15min, 30min or 1h") }
        warmup = try c.duration(.warmup)
        replications = try c.wholeNumber(.replications, in: ScenarioLimits.replications)
        if c.contains(.seed) {
            guard let seed = try? c.decode(UInt64.self, forKey: .seed) else {
                throw c.fail(.seed, "expected a whole number from 0 to \(UInt64.max)")
            }
            self.seed = seed
        }
        if let text = try c.decodeIfPresent(String.self, forKey: .serviceLevel) {
            guard let definition = ServiceLevelDefinition(rawValue: text), definition != .virtual else {
                throw c.fail(.serviceLevel, "'\(text)' should be offered, answered or shortAbandonsExcluded")
            }
            serviceLevel = definition
        }
        ringTime = try c.duration(.ringTime, in: ScenarioLimits.ringTime)
    }
}
