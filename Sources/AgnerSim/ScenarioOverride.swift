import Foundation
import Yams

/// One `PATH=VALUE` assignment laid over a scenario file (after its variant), as `agner sweep
/// --set` and `agner optimise` write them: `agents[billing].count=8`,
/// `hours.default=08:00-22:00`, `center.channels.phone.goal=85%`,
/// `demand[phone/order].daily=1000`.
///
/// A path is keys separated by dots, as the file nests them. A list is entered by a selector in
/// brackets:
///
/// | list | selector | picks |
/// |---|---|---|
/// | `agents` | `[billing]` | the group named `billing` |
/// | `center.topics` | `[invoice]` | the topic named `invoice` |
/// | `notices` | `[sms notice for repairStatus]` or `[repairStatus]` | the notice by name, or every notice of the topic |
/// | `demand` | `[phone/order]`, `[phone]`, `[order]` | the stream of that channel and topic, every stream of the channel, every stream of the topic |
///
/// The value is YAML, as it would be written in the file (`8`, `85%`, `{chat: 3}`, `"08:00-22:00"`).
/// Keys that the file leaves out are created (`hours.mon` on a file that only gives
/// `hours.default`); the scenario is then read with the same strict checks as the file, so an
/// unknown key or an out-of-range value is refused with its path and the assignment.
///
/// - Throws: `ScenarioError` when the text is not `PATH=VALUE`, or when a selector matches
///   nothing (naming what it looked for and what there is).
public struct ScenarioOverride: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// One key of a path and, for a list, the selector of its items.
    public struct Component: Sendable, Equatable, Hashable {
        public var key: String
        public var selector: String?
    }

    public var path: [Component]
    /// The path as written: `agents[billing].count`.
    public var pathText: String
    /// The value as written (YAML).
    public var value: String

    public var description: String { "\(pathText)=\(value)" }

    public init(path pathText: String, value: String) throws(ScenarioError) {
        guard !value.contains(where: \.isNewline) else {
            throw ScenarioError(path: [], message: "--set \(pathText): a value is one line (YAML flow style: {chat: 3, email: 1})")
        }
        self.path = try Self.parse(path: pathText)
        self.pathText = pathText
        self.value = value
    }

    /// `PATH=VALUE`, split at the first `=` outside brackets.
    public init(parsing text: String) throws(ScenarioError) {
        guard let (path, value) = Self.split(text) else {
            throw ScenarioError(path: [], message: "'\(text)' is not PATH=VALUE (e.g. agents[billing].count=8)")
        }
        try self.init(path: path, value: value)
    }

    static func split(_ text: String) -> (String, String)? {
        var depth = 0
        for index in text.indices {
            switch text[index] {
            case "[": depth += 1
            case "]": depth -= 1
            case "=" where depth == 0:
                let path = text[..<index].trimmingCharacters(in: .whitespaces)
                let value = text[text.index(after: index)...].trimmingCharacters(in: .whitespaces)
                guard !path.isEmpty, !value.isEmpty else { return nil }
                return (path, value)
            default: break
            }
        }
        return nil
    }

    static func parse(path text: String) throws(ScenarioError) -> [Component] {
        var components: [Component] = []
        var key = ""
        var selector: String? = nil
        var inSelector = false
        var closed = false
        func fail(_ why: String) -> ScenarioError { ScenarioError(path: [], message: "path '\(text)': \(why)") }
        for character in text {
            if inSelector {
                if character == "]" {
                    inSelector = false
                    closed = true
                } else {
                    selector!.append(character)
                }
                continue
            }
            switch character {
            case "[":
                guard !key.isEmpty, selector == nil else { throw fail("a selector [..] follows a key, once") }
                selector = ""
                inSelector = true
            case ".":
                guard !key.isEmpty else { throw fail("an empty key") }
                components.append(Component(key: key, selector: selector))
                key = ""
                selector = nil
                closed = false
            default:
                guard !closed else { throw fail("a '.' must follow ']'") }
                guard character.isLetter || character.isNumber || character == "_" else {
                    throw fail("'\(character)' cannot be part of a key (keys are letters and digits; names go in brackets)")
                }
                key.append(character)
            }
        }
        guard !inSelector else { throw fail("a '[' is not closed") }
        guard !key.isEmpty else { throw fail("an empty key") }
        if let selector, selector.trimmingCharacters(in: .whitespaces).isEmpty { throw fail("an empty selector []") }
        components.append(Component(key: key, selector: selector))
        return components
    }

    // MARK: - Applying

    /// Lays `overrides` over a scenario document, in order.
    /// - Throws: `ScenarioError` naming the assignment when its value is not YAML, when a key on
    ///   the way holds something other than a mapping (or a list, for a selector), or when a
    ///   selector matches no item.
    static func apply(_ overrides: [ScenarioOverride], to root: Node) throws(ScenarioError) -> Node {
        var node = root
        for override in overrides {
            let value: Node
            do {
                guard let composed = try Yams.compose(yaml: override.value) else {
                    throw ScenarioError(path: [], message: "--set \(override): no value")
                }
                // Counted like a file's YAML, before anything walks it: a few aliases may stand
                // for billions of nodes.
                var budget = ScenarioLimits.yamlNodes
                guard ScenarioLoader.fits(composed, budget: &budget) else {
                    throw ScenarioError(path: [], message: "--set \(override.pathText): the value expands to more than \(ScenarioLimits.yamlNodes) YAML nodes (aliases such as *name repeat what they refer to)")
                }
                value = ScenarioLoader.normalizingKeys(composed)
            } catch let error as ScenarioError {
                throw error
            } catch {
                throw ScenarioError(path: [], message: "--set \(override): the value is not YAML: \(ScenarioLoader.yamlMessage(error))")
            }
            do {
                node = try override.set(value, in: node, at: 0, document: root)
            } catch {
                throw ScenarioError(path: [], message: "--set \(override): \(error.message)")
            }
        }
        return node
    }

    func set(_ value: Node, in node: Node, at depth: Int, document: Node) throws(FieldError) -> Node {
        let component = path[depth]
        let walked = path[..<depth].map { step in step.selector.map { "\(step.key)[\($0)]" } ?? step.key }.joined(separator: ".")
        let here = walked.isEmpty ? component.key : walked + "." + component.key
        guard case let .mapping(mapping) = node else {
            throw FieldError(path: [], "\(walked.isEmpty ? "the file" : walked) is not a mapping, so it has no key '\(component.key)'")
        }
        var pairs = Array(mapping)
        let existing = pairs.firstIndex { $0.key.string == component.key }
        let last = depth == path.count - 1
        guard let selector = component.selector else {
            let child: Node
            if last {
                child = value
            } else {
                child = try set(value, in: existing.map { pairs[$0].value } ?? ScenarioLoader.emptyMapping(), at: depth + 1, document: document)
            }
            if let existing {
                pairs[existing].value = child
            } else {
                pairs.append((ScenarioLoader.keyNode(component.key), child))
            }
            return .mapping(Node.Mapping(pairs, mapping.tag, mapping.style, mapping.mark))
        }
        guard let existing, case let .sequence(sequence) = pairs[existing].value else {
            throw FieldError(path: [], "\(here) is not a list in this scenario, so [\(selector)] selects nothing")
        }
        var items = Array(sequence)
        let matches = items.indices.filter { Self.item(items[$0], at: $0, of: component.key, matches: selector, document: document) }
        guard !matches.isEmpty else {
            let known = items.indices.compactMap { Self.label(items[$0], at: $0, of: component.key, document: document) }
            var message = "no item of \(here) matches [\(selector)]"
            if let close = closest(selector, in: known) {
                message += "; did you mean [\(close)]?"
            } else if !known.isEmpty {
                message += " (there are: \(known.joined(separator: ", ")))"
            }
            throw FieldError(path: [], message)
        }
        for index in matches {
            items[index] = last ? value : try set(value, in: items[index], at: depth + 1, document: document)
        }
        pairs[existing].value = .sequence(Node.Sequence(items, sequence.tag, sequence.style, sequence.mark))
        return .mapping(Node.Mapping(pairs, mapping.tag, mapping.style, mapping.mark))
    }

    /// A scalar field of a list item, looking through YAML merge keys (`<<: *phone`): a key
    /// written in the item wins over a merged one.
    static func field(_ key: String, of item: Node) -> String? {
        guard case let .mapping(mapping) = item else { return nil }
        if let own = mapping.first(where: { $0.key.string == key }) { return own.value.string }
        for pair in mapping where pair.key.string == "<<" {
            switch pair.value {
            case .mapping: if let found = field(key, of: pair.value) { return found }
            case let .sequence(list): for merged in list { if let found = field(key, of: merged) { return found } }
            default: continue
            }
        }
        return nil
    }

    /// The first topic's name, which a demand stream without `topic` belongs to.
    static func firstTopic(_ document: Node) -> String {
        if case let .mapping(root) = document, let center = root["center"], case let .mapping(centerMapping) = center,
           let topics = centerMapping["topics"], case let .sequence(list) = topics, let first = list.first,
           let name = field("name", of: first) {
            return name
        }
        return "general"
    }

    static func item(_ item: Node, at index: Int, of list: String, matches selector: String, document: Node) -> Bool {
        let wanted = selector.trimmingCharacters(in: .whitespaces)
        if list == "demand" {
            let channel = field("channel", of: item) ?? "phone"
            let topic = field("topic", of: item) ?? firstTopic(document)
            if wanted.contains("/") { return wanted == "\(channel)/\(topic)" }
            return wanted == channel || wanted == topic
        }
        if list == "notices", field("topic", of: item) == wanted { return true }
        if list == "agents", field("name", of: item) == nil { return wanted == "group \(index + 1)" }
        return field("name", of: item) == wanted
    }

    /// How an item is selected, for "did you mean" and for the list of what there is.
    static func label(_ item: Node, at index: Int, of list: String, document: Node) -> String? {
        if list == "demand" { return "\(field("channel", of: item) ?? "phone")/\(field("topic", of: item) ?? firstTopic(document))" }
        if list == "agents", field("name", of: item) == nil { return "group \(index + 1)" }
        return field("name", of: item)
    }
}

