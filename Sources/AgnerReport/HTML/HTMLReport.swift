import AgnerCore
import AgnerSim

/// A simulation or a comparison as one self-contained HTML page: the verdict per channel, then
/// charts (inline SVG from the chart module), then the terminal's tables. No script, no
/// external resource. Every chart is described in docs/simulation.md ("The HTML report").
public enum HTMLReport {
    /// The report of one run: verdict, service level by interval (goal line, 95 % band),
    /// contacts by interval, agents staffed against required, occupancy, waiting times,
    /// ownership, cost, then the tables.
    public static func simulation(_ outcome: SimulationOutcome) -> String {
        let run = RunSeries(outcome)
        let s = run.summary
        let variant = s.variant.map { " · variant \($0)" } ?? ""
        var sections: [ReportPage.Section] = []
        sections.append(ReportPage.Section(
            id: "service-level", heading: "Service level by interval",
            intro: "Per channel, the share of contacts answered within the target (\(s.serviceLevelLabel)), pooled over replications, "
                + "against the goal (dotted line). The shaded band is the 95 % interval across replications; gaps are intervals without contacts.",
            charts: run.channels.map { serviceLevelChart([(name: "\($0.channel.name)", series: $0, color: Palette.blue, dashed: false)], run: run, channel: $0.channel) }))
        sections.append(ReportPage.Section(
            id: "contacts", heading: "Contacts by interval",
            intro: "Offered contacts stacked as answered + abandoned + open at end of the run, with unserved demand (arrived while closed) on top; means over replications, by the interval the contacts arrived in.",
            charts: run.channels.map { contactsChart($0, run: run) }))
        sections.append(ReportPage.Section(
            id: "agents", heading: "Agents: staffed and required",
            intro: "Agents staffed in the simulation (logged in, not on a break), agents on duty by the schedule, and agents required by the intraday requirements (Erlang C or A per channel for its goal, added over channels; steady-state approximations, see agner staff --scenario).",
            charts: [agentsChart([(label: nil, run: run)])]))
        sections.append(ReportPage.Section(
            id: "occupancy", heading: "Occupancy by interval",
            intro: "Time handling or wrapping up at least one contact ÷ time staffed, over all agents, with its 95 % band across replications.",
            charts: [occupancyChart([(label: nil, run: run)])]))
        let waits = run.channels.filter { $0.channel.isRealTime && !$0.withinLimit.isEmpty }
        sections.append(ReportPage.Section(
            id: "waiting", heading: "Waiting times",
            intro: waits.isEmpty ? "No real-time channel, or results stored before waits were recorded."
                : "Per real-time channel, the share of contacts answered within 10, 20, …, 120 s (\(s.serviceLevelLabel)); whiskers are 95 % intervals across replications. At the answer target it is the service level.",
            charts: waits.map { waitChart([(name: $0.channel.name, series: $0, color: Palette.blue)], channel: $0.channel, run: run) }))
        sections.append(ReportPage.Section(
            id: "ownership", heading: "Ownership",
            intro: "Per topic: the share of answered contacts handled by an agent outside the owning department (leakage), and the step of the escalation ladder at which answered contacts were offered (step 0: the owning department's experts).",
            charts: ownershipCharts([(name: nil, summary: s, color: Palette.blue)])))
        sections.append(ReportPage.Section(
            id: "cost", heading: "Cost",
            intro: costIntro(s),
            charts: [costChart([(name: "cost", run: run, color: Palette.blue)])]))
        let verdicts = s.channels.map { verdict($0, summary: s, label: nil) }
        let page = ReportPage(
            title: "\(s.scenario)\(variant)",
            subtitle: [runLine(s), "service level = \(s.serviceLevelLabel) (\(s.serviceLevelDefinition))"],
            verdictHeading: "Verdict", verdicts: verdicts, verdictNotes: [], sections: sections,
            textTables: [ReportPage.TextBlock(heading: "Summary, by topic, department and segment, ownership",
                                              text: SimulationReport.table(s, parts: .init(details: true)))])
        return page.render()
    }

