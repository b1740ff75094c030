import AgnerSim
import Foundation

/// Renders a simulation summary as a terminal table, JSON or CSV.
public enum SimulationReport {
    /// What the table shows beyond the totals and the channels.
    public struct TableParts: Sendable {
        public var details = false
        public var agents = false
        public var intervals = false
        public var daily = false

        public init(details: Bool = false, agents: Bool = false, intervals: Bool = false, daily: Bool = false) {
            self.details = details
            self.agents = agents
            self.intervals = intervals
            self.daily = daily
        }
    }

    public static func table(_ s: SimulationSummary, details: Bool = false, agents: Bool = false, intervals: Bool = false) -> String {
        table(s, parts: TableParts(details: details, agents: agents, intervals: intervals))
    }

    /// Two tables, then the center's figures: contacts (offered = answered + abandoned + open at
    /// end, with unserved and deflected beside), then service per channel against its goal, with
    /// the share of intervals meeting it and the worst interval.
    public static func table(_ s: SimulationSummary, parts: TableParts) -> String {
        var out: [String] = []
        let variant = s.variant.map { " · variant \($0)" } ?? ""
        out.append("\(s.scenario)\(variant)")
        let shard = s.shard.map { " (shard \($0): partial figures; agner merge combines the shards)" } ?? ""
        out.append("\(s.replications) replication\(s.replications == 1 ? "" : "s") × \(s.days) day\(s.days == 1 ? "" : "s"), seed \(s.seed)"
                   + (s.warmupSeconds > 0 ? ", warm-up \(Quantities.format(duration: s.warmupSeconds))" : "")
                   + (s.replications > 1 ? "; ± = 95 % interval across replications" : "; one replication, so no intervals") + shard)
        out.append("service level = \(s.serviceLevelLabel) (\(s.serviceLevelDefinition))")
        out.append("")

        // Means over several replications show one decimal; a single replication's counts are whole.
        let digits = s.replications > 1 ? 1 : 0
        var contacts = contactsTable()
        contacts.add(contactsRow(s.total, digits: digits))
        contacts.addRule()
        for channel in s.channels { contacts.add(contactsRow(channel, digits: digits)) }
        if parts.details {
            for (title, groups) in [("topic", s.topics), ("dept", s.departments), ("segment", s.segments)] {
                let shown = groups.filter { $0.offered.mean > 0 || $0.unserved.mean > 0 || $0.deflected.mean > 0 }
                guard !shown.isEmpty else { continue }
                contacts.addRule()
                for group in shown { contacts.add(contactsRow(group, prefix: title + " ", digits: digits)) }
            }
        }
        out.append(contacts.render())
        out.append("")

        var service = serviceTable()
        if let realTime = s.realTime { service.add(serviceRow(realTime, s)) }
        service.addRule()
        for channel in s.channels { service.add(serviceRow(channel, s)) }
        if parts.details {
            for (title, groups) in [("topic", s.topics), ("dept", s.departments), ("segment", s.segments)] {
                let shown = groups.filter { $0.offered.mean > 0 }
                guard !shown.isEmpty else { continue }
                service.addRule()
                for group in shown { service.add(serviceRow(group, s, prefix: title + " ")) }
            }
        }
        out.append(service.render())
        out.append("")

        var extras: [String] = []
        extras.append("occupancy \(percent(s.occupancy))")
        let slots = s.channels.compactMap { channel in channel.slotUtilisation.flatMap { $0.mean.isFinite ? "\(channel.name) \(Format.percent($0.mean, digits: 0))" : nil } }
        if !slots.isEmpty { extras.append("slot utilisation " + slots.joined(separator: ", ")) }
        if s.staffedAgentHours.mean.isFinite { extras.append("\(Format.grouped(Int(s.staffedAgentHours.mean.rounded()))) agent-hours staffed") }
        if s.leakage.mean.isFinite && s.leakage.mean > 0 { extras.append("\(percent(s.leakage)) answered outside the owning department") }
        out.append(extras.joined(separator: " · "))
        var flow: [String] = []
        if let realTime = s.realTime, let waited = realTime.probabilityOfWaiting { flow.append("real-time contacts that waited at all \(percent(waited))") }
        let breaches = s.total.breaches.filter { $0.value.mean > 0 }.sorted { $0.value.mean != $1.value.mean ? $0.value.mean > $1.value.mean : $0.key < $1.key }
        if !breaches.isEmpty {
            flow.append("breaches: " + breaches.map { "\($0.key.replacingOccurrences(of: "_", with: " ")) \(count($0.value))" }.joined(separator: ", "))
        }
        if s.total.qaSampled.mean > 0 { flow.append("QA sample \(count(s.total.qaSampled))") }
        if !flow.isEmpty { out.append(flow.joined(separator: " · ")) }
        let currency = s.costs.currency.map { " " + $0 } ?? ""
        if s.costs.total.mean > 0 {
            out.append("cost \(money(s.costs.total))\(currency) (agents \(money(s.costs.agents)), notices \(money(s.costs.notices))), "
                       + "\(Format.fixed(s.costs.perAnswered.mean, 2))\(currency) per answered contact")
        }

        if parts.details {
            out.append("")
            out.append(ownershipTable(s))
            out.append("")
            out.append(departmentWorkTable(s))
        }
        if parts.agents {
            out.append("")
            var agentTable = TextTable([("agent", .left), ("group", .left), ("answered", .right), ("AHT", .right), ("occupancy", .right),
                                        ("slot utilisation", .right), ("QA sample", .right)])
            for a in s.agents {
                agentTable.add([a.agent, a.group, Format.fixed(a.answered, 1), a.averageHandleTime.map { Format.duration($0) } ?? "—",
                                a.occupancy.map { Format.percent($0) } ?? "—", a.slotUtilisation.map { Format.percent($0) } ?? "—",
                                Format.fixed(a.qaSampled, 1)])
            }
            out.append(agentTable.render())
        }
        if parts.daily {
            out.append("")
            var dayTable = channelRowsTable(first: [("day", .right), ("", .left), ("agent-hours", .right), ("occupancy", .right)])
            for day in s.daily {
                for (index, row) in day.channels.enumerated() {
                    let lead = index == 0 ? [String(day.day), day.weekday, Format.fixed(day.staffedAgentHours, 0), day.occupancy.map { Format.percent($0) } ?? "—"]
                                          : ["", "", "", ""]
                    dayTable.add(lead + channelCells(row))
                }
            }
            out.append(dayTable.render())
        }
        if parts.intervals {
            out.append("")
            var intervalTable = channelRowsTable(first: [("day", .right), ("from", .left), ("staffed", .right), ("occupancy", .right)])
            for interval in s.intervals {
                let lead = [String(interval.day), interval.start, Format.fixed(interval.staffedAgents, 1),
                            interval.occupancy.map { Format.percent($0) } ?? "—"]
                if interval.channels.isEmpty { intervalTable.add(lead) }
                for (index, row) in interval.channels.enumerated() {
                    intervalTable.add((index == 0 ? lead : ["", "", "", ""]) + channelCells(row))
                }
            }
            out.append(intervalTable.render())
        }
        return out.joined(separator: "\n")
    }

