/// Bars by category with error bars (a 95 % interval): side by side when there are several
/// series (the two sides of a comparison), a zero line when values go below zero (deltas), and
/// an optional note under each bar ("better", "no clear difference").
///
/// The SVG is a `<svg class="chart" data-chart=ID data-kind="error-bars">` with one
/// `<g class="series" data-series=NAME>` per series; each bar is a `<g class="bar"
/// data-category=CATEGORY>` holding a `rect`, and a `line.error` (with its caps) when it has
/// an interval; notes are `text.note`.
public struct ErrorBarChart: Sendable {
    public struct Bar: Sendable {
        public var value: Double
        /// The 95 % interval, if known.
        public var interval: ClosedRange<Double>?
        /// A colour of its own (e.g. by verdict); nil uses the series'.
        public var color: String?
        /// Written under the bar.
        public var note: String?

        public init(value: Double, interval: ClosedRange<Double>? = nil, color: String? = nil, note: String? = nil) {
            self.value = value
            self.interval = interval
            self.color = color
            self.note = note
        }
    }

    public struct Series: Sendable {
        public var name: String
        public var color: String
        /// One bar per category; nil leaves the category empty.
        public var bars: [Bar?]

        public init(name: String, color: String, bars: [Bar?]) {
            self.name = name
            self.color = color
            self.bars = bars
        }
    }

    public var id: String
    public var title: String
    public var categories: [String]
    public var xTitle: String
    public var y: ValueAxis
    public var series: [Series]
    public var frame: ChartFrame
    /// Extra legend entries (e.g. what the verdict colours mean).
    public var legendNotes: [(name: String, color: String)]
    /// Whether the series have legend entries: not when every bar has a colour of its own
    /// (by verdict), which the notes explain.
    public var seriesInLegend = true

    public init(id: String, title: String, categories: [String], xTitle: String, y: ValueAxis, series: [Series],
                frame: ChartFrame = ChartFrame(width: 900, height: 280), legendNotes: [(name: String, color: String)] = []) {
        self.id = id
        self.title = title
        self.categories = categories
        self.xTitle = xTitle
        self.y = y
        self.series = series
        self.frame = frame
        self.legendNotes = legendNotes
    }

    /// - Complexity: O(series × categories).
    public func svg() -> SVGElement {
        var root = ChartParts.root(id: id, kind: "error-bars", title: title, frame: frame)
        var values: [Double] = []
        for item in series {
            for case let bar? in item.bars {
                values.append(bar.value)
                if let interval = bar.interval { values += [interval.lowerBound, interval.upperBound] }
            }
        }
        let yScale = LinearScale(domain: y.range ?? LinearScale.fitting(values), range: (frame.height - frame.bottom, frame.top))
        let slot = frame.plotWidth / Double(max(1, categories.count))
        let groupWidth = slot * 0.7
        let barWidth = groupWidth / Double(max(1, series.count))
        root.append(ChartParts.valueAxis(y, scale: yScale, frame: frame))
        let zero = yScale(min(max(0, yScale.domain.lowerBound), yScale.domain.upperBound))
        func clamp(_ value: Double) -> Double { min(max(value, yScale.domain.lowerBound), yScale.domain.upperBound) }
        for (index, item) in series.enumerated() {
            var group = SVGElement("g", [("class", "series"), ("data-series", item.name)])
            for (category, bar) in item.bars.enumerated() where category < categories.count {
                guard let bar, bar.value.isFinite else { continue }
                let left = frame.left + Double(category) * slot + (slot - groupWidth) / 2 + Double(index) * barWidth
                let top = yScale(clamp(bar.value))
                var element = SVGElement("g", [("class", "bar"), ("data-category", categories[category])])
                element.append(SVGElement("rect", [("x", coordinate(left + barWidth * 0.1)), ("y", coordinate(min(top, zero))),
                                                   ("width", coordinate(barWidth * 0.8)), ("height", coordinate(max(0.5, abs(zero - top)))),
                                                   ("fill", bar.color ?? item.color)],
                                        children: [SVGElement("title", text: "\(item.name) · \(categories[category]): \(y.format(bar.value))"
                                                              + (bar.interval.map { " (95 %: \(y.format($0.lowerBound)) to \(y.format($0.upperBound)))" } ?? ""))]))
                if let interval = bar.interval {
                    let middle = coordinate(left + barWidth / 2)
                    let low = coordinate(yScale(clamp(interval.lowerBound))), high = coordinate(yScale(clamp(interval.upperBound)))
                    let capLeft = coordinate(left + barWidth * 0.3), capRight = coordinate(left + barWidth * 0.7)
                    element.append(SVGElement("line", [("class", "error"), ("x1", middle), ("x2", middle), ("y1", low), ("y2", high),
                                                       ("stroke", Palette.black), ("stroke-width", "1.2")]))
                    element.append(SVGElement("line", [("class", "error-cap"), ("x1", capLeft), ("x2", capRight), ("y1", low), ("y2", low),
                                                       ("stroke", Palette.black), ("stroke-width", "1.2")]))
                    element.append(SVGElement("line", [("class", "error-cap"), ("x1", capLeft), ("x2", capRight), ("y1", high), ("y2", high),
                                                       ("stroke", Palette.black), ("stroke-width", "1.2")]))
                }
                if let note = bar.note {
                    element.append(SVGElement("text", [("class", "note"), ("x", coordinate(left + barWidth / 2)),
                                                       ("y", coordinate(frame.height - frame.bottom + 28)), ("text-anchor", "middle")], text: note))
                }
                group.append(element)
            }
            root.append(group)
        }
        if yScale.domain.lowerBound < 0 {
            root.append(SVGElement("line", [("class", "zero"), ("x1", coordinate(frame.left)), ("x2", coordinate(frame.width - frame.right)),
                                            ("y1", coordinate(zero)), ("y2", coordinate(zero)), ("stroke", Palette.black), ("stroke-width", "1")]))
        }
        // Every category labelled while the labels fit side by side, else every n-th (the bars
        // keep their full label in `data-category` and their tooltip).
        let longest = Double(categories.map(\.count).max() ?? 1)
        let every = max(1, Int(((longest * 6.5 + 8) * Double(categories.count) / frame.plotWidth).rounded(.up)))
        let axis = PositionAxis(title: xTitle, count: categories.count,
                                ticks: categories.enumerated().filter { $0.offset % every == 0 }.map { ($0.offset, $0.element) })
        root.append(ChartParts.positionAxis(axis, x: { frame.left + $0 * slot }, frame: frame, centered: true))
        var legend = seriesInLegend ? series.map { (name: $0.name, color: $0.color, dashed: false, line: false) } : []
        legend += legendNotes.map { (name: $0.name, color: $0.color, dashed: false, line: false) }
        legend.append((name: "whiskers: 95 % interval", color: Palette.black, dashed: false, line: true))
        root.append(ChartParts.legend(legend, frame: frame))
        return root
    }
}