    /// The report of a comparison: verdicts of both sides, both sides overlaid on the same
    /// axes, the differences as bars with their 95 % intervals (coloured by verdict, "no clear
    /// difference" written under the bar), the intervals outside the standard hours side by
    /// side with their cost, then the comparison table.
    ///
    /// With `realisation` (a replay of recorded traffic: one realisation on each side), that
    /// sentence replaces the run settings, differences are drawn without intervals, and `notes`
    /// (what was replayed, the model's check) come under the title.
    public static func comparison(a: SimulationOutcome, b: SimulationOutcome, labelA: String, labelB: String,
                                  realisation: String? = nil, notes: [String] = []) -> String {
        let report = ComparisonReport(a: a, b: b, labelA: labelA, labelB: labelB, realisation: realisation)
        let runA = RunSeries(a, summary: report.a), runB = RunSeries(b, summary: report.b)
        var sections: [ReportPage.Section] = []
        sections.append(ReportPage.Section(
            id: "differences", heading: "Differences (\(labelB) − \(labelA))",
            intro: realisation != nil
                ? "Each bar is the difference of a figure between the two sides. Each side is one realisation, so there is no interval and no verdict."
                : "Each bar is the difference of a figure between the two sides, with its 95 % interval (whiskers) from the paired replications. "
                + "It is called better or worse only when the interval excludes zero; otherwise the bar is grey and says no clear difference.",
            charts: deltaCharts(report)))
        let channels = runA.channels.filter { channel in runB.channels.contains { $0.channel == channel.channel } }
        sections.append(ReportPage.Section(
            id: "service-level", heading: "Service level by interval, both sides",
            intro: "\(labelA) solid, \(labelB) dashed, each with its 95 % band; the dotted line is the goal.",
            charts: channels.map { channel in
                let other = runB.channels.first { $0.channel == channel.channel }!
                return serviceLevelChart([(name: "\(channel.channel.name) · \(labelA)", series: channel, color: Palette.blue, dashed: false),
                                          (name: "\(channel.channel.name) · \(labelB)", series: other, color: Palette.orange, dashed: true)],
                                         run: runA, channel: channel.channel)
            }))
        sections.append(ReportPage.Section(
            id: "agents", heading: "Agents and occupancy, both sides",
            intro: "Agents staffed in the simulation and required by the intraday requirements; occupancy with its 95 % band.",
            charts: [agentsChart([(label: labelA, run: runA), (label: labelB, run: runB)]),
                     occupancyChart([(label: labelA, run: runA), (label: labelB, run: runB)])]))
        let waitCharts = channels.filter { $0.channel.isRealTime && !$0.withinLimit.isEmpty }.compactMap { channel -> ReportPage.Chart? in
            guard let other = runB.channels.first(where: { $0.channel == channel.channel }), !other.withinLimit.isEmpty else { return nil }
            return waitChart([(name: labelA, series: channel, color: Palette.blue), (name: labelB, series: other, color: Palette.orange)],
                             channel: channel.channel, run: runA)
        }
        sections.append(ReportPage.Section(
            id: "waiting", heading: "Waiting times, both sides",
            intro: "Share of contacts answered within 10, 20, …, 120 s per real-time channel, with 95 % intervals.", charts: waitCharts))
        sections.append(ReportPage.Section(
            id: "ownership", heading: "Ownership, both sides",
            intro: "Leakage per topic (answered outside the owning department).",
            charts: ownershipCharts([(name: labelA, summary: report.a, color: Palette.blue), (name: labelB, summary: report.b, color: Palette.orange)],
                                    steps: false)))
        sections.append(ReportPage.Section(
            id: "cost", heading: "Cost, both sides", intro: costIntro(report.a),
            charts: [costChart([(name: labelA, run: runA, color: Palette.blue), (name: labelB, run: runB, color: Palette.orange)])]))
        if let evening = eveningSection(runA, runB, labelA: labelA, labelB: labelB) { sections.append(evening) }
        var verdicts: [ReportPage.Verdict] = []
        for channel in report.a.channels {
            verdicts.append(verdict(channel, summary: report.a, label: labelA))
            if let other = report.b.channels.first(where: { $0.name == channel.name }) { verdicts.append(verdict(other, summary: report.b, label: labelB)) }
        }
        let same = report.differences.isEmpty
        let page = ReportPage(
            title: "\(report.a.scenario): \(labelA) vs \(labelB)",
            subtitle: [realisation ?? (same ? runLine(report.a) + (report.sameRandomNumbers ? ", same random numbers on both sides" : "")
                            : "the two sides were run differently: " + report.differences.map { "\($0.0) \($0.1) vs \($0.2)" }.joined(separator: ", ")),
                       "service level = \(report.a.serviceLevelLabel)"] + notes,
            verdictHeading: "Verdict", verdicts: verdicts, verdictNotes: report.verdicts(), sections: sections,
            textTables: [ReportPage.TextBlock(heading: "Comparison", text: report.table())])
        return page.render()
    }

