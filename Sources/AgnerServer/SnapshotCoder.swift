import AgnerProtocol
/// A compact binary form for `Codable` values, used for the router's snapshots.
///
/// Values are written in the order their `encode(to:)` writes them, without keys: integers and
/// doubles little-endian at full width, strings and lists with a 32-bit count, optionals with
/// a one-byte flag. Decoding reads them back in the same order, which synthesized `Codable`
/// code guarantees. It is a private format for snapshots of this program's own types: it is
/// not self-describing, so it cannot hold dictionaries keyed by strings or numbers (those
/// decode through `allKeys`); the types that go into a snapshot store such maps as lists.
enum SnapshotCoder {
    static func encode<T: Encodable>(_ value: T, reservingCapacity capacity: Int = 1 << 16) throws -> [UInt8] {
        let sink = ByteSink()
        sink.bytes.reserveCapacity(capacity)
        try sink.write(value)
        return sink.bytes
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], userInfo: [CodingUserInfoKey: Any] = [:]) throws -> T {
        let source = ByteSource(bytes, userInfo: userInfo)
        let value = try source.read(T.self)
        guard source.position == bytes.count else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "\(bytes.count - source.position) bytes left over after the value"))
        }
        return value
    }
}

// MARK: - Writing

final class ByteSink {
    var bytes: [UInt8] = []

    @inline(__always) func put<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    func put(_ text: String) {
        put(UInt32(text.utf8.count))
        bytes.append(contentsOf: text.utf8)
    }

    /// Writes a value: scalars directly, anything else through its own `encode(to:)`.
    func write<T: Encodable>(_ value: T) throws {
        // Type identity first (a pointer comparison), so composite values skip fourteen failed casts.
        if T.self == Int.self { put(Int64(value as! Int)) }
        else if T.self == Double.self { put((value as! Double).bitPattern) }
        else if T.self == Int32.self { put(value as! Int32) }
        else if T.self == UInt32.self { put(value as! UInt32) }
        else if T.self == UInt64.self { put(value as! UInt64) }
        else if T.self == Bool.self { put(UInt8((value as! Bool) ? 1 : 0)) }
        else if T.self == String.self { put(value as! String) }
        else if T.self == UInt8.self { put(value as! UInt8) }
        else if T.self == Int8.self { put(value as! Int8) }
        else if T.self == Int16.self { put(value as! Int16) }
        else if T.self == UInt16.self { put(value as! UInt16) }
        else if T.self == Int64.self { put(value as! Int64) }
        else if T.self == UInt.self { put(UInt64(value as! UInt)) }
        else if T.self == Float.self { put((value as! Float).bitPattern) }
        else { try value.encode(to: SnapshotEncoder(sink: self)) }
    }

    func writeOptional<T: Encodable>(_ value: T?) throws {
        guard let value else { return put(UInt8(0)) }
        put(UInt8(1))
        try write(value)
    }
}

struct SnapshotEncoder: Encoder {
    let sink: ByteSink
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(KeyedWriter<Key>(sink: sink))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer { ListWriter(sink: sink) }
    func singleValueContainer() -> any SingleValueEncodingContainer { SingleWriter(sink: sink) }
}

struct KeyedWriter<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let sink: ByteSink
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) throws { sink.put(UInt8(0)) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try sink.write(value) }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws { try sink.writeOptional(value) }
    // Every concrete overload, or the standard library's defaults would skip nil without a flag.
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try sink.writeOptional(value) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try sink.writeOptional(value) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try sink.writeOptional(value) }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { try sink.writeOptional(value) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try sink.writeOptional(value) }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try sink.writeOptional(value) }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try sink.writeOptional(value) }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try sink.writeOptional(value) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try sink.writeOptional(value) }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { try sink.writeOptional(value) }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try sink.writeOptional(value) }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try sink.writeOptional(value) }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try sink.writeOptional(value) }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try sink.writeOptional(value) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(KeyedWriter<NestedKey>(sink: sink))
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { ListWriter(sink: sink) }
    mutating func superEncoder() -> any Encoder { SnapshotEncoder(sink: sink) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { SnapshotEncoder(sink: sink) }
}

/// A list: a 32-bit count, patched as elements are added, then the elements.
struct ListWriter: UnkeyedEncodingContainer {
    let sink: ByteSink
    let countAt: Int
    private(set) var count = 0
    var codingPath: [any CodingKey] { [] }

    init(sink: ByteSink) {
        self.sink = sink
        countAt = sink.bytes.count
        sink.put(UInt32(0))
    }

    private mutating func added() {
        count += 1
        withUnsafeBytes(of: UInt32(count).littleEndian) { raw in
            for index in 0..<4 { sink.bytes[countAt + index] = raw[index] }
        }
    }

    mutating func encodeNil() throws { added(); sink.put(UInt8(0)) }
    mutating func encode<T: Encodable>(_ value: T) throws { added(); try sink.write(value) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        added()
        return KeyedEncodingContainer(KeyedWriter<NestedKey>(sink: sink))
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { added(); return ListWriter(sink: sink) }
    mutating func superEncoder() -> any Encoder { added(); return SnapshotEncoder(sink: sink) }
}

/// A single value carries a presence flag, so an optional written through it reads back.
struct SingleWriter: SingleValueEncodingContainer {
    let sink: ByteSink
    var codingPath: [any CodingKey] { [] }
    mutating func encodeNil() throws { sink.put(UInt8(0)) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        sink.put(UInt8(1))
        try sink.write(value)
    }
}

// MARK: - Reading

final class ByteSource {
    let bytes: [UInt8]
    var position = 0
    let userInfo: [CodingUserInfoKey: Any]

