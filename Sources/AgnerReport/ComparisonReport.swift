import AgnerSim
import Foundation

/// Two simulations side by side: the figures a planner weighs, each difference with a 95 %
/// interval, a verdict only where the interval excludes zero, and who meets each goal.
///
/// With the same replications on both sides the difference is taken replication by
/// replication (paired: with the same seed both sides see the same customers, so the interval
/// is narrow); otherwise the two sides are compared as independent samples (Welch's t).
public struct ComparisonReport {
    public var a: SimulationSummary
    public var b: SimulationSummary
    public var labelA: String
    public var labelB: String
    let figuresA: [FigureKey: [Double]]
    let figuresB: [FigureKey: [Double]]
    let indicesA: [Int]
    let indicesB: [Int]
    let settingsA: RunSettingsText
    let settingsB: RunSettingsText

    /// Set when each side is one realisation rather than a sample (a replay of recorded
    /// traffic): the sentence that says what the sides are, shown instead of the run settings.
    /// Differences then have no interval and no verdict.
    public var realisation: String?

    public init(a: SimulationOutcome, b: SimulationOutcome, labelA: String, labelB: String, realisation: String? = nil) {
        self.realisation = realisation
        self.a = SimulationSummary(a)
        self.b = SimulationSummary(b)
        self.labelA = labelA
        self.labelB = labelB
        figuresA = a.figures()
        figuresB = b.figures()
        indicesA = a.replications.map(\.index)
        indicesB = b.replications.map(\.index)
        settingsA = RunSettingsText(a.scenario.run)
        settingsB = RunSettingsText(b.scenario.run)
    }

    /// The run settings that decide whether two runs can be compared, as text.
    public struct RunSettingsText: Equatable {
        public var replications: String
        public var days: String
        public var seed: String
        public var warmup: String
        public var serviceLevel: String

        public init(_ run: RunSettings) {
            replications = String(run.replications)
            days = String(run.days)
            seed = String(run.seed)
            warmup = Quantities.format(duration: run.warmup)
            serviceLevel = run.serviceLevel.rawValue
        }

        /// (setting, this side, other side) for each setting that differs.
        public func differences(from other: RunSettingsText) -> [(String, String, String)] {
            [("replications", replications, other.replications), ("days", days, other.days), ("seed", seed, other.seed),
             ("warm-up", warmup, other.warmup), ("service level definition", serviceLevel, other.serviceLevel)]
                .filter { $0.1 != $0.2 }
        }
    }

    /// The settings that differ between the sides: (setting, A, B).
    public var differences: [(String, String, String)] { settingsA.differences(from: settingsB) }

    /// Both sides draw the same customers: same seed and replications (common random numbers).
    public var sameRandomNumbers: Bool { settingsA.seed == settingsB.seed && indicesA == indicesB }

    public enum Verdict: String, Sendable {
        case better, worse
        case noClearDifference = "no clear difference"
        /// The service-level definitions differ: the figures do not measure the same thing.
        case definitionsDiffer = "definitions differ"
        /// The answer targets differ: a service level within another time is another figure.
        case targetsDiffer = "targets differ"
    }

    public struct Line {
        public enum Kind { case percent, seconds, count, money }
        /// A heading or a figure.
        public var label: String
        public var key: FigureKey?
        public var a: Estimate
        public var b: Estimate
        /// B − A, with its 95 % interval.
        public var delta: Estimate
        public var kind: Kind
        /// Whether a higher value is better (nil: neither).
        public var higherIsBetter: Bool?
        public var verdict: Verdict?
    }

    /// The difference B − A of a figure, with its 95 % interval.
    func delta(_ key: FigureKey) -> Estimate {
        let valuesA = figuresA[key] ?? [], valuesB = figuresB[key] ?? []
        // Paired only when both sides drew the same customers (same seed, same replications).
        if sameRandomNumbers {
            let differences = zip(valuesA, valuesB).compactMap { $0.isFinite && $1.isFinite ? $1 - $0 : nil }
            return Estimate(differences)
        }
        return Self.welch(valuesA.filter(\.isFinite), valuesB.filter(\.isFinite))
    }

    /// Difference of means of two independent samples with Welch's t interval (Welch 1947).
    static func welch(_ x: [Double], _ y: [Double]) -> Estimate {
        guard !x.isEmpty, !y.isEmpty else { return Estimate(mean: .nan, halfWidth: nil) }
        let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
        guard x.count > 1, y.count > 1 else { return Estimate(mean: my - mx, halfWidth: nil) }
        let vx = x.reduce(0) { $0 + ($1 - mx) * ($1 - mx) } / Double(x.count - 1) / Double(x.count)
        let vy = y.reduce(0) { $0 + ($1 - my) * ($1 - my) } / Double(y.count - 1) / Double(y.count)
        let se = (vx + vy).squareRoot()
        guard se > 0 else { return Estimate(mean: my - mx, halfWidth: 0) }
        let df = (vx + vy) * (vx + vy) / (vx * vx / Double(x.count - 1) + vy * vy / Double(y.count - 1))
        return Estimate(mean: my - mx, halfWidth: Estimate.tQuantile975(degreesOfFreedom: max(1, Int(df.rounded(.down)))) * se)
    }

