import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import AgnerReport

/// Charts are checked by the structure of their SVG (parsed as XML), never by pixels.
@Suite("Charts")
struct ChartTests {
    /// Parses rendered SVG; fails the test if it is not well-formed XML.
    static func parse(_ element: SVGElement) throws -> XMLElement {
        try parse(svg: element.render())
    }

    /// FoundationXML on Linux finds no attribute of an element in a default namespace, so the
    /// SVG namespace is checked here and left out of the parse.
    static func parse(svg text: String) throws -> XMLElement {
        let namespace = " xmlns=\"http://www.w3.org/2000/svg\""
        #expect(text.hasPrefix("<svg" + namespace))
        let document = try XMLDocument(xmlString: text.replacingOccurrences(of: namespace, with: ""), options: [])
        return try #require(document.rootElement())
    }

    /// Elements (anywhere below `root`) with this name whose attribute has this value.
    static func find(_ root: XMLElement, _ name: String, _ attribute: String? = nil, _ value: String? = nil) -> [XMLElement] {
        var out: [XMLElement] = []
        func visit(_ element: XMLElement) {
            if element.name == name, attribute.map({ a in value.map { element.attribute(forName: a)?.stringValue == $0 } ?? (element.attribute(forName: a) != nil) }) ?? true {
                out.append(element)
            }
            for child in element.children ?? [] { if let child = child as? XMLElement { visit(child) } }
        }
        visit(root)
        return out
    }

    static func classed(_ root: XMLElement, _ name: String, _ className: String) -> [XMLElement] {
        find(root, name).filter { ($0.attribute(forName: "class")?.stringValue ?? "").split(separator: " ").contains(Substring(className)) }
    }

    static let week = PositionAxis(title: "day and time of day", count: 14, ticks: [(3, "12:00"), (10, "12:00")],
                                   separators: [(0, "day 0 mon"), (7, "day 1 tue")])

