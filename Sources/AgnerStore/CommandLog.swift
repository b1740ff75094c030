import Foundation
import GRDB

/// The live service's journal: every accepted command, in order, in SQLite (WAL). Entries are
/// buffered and written as one row per batch (group commit; see `JournalBatch`), each entry
/// numbered in sequence from 1.
///
/// Beside it, in a file of its own (`<journal>-snapshot`), the latest snapshot of the router's
/// state and the journal sequence it covers, so recovery replays only what came after. A file,
/// not a table: storing tens of megabytes in the journal's database would hold its one writer
/// (and so every commit) for hundreds of milliseconds. The snapshot names the journal it
/// belongs to (a random id kept in the journal), so a snapshot left beside a new journal is
/// never applied to it.
public final class CommandLog: @unchecked Sendable {
    public struct Entry: Sendable, Equatable {
        /// Its place in the journal, from 1 (0 until committed).
        public var sequence: Int64 = 0
        public var time: Double
        public var origin: String
        public var line: String

        public init(time: Double, origin: String, line: String) {
            self.time = time
            self.origin = origin
            self.line = line
        }
    }

    /// A stored snapshot: the router's state after every entry up to `sequence`.
    public struct Snapshot: Sendable, Equatable {
        public var sequence: Int64
        public var created: Double
        public var data: [UInt8]
    }

    /// Why a snapshot file was not used.
    public struct SnapshotUnusable: Error, CustomStringConvertible {
        public var description: String
    }

    /// Schema and reads.
    let writer: DatabasePool
    /// The entries appended since the last commit, encoded as they are stored.
    var pending: [UInt8] = []
    var pendingCount = 0
    /// The journal's identity, written into every snapshot of it.
    let identity: String
    /// The journal's database file.
    public let path: String
    /// Where snapshots go: `<journal>-snapshot`.
    public let snapshotPath: String
    var checkpointTimer: DispatchSourceTimer?
    /// The background checkpoints' queue and connection (see `startCheckpoints`).
    let checkpointQueue = DispatchQueue(label: "agner.journal.checkpoint", qos: .utility)
    var checkpointConnection: DatabaseQueue?
    /// Writes appended entries on a connection of its own.
    let appender: JournalAppender
    /// The sequence number of the last committed entry (0 for an empty journal).
    public private(set) var lastSequence: Int64 = 0

    /// The write-ahead log's size past which it is made to start over (and the size its file
    /// is cut back to then).
    public let walSizeLimit: Int

