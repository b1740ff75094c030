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
        return value == value.rounded() ? String(Int(value)) : fixed(value, 1)
    }
}
