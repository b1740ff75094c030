import AgnerCore
import AgnerSim
import Foundation

/// Renders the answer of `agner optimise`: the least staffing, its figures with intervals
/// beside today's and the Erlang start's, the goals set aside, the evaluations used, and the
/// staffing as a variant to paste into the scenario.
public struct OptimisationReport {
    public var result: StaffingSearch.Result
    /// The name under which the variant is written.
    public var variantName: String

    /// The scenario file, named where the variant is to be pasted.
    public var file: String

    public init(_ result: StaffingSearch.Result, variantName: String = "least", file: String = "the scenario") {
        self.result = result
        self.variantName = variantName
        self.file = file
    }

    var intervalLength: Seconds { result.scenario.run.interval }

    public func table() -> String {
        let r = result
        let s = r.scenario
        var out: [String] = []
        let per = r.settings.granularity == .group ? "per group" : "per group and interval of the day"
        let objective = r.settings.objective == .agents ? "fewest agents" : "least cost"
        out.append("least staffing for \(s.name)\(s.variant.map { " · variant \($0)" } ?? ""): \(objective), \(per)")
        var goals = s.usedChannels.map { channel -> String in
            let settings = s.center.channels[channel]
            return "\(channel.name) ≥ \(Format.fixed(settings.serviceLevelGoal * 100, 0)) % within \(Quantities.format(duration: settings.answerTarget))"
        }
        if let cap = r.settings.maxAbandon { goals.append("abandonment ≤ \(Quantities.formatShare(cap)) on each real-time channel") }
        out.append("goals: " + goals.joined(separator: "; ") + (r.settings.granularity == .interval ? " (real-time channels in every interval of the day)" : ""))
        out.append("a goal counts as met only when its 95 % interval over \(r.settings.replications) replications clears it; every staffing is simulated on the same random numbers")
        out.append("method: marginal analysis with common random numbers from the Erlang requirements (add where goals fail, then remove while they hold; Cezik & L'Ecuyer 2008, Atlason, Epelman & Henderson 2004): see docs/optimisation.md")
        out.append("evaluations: \(r.evaluations) of \(r.settings.budget) allowed, \(r.settings.replications) replications each\(r.stop.isEmpty ? "" : "; stopped: \(r.stop)")")
        if !r.setAside.isEmpty {
            out.append("")
            out.append("set aside: \(r.setAside.count) goal\(r.setAside.count == 1 ? "" : "s") not met even with every group doubled, so the search does not chase \(r.setAside.count == 1 ? "it" : "them"); each is held instead at today's level, and the answer does not keep \(r.setAside.count == 1 ? "it" : "them"):")
            for check in r.setAside {
                out.append("  \(check.constraint.label(intervalLength: intervalLength)): \(SimulationReport.percent(check.estimate)) with every group doubled, \(Self.reach(check, replications: r.settings.replications))")
            }
        }
        out.append("")
        out.append(staffingTable())
        out.append("")
        out.append(figuresTable())
        if let best = r.best {
            out.append("")
            if r.settings.granularity == .group {
                let sets = zip(s.agentGroups, best.staffing.counts).map { "--set 'agents[\($0.name)].count=\($1[0])'" }
                out.append("as assignments (agner sweep, agner simulate): " + sets.joined(separator: " "))
            }
            out.append("as a variant (paste under variants: in \(file)):")
            out.append("")
            out.append(variantYAML(best))
        } else {
            out.append("")
            out.append("no staffing that keeps every goal was found within the budget; raise --budget, or see which goals fail above")
        }
        return out.joined(separator: "\n")
    }

    /// Why a goal was set aside: out of reach (the doubled staffing's mean misses it) or too
    /// close to call (the mean keeps it, the 95 % interval does not clear it: more replications
    /// might).
    static func reach(_ check: StaffingSearch.Check, replications: Int) -> String {
        check.isOutOfReach ? "out of reach" : "too close to call at \(replications) replications (its interval straddles the goal; more --replications may settle it)"
    }