    @Test("a line chart draws each series as a line with its 95 % band, the goal as a labelled line, titled axes and a legend")
    func lineChartStructure() throws {
        let values: [Double?] = (0..<14).map { Double($0) / 14 }
        let bands: [ClosedRange<Double>?] = values.map { value in value.map { ($0 - 0.05)...($0 + 0.05) } }
        let phone = LineChart.Series(name: "phone", color: Palette.blue, values: values, band: bands)
        let chart = LineChart(
            id: "service-level-phone", title: "Service level by interval: phone", x: Self.week, y: .share("service level (% within target)"),
            series: [phone], references: [LineChart.Reference(label: "goal 80 %", value: 0.8)])
        let svg = try Self.parse(chart.svg())
        #expect(svg.name == "svg")
        #expect(svg.attribute(forName: "data-chart")?.stringValue == "service-level-phone")
        #expect(svg.attribute(forName: "data-kind")?.stringValue == "line")
        let series = try #require(Self.find(svg, "g", "data-series", "phone").first { $0.attribute(forName: "class")?.stringValue == "series" })
        let line = try #require(Self.classed(series, "path", "line").first)
        let band = try #require(Self.classed(series, "path", "band").first)
        // One segment of 14 points: a move and 13 lines.
        let d = try #require(line.attribute(forName: "d")?.stringValue)
        #expect(d.filter { $0 == "M" }.count == 1 && d.filter { $0 == "L" }.count == 13)
        #expect(band.attribute(forName: "d")?.stringValue?.hasSuffix("Z") == true)
        #expect(Self.find(svg, "g", "data-reference", "goal 80 %").count == 1)
        let titles = Self.classed(svg, "text", "axis-title").compactMap(\.stringValue)
        #expect(titles.contains("service level (% within target)") && titles.contains("day and time of day"))
        #expect(Self.classed(svg, "text", "chart-title").first?.stringValue == "Service level by interval: phone")
        let legend = Self.classed(svg, "g", "legend-item").compactMap { $0.attribute(forName: "data-series")?.stringValue }
        #expect(legend.contains("phone") && legend.contains("goal 80 %") && legend.contains("shaded: 95 % interval"))
        // Days marked: a separator and a label per day.
        #expect(Self.classed(svg, "line", "day-separator").count == 2)
        #expect(Self.classed(svg, "text", "day-label").compactMap(\.stringValue) == ["day 0 mon", "day 1 tue"])
        // The y ticks of a share read as percentages, 0 % to 100 %.
        let ticks = Self.classed(try #require(Self.classed(svg, "g", "axis-y").first), "text", "tick").compactMap(\.stringValue)
        #expect(ticks.first == "0 %" && ticks.last == "100 %")
    }

    @Test("a missing value breaks the line: no contacts is not drawn as a service level")
    func lineChartGaps() throws {
        let chart = LineChart(id: "gaps", title: "gaps", x: .categories("x", ["a", "b", "c", "d", "e"]), y: .share("y"),
                              series: [.init(name: "s", color: Palette.blue, values: [0.5, nil, 0.6, 0.7, nil])])
        let svg = try Self.parse(chart.svg())
        let d = try #require(Self.classed(svg, "path", "line").first?.attribute(forName: "d")?.stringValue)
        #expect(d.filter { $0 == "M" }.count == 1 && d.filter { $0 == "L" }.count == 1)  // c–d
        #expect(Self.classed(svg, "circle", "point").count == 1)  // a alone
        #expect(Self.classed(svg, "path", "band").isEmpty)  // no band given
    }

    @Test("stacked bars put each series on top of the one before, and draw nothing for zero")
    func stackedBars() throws {
        let chart = StackedBarChart(id: "contacts", title: "Contacts", x: .categories("interval", ["08:00", "08:30"]),
                                    y: ValueAxis(title: "contacts", range: 0...10),
                                    series: [.init(name: "answered", color: Palette.blue, values: [4, 2]),
                                             .init(name: "abandoned", color: Palette.vermillion, values: [1, 0])],
                                    frame: ChartFrame(width: 200, height: 140, left: 20, right: 0, top: 20, bottom: 20))
        #expect(chart.totals == [5, 2])
        let svg = try Self.parse(chart.svg())
        #expect(svg.attribute(forName: "data-kind")?.stringValue == "stacked-bars")
        let answered = Self.find(try #require(Self.find(svg, "g", "data-series", "answered").first { $0.attribute(forName: "class")?.stringValue == "series" }), "rect")
        let abandoned = Self.find(try #require(Self.find(svg, "g", "data-series", "abandoned").first { $0.attribute(forName: "class")?.stringValue == "series" }), "rect")
        #expect(answered.count == 2 && abandoned.count == 1)
        func number(_ e: XMLElement, _ name: String) -> Double { Double(e.attribute(forName: name)?.stringValue ?? "") ?? .nan }
        // Plot height 100 for 0–10: 4 contacts are 40 high, from the baseline at 120.
        #expect(abs(number(answered[0], "height") - 40) < 0.2 && abs(number(answered[0], "y") - 80) < 0.2)
        // The abandoned contact sits on top of the answered ones.
        #expect(abs(number(abandoned[0], "y") + number(abandoned[0], "height") - number(answered[0], "y")) < 0.2)
        #expect(abs(number(abandoned[0], "height") - 10) < 0.2)
    }

    @Test("bars with error bars: whiskers with caps, a zero line below zero, side by side series and notes under the bars")
    func errorBars() throws {
        let chart = ErrorBarChart(
            id: "delta", title: "Service level: difference", categories: ["phone", "chat"], xTitle: "figure",
            y: ValueAxis(title: "difference (percentage points)"),
            series: [.init(name: "B − A", color: Palette.skyBlue, bars: [
                .init(value: 3.1, interval: 1.9...4.3, color: Palette.bluishGreen, note: "better"),
                .init(value: -0.4, interval: -2.4...1.6, color: Palette.grey, note: "no clear difference")])],
            legendNotes: [("better", Palette.bluishGreen)])
        let svg = try Self.parse(chart.svg())
        let bars = Self.classed(svg, "g", "bar")
        #expect(bars.compactMap { $0.attribute(forName: "data-category")?.stringValue } == ["phone", "chat"])
        #expect(Self.classed(svg, "line", "error").count == 2 && Self.classed(svg, "line", "error-cap").count == 4)
        #expect(Self.classed(svg, "line", "zero").count == 1)
        #expect(Self.classed(svg, "text", "note").compactMap(\.stringValue) == ["better", "no clear difference"])
        let fills = bars.compactMap { Self.find($0, "rect").first?.attribute(forName: "fill")?.stringValue }
        #expect(fills == [Palette.bluishGreen, Palette.grey])
        // The negative bar hangs below the zero line.
        let zero = Double(Self.classed(svg, "line", "zero")[0].attribute(forName: "y1")!.stringValue!)!
        let negative = Self.find(bars[1], "rect")[0]
        #expect(abs(Double(negative.attribute(forName: "y")!.stringValue!)! - zero) < 0.2)

        let sides = ErrorBarChart(id: "two", title: "two", categories: ["a"], xTitle: "x", y: ValueAxis(title: "y"),
                                  series: [.init(name: "A", color: Palette.blue, bars: [.init(value: 1)]),
                                           .init(name: "B", color: Palette.orange, bars: [.init(value: 2)])])
        let rects = Self.classed(try Self.parse(sides.svg()), "g", "bar").map { Self.find($0, "rect")[0] }
        let xs = rects.compactMap { Double($0.attribute(forName: "x")?.stringValue ?? "") }
        #expect(xs.count == 2 && xs[0] < xs[1])  // side by side
    }

    @Test("value-axis labels never repeat: a whole-number axis over a small range gets fewer, wider ticks")
    func tickLabelsDiffer() {
        let scale = LinearScale(domain: -0.4...1.3, range: (from: 200, to: 20))
        let whole = ValueAxis(title: "difference") { Format.grouped(Int($0.rounded())) }
        // Round ticks 0.5 apart would read "0, 1, 1" with this format (the measured fault).
        #expect(Set(scale.ticks().map(whole.format)).count < scale.ticks().count)
        let labels = ChartParts.labelledTicks(whole, scale: scale).map(whole.format)
        #expect(!labels.isEmpty && Set(labels).count == labels.count, "\(labels)")
        // A format that tells them apart keeps the finer ticks.
        let fine = ValueAxis(title: "difference") { Format.fixed($0, 1) }
        #expect(ChartParts.labelledTicks(fine, scale: scale) == scale.ticks())
    }

    @Test("labels are escaped: a name with markup stays text")
    func escaping() throws {
        let chart = StackedBarChart(id: "x", title: "a <b> & \"c\"", x: .categories("t", ["<script>"]), y: ValueAxis(title: "y"),
                                    series: [.init(name: "s&s", color: Palette.blue, values: [1])], tooltips: true)
        let text = chart.svg().render()
        #expect(!text.contains("<script>") && !text.contains("<b>"))
        let svg = try Self.parse(chart.svg())
        #expect(Self.classed(svg, "text", "chart-title").first?.stringValue == "a <b> & \"c\"")
        #expect(Self.find(svg, "g", "data-series", "s&s").count >= 1)
    }

    @Test("the palette is Okabe–Ito, and series take its colours in turn")
    func palette() {
        #expect(Set(Palette.series + [Palette.black]) == ["#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"])
        #expect(Palette.series(0) == Palette.blue && Palette.series(Palette.series.count) == Palette.blue)
    }

    @Test("value axes tick at round numbers and start at zero")
    func roundTicks() {
        let scale = LinearScale(domain: LinearScale.fitting([3, 47]), range: (100, 0))
        let ticks = scale.ticks()
        #expect(ticks.first == 0)
        #expect(ticks.allSatisfy { ($0 / 10).rounded() == $0 / 10 })
    }
}