    // MARK: - Tables

    static func contactsTable() -> TextTable {
        TextTable([("contacts", .left), ("offered", .right), ("answered", .right), ("abandoned", .right), ("open at end", .right),
                   ("unserved", .right), ("deflected", .right), ("callbacks", .right)])
    }

    /// offered = answered + abandoned + open at end, rounded so the row adds up as shown.
    static func contactsRow(_ g: SimulationSummary.Group, prefix: String = "", digits: Int) -> [String] {
        let shown = Format.partsAddingUp(g.offered.mean, [g.answered.mean, g.abandoned.mean, g.openAtEnd.mean], digits: digits)
        return [prefix + g.name, shown.whole, shown.parts[0], shown.parts[1], shown.parts[2],
                count(g.unserved, digits: digits), count(g.deflected, digits: digits), count(g.callbacks, digits: digits)]
    }

    static func serviceTable() -> TextTable {
        TextTable([("service", .left), ("service level", .right), ("goal", .left), ("intervals meeting goal", .right),
                   ("worst interval", .left), ("ASA", .right), ("longest wait", .right), ("AHT", .right), ("abandoned", .right)])
    }

    static func serviceRow(_ g: SimulationSummary.Group, _ s: SimulationSummary, prefix: String = "") -> [String] {
        let goal: String
        if let target = g.goal, let met = g.meetsGoal {
            goal = "\(met ? "✓" : "✗") \(Format.percent(target, digits: 0))/\(Quantities.format(duration: g.targetSeconds ?? 0))"
        } else {
            goal = ""
        }
        var meeting = ""
        if let share = g.intervalsMeetingGoal, let total = g.intervalsWithContacts {
            meeting = "\(Format.percent(share, digits: 0)) of \(total)"
        }
        var worst = ""
        if let mark = g.worstInterval {
            worst = "day \(mark.day) \(mark.start): \(Format.percent(mark.serviceLevel, digits: 1)) of \(Format.fixed(mark.offered, 1))"
        }
        let abandoned = g.abandonRate.map { $0.mean.isFinite && $0.mean > 0 ? percent($0) : ($0.mean.isFinite ? "0" : "—") } ?? ""
        return [prefix + g.name, g.serviceLevel.map(percent) ?? "", goal, meeting, worst,
                g.averageSpeedOfAnswer.map { duration($0) } ?? "", g.longestWait.map { duration($0, withInterval: false) } ?? "",
                duration(g.averageHandleTime, withInterval: false), abandoned]
    }

