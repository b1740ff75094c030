import CJansson
#if canImport(Glibc)
import Glibc
#endif

/// A JSON value to send: built in Swift, encoded by jansson (compact, keys in the order given).
public enum WireValue: Sendable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case null
    case object([(String, WireValue)])
    case array([WireValue])
    /// A value as it was received (an adapter's `req` correlation id, say), shared, not copied.
    case received(ReceivedJSON)

    func makeJSON() -> UnsafeMutablePointer<json_t>? {
        switch self {
        case let .string(text):
            var text = text
            // Through the UTF-8 storage: passing a short String to a C pointer would copy it to the heap.
            return text.withUTF8 { $0.withMemoryRebound(to: CChar.self) { json_stringn_nocheck($0.baseAddress, $0.count) } }
        case let .int(value): return json_integer(json_int_t(value))
        case let .double(value): return value.isFinite ? json_real(value) : json_null()
        case let .bool(value): return value ? json_true() : json_false()
        case .null: return json_null()
        case let .object(pairs):
            let object = json_object()
            for (key, value) in pairs { key.withCString { _ = json_object_set_new_nocheck(object, $0, value.makeJSON()) } }
            return object
        case let .array(items):
            let array = json_array()
            for item in items { json_array_append_new(array, item.makeJSON()) }
            return array
        case let .received(value):
            return agner_json_incref(value.json)
        }
    }

    /// One line of the protocol: compact JSON and a newline.
    public func line() -> String {
        var bytes: [UInt8] = []
        write(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the line: compact JSON and a newline.
    public func write(into output: inout [UInt8]) {
        if let json = makeJSON() {
            Self.encode(json, into: &output)
            agner_json_decref(json)
        } else {
            output += JSONText.nullText
        }
        output.append(UInt8(ascii: "\n"))
    }

    /// Appends jansson's compact encoding of one value (any kind), through the per-thread
    /// buffer, or through a buffer of jansson's for a value that does not fit it.
    static func encode(_ json: UnsafeMutablePointer<json_t>, into output: inout [UInt8]) {
        let flags = Int(JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY)
        let size = json_dumpb(json, WireValue.scratch, WireValue.scratchSize, flags)
        if size > 0 && size <= WireValue.scratchSize {
            output += UnsafeBufferPointer(start: UnsafeRawPointer(WireValue.scratch).assumingMemoryBound(to: UInt8.self), count: size)
        } else if let dumped = json_dumps(json, flags) {
            defer { free(dumped) }
            output += UnsafeBufferPointer(start: UnsafeRawPointer(dumped).assumingMemoryBound(to: UInt8.self), count: strlen(dumped))
        } else {
            output += Array("null".utf8)
        }
    }

    /// The encoding buffer. Lines are built on one thread at a time per process role (the
    /// server's event loop, the load client's), so one per thread.
    static var scratch: UnsafeMutablePointer<CChar> { ScratchBuffer.current.pointer }
    static let scratchSize = 64 * 1024
}

/// One encoding buffer per thread (a POSIX thread-specific key: the protocol needs no
/// event-loop library for it).
final class ScratchBuffer: @unchecked Sendable {
    let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: WireValue.scratchSize)
    deinit { pointer.deallocate() }

    static var current: ScratchBuffer {
        if let existing = pthread_getspecific(key) {
            return Unmanaged<ScratchBuffer>.fromOpaque(existing).takeUnretainedValue()
        }
        let buffer = ScratchBuffer()
        pthread_setspecific(key, Unmanaged.passRetained(buffer).toOpaque())
        return buffer
    }

    /// The key; a thread's buffer is released when the thread ends.
    static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in
            guard let pointer else { return }
            Unmanaged<ScratchBuffer>.fromOpaque(pointer).release()
        }
        return key
    }()
}

/// A line shape encoded again and again (the reply to a frequent request, an event). jansson
/// encodes the keys, with the braces, colons and commas between them, once; each line then has
/// jansson encode only its values, one by one, into that frame. A line costs no object tree (a
/// fresh tree is an allocation per object, key and value) and none of the checks jansson makes
/// when it dumps a container; the bytes are the same as dumping the whole object (a test holds
/// them equal). Not thread-safe: each router (one event loop) keeps its own.
public final class LineTemplate {
    /// The text around the values: `{"re":`, `,"ok":`, `,"result":{"contact":`, … `}}`.
    private var frame: [[UInt8]] = []
    /// One jansson value per slot, reused line after line (a string's text is replaced in place).
    private var values: [UnsafeMutablePointer<json_t>] = []
    private var buffer: [UInt8] = []