    /// The staffing: today, the Erlang start and the least, per group (or per interval).
    func staffingTable() -> String {
        let r = result
        let groups = r.scenario.agentGroups
        switch r.settings.granularity {
        case .group:
            var table = TextTable([("group", .left), ("today", .right), ("Erlang start", .right), ("least", .right), ("change", .right)])
            for (index, group) in groups.enumerated() {
                let least = r.best?.staffing.counts[index][0]
                table.add([group.name, String(r.today.counts[index][0]), String(r.start.counts[index][0]),
                           least.map(String.init) ?? "—", least.map { signed($0 - r.today.counts[index][0]) } ?? ""])
            }
            table.addRule()
            let least = r.best?.staffing.total
            table.add(["total", String(r.today.total), String(r.start.total), least.map(String.init) ?? "—",
                       least.map { signed($0 - r.today.total) } ?? ""])
            return table.render()
        case .interval:
            var columns: [(String, TextTable.Alignment)] = [("interval", .left), ("today", .right), ("Erlang start", .right), ("least", .right)]
            for group in groups { columns.append((group.name, .right)) }
            var table = TextTable(columns)
            for interval in 0..<r.scenario.run.intervalsPerDay {
                let today = r.today.counts.reduce(0) { $0 + $1[interval] }
                let start = r.start.counts.reduce(0) { $0 + $1[interval] }
                let least = r.best.map { best in best.staffing.counts.reduce(0) { $0 + $1[interval] } }
                guard today + start + (least ?? 0) > 0 else { continue }
                var cells = [SimulationSummary.clock(Double(interval) * intervalLength), String(today), String(start), least.map(String.init) ?? "—"]
                for group in groups.indices { cells.append(r.best.map { String($0.staffing.counts[group][interval]) } ?? "—") }
                table.add(cells)
            }
            table.addRule()
            let hours = intervalLength / 3600
            table.add(["agent-hours a day", Format.fixed(Double(r.today.total) * hours, 1), Format.fixed(Double(r.start.total) * hours, 1),
                       r.best.map { Format.fixed(Double($0.staffing.total) * hours, 1) } ?? "—"] + groups.indices.map { group in
                        r.best.map { Format.fixed(Double($0.staffing.counts[group].reduce(0, +)) * hours, 1) } ?? "—" })
            return "agents on duty (today: mean over the days each group works, breaks off duty)\n" + table.render()
        }
    }