    // MARK: - Verdict

    static func runLine(_ s: SimulationSummary) -> String {
        "\(s.replications) replication\(s.replications == 1 ? "" : "s") × \(s.days) day\(s.days == 1 ? "" : "s"), seed \(s.seed)"
            + (s.replications > 1 ? "; ± = 95 % interval across replications" : "; one replication, so no intervals")
    }

    static func verdict(_ g: SimulationSummary.Group, summary: SimulationSummary, label: String?) -> ReportPage.Verdict {
        let goal = g.goal.map { "\(Format.percent($0, digits: 0)) within \(Quantities.format(duration: g.targetSeconds ?? 0))" } ?? "—"
        let result = g.serviceLevel.map { SimulationReport.percent($0) } ?? "—"
        var status = "none", statusText = "no goal", note = ""
        if let met = g.meetsGoal, let level = g.serviceLevel, let target = g.goal {
            status = met ? "meets" : "misses"
            statusText = met ? "meets the goal" : "misses the goal"
            if let lower = level.lower, let upper = level.upper, lower < target && upper >= target {
                note = "the 95 % interval includes the goal"
            }
        }
        let intervals = g.intervalsMeetingGoal.map { "\(Format.percent($0, digits: 0)) of \(g.intervalsWithContacts ?? 0)" } ?? "—"
        let worst = g.worstInterval.map { mark in
            let weekday = summary.daily.first { $0.day == mark.day }?.weekday ?? ""
            return "day \(mark.day) \(weekday) \(mark.start): \(Format.percent(mark.serviceLevel, digits: 1)) of \(Format.fixed(mark.offered, 1)) offered"
        } ?? "—"
        return ReportPage.Verdict(channel: label.map { "\(g.name) · \($0)" } ?? g.name, goal: goal, result: result, status: status,
                                  statusText: statusText, intervals: intervals, worst: worst, note: note)
    }

    static func costIntro(_ s: SimulationSummary) -> String {
        let currency = s.costs.currency.map { " (\($0))" } ?? ""
        return "The run's cost\(currency): agents' paid shift time at the standard rate, the extended-hours premium on time outside the standard hours, "
            + "proactive notices, and the total, with 95 % intervals across replications where they vary (the schedule's cost does not)."
    }

    // MARK: - Charts

    static func chart(_ svg: SVGElement, _ caption: String = "") -> ReportPage.Chart {
        ReportPage.Chart(svg: svg.render(), caption: caption)
    }