    func line(_ label: String, _ key: FigureKey, _ kind: Line.Kind, higherIsBetter: Bool?) -> Line {
        let range = SimulationOutcome.range(ofMetric: key.metric)
        let estimateA = Estimate(figuresA[key] ?? [], range: range), estimateB = Estimate(figuresB[key] ?? [], range: range)
        let difference = delta(key)
        var verdict: Verdict? = nil
        if key.metric == GroupFigure.serviceLevel.rawValue && settingsA.serviceLevel != settingsB.serviceLevel {
            verdict = .definitionsDiffer
        } else if key.metric == GroupFigure.serviceLevel.rawValue && !sameTargets(key) {
            verdict = .targetsDiffer
        } else if let higherIsBetter, let lower = difference.lower, let upper = difference.upper, difference.mean.isFinite {
            if lower > 0 || upper < 0 {
                verdict = (difference.mean > 0) == higherIsBetter ? .better : .worse
            } else {
                verdict = .noClearDifference
            }
        }
        return Line(label: label, key: key, a: estimateA, b: estimateB, delta: difference, kind: kind, higherIsBetter: higherIsBetter, verdict: verdict)
    }

    /// Whether the answer targets behind a service level are the same on both sides (per
    /// channel; for the real-time group, every real-time channel's).
    func sameTargets(_ key: FigureKey) -> Bool {
        func targets(_ summary: SimulationSummary) -> [String: Double] {
            Dictionary(summary.channels.compactMap { channel in channel.targetSeconds.map { (channel.name, $0) } }, uniquingKeysWith: { first, _ in first })
        }
        let (ta, tb) = (targets(a), targets(b))
        switch key.scope {
        case .channel: return ta[key.name] == tb[key.name]
        default: return ta.filter { $0.key != "email" } == tb.filter { $0.key != "email" }
        }
    }

    func heading(_ label: String) -> Line {
        Line(label: label, key: nil, a: Estimate([]), b: Estimate([]), delta: Estimate([]), kind: .count, higherIsBetter: nil, verdict: nil)
    }

    /// The compared figures: service level and ASA per channel (never a total that would mix
    /// e-mail's hours with phone's seconds), abandonment over the real-time channels, contacts,
    /// occupancy, leakage and costs.
    public func lines() -> [Line] {
        let channels = a.channels.map(\.name).filter { name in b.channels.contains { $0.name == name } }
        let realTime = a.realTime != nil && b.realTime != nil
        var lines: [Line] = [heading("service level")]
        if realTime { lines.append(line("  real-time channels", FigureKey(.realTime, "real-time channels", "service_level"), .percent, higherIsBetter: true)) }
        for name in channels { lines.append(line("  \(name)", FigureKey(.channel, name, "service_level"), .percent, higherIsBetter: true)) }
        lines.append(heading("average speed of answer"))
        for name in channels { lines.append(line("  \(name)", FigureKey(.channel, name, "average_speed_of_answer"), .seconds, higherIsBetter: false)) }
        if realTime {
            lines.append(line("abandoned (real-time)", FigureKey(.realTime, "real-time channels", "abandon_rate"), .percent, higherIsBetter: false))
        }
        lines += [
            line("offered", FigureKey(.total, "total", "offered"), .count, higherIsBetter: nil),
            // Neither better nor worse: fewer answered may be fewer who needed to call (notices).
            line("answered", FigureKey(.total, "total", "answered"), .count, higherIsBetter: nil),
            line("open at end", FigureKey(.total, "total", "open_at_end"), .count, higherIsBetter: false),
            line("unserved (closed hours)", FigureKey(.total, "total", "unserved"), .count, higherIsBetter: false),
            line("deflected by notices", FigureKey(.total, "total", "deflected"), .count, higherIsBetter: nil),
            line("occupancy", FigureKey(.center, "center", "occupancy"), .percent, higherIsBetter: nil),
            line("answered outside owner", FigureKey(.center, "center", "leakage"), .percent, higherIsBetter: nil),
            line("cost", FigureKey(.cost, "cost", "total"), .money, higherIsBetter: false),
            line("cost per answered contact", FigureKey(.cost, "cost", "per_answered"), .money, higherIsBetter: false),
            line("cost per customer served", FigureKey(.cost, "cost", "per_customer_served"), .money, higherIsBetter: false),
        ]
        return lines
    }