    /// - Parameters:
    ///   - shape: the object; nested objects are walked, and every other value is a slot, in
    ///     order. Its values are only placeholders,
    ///   - fixed: except for this many leading slots, whose values are part of the frame (an
    ///     event's name).
    public init(_ shape: [(String, WireValue)], fixed: Int = 0) {
        var pending: [UInt8] = [UInt8(ascii: "{")]
        var fixed = fixed
        build(shape, &pending, &fixed)
        pending.append(UInt8(ascii: "}"))
        pending.append(UInt8(ascii: "\n"))
        frame.append(pending)
        buffer.reserveCapacity(512)
    }

    private func build(_ shape: [(String, WireValue)], _ pending: inout [UInt8], _ fixed: inout Int) {
        for (index, (key, value)) in shape.enumerated() {
            if index > 0 { pending.append(UInt8(ascii: ",")) }
            let encodedKey = WireValue.string(key).makeJSON()!
            WireValue.encode(encodedKey, into: &pending)
            agner_json_decref(encodedKey)
            pending.append(UInt8(ascii: ":"))
            if case let .object(inner) = value {
                pending.append(UInt8(ascii: "{"))
                build(inner, &pending, &fixed)
                pending.append(UInt8(ascii: "}"))
            } else if fixed > 0 {
                fixed -= 1
                let json = value.makeJSON() ?? json_null()!
                WireValue.encode(json, into: &pending)
                agner_json_decref(json)
            } else {
                frame.append(pending)
                pending = []
                values.append(value.makeJSON() ?? json_null()!)
            }
        }
    }

    deinit { for value in values { agner_json_decref(value) } }

    public var slotCount: Int { values.count }

