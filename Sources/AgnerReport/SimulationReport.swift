import AgnerSim
import Foundation

/// Renders a simulation summary as a terminal table, JSON or CSV.
public enum SimulationReport {
    /// Totals first, then by channel with the service level marked against its goal.
    public static func table(_ s: SimulationSummary, details: Bool = false, agents: Bool = false, intervals: Bool = false) -> String {
        var out: [String] = []
        let variant = s.variant.map { " · variant \($0)" } ?? ""
        out.append("\(s.scenario)\(variant)")
        out.append("\(s.replications) replication\(s.replications == 1 ? "" : "s") × \(s.days) day\(s.days == 1 ? "" : "s"), seed \(s.seed)"
                   + (s.warmupSeconds > 0 ? ", warm-up \(Quantities.format(duration: s.warmupSeconds))" : "")
                   + "; ± = 95 % interval across replications")
        out.append("service level = \(s.serviceLevelLabel) (\(s.serviceLevelDefinition))")
        out.append("")
        var table = TextTable([("", .left), ("offered", .right), ("answered", .right), ("abandoned", .right), ("service level", .right),
                               ("goal", .left), ("ASA", .right), ("longest wait", .right), ("AHT", .right), ("unserved", .right)])
        func row(_ g: SimulationSummary.Group) -> [String] {
            let goal: String
            if let target = g.goal, let met = g.meetsGoal {
                goal = "\(met ? "✓" : "✗") \(Format.percent(target, digits: 0))/\(Quantities.format(duration: g.targetSeconds ?? 0))"
            } else {
                goal = ""
            }
            return [g.name, count(g.offered), count(g.answered), abandonedText(g), percent(g.serviceLevel), goal,
                    seconds(g.averageSpeedOfAnswer), seconds(g.longestWait, digits: 0), seconds(g.averageHandleTime, digits: 0), count(g.unserved)]
        }
        table.add(row(s.total))
        table.addRule()
        for channel in s.channels { table.add(row(channel)) }
        if details {
            for (title, groups) in [("topic", s.topics), ("department", s.departments), ("segment", s.segments)] {
                let shown = groups.filter { $0.offered.mean > 0 }
                guard !shown.isEmpty else { continue }
                table.addRule()
                for group in shown { var cells = row(group); cells[0] = "\(title) \(group.name)"; table.add(cells) }
            }
        }
        out.append(table.render())
        out.append("")
        var extras: [String] = []
        if let occupancy = s.total.occupancy { extras.append("occupancy \(percent(occupancy))") }
        extras.append("\(Format.fixed(s.staffedAgentHours.mean, 0)) agent-hours staffed")
        extras.append("waited at all \(percent(s.total.probabilityOfWaiting))")
        let breaches = s.total.breaches.filter { $0.value.mean > 0 }.sorted { $0.value.mean > $1.value.mean }
        if !breaches.isEmpty {
            extras.append("breaches: " + breaches.map { "\($0.key) \(count($0.value))" }.joined(separator: ", "))
        }
        if s.total.callbacks.mean > 0 { extras.append("callbacks \(count(s.total.callbacks))") }
        if s.total.deflected.mean > 0 { extras.append("deflected by notices \(count(s.total.deflected))") }
        if s.total.qaSampled.mean > 0 { extras.append("QA sample \(count(s.total.qaSampled))") }
        out.append(extras.joined(separator: " · "))
        let currency = s.costs.currency.isEmpty ? "" : " \(s.costs.currency)"
        if s.costs.total.mean > 0 {
            out.append("cost \(money(s.costs.total))\(currency) (agents \(money(s.costs.agents)), notices \(money(s.costs.notices))), "
                       + "\(Format.fixed(s.costs.perAnswered.mean, 2))\(currency) per answered contact")
        }
        if agents {
            out.append("")
            var agentTable = TextTable([("agent", .right), ("group", .left), ("answered", .right), ("AHT", .right), ("occupancy", .right), ("QA sample", .right)])
            for a in s.agents {
                agentTable.add([String(a.agent), a.group, Format.fixed(a.answered, 1), Format.seconds(a.averageHandleTime, digits: 0),
                                Format.percent(a.occupancy), Format.fixed(a.qaSampled, 1)])
            }
            out.append(agentTable.render())
        }
        if intervals {
            out.append("")
            var intervalTable = TextTable([("day", .right), ("from", .left), ("channel", .left), ("offered", .right), ("answered", .right),
                                           ("abandoned", .right), ("service level", .right), ("ASA", .right), ("occupancy", .right)])
            for r in s.intervals {
                intervalTable.add([String(r.day), r.start, r.channel, Format.fixed(r.offered, 1), Format.fixed(r.answered, 1),
                                   Format.fixed(r.abandoned, 1), Format.percent(r.serviceLevel), Format.seconds(r.averageSpeedOfAnswer),
                                   Format.percent(r.occupancy)])
            }
            out.append(intervalTable.render())
        }
        return out.joined(separator: "\n")
    }

    public static func json(_ summary: SimulationSummary) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(summary), as: UTF8.self)
    }

    /// One row per interval and channel (means over replications).
    public static func csv(_ s: SimulationSummary) -> String {
        var lines = ["day,start,channel,offered,answered,abandoned,service_level,asa_s,occupancy"]
        func number(_ value: Double) -> String { value.isFinite ? Format.fixed(value, 4) : "" }
        for r in s.intervals {
            lines.append([String(r.day), r.start, r.channel, number(r.offered), number(r.answered), number(r.abandoned),
                          number(r.serviceLevel), number(r.averageSpeedOfAnswer), number(r.occupancy)].joined(separator: ","))
        }
        return lines.joined(separator: "\n")
    }

    // MARK: - Cells

    static func halfWidth(_ e: Estimate, scale: Double = 1, digits: Int = 1) -> String {
        guard let h = e.halfWidth, h.isFinite, e.mean.isFinite else { return "" }
        return " ±" + Format.fixed(h * scale, digits)
    }

    static func percent(_ e: Estimate) -> String {
        guard e.mean.isFinite else { return "—" }
        return Format.fixed(e.mean * 100, 1) + halfWidth(e, scale: 100) + " %"
    }

    static func seconds(_ e: Estimate, digits: Int = 1) -> String {
        guard e.mean.isFinite else { return "—" }
        return Format.fixed(e.mean, digits) + halfWidth(e, digits: digits) + " s"
    }

    static func count(_ e: Estimate) -> String {
        guard e.mean.isFinite else { return "—" }
        return Format.count(e.mean.rounded(e.mean >= 100 ? .toNearestOrEven : .toNearestOrAwayFromZero))
    }

    static func abandonedText(_ g: SimulationSummary.Group) -> String {
        guard g.abandoned.mean > 0 else { return "0" }
        return count(g.abandoned) + " (" + Format.fixed(g.abandonRate.mean * 100, 1) + " %)"
    }

    static func money(_ e: Estimate) -> String { Format.fixed(e.mean, 0) }
}
