import GRDB

/// The simulation results database: one facade over one `DatabaseWriter`.
///
/// ```swift
/// let store = try ResultsStore(path: "results.sqlite")      // WAL, created if missing
/// let id = try store.save(run, metrics: metrics, intervals: intervals, agents: agents)
/// ```
public final class ResultsStore: Sendable {
    let writer: any DatabaseWriter

    /// Opens (or creates) a results database on disk, in WAL mode.
    public convenience init(path: String) throws {
        try self.init(writer: DatabasePool(path: path))
    }

    /// An in-memory database, for tests.
    public static func inMemory() throws -> ResultsStore {
        try ResultsStore(writer: DatabaseQueue())
    }

    init(writer: any DatabaseWriter) throws {
        self.writer = writer
        try Self.migrator.migrate(writer)
    }

    /// Shipped migrations are never edited; tables are named by strings, not by types.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: runs, metrics, intervals, agents") { db in
            try db.create(table: "run") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("createdAt", .text).notNull()
                t.column("scenario", .text).notNull()
                t.column("scenarioHash", .text).notNull()
                t.column("variant", .text)
                t.column("seed", .integer).notNull()
                t.column("replications", .integer).notNull().check { $0 > 0 }
                t.column("days", .integer).notNull().check { $0 > 0 }
                t.column("warmupSeconds", .double).notNull()
                t.column("serviceLevelDefinition", .text).notNull()
                t.column("contactsSimulated", .integer).notNull()
                t.column("wallSeconds", .double).notNull()
            }
            try db.create(table: "metric") { t in
                t.column("runId", .integer).notNull().references("run", onDelete: .cascade)
                t.column("scope", .text).notNull()
                t.column("name", .text).notNull()
                t.column("metric", .text).notNull()
                t.column("mean", .double)
                t.column("halfWidth", .double)
                t.primaryKey(["runId", "scope", "name", "metric"])
            }
            try db.create(table: "interval") { t in
                t.column("runId", .integer).notNull().references("run", onDelete: .cascade)
                t.column("day", .integer).notNull()
                t.column("start", .text).notNull()
                t.column("channel", .text).notNull()
                t.column("offered", .double).notNull()
                t.column("answered", .double).notNull()
                t.column("abandoned", .double).notNull()
                t.column("serviceLevel", .double)
                t.column("averageSpeedOfAnswer", .double)
                t.column("occupancy", .double)
                t.primaryKey(["runId", "day", "start", "channel"])
            }
            try db.create(table: "agentResult") { t in
                t.column("runId", .integer).notNull().references("run", onDelete: .cascade)
                t.column("agent", .integer).notNull()
                t.column("groupName", .text).notNull()
                t.column("answered", .double).notNull()
                t.column("averageHandleTime", .double)
                t.column("occupancy", .double)
                t.column("qaSampled", .double).notNull()
                t.primaryKey(["runId", "agent"])
            }
        }
        return migrator
    }

    /// Stores a run and its rows in one transaction. - Returns: the run's id.
    @discardableResult
    public func save(_ run: RunRecord, metrics: [MetricRecord], intervals: [IntervalRecord], agents: [AgentResultRecord]) throws -> Int64 {
        try writer.write { db in
            var run = run
            try run.insert(db)
            let id = run.id!
            for var metric in metrics { metric.runId = id; try metric.insert(db) }
            for var interval in intervals { interval.runId = id; try interval.insert(db) }
            for var agent in agents { agent.runId = id; try agent.insert(db) }
            return id
        }
    }

    public func runs() throws -> [RunRecord] {
        try writer.read { db in try RunRecord.order(Column("id")).fetchAll(db) }
    }

    public func metrics(run id: Int64) throws -> [MetricRecord] {
        try writer.read { db in try MetricRecord.filter(Column("runId") == id).fetchAll(db) }
    }

    public func intervals(run id: Int64) throws -> [IntervalRecord] {
        try writer.read { db in
            try IntervalRecord.filter(Column("runId") == id).order(Column("day"), Column("start"), Column("channel")).fetchAll(db)
        }
    }

    public func agents(run id: Int64) throws -> [AgentResultRecord] {
        try writer.read { db in try AgentResultRecord.filter(Column("runId") == id).order(Column("agent")).fetchAll(db) }
    }
}
