/// The Okabe–Ito palette: eight colours that people with any common colour-vision deficiency
/// can tell apart (Okabe & Ito, "Color Universal Design", 2008). Series take them in order;
/// charts never rely on colour alone (lines are also dashed, bars are labelled in the legend).
public enum Palette {
    public static let black = "#000000"
    public static let orange = "#E69F00"
    public static let skyBlue = "#56B4E9"
    public static let bluishGreen = "#009E73"
    public static let yellow = "#F0E442"
    public static let blue = "#0072B2"
    public static let vermillion = "#D55E00"
    public static let reddishPurple = "#CC79A7"
    /// Neutral grey for "no clear difference" and reference marks.
    public static let grey = "#999999"

    /// Series colours in the order charts use them (black is kept for goals and axes).
    public static let series = [blue, orange, bluishGreen, vermillion, skyBlue, reddishPurple, yellow]

    public static func series(_ index: Int) -> String { series[index % series.count] }
}

/// A chart's size and margins in SVG user units (1 unit = 1 CSS pixel at 100 %).
public struct ChartFrame: Sendable, Equatable {
    public var width: Double
    public var height: Double
    public var left: Double
    public var right: Double
    public var top: Double
    public var bottom: Double

    public init(width: Double = 900, height: Double = 300, left: Double = 64, right: Double = 16, top: Double = 40, bottom: Double = 64) {
        self.width = width
        self.height = height
        self.left = left
        self.right = right
        self.top = top
        self.bottom = bottom
    }

    public var plotWidth: Double { max(1, width - left - right) }
    public var plotHeight: Double { max(1, height - top - bottom) }
}

/// A value axis: its title (with the unit), the range shown and how tick labels read.
public struct ValueAxis: Sendable {
    public var title: String
    /// Shown range; nil fits the data (from zero).
    public var range: ClosedRange<Double>?
    public var format: @Sendable (Double) -> String

    public init(title: String, range: ClosedRange<Double>? = nil, format: @escaping @Sendable (Double) -> String = { Format.fixed($0, 0) }) {
        self.title = title
        self.range = range
        self.format = format
    }

    /// A share shown as 0–100 %.
    public static func share(_ title: String) -> ValueAxis {
        ValueAxis(title: title, range: 0...1) { Format.fixed($0 * 100, 0) + " %" }
    }
}

/// An axis of consecutive positions (intervals of a run, or categories): tick labels at some
/// positions and, on week-long axes, a separator with a label where each day starts.
public struct PositionAxis: Sendable {
    public var title: String
    public var count: Int
    public var ticks: [(position: Int, label: String)]
    public var separators: [(position: Int, label: String)]

    public init(title: String, count: Int, ticks: [(position: Int, label: String)], separators: [(position: Int, label: String)] = []) {
        self.title = title
        self.count = count
        self.ticks = ticks
        self.separators = separators
    }

    /// Categories, each labelled.
    public static func categories(_ title: String, _ labels: [String]) -> PositionAxis {
        PositionAxis(title: title, count: labels.count, ticks: labels.enumerated().map { ($0.offset, $0.element) })
    }
}

/// Linear mapping from values to SVG coordinates, with round tick values.
struct LinearScale {
    var domain: ClosedRange<Double>
    /// Where the domain's lower and upper bounds go (SVG's y grows downwards, so a value axis
    /// maps its lower bound to the larger coordinate).
    var range: (from: Double, to: Double)

    func callAsFunction(_ value: Double) -> Double {
        let span = domain.upperBound - domain.lowerBound
        guard span > 0 else { return range.from }
        return range.from + (value - domain.lowerBound) / span * (range.to - range.from)
    }

    /// About `count` round values (1, 2 or 5 × a power of ten apart) inside the domain.
    func ticks(_ count: Int = 5) -> [Double] {
        let span = domain.upperBound - domain.lowerBound
        guard span > 0, span.isFinite else { return [domain.lowerBound] }
        let raw = span / Double(max(1, count))
        var power = 1.0
        while power * 10 <= raw { power *= 10 }
        while power > raw { power /= 10 }
        let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= raw } ?? power * 10
        var value = (domain.lowerBound / step).rounded(.up) * step
        var out: [Double] = []
        while value <= domain.upperBound + step * 1e-9 && out.count < 50 {
            out.append(abs(value) < step * 1e-9 ? 0 : value)
            value += step
        }
        return out
    }

    /// A domain from 0 (or the lowest value, when negative) to a round value above the highest.
    static func fitting(_ values: [Double], includingZero: Bool = true) -> ClosedRange<Double> {
        let finite = values.filter(\.isFinite)
        var low = finite.min() ?? 0, high = finite.max() ?? 1
        if includingZero { low = min(low, 0); high = max(high, 0) }
        if high <= low { high = low + 1 }
        let pad = (high - low) * 0.05
        return (low < 0 ? low - pad : low)...(high + pad)
    }
}

