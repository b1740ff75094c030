import Foundation

/// Snapshot files: the newest at `<journal>-snapshot`, the one before it at
/// `<journal>-snapshot.previous`, so that recovery never depends on one file. Each is
///
///     "AGJ2"     magic
///     crc        4 bytes: CRC-32 of everything after it
///     id         4-byte length, then the journal's identity (UTF-8)
///     sequence   8 bytes: the last journal entry the state includes
///     created    8 bytes: Unix seconds (the Double's bit pattern)
///     length     8 bytes: the payload's length
///     payload    the router's state
///
/// (all little-endian). Files from builds before checksums ("AGNJ", without crc and length)
/// are still read.
extension CommandLog {
    static let snapshotMagic = Array("AGJ2".utf8)
    /// Snapshot files written before checksums.
    static let uncheckedSnapshotMagic = Array("AGNJ".utf8)

    /// The snapshot before the newest: `<journal>-snapshot.previous`.
    public var previousSnapshotPath: String { snapshotPath + ".previous" }

    /// A snapshot file found beside the journal, usable or not.
    public struct SnapshotFile: Sendable {
        public var path: String
        public var snapshot: Result<Snapshot, SnapshotUnusable>
    }

    /// Stores a snapshot covering the entries up to `sequence`: written beside the newest,
    /// flushed to disk, then the newest becomes the previous one and the new one takes its
    /// place (two renames; a crash between them leaves the previous one, which recovery uses).
    /// Safe to call from another thread than the one appending: it never touches the journal's
    /// database. On failure (a full disk, say) the partial file is removed and the snapshots
    /// stay as they were.
    public func saveSnapshot(_ data: [UInt8], through sequence: Int64, at created: Double) throws {
        var rest: [UInt8] = []
        let id = Array(identity.utf8)
        withUnsafeBytes(of: UInt32(id.count).littleEndian) { rest += $0 }
        rest += id
        withUnsafeBytes(of: sequence.littleEndian) { rest += $0 }
        withUnsafeBytes(of: created.bitPattern.littleEndian) { rest += $0 }
        withUnsafeBytes(of: UInt64(data.count).littleEndian) { rest += $0 }
        let crc = CRC32.checksum(data, continuing: CRC32.checksum(rest))
        var header = Self.snapshotMagic
        withUnsafeBytes(of: crc.littleEndian) { header += $0 }
        header += rest
        let temporary = snapshotPath + ".tmp"
        do {
            guard FileManager.default.createFile(atPath: temporary, contents: nil),
                  let file = FileHandle(forWritingAtPath: temporary) else {
                throw SnapshotUnusable(description: "\(temporary): cannot write")
            }
            defer { try? file.close() }
            try file.write(contentsOf: header)
            try file.write(contentsOf: data)
            try file.synchronize()
            if FileManager.default.fileExists(atPath: snapshotPath), rename(snapshotPath, previousSnapshotPath) != 0 {
                throw SnapshotUnusable(description: "\(snapshotPath): cannot keep as \(previousSnapshotPath) (errno \(errno))")
            }
            guard rename(temporary, snapshotPath) == 0 else {
                throw SnapshotUnusable(description: "\(snapshotPath): cannot replace (errno \(errno))")
            }
            JournalFiles.synchronizeDirectory(of: snapshotPath)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
    }

    /// The newest snapshot (`<journal>-snapshot`), or nil when there is none.
    /// - Throws: `SnapshotUnusable` when the file is damaged or belongs to another journal.
    public func latestSnapshot() throws -> Snapshot? {
        guard let contents = FileManager.default.contents(atPath: snapshotPath) else { return nil }
        return try Self.parseSnapshot([UInt8](contents), path: snapshotPath, identity: identity)
    }

    /// Every snapshot file beside the journal, the newest first, each read and checked
    /// (checksum, identity); what recovery chooses from.
    public func snapshotFiles() -> [SnapshotFile] {
        [snapshotPath, previousSnapshotPath].compactMap { path in
            guard FileManager.default.fileExists(atPath: path) else { return nil }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue, access(path, R_OK) != 0 {
                return SnapshotFile(path: path, snapshot: .failure(SnapshotUnusable(
                    description: "\(path): permission denied (the router's user may not read it; fix its permissions)", kind: .notPermitted)))
            }
            guard let contents = FileManager.default.contents(atPath: path) else {
                return SnapshotFile(path: path, snapshot: .failure(SnapshotUnusable(description: "\(path): cannot be read")))
            }
            do {
                return SnapshotFile(path: path, snapshot: .success(try Self.parseSnapshot([UInt8](contents), path: path, identity: identity)))
            } catch let error as SnapshotUnusable {
                return SnapshotFile(path: path, snapshot: .failure(error))
            } catch {
                return SnapshotFile(path: path, snapshot: .failure(SnapshotUnusable(description: "\(path): \(error)")))
            }
        }
    }

    /// The batches retention may prune: those the older of this journal's two snapshot files
    /// covers (0 while there are fewer than two). Whichever of the two is lost or damaged,
    /// the other and the journal after it still rebuild the state.
    public func prunableThrough() -> Int64 {
        let sequences = [snapshotPath, previousSnapshotPath].map { path in
            Self.snapshotHeader(at: path).flatMap { $0.identity == identity ? $0.sequence : nil }
        }
        guard let newest = sequences[0], let previous = sequences[1] else { return 0 }
        return min(newest, previous)
    }

    /// The journal the snapshot files beside the journal at `journal` belong to: the identity
    /// the newest intact one (its checksum checked) names, or nil when none is intact. A
    /// journal rebuilt from one SQLite cannot read, or recreated because it was missing, takes
    /// it, so that those snapshots are used.
    public static func intactSnapshotIdentity(besides journal: String) -> String? {
        for path in [journal + "-snapshot", journal + "-snapshot.previous"] {
            guard let contents = FileManager.default.contents(atPath: path) else { continue }
            if let identity = try? parseSnapshotIdentity([UInt8](contents), path: path) { return identity }
        }
        return nil
    }

    /// The identity an intact snapshot file names.
    /// - Throws: `SnapshotUnusable` (`.damaged`) as `parseSnapshot` does.
    static func parseSnapshotIdentity(_ bytes: [UInt8], path: String) throws -> String {
        var owner = ""
        _ = try parseSnapshot(bytes, path: path, identity: nil, owner: &owner)
        return owner
    }

    /// The identity and sequence a snapshot file's header gives (nil: no such file, or not a
    /// snapshot file).
    static func snapshotHeader(at path: String) -> (identity: String, sequence: Int64)? {
        guard let file = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? file.close() }
        let head = [UInt8]((try? file.read(upToCount: 4096)) ?? Data())
        guard head.count >= 12 else { return nil }
        let checked = Array(head.prefix(4)) == snapshotMagic
        guard checked || Array(head.prefix(4)) == uncheckedSnapshotMagic else { return nil }
        var position = checked ? 8 : 4
        func integer<T: FixedWidthInteger>(_ type: T.Type) -> T? {
            guard position + MemoryLayout<T>.size <= head.count else { return nil }
            defer { position += MemoryLayout<T>.size }
            return head[position..<(position + MemoryLayout<T>.size)].withUnsafeBytes { T(littleEndian: $0.loadUnaligned(as: T.self)) }
        }
        guard let length = integer(UInt32.self), position + Int(length) <= head.count else { return nil }
        let identity = String(decoding: head[position..<(position + Int(length))], as: UTF8.self)
        position += Int(length)
        return integer(Int64.self).map { (identity, $0) }
    }

