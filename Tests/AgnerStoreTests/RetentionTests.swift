import Foundation
import GRDB
import Testing
@testable import AgnerStore

@Suite("Journal retention")
struct RetentionTests {
    static let day = 86_400.0
    static let start = 1_800_000_000.0  // 2027-01-15 08:00 UTC

    /// A journal of 10 days, one batch of 3 entries a day.
    static func tenDays(_ path: String) throws -> CommandLog {
        let log = try CommandLog(path: path)
        for day in 0..<10 {
            for entry in 0..<3 { log.append(time: start + Double(day) * Self.day + Double(entry), origin: "pbx", line: "d\(day)-\(entry)") }
            try log.commit()
        }
        return log
    }

    static func remove(_ path: String) {
        CommandLogTests.removeJournal(at: path)
        let directory = (path as NSString).deletingLastPathComponent
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasPrefix((path as NSString).lastPathComponent + ".archive-") {
            try? FileManager.default.removeItem(atPath: directory + "/" + name)
        }
    }

    @Test("batches covered by the snapshot and older than the window go to dated archives; the rest stays")
    func archivesOldBatches() throws {
        let path = CommandLogTests.journalPath()
        defer { Self.remove(path) }
        let log = try Self.tenDays(path)
        // Snapshot through day 7's batch (entry 24); keep 5 days back from day 9.
        let pruned = try log.prune(through: 24, olderThan: Self.start + 4 * Self.day + 10, oldBatches: .archive)
        #expect(pruned.batches == 5 && pruned.entries == 15)
        #expect(pruned.archives.count == 5)
        #expect(try log.firstSequence() == 16)
        #expect(log.archiveFiles == pruned.archives)
        var lines: [String] = []
        try log.forEachEntry(after: 0) { lines.append($0.line) }
        #expect(lines.first == "d5-0" && lines.count == 15)
        // An archive reads as a journal of its own.
        let archived = try CommandLog(path: pruned.archives[0])
        #expect(try archived.entries().map(\.line) == ["d0-0", "d0-1", "d0-2"])
        #expect(try archived.entries().map(\.sequence) == [1, 2, 3])
    }

    @Test("recovery without a snapshot reads the archives first: every entry, in order, once")
    func recoveryReadsArchives() throws {
        let path = CommandLogTests.journalPath()
        defer { Self.remove(path) }
        let log = try Self.tenDays(path)
        try log.prune(through: 24, olderThan: Self.start + 6 * Self.day, oldBatches: .archive)
        var sequences: [Int64] = []
        let count = try log.forEachEntryWithArchives(after: 0) { sequences.append($0.sequence) }
        #expect(count == 30 && sequences == Array(1...30))
        var after: [Int64] = []
        try log.forEachEntryWithArchives(after: 5) { after.append($0.sequence) }
        #expect(after == Array(6...30))
    }

    @Test("deleted batches are gone, and a recovery that would need them says so")
    func deleteOldBatches() throws {
        let path = CommandLogTests.journalPath()
        defer { Self.remove(path) }
        let log = try Self.tenDays(path)
        let pruned = try log.prune(through: 30, olderThan: Self.start + 20 * Self.day, oldBatches: .delete)
        #expect(pruned.batches == 9 && pruned.archives.isEmpty)  // the newest batch always stays
        #expect(log.archiveFiles.isEmpty)
        #expect(throws: CommandLog.SnapshotUnusable.self) { try log.forEachEntryWithArchives(after: 0) { _ in } }
        // New entries go on numbering after the last one.
        log.append(time: Self.start + 11 * Self.day, origin: "pbx", line: "new")
        #expect(try log.commit() == 31)
        let reopened = try CommandLog(path: path)
        #expect(reopened.lastSequence == 31)
    }

    @Test("nothing a snapshot does not cover is pruned, however old")
    func keepsWhatRecoveryNeeds() throws {
        let path = CommandLogTests.journalPath()
        defer { Self.remove(path) }
        let log = try Self.tenDays(path)
        let pruned = try log.prune(through: 6, olderThan: Self.start + 100 * Self.day, oldBatches: .archive)
        #expect(pruned.batches == 2)
        #expect(try log.firstSequence() == 7)
    }
}
