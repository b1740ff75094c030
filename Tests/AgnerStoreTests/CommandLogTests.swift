import Foundation
import GRDB
import Testing
@testable import AgnerStore

@Suite("Command journal")
struct CommandLogTests {
    /// A fresh journal path in the temporary directory.
    static func journalPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString).sqlite").path
    }

    /// Removes a journal and the files SQLite and the snapshot keep beside it.
    static func removeJournal(at path: String) {
        for suffix in ["", "-wal", "-shm", "-snapshot", "-snapshot.previous"] { try? FileManager.default.removeItem(atPath: path + suffix) }
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

    @Test("a journal written one row per entry (before batches) keeps its entries and sequences, in batches")
    func convertsRowJournal() throws {
        let path = Self.journalPath()
        defer { Self.removeJournal(at: path) }
        // The schema as the two first migrations left it, with 2,500 entries.
        let old = try DatabaseQueue(path: path)
        try old.write { db in
            try db.execute(sql: """
                CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
                INSERT INTO grdb_migrations VALUES ('v1: journal'), ('v2: identity');
                CREATE TABLE journal (sequence INTEGER PRIMARY KEY, time DOUBLE NOT NULL, origin TEXT NOT NULL, line TEXT NOT NULL);
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                INSERT INTO meta VALUES ('journal_id', 'old-journal');
                """)
            for sequence in 1...2_500 {
                try db.execute(sql: "INSERT INTO journal VALUES (?, ?, ?, ?)",
                               arguments: [sequence, Double(sequence) / 4, sequence % 2 == 0 ? "pbx" : "", "line \(sequence) ☎️"])
            }
        }
        try old.close()
        let log = try CommandLog(path: path)
        #expect(log.lastSequence == 2_500)
        let entries = try log.entries()
        #expect(entries.map(\.sequence) == Array(1...2_500))
        #expect(entries.map(\.line) == (1...2_500).map { "line \($0) ☎️" })
        #expect(entries.map(\.time) == (1...2_500).map { Double($0) / 4 })
        #expect(entries.map(\.origin) == (1...2_500).map { $0 % 2 == 0 ? "pbx" : "" })
        let batches = try log.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM journal_batch") }
        #expect(batches == 3)
        // New entries continue the sequence.
        log.append(time: 1_000, origin: "pbx", line: "next")
        #expect(try log.commit() == 2_501)
        var after: [Int64] = []
        try CommandLog(path: path).forEachEntry(after: 2_499) { after.append($0.sequence) }
        #expect(after == [2_500, 2_501])
    }

    @Test("a damaged batch is reported with the sequences it holds: by its checksum, or (written before checksums) by its shape")
    func damagedBatch() throws {
        let path = Self.journalPath()
        defer { Self.removeJournal(at: path) }
        let log = try CommandLog(path: path)
        for index in 1...3 { log.append(time: Double(index), origin: "pbx", line: "\(index)") }
        try log.commit()
        try log.writer.write { db in try db.execute(sql: "UPDATE journal_batch SET entries = substr(entries, 1, 30)") }
        #expect {
            try log.forEachEntry(after: 0) { _ in }
        } throws: { error in
            "\(error)".contains("journal batch 1–3") && "\(error)".contains("checksum does not match")
        }
        // A batch from before checksums has none: its damage is found by decoding.
        try log.writer.write { db in try db.execute(sql: "UPDATE journal_batch SET checksum = NULL") }
        #expect {
            try log.forEachEntry(after: 0) { _ in }
        } throws: { error in
            "\(error)".contains("journal batch 1–3") && "\(error)".contains("ends early")
        }
    }

    @Test("under steady writing the write-ahead log starts over once past its limit instead of growing")
    func writeAheadLogBounded() throws {
        let path = Self.journalPath()
        defer { Self.removeJournal(at: path) }
        let limit = 256 * 1024
        let log = try CommandLog(path: path, walSizeLimit: limit)
        let line = String(repeating: "x", count: 60)
        func walSize() -> Int { ((try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int) ?? 0 }
        // 2.5 s of steady batches, a few thousand a second (the checkpoint runs once a second).
        // A passive checkpoint alone never catches up with such a writer: the log would only grow.
        let end = Date().addingTimeInterval(2.5)
        var batches = 0
        var previous = 0
        var largest = 0
        var startedOver = false
        while Date() < end && batches < 20_000 {
            for _ in 0..<20 { log.append(time: 1, origin: "pbx", line: line) }
            try log.commit()
            batches += 1
            let size = walSize()
            if size < previous { startedOver = true }
            previous = size
            largest = max(largest, size)
            usleep(200)
        }
        #expect(largest > limit, "the test wrote too little to pass the limit")
        #expect(startedOver, "the log grew to \(largest) bytes and never started over")
        #expect(try log.count() == batches * 20)
    }
}
