import Foundation
import GRDB

/// A journal's whole history read without writing to it: its dated archives
/// (`<journal>.archive-YYYY-MM-DD`, oldest first) and then the journal, as one sequence of
/// entries from entry 1, for tools that replay recorded traffic (`agner replay`). Nothing is
/// created, migrated or checkpointed: a journal a router is writing can be read beside it.
/// A journal written before batches (one row per entry, migration "v1: journal") is read as it
/// is; one written by a newer Agner (a migration this one does not know) is refused by name.
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

    /// How a file holds its entries.
    enum Layout: Sendable {
        /// Batches of entries, one row each (`journal_batch`, since migration "v3: batches").
        case batches
        /// One row per entry (`journal`): a journal written before batches, by an older Agner,
        /// and never opened since by a newer `agner serve` (which would have converted it).
        case rows
    }

    /// The journal's database file.
    public let path: String
    /// Its archive files, oldest first.
    public let archives: [String]
    /// Each file's layout, by path.
    let layouts: [String: Layout]

    /// - Throws: `Unreadable` when there is no such file, it is not an Agner journal (not
    ///   SQLite, or without the journal's table), or it was written by a newer Agner (a
    ///   migration this one does not know).
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
        var layouts: [String: Layout] = [:]
        for file in [path] + archives {
            do {
                layouts[file] = try Self.open(file).read { db throws -> Layout in try Self.layout(of: file, db) }
            } catch let error as Unreadable {
                throw error
            } catch {
                throw Unreadable(description: "\(file): not an Agner journal (\(Self.reason(error)))")
            }
        }
        self.layouts = layouts
    }

    /// What a journal file is: its layout, or why it cannot be read.
    static func layout(of file: String, _ db: Database) throws -> Layout {
        let known = Set(CommandLog.migrationIdentifiers)
        if try db.tableExists("grdb_migrations") {
            let applied = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
            let unknown = applied.filter { !known.contains($0) }
            guard unknown.isEmpty else {
                throw Unreadable(description: "\(file): written by a newer version of Agner (its journal has "
                    + "\(unknown.map { "'\($0)'" }.joined(separator: ", ")), which this agner does not know: it knows "
                    + "\(CommandLog.migrationIdentifiers.map { "'\($0)'" }.joined(separator: ", "))); replay it with the agner that wrote it")
            }
        }
        if try db.tableExists("journal_batch") { return .batches }
        if try db.tableExists("journal"), try db.columns(in: "journal").map(\.name) == ["sequence", "time", "origin", "line"] {
            return .rows
        }
        throw Unreadable(description: "\(file): not an Agner journal (an SQLite database without the journal's table)")
    }

    static func open(_ file: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        return try DatabaseQueue(path: file, configuration: configuration)
    }

    static func reason(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error)" }
        if let error = error as? JournalBatch.Damaged { return "damaged \(error.description)" }
        return "\(error)"
    }

    /// The number of the last entry (0 when the journal is empty).
    public func lastSequence() throws(Unreadable) -> Int64 {
        do {
            let sql = layouts[path] == .rows ? "SELECT MAX(sequence) FROM journal" : "SELECT MAX(last) FROM journal_batch"
            return try Self.open(path).read { db in try Int64.fetchOne(db, sql: sql) ?? 0 }
        } catch {
            throw Unreadable(description: "\(path): \(Self.reason(error))")
        }
    }

    /// The time of the first and the last entry (Unix seconds), nil when there is none.
    public func span() throws(Unreadable) -> (first: Double, last: Double)? {
        var first: Double?, last: Double?
        do {
            for file in archives + [path] where first == nil {
                first = try time(in: file, last: false)
            }
            last = try time(in: path, last: true)
        } catch {
            throw Unreadable(description: "\(path): \(Self.reason(error))")
        }
        guard let first, let last else { return nil }
        return (first, last)
    }

    /// The time of a file's first (or last) entry.
    func time(in file: String, last: Bool) throws -> Double? {
        try Self.open(file).read { db in
            if layouts[file] == .rows {
                return try Double.fetchOne(db, sql: "SELECT time FROM journal ORDER BY sequence \(last ? "DESC" : "") LIMIT 1")
            }
            guard let row = try Row.fetchOne(db, sql: "SELECT last, count, entries FROM journal_batch ORDER BY last \(last ? "DESC" : "") LIMIT 1") else {
                return nil
            }
            var time: Double?
            try Self.decode(row) { entry in if !last, time == nil { time = entry.time } else if last { time = entry.time } }
            return time
        }
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
        // Entries come in time order and none after the journal's last: a time that is not a
        // number, goes back, or lies past the end is damage (an old journal has no checksums).
        let end = try span()?.last ?? 0
        var previous = -Double.infinity
        for file in archives + [path] where !stopped {
            let database: DatabaseQueue
            do { database = try Self.open(file) } catch { throw Unreadable(description: "\(file): \(Self.reason(error))") }
            try database.read { db in
                // The entry numbered `next`, or the gap before the next one there is.
                func take(_ entry: CommandLog.Entry) throws {
                    guard !stopped, entry.sequence >= next else { return }
                    guard entry.sequence == next else {
                        throw Unreadable(description: next == 1
                            ? "\(path): the journal starts at entry \(entry.sequence): entries 1–\(entry.sequence - 1) were discarded (--discard-old) or their archives moved; a replay needs the whole history"
                            : "\(file): entries \(next)–\(entry.sequence - 1) are missing (an archive moved or deleted?)")
                    }
                    guard entry.time.isFinite, entry.time >= previous, entry.time <= end else {
                        let when = entry.time.isFinite ? "dated \(entry.time) (Unix seconds)" : "not dated"
                        let bound = entry.time > end ? "after the journal's last entry (\(end))" : "before the entry ahead of it (\(previous))"
                        throw Unreadable(description: "\(file): damaged journal: entry \(entry.sequence) is \(when), \(entry.time.isFinite ? bound : "")"
                            .trimmingCharacters(in: CharacterSet(charactersIn: ", ")))
                    }
                    previous = entry.time
                    next += 1
                    count += 1
                    if try !body(entry) { stopped = true }
                }
                if layouts[file] == .rows {
                    let rows = try Row.fetchCursor(db, sql: "SELECT sequence, time, origin, line FROM journal WHERE sequence >= ? ORDER BY sequence",
                                                   arguments: [next])
                    while !stopped, let row = try rows.next() {
                        var entry = CommandLog.Entry(time: row[1], origin: row[2], line: row[3])
                        entry.sequence = row[0]
                        try take(entry)
                    }
                    return
                }
                // Batches written since migration v4 carry a checksum: checked before decoding.
                let checked = try db.columns(in: "journal_batch").contains { $0.name == "checksum" }
                let rows = try Row.fetchCursor(db, sql: "SELECT last, count, entries, \(checked ? "checksum" : "NULL") FROM journal_batch WHERE last >= ? ORDER BY last",
                                               arguments: [next])
                while !stopped, let row = try rows.next() {
                    let last: Int64 = row[0], entries: Int = row[1], checksum: Int64? = row[3]
                    try row.withUnsafeData(atIndex: 2) { data in
                        guard let data else { throw Unreadable(description: "\(file): journal batch ending at \(last) has no entries") }
                        do {
                            try data.withUnsafeBytes { bytes in
                                try JournalBatch.verify(bytes, count: entries, last: last, checksum: checksum)
                                try JournalBatch.decode(bytes, count: entries, last: last, take)
                            }
                        } catch let damaged as JournalBatch.Damaged {
                            throw Unreadable(description: "\(file): damaged \(damaged.description)")
                        }
                    }
                }
            }
        }
        return count
    }
}