    static func serviceLevelChart(_ sides: [(name: String, series: RunSeries.ChannelSeries, color: String, dashed: Bool)], run: RunSeries,
                                  channel: Channel) -> ReportPage.Chart {
        let group = run.summary.channels.first { $0.name == channel.name }
        var references: [LineChart.Reference] = []
        if let goal = group?.goal {
            references.append(.init(label: "goal \(Format.percent(goal, digits: 0)) within \(Quantities.format(duration: group?.targetSeconds ?? 0))", value: goal))
        }
        let chart = LineChart(
            id: "service-level-\(channel.name)", title: "Service level by interval: \(channel.name)", x: run.intervalAxis,
            y: .share("service level (% within target)"),
            series: sides.map { .init(name: $0.name, color: $0.color, values: $0.series.serviceLevel, band: $0.series.serviceLevelBand, dashed: $0.dashed) },
            references: references)
        return Self.chart(chart.svg())
    }

    static func contactsChart(_ series: RunSeries.ChannelSeries, run: RunSeries) -> ReportPage.Chart {
        let chart = StackedBarChart(
            id: "contacts-\(series.channel.name)", title: "Contacts by interval: \(series.channel.name)", x: run.intervalAxis,
            y: ValueAxis(title: "contacts per interval (mean)") { Format.fixed($0, $0 < 10 && $0 != 0 ? 1 : 0) },
            series: [.init(name: "answered", color: Palette.blue, values: series.answered),
                     .init(name: "abandoned", color: Palette.vermillion, values: series.abandoned),
                     .init(name: "open at end", color: Palette.yellow, values: series.openAtEnd),
                     .init(name: "unserved (closed)", color: Palette.reddishPurple, values: series.unserved)])
        let offered = series.offered.reduce(0, +)
        return Self.chart(chart.svg(), "offered = answered + abandoned + open at end: \(Format.fixed(offered, 1)) in all; unserved \(Format.fixed(series.unserved.reduce(0, +), 1)).")
    }

    static func agentsChart(_ sides: [(label: String?, run: RunSeries)]) -> ReportPage.Chart {
        var series: [LineChart.Series] = []
        for (index, side) in sides.enumerated() {
            let suffix = side.label.map { " · \($0)" } ?? ""
            let dashed = index > 0
            series.append(.init(name: "staffed (simulated)\(suffix)", color: index == 0 ? Palette.blue : Palette.orange, values: side.run.staffed, dashed: dashed))
            series.append(.init(name: "required\(suffix)", color: index == 0 ? Palette.vermillion : Palette.reddishPurple, values: side.run.required, dashed: dashed))
            if sides.count == 1 { series.append(.init(name: "on duty (schedule)", color: Palette.bluishGreen, values: side.run.onDuty, dashed: true)) }
        }
        let chart = LineChart(id: "agents", title: "Agents staffed and required by interval", x: sides[0].run.intervalAxis,
                              y: ValueAxis(title: "agents"), series: series)
        return Self.chart(chart.svg(), "Required: intraday requirements (Erlang per channel, chat divided by its concurrency); a gap means no number of agents meets the goal, or nothing to answer.")
    }

    static func occupancyChart(_ sides: [(label: String?, run: RunSeries)]) -> ReportPage.Chart {
        let chart = LineChart(
            id: "occupancy", title: "Occupancy by interval", x: sides[0].run.intervalAxis, y: .share("occupancy (%)"),
            series: sides.enumerated().map { index, side in
                .init(name: side.label.map { "occupancy · \($0)" } ?? "occupancy", color: index == 0 ? Palette.blue : Palette.orange,
                      values: side.run.occupancy, band: side.run.occupancyBand, dashed: index > 0)
            })
        return Self.chart(chart.svg())
    }

