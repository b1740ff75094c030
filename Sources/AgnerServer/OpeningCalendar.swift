import AgnerProtocol
import AgnerCore
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
    /// Monday first; nil: closed all day.
    public var weekdays: [DailyWindow?]
    /// Days on which the center is closed (holidays).
    public var closedDates: Set<CalendarDate>
    /// An IANA time zone name, e.g. `Europe/Berlin`.
    public var timeZoneName: String
    private var calendar: Calendar

    /// - Throws: `OpeningCalendar.Invalid` for an unknown time zone or a list not of 7 days.
    public init(weekdays: [DailyWindow?], closedDates: Set<CalendarDate> = [], timeZone: String = "UTC") throws {
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

    /// The local day, its weekday (0 = Monday) and the wall-clock time of day in seconds (what
    /// the clock on the wall shows: on a day the clocks change, 09:00 is 9 × 3600 although more
    /// or fewer seconds have passed since midnight).
    func local(_ time: Double) -> (day: CalendarDate, weekday: Int, seconds: Double) {
        let date = Date(timeIntervalSince1970: time)
        let parts = calendar.dateComponents([.year, .month, .day, .weekday, .hour, .minute, .second], from: date)
        let whole = Double((parts.hour ?? 0) * 3600 + (parts.minute ?? 0) * 60 + (parts.second ?? 0))
        // Foundation counts weekdays from Sunday = 1.
        let weekday = ((parts.weekday ?? 2) + 5) % 7
        return (CalendarDate(year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1), weekday, whole + (time - time.rounded(.down)))
    }

    /// The weekday (0 = Monday) and wall-clock time of day (seconds) of `time` in the calendar's time zone.
    public func wallClock(at time: Double) -> (weekday: Int, seconds: Double) {
        let (_, weekday, seconds) = local(time)
        return (weekday, seconds)
    }

    /// The local day of `time` as days since 1970-01-01 in the calendar's time zone.
    public func dayNumber(at time: Double) -> Int {
        let offset = Double(calendar.timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: time)))
        return Int(((time + offset) / 86_400).rounded(.down))
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
