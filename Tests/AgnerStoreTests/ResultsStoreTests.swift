import Foundation
import GRDB
import Testing
@testable import AgnerStore

@Suite("Results store")
struct ResultsStoreTests {
    static func run() -> RunRecord {
        RunRecord(createdAt: "2026-11-23T10:00:00Z", scenario: "retail", scenarioHash: "abc", variant: "extended", seed: .max,
                  replications: 5, days: 7, warmupSeconds: 0, serviceLevelDefinition: "offered", contactsSimulated: 1000, wallSeconds: 0.5,
                  shardIndex: 2, shardCount: 4, scenarioText: "agents: [{count: 1}]")
    }

    @Test("a saved run comes back with its metrics, intervals, agents and replications")
    func saveAndRead() throws {
        let store = try ResultsStore.inMemory()
        let contents = RunContents(
            metrics: [MetricRecord(runId: 0, scope: "channel", name: "phone", metric: "service_level", mean: 0.83, halfWidth: 0.01)],
            intervalChannels: [IntervalChannelRecord(runId: 0, day: 0, start: "08:00", channel: "phone", offered: 10, answered: 8, abandoned: 1,
                                                     openAtEnd: 1, unserved: 2, deflected: 0, serviceLevel: 0.8, averageSpeedOfAnswer: nil, slotUtilisation: 0.7)],
            intervalStaffing: [IntervalStaffingRecord(runId: 0, day: 0, start: "08:00", staffedAgents: 12.5, occupancy: 0.9)],
            agents: [AgentResultRecord(runId: 0, agent: 3, name: "day-4", groupName: "day", answered: 12, averageHandleTime: 300,
                                       occupancy: 0.8, slotUtilisation: 0.6, qaSampled: 2)],
            replications: [ReplicationRecord(runId: 0, replication: 1, contactsSimulated: 400, result: Data([1, 2, 3]))],
            replicationFigures: [ReplicationFigureRecord(runId: 0, replication: 1, scope: "total", name: "total", metric: "offered", value: 410)])
        let id = try store.save(Self.run(), contents)
        let runs = try store.runs()
        #expect(runs.count == 1)
        #expect(runs[0].id == id)
        #expect(runs[0].unsignedSeed == .max)
        #expect(runs[0].variant == "extended")
        #expect(runs[0].shardIndex == 2 && runs[0].shardCount == 4)
        #expect(runs[0].scenarioText == "agents: [{count: 1}]")
        #expect(try store.metrics(run: id).map(\.mean) == [0.83])
        #expect(try store.intervalChannels(run: id).first?.averageSpeedOfAnswer == nil)
        #expect(try store.intervalStaffing(run: id).first?.staffedAgents == 12.5)
        #expect(try store.agents(run: id).first?.name == "day-4")
        #expect(try store.replications(run: id).first?.result == Data([1, 2, 3]))
        #expect(try store.replicationFigures(run: id).first?.value == 410)
    }

    @Test("runs accumulate in a database file and survive reopening")
    func fileDatabase() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("agner-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ResultsStore(path: path).save(Self.run(), RunContents())
        try ResultsStore(path: path).save(Self.run(), RunContents())
        #expect(try ResultsStore(path: path).runs().map(\.id) == [1, 2])
    }

    @Test("the schema refuses a run without replications")
    func schemaEnforcesInvariants() throws {
        let store = try ResultsStore.inMemory()
        var bad = Self.run()
        bad.replications = 0
        #expect(throws: (any Error).self) { try store.save(bad, RunContents()) }
    }

    /// The v1 schema exactly as it shipped: a database written then must open and keep its runs.
    static let shippedV1 = """
        CREATE TABLE "grdb_migrations" (identifier TEXT NOT NULL PRIMARY KEY);
        INSERT INTO grdb_migrations VALUES ('v1: runs, metrics, intervals, agents');
        CREATE TABLE "run" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "createdAt" TEXT NOT NULL, "scenario" TEXT NOT NULL,
          "scenarioHash" TEXT NOT NULL, "variant" TEXT, "seed" INTEGER NOT NULL, "replications" INTEGER NOT NULL CHECK ("replications" > 0),
          "days" INTEGER NOT NULL CHECK ("days" > 0), "warmupSeconds" DOUBLE NOT NULL, "serviceLevelDefinition" TEXT NOT NULL,
          "contactsSimulated" INTEGER NOT NULL, "wallSeconds" DOUBLE NOT NULL);
        CREATE TABLE "metric" ("runId" INTEGER NOT NULL REFERENCES "run"("id") ON DELETE CASCADE, "scope" TEXT NOT NULL, "name" TEXT NOT NULL,
          "metric" TEXT NOT NULL, "mean" DOUBLE, "halfWidth" DOUBLE, PRIMARY KEY ("runId", "scope", "name", "metric"));
        CREATE TABLE "interval" ("runId" INTEGER NOT NULL REFERENCES "run"("id") ON DELETE CASCADE, "day" INTEGER NOT NULL, "start" TEXT NOT NULL,
          "channel" TEXT NOT NULL, "offered" DOUBLE NOT NULL, "answered" DOUBLE NOT NULL, "abandoned" DOUBLE NOT NULL, "serviceLevel" DOUBLE,
          "averageSpeedOfAnswer" DOUBLE, "occupancy" DOUBLE, PRIMARY KEY ("runId", "day", "start", "channel"));
        CREATE TABLE "agentResult" ("runId" INTEGER NOT NULL REFERENCES "run"("id") ON DELETE CASCADE, "agent" INTEGER NOT NULL,
          "groupName" TEXT NOT NULL, "answered" DOUBLE NOT NULL, "averageHandleTime" DOUBLE, "occupancy" DOUBLE, "qaSampled" DOUBLE NOT NULL,
          PRIMARY KEY ("runId", "agent"));
        INSERT INTO run VALUES (1, '2026-11-01T00:00:00Z', 'retail', 'abc', NULL, 7, 5, 7, 0, 'offered', 100, 1.5);
        INSERT INTO interval VALUES (1, 0, '08:00', 'phone', 10, 9, 1, 0.8, 12.5, 0.7);
        INSERT INTO agentResult VALUES (1, 0, 'day', 12, 300, 0.8, 2);
        """

    @Test("a database written by the first shipped schema is migrated forward and keeps its runs")
    func migratesFromShippedV1() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("agner-v1-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try DatabaseQueue(path: path).write { db in try db.execute(sql: Self.shippedV1) }
        let store = try ResultsStore(path: path)
        #expect(try store.appliedMigrations() == ["v1: runs, metrics, intervals, agents",
                                                   "v2: shards, replications, per-interval channels and staffing, agent names",
                                                   "v3: overrides and sweep points"])
        let runs = try store.runs()
        #expect(runs.map(\.scenario) == ["retail"])
        #expect(runs[0].shardCount == nil && runs[0].scenarioText == nil)
        #expect(runs[0].overrides == nil && runs[0].sweepPoint == nil)
        #expect(try store.agents(run: 1).first?.name == nil)
        try store.save(Self.run(), RunContents())
        #expect(try store.runs().count == 2)
    }

    @Test("the shipped migrations keep their names and order: a shipped migration is history")
    func migrationsAreFrozen() throws {
        let store = try ResultsStore.inMemory()
        #expect(try store.appliedMigrations() == ["v1: runs, metrics, intervals, agents",
                                                   "v2: shards, replications, per-interval channels and staffing, agent names",
                                                   "v3: overrides and sweep points"])
    }
}
