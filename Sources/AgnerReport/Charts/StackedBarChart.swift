/// Bars over consecutive positions (intervals, or categories), each split into the series
/// stacked from the bottom in the order given: offered = answered + abandoned + open at end,
/// with unserved on top, say.
///
/// The SVG is a `<svg class="chart" data-chart=ID data-kind="stacked-bars">` with one
/// `<g class="series" data-series=NAME>` per series holding a `rect` per position where the
/// series is above zero (each with a `<title>` giving the value when `tooltips` is on).
public struct StackedBarChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var color: String
        /// One value per position (not negative).
        public var values: [Double]

        public init(name: String, color: String, values: [Double]) {
            self.name = name
            self.color = color
            self.values = values
        }
    }

    public var id: String
    public var title: String
    public var x: PositionAxis
    public var y: ValueAxis
    public var series: [Series]
    public var frame: ChartFrame
    /// A `<title>` on every bar piece (hover shows the value): worth it for a few categories,
    /// too heavy for a week of intervals.
    public var tooltips: Bool

    public init(id: String, title: String, x: PositionAxis, y: ValueAxis, series: [Series], frame: ChartFrame = ChartFrame(), tooltips: Bool = false) {
        self.id = id
        self.title = title
        self.x = x
        self.y = y
        self.series = series
        self.frame = frame
        self.tooltips = tooltips
    }

    /// The height of each stack.
    public var totals: [Double] {
        (0..<x.count).map { position in series.reduce(0) { $0 + max(0, position < $1.values.count ? $1.values[position] : 0) } }
    }

    /// - Complexity: O(series × positions).
    public func svg() -> SVGElement {
        var root = ChartParts.root(id: id, kind: "stacked-bars", title: title, frame: frame)
        let yScale = LinearScale(domain: y.range ?? LinearScale.fitting(totals), range: (frame.height - frame.bottom, frame.top))
        let slot = frame.plotWidth / Double(max(1, x.count))
        let xScale = { (position: Double) in frame.left + position * slot }
        root.append(ChartParts.valueAxis(y, scale: yScale, frame: frame))
        let width = coordinate(max(0.5, slot * (x.count > 60 ? 0.9 : 0.7)))
        let inset = slot * (x.count > 60 ? 0.05 : 0.15)
        var base = [Double](repeating: 0, count: x.count)
        for item in series {
            var group = SVGElement("g", [("class", "series"), ("data-series", item.name), ("fill", item.color)])
            for position in 0..<min(x.count, item.values.count) {
                let value = item.values[position]
                guard value > 0, value.isFinite else { continue }
                let top = yScale(base[position] + value), bottom = yScale(base[position])
                var piece = SVGElement("rect", [("x", coordinate(xScale(Double(position)) + inset)), ("y", coordinate(top)), ("width", width),
                                                ("height", coordinate(max(0.1, bottom - top)))])
                if tooltips { piece.append(SVGElement("title", text: "\(item.name): \(y.format(value))")) }
                group.append(piece)
                base[position] += value
            }
            root.append(group)
        }
        root.append(ChartParts.positionAxis(x, x: xScale, frame: frame, centered: true))
        root.append(ChartParts.legend(series.map { (name: $0.name, color: $0.color, dashed: false, line: false) }, frame: frame))
        return root
    }
}
