import Foundation
import GRDB

/// One stored simulation run: what was run, with which settings.
public struct RunRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "run"

    public var id: Int64?
    /// ISO 8601, UTC.
    public var createdAt: String
    public var scenario: String
    /// Fingerprint of the scenario file's text.
    public var scenarioHash: String
    public var variant: String?
    /// The seed's 64 bits, stored as a signed integer (SQLite has no unsigned type).
    public var seed: Int64
    public var replications: Int
    public var days: Int
    public var warmupSeconds: Double
    public var serviceLevelDefinition: String
    public var contactsSimulated: Int
    public var wallSeconds: Double
    /// The shard this run is (1-based index of `shardCount`), nil for a whole run (v2).
    public var shardIndex: Int?
    public var shardCount: Int?
    /// The scenario file's text, so that `agner merge` can rebuild every figure (v2).
    public var scenarioText: String?
    /// Assignments laid over the scenario after its variant (`agner sweep --set`), one
    /// `PATH=VALUE` per line, in order; nil when there were none (v3).
    public var overrides: String?
    /// The run's point in a sweep (0-based, first axis slowest); nil for a run outside a sweep (v3).
    public var sweepPoint: Int?

    public init(createdAt: String, scenario: String, scenarioHash: String, variant: String?, seed: UInt64, replications: Int,
                days: Int, warmupSeconds: Double, serviceLevelDefinition: String, contactsSimulated: Int, wallSeconds: Double,
                shardIndex: Int? = nil, shardCount: Int? = nil, scenarioText: String? = nil, overrides: String? = nil,
                sweepPoint: Int? = nil) {
        self.createdAt = createdAt
        self.scenario = scenario
        self.scenarioHash = scenarioHash
        self.variant = variant
        self.seed = Int64(bitPattern: seed)
        self.replications = replications
        self.days = days
        self.warmupSeconds = warmupSeconds
        self.serviceLevelDefinition = serviceLevelDefinition
        self.contactsSimulated = contactsSimulated
        self.wallSeconds = wallSeconds
        self.shardIndex = shardIndex
        self.shardCount = shardCount
        self.scenarioText = scenarioText
        self.overrides = overrides
        self.sweepPoint = sweepPoint
    }

    public var unsignedSeed: UInt64 { UInt64(bitPattern: seed) }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A figure of a run: the mean over replications and its 95 % half-width, for one group
/// (`scope` total, channel, topic, department or segment; `name` which one).
public struct MetricRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "metric"

    public var runId: Int64
    public var scope: String
    public var name: String
    public var metric: String
    public var mean: Double?
    public var halfWidth: Double?

    public init(runId: Int64, scope: String, name: String, metric: String, mean: Double?, halfWidth: Double?) {
        self.runId = runId
        self.scope = scope
        self.name = name
        self.metric = metric
        self.mean = mean
        self.halfWidth = halfWidth
    }
}

/// One interval of one channel (v1 layout: its `occupancy` was the whole center's; kept for
/// runs stored before v2, which write `IntervalChannelRecord` and `IntervalStaffingRecord`).
public struct IntervalRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "interval"

    public var runId: Int64
    public var day: Int
    public var start: String
    public var channel: String
    public var offered: Double
    public var answered: Double
    public var abandoned: Double
    public var serviceLevel: Double?
    public var averageSpeedOfAnswer: Double?
    public var occupancy: Double?
}

/// One interval of one channel (means over replications; ratios pooled over them).
public struct IntervalChannelRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "intervalChannel"

    public var runId: Int64
    public var day: Int
    public var start: String
    public var channel: String
    public var offered: Double
    public var answered: Double
    public var abandoned: Double
    public var openAtEnd: Double
    public var unserved: Double
    public var deflected: Double
    public var serviceLevel: Double?
    public var averageSpeedOfAnswer: Double?
    public var slotUtilisation: Double?

    public init(runId: Int64, day: Int, start: String, channel: String, offered: Double, answered: Double, abandoned: Double,
                openAtEnd: Double, unserved: Double, deflected: Double, serviceLevel: Double?, averageSpeedOfAnswer: Double?,
                slotUtilisation: Double?) {
        self.runId = runId
        self.day = day
        self.start = start
        self.channel = channel
        self.offered = offered
        self.answered = answered
        self.abandoned = abandoned
        self.openAtEnd = openAtEnd
        self.unserved = unserved
        self.deflected = deflected
        self.serviceLevel = serviceLevel
        self.averageSpeedOfAnswer = averageSpeedOfAnswer
        self.slotUtilisation = slotUtilisation
    }
}

/// One interval of the center: mean agents staffed and occupancy.
public struct IntervalStaffingRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "intervalStaffing"

    public var runId: Int64
    public var day: Int
    public var start: String
    public var staffedAgents: Double
    public var occupancy: Double?

    public init(runId: Int64, day: Int, start: String, staffedAgents: Double, occupancy: Double?) {
        self.runId = runId
        self.day = day
        self.start = start
        self.staffedAgents = staffedAgents
        self.occupancy = occupancy
    }
}

/// One replication of a run, as the simulator measured it: its counters in a compact binary
/// form (`ReplicationResult`'s own encoding, versioned), from which `agner merge` rebuilds
/// every figure exactly.
public struct ReplicationRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "replication"

    public var runId: Int64
    /// 0-based.
    public var replication: Int
    public var contactsSimulated: Int
    public var result: Data

    public init(runId: Int64, replication: Int, contactsSimulated: Int, result: Data) {
        self.runId = runId
        self.replication = replication
        self.contactsSimulated = contactsSimulated
        self.result = result
    }
}

/// One figure of one replication (the values behind a `MetricRecord`'s mean and interval),
/// for queries across replications.
public struct ReplicationFigureRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "replicationFigure"

    public var runId: Int64
    public var replication: Int
    public var scope: String
    public var name: String
    public var metric: String
    public var value: Double?

    public init(runId: Int64, replication: Int, scope: String, name: String, metric: String, value: Double?) {
        self.runId = runId
        self.replication = replication
        self.scope = scope
        self.name = name
        self.metric = metric
        self.value = value
    }
}

/// One agent of a run (means over replications), with the QA sample drawn from their contacts.
public struct AgentResultRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "agentResult"

    public var runId: Int64
    /// The agent's number in the roster (0-based).
    public var agent: Int
    /// The agent's name, as the live router knows it (v2).
    public var name: String?
    public var groupName: String
    public var answered: Double
    public var averageHandleTime: Double?
    /// Time handling or wrapping up ÷ time staffed (v2 definition; v1 rows weighted chats).
    public var occupancy: Double?
    /// Used ÷ offered concurrent slots (v2).
    public var slotUtilisation: Double?
    public var qaSampled: Double

    public init(runId: Int64, agent: Int, name: String?, groupName: String, answered: Double, averageHandleTime: Double?, occupancy: Double?,
                slotUtilisation: Double?, qaSampled: Double) {
        self.runId = runId
        self.agent = agent
        self.name = name
        self.groupName = groupName
        self.answered = answered
        self.averageHandleTime = averageHandleTime
        self.occupancy = occupancy
        self.slotUtilisation = slotUtilisation
        self.qaSampled = qaSampled
    }
}
