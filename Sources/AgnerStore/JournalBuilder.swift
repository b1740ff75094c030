import Foundation
import GRDB
import GRDBSQLite

/// Writes a new journal file from scratch, completely, before anything relies on it: the
/// journal a recovery leaves behind when the old one cannot be kept as it is (it is then put in
/// place by `JournalFiles.replace`). Its entries, its starting state (`setBase`) and its notes
/// are committed with the disk flushed (synchronous=FULL, no write-ahead log), so once
/// `finish()` returns the file is whole.
public final class JournalBuilder {
    public let path: String
    /// The identity the new journal has (its snapshots carry it).
    public let identity: String
    private let database: DatabaseQueue
    private var pending: [UInt8] = []
    private var pendingCount = 0
    private var pendingTime = -Double.infinity
    /// The sequence of the last entry written.
    public private(set) var lastSequence: Int64 = 0
    /// Entries written, in how many batches.
    public private(set) var entryCount = 0
    public private(set) var batchCount = 0

    /// Creates the file (which must not exist).
    /// - Parameter identity: the journal's identity (a journal rebuilt from a damaged one keeps
    ///   its own, so that its snapshots still fit); nil: a new one.
    public init(path: String, identity: String? = nil) throws {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw JournalFiles.Failure(description: "\(path): exists; a new journal is never written over a file")
        }
        self.path = path
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = DELETE")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        database = try DatabaseQueue(path: path, configuration: configuration)
        try CommandLog.migrate(database)
        let identity = identity ?? UUID().uuidString
        self.identity = identity
        try database.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('journal_id', ?)", arguments: [identity])
        }
    }

    /// The state the journal starts from (entries are then numbered after `sequence`).
    public func setBase(_ data: [UInt8], sequence: Int64 = 0, created: Double = Date().timeIntervalSince1970) throws {
        try database.write { db in
            try db.execute(sql: "INSERT INTO journal_base (sequence, created, data, checksum) VALUES (?, ?, ?, ?)",
                           arguments: [sequence, created, Data(data), Int64(CRC32.checksum(data))])
        }
        lastSequence = max(lastSequence, sequence)
    }

    /// A note the journal keeps about itself (where it came from, say).
    public func setNote(_ key: String, _ value: String) throws {
        try database.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [key, value])
        }
    }

    /// Appends an entry, numbered after the last one; written in batches of 1,000.
    public func append(time: Double, origin: String, line: String) throws {
        var line = line
        line.withUTF8 { JournalBatch.append(time: time, origin: origin, line: UnsafeRawBufferPointer($0), to: &pending) }
        pendingCount += 1
        if pendingCount == 1_000 { try flush() }
    }

    /// Writes a batch as it was stored in another journal (its numbers, entries and checksum).
    public func copyBatch(last: Int64, count: Int, entries: [UInt8], checksum: Int64?) throws {
        try flush()
        try database.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO journal_batch (last, count, entries, checksum) VALUES (?, ?, ?, ?)",
                           arguments: [last, count, Data(entries), checksum])
        }
        lastSequence = max(lastSequence, last)
        entryCount += count
        batchCount += 1
    }

    private func flush() throws {
        guard pendingCount > 0 else { return }
        let last = lastSequence + Int64(pendingCount)
        let checksum = JournalBatch.checksum(last: last, count: pendingCount, entries: pending)
        let (entries, count) = (pending, pendingCount)
        try database.write { db in
            try db.execute(sql: "INSERT INTO journal_batch (last, count, entries, checksum) VALUES (?, ?, ?, ?)",
                           arguments: [last, count, Data(entries), checksum])
        }
        lastSequence = last
        entryCount += count
        batchCount += 1
        pending.removeAll(keepingCapacity: true)
        pendingCount = 0
    }

    /// Writes what is pending, closes the file and flushes it to disk.
    public func finish() throws {
        try flush()
        try database.close()
        JournalFiles.synchronize(path)
        JournalFiles.synchronizeDirectory(of: path)
    }
}

extension CommandLog {
    /// What could be read of a damaged journal.
    public struct Salvage: Sendable {
        /// The identity it had, if it could be read.
        public var identity: String?
        public var batches = 0
        public var entries = 0
        /// The entries read, as runs of sequences.
        public var ranges: [ClosedRange<Int64>] = []
        /// Why reading stopped (the first error, and the last one reading from the end).
        public var failures: [String] = []
        /// Whether its starting state (`journal_base`) was read.
        public var base = false
    }

