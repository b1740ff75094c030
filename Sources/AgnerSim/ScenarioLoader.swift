import AgnerCore
import Foundation
import Yams

/// Reads scenario files: YAML, with variants, strict about unknown keys, and precise about
/// where an error is.
public enum ScenarioLoader {
    /// Loads a scenario file, applying `variant` if given. Every variant of the file is checked.
    /// - Throws: `ScenarioError` naming the file, and the field and line where known: a file
    ///   that is missing, unreadable, binary, larger than `ScenarioLimits.fileSize`, not YAML,
    ///   or whose values are outside their ranges.
    ///
    /// `overrides` (`agner sweep --set`, `agner optimise`) are laid over the file after the
    /// variant, and the result is checked as strictly as the file; an error in one names it.
    public static func load(path: String, variant: String? = nil, overrides: [ScenarioOverride] = []) throws(ScenarioError) -> Scenario {
        let text: String
        do { text = try TextFile.read(path, limit: ScenarioLimits.fileSize, kind: "a scenario") } catch {
            throw ScenarioError(file: path, path: [], message: error.description)
        }
        do { return try load(yaml: text, variant: variant, overrides: overrides) } catch {
            var located = error
            located.file = path
            throw located
        }
    }

    public static func load(yaml text: String, variant: String? = nil, overrides: [ScenarioOverride] = []) throws(ScenarioError) -> Scenario {
        guard text.utf8.count <= ScenarioLimits.fileSize else {
            throw ScenarioError(path: [], message: "\(text.utf8.count) bytes is more than a scenario may have (\(ScenarioLimits.fileSize) bytes)")
        }
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw ScenarioError(path: [], message: "the file is empty") }
            // Aliases share their node, so a few lines may stand for billions of nodes; count
            // them, stopping at the limit, before anything walks the tree.
            var budget = ScenarioLimits.yamlNodes
            guard fits(node, budget: &budget) else {
                throw ScenarioError(path: [], message: "the YAML expands to more than \(ScenarioLimits.yamlNodes) nodes (aliases such as *name repeat what they refer to); write the parts out or use fewer aliases")
            }
            root = normalizingKeys(node)
        } catch let error as ScenarioError {
            throw error
        } catch {
            throw ScenarioError(path: [], line: yamlLine(error), message: "not valid YAML: \(yamlMessage(error))")
        }
        guard case var .mapping(document) = root else {
            throw ScenarioError(path: [], line: root.mark?.line, message: "a scenario is a mapping of sections (center, agents, demand, …)")
        }
        let variants = document["variants"]
        document["variants"] = nil
        var variantNames: [String] = []
        if let variants {
            guard case let .mapping(mapping) = variants else {
                throw ScenarioError(path: [.key("variants")], line: variants.mark?.line, message: "variants is a mapping from a name to the parts it changes")
            }
            variantNames = mapping.keys.compactMap(\.string)
        }
        let hash = fingerprint(text)

        func build(_ node: Node, variantName: String?, pathPrefix: FieldPath) throws(ScenarioError) -> Scenario {
            let file: ScenarioFile
            do {
                file = try YAMLDecoder().decode(ScenarioFile.self, from: node)
            } catch {
                throw locate(error, in: node, prefix: pathPrefix)
            }
            do throws(FieldError) {
                var scenario = try resolve(file)
                scenario.variant = variantName
                scenario.variants = variantNames
                scenario.sourceHash = hash
                scenario.sourceText = text
                return scenario
            } catch {
                throw ScenarioError(path: error.path, line: line(of: error.path, in: node), message: error.message)
            }
        }

        /// The chosen document with the overrides laid over it.
        func overridden(_ node: Node, variantName: String?) throws(ScenarioError) -> Scenario {
            let changed = try ScenarioOverride.apply(overrides, to: node)
            do {
                var scenario = try build(changed, variantName: variantName, pathPrefix: [])
                scenario.overrides = overrides
                return scenario
            } catch {
                var named = error
                named.variant = variantName
                named.line = nil  // the mistake is on the command line, not on a line of the file
                named.message += " (with \(overrides.map { "--set \($0)" }.joined(separator: " ")))"
                throw named
            }
        }

        // Check every variant, so a mistake in one is found before anyone needs it.
        var chosen: Scenario? = nil
        let base = try build(.mapping(document), variantName: nil, pathPrefix: [])
        if let variants, case let .mapping(mapping) = variants {
            for (key, overlay) in mapping {
                guard let name = key.string else { continue }
                guard case .mapping = overlay else {
                    throw ScenarioError(path: [.key("variants"), .key(name)], line: overlay.mark?.line,
                                        message: "a variant is a mapping of the sections it changes")
                }
                let merged: Node
                do { merged = try merge(.mapping(document), overlay, path: [.key("variants"), .key(name)]) } catch { throw error }
                let scenario: Scenario
                do { scenario = try build(merged, variantName: name, pathPrefix: []) } catch {
                    var named = error
                    named.variant = name
                    throw named
                }
                if name == variant { chosen = overrides.isEmpty ? scenario : try overridden(merged, variantName: name) }
            }
        }
        if let variant {
            guard let chosen else {
                var known = variantNames.isEmpty ? "the file defines none" : "known: \(variantNames.joined(separator: ", "))"
                if let close = closest(variant, in: variantNames) { known = "did you mean '\(close)'? " + known }
                throw ScenarioError(path: [.key("variants")], message: "no variant named '\(variant)' (\(known))")
            }
            return chosen
        }
        return overrides.isEmpty ? base : try overridden(.mapping(document), variantName: nil)
    }

    /// Counts the nodes of `node` with its aliases expanded, down from `budget`; false as soon as
    /// the budget runs out (so the count costs at most `budget` steps). Any YAML a person hands
    /// in (a scenario, a tokens file) is counted so before it is walked.
    public static func fits(_ node: Node, budget: inout Int) -> Bool {
        budget -= 1
        guard budget >= 0 else { return false }
        switch node {
        case let .mapping(mapping):
            for (key, value) in mapping {
                guard fits(key, budget: &budget), fits(value, budget: &budget) else { return false }
            }
        case let .sequence(sequence):
            for item in sequence { guard fits(item, budget: &budget) else { return false } }
        default:
            break
        }
        return true
    }

    /// Lays a variant over the base document: mappings merge key by key, anything else is
    /// replaced, and a key ending in `+` appends to a list (`agents+: [...]`).
    static func merge(_ base: Node, _ overlay: Node, path: FieldPath) throws(ScenarioError) -> Node {
        guard case let .mapping(baseMapping) = base, case let .mapping(changes) = overlay else { return overlay }
        // Pairs, not the mapping's subscript: a key set through the subscript loses its place in
        // the file, and errors inside a variant must point at the variant's lines.
        var pairs = Array(baseMapping)
        func index(of key: String) -> Int? { pairs.firstIndex { $0.0.string == key } }
        for (keyNode, value) in changes {
            guard let key = keyNode.string else { continue }
            if key.hasSuffix("+") {
                let target = String(key.dropLast())
                guard case let .sequence(addition) = value else {
                    throw ScenarioError(path: path + [.key(key)], line: value.mark?.line, message: "\(key) appends a list; give a list")
                }
                if let existing = index(of: target) {
                    guard case var .sequence(list) = pairs[existing].1 else {
                        throw ScenarioError(path: path + [.key(key)], line: value.mark?.line, message: "\(target) is not a list, so nothing can be appended to it")
                    }
                    for item in addition { list.append(item) }
                    pairs[existing].1 = .sequence(list)
                } else {
                    pairs.append((Self.keyNode(target, mark: keyNode.mark), value))
                }
            } else if let existing = index(of: key) {
                pairs[existing] = (keyNode, try merge(pairs[existing].1, value, path: path + [.key(key)]))
            } else {
                pairs.append((keyNode, value))
            }
        }
        return .mapping(Node.Mapping(pairs, baseMapping.tag, baseMapping.style, baseMapping.mark))
    }

    /// Tags every mapping key as a string and gives every mapping the resolver without rules.
    ///
    /// Yams looks a key up by building an implicit scalar with the mapping's resolver and comparing
    /// resolved tags. With the default resolver, `"12:00"` typed as a key resolves as a YAML 1.1
    /// number and the quoted key in the file as a string, so the two would never match; and each
    /// resolution runs up to seven regular expressions (about 30,000 instructions), once per
    /// lookup. Keys tagged `str` and lookups resolved without rules match by text alone.
    /// A key `<<`, however written, is tagged as a merge key, as it was resolved before.
    static func normalizingKeys(_ node: Node) -> Node {
        // Yams builds a constructor's tables anew for each tag made without one: share one.
        let constructor = Constructor.default
        func normalized(_ node: Node) -> Node {
            switch node {
            case let .mapping(mapping):
                var pairs: [(Node, Node)] = []
                pairs.reserveCapacity(mapping.count)
                for (key, value) in mapping {
                    if case let .scalar(scalar) = key {
                        pairs.append((keyNode(scalar.string, style: scalar.style, mark: scalar.mark, constructor: constructor), normalized(value)))
                    } else {
                        pairs.append((key, normalized(value)))
                    }
                }
                return .mapping(Node.Mapping(pairs, mapping.tag.copy(resolver: .basic), mapping.style, mapping.mark))
            case let .sequence(sequence):
                return .sequence(Node.Sequence(sequence.map(normalized), sequence.tag, sequence.style, sequence.mark))
            default:
                return node
            }
        }
        return normalized(node)
    }

    /// A mapping key as `normalizingKeys` leaves them: text tagged `str`, or `merge` for `<<`.
    /// Keys added to a normalized tree (a variant's `list+`, a `--set` path) are made here, so
    /// they match too.
    static func keyNode(_ text: String, style: Node.Scalar.Style = .plain, mark: Mark? = nil, constructor: Constructor = .default) -> Node {
        .scalar(Node.Scalar(text, Tag(text == "<<" ? .merge : .str, .basic, constructor), style, mark))
    }

    /// An empty mapping as `normalizingKeys` leaves them.
    static func emptyMapping() -> Node {
        .mapping(Node.Mapping([], Tag(.implicit, .basic)))
    }

    // MARK: - Errors with places

    static func locate(_ error: any Error, in node: Node, prefix: FieldPath) -> ScenarioError {
        switch error {
        case let field as FieldError:
            return ScenarioError(path: prefix + field.path, line: line(of: field.path, in: node), message: field.message)
        case let decoding as DecodingError:
            let (path, message) = describe(decoding)
            return ScenarioError(path: prefix + path, line: line(of: path, in: node), message: message)
        default:
            return ScenarioError(path: prefix, message: "\(error)")
        }
    }

    static func describe(_ error: DecodingError) -> (FieldPath, String) {
        switch error {
        case let .keyNotFound(key, context):
            return (FieldPath(codingPath: context.codingPath + [key]), "missing (required)")
        case let .typeMismatch(type, context):
            return (FieldPath(codingPath: context.codingPath), "expected \(friendly(type))")
        case let .valueNotFound(type, context):
            return (FieldPath(codingPath: context.codingPath), "expected \(friendly(type)), found nothing")
        case let .dataCorrupted(context):
            return (FieldPath(codingPath: context.codingPath), context.debugDescription)
        @unknown default:
            return ([], "\(error)")
        }
    }

    static func friendly(_ type: Any.Type) -> String {
        let name = String(describing: type)
        if name.hasPrefix("Array") { return "a list" }
        if name.hasPrefix("Dictionary") || name.contains("KeyedDecodingContainer") { return "a mapping" }
        switch name {
        case "String": return "text"
        case "Int", "UInt64": return "a whole number"
        case "Double": return "a number"
        case "Bool": return "true or false"
        default: return "a value of type \(name)"
        }
    }

    /// The line of the node at `path`, or of the deepest node on the way that exists.
    static func line(of path: FieldPath, in root: Node) -> Int? {
        var node = root
        var line = root.mark?.line
        for component in path {
            switch (component, node) {
            case let (.key(key), .mapping(mapping)):
                guard let pair = mapping.first(where: { $0.key.string == key }) else { return line }
                line = pair.key.mark?.line ?? line
                node = pair.value
            case let (.index(index), .sequence(sequence)):
                guard index < sequence.count else { return line }
                node = sequence[index]
                line = node.mark?.line ?? line
            default:
                return line
            }
        }
        return line
    }

    static func yamlLine(_ error: any Error) -> Int? {
        if let yaml = error as? YamlError {
            switch yaml {
            case let .scanner(_, _, mark, _), let .parser(_, _, mark, _), let .composer(_, _, mark, _): return mark.line
            default: return nil
            }
        }
        return nil
    }

    static func yamlMessage(_ error: any Error) -> String {
        if let yaml = error as? YamlError {
            switch yaml {
            case let .scanner(_, problem, _, _), let .parser(_, problem, _, _), let .composer(_, problem, _, _): return problem
            default: break
            }
        }
        return "\(error)"
    }

    /// FNV-1a, 64 bits, as hex: a stable fingerprint of the file's text.
    static func fingerprint(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
