import GRDB

/// The simulation results database: one facade over one `DatabaseWriter`.
///
/// ```swift
/// let store = try ResultsStore(path: "results.sqlite")      // WAL, created if missing
/// let id = try store.save(run, RunContents(metrics: metrics, replications: replications))
/// ```
///
/// Schema history (shipped migrations are never edited; each later one only adds):
/// - v1: `run`, `metric` (mean and half-width per figure), `interval` (per interval and
///   channel, with the center's occupancy), `agentResult`.
/// - v2: `run` gains the shard and the scenario's text; `replication` holds each replication's
///   counters and `replicationFigure` each figure per replication (so shards can be merged and
///   intervals recomputed); `intervalChannel` and `intervalStaffing` replace `interval` for new
///   runs (the center's figures once per interval); `agentResult` gains the agent's name and
///   slot utilisation.
/// - v3: `run` gains the assignments laid over the scenario (`overrides`) and its point in a
///   sweep (`sweepPoint`), so that the shards of a sweep can be merged point by point.
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
        migrator.registerMigration("v2: shards, replications, per-interval channels and staffing, agent names") { db in
            try db.alter(table: "run") { t in
                t.add(column: "shardIndex", .integer)
                t.add(column: "shardCount", .integer)
                t.add(column: "scenarioText", .text)
            }
            try db.create(table: "replication") { t in
                t.column("runId", .integer).notNull().references("run", onDelete: .cascade)
                t.column("replication", .integer).notNull().check { $0 >= 0 }
                t.column("contactsSimulated", .integer).notNull()
                t.column("result", .blob).notNull()
                t.primaryKey(["runId", "replication"])
            }
            try db.create(table: "replicationFigure") { t in
                t.column("runId", .integer).notNull().references("run", onDelete: .cascade)
                t.column("replication", .integer).notNull()
                t.column("scope", .text).notNull()
                t.column("name", .text).notNull()
                t.column("metric", .text).notNull()
                t.column("value", .double)
                t.primaryKey(["runId", "replication", "scope", "name", "metric"])
            }
            try db.create(table: "intervalChannel") { t in
                t.column("runId", .integer).notNull().references("run", onDelete: .cascade)
                t.column("day", .integer).notNull()
                t.column("start", .text).notNull()
                t.column("channel", .text).notNull()
                t.column("offered", .double).notNull()
                t.column("answered", .double).notNull()
                t.column("abandoned", .double).notNull()
                t.column("openAtEnd", .double).notNull()
                t.column("unserved", .double).notNull()
                t.column("deflected", .double).notNull()
                t.column("serviceLevel", .double)
                t.column("averageSpeedOfAnswer", .double)
                t.column("slotUtilisation", .double)
                t.primaryKey(["runId", "day", "start", "channel"])
            }
            try db.create(table: "intervalStaffing") { t in
                t.column("runId", .integer).notNull().references("run", onDelete: .cascade)
                t.column("day", .integer).notNull()
                t.column("start", .text).notNull()
                t.column("staffedAgents", .double).notNull()
                t.column("occupancy", .double)
                t.primaryKey(["runId", "day", "start"])
            }
            try db.alter(table: "agentResult") { t in
                t.add(column: "name", .text)
                t.add(column: "slotUtilisation", .double)
            }
        }
        migrator.registerMigration("v3: overrides and sweep points") { db in
            try db.alter(table: "run") { t in
                t.add(column: "overrides", .text)
                t.add(column: "sweepPoint", .integer)
            }
        }
        return migrator
    }

    /// The names of the migrations applied to a database, oldest first.
    public func appliedMigrations() throws -> [String] {
        try writer.read { db in try Self.migrator.appliedMigrations(db) }
    }

    /// Stores a run and its rows in one transaction. - Returns: the run's id.
    @discardableResult
    public func save(_ run: RunRecord, _ contents: RunContents) throws -> Int64 {
        try writer.write { db in
            var run = run
            try run.insert(db)
            let id = run.id!
            for var metric in contents.metrics { metric.runId = id; try metric.insert(db) }
            for var interval in contents.intervalChannels { interval.runId = id; try interval.insert(db) }
            for var interval in contents.intervalStaffing { interval.runId = id; try interval.insert(db) }
            for var agent in contents.agents { agent.runId = id; try agent.insert(db) }
            for var replication in contents.replications { replication.runId = id; try replication.insert(db) }
            for var figure in contents.replicationFigures { figure.runId = id; try figure.insert(db) }
            return id
        }
    }

    public func runs() throws -> [RunRecord] {
        try writer.read { db in try RunRecord.order(Column("id")).fetchAll(db) }
    }

    public func metrics(run id: Int64) throws -> [MetricRecord] {
        try writer.read { db in try MetricRecord.filter(Column("runId") == id).fetchAll(db) }
    }

    public func intervalChannels(run id: Int64) throws -> [IntervalChannelRecord] {
        try writer.read { db in
            try IntervalChannelRecord.filter(Column("runId") == id).order(Column("day"), Column("start"), Column("channel")).fetchAll(db)
        }
    }

    public func intervalStaffing(run id: Int64) throws -> [IntervalStaffingRecord] {
        try writer.read { db in
            try IntervalStaffingRecord.filter(Column("runId") == id).order(Column("day"), Column("start")).fetchAll(db)
        }
    }

    /// The stored replications of a run, in replication order.
    public func replications(run id: Int64) throws -> [ReplicationRecord] {
        try writer.read { db in try ReplicationRecord.filter(Column("runId") == id).order(Column("replication")).fetchAll(db) }
    }

    public func replicationFigures(run id: Int64) throws -> [ReplicationFigureRecord] {
        try writer.read { db in
            try ReplicationFigureRecord.filter(Column("runId") == id)
                .order(Column("replication"), Column("scope"), Column("name"), Column("metric")).fetchAll(db)
        }
    }

    public func agents(run id: Int64) throws -> [AgentResultRecord] {
        try writer.read { db in try AgentResultRecord.filter(Column("runId") == id).order(Column("agent")).fetchAll(db) }
    }
}

/// Everything stored with a run besides its record.
public struct RunContents: Sendable {
    public var metrics: [MetricRecord]
    public var intervalChannels: [IntervalChannelRecord]
    public var intervalStaffing: [IntervalStaffingRecord]
    public var agents: [AgentResultRecord]
    public var replications: [ReplicationRecord]
    public var replicationFigures: [ReplicationFigureRecord]

    public init(metrics: [MetricRecord] = [], intervalChannels: [IntervalChannelRecord] = [], intervalStaffing: [IntervalStaffingRecord] = [],
                agents: [AgentResultRecord] = [], replications: [ReplicationRecord] = [], replicationFigures: [ReplicationFigureRecord] = []) {
        self.metrics = metrics
        self.intervalChannels = intervalChannels
        self.intervalStaffing = intervalStaffing
        self.agents = agents
        self.replications = replications
        self.replicationFigures = replicationFigures
    }
}