    /// Reads a snapshot file's contents.
    /// - Throws: `SnapshotUnusable` (`.damaged`, or `.otherJournal` when `identity` differs).
    static func parseSnapshot(_ bytes: [UInt8], path: String, identity: String) throws -> Snapshot {
        var owner = ""
        return try parseSnapshot(bytes, path: path, identity: identity, owner: &owner)
    }

    /// Reads a snapshot file's contents, giving the identity it names in `owner`.
    /// - Parameter identity: the journal it must belong to (nil: any).
    /// - Throws: `SnapshotUnusable` (`.damaged`, or `.otherJournal` when `identity` differs).
    static func parseSnapshot(_ bytes: [UInt8], path: String, identity: String?, owner: inout String) throws -> Snapshot {
        var position = 0
        func take(_ count: Int) throws -> ArraySlice<UInt8> {
            guard count >= 0, count <= bytes.count - position else {
                throw SnapshotUnusable(description: "\(path): the file ends early (\(bytes.count) bytes)", kind: .damaged)
            }
            defer { position += count }
            return bytes[position..<(position + count)]
        }
        func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
            try take(MemoryLayout<T>.size).withUnsafeBytes { T(littleEndian: $0.loadUnaligned(as: T.self)) }
        }
        let magic = Array(try take(4))
        guard magic == snapshotMagic || magic == uncheckedSnapshotMagic else {
            throw SnapshotUnusable(description: "\(path): not a snapshot file", kind: .damaged)
        }
        let checked = magic == snapshotMagic
        if checked {
            let stored = try integer(UInt32.self)
            let actual = bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[position...])) }
            guard stored == actual else {
                throw SnapshotUnusable(description: "\(path): its checksum does not match (the file is damaged)", kind: .damaged)
            }
        }
        let id = String(decoding: try take(Int(try integer(UInt32.self))), as: UTF8.self)
        owner = id
        guard identity == nil || id == identity else {
            throw SnapshotUnusable(description: "\(path): the snapshot belongs to another journal", kind: .otherJournal)
        }
        let sequence = try integer(Int64.self)
        let created = Double(bitPattern: try integer(UInt64.self))
        guard sequence >= 0 else { throw SnapshotUnusable(description: "\(path): covers entry \(sequence)", kind: .damaged) }
        if checked {
            let length = try integer(UInt64.self)
            guard length == UInt64(bytes.count - position) else {
                throw SnapshotUnusable(description: "\(path): \(length) bytes of state announced, \(bytes.count - position) there", kind: .damaged)
            }
        }
        return Snapshot(sequence: sequence, created: created, data: Array(bytes[position...]))
    }
}
