import Foundation
import GRDB

/// A journal's whole history read without writing to it: its dated archives
/// (`<journal>.archive-YYYY-MM-DD`, oldest first) and then the journal, as one sequence of
/// entries from entry 1, for tools that replay recorded traffic (`agner replay`). Nothing is
/// created, migrated or checkpointed: a journal a router is writing can be read beside it.
///
/// ```swift
/// let history = try JournalHistory(path: "agner.db")
/// try history.forEachEntry { entry in …; return true }   // false stops
/// ```
public struct JournalHistory: Sendable {
    /// Why a journal cannot be read.
    public struct Unreadable: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The journal's database file.
    public let path: String
    /// Its archive files, oldest first.
    public let archives: [String]

    /// - Throws: `Unreadable` when there is no such file, or it is not an Agner journal (not
    ///   SQLite, or without the journal's table).
    public init(path: String) throws(Unreadable) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw Unreadable(description: "\(path): no such journal file")
        }
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        let base = (path as NSString).lastPathComponent + ".archive-"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)) ?? []
        archives = names.filter { $0.hasPrefix(base) && !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") && !$0.hasSuffix("-snapshot") }
            .sorted().map { directory.isEmpty ? $0 : directory + "/" + $0 }
        for file in [path] + archives {
            do {
                let isJournal = try Self.open(file).read { db in try db.tableExists("journal_batch") }
                guard isJournal else {
                    throw Unreadable(description: "\(file): not an Agner journal (an SQLite database without the journal's table)")
                }
            } catch let error as Unreadable {
                throw error
            } catch {
                throw Unreadable(description: "\(file): not an Agner journal (\(Self.reason(error)))")
            }
        }
    }

    static func open(_ file: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        return try DatabaseQueue(path: file, configuration: configuration)
    }

    static func reason(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error)" }
        return "\(error)"
    }

    /// The number of the last entry (0 when the journal is empty).
    public func lastSequence() throws(Unreadable) -> Int64 {
        do {
            return try Self.open(path).read { db in try Int64.fetchOne(db, sql: "SELECT MAX(last) FROM journal_batch") ?? 0 }
        } catch {
            throw Unreadable(description: "\(path): \(Self.reason(error))")
        }
    }

    /// The time of the first and the last entry (Unix seconds), nil when there is none.
    public func span() throws(Unreadable) -> (first: Double, last: Double)? {
        var first: Double?, last: Double?
        do {
            for file in archives + [path] where first == nil {
                try Self.open(file).read { db in
                    guard let row = try Row.fetchOne(db, sql: "SELECT last, count, entries FROM journal_batch ORDER BY last LIMIT 1") else { return }
                    try Self.decode(row) { entry in if first == nil { first = entry.time } }
                }
            }
            try Self.open(path).read { db in
                guard let row = try Row.fetchOne(db, sql: "SELECT last, count, entries FROM journal_batch ORDER BY last DESC LIMIT 1") else { return }
                try Self.decode(row) { last = $0.time }
            }
        } catch {
            throw Unreadable(description: "\(path): \(Self.reason(error))")
        }
        guard let first, let last else { return nil }
        return (first, last)
    }

    static func decode(_ row: Row, _ body: (CommandLog.Entry) throws -> Void) throws {
        let last: Int64 = row[0], count: Int = row[1], blob: Data = row[2]
        try blob.withUnsafeBytes { bytes in try JournalBatch.decode(bytes, count: count, last: last, body) }
    }

    /// Calls `body` with every entry from entry 1, in order, archives first, until it returns
    /// false. An entry in an archive and in the journal (a pruning cut short by a crash) is
    /// given once. - Returns: how many entries were given.
    /// - Throws: `Unreadable` when entries are missing (discarded by retention, or an archive
    ///   moved away) or a batch is damaged; what `body` throws.
    @discardableResult
    public func forEachEntry(_ body: (CommandLog.Entry) throws -> Bool) throws -> Int {
        var next: Int64 = 1
        var count = 0
        var stopped = false
        for file in archives + [path] where !stopped {
            let database: DatabaseQueue
            do { database = try Self.open(file) } catch { throw Unreadable(description: "\(file): \(Self.reason(error))") }
            try database.read { db in
                let rows = try Row.fetchCursor(db, sql: "SELECT last, count, entries FROM journal_batch WHERE last >= ? ORDER BY last",
                                               arguments: [next])
                while !stopped, let row = try rows.next() {
                    let last: Int64 = row[0], entries: Int = row[1]
                    try row.withUnsafeData(atIndex: 2) { data in
                        guard let data else { throw Unreadable(description: "\(file): journal batch ending at \(last) has no entries") }
                        do {
                            try data.withUnsafeBytes { bytes in
                                try JournalBatch.decode(bytes, count: entries, last: last) { entry in
                                    guard !stopped, entry.sequence >= next else { return }
                                    guard entry.sequence == next else {
                                        throw Unreadable(description: next == 1
                                            ? "\(path): the journal starts at entry \(entry.sequence): entries 1–\(entry.sequence - 1) were discarded (--discard-old) or their archives moved; a replay needs the whole history"
                                            : "\(file): entries \(next)–\(entry.sequence - 1) are missing (an archive moved or deleted?)")
                                    }
                                    next += 1
                                    count += 1
                                    if try !body(entry) { stopped = true }
                                }
                            }
                        } catch let damaged as JournalBatch.Damaged {
                            throw Unreadable(description: "\(file): \(damaged.description)")
                        }
                    }
                }
            }
        }
        return count
    }
}
