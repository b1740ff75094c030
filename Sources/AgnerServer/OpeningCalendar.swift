import Foundation

/// The center's opening hours on the wall clock: a window per weekday, closed dates, in one
/// time zone. The live router opens and closes its channels on it.
///
/// ```swift
/// let calendar = try OpeningCalendar(weekdays: [weekday, weekday, weekday, weekday, weekday, saturday, nil],
///                                    closedDates: [.init(year: 2026, month: 12, day: 25)], timeZone: "Europe/Berlin")
/// calendar.isOpen(at: Date().timeIntervalSince1970)
/// ```
public struct OpeningCalendar: Sendable, Equatable {
    /// A daily window, seconds after local midnight; `end` may be 86,400 (24:00).
    public struct Window: Sendable, Equatable {
        public var start: Double
        public var end: Double
        public init(start: Double, end: Double) {
            self.start = start
            self.end = end
        }
    }

    /// A calendar day in the calendar's time zone.
    public struct Day: Sendable, Hashable, Comparable {
        public var year: Int
        public var month: Int
        public var day: Int
        public init(year: Int, month: Int, day: Int) {
            self.year = year
            self.month = month
            self.day = day
        }
        public static func < (a: Day, b: Day) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }
    }

    /// Monday first; nil: closed all day.
    public var weekdays: [Window?]
    /// Days on which the center is closed (holidays).
    public var closedDates: Set<Day>
    /// An IANA time zone name, e.g. `Europe/Berlin`.
    public var timeZoneName: String
    private var calendar: Calendar

    /// - Throws: `OpeningCalendar.Invalid` for an unknown time zone or a list not of 7 days.
    public init(weekdays: [Window?], closedDates: Set<Day> = [], timeZone: String = "UTC") throws {
        guard weekdays.count == 7 else { throw Invalid(description: "opening hours need 7 weekdays, got \(weekdays.count)") }
        guard let zone = TimeZone(identifier: timeZone) else {
            throw Invalid(description: "unknown time zone '\(timeZone)' (an IANA name such as Europe/Berlin or UTC)")
        }
        self.weekdays = weekdays
        self.closedDates = closedDates
        timeZoneName = timeZone
        calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
    }

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.weekdays == b.weekdays && a.closedDates == b.closedDates && a.timeZoneName == b.timeZoneName
    }

    /// The local day, its weekday (0 = Monday) and the seconds since its midnight.
    func local(_ time: Double) -> (day: Day, weekday: Int, seconds: Double) {
        let date = Date(timeIntervalSince1970: time)
        let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: date)
        let midnight = calendar.startOfDay(for: date).timeIntervalSince1970
        // Foundation counts weekdays from Sunday = 1.
        let weekday = ((parts.weekday ?? 2) + 5) % 7
        return (Day(year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1), weekday, time - midnight)
    }

    /// Whether the center is open at `time` (Unix seconds).
    public func isOpen(at time: Double) -> Bool {
        let (day, weekday, seconds) = local(time)
        guard !closedDates.contains(day), let window = weekdays[weekday] else { return false }
        return seconds >= window.start && seconds < window.end
    }

    /// The first moment after `time` at which `isOpen` changes, looking up to 400 days ahead;
    /// nil when it never changes (always open, or always closed).
    public func nextChange(after time: Double) -> Double? {
        let open = isOpen(at: time)
        let date = Date(timeIntervalSince1970: time)
        var midnight = calendar.startOfDay(for: date)
        for _ in 0..<400 {
            let (day, weekday, _) = local(midnight.timeIntervalSince1970 + 1)
            guard let next = calendar.date(byAdding: .day, value: 1, to: midnight) else { return nil }
            var candidates = [next.timeIntervalSince1970]
            if !closedDates.contains(day), let window = weekdays[weekday] {
                candidates += [boundaryTime(midnight: midnight, seconds: window.start), boundaryTime(midnight: midnight, seconds: window.end)]
            }
            for boundary in candidates.sorted() where boundary > time && isOpen(at: boundary) != open { return boundary }
            midnight = next
        }
        return nil
    }

    /// The Unix time of `seconds` after local midnight (wall-clock hours and minutes, so 08:00
    /// stays 08:00 on a day when the clocks change).
    private func boundaryTime(midnight: Date, seconds: Double) -> Double {
        if seconds >= 86_400 { return (calendar.date(byAdding: .day, value: 1, to: midnight) ?? midnight).timeIntervalSince1970 }
        let whole = Int(seconds)
        var parts = calendar.dateComponents([.year, .month, .day], from: midnight)
        parts.hour = whole / 3600
        parts.minute = whole % 3600 / 60
        parts.second = whole % 60
        let date = calendar.date(from: parts) ?? midnight.addingTimeInterval(seconds)
        return date.timeIntervalSince1970 + (seconds - Double(whole))
    }
}