    /// Each channel's service level, abandonment, occupancy and cost: today, the start, the least,
    /// and the least again on independent random numbers.
    func figuresTable() -> String {
        let r = result
        var runs: [(String, SweepSummary.Point)] = [("today", row(r.todayEvaluation.outcome)), ("Erlang start", row(r.startEvaluation.outcome))]
        if let best = r.best { runs.append(("least", row(best.outcome))) }
        if let confirmation = r.confirmation { runs.append(("least, seed \(confirmation.outcome.scenario.run.seed)", row(confirmation.outcome))) }
        var table = TextTable([("figure", .left)] + runs.map { ($0.0, .right) })
        for (index, channel) in runs[0].1.channels.enumerated() {
            table.add(["\(channel.channel) service level"] + runs.map { SimulationReport.percent($0.1.channels[index].serviceLevel) + " " + SweepReport.mark($0.1.channels[index].meetsGoal) })
            if channel.abandonRate != nil {
                table.add(["\(channel.channel) abandoned"] + runs.map { run in
                    guard let rate = run.1.channels[index].abandonRate else { return "—" }
                    // Against the cap, when there is one: the same marks as the goals.
                    let mark = r.settings.maxAbandon.map { " " + SweepReport.mark(GoalCheck.atMost(rate, $0)) } ?? ""
                    return SimulationReport.percent(rate) + mark
                })
            }
        }
        if r.settings.granularity == .interval {
            let evaluations = [r.todayEvaluation, r.startEvaluation] + (r.best.map { [$0] } ?? []) + (r.confirmation.map { [$0] } ?? [])
            table.add(["interval checks missed"] + evaluations.map { evaluation in
                let perInterval = evaluation.checks.filter { $0.constraint.interval != nil }
                return "\(perInterval.filter { !$0.met }.count) of \(perInterval.count)"
            })
        }
        table.addRule()
        table.add(["occupancy"] + runs.map { SimulationReport.percent($0.1.occupancy) })
        let currency = r.scenario.costs.currency
        if runs.contains(where: { $0.1.cost.mean > 0 }) {
            table.add(["cost" + (currency.map { " (\($0))" } ?? "")] + runs.map { SweepReport.money($0.1.cost) })
        }
        var text = table.render()
        if let best = r.best {
            let today = row(r.todayEvaluation.outcome).cost.mean, least = row(best.outcome).cost.mean
            if today > 0 {
                text += "\n\nthe least staffing costs \(Format.grouped(Int(least.rounded()))) against today's \(Format.grouped(Int(today.rounded()))) "
                    + "(\(signedGrouped(Int((least - today).rounded())))\(currency.map { " " + $0 } ?? ""), \(signedFixed((least - today) / today * 100)) %)"
            }
            let held = best.checks.filter(\.met).count
            text += "\nevery goal kept holds (\(held) of \(best.checks.count) checks)"
            if !r.setAside.isEmpty {
                text += "; the \(r.setAside.count) set aside above \(r.setAside.count == 1 ? "is" : "are") held at today's level only"
            }
            if r.confirmation == nil {
                text += "; not checked on independent random numbers: the budget ran out first"
            }
            if let confirmation = r.confirmation {
                let failing = confirmation.checks.filter { !$0.met }
                text += failing.isEmpty ? "; confirmed on independent random numbers"
                    : "; on independent random numbers \(failing.count) check\(failing.count == 1 ? "" : "s") did not clear (\(failing.prefix(3).map { $0.constraint.label(intervalLength: intervalLength) }.joined(separator: ", "))): the answer is close to the edge, more replications would settle it"
            }
        }
        return text
    }

    func row(_ outcome: SimulationOutcome) -> SweepSummary.Point {
        SweepSummary.point(0, values: [], paths: [], outcome: outcome)
    }

    func signed(_ value: Int) -> String { value > 0 ? "+\(value)" : (value == 0 ? "0" : "−\(-value)") }
    func signedGrouped(_ value: Int) -> String { value > 0 ? "+" + Format.grouped(value) : (value == 0 ? "0" : "−" + Format.grouped(-value)) }
    func signedFixed(_ value: Double) -> String { value >= 0 ? "+" + Format.fixed(value, 1) : "−" + Format.fixed(-value, 1) }

    /// The least staffing as a variant: the whole agents list (a variant replaces lists).
    public func variantYAML(_ best: StaffingSearch.Evaluation) -> String {
        var lines = ["variants:", "  \(variantName):"]
        lines.append(AgentGroupsYAML.agents(best.outcome.scenario, indent: 4))
        return lines.joined(separator: "\n")
    }

    // MARK: - JSON

    struct Document: Encodable {
        var scenario: String
        var variant: String?
        var granularity: String
        var objective: String
        var maxAbandon: Double?
        var replications: Int
        var seed: UInt64
        var evaluations: Int
        var budget: Int
        var stop: String?
        var groups: [String]
        var today: [[Int]]
        var start: [[Int]]
        var least: [[Int]]?
        var setAside: [CheckRow]
        var figures: [String: SweepSummary.Point]
        var checks: [CheckRow]
        var variantYAML: String?

