/// How the entries of one group commit are stored: side by side in one blob (one row per
/// batch, not per entry: a row insert cost about as much as encoding, parsing and routing the
/// request it records). Each entry is
///
///     time     8 bytes, the Double's bit pattern, little-endian
///     origin   4-byte little-endian length, then that many bytes of UTF-8
///     line     4-byte little-endian length, then that many bytes of UTF-8
///
/// Entry sequence numbers are not stored: a batch row carries the sequence of its last entry
/// and its count, and the entries before it count down from there.
enum JournalBatch {
    /// Appends one entry's encoding.
    static func append(time: Double, origin: String, line: UnsafeRawBufferPointer, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: time.bitPattern.littleEndian) { bytes += $0 }
        var origin = origin
        origin.withUTF8 { text in
            withUnsafeBytes(of: UInt32(text.count).littleEndian) { bytes += $0 }
            bytes += text
        }
        withUnsafeBytes(of: UInt32(line.count).littleEndian) { bytes += $0 }
        bytes += line
    }

    struct Damaged: Error, CustomStringConvertible {
        var description: String
    }

    /// The checksum stored beside a batch: CRC-32 over its last sequence and count (8 bytes
    /// each, little-endian) and its entries, so that a damaged blob, or a row whose numbers were
    /// damaged, is never applied as other data. Batches written before checksums have none.
    static func checksum(last: Int64, count: Int, entries: UnsafeRawBufferPointer) -> Int64 {
        var header = (last.littleEndian, Int64(count).littleEndian)
        let crc = withUnsafeBytes(of: &header) { CRC32.checksum($0) }
        return Int64(CRC32.checksum(entries, continuing: crc))
    }

    static func checksum(last: Int64, count: Int, entries: [UInt8]) -> Int64 {
        entries.withUnsafeBytes { checksum(last: last, count: count, entries: $0) }
    }

    /// Checks the stored checksum (nil: a batch from before checksums, taken as it is).
    /// - Throws: `Damaged` when it does not match.
    static func verify(_ blob: UnsafeRawBufferPointer, count: Int, last: Int64, checksum stored: Int64?) throws {
        guard let stored else { return }
        guard checksum(last: last, count: count, entries: blob) == stored else {
            let entries = span(last: last, count: count).map { "\($0.lowerBound)–\($0.upperBound)" } ?? "ending at \(last)"
            throw Damaged(description: "journal batch \(entries): its checksum does not match (the batch is damaged)")
        }
    }

    /// The sequence numbers of a batch's entries, or nil when its stored `last` and `count`
    /// cannot be a batch's (damage: a count below 1, more entries than numbers before `last`,
    /// or a `last` with no number after it). No arithmetic on stored values happens elsewhere.
    static func span(last: Int64, count: Int) -> ClosedRange<Int64>? {
        guard count > 0, last < Int64.max, last >= Int64(count) else { return nil }
        return (last - Int64(count) + 1)...last
    }

    /// Calls `body` with each entry of a batch, in order.
    /// - Parameters:
    ///   - last: the sequence number of the batch's last entry.
    /// - Throws: `Damaged` when the blob does not hold exactly `count` entries.
    static func decode(_ blob: UnsafeRawBufferPointer, count: Int, last: Int64,
                       _ body: (CommandLog.Entry) throws -> Void) throws {
        guard let first = span(last: last, count: count)?.lowerBound else {
            throw Damaged(description: "journal batch ending at \(last): a count of \(count)")
        }
        var position = 0
        func damaged(_ what: String) -> Damaged {
            Damaged(description: "journal batch \(first)–\(last): \(what) at byte \(position) of \(blob.count)")
        }
        func take(_ length: Int) throws -> UnsafeRawBufferPointer {
            guard length >= 0, length <= blob.count - position else { throw damaged("the entry ends early") }
            defer { position += length }
            return UnsafeRawBufferPointer(rebasing: blob[position..<(position + length)])
        }
        func length() throws -> Int { Int(UInt32(littleEndian: try take(4).loadUnaligned(as: UInt32.self))) }
        for index in 0..<count {
            let time = Double(bitPattern: UInt64(littleEndian: try take(8).loadUnaligned(as: UInt64.self)))
            let origin = String(decoding: try take(try length()), as: UTF8.self)
            let line = String(decoding: try take(try length()), as: UTF8.self)
            var entry = CommandLog.Entry(time: time, origin: origin, line: line)
            entry.sequence = first + Int64(index)
            try body(entry)
        }
        guard position == blob.count else { throw damaged("bytes left over after \(count) entries") }
    }
}
