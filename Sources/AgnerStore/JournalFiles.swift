import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The files of a journal, and how they are set aside and replaced without ever losing one.
///
/// A journal at `<db>` is a family of files: the database with SQLite's `<db>-wal` and
/// `<db>-shm`, the snapshots `<db>-snapshot` and `<db>-snapshot.previous`, and the archives
/// `<db>.archive-YYYY-MM-DD` (each with its own `-wal`/`-shm`). Setting a journal aside moves
/// (some of) them to `<db>.<kind>-<UTC time>[-N]` with the same suffixes: never over a file
/// that exists (a counter makes the name unique), never deleting anything.
///
/// Replacing a journal by a new one (`replace`) is crash-safe: the new journal is written
/// completely and flushed under a name of its own first; then an intent file
/// (`<db>.replacing`) names where the old one goes; the old files are moved aside, the new
/// one renamed into place, the intent removed. A start that finds the intent finishes what it
/// says (`finishInterrupted`), or, if the new journal is gone, moves the old one back: at
/// every moment either the old journal or the new one is at `<db>`, and the old one is never
/// lost.
public enum JournalFiles {
    /// Which files of a journal move when it is set aside.
    public struct Members: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// The database with its `-wal` and `-shm`.
        public static let database = Members(rawValue: 1)
        /// `-snapshot` and `-snapshot.previous`.
        public static let snapshots = Members(rawValue: 2)
        /// `.archive-*`, each with its `-wal` and `-shm`.
        public static let archives = Members(rawValue: 4)
        public static let all: Members = [.database, .snapshots, .archives]
    }

    /// Where a replacement journal is written before it takes the journal's place.
    public static func replacementPath(for path: String) -> String { path + ".new" }
    static func intentPath(for path: String) -> String { path + ".replacing" }

    /// The suffixes (after `path`) of the members present on disk.
    static func presentSuffixes(of path: String, _ members: Members) -> [String] {
        var suffixes: [String] = []
        if members.contains(.database) { suffixes += ["", "-wal", "-shm"] }
        if members.contains(.snapshots) { suffixes += ["-snapshot", "-snapshot.previous"] }
        if members.contains(.archives) {
            let directory = (path as NSString).deletingLastPathComponent
            let base = (path as NSString).lastPathComponent
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)) ?? []
            suffixes += names.filter { $0.hasPrefix(base + ".archive-") }.sorted().map { String($0.dropFirst(base.count)) }
        }
        return suffixes.filter { exists(path + $0) }
    }

    /// Whether anything (a file, a link, even a dangling one) is at `path`.
    public static func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    /// A name for setting `path` aside as `kind` that no file uses yet, with any suffix:
    /// `<path>.<kind>-2027-01-15T080000Z`, then `…Z-2`, `…Z-3` (two in the same second never
    /// share a name).
    public static func asideName(for path: String, kind: String, at date: Date = Date()) -> String {
        let formatter = ISO8601DateFormatter()
        let stamp = formatter.string(from: date).replacingOccurrences(of: ":", with: "")
        let base = path + "." + kind + "-" + stamp
        let directory = (path as NSString).deletingLastPathComponent
        let names = Set((try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)) ?? [])
        var counter = 1
        while true {
            let candidate = counter == 1 ? base : base + "-\(counter)"
            let name = (candidate as NSString).lastPathComponent
            // Taken if any file is named after it (its database, its snapshot, a longer name).
            if !names.contains(where: { $0.hasPrefix(name) }) { return candidate }
            counter += 1
        }
    }

    /// Moves a file to a name no file has, never replacing one: a hard link, then the old
    /// name removed (on a file system without hard links: a rename after a check).
    /// - Throws: when `target` exists or the move fails.
    public static func moveWithoutReplacing(_ source: String, to target: String) throws {
        if link(source, target) == 0 {
            guard unlink(source) == 0 else { throw failure("cannot remove \(source) after linking it as \(target)") }
            return
        }
        let code = errno
        guard code == EPERM || code == EXDEV || code == ENOTSUP || code == EMLINK || code == ENOSYS else {
            throw failure("cannot move \(source) to \(target)", code)
        }
        guard !exists(target) else { throw failure("cannot move \(source) to \(target): it exists", EEXIST) }
        guard rename(source, target) == 0 else { throw failure("cannot move \(source) to \(target)") }
    }

    /// Sets one file aside as `<file>.<kind>-<time>[-N]` (a damaged snapshot, say).
    /// - Returns: its new name.
    @discardableResult
    public static func setAside(file: String, kind: String, at date: Date = Date()) throws -> String {
        let target = asideName(for: file, kind: kind, at: date)
        try moveWithoutReplacing(file, to: target)
        synchronizeDirectory(of: file)
        return target
    }

    /// Replaces the journal at `path` by the complete journal at `replacement` (see the type's
    /// comment), moving `members` of the old one aside to `aside` (from `asideName`).
    /// - Parameter failpoint: called after each step, 1 to 4 (tests stop there as a crash would).
    /// - Returns: `aside`.
    @discardableResult
    public static func replace(_ path: String, with replacement: String, settingAsideAs aside: String, moving members: Members,
                               failpoint: (Int) throws -> Void = { _ in }) throws -> String {
        synchronize(replacement)
        let intent = intentPath(for: path)
        let text = "aside\t\(aside)\nreplacement\t\(replacement)\nmembers\t\(members.rawValue)\n"
        try writeDurably(text, to: intent)
        try failpoint(1)
        for suffix in presentSuffixes(of: path, members) {
            try moveWithoutReplacing(path + suffix, to: aside + suffix)
        }
        synchronizeDirectory(of: path)
        try failpoint(2)
        guard rename(replacement, path) == 0 else { throw failure("cannot rename \(replacement) to \(path)") }
        for suffix in ["-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: replacement + suffix) }
        synchronizeDirectory(of: path)
        try failpoint(3)
        guard unlink(intent) == 0 else { throw failure("cannot remove \(intent)") }
        synchronizeDirectory(of: path)
        try failpoint(4)
        return aside
    }

    /// What a start found of a replacement interrupted by a crash, and did about it.
    public enum Interrupted: Sendable, Equatable {
        /// The new journal is in place; the old one is at `aside`.
        case finished(aside: String)
        /// The new journal was gone: the old one is back in place.
        case undone(aside: String)
    }

    /// Finishes (or undoes) a replacement a crash interrupted, then removes what interrupted
    /// writing left behind (a replacement never put in place, a half-written snapshot). Call
    /// before opening the journal.
    /// - Returns: what was found and done, or nil when nothing was interrupted.
    public static func finishInterrupted(_ path: String) throws -> Interrupted? {
        defer { removeTemporaries(of: path) }
        let intent = intentPath(for: path)
        guard exists(intent) else { return nil }
        var fields: [String: String] = [:]
        for line in ((try? String(contentsOfFile: intent, encoding: .utf8)) ?? "").split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        // Only files beside the journal, named after it, are ever moved by an intent.
        let directory = (path as NSString).deletingLastPathComponent, base = (path as NSString).lastPathComponent
        func besideJournal(_ file: String) -> Bool {
            (file as NSString).deletingLastPathComponent == directory && (file as NSString).lastPathComponent.hasPrefix(base + ".")
        }
        guard let aside = fields["aside"], let replacement = fields["replacement"], besideJournal(aside), besideJournal(replacement),
              let members = fields["members"].flatMap(Int.init).map(Members.init(rawValue:)) else {
            // Cut short before it was complete (it is written under a temporary name, then
            // renamed), or not an intent this code wrote: nothing was moved by it. Removed, so
            // that it neither acts nor keeps the leftovers of interrupted writes in place.
            try? FileManager.default.removeItem(atPath: intent)
            return nil
        }
        let result: Interrupted
        if exists(replacement) {
            // Not yet in place: move what is left of the old journal, then put the new one in place.
            for suffix in presentSuffixes(of: path, members) {
                let target = aside + suffix
                if exists(target) {
                    // Linked there already (a crash between the link and the unlink): the same file.
                    guard sameFile(path + suffix, target) else {
                        throw failure("\(path + suffix) and \(target) both exist and differ; move one away and start again")
                    }
                    guard unlink(path + suffix) == 0 else { throw failure("cannot remove \(path + suffix)") }
                } else {
                    try moveWithoutReplacing(path + suffix, to: target)
                }
            }
            synchronizeDirectory(of: path)
            guard rename(replacement, path) == 0 else { throw failure("cannot rename \(replacement) to \(path)") }
            result = .finished(aside: aside)
        } else if exists(path) {
            result = .finished(aside: aside)
        } else {
            // The new journal is gone (removed by hand?): the old one goes back where it was.
            for suffix in presentSuffixes(of: aside, members) where !exists(path + suffix) {
                try moveWithoutReplacing(aside + suffix, to: path + suffix)
            }
            result = .undone(aside: aside)
        }
        synchronizeDirectory(of: path)
        guard unlink(intent) == 0 else { throw failure("cannot remove \(intent)") }
        synchronizeDirectory(of: path)
        return result
    }

    /// Removes what an interrupted write leaves: a replacement never put in place (no intent
    /// names it) and a half-written snapshot or intent. Never a journal, a snapshot, an archive,
    /// or anything set aside.
    public static func removeTemporaries(of path: String) {
        guard !exists(intentPath(for: path)) else { return }
        let replacement = replacementPath(for: path)
        for file in [replacement, replacement + "-wal", replacement + "-shm", replacement + "-journal",
                     path + "-snapshot.tmp", intentPath(for: path) + ".tmp"] where exists(file) {
            try? FileManager.default.removeItem(atPath: file)
        }
    }

    /// Writes a small file completely and durably: to a temporary name, flushed, renamed.
    static func writeDurably(_ text: String, to path: String) throws {
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) else {
            throw failure("cannot write \(temporary)")
        }
        synchronize(temporary)
        guard rename(temporary, path) == 0 else { throw failure("cannot rename \(temporary) to \(path)") }
        synchronizeDirectory(of: path)
    }

    /// Flushes a file's contents to disk.
    public static func synchronize(_ path: String) {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    /// Flushes the directory holding `path`, so that renames and new names in it are durable.
    public static func synchronizeDirectory(of path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        synchronize(directory.isEmpty ? "." : directory)
    }

    static func sameFile(_ a: String, _ b: String) -> Bool {
        var first = stat(), second = stat()
        guard stat(a, &first) == 0, stat(b, &second) == 0 else { return false }
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }

    /// Why moving journal files failed.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    static func failure(_ what: String, _ code: Int32 = errno) -> Failure {
        Failure(description: "\(what): \(String(cString: strerror(code)))")
    }
}
