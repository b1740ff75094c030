import GRDB

/// The live service's journal: every accepted command, in order, in SQLite (WAL). Entries are
/// buffered and written in one transaction per batch (group commit).
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

    let writer: any DatabaseWriter
    var pending: [Entry] = []

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
        try migrator.migrate(writer)
    }

    public func append(time: Double, origin: String, line: String) {
        pending.append(Entry(time: time, origin: origin, line: line))
    }

    /// Writes what was appended since the last commit, in one transaction.
    public func commit() throws {
        guard !pending.isEmpty else { return }
        let batch = pending
        try writer.write { db in
            let insert = try db.cachedStatement(sql: "INSERT INTO journal (time, origin, line) VALUES (?, ?, ?)")
            for entry in batch { try insert.execute(arguments: [entry.time, entry.origin, entry.line]) }
        }
        pending = []
    }

    /// Every committed entry, in order.
    public func entries() throws -> [Entry] {
        try writer.read { db in try Entry.order(Column("sequence")).fetchAll(db) }
    }

    public func count() throws -> Int {
        try writer.read { db in try Entry.fetchCount(db) }
    }
}