    static func waitChart(_ sides: [(name: String, series: RunSeries.ChannelSeries, color: String)], channel: Channel, run: RunSeries) -> ReportPage.Chart {
        let target = run.summary.channels.first { $0.name == channel.name }?.targetSeconds
        let categories = WaitBands.limits.map { "≤ \(Int($0)) s" }
        let chart = ErrorBarChart(
            id: "waiting-\(channel.name)", title: "Answered within … seconds: \(channel.name)", categories: categories,
            xTitle: "wait limit (seconds)", y: .share("share of contacts (%)"),
            series: sides.map { side in
                .init(name: side.name, color: side.color, bars: side.series.withinLimit.enumerated().map { index, estimate in
                    guard estimate.mean.isFinite else { return nil }
                    let atTarget = target.map { abs($0 - WaitBands.limits[index]) < 0.5 } ?? false
                    return .init(value: estimate.mean, interval: estimate.lower.flatMap { lower in estimate.upper.map { lower...$0 } },
                                 note: atTarget && side.name == sides[0].name ? "target" : nil)
                })
            })
        return Self.chart(chart.svg())
    }

    static func ownershipCharts(_ sides: [(name: String?, summary: SimulationSummary, color: String)], steps: Bool = true) -> [ReportPage.Chart] {
        let topics = sides[0].summary.topics.filter { $0.answered.mean > 0 }
        guard !topics.isEmpty else { return [] }
        let names = topics.map(\.name)
        let leakage = ErrorBarChart(
            id: "leakage", title: "Answered outside the owning department, by topic", categories: names, xTitle: "topic",
            y: .share("share of answered contacts (%)"),
            series: sides.map { side in
                .init(name: side.name.map { "leakage · \($0)" } ?? "leakage", color: side.color, bars: names.map { name in
                    guard let topic = side.summary.topics.first(where: { $0.name == name }), let value = topic.leakage, value.mean.isFinite else { return nil }
                    return .init(value: value.mean, interval: value.lower.flatMap { lower in value.upper.map { lower...$0 } })
                })
            })
        var charts = [chart(leakage.svg())]
        if steps, let count = topics.first?.answeredAtStep?.count, count > 0 {
            let colors = [Palette.bluishGreen, Palette.skyBlue, Palette.orange, Palette.vermillion, Palette.reddishPurple]
            let stacked = StackedBarChart(
                id: "ladder-steps", title: "Step of the escalation ladder at which answered contacts were offered", x: .categories("topic", names),
                y: .share("share of answered contacts (%)"),
                series: (0..<count).map { step in
                    .init(name: "step \(step)", color: colors[step % colors.count],
                          values: topics.map { $0.answeredAtStep.map { $0[step].mean.isFinite ? $0[step].mean : 0 } ?? 0 })
                }, frame: ChartFrame(height: 280), tooltips: true)
            charts.append(chart(stacked.svg(), "step 0: owning department, proficiency ≥ 3; each later step widens the pool (docs/routing.md)."))
        }
        return charts
    }

    static func costChart(_ sides: [(name: String, run: RunSeries, color: String)]) -> ReportPage.Chart {
        let categories = ["agents at the standard rate", "extended-hours premium", "notices", "total"]
        let currency = sides[0].run.summary.costs.currency
        let chart = ErrorBarChart(
            id: "cost", title: "Cost of the run", categories: categories, xTitle: "cost item",
            y: ValueAxis(title: "cost" + (currency.map { " (\($0))" } ?? "")) { Format.grouped(Int($0.rounded())) },
            series: sides.map { side in
                let costs = side.run.summary.costs
                let premium = side.run.cost.reduce(0) { $0 + $1.premium }
                func bar(_ e: Estimate) -> ErrorBarChart.Bar? {
                    guard e.mean.isFinite else { return nil }
                    return .init(value: e.mean, interval: e.halfWidth.flatMap { $0 > 0 ? (e.lower ?? e.mean)...(e.upper ?? e.mean) : nil })
                }
                return .init(name: side.name, color: side.color, bars: [
                    .init(value: costs.agents.mean - premium), .init(value: premium), bar(costs.notices), bar(costs.total),
                ])
            })
        return Self.chart(chart.svg())
    }

