import CJansson

/// A JSON value to send: built in Swift, encoded by jansson (compact, keys in the order given).
public indirect enum WireValue: Sendable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case null
    case object([(String, WireValue)])
    case array([WireValue])
    /// JSON text kept as received (an adapter's `req` correlation id, say).
    case verbatim(String)

    func makeJSON() -> UnsafeMutablePointer<json_t>? {
        switch self {
        case let .string(text): return json_stringn(text, text.utf8.count)
        case let .int(value): return json_integer(json_int_t(value))
        case let .double(value): return value.isFinite ? json_real(value) : json_null()
        case let .bool(value): return value ? json_true() : json_false()
        case .null: return json_null()
        case let .object(pairs):
            let object = json_object()
            for (key, value) in pairs { json_object_set_new(object, key, value.makeJSON()) }
            return object
        case let .array(items):
            let array = json_array()
            for item in items { json_array_append_new(array, item.makeJSON()) }
            return array
        case let .verbatim(text):
            var error = json_error_t()
            return json_loadb(text, text.utf8.count, Int(JSON_DECODE_ANY), &error) ?? json_null()
        }
    }

    /// One line of the protocol: compact JSON and a newline.
    public func line() -> String {
        guard let json = makeJSON() else { return "null\n" }
        defer { agner_json_decref(json) }
        guard let dumped = json_dumps(json, Int(JSON_COMPACT | JSON_PRESERVE_ORDER)) else { return "null\n" }
        defer { free(dumped) }
        return String(cString: dumped) + "\n"
    }
}

/// A received JSON object (one protocol line), parsed by jansson.
public final class WireObject {
    let json: UnsafeMutablePointer<json_t>

    /// - Throws: `ProtocolError` `bad_json` when the text is not JSON or not an object.
    public init(parsing bytes: UnsafeRawBufferPointer) throws(ProtocolError) {
        var error = json_error_t()
        guard let json = json_loadb(bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count,
                                    Int(JSON_REJECT_DUPLICATES), &error) else {
            let message = withUnsafeBytes(of: error.text) { raw in String(cString: raw.bindMemory(to: CChar.self).baseAddress!) }
            throw ProtocolError(.badJSON, "not valid JSON: \(message) (column \(error.column))")
        }
        guard agner_json_is_object(json) != 0 else {
            agner_json_decref(json)
            throw ProtocolError(.badJSON, "a request is a JSON object")
        }
        self.json = json
    }

    public convenience init(parsing text: String) throws(ProtocolError) {
        let bytes = Array(text.utf8)
        var failure: ProtocolError? = nil
        var parsed: UnsafeMutablePointer<json_t>? = nil
        bytes.withUnsafeBytes { buffer in
            do throws(ProtocolError) {
                let object = try WireObject(parsing: buffer)
                parsed = agner_json_incref(object.json)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        self.init(json: parsed!)
    }

    private init(json: UnsafeMutablePointer<json_t>) {
        self.json = json
    }

    deinit { agner_json_decref(json) }

    func field(_ key: String) -> UnsafeMutablePointer<json_t>? {
        json_object_get(json, key)
    }

    /// The value of `key` as compact JSON text (to echo a `req` back as it came).
    public func verbatim(_ key: String) -> String? {
        guard let value = field(key), let dumped = json_dumps(value, Int(JSON_COMPACT | JSON_ENCODE_ANY)) else { return nil }
        defer { free(dumped) }
        return String(cString: dumped)
    }

    /// The whole object as compact JSON, without one key (the `req` of a journaled request).
    public func lineWithout(_ key: String) -> String {
        guard let copy = json_deep_copy(json) else { return "{}" }
        defer { agner_json_decref(copy) }
        json_object_del(copy, key)
        guard let dumped = json_dumps(copy, Int(JSON_COMPACT | JSON_PRESERVE_ORDER)) else { return "{}" }
        defer { free(dumped) }
        return String(cString: dumped)
    }

    public func string(_ key: String) throws(ProtocolError) -> String {
        guard let value = field(key) else { throw .missing(key, "a string") }
        guard agner_json_is_string(value) != 0 else { throw .wrongType(key, "a string") }
        return String(cString: json_string_value(value))
    }

    public func optionalString(_ key: String) throws(ProtocolError) -> String? {
        guard let value = field(key), agner_json_is_null(value) == 0 else { return nil }
        guard agner_json_is_string(value) != 0 else { throw .wrongType(key, "a string") }
        return String(cString: json_string_value(value))
    }

    /// true only for a JSON `true` (absent, null or anything else: false).
    public func isTrue(_ key: String) -> Bool {
        guard let value = field(key) else { return false }
        return agner_json_is_true(value) != 0
    }

    public func optionalInt(_ key: String) throws(ProtocolError) -> Int? {
        guard let value = field(key), agner_json_is_null(value) == 0 else { return nil }
        guard agner_json_is_integer(value) != 0 else { throw .wrongType(key, "a whole number") }
        return Int(json_integer_value(value))
    }

    /// A mapping of names to whole numbers (skills → proficiency, channels → capacity).
    public func optionalIntMap(_ key: String) throws(ProtocolError) -> [(String, Int)]? {
        guard let value = field(key), agner_json_is_null(value) == 0 else { return nil }
        guard agner_json_is_object(value) != 0 else { throw .wrongType(key, "an object of names to whole numbers") }
        var pairs: [(String, Int)] = []
        var iterator = json_object_iter(value)
        while let current = iterator {
            let name = String(cString: json_object_iter_key(current))
            let number = json_object_iter_value(current)
            guard agner_json_is_integer(number) != 0 else { throw ProtocolError(.badField, "\(key).\(name): expected a whole number") }
            pairs.append((name, Int(json_integer_value(number))))
            iterator = json_object_iter_next(value, current)
        }
        return pairs
    }

    public func optionalStringList(_ key: String) throws(ProtocolError) -> [String]? {
        guard let value = field(key), agner_json_is_null(value) == 0 else { return nil }
        guard agner_json_is_array(value) != 0 else { throw .wrongType(key, "a list of strings") }
        var items: [String] = []
        for index in 0..<json_array_size(value) {
            let item = json_array_get(value, index)
            guard agner_json_is_string(item) != 0 else { throw ProtocolError(.badField, "\(key)[\(index)]: expected a string") }
            items.append(String(cString: json_string_value(item)))
        }
        return items
    }
}
