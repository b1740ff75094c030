/// Lines over consecutive positions (the intervals of a run), each with an optional band (its
/// 95 % interval), and horizontal reference lines (a goal). A missing value breaks the line:
/// an interval without contacts has no service level, and the chart does not pretend it has.
///
/// The SVG is a `<svg class="chart" data-chart=ID data-kind="line">` with one
/// `<g class="series" data-series=NAME>` per series holding its `path.band` and `path.line`,
/// one `<g class="reference" data-reference=LABEL>` per reference line, axes and a legend.
public struct LineChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var color: String
        /// One value per position; nil where undefined.
        public var values: [Double?]
        /// The band around each value (e.g. its 95 % interval); nil where none.
        public var band: [ClosedRange<Double>?]
        public var dashed: Bool

        public init(name: String, color: String, values: [Double?], band: [ClosedRange<Double>?] = [], dashed: Bool = false) {
            self.name = name
            self.color = color
            self.values = values
            self.band = band
            self.dashed = dashed
        }
    }

    /// A horizontal line across the plot at `value`, labelled (a goal).
    public struct Reference: Sendable {
        public var label: String
        public var value: Double
        public var color: String

        public init(label: String, value: Double, color: String = Palette.black) {
            self.label = label
            self.value = value
            self.color = color
        }
    }

    public var id: String
    public var title: String
    public var x: PositionAxis
    public var y: ValueAxis
    public var series: [Series]
    public var references: [Reference]
    public var frame: ChartFrame

    public init(id: String, title: String, x: PositionAxis, y: ValueAxis, series: [Series], references: [Reference] = [],
                frame: ChartFrame = ChartFrame()) {
        self.id = id
        self.title = title
        self.x = x
        self.y = y
        self.series = series
        self.references = references
        self.frame = frame
    }

    /// - Complexity: O(series × positions).
    public func svg() -> SVGElement {
        var root = ChartParts.root(id: id, kind: "line", title: title, frame: frame)
        var everything = series.flatMap { $0.values.compactMap { $0 } }
        everything += series.flatMap { $0.band.compactMap { $0.map { [$0.lowerBound, $0.upperBound] } }.flatMap { $0 } }
        everything += references.map(\.value)
        let yScale = LinearScale(domain: y.range ?? LinearScale.fitting(everything), range: (frame.height - frame.bottom, frame.top))
        let span = Double(max(1, x.count - 1))
        let xScale = { (position: Double) in frame.left + position / span * frame.plotWidth }
        root.append(ChartParts.valueAxis(y, scale: yScale, frame: frame))
        root.append(ChartParts.positionAxis(x, x: xScale, frame: frame, centered: false))
        func clamp(_ value: Double) -> Double {
            let domain = yScale.domain
            return min(max(value, domain.lowerBound), domain.upperBound)
        }
        for item in series {
            var group = SVGElement("g", [("class", "series"), ("data-series", item.name)])
            // The band: one closed shape per run of positions that have one.
            var bandPath = ""
            var run: [(Int, ClosedRange<Double>)] = []
            func closeRun() {
                guard !run.isEmpty else { return }
                bandPath += "M" + run.map { "\(coordinate(xScale(Double($0.0)))),\(coordinate(yScale(clamp($0.1.upperBound))))" }.joined(separator: "L")
                bandPath += "L" + run.reversed().map { "\(coordinate(xScale(Double($0.0)))),\(coordinate(yScale(clamp($0.1.lowerBound))))" }.joined(separator: "L") + "Z"
                run = []
            }
            for (position, range) in item.band.enumerated() {
                if let range, range.lowerBound.isFinite, range.upperBound.isFinite { run.append((position, range)) } else { closeRun() }
            }
            closeRun()
            if !bandPath.isEmpty {
                group.append(SVGElement("path", [("class", "band"), ("d", bandPath), ("fill", item.color), ("fill-opacity", "0.2"), ("stroke", "none")]))
            }
            // The line: a new segment after every gap; a lone point is drawn as a dot.
            var linePath = ""
            var dots: [SVGElement] = []
            var segment: [(Int, Double)] = []
            func closeSegment() {
                if segment.count == 1 {
                    dots.append(SVGElement("circle", [("class", "point"), ("cx", coordinate(xScale(Double(segment[0].0)))),
                                                      ("cy", coordinate(yScale(clamp(segment[0].1)))), ("r", "2"), ("fill", item.color)]))
                } else if segment.count > 1 {
                    linePath += "M" + segment.map { "\(coordinate(xScale(Double($0.0)))),\(coordinate(yScale(clamp($0.1))))" }.joined(separator: "L")
                }
                segment = []
            }
            for (position, value) in item.values.enumerated() {
                if let value, value.isFinite { segment.append((position, value)) } else { closeSegment() }
            }
            closeSegment()
            var attributes = [("class", "line"), ("d", linePath.isEmpty ? "M0,0" : linePath), ("fill", "none"), ("stroke", item.color),
                              ("stroke-width", "1.8"), ("stroke-linejoin", "round")]
            if item.dashed { attributes.append(("stroke-dasharray", "5 3")) }
            if linePath.isEmpty { attributes.append(("visibility", "hidden")) }
            group.append(SVGElement("path", attributes))
            group.children += dots
            root.append(group)
        }
        for reference in references {
            let yValue = coordinate(yScale(clamp(reference.value)))
            root.append(SVGElement("g", [("class", "reference"), ("data-reference", reference.label)], children: [
                SVGElement("line", [("x1", coordinate(frame.left)), ("x2", coordinate(frame.width - frame.right)), ("y1", yValue), ("y2", yValue),
                                    ("stroke", reference.color), ("stroke-width", "1.2"), ("stroke-dasharray", "2 2")]),
                SVGElement("text", [("class", "reference-label"), ("x", coordinate(frame.width - frame.right - 4)), ("y", coordinate(yScale(clamp(reference.value)) - 4)),
                                    ("text-anchor", "end")], text: reference.label),
            ]))
        }
        var legend = series.map { (name: $0.name, color: $0.color, dashed: $0.dashed, line: true) }
        if series.contains(where: { $0.band.contains { $0 != nil } }) { legend.append((name: "shaded: 95 % interval", color: Palette.grey, dashed: false, line: false)) }
        legend += references.map { (name: $0.label, color: $0.color, dashed: true, line: true) }
        root.append(ChartParts.legend(legend, frame: frame))
        return root
    }
}
