import AgnerCore

/// A center and its demand, ready to simulate: every name resolved, every value checked.
/// Built from a YAML file by `ScenarioLoader`.
public struct Scenario: Sendable {
    public var name: String
    public var summary: String
    /// The variant applied, if any.
    public var variant: String?
    public var center: CenterConfiguration
    public var agentGroups: [AgentGroup]
    /// Every agent of the groups, with the names the live router uses (`billing-1`).
    public var roster: Roster
    public var demand: [DemandStream]
    public var handling: HandlingTimes
    public var patience: Patience
    public var hours: OpeningHours
    public var notices: [NoticeCampaign]
    public var costs: Costs
    /// Share of handled contacts drawn for quality review (0.1–0.2 is typical).
    public var qaSampleRate: Double
    public var run: RunSettings
    /// Names of the variants the file defines.
    public var variants: [String]
    /// A fingerprint of the file's text (FNV-1a, hex), stored with results.
    public var sourceHash: String
    /// The file's text, stored with results so that shards can be merged from it.
    public var sourceText: String = ""
    /// Assignments laid over the file after the variant (`agner sweep --set`), in order.
    public var overrides: [ScenarioOverride] = []
}

public enum Weekday: Int, CaseIterable, Sendable, Codable {
    case monday, tuesday, wednesday, thursday, friday, saturday, sunday

    public var short: String { ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][rawValue] }

    public init?(short: String) {
        guard let index = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].firstIndex(of: short.lowercased()) else { return nil }
        self.init(rawValue: index)
    }
}

/// A daily working window. It may run past midnight (`22:00-06:00`): it then starts on its
/// day and ends on the next.
public struct Shift: Sendable, Equatable {
    /// Time of day the shift starts, seconds after midnight.
    public var start: Seconds
    /// Seconds, more than 0 and less than a day.
    public var length: Seconds

    public init(start: Seconds, length: Seconds) {
        self.start = start
        self.length = length
    }

    /// Seconds after the midnight the shift started on; past 86,400 for an overnight shift.
    public var end: Seconds { start + length }
    public var isOvernight: Bool { end > 86_400 }
}

public struct BreakRule: Sendable, Equatable {
    /// When the first member of the group goes (time of day).
    public var at: Seconds
    public var length: Seconds
    /// Members start their breaks spread evenly over this window, so the group is never all away.
    public var stagger: Seconds

    /// When member `member` of a group of `count` takes this break, in seconds after the
    /// midnight the shift started on (a time of day before the shift's start falls on the next
    /// day, so breaks of an overnight shift work), or nil when the break falls outside the shift.
    public func span(member: Int, of count: Int, in shift: Shift) -> (start: Seconds, end: Seconds)? {
        let base = at < shift.start ? at + 86_400 : at
        let start = base + Double(member) * stagger / Double(max(1, count))
        guard start >= shift.start, start + length <= shift.end else { return nil }
        return (start, start + length)
    }
}

/// Identical agents: how many, where, what they can do, when they work.
public struct AgentGroup: Sendable {
    public var name: String
    public var count: Int
    public var department: DepartmentID
    public var skills: [SkillLevel]
    public var capacity: PerChannel<Int>
    /// nil: logged in whenever the center is open.
    public var shift: Shift?
    public var days: Set<Weekday>
    public var breaks: [BreakRule]
    /// Agents on duty in each interval of the day (`run.intervalsPerDay` values), on the days the
    /// group works: member i (0-based) is logged in while the interval's value is above i. nil:
    /// the whole group works its shift. A group with a profile has no shift and no breaks.
    public var staffing: [Int]? = nil
    /// The live router's adapter these agents are assigned to: only it (and supervisors) may
    /// set their states. nil: whichever adapter logs an agent in manages it until it is logged
    /// out. The simulator ignores it.
    public var adapter: String? = nil

