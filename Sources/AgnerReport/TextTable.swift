/// A plain-text table for terminals: a header, aligned columns, optional section rules.
public struct TextTable {
    public enum Alignment { case left, right }

    public var columns: [(title: String, alignment: Alignment)]
    private var rows: [[String]?] = []

    public init(_ columns: [(String, Alignment)]) {
        self.columns = columns.map { (title: $0.0, alignment: $0.1) }
    }

    public mutating func add(_ cells: [String]) {
        rows.append(cells)
    }

    /// A horizontal rule between groups of rows.
    public mutating func addRule() {
        rows.append(nil)
    }

    public func render() -> String {
        var widths = columns.map { $0.title.count }
        for case let row? in rows {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: max(0, widths[index] - cell.count))
                return columns[index].alignment == .left ? cell + pad : pad + cell
            }.joined(separator: "  ").replacing(/\s+$/, with: "")
        }
        let rule = widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ")
        var out = [line(columns.map(\.title)), rule]
        for row in rows { out.append(row.map(line) ?? rule) }
        return out.joined(separator: "\n")
    }
}

/// Number formats shared by the reports.
public enum Format {
    public static func percent(_ value: Double, digits: Int = 1) -> String {
        guard value.isFinite else { return "—" }
        return fixed(value * 100, digits) + " %"
    }

    public static func seconds(_ value: Double, digits: Int = 1) -> String {
        guard value.isFinite else { return "∞" }
        return fixed(value, digits) + " s"
    }

    public static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "—" : "∞" }
        // Past what a whole number holds exactly, in scientific notation (never a trap).
        guard abs(value) < 1e15 else { return String(format: "%.3g", value) }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        if digits == 0 { return String(Int(rounded)) }
        let negative = rounded < 0
        let whole = Int(abs(rounded))
        var fraction = String(Int(((abs(rounded) - Double(whole)) * scale).rounded()))
        while fraction.count < digits { fraction = "0" + fraction }
        return (negative ? "-" : "") + "\(whole).\(fraction)"
    }

    public static func count(_ value: Double) -> String {
        guard value.isFinite else { return "—" }
        guard abs(value) < 1e15 else { return String(format: "%.3g", value) }
        return value == value.rounded() ? String(Int(value)) : fixed(value, 1)
    }

    /// A wait or a time in the unit that reads best: `17.2 s`, `12.5 min`, `4 h 21 min`.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return seconds.isNaN ? "—" : "∞" }
        guard seconds < 1e15 else { return String(format: "%.3g s", seconds) }
        if seconds < 100 { return fixed(seconds, 1) + " s" }
        if seconds < 3600 { return fixed(seconds / 60, 1) + " min" }
        let minutes = Int((seconds / 60).rounded())
        return "\(minutes / 60) h \(minutes % 60) min"
    }

    /// A half-width in the unit `duration(_:)` chose for `mean`: `0.8 s`, `0.4 min`, `12 min`.
    public static func durationHalfWidth(_ halfWidth: Double, mean: Double) -> String {
        if mean < 100 { return fixed(halfWidth, 1) + " s" }
        if mean < 3600 { return fixed(halfWidth / 60, 1) + " min" }
        return fixed(halfWidth / 60, 0) + " min"
    }

    /// `whole` and `parts` in units of 1/`scale`, rounded so that the parts add up to the whole
    /// exactly: each part rounded down, then the units left over go to the largest remainders
    /// (ties: the first part). The largest remainder method (Hamilton's apportionment).
    static func largestRemainder(_ whole: Double, _ parts: [Double], scale: Double) -> (whole: Int, parts: [Int]) {
        let target = Int((whole * scale).rounded())
        var units = parts.map { Int(($0 * scale).rounded(.down)) }
        var left = target - units.reduce(0, +)
        let order = parts.indices.sorted { a, b in
            let ra = parts[a] * scale - Double(units[a]), rb = parts[b] * scale - Double(units[b])
            return ra != rb ? ra > rb : a < b
        }
        var index = 0
        while left > 0 && !order.isEmpty {
            units[order[index % order.count]] += 1
            left -= 1
            index += 1
        }
        return (target, units)
    }

    /// A whole and its parts, rounded so that the shown parts add up to the shown whole
    /// (largest remainders get the last units): with means over replications, rounding each
    /// on its own could show 220 = 187 + 33 for 220.4 = 187.4 + 33.0. `digits` is 0 or 1;
    /// nil: one decimal unless every value is whole.
    public static func partsAddingUp(_ whole: Double, _ parts: [Double], digits: Int? = nil) -> (whole: String, parts: [String]) {
        guard whole.isFinite, parts.allSatisfy(\.isFinite), abs(whole) < 1e12, parts.allSatisfy({ abs($0) < 1e12 }) else {
            return (count(whole), parts.map(count))
        }
        let digits = digits ?? (([whole] + parts).allSatisfy { abs($0 - $0.rounded()) < 1e-9 } ? 0 : 1)
        let (target, units) = largestRemainder(whole, parts, scale: digits == 0 ? 1.0 : 10.0)
        func show(_ units: Int) -> String { digits == 0 ? grouped(units) : grouped(units / 10) + "." + String(abs(units) % 10) }
        return (show(target), units.map(show))
    }

    /// A whole number with thousands separators: 16,302.
    public static func grouped(_ value: Int) -> String {
        let digits = String(abs(value))
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
            out.append(character)
        }
        return (value < 0 ? "-" : "") + out
    }
}
