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

    public init(createdAt: String, scenario: String, scenarioHash: String, variant: String?, seed: UInt64, replications: Int,
                days: Int, warmupSeconds: Double, serviceLevelDefinition: String, contactsSimulated: Int, wallSeconds: Double) {
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

/// One interval of one channel (means over replications).
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

    public init(runId: Int64, day: Int, start: String, channel: String, offered: Double, answered: Double, abandoned: Double,
                serviceLevel: Double?, averageSpeedOfAnswer: Double?, occupancy: Double?) {
        self.runId = runId
        self.day = day
        self.start = start
        self.channel = channel
        self.offered = offered
        self.answered = answered
        self.abandoned = abandoned
        self.serviceLevel = serviceLevel
        self.averageSpeedOfAnswer = averageSpeedOfAnswer
        self.occupancy = occupancy
    }
}

/// One agent of a run (means over replications), with the QA sample drawn from their contacts.
public struct AgentResultRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "agentResult"

    public var runId: Int64
    public var agent: Int
    public var groupName: String
    public var answered: Double
    public var averageHandleTime: Double?
    public var occupancy: Double?
    public var qaSampled: Double

    public init(runId: Int64, agent: Int, groupName: String, answered: Double, averageHandleTime: Double?, occupancy: Double?, qaSampled: Double) {
        self.runId = runId
        self.agent = agent
        self.groupName = groupName
        self.answered = answered
        self.averageHandleTime = averageHandleTime
        self.occupancy = occupancy
        self.qaSampled = qaSampled
    }
}