    init(_ bytes: [UInt8], userInfo: [CodingUserInfoKey: Any]) {
        self.bytes = bytes
        self.userInfo = userInfo
    }

    func take<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let size = MemoryLayout<T>.size
        guard position + size <= bytes.count else { throw Self.truncated }
        var value = T.zero
        withUnsafeMutableBytes(of: &value) { raw in
            bytes.withUnsafeBytes { source in raw.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[position..<(position + size)])) }
        }
        position += size
        return T(littleEndian: value)
    }

    func takeString() throws -> String {
        let count = Int(try take(UInt32.self))
        guard position + count <= bytes.count else { throw Self.truncated }
        defer { position += count }
        return String(decoding: bytes[position..<(position + count)], as: UTF8.self)
    }

    func takeFlag() throws -> Bool {
        switch try take(UInt8.self) {
        case 0: return false
        case 1: return true
        case let other: throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "presence flag \(other) at byte \(position - 1)"))
        }
    }

    /// The next byte is 0 (a nil): consumes it.
    func takeNil() throws -> Bool {
        guard position < bytes.count else { throw Self.truncated }
        guard bytes[position] == 0 else { return false }
        position += 1
        return true
    }

    static let truncated = DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "the snapshot ends early"))

    func read<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == Int.self { return Int(try take(Int64.self)) as! T }
        if T.self == Double.self { return Double(bitPattern: try take(UInt64.self)) as! T }
        if T.self == Int32.self { return try take(Int32.self) as! T }
        if T.self == UInt32.self { return try take(UInt32.self) as! T }
        if T.self == UInt64.self { return try take(UInt64.self) as! T }
        if T.self == Bool.self { return (try take(UInt8.self) != 0) as! T }
        if T.self == String.self { return try takeString() as! T }
        if T.self == UInt8.self { return try take(UInt8.self) as! T }
        if T.self == Int8.self { return try take(Int8.self) as! T }
        if T.self == Int16.self { return try take(Int16.self) as! T }
        if T.self == UInt16.self { return try take(UInt16.self) as! T }
        if T.self == Int64.self { return try take(Int64.self) as! T }
        if T.self == UInt.self { return UInt(try take(UInt64.self)) as! T }
        if T.self == Float.self { return Float(bitPattern: try take(UInt32.self)) as! T }
        return try T(from: SnapshotDecoder(source: self))
    }

    func readOptional<T: Decodable>(_ type: T.Type) throws -> T? {
        try takeFlag() ? try read(T.self) : nil
    }
}

struct SnapshotDecoder: Decoder {
    let source: ByteSource
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { source.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(KeyedReader<Key>(source: source))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { try ListReader(source: source) }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleReader(source: source) }
}

struct KeyedReader<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let source: ByteSource
    var codingPath: [any CodingKey] { [] }

    /// Keys are not stored: a container that needs to list them (a dictionary keyed by strings
    /// or numbers) is a programming error in what was put into the snapshot.
    var allKeys: [Key] {
        preconditionFailure("snapshots hold no dictionaries keyed by strings or numbers; store such a map as a list")
    }

    func contains(_ key: Key) -> Bool { true }
    func decodeNil(forKey key: Key) throws -> Bool { try source.takeNil() }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try source.read(T.self) }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? { try source.readOptional(T.self) }
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try source.readOptional(type) }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try source.readOptional(type) }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try source.readOptional(type) }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? { try source.readOptional(type) }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try source.readOptional(type) }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { try source.readOptional(type) }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { try source.readOptional(type) }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try source.readOptional(type) }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try source.readOptional(type) }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { try source.readOptional(type) }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { try source.readOptional(type) }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { try source.readOptional(type) }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { try source.readOptional(type) }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try source.readOptional(type) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        KeyedDecodingContainer(KeyedReader<NestedKey>(source: source))
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try ListReader(source: source) }
    func superDecoder() throws -> any Decoder { SnapshotDecoder(source: source) }
    func superDecoder(forKey key: Key) throws -> any Decoder { SnapshotDecoder(source: source) }
}

struct ListReader: UnkeyedDecodingContainer {
    let source: ByteSource
    let total: Int
    private(set) var currentIndex = 0
    var codingPath: [any CodingKey] { [] }
    var count: Int? { total }
    var isAtEnd: Bool { currentIndex >= total }

    init(source: ByteSource) throws {
        self.source = source
        total = Int(try source.take(UInt32.self))
        // Every element takes at least a byte: a damaged count must not make the standard
        // library reserve room for billions of them before the bytes run out.
        guard total <= source.bytes.count - source.position else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "a list of \(total) in \(source.bytes.count - source.position) bytes"))
        }
    }

    private mutating func next() throws {
        guard currentIndex < total else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "a list of \(total) read past its end"))
        }
        currentIndex += 1
    }

    mutating func decodeNil() throws -> Bool {
        guard try source.takeNil() else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try next()
        return try source.read(T.self)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next()
        return KeyedDecodingContainer(KeyedReader<NestedKey>(source: source))
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try next()
        return try ListReader(source: source)
    }

    mutating func superDecoder() throws -> any Decoder {
        try next()
        return SnapshotDecoder(source: source)
    }
}

struct SingleReader: SingleValueDecodingContainer {
    let source: ByteSource
    var codingPath: [any CodingKey] { [] }
    func decodeNil() -> Bool { (try? source.takeNil()) ?? false }
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        guard try source.takeFlag() else {
            throw DecodingError.valueNotFound(T.self, .init(codingPath: [], debugDescription: "expected a value, found nil"))
        }
        return try source.read(T.self)
    }
}