    /// Opens (or creates) the journal at `path`.
    public init(path: String, walSizeLimit: Int = 64 * 1024 * 1024) throws {
        self.walSizeLimit = walSizeLimit
        self.path = path
        var configuration = Configuration()
        // WAL with synchronous=NORMAL: a commit survives the process being killed; only a power
        // loss can take the last commits. Commits then never wait for the disk; checkpoints do,
        // so they are taken off the committing connection (see `startCheckpoints`).
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
        }
        writer = try DatabasePool(path: path, configuration: configuration)
        snapshotPath = path + "-snapshot"
        try Self.migrate(writer)
        identity = try writer.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'journal_id'") } ?? ""
        lastSequence = try writer.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(last) FROM journal_batch") ?? 0 }
        appender = try JournalAppender(path: path, walSizeLimit: walSizeLimit)
        try startCheckpoints(path: path)
    }

    /// Copies the write-ahead log into the database once a second from a connection of its
    /// own on a background thread. SQLite would otherwise do it inside a commit every 1,000
    /// pages, with two fsyncs, and that commit (and every reply waiting on it) would stall for
    /// milliseconds. A passive checkpoint never blocks the writer.
    ///
    /// Under steady load a passive checkpoint never catches up with the writer, so the log
    /// would never start over: it would grow without end, and every commit would extend the
    /// file. Past `walSizeLimit`, a restart checkpoint follows the passive one: it holds
    /// the writer only while it copies what the passive one could not (about a second's worth
    /// at most), and the next commit writes the log from its start again.
    func startCheckpoints(path: String) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
        configuration.busyMode = .timeout(5)
        let connection = try DatabaseQueue(path: path, configuration: configuration)
        checkpointConnection = connection
        let timer = DispatchSource.makeTimerSource(queue: checkpointQueue)
        timer.schedule(deadline: .now() + 1, repeating: 1, leeway: .milliseconds(100))
        let pageSize = try connection.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") } ?? 4096
        let restartAfterFrames = walSizeLimit / pageSize  // a frame is one page
        timer.setEventHandler {
            try? connection.writeWithoutTransaction { db in
                let (frames, _) = try db.checkpoint(.passive)
                if frames > restartAfterFrames { try db.checkpoint(.restart) }
            }
        }
        timer.resume()
        checkpointTimer = timer
    }

    deinit { checkpointTimer?.cancel() }

    /// Closes every connection to the journal (before its files are moved, say). Nothing may
    /// be appended or read after.
    public func close() throws {
        // On the checkpoints' queue: no checkpoint is under way while its connection closes.
        try checkpointQueue.sync {
            checkpointTimer?.cancel()
            checkpointTimer = nil
            try checkpointConnection?.close()
            checkpointConnection = nil
        }
        appender.close()
        try writer.close()
    }

    /// Moves a journal's files (the database, its write-ahead log and shared memory, and the
    /// snapshot) aside to `<path>.<suffix>…`, never deleting anything. The journal must be
    /// closed. - Returns: the new path of the database.
    /// - Throws: `SnapshotUnusable` (with the reason) when a file cannot be moved.
    public static func setAside(path: String, suffix: String) throws -> String {
        let target = path + "." + suffix
        for extra in ["", "-wal", "-shm", "-snapshot"] where FileManager.default.fileExists(atPath: path + extra) {
            guard rename(path + extra, target + extra) == 0 else {
                throw SnapshotUnusable(description: "\(path + extra): cannot move aside to \(target + extra) (errno \(errno))")
            }
        }
        return target
    }

    static func migrate(_ writer: some DatabaseWriter) throws {
        try migrator.migrate(writer)
    }

    /// The journal's migrations, by identifier, oldest first: a journal whose
    /// `grdb_migrations` names another was written by a newer Agner.
    public static var migrationIdentifiers: [String] { migrator.migrations }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: journal") { db in
            try db.create(table: "journal") { t in
                // The rowid itself, without AUTOINCREMENT: entries are never deleted, so
                // sequences never repeat, and each commit saves a write to sqlite_sequence.
                t.primaryKey("sequence", .integer)
                t.column("time", .double).notNull()
                t.column("origin", .text).notNull()
                t.column("line", .text).notNull()
            }
        }
        migrator.registerMigration("v2: identity") { db in
            try db.create(table: "meta") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
            try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('journal_id', ?)", arguments: [UUID().uuidString])
        }
        migrator.registerMigration("v3: batches") { db in
            try db.create(table: "journal_batch") { t in
                // The sequence of the batch's last entry, as the rowid.
                t.primaryKey("last", .integer)
                t.column("count", .integer).notNull()
                t.column("entries", .blob).notNull()
            }
            // Entries journaled one row each become batches of up to 1,000, with the same sequences.
            var batch: [UInt8] = []
            var count = 0
            var last: Int64 = 0
            func store() throws {
                guard count > 0 else { return }
                try db.execute(sql: "INSERT INTO journal_batch (last, count, entries) VALUES (?, ?, ?)",
                               arguments: [last, count, Data(batch)])
                batch.removeAll(keepingCapacity: true)
                count = 0
            }
            let rows = try Row.fetchCursor(db, sql: "SELECT sequence, time, origin, line FROM journal ORDER BY sequence")
            while let row = try rows.next() {
                let sequence: Int64 = row[0]
                if sequence != last + 1 || count == 1_000 { try store() }  // a batch's sequences follow each other
                var line: String = row[3]
                line.withUTF8 { JournalBatch.append(time: row[1], origin: row[2], line: UnsafeRawBufferPointer($0), to: &batch) }
                count += 1
                last = sequence
            }
            try store()
            try db.drop(table: "journal")
        }
        return migrator
    }

    public func append(time: Double, origin: String, line: String) {
        var line = line
        line.withUTF8 { append(time: time, origin: origin, line: UnsafeRawBufferPointer($0)) }
    }

    /// Appends an entry (its line's bytes are copied).
    public func append(time: Double, origin: String, line: UnsafeRawBufferPointer) {
        JournalBatch.append(time: time, origin: origin, line: line, to: &pending)
        pendingCount += 1
    }

    /// Writes what was appended since the last commit, as one batch in one transaction.
    /// - Returns: the sequence number of the last committed entry.
    @discardableResult
    public func commit() throws -> Int64 {
        guard pendingCount > 0 else { return lastSequence }
        let last = lastSequence + Int64(pendingCount)
        try appender.write(pending, count: pendingCount, last: last)
        lastSequence = last
        pending.removeAll(keepingCapacity: true)
        pendingCount = 0
        return lastSequence
    }

    static let snapshotMagic = Array("AGNJ".utf8)

    /// Stores a snapshot covering the entries up to `sequence`, replacing the previous one
    /// atomically (written beside it, flushed to disk, then renamed over it). Safe to call from
    /// another thread than the one appending: it never touches the journal's database.
    public func saveSnapshot(_ data: [UInt8], through sequence: Int64, at created: Double) throws {
        var header = Self.snapshotMagic
        let id = Array(identity.utf8)
        withUnsafeBytes(of: UInt32(id.count).littleEndian) { header += $0 }
        header += id
        withUnsafeBytes(of: sequence.littleEndian) { header += $0 }
        withUnsafeBytes(of: created.bitPattern.littleEndian) { header += $0 }
        let temporary = snapshotPath + ".tmp"
        FileManager.default.createFile(atPath: temporary, contents: nil)
        guard let file = FileHandle(forWritingAtPath: temporary) else {
            throw SnapshotUnusable(description: "\(temporary): cannot write")
        }
        try file.write(contentsOf: header)
        try file.write(contentsOf: data)
        try file.synchronize()
        try file.close()
        guard rename(temporary, snapshotPath) == 0 else {
            throw SnapshotUnusable(description: "\(snapshotPath): cannot replace (errno \(errno))")
        }
    }

    /// The newest snapshot, or nil when there is none.
    /// - Throws: `SnapshotUnusable` when the file is damaged, belongs to another journal, or
    ///   covers more than this journal holds.
    public func latestSnapshot() throws -> Snapshot? {
        guard let contents = FileManager.default.contents(atPath: snapshotPath) else { return nil }
        let bytes = [UInt8](contents)
        var position = 0
        func take(_ count: Int) throws -> ArraySlice<UInt8> {
            guard position + count <= bytes.count else { throw SnapshotUnusable(description: "\(snapshotPath): the file ends early") }
            defer { position += count }
            return bytes[position..<(position + count)]
        }
        func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
            try take(MemoryLayout<T>.size).withUnsafeBytes { T(littleEndian: $0.loadUnaligned(as: T.self)) }
        }
        guard Array(try take(4)) == Self.snapshotMagic else { throw SnapshotUnusable(description: "\(snapshotPath): not a snapshot file") }
        let id = String(decoding: try take(Int(try integer(UInt32.self))), as: UTF8.self)
        guard id == identity else { throw SnapshotUnusable(description: "\(snapshotPath): the snapshot belongs to another journal") }
        let sequence = try integer(Int64.self)
        let created = Double(bitPattern: try integer(UInt64.self))
        guard sequence <= lastSequence else {
            throw SnapshotUnusable(description: "\(snapshotPath): the snapshot covers \(sequence) commands, the journal holds \(lastSequence)")
        }
        return Snapshot(sequence: sequence, created: created, data: Array(bytes[position...]))
    }

    /// Calls `body` with every committed entry after `sequence`, in order, reading them one at
    /// a time (a long journal is never held in memory whole). - Returns: how many there were.
    ///
    /// With `damaged`, a batch that cannot be decoded is reported to it (with why) and skipped,
    /// and reading goes on with the next batch; without it, the error is thrown.
    @discardableResult
    public func forEachEntry(after sequence: Int64, damaged: ((String) -> Void)? = nil, _ body: (Entry) throws -> Void) throws -> Int {
        try writer.read { db in
            let rows = try Row.fetchCursor(db, sql: "SELECT last, count, entries FROM journal_batch WHERE last > ? ORDER BY last",
                                           arguments: [sequence])
            var count = 0
            while let row = try rows.next() {
                let last: Int64 = row[0]
                let entries: Int = row[1]
                // The blob read in place, as SQLite holds it while the cursor is on its row.
                do {
                    try row.withUnsafeData(atIndex: 2) { data in
                        guard let data else {
                            throw JournalBatch.Damaged(description: "journal batch ending at \(last): no entries")
                        }
                        try data.withUnsafeBytes { bytes in
                            try JournalBatch.decode(bytes, count: entries, last: last) { entry in
                                guard entry.sequence > sequence else { return }
                                try body(entry)
                                count += 1
                            }
                        }
                    }
                } catch let error as JournalBatch.Damaged {
                    guard let damaged else { throw error }
                    damaged(error.description)
                }
            }
            return count
        }
    }

    /// Every committed entry, in order.
    public func entries() throws -> [Entry] {
        var entries: [Entry] = []
        try forEachEntry(after: 0) { entries.append($0) }
        return entries
    }

    /// How many entries are committed.
    public func count() throws -> Int {
        try writer.read { db in try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(count), 0) FROM journal_batch") ?? 0 }
    }
}