/// One axis of a sweep: a path and the values it takes, written `PATH=V1,V2,…` or
/// `PATH=A..B` (every whole number from A to B) or `PATH=A..B step S`; a unit may follow each
/// number when all three share it (`60s..120s step 30s`, `75%..90% step 5%`).
///
/// Commas inside brackets, braces or quotes do not split values (`agents[digital desk].channels={chat: 3, email: 1},{chat: 2}`).
public struct SweepAxis: Sendable, Equatable {
    public var pathText: String
    public var values: [String]

    /// The values an axis may take at most.
    public static let maximumValues = 1_000

    /// - Throws: `ScenarioError` for text that is not `PATH=VALUES`, a path that cannot be
    ///   parsed, an empty or malformed range, or more than `maximumValues` values.
    public init(parsing text: String) throws(ScenarioError) {
        guard let (path, valuesText) = ScenarioOverride.split(text) else {
            throw ScenarioError(path: [], message: "'\(text)' is not PATH=VALUES (e.g. agents[billing].count=6..12 or hours.default=08:00-20:00,08:00-22:00)")
        }
        _ = try ScenarioOverride.parse(path: path)
        pathText = path
        values = try Self.values(valuesText, for: path)
        for value in values { _ = try ScenarioOverride(path: path, value: value) }
        guard values.count <= Self.maximumValues else {
            throw ScenarioError(path: [], message: "--set \(path): \(values.count) values, more than the \(Self.maximumValues) an axis may have")
        }
    }

