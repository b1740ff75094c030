import GRDBSQLite

/// Appends journal entries through a SQLite connection of its own, with prepared statements,
/// on the thread that commits (the server's event loop): no queue to hop to, no transaction
/// wrapper, arguments bound straight from the strings. The database's schema and reads stay
/// with GRDB; this is only the hot path of writing.
final class JournalAppender {
    private var connection: OpaquePointer?
    private var begin: OpaquePointer?
    private var insert: OpaquePointer?
    private var finish: OpaquePointer?
    private var rollback: OpaquePointer?

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(path: String) throws {
        guard sqlite3_open_v2(path, &connection, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK else {
            defer { sqlite3_close(connection) }
            throw Failure(description: "\(path): cannot open the journal for writing: \(Self.message(connection))")
        }
        // The same durability as the pool's connection: WAL, synchronous=NORMAL, and checkpoints
        // left to the background connection.
        for pragma in ["PRAGMA synchronous = NORMAL", "PRAGMA wal_autocheckpoint = 0", "PRAGMA busy_timeout = 5000"] {
            try execute(pragma)
        }
        begin = try prepare("BEGIN IMMEDIATE")
        insert = try prepare("INSERT INTO journal (time, origin, line) VALUES (?, ?, ?)")
        finish = try prepare("COMMIT")
        rollback = try prepare("ROLLBACK")
    }

    deinit {
        for statement in [begin, insert, finish, rollback] { sqlite3_finalize(statement) }
        sqlite3_close(connection)
    }

    /// Writes the entries in one transaction. - Returns: the sequence of the last one.
    func write(_ entries: [CommandLog.Entry]) throws -> Int64 {
        try step(begin, "BEGIN")
        do {
            for entry in entries {
                sqlite3_bind_double(insert, 1, entry.time)
                // The strings are bound in place (SQLITE_STATIC) and the row inserted while their
                // bytes are in scope: no copy of each line.
                var origin = entry.origin, line = entry.line
                try origin.withUTF8 { originBytes in
                    try line.withUTF8 { lineBytes in
                        try bind(originBytes, at: 2)
                        try bind(lineBytes, at: 3)
                        try step(insert, "INSERT")
                    }
                }
            }
            sqlite3_clear_bindings(insert)  // no pointer to a string left behind
            try step(finish, "COMMIT")
        } catch {
            sqlite3_clear_bindings(insert)
            _ = sqlite3_step(rollback)
            sqlite3_reset(rollback)
            throw error
        }
        return sqlite3_last_insert_rowid(connection)
    }

    /// Binds text that stays valid until the statement has been stepped (SQLITE_STATIC).
    private func bind(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int32) throws {
        let result = bytes.withMemoryRebound(to: CChar.self) { chars in
            // An empty string has no storage to point to; bound as "" (nil would be NULL).
            guard let base = chars.baseAddress else { return sqlite3_bind_text(insert, index, "", 0, nil) }
            return sqlite3_bind_text(insert, index, base, Int32(chars.count), nil)  // nil: SQLITE_STATIC
        }
        guard result == SQLITE_OK else { throw Failure(description: "cannot bind a journal value: \(Self.message(connection))") }
    }

    private func step(_ statement: OpaquePointer?, _ what: String) throws {
        defer { sqlite3_reset(statement) }
        guard sqlite3_step(statement) == SQLITE_DONE else { throw Failure(description: "journal \(what) failed: \(Self.message(connection))") }
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
            throw Failure(description: "\(sql) failed: \(Self.message(connection))")
        }
    }

    private static func message(_ connection: OpaquePointer?) -> String {
        connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "out of memory"
    }
}
