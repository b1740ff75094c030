import Foundation
import GRDB
import Testing
@testable import AgnerStore

/// The journal's files as a crash, a full disk, retention or plain damage leave them: whatever
/// is there is read, what is not is reported with why, and nothing is ever written over or
/// deleted that recovery might need.
@Suite("Journal files after a crash or damage")
struct RecoveryFilesTests {
    /// A fresh directory with a journal path in it; removed with everything in it when done.
    final class Directory {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("agner-files-\(UUID().uuidString)")
        var journal: String { url.appendingPathComponent("journal.sqlite").path }
        init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(at: url) }
        var names: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted() }
    }

    /// A journal with `batches` batches of 3 entries ("b<batch>-<entry>"), one a day.
    static func journal(_ path: String, batches: Int = 5) throws -> CommandLog {
        let log = try CommandLog(path: path)
        for batch in 0..<batches {
            for entry in 0..<3 { log.append(time: RetentionTests.start + Double(batch) * RetentionTests.day + Double(entry), origin: "pbx", line: "b\(batch)-\(entry)") }
            try log.commit()
        }
        return log
    }

    static func flip(byteAt offset: Int, of path: String) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[offset] ^= 0x20
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test("the checksums are zlib's CRC-32: the IEEE check value, continuing equals one pass, batch checksums as stored before")
    func checksumsAreZlibs() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
        #expect(CRC32.checksum([]) == 0)
        let bytes = (0..<100_003).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        let whole = CRC32.checksum(bytes)
        for cut in [0, 1, 7, 8, 4_096, 100_002, 100_003] {
            #expect(CRC32.checksum(Array(bytes[cut...]), continuing: CRC32.checksum(Array(bytes[..<cut]))) == whole)
        }
        // A batch's checksum (last, count, entries), as journals on disk already hold it
        // (computed independently: Python's zlib.crc32 over the same bytes).
        #expect(JournalBatch.checksum(last: 3, count: 3, entries: (0..<40).map { UInt8($0) }) == 1_475_327_961)
    }

    @Test("a batch changed on disk that still decodes is reported as damaged, never replayed as other commands; the batches around it are read")
    func changedBatchIsCaught() throws {
        let directory = try Directory()
        let log = try Self.journal(directory.journal)
        // The last byte of batch 3's entries is the last character of "b2-2": now "b2-B".
        try log.writer.write { db in
            try db.execute(sql: "UPDATE journal_batch SET entries = substr(entries, 1, length(entries) - 1) || X'42' WHERE last = 9")
        }
        var lines: [String] = []
        var problems: [CommandLog.Problem] = []
        let read = try log.readForRecovery(after: 0, problem: { problems.append($0) }) { lines.append($0.line) }
        #expect(read == 12)
        #expect(!lines.contains("b2-B") && !lines.contains("b2-0"))
        #expect(lines.first == "b0-0" && lines.last == "b4-2")
        #expect(problems.count == 1)
        let problem = try #require(problems.first)
        #expect(problem.kind == .damaged && problem.entries == 7...9 && problem.commands == 3)
        #expect(problem.description.contains(directory.journal) && problem.description.contains("checksum"), "\(problem)")
    }

    @Test("entries retention deleted are reported missing with why, and everything after them is read")
    func deletedEntriesReported() throws {
        let directory = try Directory()
        let log = try Self.journal(directory.journal)
        let pruned = try log.prune(through: 9, olderThan: RetentionTests.start + 100 * RetentionTests.day, oldBatches: .delete)
        #expect(pruned.entries == 9)
        var sequences: [Int64] = []
        var problems: [CommandLog.Problem] = []
        let read = try log.readForRecovery(after: 0, problem: { problems.append($0) }) { sequences.append($0.sequence) }
        #expect(read == 6 && sequences == Array(10...15))
        #expect(problems == [CommandLog.Problem(kind: .missing, entries: 1...9, file: directory.journal, reason: "deleted by retention (--discard-old)")])
        #expect(try log.firstMissing(in: 1...12) == 1...9)
        #expect(try log.firstMissing(in: 10...15) == nil)
    }

    @Test("an archive that cannot be read is reported by name; the archives and the journal after it are still read")
    func unreadableArchive() throws {
        let directory = try Directory()
        let log = try Self.journal(directory.journal)
        let pruned = try log.prune(through: 9, olderThan: RetentionTests.start + 100 * RetentionTests.day, oldBatches: .archive)
        #expect(pruned.archives.count == 3)
        try Data(repeating: 0x5A, count: 8_192).write(to: URL(fileURLWithPath: pruned.archives[1]))
        var sequences: [Int64] = []
        var problems: [CommandLog.Problem] = []
        try log.readForRecovery(after: 0, problem: { problems.append($0) }) { sequences.append($0.sequence) }
        #expect(sequences == [1, 2, 3] + Array(7...15))
        #expect(problems.contains { $0.kind == .unreadableFile && $0.file == pruned.archives[1] }, "\(problems)")
        #expect(problems.contains { $0.kind == .missing && $0.entries == 4...6 }, "\(problems)")
    }

    @Test("snapshots are kept in two generations; a damaged newest is refused by its checksum and the previous one still reads")
    func twoGenerations() throws {
        let directory = try Directory()
        let log = try Self.journal(directory.journal)
        try log.saveSnapshot(Array("state through 6".utf8), through: 6, at: 1)
        try log.saveSnapshot(Array("state through 12".utf8), through: 12, at: 2)
        #expect(log.prunableThrough() == 6, "only what the older of the two covers may be pruned")
        let files = log.snapshotFiles()
        #expect(files.map(\.path) == [log.snapshotPath, log.previousSnapshotPath])
        #expect(try files.map { try $0.snapshot.get().sequence } == [12, 6])

        // One byte of the newest's state changed.
        let size = try #require(try FileManager.default.attributesOfItem(atPath: log.snapshotPath)[.size] as? Int)
        try Self.flip(byteAt: size - 3, of: log.snapshotPath)
        let after = log.snapshotFiles()
        guard case let .failure(reason) = after[0].snapshot else { Issue.record("a damaged snapshot was read"); return }
        #expect(reason.kind == .damaged && reason.description.contains("checksum"), "\(reason)")
        #expect(try after[1].snapshot.get().data == Array("state through 6".utf8))
        #expect(log.prunableThrough() == 6)
    }

    @Test("a snapshot file with any one byte changed is refused, never read as another state", arguments: [0x01, 0x80, 0xFF] as [UInt8])
    func everyByteOfASnapshot(mask: UInt8) throws {
        let directory = try Directory()
        let log = try Self.journal(directory.journal, batches: 1)
        try log.saveSnapshot((0..<300).map { UInt8(truncatingIfNeeded: $0 * 7) }, through: 3, at: 1_800_000_000)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: log.snapshotPath)))
        // Every 7th byte in CI; every byte with AGNER_SNAPSHOT_FUZZ set.
        let stride = ProcessInfo.processInfo.environment["AGNER_SNAPSHOT_FUZZ"] == nil ? 7 : 1
        for offset in Swift.stride(from: 0, to: bytes.count, by: stride) {
            var damaged = bytes
            damaged[offset] ^= mask
            #expect(throws: CommandLog.SnapshotUnusable.self, "byte \(offset) ^ \(mask)") {
                try CommandLog.parseSnapshot(damaged, path: log.snapshotPath, identity: log.identity)
            }
        }
        for length in Swift.stride(from: 0, to: bytes.count, by: stride) {
            #expect(throws: CommandLog.SnapshotUnusable.self, "cut to \(length)") {
                try CommandLog.parseSnapshot(Array(bytes.prefix(length)), path: log.snapshotPath, identity: log.identity)
            }
        }
        #expect(try CommandLog.parseSnapshot(bytes, path: log.snapshotPath, identity: log.identity).sequence == 3)
    }

    /// A replacement journal with entries "new-1" … "new-3".
    static func replacement(for path: String) throws -> String {
        let replacement = JournalFiles.replacementPath(for: path)
        let builder = try JournalBuilder(path: replacement)
        for n in 1...3 { try builder.append(time: Double(n), origin: "pbx", line: "new-\(n)") }
        try builder.finish()
        return replacement
    }

    struct Crash: Error {}

    @Test("a replacement of the journal cut short at any step ends, at the next start, with the new journal in place and the old one set aside whole", arguments: 1...4)
    func replacementCutShort(step: Int) throws {
        let directory = try Directory()
        let old = try Self.journal(directory.journal, batches: 2)
        try old.saveSnapshot([1, 2, 3], through: 6, at: 1)
        try old.close()
        let replacement = try Self.replacement(for: directory.journal)
        let aside = JournalFiles.asideName(for: directory.journal, kind: "unreplayable")
        #expect(throws: Crash.self) {
            try JournalFiles.replace(directory.journal, with: replacement, settingAsideAs: aside, moving: .all) { if $0 == step { throw Crash() } }
        }
        let found = try JournalFiles.finishInterrupted(directory.journal)
        #expect(found == (step == 4 ? nil : .finished(aside: aside)))
        #expect(!FileManager.default.fileExists(atPath: replacement))
        #expect(try CommandLog(path: directory.journal).entries().map(\.line) == ["new-1", "new-2", "new-3"])
        let kept = try CommandLog(path: aside)
        #expect(try kept.entries().count == 6)
        #expect(try kept.latestSnapshot()?.data == [1, 2, 3], "the old journal's snapshot went with it")
        #expect(try JournalFiles.finishInterrupted(directory.journal) == nil, "nothing left to finish")
    }

    @Test("a replacement whose new journal is gone puts the old journal back")
    func replacementUndone() throws {
        let directory = try Directory()
        try Self.journal(directory.journal, batches: 2).close()
        let replacement = try Self.replacement(for: directory.journal)
        let aside = JournalFiles.asideName(for: directory.journal, kind: "unreplayable")
        #expect(throws: Crash.self) {
            try JournalFiles.replace(directory.journal, with: replacement, settingAsideAs: aside, moving: .all) { if $0 == 2 { throw Crash() } }
        }
        try FileManager.default.removeItem(atPath: replacement)
        #expect(try JournalFiles.finishInterrupted(directory.journal) == .undone(aside: aside))
        #expect(try CommandLog(path: directory.journal).entries().count == 6)
    }

    @Test("setting aside twice in the same second gives two names; nothing is moved over a file that exists")
    func asideNamesNeverCollide() throws {
        let directory = try Directory()
        let snapshot = directory.journal + "-snapshot"
        let moment = Date(timeIntervalSince1970: 1_800_000_000)
        try Data("first".utf8).write(to: URL(fileURLWithPath: snapshot))
        let first = try JournalFiles.setAside(file: snapshot, kind: "damaged", at: moment)
        try Data("second".utf8).write(to: URL(fileURLWithPath: snapshot))
        let second = try JournalFiles.setAside(file: snapshot, kind: "damaged", at: moment)
        #expect(first == snapshot + ".damaged-2027-01-15T080000Z")
        #expect(second == first + "-2")
        #expect(try String(contentsOfFile: first, encoding: .utf8) == "first")
        #expect(try String(contentsOfFile: second, encoding: .utf8) == "second")
        // A journal set aside keeps its -wal and -snapshot under the same name: a name any of
        // them would take is taken.
        try Data().write(to: URL(fileURLWithPath: directory.journal + ".unreplayable-2027-01-15T080000Z-snapshot"))
        #expect(JournalFiles.asideName(for: directory.journal, kind: "unreplayable", at: moment) == directory.journal + ".unreplayable-2027-01-15T080000Z-2")
        try Data("third".utf8).write(to: URL(fileURLWithPath: snapshot))
        #expect(throws: JournalFiles.Failure.self) { try JournalFiles.moveWithoutReplacing(snapshot, to: first) }
        #expect(try String(contentsOfFile: first, encoding: .utf8) == "first")
        #expect(try String(contentsOfFile: snapshot, encoding: .utf8) == "third")
    }

    @Test("a journal SQLite cannot read is refused as unreadable, and salvage writes what can be read with the same numbers and identity")
    func unreadableJournal() throws {
        let directory = try Directory()
        let log = try Self.journal(directory.journal, batches: 4)
        let identity = log.identity
        try log.close()
        let salvaged = directory.journal + ".salvaged"
        let good = try CommandLog.salvage(from: directory.journal, into: salvaged, identityIfUnknown: nil, setAsideAs: "elsewhere")
        #expect(good.identity == identity && good.entries == 12 && good.batches == 4 && good.ranges == [1...12] && good.failures.isEmpty)
        let rebuilt = try CommandLog(path: salvaged)
        #expect(rebuilt.identity == identity && rebuilt.lastSequence == 12)
        #expect(try rebuilt.entries().map(\.line) == (0..<4).flatMap { batch in (0..<3).map { "b\(batch)-\($0)" } })
        #expect(rebuilt.note("salvaged_from") == "elsewhere")

        // Not a database at all.
        try Data(repeating: 0x5A, count: 16_384).write(to: URL(fileURLWithPath: directory.journal))
        try? FileManager.default.removeItem(atPath: directory.journal + "-wal")
        try? FileManager.default.removeItem(atPath: directory.journal + "-shm")
        #expect(throws: CommandLog.Unreadable.self) { try CommandLog(path: directory.journal) }
        let empty = try CommandLog.salvage(from: directory.journal, into: directory.journal + ".empty", identityIfUnknown: "from-the-snapshot", setAsideAs: "elsewhere")
        #expect(empty.entries == 0 && !empty.failures.isEmpty)
        #expect(try CommandLog(path: directory.journal + ".empty").identity == "from-the-snapshot")
    }

    @Test("a journal that starts from a stored state numbers after it; that state, damaged, is refused by its checksum")
    func startingState() throws {
        let directory = try Directory()
        let builder = try JournalBuilder(path: directory.journal)
        try builder.setBase([9, 8, 7], sequence: 40, created: 5)
        try builder.append(time: 1, origin: "pbx", line: "after")
        try builder.finish()
        let log = try CommandLog(path: directory.journal)
        #expect(try log.base() == CommandLog.Base(sequence: 40, created: 5, data: [9, 8, 7]))
        #expect(try log.entries().map(\.sequence) == [41])
        try log.writer.write { db in try db.execute(sql: "UPDATE journal_base SET data = X'090807FF'") }
        #expect { try log.base() } throws: { error in
            (error as? CommandLog.SnapshotUnusable)?.kind == .damaged && "\(error)".contains("checksum")
        }
    }

    @Test("numbering continued after a snapshot that covers more than the journal holds stays continued after reopening")
    func continuedNumberingKept() throws {
        let directory = try Directory()
        let log = try Self.journal(directory.journal, batches: 1)
        try log.continueAfter(40)
        try log.continueAfter(20)  // never back
        #expect(log.lastSequence == 40)
        let reopened = try CommandLog(path: directory.journal)
        #expect(reopened.lastSequence == 40)
        reopened.append(time: 1, origin: "pbx", line: "next")
        #expect(try reopened.commit() == 41)
    }

    @Test("what interrupted writes leave (a half-written snapshot, a replacement never put in place) is removed; journals, snapshots and set-aside files are not")
    func leftoversRemoved() throws {
        let directory = try Directory()
        let log = try Self.journal(directory.journal, batches: 1)
        try log.saveSnapshot([7], through: 3, at: 1)
        try log.close()
        let leftovers = [directory.journal + "-snapshot.tmp", directory.journal + ".new", directory.journal + ".new-wal", directory.journal + ".replacing.tmp"]
        let kept = [directory.journal + ".unreplayable-2027-01-15T080000Z", directory.journal + "-snapshot.damaged-2027-01-15T080000Z"]
        for file in leftovers + kept { try Data([1]).write(to: URL(fileURLWithPath: file)) }
        #expect(try JournalFiles.finishInterrupted(directory.journal) == nil)
        for file in leftovers { #expect(!FileManager.default.fileExists(atPath: file), "\(file)") }
        for file in kept { #expect(FileManager.default.fileExists(atPath: file), "\(file)") }
        // Opening the journal alone removes a half-written snapshot too.
        try Data([1]).write(to: URL(fileURLWithPath: directory.journal + "-snapshot.tmp"))
        let reopened = try CommandLog(path: directory.journal)
        #expect(!FileManager.default.fileExists(atPath: directory.journal + "-snapshot.tmp"))
        #expect(try reopened.latestSnapshot()?.data == [7])
    }

    @Test("an intent file that is garbage, or names files away from the journal, acts on nothing and keeps no leftover in place")
    func foreignIntentIgnored() throws {
        let directory = try Directory()
        let log = try Self.journal(directory.journal, batches: 1)
        try log.close()
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("outside-\(UUID().uuidString)").path
        try Data([9]).write(to: URL(fileURLWithPath: outside))
        defer { try? FileManager.default.removeItem(atPath: outside) }
        for intent in [Data((0..<300).map { UInt8(truncatingIfNeeded: $0 &* 131) }),
                       Data("aside\t\(outside)\nreplacement\t\(directory.journal).new\nmembers\t1\n".utf8)] {
            try intent.write(to: URL(fileURLWithPath: directory.journal + ".replacing"))
            try Data([1]).write(to: URL(fileURLWithPath: directory.journal + ".new"))
            #expect(try JournalFiles.finishInterrupted(directory.journal) == nil)
            #expect(!FileManager.default.fileExists(atPath: directory.journal + ".replacing"))
            #expect(!FileManager.default.fileExists(atPath: directory.journal + ".new"))
            #expect(FileManager.default.fileExists(atPath: directory.journal) && FileManager.default.fileExists(atPath: outside))
        }
    }
}
