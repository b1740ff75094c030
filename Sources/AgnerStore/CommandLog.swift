import Foundation
import GRDB

/// The live service's journal: every accepted command, in order, in SQLite (WAL). Entries are
/// buffered and written in one transaction per batch (group commit). Beside it, the latest
/// snapshot of the router's state and the journal sequence it covers, so recovery replays only
/// what came after.
public final class CommandLog: @unchecked Sendable {
    public struct Entry: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
        public static let databaseTableName = "journal"
        public var sequence: Int64?
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

    let writer: any DatabaseWriter
    var pending: [Entry] = []
    /// The sequence number of the last committed entry (0 for an empty journal).
    public private(set) var lastSequence: Int64 = 0

    /// Opens (or creates) the journal at `path`.
    public convenience init(path: String) throws {
        var configuration = Configuration()
        // WAL with synchronous=NORMAL: a commit survives the process being killed; only a power
        // loss can take the last commits.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        try self.init(writer: DatabasePool(path: path, configuration: configuration))
    }

    public static func inMemory() throws -> CommandLog { try CommandLog(writer: DatabaseQueue()) }

    init(writer: any DatabaseWriter) throws {
        self.writer = writer
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: journal") { db in
            try db.create(table: "journal") { t in
                t.autoIncrementedPrimaryKey("sequence")
                t.column("time", .double).notNull()
                t.column("origin", .text).notNull()
                t.column("line", .text).notNull()
            }
        }
        migrator.registerMigration("v2: snapshots") { db in
            try db.create(table: "snapshot") { t in
                t.primaryKey("sequence", .integer)
                t.column("created", .double).notNull()
                t.column("data", .blob).notNull()
            }
        }
        try migrator.migrate(writer)
        lastSequence = try writer.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(sequence) FROM journal") ?? 0 }
    }

    public func append(time: Double, origin: String, line: String) {
        pending.append(Entry(time: time, origin: origin, line: line))
    }

    /// Writes what was appended since the last commit, in one transaction.
    /// - Returns: the sequence number of the last committed entry.
    @discardableResult
    public func commit() throws -> Int64 {
        guard !pending.isEmpty else { return lastSequence }
        let batch = pending
        lastSequence = try writer.write { db in
            let insert = try db.cachedStatement(sql: "INSERT INTO journal (time, origin, line) VALUES (?, ?, ?)")
            for entry in batch { try insert.execute(arguments: [entry.time, entry.origin, entry.line]) }
            return db.lastInsertedRowID
        }
        pending = []
        return lastSequence
    }

    /// Stores a snapshot covering the entries up to `sequence` and drops older ones. Safe to
    /// call from another thread than the one appending (the database serializes writers).
    public func saveSnapshot(_ data: [UInt8], through sequence: Int64, at created: Double) throws {
        try writer.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO snapshot (sequence, created, data) VALUES (?, ?, ?)",
                           arguments: [sequence, created, Data(data)])
            try db.execute(sql: "DELETE FROM snapshot WHERE sequence < ?", arguments: [sequence])
        }
    }

    /// The newest snapshot, if any.
    public func latestSnapshot() throws -> Snapshot? {
        try writer.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT sequence, created, data FROM snapshot ORDER BY sequence DESC LIMIT 1") else { return nil }
            let data: Data = row["data"]
            return Snapshot(sequence: row["sequence"], created: row["created"], data: [UInt8](data))
        }
    }

    /// Calls `body` with every committed entry after `sequence`, in order, reading them one at
    /// a time (a long journal is never held in memory whole). - Returns: how many there were.
    @discardableResult
    public func forEachEntry(after sequence: Int64, _ body: (Entry) throws -> Void) throws -> Int {
        try writer.read { db in
            let rows = try Row.fetchCursor(db, sql: "SELECT sequence, time, origin, line FROM journal WHERE sequence > ? ORDER BY sequence",
                                           arguments: [sequence])
            var count = 0
            while let row = try rows.next() {
                var entry = Entry(time: row[1], origin: row[2], line: row[3])
                entry.sequence = row[0]
                try body(entry)
                count += 1
            }
            return count
        }
    }

    /// Every committed entry, in order.
    public func entries() throws -> [Entry] {
        try writer.read { db in try Entry.order(Column("sequence")).fetchAll(db) }
    }

    public func count() throws -> Int {
        try writer.read { db in try Entry.fetchCount(db) }
    }
}
