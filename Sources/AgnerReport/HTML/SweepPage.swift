import AgnerSim

extension HTMLReport {
    /// The most points charted: beyond it the bars would be too thin to read, and the page
    /// gives the table alone.
    static let sweepChartPoints = 60

    /// A sweep as one self-contained page: per channel, the service level of every point with
    /// its 95 % interval, coloured by whether the interval clears the goal; then abandonment,
    /// occupancy and cost per point; then the sweep's table. Every point sees the same
    /// customers, so neighbouring bars differ by the settings alone.
    public static func sweep(_ s: SweepSummary) -> String {
        let points = s.points
        let settings = points.map { $0.values.joined(separator: " · ") }
        // One short axis labels the bars by its values; otherwise the points are numbered as
        // in the key below the charts.
        let numbered = s.axes.count > 1 || settings.contains { $0.count > 12 }
        let categories = numbered ? points.indices.map { String($0 + 1) } : settings
        let charted = points.count <= sweepChartPoints
        let xTitle = numbered ? "point (key below)" : s.axes.joined(separator: " · ")
        let key = ReportPage.Table(caption: "The points", header: ["point"] + s.axes,
                                   rows: points.enumerated().map { [String($0.offset + 1)] + $0.element.values })
        func bar(_ e: Estimate, scale: Double = 1, color: String? = nil, note: String? = nil) -> ErrorBarChart.Bar? {
            guard e.mean.isFinite else { return nil }
            let interval = e.halfWidth.flatMap { h -> ClosedRange<Double>? in
                guard h > 0, let lower = e.lower, let upper = e.upper else { return nil }
                return lower * scale...upper * scale
            }
            return .init(value: e.mean * scale, interval: interval, color: color, note: note)
        }
        var sections: [ReportPage.Section] = []
        if charted {
            let channels = points.first?.channels.map(\.channel) ?? []
            sections.append(ReportPage.Section(
                id: "service-level", heading: "Service level by point",
                intro: "Per channel, the share of contacts answered within the target (\(s.serviceLevelDefinition)), with its 95 % interval across replications. "
                    + "Green: the interval clears the goal; red: it lies below; grey: too close to call with \(s.replications) replications. "
                    + "A point with neither bar nor mark had no contacts on the channel (no service level).",
                charts: channels.enumerated().map { index, channel in
                    let figures = points.map { $0.channels[index] }
                    let goal = figures.first?.goal ?? 0
                    let target = figures.first?.targetSeconds ?? 0
                    var bars = ErrorBarChart(
                        id: "service-level-\(channel)",
                        title: "\(channel): goal \(Format.fixed(goal * 100, 0)) % within \(Quantities.format(duration: target))",
                        categories: categories, xTitle: xTitle, y: .share("service level"),
                        series: [.init(name: channel, color: Palette.blue, bars: figures.map { f in
                            let (color, note): (String, String) = switch f.meetsGoal {
                            case true?: (Palette.bluishGreen, "✓")
                            case false?: (Palette.vermillion, "✗")
                            case nil: (Palette.grey, "~")
                            }
                            return bar(f.serviceLevel, color: color, note: note)
                        })],
                        legendNotes: [("meets the goal", Palette.bluishGreen), ("misses it", Palette.vermillion), ("too close to call", Palette.grey)])
                    bars.seriesInLegend = false
                    return Self.chart(bars.svg())
                }))
            var others: [ReportPage.Chart] = []
            if points.contains(where: { $0.abandonRate != nil }) {
                others.append(chart(ErrorBarChart(
                    id: "abandoned", title: "Abandoned ÷ offered, real-time channels", categories: categories, xTitle: xTitle,
                    y: .share("abandoned"), series: [.init(name: "abandoned", color: Palette.orange, bars: points.map { $0.abandonRate.flatMap { bar($0) } })]).svg()))
            }
            others.append(chart(ErrorBarChart(
                id: "occupancy", title: "Occupancy", categories: categories, xTitle: xTitle,
                y: .share("occupancy"), series: [.init(name: "occupancy", color: Palette.skyBlue, bars: points.map { bar($0.occupancy) })]).svg()))
            if points.contains(where: { $0.cost.mean > 0 }) {
                others.append(chart(ErrorBarChart(
                    id: "cost", title: "Cost of the run", categories: categories, xTitle: xTitle,
                    y: ValueAxis(title: "cost" + (s.currency.map { " (\($0))" } ?? "")) { Format.grouped(Int($0.rounded())) },
                    series: [.init(name: "cost", color: Palette.reddishPurple, bars: points.map { bar($0.cost) })]).svg()))
            }
            sections.append(ReportPage.Section(
                id: "points", heading: "Abandonment, occupancy and cost by point",
                intro: "Means over replications with their 95 % intervals.", charts: others, tables: numbered ? [key] : []))
        } else {
            sections.append(ReportPage.Section(
                id: "points", heading: "Points",
                intro: "\(Format.grouped(points.count)) points are more than a chart can show legibly (at most \(sweepChartPoints)); the table below has them all.",
                charts: []))
        }
        // Which points keep every goal, and the cheapest of them: what a planner looks for first.
        let keeping = points.filter { $0.channels.allSatisfy { $0.meetsGoal == true } }
        func name(_ point: SweepSummary.Point) -> String {
            let text = point.values.joined(separator: " · ")
            let short = text.count > 60 ? String(text.prefix(57)) + "…" : text
            return numbered ? "\(point.point + 1) (\(short))" : short
        }
        var notes = ["\(Format.grouped(keeping.count)) of \(Format.grouped(points.count)) points keep every channel's goal (the service level's 95 % interval clears it)"
            + (keeping.isEmpty ? "." : ": " + keeping.prefix(12).map(name).joined(separator: "; ") + (keeping.count > 12 ? "; and \(keeping.count - 12) more." : "."))]
        if let cheapest = keeping.filter({ $0.cost.mean > 0 }).min(by: { $0.cost.mean < $1.cost.mean }) {
            notes.append("The cheapest of them: \(name(cheapest)), costing \(SweepReport.money(cheapest.cost))\(s.currency.map { " " + $0 } ?? "").")
        }
        let variant = s.variant.map { " · variant \($0)" } ?? ""
        let page = ReportPage(
            title: "sweep of \(s.scenario)\(variant)",
            subtitle: ["\(Format.grouped(points.count)) point\(points.count == 1 ? "" : "s") × \(s.replications) replication\(s.replications == 1 ? "" : "s") × \(s.days) day\(s.days == 1 ? "" : "s"), seed \(s.seed); \(SweepReport.randomNumbers(s))",
                       "axes: " + s.axes.joined(separator: ", ")],
            verdictHeading: "Points that keep every goal", verdicts: [], verdictNotes: notes, sections: sections,
            textTables: [ReportPage.TextBlock(heading: "The sweep", text: SweepReport.table(s))],
            footnote: "whiskers are 95 % intervals across replications.")
        return page.render()
    }
}