    public init(pathText: String, values: [String]) {
        self.pathText = pathText
        self.values = values
    }

    /// The assignment of value `index`.
    public func override(_ index: Int) -> ScenarioOverride {
        // The path was parsed when the axis was made.
        try! ScenarioOverride(path: pathText, value: values[index])
    }

    static func values(_ text: String, for path: String) throws(ScenarioError) -> [String] {
        if let range = try range(text, for: path) { return range }
        var values: [String] = []
        var current = ""
        var depth = 0
        var quote: Character? = nil
        let characters = Array(text)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            index += 1
            if let open = quote {
                current.append(character)
                if open == "\"" && character == "\\" && index < characters.count {
                    current.append(characters[index])  // `\"` inside double quotes
                    index += 1
                } else if open == "'" && character == "'" && index < characters.count && characters[index] == "'" {
                    current.append(characters[index])  // `''` inside single quotes
                    index += 1
                } else if character == open {
                    quote = nil
                }
                continue
            }
            // A quote opens a quoted scalar only where one can start (`5" screen` is plain).
            let last = current.last { !$0.isWhitespace }
            let opens = last == nil || "[{,:".contains(last!)
            switch character {
            case "\"" where opens, "'" where opens: quote = character
            case "[", "{": depth += 1
            case "]", "}": depth -= 1
            case "," where depth == 0:
                values.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
                continue
            default: break
            }
            current.append(character)
        }
        values.append(current.trimmingCharacters(in: .whitespaces))
        guard !values.contains(where: \.isEmpty) else {
            throw ScenarioError(path: [], message: "--set \(path): an empty value in '\(text)'")
        }
        return values
    }

    static func range(_ text: String, for path: String) throws(ScenarioError) -> [String]? {
        let pattern = /^\s*(-?[0-9]+(?:\.[0-9]+)?)([a-z%]*)\s*\.\.\s*(-?[0-9]+(?:\.[0-9]+)?)([a-z%]*)\s*(?:step\s+([0-9]+(?:\.[0-9]+)?)([a-z%]*))?\s*$/
        guard let match = text.wholeMatch(of: pattern) else {
            if text.contains("..") {
                throw ScenarioError(path: [], message: "--set \(path): '\(text)' is not a range; write A..B (whole numbers) or A..B step S")
            }
            return nil
        }
        let unit = String(match.2)
        let stepUnit = match.6.map(String.init) ?? unit
        guard String(match.4) == unit, stepUnit == unit else {
            throw ScenarioError(path: [], message: "--set \(path): the ends and the step of '\(text)' must have the same unit")
        }
        let from = Double(match.1)!, to = Double(match.3)!
        let step = match.5.map { Double($0)! } ?? 1
        // Ends written with many digits are refused before any arithmetic can overflow.
        let largest = 1e15
        guard abs(from) <= largest, abs(to) <= largest else {
            throw ScenarioError(path: [], message: "--set \(path): the ends of '\(text)' must lie within ±\(Bounds.plain(Int(largest)))")
        }
        guard step > 0 else { throw ScenarioError(path: [], message: "--set \(path): the step must be more than 0") }
        guard to >= from else { throw ScenarioError(path: [], message: "--set \(path): the range \(text) runs backwards") }
        let span = ((to - from) / step + 1e-9).rounded(.down)
        guard span < Double(maximumValues) else {
            let count = span < 1e15 ? Bounds.plain(Int(span) + 1) : "more"
            throw ScenarioError(path: [], message: "--set \(path): \(count) values, more than the \(maximumValues) an axis may have")
        }
        let count = Int(span) + 1
        let decimals = [match.1, match.3, match.5 ?? "1"].map { $0.split(separator: ".").dropFirst().first?.count ?? 0 }.max() ?? 0
        return (0..<count).map { index in
            let value = from + Double(index) * step
            return (decimals == 0 ? String(Int(value.rounded())) : String(format: "%.\(decimals)f", value)) + unit
        }
    }
}