    /// Per topic: where answered contacts were handled and at which ladder step.
    static func ownershipTable(_ s: SimulationSummary) -> String {
        let steps = s.topics.first?.answeredAtStep?.count ?? 0
        var columns: [(String, TextTable.Alignment)] = [("ownership", .left), ("owner", .left), ("answered", .right), ("outside owner", .right)]
        for step in 0..<steps { columns.append(("step \(step)", .right)) }
        var table = TextTable(columns)
        for topic in s.topics where topic.answered.mean > 0 {
            var cells = ["topic " + topic.name, topic.owner ?? "", count(topic.answered), topic.leakage.map(percent) ?? "—"]
            for step in topic.answeredAtStep ?? [] { cells.append(step.mean.isFinite ? Format.percent(step.mean, digits: 0) : "—") }
            table.add(cells)
        }
        table.addRule()
        table.add(["all topics", "", count(s.total.answered), percent(s.leakage)] + Array(repeating: "", count: steps))
        return table.render() + "\noutside owner = answered by an agent of another department; step n = offered at step n of the ladder"
    }

    /// Per department: the topics it owns against the contacts its agents handled.
    static func departmentWorkTable(_ s: SimulationSummary) -> String {
        var table = TextTable([("department", .left), ("agents", .right), ("owned topics: offered", .right), ("answered", .right),
                               ("its agents answered", .right), ("of own topics", .right), ("of others' topics", .right),
                               ("AHT", .right), ("occupancy", .right)])
        for (owned, work) in zip(s.departments, s.departmentAgents) {
            table.add([work.name, String(work.agents), count(owned.offered), count(owned.answered), count(work.answered),
                       count(work.answeredOwnTopics), count(work.answeredOtherTopics), duration(work.averageHandleTime, withInterval: false),
                       percent(work.occupancy)])
        }
        return table.render()
    }

    static func channelRowsTable(first: [(String, TextTable.Alignment)]) -> TextTable {
        TextTable(first + [("channel", .left), ("offered", .right), ("answered", .right), ("abandoned", .right), ("open at end", .right),
                           ("unserved", .right), ("service level", .right), ("ASA", .right), ("slot utilisation", .right)])
    }

    static func channelCells(_ r: SimulationSummary.ChannelRow) -> [String] {
        let shown = Format.partsAddingUp(r.offered, [r.answered, r.abandoned, r.openAtEnd])
        return [r.channel, shown.whole, shown.parts[0], shown.parts[1], shown.parts[2], Format.count(r.unserved),
                r.serviceLevel.map { Format.percent($0) } ?? "—", r.averageSpeedOfAnswer.map { Format.duration($0) } ?? "—",
                r.slotUtilisation.map { Format.percent($0) } ?? "—"]
    }

    // MARK: - JSON and CSV