/// Pieces every chart shares: the frame, title, axes, grid, day separators and legend.
enum ChartParts {
    static func root(id: String, kind: String, title: String, frame: ChartFrame) -> SVGElement {
        SVGElement("svg", [("xmlns", "http://www.w3.org/2000/svg"), ("class", "chart"), ("data-chart", id), ("data-kind", kind),
                           ("viewBox", "0 0 \(coordinate(frame.width)) \(coordinate(frame.height))"), ("role", "img"),
                           ("aria-label", title)],
                   children: [SVGElement("title", text: title),
                              SVGElement("text", [("class", "chart-title"), ("x", coordinate(frame.left)), ("y", "18")], text: title)])
    }

    /// Round tick values whose labels all differ: when the axis's format would show two ticks
    /// alike (0.5 and 1 both as "1" on a whole-number axis), fewer, wider-apart ticks are taken.
    static func labelledTicks(_ axis: ValueAxis, scale: LinearScale) -> [Double] {
        var count = 5
        while count > 1 {
            let ticks = scale.ticks(count)
            let labels = ticks.map(axis.format)
            if Set(labels).count == labels.count { return ticks }
            count -= 1
        }
        return scale.ticks(1)
    }

    /// Horizontal grid lines with value labels, and the axis title turned along the axis.
    static func valueAxis(_ axis: ValueAxis, scale: LinearScale, frame: ChartFrame) -> SVGElement {
        var group = SVGElement("g", [("class", "axis axis-y")])
        for tick in labelledTicks(axis, scale: scale) {
            let y = coordinate(scale(tick))
            group.append(SVGElement("line", [("class", "grid"), ("x1", coordinate(frame.left)), ("x2", coordinate(frame.width - frame.right)),
                                             ("y1", y), ("y2", y)]))
            group.append(SVGElement("text", [("class", "tick"), ("x", coordinate(frame.left - 6)), ("y", y), ("text-anchor", "end"),
                                             ("dominant-baseline", "middle")], text: axis.format(tick)))
        }
        let middle = frame.top + frame.plotHeight / 2
        group.append(SVGElement("text", [("class", "axis-title"), ("x", "14"), ("y", coordinate(middle)), ("text-anchor", "middle"),
                                         ("transform", "rotate(-90 14 \(coordinate(middle)))")], text: axis.title))
        return group
    }

    /// Tick labels, day separators (a line and the day's name) and the axis title below.
    static func positionAxis(_ axis: PositionAxis, x: (Double) -> Double, frame: ChartFrame, centered: Bool) -> SVGElement {
        var group = SVGElement("g", [("class", "axis axis-x")])
        let bottom = frame.height - frame.bottom
        group.append(SVGElement("line", [("class", "baseline"), ("x1", coordinate(frame.left)), ("x2", coordinate(frame.width - frame.right)),
                                         ("y1", coordinate(bottom)), ("y2", coordinate(bottom))]))
        let offset = centered ? 0.5 : 0
        for tick in axis.ticks {
            group.append(SVGElement("text", [("class", "tick"), ("x", coordinate(x(Double(tick.position) + offset))),
                                             ("y", coordinate(bottom + 14)), ("text-anchor", "middle")], text: tick.label))
        }
        for separator in axis.separators {
            let position = coordinate(x(Double(separator.position)))
            group.append(SVGElement("line", [("class", "day-separator"), ("x1", position), ("x2", position),
                                             ("y1", coordinate(frame.top)), ("y2", coordinate(bottom + 30))]))
            group.append(SVGElement("text", [("class", "day-label"), ("x", coordinate(x(Double(separator.position)) + 3)),
                                             ("y", coordinate(bottom + 28))], text: separator.label))
        }
        group.append(SVGElement("text", [("class", "axis-title"), ("x", coordinate(frame.left + frame.plotWidth / 2)),
                                         ("y", coordinate(frame.height - 6)), ("text-anchor", "middle")], text: axis.title))
        return group
    }

    /// One entry per series: a swatch (a line, dashed when the series is, or a square) and its name.
    static func legend(_ entries: [(name: String, color: String, dashed: Bool, line: Bool)], frame: ChartFrame) -> SVGElement {
        var group = SVGElement("g", [("class", "legend")])
        var x = frame.left
        let y = 32.0
        for entry in entries {
            var item = SVGElement("g", [("class", "legend-item"), ("data-series", entry.name)])
            if entry.line {
                var attributes = [("x1", coordinate(x)), ("x2", coordinate(x + 18)), ("y1", coordinate(y - 4)), ("y2", coordinate(y - 4)),
                                  ("stroke", entry.color), ("stroke-width", "2.5")]
                if entry.dashed { attributes.append(("stroke-dasharray", "5 3")) }
                item.append(SVGElement("line", attributes))
            } else {
                item.append(SVGElement("rect", [("x", coordinate(x + 4)), ("y", coordinate(y - 10)), ("width", "10"), ("height", "10"),
                                                ("fill", entry.color)]))
            }
            item.append(SVGElement("text", [("class", "legend-label"), ("x", coordinate(x + 22)), ("y", coordinate(y))], text: entry.name))
            group.append(item)
            x += 34 + Double(entry.name.count) * 6.2
        }
        return group
    }
}