    /// Bars of B − A per unit, so that no bar is dwarfed by another of another size: shares
    /// (points), real-time waits (seconds), e-mail waits (minutes), contacts, cost, cost per contact.
    static func deltaCharts(_ report: ComparisonReport) -> [ReportPage.Chart] {
        let lines = report.lines().filter { $0.key != nil }
        let currency = report.a.costs.currency ?? "currency"
        func isEmailWait(_ line: ComparisonReport.Line) -> Bool { line.kind == .seconds && line.key?.name == "email" }
        func isPerContact(_ line: ComparisonReport.Line) -> Bool { line.kind == .money && line.label.contains(" per ") }
        let groups: [(id: String, title: String, axis: String, scale: Double, format: @Sendable (Double) -> String,
                      take: (ComparisonReport.Line) -> Bool)] = [
            ("delta-service-level", "Service level and other shares: difference", "difference (percentage points)", 100, { Format.fixed($0, 1) }, { $0.kind == .percent }),
            ("delta-waits", "Average speed of answer: difference", "difference (seconds)", 1, { Format.fixed($0, 0) },
             { $0.kind == .seconds && !isEmailWait($0) }),
            ("delta-email-waits", "E-mail: average speed of answer, difference", "difference (minutes)", 1.0 / 60, { Format.fixed($0, 0) }, isEmailWait),
            ("delta-contacts", "Contacts: difference", "difference (contacts over the run)", 1, { Format.fixed($0, 0) }, { $0.kind == .count }),
            ("delta-cost", "Cost: difference", "difference (\(currency))", 1, { Format.grouped(Int($0.rounded())) },
             { $0.kind == .money && !isPerContact($0) }),
            ("delta-cost-per-contact", "Cost per contact: difference", "difference (\(currency) per contact)", 1, { Format.fixed($0, 2) }, isPerContact),
        ]
        var charts: [ReportPage.Chart] = []
        for group in groups {
            let chosen = lines.filter { group.take($0) && $0.delta.mean.isFinite }
            guard !chosen.isEmpty else { continue }
            let bars: [ErrorBarChart.Bar?] = chosen.map { line in
                let d = line.delta
                let interval = d.halfWidth.map { (d.mean - $0) * group.scale...(d.mean + $0) * group.scale }
                let (color, note): (String, String) = switch line.verdict {
                case .better: (Palette.bluishGreen, "better")
                case .worse: (Palette.vermillion, "worse")
                case .noClearDifference: (Palette.grey, "no clear difference")
                case .definitionsDiffer, .targetsDiffer: (Palette.grey, "not comparable")
                case nil: (Palette.skyBlue, "")
                }
                return .init(value: d.mean * group.scale, interval: interval, color: color, note: note.isEmpty ? nil : note)
            }
            let labels = chosen.map { line -> String in
                let label = line.label.trimmingCharacters(in: .whitespaces)
                return line.kind == .percent && line.key?.metric == "service_level" ? "SL \(label)"
                    : line.kind == .seconds ? "ASA \(label)" : label
            }
            let deltas = ErrorBarChart(
                id: group.id, title: "\(group.title) (\(report.labelB) − \(report.labelA))", categories: labels, xTitle: "figure",
                y: ValueAxis(title: group.axis, format: group.format),
                series: [.init(name: "\(report.labelB) − \(report.labelA)", color: Palette.skyBlue, bars: bars)],
                frame: ChartFrame(width: 900, height: 300, bottom: 72),
                legendNotes: [("better", Palette.bluishGreen), ("worse", Palette.vermillion), ("no clear difference", Palette.grey)])
            charts.append(chart(deltas.svg()))
        }
        return charts
    }