    /// One object, snake_case keys sorted, null for undefined values (docs/simulation.md).
    public static func json(_ summary: SimulationSummary) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try encoder.encode(summary), as: UTF8.self)
    }

    public static let csvHeader = "day,start,channel,offered,answered,abandoned,open_at_end,unserved,deflected,service_level,average_speed_of_answer,slot_utilisation,staffed_agents,occupancy"

    /// One row per interval and channel (means over replications), and one row per interval with
    /// channel `all`: the channels' counts added up, with the center's staffed agents and
    /// occupancy (which belong to no channel). Empty cells are undefined or not applicable.
    public static func csv(_ s: SimulationSummary) -> String {
        var lines = [csvHeader]
        func number(_ value: Double?) -> String { value.map { $0.isFinite ? Format.fixed($0, 4) : "" } ?? "" }
        /// Counts in ten-thousandths, rounded so that the shown parts add up to the shown whole
        /// exactly (means over replications are not whole: each rounded on its own could miss by 0.0001).
        func units(_ whole: Double, _ parts: [Double]) -> [Int] {
            guard whole.isFinite, parts.allSatisfy(\.isFinite), abs(whole) < 1e12 else { return [Int](repeating: 0, count: parts.count + 1) }
            let (target, shown) = Format.largestRemainder(whole, parts, scale: 10_000)
            return [target] + shown
        }
        func text(_ units: Int) -> String {
            let sign = units < 0 ? "-" : ""
            let magnitude = abs(units)
            let fraction = String(magnitude % 10_000)
            return sign + String(magnitude / 10_000) + "." + String(repeating: "0", count: 4 - fraction.count) + fraction
        }
        for interval in s.intervals {
            var sum = [Int](repeating: 0, count: 6)
            for r in interval.channels {
                // offered = answered + abandoned + open at end, in what is printed too.
                let counts = units(r.offered, [r.answered, r.abandoned, r.openAtEnd])
                    + [Int((r.unserved * 10_000).rounded()), Int((r.deflected * 10_000).rounded())]
                lines.append(([String(interval.day), interval.start, r.channel] + counts.map(text)
                              + [number(r.serviceLevel), number(r.averageSpeedOfAnswer), number(r.slotUtilisation), "", ""]).joined(separator: ","))
                for index in counts.indices { sum[index] += counts[index] }
            }
            // The channels' printed counts added up: the `all` row is their sum to the last digit.
            lines.append(([String(interval.day), interval.start, "all"] + sum.map(text)
                          + ["", "", "", number(interval.staffedAgents), number(interval.occupancy)]).joined(separator: ","))
        }
        return lines.joined(separator: "\n")
    }

    // MARK: - Cells

    static func halfWidth(_ e: Estimate, scale: Double = 1, digits: Int = 1) -> String {
        guard let h = e.halfWidth, h.isFinite, e.mean.isFinite else { return "" }
        return " ±" + Format.fixed(h * scale, digits)
    }

    /// `81.2 ±1.0 %`, or with the interval clipped at a bound `99.8 % (99.5–100.0)`.
    static func percent(_ e: Estimate) -> String {
        guard e.mean.isFinite else { return "—" }
        if e.isClipped, let lower = e.lower, let upper = e.upper {
            return Format.fixed(e.mean * 100, 1) + " % (" + Format.fixed(lower * 100, 1) + "–" + Format.fixed(upper * 100, 1) + ")"
        }
        return Format.fixed(e.mean * 100, 1) + halfWidth(e, scale: 100) + " %"
    }

    /// A wait in the unit that reads best (`17.2 ±0.8 s`, `4 h 21 min ±12 min`).
    static func duration(_ e: Estimate, withInterval: Bool = true) -> String {
        guard e.mean.isFinite else { return "—" }
        var text = Format.duration(e.mean)
        if withInterval, let h = e.halfWidth, h.isFinite {
            if e.isClipped, let lower = e.lower, let upper = e.upper {
                text += " (" + Format.duration(lower) + "–" + Format.duration(upper) + ")"
            } else {
                text += " ±" + Format.durationHalfWidth(h, mean: e.mean)
            }
        }
        return text
    }

    static func count(_ e: Estimate, digits: Int? = nil) -> String {
        guard e.mean.isFinite else { return "—" }
        return Format.partsAddingUp(e.mean, [], digits: digits).whole
    }

    static func money(_ e: Estimate) -> String { e.mean.isFinite ? Format.grouped(Int(e.mean.rounded())) : "—" }
}