    static func cell(_ e: Estimate, _ kind: Line.Kind, digits: Int? = nil) -> String {
        guard e.mean.isFinite else { return "—" }
        switch kind {
        case .percent: return Format.percent(e.mean)
        case .seconds: return Format.duration(e.mean)
        case .count: return Format.fixed(e.mean, digits ?? 1)
        case .money: return Format.fixed(e.mean, 2)
        }
    }

    /// `+3.1 pt ±1.2  better`, `−0.4 pt ±2.0  no clear difference`.
    static func deltaCell(_ line: Line, digits countDigits: Int? = nil) -> String {
        if line.verdict == .definitionsDiffer { return "not comparable (definitions differ)" }
        if line.verdict == .targetsDiffer { return "not comparable (answer targets differ)" }
        let d = line.delta
        guard d.mean.isFinite else { return "—" }
        func signed(_ value: Double, _ digits: Int) -> String { (value > 0 ? "+" : value < 0 ? "−" : "") + Format.fixed(abs(value), digits) }
        let (scale, digits, unit): (Double, Int, String) = switch line.kind {
        case .percent: (100, 1, " pt")
        case .seconds: (1, 1, " s")
        case .count: (1, countDigits ?? 1, "")
        case .money: (1, 2, "")
        }
        var text: String
        if line.kind == .seconds {
            // In the unit that reads for the size of the difference: seconds, minutes or hours.
            let magnitude = Format.duration(abs(d.mean))
            text = (d.mean > 0 ? "+" : d.mean < 0 ? "−" : "") + magnitude
            if let h = d.halfWidth, h.isFinite { text += " ±" + Format.durationHalfWidth(h, mean: abs(d.mean)) }
        } else {
            text = signed(d.mean * scale, digits)
            if let h = d.halfWidth, h.isFinite { text += " ±" + Format.fixed(h * scale, digits) }
            text += unit
        }
        if let verdict = line.verdict { text += "  " + verdict.rawValue }
        return text
    }

    /// One line per goal: who meets it, by the mean, each side judged by its own goal.
    public func verdicts() -> [String] {
        a.channels.compactMap { channel in
            guard let goal = channel.goal, let target = channel.targetSeconds,
                  let other = b.channels.first(where: { $0.name == channel.name }),
                  let otherGoal = other.goal, let otherTarget = other.targetSeconds else { return nil }
            let levelA = channel.serviceLevel?.mean ?? .nan, levelB = other.serviceLevel?.mean ?? .nan
            guard levelA.isFinite || levelB.isFinite else { return "\(channel.name): no contacts on either side" }
            func goalText(_ goal: Double, _ target: Double) -> String { "\(Format.percent(goal, digits: 0)) within \(Quantities.format(duration: target))" }
            let caveat = settingsA.serviceLevel != settingsB.serviceLevel ? " (each by its own service-level definition)" : ""
            if goal != otherGoal || target != otherTarget {
                func judged(_ label: String, _ level: Double, _ goal: Double, _ target: Double) -> String {
                    guard level.isFinite else { return "\(label): no contacts" }
                    return "\(label) \(level >= goal ? "meets" : "misses") its goal of \(goalText(goal, target)) (\(Format.percent(level)))"
                }
                return "\(channel.name): \(judged(labelA, levelA, goal, target)); \(judged(labelB, levelB, otherGoal, otherTarget))\(caveat)"
            }
            let metA = levelA.isFinite && levelA >= goal, metB = levelB.isFinite && levelB >= goal
            let who: String = switch (metA, metB) {
            case (true, true): "both meet it"
            case (false, false): "neither meets it"
            case (true, false): "only \(labelA) meets it"
            case (false, true): "only \(labelB) meets it"
            }
            return "\(channel.name) goal \(goalText(goal, target)): \(who) (\(Format.percent(levelA)) vs \(Format.percent(levelB)))\(caveat)"
        }
    }

    public func table() -> String {
        var out = ["\(labelA)  vs  \(labelB)"]
        let differences = self.differences
        if let realisation {
            out.append(realisation + "; service level = \(a.serviceLevelLabel)")
        } else if differences.isEmpty {
            out.append("\(a.replications) replications × \(a.days) day(s), seed \(a.seed)"
                       + (sameRandomNumbers ? ", same random numbers on both sides" : "") + "; service level = \(a.serviceLevelLabel)")
        } else {
            out.append("the two sides were run differently:")
            var settings = TextTable([("run setting", .left), (labelA, .right), (labelB, .right)])
            for (name, valueA, valueB) in differences { settings.add([name, valueA, valueB]) }
            out.append(settings.render())
            if !sameRandomNumbers { out.append("not the same random numbers: differences are compared as independent samples (wider intervals)") }
        }
        out.append("")
        let delta = "Δ (\(labelB) − \(labelA))" + (realisation == nil ? " ± 95 %" : "")
        var table = TextTable([("", .left), (labelA, .right), (labelB, .right), (delta, .left)])
        for line in lines() {
            if line.key == nil {
                table.add([line.label, "", "", ""])
            } else {
                // One realisation on each side: counts are whole.
                let digits = realisation != nil && line.kind == .count ? 0 : nil
                table.add([line.label, Self.cell(line.a, line.kind, digits: digits), Self.cell(line.b, line.kind, digits: digits),
                           Self.deltaCell(line, digits: digits)])
            }
        }
        out.append(table.render())
        if realisation != nil {
            out.append("Δ: the difference between the two realisations, without an interval. customers served = answered + deflected by notices")
        } else {
            out.append("better / worse: the 95 % interval of the difference excludes zero; otherwise no clear difference. "
                       + "customers served = answered + deflected by notices")
        }
        out.append("")
        out += verdicts()
        return out.joined(separator: "\n")
    }

