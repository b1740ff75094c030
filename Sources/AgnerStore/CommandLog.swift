import Foundation
import GRDB
import GRDBSQLite

/// The live service's journal: every accepted command, in order, in SQLite (WAL). Entries are
/// buffered and written as one row per batch (group commit; see `JournalBatch`), each entry
/// numbered in sequence from 1.
///
/// Beside it, in files of their own (`<journal>-snapshot` and the one before it,
/// `<journal>-snapshot.previous`; see `CommandLog+Snapshots.swift`), the latest snapshots of the
/// router's state and the journal sequence each covers, so recovery replays only what came after.
/// Files, not a table: storing tens of megabytes in the journal's database would hold its one
/// writer (and so every commit) for hundreds of milliseconds. A snapshot names the journal it
/// belongs to (a random id kept in the journal), so a snapshot left beside a new journal is
/// never applied to it.
///
/// Each batch carries a checksum (CRC-32), checked whenever it is read: a damaged batch is
/// reported as damaged, never applied as other data.
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
        public enum Kind: Sendable, Equatable {
            /// The file is damaged: cut short, its checksum does not match, not a snapshot file.
            case damaged
            /// It belongs to another journal (a new journal beside an old snapshot, say).
            case otherJournal
            /// The router's user may not read it (permissions): nothing is known to be wrong with it.
            case notPermitted
            /// Anything else (it cannot be read, say).
            case other
        }
        public var kind: Kind
        public var description: String
        public init(description: String, kind: Kind = .other) {
            self.description = description
            self.kind = kind
        }
    }

    /// The journal's database cannot be read: SQLite finds it malformed, or not a database at
    /// all. Recovery then salvages what it can (`salvage(from:into:identityIfUnknown:)`).
    public struct Unreadable: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// Whether SQLite refused because the file is damaged (malformed, or not a database), as
    /// opposed to the machine (permissions, a full disk, a missing directory).
    static func isCorruption(_ error: any Error) -> Bool {
        if let error = error as? DatabaseError {
            return error.resultCode == .SQLITE_CORRUPT || error.resultCode == .SQLITE_NOTADB
        }
        if let error = error as? JournalAppender.Failure { return error.code == SQLITE_CORRUPT || error.code == SQLITE_NOTADB }
        return false
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
    public internal(set) var lastSequence: Int64 = 0

    /// The write-ahead log's size past which it is made to start over (and the size its file
    /// is cut back to then).
    public let walSizeLimit: Int

    /// Opens (or creates) the journal at `path`. A snapshot left half-written by a crash or a
    /// full disk (`<journal>-snapshot.tmp`) is removed.
    /// - Throws: `Unreadable` when SQLite finds the file damaged (malformed, not a database);
    ///   the error as it came for anything else (permissions, a full disk).
    public init(path: String, walSizeLimit: Int = 64 * 1024 * 1024) throws {
        self.walSizeLimit = walSizeLimit
        self.path = path
        snapshotPath = path + "-snapshot"
        var configuration = Configuration()
        // WAL with synchronous=NORMAL: a commit survives the process being killed; only a power
        // loss can take the last commits. Commits then never wait for the disk; checkpoints do,
        // so they are taken off the committing connection (see `startCheckpoints`).
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
        }
        do {
            writer = try DatabasePool(path: path, configuration: configuration)
            try Self.migrate(writer)
            identity = try writer.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'journal_id'") } ?? ""
            // Numbering goes on after the last batch, or after what a recovery found covered
            // beyond it (`continueAfter`), or after the state the journal starts from.
            lastSequence = try writer.read { db in
                let last = try Int64.fetchOne(db, sql: "SELECT MAX(last) FROM journal_batch") ?? 0
                let continued = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'numbered_after'").flatMap { Int64($0) } ?? 0
                let base = try Int64.fetchOne(db, sql: "SELECT MAX(sequence) FROM journal_base") ?? 0
                return max(last, continued, base)
            }
            appender = try JournalAppender(path: path, walSizeLimit: walSizeLimit)
        } catch where Self.isCorruption(error) {
            throw Unreadable(path: path, reason: "\(error)")
        }
        try? FileManager.default.removeItem(atPath: snapshotPath + ".tmp")
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
        migrator.registerMigration("v4: checksums and base") { db in
            // NULL for the batches written before: they are read without a check.
            try db.execute(sql: "ALTER TABLE journal_batch ADD COLUMN checksum INTEGER")
            // The state a journal starts from when it does not start empty (a journal written
            // by a recovery that started from a snapshot): in the journal's own file, so that
            // rebuilding never depends on a snapshot file.
            try db.create(table: "journal_base") { t in
                t.primaryKey("sequence", .integer)
                t.column("created", .double).notNull()
                t.column("data", .blob).notNull()
                t.column("checksum", .integer).notNull()
            }
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
        try appender.write(pending, count: pendingCount, last: last,
                           checksum: JournalBatch.checksum(last: last, count: pendingCount, entries: pending))
        lastSequence = last
        pending.removeAll(keepingCapacity: true)
        pendingCount = 0
        return lastSequence
    }

    /// Calls `body` with every committed entry after `sequence`, in order, reading them one at
    /// a time (a long journal is never held in memory whole). - Returns: how many there were.
    ///
    /// With `damaged`, a batch that cannot be decoded is reported to it (with why) and skipped,
    /// and reading goes on with the next batch; without it, the error is thrown.
    @discardableResult
    public func forEachEntry(after sequence: Int64, damaged: ((String) -> Void)? = nil, _ body: (Entry) throws -> Void) throws -> Int {
        try writer.read { db in
            let rows = try Row.fetchCursor(db, sql: "SELECT last, count, entries, checksum FROM journal_batch WHERE last > ? ORDER BY last",
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
                            try JournalBatch.verify(bytes, count: entries, last: last, checksum: row[3])
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