        enum CodingKeys: String, CodingKey {
            case scenario, variant, granularity, objective, maxAbandon = "max_abandon", replications, seed, evaluations, budget, stop, groups,
                 today, start, least, setAside = "set_aside", figures, checks, variantYAML = "variant_yaml"
        }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(scenario, forKey: .scenario)
            try c.encode(variant, forKey: .variant)
            try c.encode(granularity, forKey: .granularity)
            try c.encode(objective, forKey: .objective)
            try c.encode(maxAbandon, forKey: .maxAbandon)
            try c.encode(replications, forKey: .replications)
            try c.encode(seed, forKey: .seed)
            try c.encode(evaluations, forKey: .evaluations)
            try c.encode(budget, forKey: .budget)
            try c.encode(stop, forKey: .stop)
            try c.encode(groups, forKey: .groups)
            try c.encode(today, forKey: .today)
            try c.encode(start, forKey: .start)
            try c.encode(least, forKey: .least)
            try c.encode(setAside, forKey: .setAside)
            try c.encode(figures, forKey: .figures)
            try c.encode(checks, forKey: .checks)
            try c.encode(variantYAML, forKey: .variantYAML)
        }
    }

    struct CheckRow: Encodable {
        var check: String
        var channel: String
        var interval: String?
        var estimate: Estimate
        var met: Bool
        /// Goals set aside only: `out_of_reach` or `too_close_to_call` (see `reach`).
        var reach: String? = nil

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: AnyCodingKey.self)
            try c.encode(check, forKey: AnyCodingKey("check"))
            try c.encode(channel, forKey: AnyCodingKey("channel"))
            try c.encode(interval, forKey: AnyCodingKey("interval"))
            try c.encode(estimate, forKey: AnyCodingKey("estimate"))
            try c.encode(met, forKey: AnyCodingKey("met"))
            if let reach { try c.encode(reach, forKey: AnyCodingKey("reach")) }
        }
    }

    struct AnyCodingKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// One object: the settings, today's, the start's and the least staffing (per group, a list
    /// of one count or of one count per interval of the day), the checks of the least staffing,
    /// the goals set aside, the figures of each run, and the variant's YAML. Keys in snake case,
    /// sorted; null where there is nothing (no staffing found).
    public func json() throws -> String {
        let r = result
        func rows(_ checks: [StaffingSearch.Check]) -> [CheckRow] {
            checks.map { check in
                CheckRow(check: check.constraint.label(intervalLength: intervalLength), channel: check.constraint.channel.name,
                         interval: check.constraint.interval.map { SimulationSummary.clock(Double($0) * intervalLength) },
                         estimate: check.estimate, met: check.met)
            }
        }
        var figures: [String: SweepSummary.Point] = ["today": row(r.todayEvaluation.outcome), "start": row(r.startEvaluation.outcome)]
        if let best = r.best { figures["least"] = row(best.outcome) }
        if let confirmation = r.confirmation { figures["least_confirmation"] = row(confirmation.outcome) }
        let document = Document(
            scenario: r.scenario.name, variant: r.scenario.variant, granularity: r.settings.granularity.rawValue,
            objective: r.settings.objective.rawValue, maxAbandon: r.settings.maxAbandon, replications: r.settings.replications,
            seed: r.settings.seed ?? r.scenario.run.seed, evaluations: r.evaluations, budget: r.settings.budget,
            stop: r.stop.isEmpty ? nil : r.stop, groups: r.scenario.agentGroups.map(\.name), today: r.today.counts, start: r.start.counts,
            least: r.best?.staffing.counts,
            setAside: zip(rows(r.setAside), r.setAside).map { row, check in
                var row = row
                row.reach = check.isOutOfReach ? "out_of_reach" : "too_close_to_call"
                return row
            },
            figures: figures, checks: rows(r.best?.checks ?? []),
            variantYAML: r.best.map(variantYAML))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try encoder.encode(document), as: UTF8.self)
    }
}

extension Quantities {
    /// `5 %`, `2.5 %`.
    static func formatShare(_ share: Double) -> String {
        let percent = share * 100
        return (percent == percent.rounded() ? String(Int(percent)) : String(format: "%.1f", percent)) + " %"
    }
}