    /// The spans member `member` is on duty by the staffing profile, in seconds after midnight
    /// (runs of consecutive intervals whose value is above `member`); nil without a profile.
    public func onDutySpans(member: Int, interval: Seconds) -> [(start: Seconds, end: Seconds)]? {
        guard let staffing else { return nil }
        var spans: [(start: Seconds, end: Seconds)] = []
        var open: Int? = nil
        for index in 0...staffing.count {
            let on = index < staffing.count && staffing[index] > member
            if on, open == nil { open = index }
            if !on, let start = open {
                spans.append((Double(start) * interval, Double(index) * interval))
                open = nil
            }
        }
        return spans
    }
}

/// Contacts of one channel and topic: a Poisson stream with a rate per interval of the day.
public struct DemandStream: Sendable {
    public var channel: Channel
    public var topic: TopicID
    /// Arrivals per second in each minute of a day (`minutesPerDay` values): the demand as the
    /// scenario gives it, which the simulated arrivals follow, whatever the reporting interval.
    public var ratePerMinute: [Double]
    /// Arrivals per second in each reporting interval of a day (length = intervals per day):
    /// the mean of its minutes, for requirements and reports.
    public var ratePerInterval: [Double]
    /// Multiplier per weekday (Monday first).
    public var weekdayFactor: [Double]
    public var segmentMix: PerSegment<Double>

    public static let minutesPerDay = 1440

    /// - Parameters:
    ///   - ratePerMinute: arrivals per second in each minute of the day (1,440 values).
    ///   - intervalsPerDay: the run's reporting intervals per day (a divisor of 1,440).
    public init(channel: Channel, topic: TopicID, ratePerMinute: [Double], intervalsPerDay: Int, weekdayFactor: [Double],
                segmentMix: PerSegment<Double>) {
        precondition(ratePerMinute.count == Self.minutesPerDay && Self.minutesPerDay % intervalsPerDay == 0)
        self.channel = channel
        self.topic = topic
        self.ratePerMinute = ratePerMinute
        let minutes = Self.minutesPerDay / intervalsPerDay
        ratePerInterval = (0..<intervalsPerDay).map { interval in
            ratePerMinute[(interval * minutes)..<((interval + 1) * minutes)].reduce(0, +) / Double(minutes)
        }
        self.weekdayFactor = weekdayFactor
        self.segmentMix = segmentMix
    }

    /// A stream whose rate is constant within each reporting interval (`ratePerInterval`,
    /// arrivals per second, one value per interval of the day).
    public init(channel: Channel, topic: TopicID, ratePerInterval: [Double], weekdayFactor: [Double], segmentMix: PerSegment<Double>) {
        let minutes = Self.minutesPerDay / max(1, ratePerInterval.count)
        self.init(channel: channel, topic: topic, ratePerMinute: ratePerInterval.flatMap { Array(repeating: $0, count: minutes) },
                  intervalsPerDay: ratePerInterval.count, weekdayFactor: weekdayFactor, segmentMix: segmentMix)
    }
}

/// Handle time distributions: the most specific one applies (topic, then channel, then default).
public struct HandlingTimes: Sendable {
    public var standard: Distribution
    public var channels: PerChannel<Distribution?>
    public var topics: [Distribution?]

    public func distribution(channel: Channel, topic: TopicID) -> Distribution {
        topics[topic.index] ?? channels[channel] ?? standard
    }
}

/// How long customers wait before hanging up. E-mail customers never abandon. The most specific
/// rule applies: segment, then channel, then default; nil means nobody abandons.
public struct Patience: Sendable {
    public var standard: Distribution?
    public var channels: PerChannel<Distribution?>
    public var segments: PerSegment<Distribution?>

    public func distribution(channel: Channel, segment: Segment) -> Distribution? {
        guard channel.isRealTime else { return nil }
        return segments[segment] ?? channels[channel] ?? standard
    }
}

/// When the center is open, per weekday, and the closed days of the run.
public struct OpeningHours: Sendable {
    /// nil: closed all day.
    public var days: [DailyWindow?]  // Monday first
    /// Days of the run (0-based) on which the center is closed (the simulator).
    public var holidays: Set<Int>
    /// Calendar dates on which the center is closed (the live router, in `timeZone`).
    public var closedDates: Set<CalendarDate> = []
    /// The IANA time zone of the live router's opening hours (`UTC` by default).
    public var timeZone = "UTC"