    /// The intervals outside the standard hours (where either side pays the premium or has
    /// contacts), summed over the run's days by time of day, side by side with their cost.
    static func eveningSection(_ a: RunSeries, _ b: RunSeries, labelA: String, labelB: String) -> ReportPage.Section? {
        let standard = a.scenario.costs.standardHours
        let perDay = a.perDay
        guard perDay == b.perDay, a.count == b.count else { return nil }
        struct Row { var answered = [0.0, 0.0]; var unserved = [0.0, 0.0]; var offered = [0.0, 0.0]; var cost = [0.0, 0.0] }
        var rows: [Int: Row] = [:]
        for position in 0..<a.count {
            let timeOfDay = Double(position % perDay) * a.scenario.run.interval
            guard !standard.contains(timeOfDay) else { continue }
            var row = rows[position % perDay] ?? Row()
            for (side, run) in [a, b].enumerated() {
                for channel in run.channels {
                    row.answered[side] += channel.answered[position]
                    row.unserved[side] += channel.unserved[position]
                    row.offered[side] += channel.offered[position]
                }
                if position < run.cost.count { row.cost[side] += run.cost[position].total }
            }
            rows[position % perDay] = row
        }
        let shown = rows.filter { $0.value.offered.contains { $0 > 0 } || $0.value.unserved.contains { $0 > 0 } || $0.value.cost.contains { $0 > 0 } }
            .sorted { $0.key < $1.key }
        guard !shown.isEmpty else { return nil }
        func clock(_ index: Int) -> String {
            let minutes = Int(Double(index) * a.scenario.run.interval / 60)
            let h = minutes / 60, m = minutes % 60
            return (h < 10 ? "0" : "") + "\(h):" + (m < 10 ? "0" : "") + "\(m)"
        }
        let times = shown.map { clock($0.key) }
        let currency = a.summary.costs.currency
        let chart = ErrorBarChart(
            id: "evening", title: "Outside the standard hours: answered and unserved, by time of day (over the run)", categories: times,
            xTitle: "interval starting at (time of day)", y: ValueAxis(title: "contacts over the run (mean)"),
            series: [.init(name: "answered · \(labelA)", color: Palette.blue, bars: shown.map { .init(value: $0.value.answered[0]) }),
                     .init(name: "answered · \(labelB)", color: Palette.orange, bars: shown.map { .init(value: $0.value.answered[1]) }),
                     .init(name: "unserved · \(labelA)", color: Palette.skyBlue, bars: shown.map { .init(value: $0.value.unserved[0]) }),
                     .init(name: "unserved · \(labelB)", color: Palette.vermillion, bars: shown.map { .init(value: $0.value.unserved[1]) })])
        let costChart = ErrorBarChart(
            id: "evening-cost", title: "Outside the standard hours: agents' cost by time of day (over the run)", categories: times,
            xTitle: "interval starting at (time of day)",
            y: ValueAxis(title: "cost" + (currency.map { " (\($0))" } ?? "")) { Format.grouped(Int($0.rounded())) },
            series: [.init(name: labelA, color: Palette.blue, bars: shown.map { .init(value: $0.value.cost[0]) }),
                     .init(name: labelB, color: Palette.orange, bars: shown.map { .init(value: $0.value.cost[1]) })])
        let table = ReportPage.Table(
            caption: "Intervals outside the standard hours (\(clock(Int(standard.start / a.scenario.run.interval)))–\(clock(Int(standard.end / a.scenario.run.interval)))), summed over the run's days",
            header: ["from", "answered · \(labelA)", "unserved · \(labelA)", "cost · \(labelA)", "answered · \(labelB)", "unserved · \(labelB)", "cost · \(labelB)"],
            rows: shown.map { entry in
                [clock(entry.key), Format.fixed(entry.value.answered[0], 1), Format.fixed(entry.value.unserved[0], 1), Format.grouped(Int(entry.value.cost[0].rounded())),
                 Format.fixed(entry.value.answered[1], 1), Format.fixed(entry.value.unserved[1], 1), Format.grouped(Int(entry.value.cost[1].rounded()))]
            })
        return ReportPage.Section(
            id: "extended-hours", heading: "Extended hours: the intervals outside the standard hours",
            intro: "What each side does outside the standard hours: contacts answered and left unserved (arrived while closed), and what the agents working then cost, premium included.",
            charts: [Self.chart(chart.svg()), Self.chart(costChart.svg())], tables: [table])
    }
}
