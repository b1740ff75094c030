import AgnerCore

/// The agents' cost of a scenario's schedule, interval by interval: the paid shift time that
/// falls in each interval (after the warm-up), at the hourly cost, with the extended-hours
/// premium on the time outside the standard hours kept apart. Shifts are paid whole, breaks
/// included, as the simulator's `cost.agents` counts them; the schedule has no randomness, so
/// these are exact, and over the run they add up to `cost.agents`.
public enum ScheduleCost {
    /// One interval's agent cost, in the scenario's currency.
    public struct Interval: Sendable, Equatable {
        /// Paid time at the standard rate (the premium's base included for time outside the standard hours).
        public var base: Double
        /// The premium paid for time outside the standard hours.
        public var premium: Double
        public var total: Double { base + premium }
    }

    /// One entry per interval of the run (`day * intervalsPerDay + interval`).
    /// - Complexity: O(days × groups × (intervals a shift spans)).
    public static func byInterval(_ scenario: Scenario) -> [Interval] {
        let run = scenario.run
        let length = run.interval
        var out = [Interval](repeating: Interval(base: 0, premium: 0), count: run.days * run.intervalsPerDay)
        let hourly = scenario.costs.agentHour / 3600
        let premium = scenario.costs.extendedHoursPremium
        let standard = scenario.costs.standardHours
        for day in -1..<run.days {
            let dayStart = Double(day) * 86_400
            for group in scenario.agentGroups where group.count > 0 {
                guard let worked = scenario.workedShift(of: group, day: day) else { continue }
                var t = max(dayStart + worked.start, run.warmup)
                let stop = min(dayStart + worked.end, run.duration)
                while t < stop {
                    let interval = Int(t / length)
                    let boundary = min(stop, Double(interval + 1) * length)
                    guard interval < out.count else { break }
                    // Inside the standard hours of the day the shift starts on, or of the next.
                    var inside = 0.0
                    for standardDay in [dayStart, dayStart + 86_400] {
                        inside += max(0, min(boundary, standardDay + standard.end) - max(t, standardDay + standard.start))
                    }
                    let paid = (boundary - t) * Double(group.count) * hourly
                    let outside = (boundary - t - inside) * Double(group.count) * hourly
                    out[interval].base += paid
                    out[interval].premium += outside * premium
                    t = boundary
                }
            }
        }
        return out
    }
}
