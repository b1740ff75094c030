import Foundation
import GRDB

/// Journal retention: the journal keeps what recovery needs (everything after the newest
/// snapshot) and a window of recent history; older batches go to dated archive files beside
/// it, or are deleted when asked.
extension CommandLog {
    /// What to do with batches past the retention window.
    public enum OldBatches: Sendable, Equatable {
        /// Moved to `<journal>.archive-YYYY-MM-DD` (by the UTC day of their last entry): journal
        /// databases of their own, readable like the journal.
        case archive
        /// Deleted.
        case delete
    }

    /// What a pruning did.
    public struct Pruned: Sendable, Equatable {
        public var batches = 0
        public var entries = 0
        /// The archive files written to.
        public var archives: [String] = []
    }

    /// The archive files of this journal, oldest first.
    public var archiveFiles: [String] {
        let directory = (path as NSString).deletingLastPathComponent
        let base = (path as NSString).lastPathComponent + ".archive-"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)) ?? []
        return names.filter { $0.hasPrefix(base) && !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") && !$0.hasSuffix("-snapshot") }
            .sorted().map { directory.isEmpty ? $0 : directory + "/" + $0 }
    }

    /// Moves (or deletes) the batches whose entries are all covered by the snapshot through
    /// `sequence` and older than `cutoff` (Unix seconds). The newest batch always stays (it
    /// carries the journal's last sequence number). Works in chunks, so commits on the event
    /// loop wait at most a chunk's worth. Safe to call from another thread than the appender's.
    /// - Throws: a database error; a chunk already moved stays moved (an archive insert is
    ///   idempotent, so a batch in both places after a crash is harmless).
    @discardableResult
    public func prune(through sequence: Int64, olderThan cutoff: Double, oldBatches: OldBatches) throws -> Pruned {
        var pruned = Pruned()
        let chunk = 256
        while true {
            // Candidates: covered by the snapshot, not the newest batch.
            let rows = try writer.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT last, count, entries, checksum FROM journal_batch
                    WHERE last <= ? AND last < (SELECT MAX(last) FROM journal_batch)
                    ORDER BY last LIMIT ?
                    """, arguments: [sequence, chunk])
            }
            var moving: [(last: Int64, count: Int, entries: Data, checksum: Int64?, day: String)] = []
            for row in rows {
                let last: Int64 = row[0], count: Int = row[1], entries: Data = row[2], checksum: Int64? = row[3]
                var newest = -Double.infinity
                try entries.withUnsafeBytes { bytes in
                    try JournalBatch.verify(bytes, count: count, last: last, checksum: checksum)
                    try JournalBatch.decode(bytes, count: count, last: last) { newest = max(newest, $0.time) }
                }
                // Batches are in time order: the first one too recent ends the pruning.
                guard newest < cutoff else { break }
                moving.append((last, count, entries, checksum, Self.day(of: newest)))
            }
            guard !moving.isEmpty else { return pruned }
            if oldBatches == .archive {
                for (day, batches) in Dictionary(grouping: moving, by: \.day).sorted(by: { $0.key < $1.key }) {
                    let archivePath = path + ".archive-" + day
                    let archive = try DatabaseQueue(path: archivePath)
                    try CommandLog.migrate(archive)
                    try archive.write { db in
                        // Whose archive it is: recovery reads no other journal's.
                        try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('archive_of', ?)", arguments: [identity])
                        for batch in batches {
                            try db.execute(sql: "INSERT OR IGNORE INTO journal_batch (last, count, entries, checksum) VALUES (?, ?, ?, ?)",
                                           arguments: [batch.last, batch.count, batch.entries, batch.checksum])
                        }
                    }
                    try archive.close()
                    if !pruned.archives.contains(archivePath) { pruned.archives.append(archivePath) }
                }
            }
            let lasts = moving.map(\.last)
            try writer.write { db in
                try db.execute(sql: "DELETE FROM journal_batch WHERE last IN (\(lasts.map { _ in "?" }.joined(separator: ",")))",
                               arguments: StatementArguments(lasts))
                if oldBatches == .delete, let last = lasts.max() {
                    // So that recovery can say why these entries are missing.
                    try db.execute(sql: """
                        INSERT INTO meta (key, value) VALUES ('discarded_through', ?)
                        ON CONFLICT(key) DO UPDATE SET value = MAX(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))
                        """, arguments: ["\(last)"])
                }
            }
            pruned.batches += moving.count
            pruned.entries += moving.reduce(0) { $0 + $1.count }
            if moving.count < rows.count || rows.count < chunk { return pruned }
        }
    }

    /// Prunes, after a snapshot was stored, what the older of the two snapshot files covers
    /// (`prunableThrough()`) and is older than `cutoff`: the journal keeps everything either
    /// snapshot needs, so losing one of them (deleted, damaged, or refused at a restart) never
    /// leaves entries that exist nowhere.
    @discardableResult
    public func pruneAfterSnapshot(olderThan cutoff: Double, oldBatches: OldBatches) throws -> Pruned {
        let through = prunableThrough()
        guard through > 0 else { return Pruned() }
        return try prune(through: through, olderThan: cutoff, oldBatches: oldBatches)
    }

    /// The first sequence the journal still holds (1 for a journal never pruned; the sequence
    /// after the last one for an empty journal).
    public func firstSequence() throws -> Int64 {
        try writer.read { db in
            try Int64.fetchOne(db, sql: "SELECT MIN(last - count + 1) FROM journal_batch") ?? lastSequence + 1
        }
    }

    /// Calls `body` with every entry after `sequence`, in order, reading the archives first
    /// when the journal no longer holds the entries that follow `sequence`. - Returns: how many
    /// entries there were.
    /// - Throws: `SnapshotUnusable` (naming the file) when entries are missing (archives deleted
    ///   or moved) or an archive cannot be read. (Recovery uses `readForRecovery`, which reads
    ///   past all of that and reports it.)
    @discardableResult
    public func forEachEntryWithArchives(after sequence: Int64, damaged: ((String) -> Void)? = nil,
                                         _ body: (Entry) throws -> Void) throws -> Int {
        let first = try firstSequence()
        guard sequence + 1 < first else { return try forEachEntry(after: sequence, damaged: damaged, body) }
        var next = sequence + 1
        var count = 0
        for file in archiveFiles {
            let rows: [Row]
            do {
                let archive = try CommandLog.reader(path: file)
                defer { try? archive.close() }
                rows = try archive.read { db in
                    try Row.fetchAll(db, sql: "SELECT last, count, entries, checksum FROM journal_batch WHERE last >= ? ORDER BY last",
                                     arguments: [next])
                }
            } catch {
                throw SnapshotUnusable(description: "\(file): cannot read the archive: \(error)")
            }
            for row in rows {
                let last: Int64 = row[0], entries: Int = row[1], blob: Data = row[2]
                try blob.withUnsafeBytes { bytes in
                    do { try JournalBatch.verify(bytes, count: entries, last: last, checksum: row[3]) } catch {
                        throw SnapshotUnusable(description: "\(file): \(error)")
                    }
                    try JournalBatch.decode(bytes, count: entries, last: last) { entry in
                        guard entry.sequence >= next else { return }
                        guard entry.sequence == next else {
                            throw SnapshotUnusable(description: "\(file): entries \(next)–\(entry.sequence - 1) are missing")
                        }
                        try body(entry)
                        next += 1
                        count += 1
                    }
                }
            }
        }
        guard next >= first else {
            throw SnapshotUnusable(description: "\(path): entries \(next)–\(first - 1) are in no archive (deleted by retention?)")
        }
        return count + (try forEachEntry(after: next - 1, damaged: damaged, body))
    }

    /// A read-only connection to a journal or archive file.
    static func reader(path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        return try DatabaseQueue(path: path, configuration: configuration)
    }

    static func day(of time: Double) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date(timeIntervalSince1970: time.isFinite ? time : 0))
    }
}