    /// Reads what it can of the damaged journal at `source` (its notes, its starting state, its
    /// batches from the start until an error, then from the end back until an error) into a new
    /// journal at `target`, with the same numbers and identity (or `identityIfUnknown` when its
    /// identity cannot be read: the snapshot beside it says whose it was), noting that it was
    /// rebuilt from the journal set aside as `setAsideAs`. The source is only read. Batches keep
    /// their checksums: a damaged one read here is found when it is replayed.
    public static func salvage(from source: String, into target: String, identityIfUnknown: String?, setAsideAs: String) throws -> Salvage {
        var salvage = Salvage()
        var connection: OpaquePointer?
        defer { sqlite3_close(connection) }
        let opened = sqlite3_open_v2(source, &connection, SQLITE_OPEN_READONLY, nil) == SQLITE_OK
        func message() -> String { connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "out of memory" }
        /// Runs a query, calling `row` for each row until it ends or fails. - Returns: the error, if any.
        func query(_ sql: String, _ row: (OpaquePointer) throws -> Void) throws -> String? {
            guard opened else { return message() }
            var statement: OpaquePointer?
            guard sqlite3_prepare_v2(connection, sql, -1, &statement, nil) == SQLITE_OK else { return message() }
            defer { sqlite3_finalize(statement) }
            while true {
                let step = sqlite3_step(statement)
                if step == SQLITE_DONE { return nil }
                guard step == SQLITE_ROW, let statement else { return message() }
                try row(statement)
            }
        }
        func blob(_ statement: OpaquePointer, _ column: Int32) -> [UInt8] {
            let count = Int(sqlite3_column_bytes(statement, column))
            guard count > 0, let bytes = sqlite3_column_blob(statement, column) else { return [] }
            return Array(UnsafeRawBufferPointer(start: bytes, count: count))
        }
        func text(_ statement: OpaquePointer, _ column: Int32) -> String? {
            sqlite3_column_text(statement, column).map { String(cString: $0) }
        }
        if !opened { salvage.failures.append("cannot open it: \(message())") }
        var notes: [(String, String)] = []
        _ = try query("SELECT key, value FROM meta") { row in
            if let key = text(row, 0), let value = text(row, 1) { notes.append((key, value)) }
        }
        salvage.identity = notes.first { $0.0 == "journal_id" }?.1
        let builder = try JournalBuilder(path: target, identity: salvage.identity ?? identityIfUnknown)
        for (key, value) in notes where key != "journal_id" { try builder.setNote(key, value) }
        try builder.setNote("salvaged_from", setAsideAs)
        _ = try query("SELECT sequence, created, data, checksum FROM journal_base") { row in
            let (sequence, created, data, checksum) = (sqlite3_column_int64(row, 0), sqlite3_column_double(row, 1), blob(row, 2), sqlite3_column_int64(row, 3))
            try builder.database { db in
                try db.execute(sql: "INSERT OR IGNORE INTO journal_base (sequence, created, data, checksum) VALUES (?, ?, ?, ?)",
                               arguments: [sequence, created, Data(data), checksum])
            }
            salvage.base = true
        }
        var kept: [(last: Int64, count: Int)] = []
        var highest = Int64.min
        func keep(_ row: OpaquePointer) throws {
            let last = sqlite3_column_int64(row, 0), count = Int(sqlite3_column_int64(row, 1))
            let checksum: Int64? = sqlite3_column_type(row, 3) == SQLITE_NULL ? nil : sqlite3_column_int64(row, 3)
            try builder.copyBatch(last: last, count: count, entries: blob(row, 2), checksum: checksum)
            kept.append((last, count))
            highest = max(highest, last)
        }
        var failure = try query("SELECT last, count, entries, checksum FROM journal_batch ORDER BY last", keep)
        if failure?.contains("no such column") == true {  // a journal from before checksums
            failure = try query("SELECT last, count, entries, NULL FROM journal_batch ORDER BY last", keep)
        }
        if let failure {
            salvage.failures.append("reading from the start: \(failure)")
            // From the end back, until an error or what was read already.
            let ascending = highest
            struct Enough: Error {}
            do {
                if let failure = try query("SELECT last, count, entries, checksum FROM journal_batch ORDER BY last DESC", { row in
                    guard sqlite3_column_int64(row, 0) > ascending else { throw Enough() }
                    try keep(row)
                }) { salvage.failures.append("reading from the end: \(failure)") }
            } catch is Enough {}
        }
        for batch in kept.sorted(by: { $0.last < $1.last }) where batch.count > 0 && batch.last >= Int64(batch.count) {
            salvage.batches += 1
            salvage.entries += batch.count
            let first = batch.last - Int64(batch.count) + 1
            if let previous = salvage.ranges.last, previous.upperBound + 1 >= first {
                salvage.ranges[salvage.ranges.count - 1] = previous.lowerBound...max(previous.upperBound, batch.last)
            } else {
                salvage.ranges.append(first...batch.last)
            }
        }
        try builder.finish()
        return salvage
    }
}

extension JournalBuilder {
    /// Runs `body` in a write transaction of the file being built.
    func database(_ body: (Database) throws -> Void) throws {
        try database.write(body)
    }
}
