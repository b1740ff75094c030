import Foundation
import GRDB
import Testing
@testable import AgnerStore

@Suite("A journal's history, read for replay")
struct JournalHistoryTests {
    /// A journal of `times` (one arrival line each), committed one by one.
    static func journal(_ times: [Double]) throws -> String {
        let path = CommandLogTests.journalPath()
        let log = try CommandLog(path: path)
        for (index, time) in times.enumerated() {
            log.append(time: time, origin: "pbx", line: #"{"op":"contact.arrive","id":"c\#(index)","channel":"phone","topic":"t"}"#)
            try log.commit()
        }
        try log.close()
        return path
    }

    static func readAll(_ path: String) throws -> Int {
        try JournalHistory(path: path).forEachEntry { _ in true }
    }

    @Test("a time that is not a number, goes back or lies past the journal's end is damage, named by its entry, never a silently shorter day")
    func damagedTimesRefused() throws {
        let cases: [(times: [Double], says: String)] = [
            ([100, .nan, 102], "entry 2 is not dated"),
            ([100, 10_000_000_000, 102, 103], "entry 2 is dated 10000000000.0 (Unix seconds), after the journal's last entry (103.0)"),
            ([100, 50, 102], "entry 2 is dated 50.0 (Unix seconds), before the entry ahead of it (100.0)"),
        ]
        for (times, says) in cases {
            let path = try Self.journal(times)
            defer { CommandLogTests.removeJournal(at: path) }
            do {
                _ = try Self.readAll(path)
                Issue.record("\(times) was read")
            } catch {
                #expect("\(error)".contains("damaged journal: \(says)"), "\(error)")
            }
        }
        let good = try Self.journal([100, 101, 101, 102])
        defer { CommandLogTests.removeJournal(at: good) }
        #expect(try Self.readAll(good) == 4)
    }

    @Test("a batch whose stored numbers or entries were changed is refused by its checksum, whatever the numbers")
    func changedBatchRefused() throws {
        for edit in ["count = -9223372036854775808", "last = 9223372036854775807", "last = -9223372036854775808", "count = 2"] {
            let path = try Self.journal([100, 101, 102])
            defer { CommandLogTests.removeJournal(at: path) }
            try DatabaseQueue(path: path).write { try $0.execute(sql: "UPDATE journal_batch SET \(edit) WHERE rowid = (SELECT MIN(rowid) FROM journal_batch)") }
            do {
                _ = try Self.readAll(path)
                Issue.record("\(edit): read")
            } catch {
                #expect("\(error)".contains("damaged") || "\(error)".contains("missing") || "\(error)".contains("starts at"), "\(edit): \(error)")
            }
        }
    }
}
