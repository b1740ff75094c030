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

@Suite("Command journal")
struct CommandLogTests {
    /// A fresh journal path in the temporary directory.
    static func journalPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString).sqlite").path
    }

    /// Removes a journal and the files SQLite and the snapshot keep beside it.
    static func removeJournal(at path: String) {
        for suffix in ["", "-wal", "-shm", "-snapshot"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    @Test("appended commands are kept only once committed, in order, and survive reopening")
    func commitAndReopen() throws {
        let path = Self.journalPath()
        defer { Self.removeJournal(at: path) }
        let log = try CommandLog(path: path)
        log.append(time: 1, origin: "pbx", line: #"{"op":"a"}"#)
        log.append(time: 2, origin: "pbx", line: #"{"op":"b"}"#)
        #expect(try log.count() == 0)
        try log.commit()
        log.append(time: 3, origin: "web", line: #"{"op":"c"}"#)  // never committed
        let reopened = try CommandLog(path: path)
        #expect(try reopened.entries().map(\.line) == [#"{"op":"a"}"#, #"{"op":"b"}"#])
        #expect(try reopened.entries().map(\.sequence) == [1, 2])
    }

    @Test("commit reports the last sequence, also after reopening; entries after a sequence come in order")
    func sequencesAndEntriesAfter() throws {
        let path = Self.journalPath()
        defer { Self.removeJournal(at: path) }
        let log = try CommandLog(path: path)
        #expect(log.lastSequence == 0)
        for index in 1...5 { log.append(time: Double(index), origin: "pbx", line: "\(index)") }
        #expect(try log.commit() == 5)
        #expect(try log.commit() == 5, "nothing pending: the same sequence")
        let reopened = try CommandLog(path: path)
        #expect(reopened.lastSequence == 5)
        var seen: [String] = []
        #expect(try reopened.forEachEntry(after: 2) { seen.append($0.line) } == 3)
        #expect(seen == ["3", "4", "5"])
    }

    @Test("the newest snapshot replaces the previous one, survives reopening, and is refused beside another journal")
    func snapshotFile() throws {
        let path = Self.journalPath()
        defer { Self.removeJournal(at: path) }
        let log = try CommandLog(path: path)
        #expect(try log.latestSnapshot() == nil)
        for index in 1...20 { log.append(time: Double(index), origin: "pbx", line: "\(index)") }
        try log.commit()
        try log.saveSnapshot([1, 2, 3], through: 10, at: 100)
        try log.saveSnapshot([4, 5], through: 20, at: 200)
        let latest = try #require(try CommandLog(path: path).latestSnapshot())
        #expect(latest == CommandLog.Snapshot(sequence: 20, created: 200, data: [4, 5]))

        // A new journal at the same path (the old one deleted, its snapshot file left behind).
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }  // the snapshot stays
        let fresh = try CommandLog(path: path)
        #expect(throws: CommandLog.SnapshotUnusable.self) { try fresh.latestSnapshot() }
    }

    @Test("a damaged snapshot file is refused with its reason")
    func damagedSnapshot() throws {
        let path = Self.journalPath()
        defer { Self.removeJournal(at: path) }
        let log = try CommandLog(path: path)
        log.append(time: 1, origin: "pbx", line: "1")
        try log.commit()
        try log.saveSnapshot([9, 9, 9], through: 1, at: 1)
        let whole = try #require(FileManager.default.contents(atPath: path + "-snapshot"))
        try whole.prefix(10).write(to: URL(fileURLWithPath: path + "-snapshot"))
        #expect(throws: CommandLog.SnapshotUnusable.self) { try log.latestSnapshot() }
        try Data("hello".utf8).write(to: URL(fileURLWithPath: path + "-snapshot"))
        #expect(throws: CommandLog.SnapshotUnusable.self) { try log.latestSnapshot() }
    }

    @Test("entries are kept byte for byte: empty strings, quotes, accents and emoji")
    func entriesKeptExactly() throws {
        let path = Self.journalPath()
        defer { Self.removeJournal(at: path) }
        let log = try CommandLog(path: path)
        let lines = ["", #"{"op":"contact.arrive","id":"zoë \"x\""}"#, "☎️ 東京", String(repeating: "a", count: 70_000)]
        for (index, line) in lines.enumerated() { log.append(time: Double(index) + 0.25, origin: index == 0 ? "" : "pbx", line: line) }
        #expect(try log.commit() == 4)
        let entries = try CommandLog(path: path).entries()
        #expect(entries.map(\.line) == lines)
        #expect(entries.map(\.origin) == ["", "pbx", "pbx", "pbx"])
        #expect(entries.map(\.time) == [0.25, 1.25, 2.25, 3.25])
    }
}