    struct JSONShape: Encodable {
        struct Side: Encodable {
            var label: String
            var replications: Int
            var days: Int
            var seed: UInt64
            var warmupSeconds: Double
            var serviceLevelDefinition: String
            enum CodingKeys: String, CodingKey {
                case label, replications, days, seed, warmupSeconds = "warmup_seconds", serviceLevelDefinition = "service_level_definition"
            }
        }
        struct Row: Encodable {
            var metric: String
            var label: String
            var a: Estimate
            var b: Estimate
            var delta: Estimate
            var verdict: String?
            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(metric, forKey: .metric)
                try c.encode(label, forKey: .label)
                try c.encode(a, forKey: .a)
                try c.encode(b, forKey: .b)
                try c.encode(delta, forKey: .delta)
                try c.encode(verdict, forKey: .verdict)
            }
            enum CodingKeys: String, CodingKey { case metric, label, a, b, delta, verdict }
        }
        var a: Side
        var b: Side
        var sameRandomNumbers: Bool
        var realisation: String?
        var rows: [Row]
        var goals: [String]
        var summaryA: SimulationSummary
        var summaryB: SimulationSummary
        enum CodingKeys: String, CodingKey {
            case a, b, sameRandomNumbers = "same_random_numbers", realisation, rows, goals, summaryA = "summary_a", summaryB = "summary_b"
        }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(a, forKey: .a)
            try c.encode(b, forKey: .b)
            try c.encode(sameRandomNumbers, forKey: .sameRandomNumbers)
            if let realisation { try c.encode(realisation, forKey: .realisation) }
            try c.encode(rows, forKey: .rows)
            try c.encode(goals, forKey: .goals)
            try c.encode(summaryA, forKey: .summaryA)
            try c.encode(summaryB, forKey: .summaryB)
        }
    }

    /// The comparison as one encodable object (what `json()` writes), to embed in a larger one.
    public struct Document: Encodable {
        let shape: JSONShape
        public func encode(to encoder: Encoder) throws { try shape.encode(to: encoder) }
    }

    /// One object: both sides' run settings, a row per compared figure (`metric` is the unique
    /// figure name, e.g. `channel.phone.service_level`), the goal verdicts and both summaries;
    /// with `realisation` (a replay), that sentence too.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try encoder.encode(document()), as: UTF8.self)
    }

    /// Both sides' intervals as CSV: `side` (the label) first, then the columns of
    /// `agner simulate --format csv`.
    public func csv() -> String {
        var lines: [String] = []
        for (label, summary) in [(labelA, a), (labelB, b)] {
            let rows = SimulationReport.csv(summary).split(separator: "\n", omittingEmptySubsequences: false)
            guard let header = rows.first else { continue }
            if lines.isEmpty { lines.append("side," + header) }
            let quoted = label.contains(",") || label.contains("\"") ? "\"" + label.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : label
            for row in rows.dropFirst() where !row.isEmpty { lines.append(quoted + "," + row) }
        }
        return lines.joined(separator: "\n")
    }

    /// The comparison as one encodable object.
    public func document() -> Document {
        func side(_ label: String, _ s: SimulationSummary) -> JSONShape.Side {
            JSONShape.Side(label: label, replications: s.replications, days: s.days, seed: s.seed, warmupSeconds: s.warmupSeconds,
                           serviceLevelDefinition: s.serviceLevelDefinition)
        }
        let rows = lines().compactMap { line in
            line.key.map { JSONShape.Row(metric: $0.description, label: line.label.trimmingCharacters(in: .whitespaces),
                                         a: line.a, b: line.b, delta: line.delta, verdict: line.verdict?.rawValue) }
        }
        return Document(shape: JSONShape(a: side(labelA, a), b: side(labelB, b), sameRandomNumbers: sameRandomNumbers, realisation: realisation,
                                         rows: rows, goals: verdicts(), summaryA: a, summaryB: b))
    }
}
