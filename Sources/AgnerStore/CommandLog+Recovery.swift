import Foundation
import GRDB

/// Reading a journal for recovery: whatever is there, in order, with everything that is not
/// reported as it is found (entries in no file, damaged batches, archives that cannot be read),
/// so that the service comes up from what is there and says what was missing.
extension CommandLog {
    /// Something recovery found missing or unreadable.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: Sendable, Equatable {
            /// Entries in no file: deleted by retention, archives moved away, lost with an
            /// unreadable journal.
            case missing
            /// A batch that cannot be read: its checksum does not match, or it does not decode.
            case damaged
            /// An archive file that cannot be opened or read to its end.
            case unreadableFile
        }

        public var kind: Kind
        /// The entries concerned, when known.
        public var entries: ClosedRange<Int64>?
        /// The file concerned.
        public var file: String
        public var reason: String

        /// How many commands it concerns (0 when unknown).
        public var commands: Int { entries.map { Int($0.upperBound - $0.lowerBound + 1) } ?? 0 }

        public var description: String {
            let range = entries.map { $0.lowerBound == $0.upperBound ? "entry \($0.lowerBound)" : "entries \($0.lowerBound)–\($0.upperBound)" }
            switch kind {
            case .missing: return "\(range ?? "entries") missing: \(reason)"
            case .damaged: return "\(file): \(range ?? "a batch") damaged, \(commands) command\(commands == 1 ? "" : "s") lost: \(reason)"
            case .unreadableFile: return "\(file): cannot be read\(range.map { " (\($0))" } ?? ""): \(reason)"
            }
        }
    }

    /// The state the journal starts from, when it does not start empty (see `JournalBuilder.setBase`).
    public struct Base: Sendable, Equatable {
        /// Entries after it are numbered from `sequence + 1`.
        public var sequence: Int64
        public var created: Double
        public var data: [UInt8]
    }

    /// The journal's starting state, or nil when it starts empty.
    /// - Throws: `SnapshotUnusable` (`.damaged`) when its checksum does not match.
    public func base() throws -> Base? {
        guard let row = try writer.read({ db in try Row.fetchOne(db, sql: "SELECT sequence, created, data, checksum FROM journal_base ORDER BY sequence DESC LIMIT 1") }) else {
            return nil
        }
        let data: Data = row[2]
        let stored: Int64 = row[3]
        let base = Base(sequence: row[0], created: row[1], data: [UInt8](data))
        guard Int64(CRC32.checksum(base.data)) == stored else {
            throw SnapshotUnusable(description: "\(path): the journal's starting state is damaged (its checksum does not match)", kind: .damaged)
        }
        return base
    }

    /// A note the journal keeps about itself (`meta`), e.g. `discarded_through`.
    public func note(_ key: String) -> String? {
        try? writer.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) }
    }

    func setNote(_ key: String, _ value: String) throws {
        try writer.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [key, value])
        }
    }

    /// The last entry retention deleted (`--discard-old`), 0 if it never did.
    public var discardedThrough: Int64 { note("discarded_through").flatMap { Int64($0) } ?? 0 }

    /// New entries are numbered after `sequence` (a snapshot covers more than the journal
    /// holds: its end was lost, or could not be salvaged), now and after every reopening, so
    /// that the snapshot keeps fitting the journal. Does nothing if they already are.
    /// - Throws: the database's error when the note cannot be written.
    public func continueAfter(_ sequence: Int64) throws {
        guard sequence > lastSequence else { return }
        try setNote("numbered_after", "\(sequence)")
        lastSequence = sequence
    }

    /// The first entries in `range` that neither the journal nor an archive holds (by their
    /// batches' numbers; whether those batches can be read is found when reading them), or nil.
    public func firstMissing(in range: ClosedRange<Int64>) throws -> ClosedRange<Int64>? {
        var spans: [ClosedRange<Int64>] = []
        func collect(_ db: Database) throws {
            let rows = try Row.fetchCursor(db, sql: "SELECT last, count FROM journal_batch WHERE last >= ? ORDER BY last",
                                           arguments: [range.lowerBound])
            while let row = try rows.next() {
                let last: Int64 = row[0], count: Int = row[1]
                guard let span = JournalBatch.span(last: last, count: count) else { continue }
                spans.append(span)
            }
        }
        for file in archiveFiles {
            guard let archive = try? CommandLog.reader(path: file) else { continue }
            try? archive.read(collect)
            try? archive.close()
        }
        try writer.read(collect)
        spans.sort { $0.lowerBound < $1.lowerBound }
        var next = range.lowerBound
        for span in spans where span.upperBound >= next {
            if span.lowerBound > next { return next...min(span.lowerBound - 1, range.upperBound) }
            next = span.upperBound + 1
            if next > range.upperBound { return nil }
        }
        return next <= range.upperBound ? next...range.upperBound : nil
    }

    /// Calls `body` with every entry after `sequence` that can be read, in order: from the
    /// archives first when the journal no longer holds the entries that follow `sequence`,
    /// then from the journal. Everything that cannot be read is reported to `problem` as it is
    /// found, and reading goes on: entries in no file (`.missing`, with why), batches that are
    /// damaged (`.damaged`, with the file and the commands lost), archives that cannot be read
    /// or belong to another journal (`.unreadableFile`).
    /// - Returns: how many entries `body` was given.
    /// - Throws: `Unreadable` when the journal's own database turns out to be damaged (SQLite
    ///   finds it malformed); an error `body` throws.
    @discardableResult
    public func readForRecovery(after sequence: Int64, problem: (Problem) -> Void, _ body: (Entry) throws -> Void) throws -> Int {
        var next = sequence + 1
        var count = 0
        let discarded = discardedThrough
        let salvagedFrom = note("salvaged_from")
        func missing(_ range: ClosedRange<Int64>) -> Problem {
            let reason: String
            if range.upperBound <= discarded {
                reason = "deleted by retention (--discard-old)"
            } else if let salvagedFrom {
                reason = "not in what could be read of the damaged journal set aside as \(salvagedFrom), nor in any archive"
            } else if range.lowerBound <= discarded {
                reason = "deleted by retention (--discard-old) up to entry \(discarded), the rest in no archive"
            } else {
                reason = "in neither the journal nor any archive"
            }
            return Problem(kind: .missing, entries: range, file: path, reason: reason)
        }
        /// One batch, from `file`.
        func take(last: Int64, count entries: Int, blob: UnsafeRawBufferPointer?, checksum: Int64?, file: String) throws {
            guard last >= next else { return }
            guard let first = JournalBatch.span(last: last, count: entries)?.lowerBound else {
                problem(Problem(kind: .damaged, entries: next...last, file: file, reason: "journal batch ending at \(last): a count of \(entries)"))
                next = last < Int64.max ? last + 1 : last
                return
            }
            if first > next {
                problem(missing(next...(first - 1)))
                next = first
            }
            do {
                guard let blob else { throw JournalBatch.Damaged(description: "journal batch ending at \(last): no entries") }
                try JournalBatch.verify(blob, count: entries, last: last, checksum: checksum)
                try JournalBatch.decode(blob, count: entries, last: last) { entry in
                    guard entry.sequence >= next else { return }
                    next = entry.sequence + 1
                    try body(entry)
                    count += 1
                }
            } catch let error as JournalBatch.Damaged {
                problem(Problem(kind: .damaged, entries: next...max(next, last), file: file, reason: error.description))
                next = max(next, last < Int64.max ? last + 1 : last)
            }
        }
        if next < (try firstSequence()) {
            for file in archiveFiles {
                do {
                    let archive = try CommandLog.reader(path: file)
                    defer { try? archive.close() }
                    try archive.read { db in
                        if let owner = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'archive_of'"), owner != identity {
                            throw JournalBatch.Damaged(description: "it is an archive of another journal")
                        }
                        let rows = try Row.fetchCursor(db, sql: "SELECT last, count, entries, checksum FROM journal_batch WHERE last >= ? ORDER BY last",
                                                       arguments: [next])
                        while let row = try rows.next() {
                            try row.withUnsafeData(atIndex: 2) { data in
                                if let data {
                                    try data.withUnsafeBytes { try take(last: row[0], count: row[1], blob: $0, checksum: row[3], file: file) }
                                } else {
                                    try take(last: row[0], count: row[1], blob: nil, checksum: row[3], file: file)
                                }
                            }
                        }
                    }
                } catch let error as DatabaseError {
                    problem(Problem(kind: .unreadableFile, entries: nil, file: file, reason: "\(error.message ?? "\(error)") (SQLite error \(error.resultCode.rawValue))"))
                } catch let error as JournalBatch.Damaged {
                    problem(Problem(kind: .unreadableFile, entries: nil, file: file, reason: error.description))
                }
            }
        }
        do {
            try writer.read { db in
                let rows = try Row.fetchCursor(db, sql: "SELECT last, count, entries, checksum FROM journal_batch WHERE last >= ? ORDER BY last",
                                               arguments: [next])
                while let row = try rows.next() {
                    try row.withUnsafeData(atIndex: 2) { data in
                        if let data {
                            try data.withUnsafeBytes { try take(last: row[0], count: row[1], blob: $0, checksum: row[3], file: path) }
                        } else {
                            try take(last: row[0], count: row[1], blob: nil, checksum: row[3], file: path)
                        }
                    }
                }
            }
        } catch where Self.isCorruption(error) {
            throw Unreadable(path: path, reason: "\(error)")
        }
        return count
    }
}
