import Foundation
import Testing
@testable import AgnerStore

@Suite("Results store")
struct ResultsStoreTests {
    static func run() -> RunRecord {
        RunRecord(createdAt: "2026-11-23T10:00:00Z", scenario: "retail", scenarioHash: "abc", variant: "extended", seed: .max,
                  replications: 5, days: 7, warmupSeconds: 0, serviceLevelDefinition: "offered", contactsSimulated: 1000, wallSeconds: 0.5)
    }

    @Test("a saved run comes back with its metrics, intervals and agents")
    func saveAndRead() throws {
        let store = try ResultsStore.inMemory()
        let id = try store.save(Self.run(),
                                metrics: [MetricRecord(runId: 0, scope: "total", name: "total", metric: "serviceLevel", mean: 0.83, halfWidth: 0.01)],
                                intervals: [IntervalRecord(runId: 0, day: 0, start: "08:00", channel: "phone", offered: 10, answered: 9, abandoned: 1,
                                                           serviceLevel: 0.8, averageSpeedOfAnswer: nil, occupancy: 0.7)],
                                agents: [AgentResultRecord(runId: 0, agent: 3, groupName: "day", answered: 12, averageHandleTime: 300, occupancy: 0.8, qaSampled: 2)])
        let runs = try store.runs()
        #expect(runs.count == 1)
        #expect(runs[0].id == id)
        #expect(runs[0].unsignedSeed == .max)
        #expect(runs[0].variant == "extended")
        #expect(try store.metrics(run: id).map(\.mean) == [0.83])
        #expect(try store.intervals(run: id).first?.averageSpeedOfAnswer == nil)
        #expect(try store.agents(run: id).first?.qaSampled == 2)
    }

    @Test("runs accumulate in a database file and survive reopening")
    func fileDatabase() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("agner-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ResultsStore(path: path).save(Self.run(), metrics: [], intervals: [], agents: [])
        try ResultsStore(path: path).save(Self.run(), metrics: [], intervals: [], agents: [])
        #expect(try ResultsStore(path: path).runs().map(\.id) == [1, 2])
    }

    @Test("the schema refuses a run without replications")
    func schemaEnforcesInvariants() throws {
        let store = try ResultsStore.inMemory()
        var bad = Self.run()
        bad.replications = 0
        #expect(throws: (any Error).self) { try store.save(bad, metrics: [], intervals: [], agents: []) }
    }
}
