import AgnerSim
import Foundation

/// Renders a sweep: one row per point, with each channel's service level against its goal,
/// abandonment, occupancy and cost, each with its 95 % interval.
public enum SweepReport {
    /// The table: the settings of each point, then its figures. A goal is marked ✓ when the
    /// service level's interval clears it, ✗ when the interval lies below it, and `~` when the
    /// interval straddles it (too close to call with these replications).
    public static func table(_ s: SweepSummary) -> String {
        var out: [String] = []
        let variant = s.variant.map { " · variant \($0)" } ?? ""
        out.append("sweep of \(s.scenario)\(variant): \(s.points.count) point\(s.points.count == 1 ? "" : "s") × \(s.replications) replication\(s.replications == 1 ? "" : "s") × \(s.days) day\(s.days == 1 ? "" : "s"), seed \(s.seed)")
        out.append("\(randomNumbers(s)); ± = 95 % interval across replications")
        out.append("service level (\(s.serviceLevelDefinition)) against the goal: ✓ its interval clears the goal, ✗ lies below it, ~ too close to call")
        out.append("")
        let channels = s.points.first?.channels ?? []
        var columns: [(String, TextTable.Alignment)] = s.axes.map { ($0, .left) }
        for channel in channels { columns.append(("\(channel.channel) \(Format.fixed(channel.goal * 100, 0)) %/\(Quantities.format(duration: channel.targetSeconds))", .right)) }
        if s.points.first?.abandonRate != nil { columns.append(("abandoned", .right)) }
        columns.append(("occupancy", .right))
        // A center without costs shows none.
        let costs = s.points.contains { $0.cost.mean > 0 }
        if costs { columns.append(("cost" + (s.currency.map { " (\($0))" } ?? ""), .right)) }
        var table = TextTable(columns)
        for point in s.points {
            var cells = point.values
            for channel in point.channels {
                // No contacts, no service level: neither met nor too close to call.
                cells.append(channel.serviceLevel.mean.isFinite ? SimulationReport.percent(channel.serviceLevel) + " " + mark(channel.meetsGoal) : "—")
            }
            if let abandon = point.abandonRate { cells.append(SimulationReport.percent(abandon)) }
            cells.append(SimulationReport.percent(point.occupancy))
            if costs { cells.append(money(point.cost)) }
            table.add(cells)
        }
        out.append(table.render())
        return out.joined(separator: "\n")
    }

    /// The header's sentence about the random numbers.
    static func randomNumbers(_ s: SweepSummary) -> String {
        s.sharesRandomNumbers ? "every point sees the same customers (common random numbers)"
            : "the points set run.seed, so each sees other customers: differences between them include chance"
    }

    static func mark(_ meets: Bool?) -> String {
        switch meets {
        case true?: "✓"
        case false?: "✗"
        case nil: "~"
        }
    }

    /// `18,432 ±120`
    static func money(_ e: Estimate) -> String {
        guard e.mean.isFinite else { return "—" }
        var text = Format.grouped(Int(e.mean.rounded()))
        if let h = e.halfWidth, h.isFinite, h >= 0.5 { text += " ±" + Format.grouped(Int(h.rounded())) }
        return text
    }

    /// One object (see `SweepSummary`), snake_case keys sorted, null for undefined values.
    public static func json(_ s: SweepSummary) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try encoder.encode(s), as: UTF8.self)
    }

    /// One row per point: the settings, then per channel `CHANNEL_service_level`, `_lower`,
    /// `_upper`, `_meets_goal` (true, false or empty when too close to call), then
    /// `abandon_rate` (real-time channels) with its interval, `occupancy`, and `cost` with its
    /// interval. Shares are 0–1; empty cells are undefined.
    public static func csv(_ s: SweepSummary) -> String {
        let channels = s.points.first?.channels.map(\.channel) ?? []
        var header = s.axes.map(quoted)
        for channel in channels {
            header += ["service_level", "service_level_lower", "service_level_upper", "meets_goal"].map { "\(channel)_\($0)" }
        }
        header += ["abandon_rate", "abandon_rate_lower", "abandon_rate_upper", "occupancy", "cost", "cost_lower", "cost_upper"]
        var lines = [header.joined(separator: ",")]
        func number(_ value: Double?) -> String { value.map { $0.isFinite ? Format.fixed($0, 4) : "" } ?? "" }
        for point in s.points {
            var cells = point.values.map(quoted)
            for channel in point.channels {
                cells += [number(channel.serviceLevel.mean), number(channel.serviceLevel.lower), number(channel.serviceLevel.upper),
                          channel.meetsGoal.map { String($0) } ?? ""]
            }
            cells += [number(point.abandonRate?.mean), number(point.abandonRate?.lower), number(point.abandonRate?.upper),
                      number(point.occupancy.mean), Format.fixed(point.cost.mean, 2), number(point.cost.lower), number(point.cost.upper)]
            lines.append(cells.joined(separator: ","))
        }
        return lines.joined(separator: "\n")
    }

    /// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
