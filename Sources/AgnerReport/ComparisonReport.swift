import AgnerSim
import Foundation

/// Two simulations side by side: the figures a planner weighs, their deltas, and a verdict per goal.
public struct ComparisonReport {
    public var a: SimulationSummary
    public var b: SimulationSummary
    public var labelA: String
    public var labelB: String

    public init(a: SimulationSummary, b: SimulationSummary, labelA: String, labelB: String) {
        self.a = a
        self.b = b
        self.labelA = labelA
        self.labelB = labelB
    }

    struct Line {
        var metric: String
        var a: Double
        var b: Double
        var kind: Kind
        /// Whether a higher value is better (for the sign of the verdict arrow).
        var higherIsBetter: Bool?
        enum Kind { case percent, seconds, count, money }
    }

    func lines() -> [Line] {
        var lines: [Line] = [
            Line(metric: "service level", a: a.total.serviceLevel.mean, b: b.total.serviceLevel.mean, kind: .percent, higherIsBetter: true),
        ]
        for channel in a.channels {
            guard let other = b.channels.first(where: { $0.name == channel.name }) else { continue }
            lines.append(Line(metric: "  \(channel.name)", a: channel.serviceLevel.mean, b: other.serviceLevel.mean, kind: .percent, higherIsBetter: true))
        }
        // ASA per channel: a total would mix e-mail hours with phone seconds.
        lines.append(Line(metric: "average speed of answer", a: .nan, b: .nan, kind: .seconds, higherIsBetter: nil))
        for channel in a.channels {
            guard let other = b.channels.first(where: { $0.name == channel.name }) else { continue }
            lines.append(Line(metric: "  \(channel.name)", a: channel.averageSpeedOfAnswer.mean, b: other.averageSpeedOfAnswer.mean, kind: .seconds, higherIsBetter: false))
        }
        lines += [
            Line(metric: "abandoned", a: a.total.abandonRate.mean, b: b.total.abandonRate.mean, kind: .percent, higherIsBetter: false),
            Line(metric: "offered", a: a.total.offered.mean, b: b.total.offered.mean, kind: .count, higherIsBetter: nil),
            Line(metric: "answered", a: a.total.answered.mean, b: b.total.answered.mean, kind: .count, higherIsBetter: nil),
            Line(metric: "unserved (closed hours)", a: a.total.unserved.mean, b: b.total.unserved.mean, kind: .count, higherIsBetter: false),
            Line(metric: "deflected by notices", a: a.total.deflected.mean, b: b.total.deflected.mean, kind: .count, higherIsBetter: nil),
            Line(metric: "occupancy", a: a.total.occupancy?.mean ?? .nan, b: b.total.occupancy?.mean ?? .nan, kind: .percent, higherIsBetter: nil),
            Line(metric: "cost", a: a.costs.total.mean, b: b.costs.total.mean, kind: .money, higherIsBetter: false),
            Line(metric: "cost per answered contact", a: a.costs.perAnswered.mean, b: b.costs.perAnswered.mean, kind: .money, higherIsBetter: false),
            Line(metric: "cost per customer served", a: a.costs.total.mean / (a.total.answered.mean + a.total.deflected.mean),
                 b: b.costs.total.mean / (b.total.answered.mean + b.total.deflected.mean), kind: .money, higherIsBetter: false),
        ]
        return lines
    }

    static func cell(_ value: Double, _ kind: Line.Kind) -> String {
        guard value.isFinite else { return "—" }
        switch kind {
        case .percent: return Format.percent(value)
        case .seconds: return Format.seconds(value)
        case .count: return Format.fixed(value, 0)
        case .money: return Format.fixed(value, 2)
        }
    }

    static func delta(_ line: Line) -> String {
        let d = line.b - line.a
        guard d.isFinite else { return "—" }
        let sign = d > 0 ? "+" : ""
        let text: String = switch line.kind {
        case .percent: sign + Format.fixed(d * 100, 1) + " pt"
        case .seconds: sign + Format.fixed(d, 1) + " s"
        case .count: sign + Format.fixed(d, 0)
        case .money: sign + Format.fixed(d, 2)
        }
        // No verdict for a change too small to show.
        guard let higherIsBetter = line.higherIsBetter, text.contains(where: { "123456789".contains($0) }) else { return text }
        return text + ((d > 0) == higherIsBetter ? "  better" : "  worse")
    }

    /// One line per goal: who meets it.
    public func verdicts() -> [String] {
        a.channels.compactMap { channel in
            guard let goal = channel.goal, let target = channel.targetSeconds,
                  let other = b.channels.first(where: { $0.name == channel.name }) else { return nil }
            let goalText = "\(Format.percent(goal, digits: 0)) within \(Quantities.format(duration: target))"
            let metA = channel.serviceLevel.mean >= goal, metB = other.serviceLevel.mean >= goal
            let who: String = switch (metA, metB) {
            case (true, true): "both meet it"
            case (false, false): "neither meets it"
            case (true, false): "only \(labelA) meets it"
            case (false, true): "only \(labelB) meets it"
            }
            return "\(channel.name) goal \(goalText): \(who) (\(Format.percent(channel.serviceLevel.mean)) vs \(Format.percent(other.serviceLevel.mean)))"
        }
    }

    public func table() -> String {
        var out = ["\(labelA)  vs  \(labelB)",
                   "\(a.replications) replications × \(a.days) day(s), seed \(a.seed), same random numbers on both sides; service level = \(a.serviceLevelLabel)",
                   ""]
        var table = TextTable([("", .left), (labelA, .right), (labelB, .right), ("Δ (\(labelB) − \(labelA))", .left)])
        for line in lines() {
            if line.a.isNaN && line.b.isNaN {
                table.add([line.metric, "", "", ""])  // a heading for the lines below
            } else {
                table.add([line.metric, Self.cell(line.a, line.kind), Self.cell(line.b, line.kind), Self.delta(line)])
            }
        }
        out.append(table.render())
        out.append("customers served = answered + deflected by notices")
        out.append("")
        out += verdicts()
        return out.joined(separator: "\n")
    }

    struct JSONShape: Encodable {
        struct Row: Encodable {
            var metric: String
            var a: Double?
            var b: Double?
            var delta: Double?
        }
        var a: String
        var b: String
        var rows: [Row]
        var verdicts: [String]
        var summary_a: SimulationSummary
        var summary_b: SimulationSummary
    }

    public func json() throws -> String {
        func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }
        let shape = JSONShape(
            a: labelA, b: labelB,
            rows: lines().map { .init(metric: $0.metric.trimmingCharacters(in: .whitespaces), a: finite($0.a), b: finite($0.b), delta: finite($0.b - $0.a)) },
            verdicts: verdicts(), summary_a: a, summary_b: b)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(shape), as: UTF8.self)
    }
}
