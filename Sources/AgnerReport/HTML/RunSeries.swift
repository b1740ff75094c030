import AgnerCore
import AgnerSim

/// The series the report's charts draw, taken from one run's replications: per interval of the
/// run (`day * intervalsPerDay + interval`), pooled over replications as the interval tables
/// pool them, with a 95 % interval across replications where a chart shows a band.
struct RunSeries {
    struct ChannelSeries {
        var channel: Channel
        /// Pooled service level per interval (nil without contacts).
        var serviceLevel: [Double?]
        /// The 95 % interval of the per-replication service levels (nil with one replication
        /// or fewer than two replications with contacts).
        var serviceLevelBand: [ClosedRange<Double>?]
        /// Means over replications per interval.
        var answered: [Double]
        var abandoned: [Double]
        var openAtEnd: [Double]
        var unserved: [Double]
        var offered: [Double]
        /// Share within 10, 20, …, 120 s (`WaitBands.limits`), under the run's service-level
        /// definition; empty when the results do not hold waits.
        var withinLimit: [Estimate]
    }

    let scenario: Scenario
    let summary: SimulationSummary
    let perDay: Int
    let count: Int
    var channels: [ChannelSeries] = []
    /// Mean agents staffed (logged in, not on a break) per interval.
    var staffed: [Double?] = []
    var occupancy: [Double?] = []
    var occupancyBand: [ClosedRange<Double>?] = []
    /// Agents on duty by the schedule and agents required (intraday requirements) per interval.
    var onDuty: [Double?] = []
    var required: [Double?] = []
    var cost: [ScheduleCost.Interval] = []

    init(_ outcome: SimulationOutcome, summary: SimulationSummary? = nil) {
        scenario = outcome.scenario
        self.summary = summary ?? SimulationSummary(outcome)
        let run = scenario.run
        perDay = run.intervalsPerDay
        count = run.days * perDay
        let runs = outcome.replications
        let n = Double(max(1, runs.count))
        let definition = run.serviceLevel
        func band(_ values: [Double]) -> ClosedRange<Double>? {
            let estimate = Estimate(values, range: Estimate.share)
            guard let lower = estimate.lower, let upper = estimate.upper else { return nil }
            return lower...upper
        }
        for channel in scenario.usedChannels {
            var series = ChannelSeries(channel: channel, serviceLevel: [], serviceLevelBand: [], answered: [], abandoned: [], openAtEnd: [],
                                       unserved: [], offered: [], withinLimit: [])
            for interval in 0..<count {
                var pooled = Tally()
                var levels: [Double] = []
                for result in runs where interval * 4 + channel.rawValue < result.intervals.count {
                    let tally = result.intervals[interval * 4 + channel.rawValue]
                    pooled.add(tally)
                    levels.append(tally.serviceLevel(definition))
                }
                let level = pooled.serviceLevel(definition)
                series.serviceLevel.append(level.isFinite ? level : nil)
                series.serviceLevelBand.append(band(levels))
                series.answered.append(Double(pooled.answered) / n)
                series.abandoned.append(Double(pooled.abandoned) / n)
                series.openAtEnd.append(Double(pooled.openAtEnd) / n)
                series.unserved.append(Double(pooled.unserved) / n)
                series.offered.append(Double(pooled.offered) / n)
            }
            if runs.allSatisfy({ $0.answeredByWait.count == Channel.allCases.count * WaitBands.count }) && !runs.isEmpty {
                series.withinLimit = (1..<WaitBands.count).map { bands in
                    Estimate(runs.map { result in
                        let tally = result.channels[channel.rawValue]
                        let denominator: Int = switch definition {
                        case .offered, .virtual: tally.offered
                        case .answered: tally.answered
                        case .shortAbandonsExcluded: tally.offered - tally.abandonedShort
                        }
                        let within = (0..<bands).reduce(0) { $0 + result.answeredByWait[channel.rawValue * WaitBands.count + $1] }
                        return denominator > 0 ? Double(within) / Double(denominator) : .nan
                    }, range: Estimate.share)
                }
            }
            channels.append(series)
        }
        for interval in 0..<count {
            var pooled = Workload()
            var levels: [Double] = []
            for result in runs where interval < result.intervalWorkload.count {
                pooled.add(result.intervalWorkload[interval])
                levels.append(result.intervalWorkload[interval].occupancy)
            }
            staffed.append(pooled.staffed > 0 ? pooled.staffed / n / run.interval : nil)
            occupancy.append(pooled.occupancy.isFinite ? pooled.occupancy : nil)
            occupancyBand.append(band(levels))
        }
        onDuty = Array(repeating: nil, count: count)
        required = Array(repeating: nil, count: count)
        // The interval's total row (`all`), or its only channel's row.
        let rows = IntradayRequirements.rows(scenario)
        var byInterval: [Int: [IntradayRequirements.Row]] = [:]
        for row in rows {
            guard let position = Self.position(day: row.day, start: row.start, interval: run.interval, perDay: perDay) else { continue }
            byInterval[position, default: []].append(row)
        }
        for (position, rows) in byInterval where position < count {
            let row = rows.first { $0.channel == "all" } ?? rows[0]
            onDuty[position] = row.scheduled
            if rows.contains(where: { $0.model != "none" && $0.model != "closed" }) { required[position] = row.required.map(Double.init) }
        }
        cost = ScheduleCost.byInterval(scenario)
    }

    /// The interval of the run that starts at `start` (`HH:MM`) on `day`.
    static func position(day: Int, start: String, interval: Double, perDay: Int) -> Int? {
        let parts = start.split(separator: ":").compactMap { Int($0) }
        guard parts.count == 2 else { return nil }
        return day * perDay + Int((Double(parts[0] * 3600 + parts[1] * 60) / interval).rounded(.down))
    }

    /// The x axis of a chart over the run's intervals: hours as ticks, each day marked.
    var intervalAxis: PositionAxis {
        let days = scenario.run.days
        let hour = Double(perDay) / 24
        var ticks: [(position: Int, label: String)] = []
        var separators: [(position: Int, label: String)] = []
        for day in 0..<days {
            let weekday = scenario.run.weekday(ofDay: day)
            if days > 1 { separators.append((day * perDay, "day \(day) \(weekday.short)")) }
            let hours = days == 1 ? stride(from: 0, to: 24, by: 2).map { $0 } : days <= 7 ? [12] : []
            for h in hours { ticks.append((day * perDay + Int(Double(h) * hour), (h < 10 ? "0\(h)" : "\(h)") + ":00")) }
        }
        let title = days == 1 ? "time of day (\(Int(scenario.run.interval / 60))-minute intervals)"
                              : "day and time of day (\(Int(scenario.run.interval / 60))-minute intervals; a line marks each day's midnight)"
        return PositionAxis(title: title, count: count, ticks: ticks, separators: separators)
    }
}