    public static let alwaysOpen = OpeningHours(days: Array(repeating: .allDay, count: 7), holidays: [])

    public func window(weekday: Weekday, day: Int) -> DailyWindow? {
        holidays.contains(day) ? nil : days[weekday.rawValue]
    }
}

/// A proactive notice: customers of a topic are told before they call (an SMS with the
/// repair status, say), and a share of them no longer contact the center.
public struct NoticeCampaign: Sendable {
    public var name: String
    public var topic: TopicID
    /// Share of the topic's contacts that the notice makes unnecessary.
    public var deflects: Double
    public var medium: String
    public var costPerMessage: Double
}

public struct Costs: Sendable {
    public var agentHour: Double
    /// Extra share of the hourly cost paid for time worked outside the standard hours.
    public var extendedHoursPremium: Double
    public var standardHours: DailyWindow
    /// The currency costs are in (`EUR`), as the scenario names it; nil when it names none.
    public var currency: String?
}

/// The part of one shift that is worked, in seconds after the midnight the shift started on.
public struct WorkedShift: Sendable, Equatable {
    /// The shift as scheduled (its breaks are placed in it).
    public var shift: Shift
    /// From when to when it is worked: the whole shift, or the part that falls on a day the
    /// center is open. A shift past midnight is on two days, and each part follows its own day.
    public var start: Seconds
    public var end: Seconds

    /// `span` (a break, say) cut to the worked part, or nil when it starts outside it.
    public func clip(_ span: (start: Seconds, end: Seconds)) -> (start: Seconds, end: Seconds)? {
        guard span.start >= start, span.start < end else { return nil }
        return (span.start, min(span.end, end))
    }
}

extension Scenario {
    /// The shift group `group` starts on day `day` of the run, as worked; nil when none of it
    /// is. Day −1 is the day before the run: of its shift only the part past midnight, on day 0,
    /// is in the run (so loops over a run's shifts go `for day in -1..<run.days`).
    ///
    /// The group's `days` say on which weekdays its shift starts. Nobody works on a day the
    /// center is closed (no hours that weekday, or a holiday): an overnight shift that starts
    /// on a closed evening still works its morning part if that morning is open, and one that
    /// runs into a closed day stops at midnight. Without a shift of its own a group works the
    /// day's opening hours.
    public func workedShift(of group: AgentGroup, day: Int) -> WorkedShift? {
        let weekday = run.weekday(ofDay: day)
        guard group.days.contains(weekday) else { return nil }
        let today = hours.window(weekday: weekday, day: day)
        let shift: Shift
        if let own = group.shift {
            shift = own
        } else if let today {
            shift = Shift(start: today.start, length: today.length)
        } else {
            return nil
        }
        let start = today != nil && day >= 0 ? shift.start : 86_400
        let tomorrowOpen = hours.window(weekday: run.weekday(ofDay: day + 1), day: day + 1) != nil
        let end = shift.isOvernight && !tomorrowOpen ? 86_400 : shift.end
        guard end > start else { return nil }
        return WorkedShift(shift: shift, start: start, end: end)
    }

    /// The shift `group` works on day `day` when any of it is worked (see `workedShift`).
    public func shift(of group: AgentGroup, day: Int) -> Shift? {
        workedShift(of: group, day: day)?.shift
    }
}

public struct RunSettings: Sendable {
    public var days: Int
    public var startDay: Weekday
    /// Length of a reporting interval (15, 30 or 60 minutes).
    public var interval: Seconds
    /// Time at the start excluded from the statistics.
    public var warmup: Seconds
    public var replications: Int
    public var seed: UInt64
    public var serviceLevel: ServiceLevelDefinition
    /// Time an offer rings before the agent connects; customers may abandon meanwhile.
    public var ringTime: Seconds

    public var intervalsPerDay: Int { Int((86_400 / interval).rounded()) }
    /// The weekday of day `day` of the run (0 is `startDay`; −1 the day before).
    public func weekday(ofDay day: Int) -> Weekday {
        Weekday(rawValue: ((startDay.rawValue + day) % 7 + 7) % 7)!
    }
    public var duration: Seconds { Double(days) * 86_400 }
}
