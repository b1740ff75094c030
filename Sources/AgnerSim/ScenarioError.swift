/// One step of a path into a scenario file: a key or a list index.
public enum FieldPathComponent: Sendable, Equatable, CustomStringConvertible {
    case key(String)
    case index(Int)

    public var description: String {
        switch self {
        case let .key(key): key
        case let .index(index): "[\(index)]"
        }
    }
}

public typealias FieldPath = [FieldPathComponent]

extension Array where Element == FieldPathComponent {
    /// `agents[2].skills.billing`
    public var dotted: String {
        var out = ""
        for component in self {
            switch component {
            case let .key(key): out += out.isEmpty ? key : ".\(key)"
            case let .index(index): out += "[\(index)]"
            }
        }
        return out.isEmpty ? "(top level)" : out
    }

    init(codingPath: [any CodingKey]) {
        self = codingPath.map { key in
            if let index = key.intValue, key.stringValue.hasPrefix("Index") || key.stringValue == "\(index)" { return .index(index) }
            return .key(key.stringValue)
        }
    }
}

/// A scenario that cannot be run, with where the problem is.
///
/// `agents[2].skills.billing: proficiency 7 is outside 1–5 (line 31)`
public struct ScenarioError: Error, Sendable, CustomStringConvertible {
    public var file: String?
    /// The variant whose overlay holds the mistake (the base file was fine).
    public var variant: String?
    public var path: FieldPath
    public var line: Int?
    public var message: String

    public init(file: String? = nil, path: FieldPath, line: Int? = nil, message: String) {
        self.file = file
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String {
        var text = path.isEmpty ? message : "\(path.dotted): \(message)"
        if let line { text += " (line \(line))" }
        if let variant { text = "variant '\(variant)': " + text }
        if let file { text = "\(file): " + text }
        return text
    }
}

/// Thrown while decoding; the loader turns it into a `ScenarioError` with a line number.
struct FieldError: Error {
    var path: FieldPath
    var message: String

    init(_ codingPath: [any CodingKey], _ message: String) {
        self.path = FieldPath(codingPath: codingPath)
        self.message = message
    }

    init(path: FieldPath, _ message: String) {
        self.path = path
        self.message = message
    }
}
