import AgnerCore
import Foundation

/// The period a replay measures, laid on the center's local days so that its figures read like
/// a simulation's: day 0 is the local day of `from`, intervals are the scenario's (15, 30 or
/// 60 minutes) from each local midnight.
///
/// Contacts that arrive from `from` to `to` (both included) are counted; agents' time is
/// counted inside the same span. What happened before `from` is replayed too (it makes the
/// state the window starts in) but not counted, as a simulation's warm-up.
///
/// On a day the clocks change, intervals count elapsed time from local midnight (a 25-hour
/// day's last hour falls in its last interval).
public struct ReplayWindow: Sendable, Equatable {
    /// Unix seconds.
    public var from: Double
    public var to: Double
    /// An IANA time zone name.
    public var timeZone: String
    /// Seconds per reporting interval.
    public var interval: Double
    /// Unix seconds of each local midnight, from the day of `from` to the one after `to`'s day.
    public let midnights: [Double]
    /// The weekday of day 0.
    public let startWeekday: Weekday
    /// The local date of each day.
    public let dates: [CalendarDate]

    /// Why a window cannot be made.
    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// - Throws: `Invalid` for an unknown time zone, an empty or reversed span, or one longer
    ///   than `ScenarioLimits.days`.
    public init(from: Double, to: Double, timeZone: String, interval: Double) throws(Invalid) {
        guard from.isFinite, to.isFinite, to >= from else {
            throw Invalid(description: "the window ends before it starts")
        }
        guard let zone = TimeZone(identifier: timeZone) else {
            throw Invalid(description: "unknown time zone '\(timeZone)' (an IANA name such as Europe/Berlin or UTC)")
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        var midnight = calendar.startOfDay(for: Date(timeIntervalSince1970: from))
        var midnights = [midnight.timeIntervalSince1970]
        while midnights.count < 2 || midnights.last! < to {
            guard midnights.count <= ScenarioLimits.days.upperBound,
                  let next = calendar.date(byAdding: .day, value: 1, to: midnight) else {
                throw Invalid(description: "the window spans more than \(ScenarioLimits.days.upperBound) days")
            }
            midnight = next
            midnights.append(next.timeIntervalSince1970)
        }
        let weekday = calendar.component(.weekday, from: Date(timeIntervalSince1970: midnights[0] + 1))
        self.from = from
        self.to = to
        self.timeZone = timeZone
        self.interval = interval
        self.midnights = midnights
        dates = midnights.dropLast().map { midnight in
            let parts = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: midnight + 1))
            return CalendarDate(year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1)
        }
        // Foundation counts weekdays from Sunday = 1.
        startWeekday = Weekday(rawValue: (weekday + 5) % 7)!
    }

    /// Local days covered.
    public var days: Int { midnights.count - 1 }
    public var intervalsPerDay: Int { Int((86_400 / interval).rounded()) }
    public var intervalCount: Int { days * intervalsPerDay }

    /// Whether a contact arriving at `time` is counted.
    public func counts(_ time: Double) -> Bool { time >= from && time <= to }

    /// The local day of `time` (0-based, clamped to the window's days).
    func day(of time: Double) -> Int {
        // Binary search: the last midnight at or before `time`.
        var low = 0, high = midnights.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if midnights[middle] <= time { low = middle } else { high = middle - 1 }
        }
        return min(low, days - 1)
    }

    /// The interval of the run (`day * intervalsPerDay + interval of the day`) that `time` falls in.
    public func position(of time: Double) -> Int {
        let day = day(of: time)
        let within = min(intervalsPerDay - 1, max(0, Int((time - midnights[day]) / interval)))
        return day * intervalsPerDay + within
    }

    /// When the interval holding `time` ends (Unix seconds).
    func intervalEnd(after time: Double) -> Double {
        let day = day(of: time)
        let within = min(intervalsPerDay - 1, max(0, Int((time - midnights[day]) / interval)))
        return within == intervalsPerDay - 1 ? midnights[day + 1] : min(midnights[day + 1], midnights[day] + Double(within + 1) * interval)
    }

    /// Calls `add(position, seconds)` for each interval that [start, stop) overlaps inside the
    /// window. - Returns: the seconds inside.
    @discardableResult
    func spread(from start: Double, to stop: Double, _ add: (Int, Double) -> Void) -> Double {
        var t = max(start, from)
        let end = min(stop, to)
        guard end > t else { return 0 }
        let inside = end - t
        while t < end {
            let boundary = min(end, intervalEnd(after: t))
            guard boundary > t else { break }
            add(position(of: t), boundary - t)
            t = boundary
        }
        return inside
    }

    /// Seconds after `from`'s local midnight: the warm-up a simulation of the window would have.
    public var warmup: Double { from - midnights[0] }
}