    /// One line with these values in the slots, in order.
    public func line(_ values: [WireValue]) -> String {
        buffer.removeAll(keepingCapacity: true)
        write(values, into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    /// One line with the values of these fields in the slots, in order (the fields' names are
    /// the template's; only their values are used).
    public func line(fields: [(String, WireValue)]) -> String {
        buffer.removeAll(keepingCapacity: true)
        write(fields: fields, into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    /// Appends the line with these values in the slots, newline included.
    public func write(_ values: [WireValue], into output: inout [UInt8]) {
        precondition(values.count == self.values.count, "a template with \(self.values.count) slots got \(values.count) values")
        for index in values.indices {
            output += frame[index]
            append(index, values[index], to: &output)
        }
        output += frame[values.count]
    }

    /// Appends the line with the values of these fields in the slots, newline included.
    public func write(fields: [(String, WireValue)], into output: inout [UInt8]) {
        precondition(fields.count == values.count, "a template with \(values.count) slots got \(fields.count) values")
        for index in fields.indices {
            output += frame[index]
            append(index, fields[index].1, to: &output)
        }
        output += frame[values.count]
    }

    /// Appends the value's encoding. A value whose encoding is its own text (a string with
    /// nothing to escape, a whole number, true, false, null) is written directly; anything else
    /// (escapes, fractions) is put in its slot (reusing the slot's jansson value where the kind
    /// allows) and encoded by jansson.
    private func append(_ index: Int, _ value: WireValue, to output: inout [UInt8]) {
        if JSONText.appendVerbatim(value, to: &output) { return }
        let current = values[index]
        switch value {
        case var .string(text) where agner_json_is_string(current) != 0:
            text.withUTF8 { bytes in
                bytes.withMemoryRebound(to: CChar.self) { _ = json_string_setn_nocheck(current, $0.baseAddress, $0.count) }
            }
        case let .int(number) where agner_json_is_integer(current) != 0:
            json_integer_set(current, json_int_t(number))
        case let .double(number) where number.isFinite && agner_json_is_real(current) != 0:
            json_real_set(current, number)
        default:
            agner_json_decref(current)
            values[index] = value.makeJSON() ?? json_null()!
        }
        WireValue.encode(values[index], into: &output)
    }

}

/// The values whose JSON text needs no encoder: writing them directly gives the very bytes
/// jansson writes (a test holds them equal) without a jansson value, an allocation or a dump.
enum JSONText {
    /// Appends the JSON text of a string that needs no escaping, a whole number, a boolean or
    /// null. - Returns: false (and appends nothing) for any other value.
    static func appendVerbatim(_ value: WireValue, to output: inout [UInt8]) -> Bool {
        switch value {
        case var .string(text): return text.withUTF8 { appendPlainString($0, to: &output) }
        case let .int(number): appendInteger(number, to: &output)
        case let .bool(flag): output += flag ? trueText : falseText
        case .null: output += nullText
        case let .received(json):
            if agner_json_is_integer(json.json) != 0 {
                appendInteger(Int(json_integer_value(json.json)), to: &output)
            } else if agner_json_is_string(json.json) != 0 {
                let bytes = UnsafeRawBufferPointer(start: json_string_value(json.json), count: json_string_length(json.json))
                return appendPlainString(bytes.assumingMemoryBound(to: UInt8.self), to: &output)
            } else {
                return false
            }
        case .double, .object, .array: return false
        }
        return true
    }

    /// A string jansson would write as is: no quote, no backslash, no control character (every
    /// other byte of valid UTF-8, non-ASCII included, jansson copies unchanged without
    /// `JSON_ENSURE_ASCII`). - Returns: false (and appends nothing) when it needs escaping.
    static func appendPlainString(_ bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) -> Bool {
        for byte in bytes where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return false }
        output.append(UInt8(ascii: "\""))
        output += bytes
        output.append(UInt8(ascii: "\""))
        return true
    }

    /// Decimal digits, with a minus sign when negative (jansson's `%lld`).
    static func appendInteger(_ number: Int, to output: inout [UInt8]) {
        if number < 0 { output.append(UInt8(ascii: "-")) }
        var magnitude = number.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for the 20 digits of any Int
        withUnsafeMutableBytes(of: &digits) { raw in
            var start = raw.count
            repeat {
                start -= 1
                raw[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            output += raw[start...]
        }
    }

    static let trueText = Array("true".utf8)
    static let falseText = Array("false".utf8)
    static let nullText = Array("null".utf8)
}

/// A JSON value from a received request, kept alive by reference counting.
public final class ReceivedJSON: @unchecked Sendable {
    let json: UnsafeMutablePointer<json_t>
    init(_ json: UnsafeMutablePointer<json_t>) { self.json = agner_json_incref(json) }
    deinit { agner_json_decref(json) }
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

    /// Keys are static strings: passing a short Swift string to C would copy it to the heap
    /// on every lookup.
    func field(_ key: StaticString) -> UnsafeMutablePointer<json_t>? {
        key.utf8Start.withMemoryRebound(to: CChar.self, capacity: key.utf8CodeUnitCount) {
            json_object_getn(json, $0, key.utf8CodeUnitCount)
        }
    }

    /// The value of `key` as received, to echo back (a `req` correlation id).
    public func received(_ key: StaticString) -> ReceivedJSON? {
        field(key).map(ReceivedJSON.init)
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

    public func string(_ key: StaticString) throws(ProtocolError) -> String {
        guard let value = field(key) else { throw .missing(key, "a string") }
        guard agner_json_is_string(value) != 0 else { throw .wrongType(key, "a string") }
        return String(cString: json_string_value(value))
    }

    public func optionalString(_ key: StaticString) throws(ProtocolError) -> String? {
        guard let value = field(key), agner_json_is_null(value) == 0 else { return nil }
        guard agner_json_is_string(value) != 0 else { throw .wrongType(key, "a string") }
        return String(cString: json_string_value(value))
    }

    /// true only for a JSON `true` (absent, null or anything else: false).
    public func isTrue(_ key: StaticString) -> Bool {
        guard let value = field(key) else { return false }
        return agner_json_is_true(value) != 0
    }

    public func optionalInt(_ key: StaticString) throws(ProtocolError) -> Int? {
        guard let value = field(key), agner_json_is_null(value) == 0 else { return nil }
        guard agner_json_is_integer(value) != 0 else { throw .wrongType(key, "a whole number") }
        return Int(json_integer_value(value))
    }

    /// A number, whole or not (a time, a duration in seconds).
    public func optionalNumber(_ key: StaticString) throws(ProtocolError) -> Double? {
        guard let value = field(key), agner_json_is_null(value) == 0 else { return nil }
        guard agner_json_is_number(value) != 0 else { throw .wrongType(key, "a number") }
        return json_number_value(value)
    }

    /// A mapping of names to whole numbers (skills → proficiency, channels → capacity).
    public func optionalIntMap(_ key: StaticString) throws(ProtocolError) -> [(String, Int)]? {
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

    public func optionalStringList(_ key: StaticString) throws(ProtocolError) -> [String]? {
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
