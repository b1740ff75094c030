import Foundation
import GRDBSQLite

/// Appends batches of journal entries through a SQLite connection of its own, with a prepared
/// statement, on the thread that commits (the server's event loop): no queue to hop to, no
/// transaction wrapper, the batch bound straight from its buffer. The database's schema and
/// reads stay with GRDB; this is only the hot path of writing.
final class JournalAppender {
    private var connection: OpaquePointer?
    private var insert: OpaquePointer?

    struct Failure: Error, CustomStringConvertible {
        var description: String
        /// SQLite's primary result code, when SQLite refused.
        var code: Int32 = 0
    }

    init(path: String, walSizeLimit: Int) throws {
        guard sqlite3_open_v2(path, &connection, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK else {
            defer { sqlite3_close(connection) }
            throw Failure(description: "\(path): cannot open the journal for writing: \(Self.message(connection))",
                          code: sqlite3_errcode(connection) & 0xFF)
        }
        // The same durability as the pool's connection: WAL, synchronous=NORMAL, and checkpoints
        // left to the background connection. This connection restarts the write-ahead log once
        // a checkpoint has copied all of it, and keeps the file at most this size then.
        for pragma in ["PRAGMA synchronous = NORMAL", "PRAGMA wal_autocheckpoint = 0", "PRAGMA journal_size_limit = \(walSizeLimit)"] {
            try execute(pragma)
        }
        // While the checkpointer holds the log to make it start over (a few milliseconds), a
        // commit waits for it in steps of 100 µs, for at most 5 s. (SQLite's own busy timeout
        // sleeps 1, 2, 5, 10, 15, 20, 25… ms in turn: a 6 ms hold would cost a commit 8 ms,
        // a 30 ms one 53 ms.)
        sqlite3_busy_handler(connection, { _, attempts in
            guard attempts < 50_000 else { return 0 }
            usleep(100)
            return 1
        }, nil)
        insert = try prepare("INSERT INTO journal_batch (last, count, entries, checksum) VALUES (?, ?, ?, ?)")
    }

    deinit { close() }

    /// Releases the statement and the connection; the appender cannot be used after.
    func close() {
        sqlite3_finalize(insert)
        insert = nil
        sqlite3_close(connection)
        connection = nil
    }

    /// Writes one batch (one row, one transaction).
    /// - Parameters:
    ///   - entries: the batch's entries, encoded (`JournalBatch`).
    ///   - count: how many entries it holds.
    ///   - last: the sequence number of its last entry.
    ///   - checksum: the batch's checksum (`JournalBatch.checksum`).
    func write(_ entries: [UInt8], count: Int, last: Int64, checksum: Int64) throws {
        sqlite3_bind_int64(insert, 1, last)
        sqlite3_bind_int64(insert, 2, Int64(count))
        sqlite3_bind_int64(insert, 4, checksum)
        defer {
            sqlite3_reset(insert)
            sqlite3_clear_bindings(insert)  // no pointer to the buffer left behind
        }
        // Bound in place (SQLITE_STATIC: nil) and stepped while the buffer is in scope.
        let (bound, stepped) = entries.withUnsafeBytes { bytes -> (Int32, Int32) in
            // An empty batch is never written; a non-nil pointer keeps a zero-length blob from being NULL.
            let bound = sqlite3_bind_blob(insert, 3, bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(bytes.count), nil)
            return (bound, bound == SQLITE_OK ? sqlite3_step(insert) : SQLITE_MISUSE)
        }
        guard bound == SQLITE_OK else { throw Failure(description: "cannot bind a journal batch: \(Self.message(connection))") }
        guard stepped == SQLITE_DONE else { throw Failure(description: "journal write failed: \(Self.message(connection))") }
    }

    private func prepare(_ sql: String) throws -> OpaquePointer? {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(connection, sql, -1, &statement, nil) == SQLITE_OK else {
            throw Failure(description: "cannot prepare \(sql): \(Self.message(connection))")
        }
        return statement
    }

    private func execute(_ sql: String) throws {
        guard sqlite3_exec(connection, sql, nil, nil, nil) == SQLITE_OK else {
            throw Failure(description: "\(sql) failed: \(Self.message(connection))", code: sqlite3_errcode(connection) & 0xFF)
        }
    }

    private static func message(_ connection: OpaquePointer?) -> String {
        connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "out of memory"
    }
}
