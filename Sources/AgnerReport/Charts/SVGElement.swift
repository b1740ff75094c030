/// An element of an SVG (or HTML) tree: a name, attributes in the order given, children, and
/// text. Charts build these trees; `render()` writes them out with every attribute value and
/// text escaped, so no label can break the markup.
public struct SVGElement: Sendable, Equatable {
    public var name: String
    public var attributes: [(String, String)]
    public var children: [SVGElement]
    /// Text content (escaped when rendered), before the children.
    public var text: String?

    public init(_ name: String, _ attributes: [(String, String)] = [], text: String? = nil, children: [SVGElement] = []) {
        self.name = name
        self.attributes = attributes
        self.text = text
        self.children = children
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.name == b.name && a.text == b.text && a.children == b.children
            && a.attributes.map(\.0) == b.attributes.map(\.0) && a.attributes.map(\.1) == b.attributes.map(\.1)
    }

    /// The value of an attribute, if set.
    public subscript(attribute: String) -> String? {
        attributes.first { $0.0 == attribute }?.1
    }

    public mutating func append(_ child: SVGElement) { children.append(child) }

    /// Every element below this one (depth first), this one included.
    public func descendants() -> [SVGElement] {
        [self] + children.flatMap { $0.descendants() }
    }

    /// The markup. - Complexity: O(size of the tree).
    public func render() -> String {
        var out = ""
        write(into: &out)
        return out
    }

    func write(into out: inout String) {
        out += "<" + name
        for (key, value) in attributes {
            out += " " + key + "=\""
            Self.escape(value, into: &out, quotes: true)
            out += "\""
        }
        if text == nil && children.isEmpty {
            out += "/>"
            return
        }
        out += ">"
        if let text { Self.escape(text, into: &out, quotes: false) }
        for child in children { child.write(into: &out) }
        out += "</" + name + ">"
    }

    static func escape(_ text: String, into out: inout String, quotes: Bool) {
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where quotes: out += "&quot;"
            default: out.unicodeScalars.append(character)
            }
        }
    }
}

/// Numbers in SVG coordinates: at most one decimal, no trailing zeros (keeps the report small).
func coordinate(_ value: Double) -> String {
    guard value.isFinite else { return "0" }
    let tenths = (value * 10).rounded()
    if tenths == tenths.rounded(.towardZero) && Int(tenths) % 10 == 0 { return String(Int(tenths) / 10) }
    let whole = Int(tenths) / 10
    let fraction = abs(Int(tenths) % 10)
    return (tenths < 0 && whole == 0 ? "-" : "") + String(whole) + "." + String(fraction)
}
