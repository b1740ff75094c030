import AgnerProtocol
import AgnerServer
import AgnerStore
import Foundation
import Logging

/// Brings the router up from what is on disk, whatever state it is in, and says loudly what
/// was missing: the center always comes up; nothing acknowledged is silently lost; nothing set
/// aside is ever overwritten or deleted. (The mechanisms are in `AgnerStore`: checksums,
/// `readForRecovery`, `JournalFiles`, `JournalBuilder`, salvage; and in `AgnerServer`: the
/// checks a restore makes. This is the order they are used in; docs/protocol.md, "Recovery".)
///
/// 1. A replacement of the journal a crash interrupted is finished (or undone).
/// 2. A journal SQLite cannot read is set aside (`<db>.unreadable-…`) and rebuilt from what can
///    be read of it, with its numbers and identity. A journal missing (or empty) beside intact
///    snapshots of it is recreated under their identity, so that they are used.
/// 3. The newest usable state is restored: a snapshot file (the newest, else the one before),
///    or the journal's starting state. Damaged snapshot files are set aside. A snapshot taken
///    with another center file is used only when the journal no longer holds what came before it.
/// 4. Every entry after it that can be read is replayed; entries in no file, damaged batches,
///    archives that cannot be read and entries the engine refuses are reported and skipped.
/// 5. If entries were refused or lost in damaged batches, or a snapshot of another center was
///    used, the journal no longer replays to this state: it is set aside with all its files
///    (`<db>.unreplayable-…`) and a new journal written that does (the commands that were
///    applied, after the state the replay started from when that is needed).
struct JournalRecovery {
    /// What recovery did, for the banner and the server.
    struct Outcome {
        var log: CommandLog
        /// The journal entry the restored snapshot covers (0: none), for the banner.
        var snapshot: Int64
        /// Entries replayed after it.
        var replayed: Int
        /// The last journal entry the state includes.
        var recoveredThrough: Int64
        /// The entry the newest stored snapshot covers, for the server: lower after a recovery
        /// that found something wrong, so a snapshot of the recovered state is taken at once.
        var snapshotThrough: Int64
        /// What went wrong, one line each, to print and log.
        var warnings: [String]
        /// A short summary for the banner ("27 commands missing, …"), empty when nothing was lost.
        var losses: String
    }

    let path: String
    let router: LiveRouter
    let snapshotEvery: Int
    let logger: Logger
    var warnings: [String] = []
    /// Recovery found something the next start should not have to find again.
    var degraded = false
    /// The journal was missing and recreated beside its snapshots (`recreateIfMissing`).
    var journalRecreated = false
    /// The journal was missing, and none of its snapshots could be used.
    var journalLost = false
    /// The journal could not be read whole when it was rebuilt: the last entry read (what
    /// came after it, if anything, is lost with no way to count it).
    var readPartly: Int64?

    init(path: String, router: LiveRouter, snapshotEvery: Int, logger: Logger) {
        self.path = path
        self.router = router
        self.snapshotEvery = snapshotEvery
        self.logger = logger
    }

    mutating func warn(_ line: String) {
        warnings.append(line)
        logger.warning("\(line)")
    }

    /// Runs recovery. - Throws: only when the machine stops it (a file that cannot be written,
    /// a journal rebuilt from a damaged one that is damaged again), naming the file.
    mutating func run() throws -> Outcome {
        switch try JournalFiles.finishInterrupted(path) {
        case let .finished(aside):
            warn("\(path): a start that set the journal aside was interrupted; finished: the journal before it is \(aside), the new one is in place")
        case let .undone(aside):
            warn("\(path): a start that set the journal aside was interrupted and its new journal is gone: the journal set aside as \(aside) was put back")
        case nil:
            break
        }
        var log = try open()
        let pristine = router.snapshot()
        do {
            return try recover(from: log)
        } catch let error as CommandLog.Unreadable {
            // SQLite found the journal damaged while it was being read: start again from what can be read of it.
            try? log.close()
            router.reset(to: pristine)
            warn("\(path): reading the journal failed part way (\(error.reason)); recovery starts again from what can be read of it (what is reported above was found on the way)")
            log = try rebuild(because: error.reason)
            do { return try recover(from: log) } catch let again as CommandLog.Unreadable {
                throw CommandFailure(description: "\(path): the journal rebuilt from what could be read is damaged too: \(again.reason)")
            }
        }
    }

    /// Opens the journal, or rebuilds it from what can be read when SQLite cannot read it, or
    /// recreates it under its snapshots' identity when it is missing but they are not.
    mutating func open() throws -> CommandLog {
        try recreateIfMissing()
        do { return try CommandLog(path: path) } catch let error as CommandLog.Unreadable {
            return try rebuild(because: error.reason)
        } catch {
            throw CommandFailure(description: "\(path): cannot open the journal: \(Self.accessProblem(path) ?? "\(error)")")
        }
    }

    /// What keeps the journal from being opened that SQLite does not say ("unable to open
    /// database file"): a directory in its place, or no permission to read and write it or to
    /// create files beside it (its write-ahead log); nil when none of these.
    static func accessProblem(_ path: String) -> String? {
        var isDirectory: ObjCBool = false
        let directory = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return "it is a directory; give --db a file"
        }
        if FileManager.default.fileExists(atPath: path), access(path, R_OK | W_OK) != 0 {
            return "permission denied: the user agner serve runs as must be able to read and write it (chmod or chown it)"
        }
        if access(directory, W_OK | X_OK) != 0 {
            return "cannot create files in \(directory) (\(String(cString: strerror(errno)))): the journal keeps its write-ahead log and snapshots beside it"
        }
        return nil
    }

    /// The journal's database is missing (or empty: no byte of it was ever written to disk) while
    /// intact snapshots of it are beside it: rather than start an empty center beside them, a
    /// new journal is created under their identity, so that recovery restores the newest; what
    /// was journaled after it is lost, and said to be. A write-ahead log left without its
    /// database is set aside (SQLite cannot use it). Written under a name of its own, then
    /// renamed into place: a crash in between leaves nothing at `path`. (To start an empty
    /// center on purpose, move the snapshots away too, or use another `--db`.)
    mutating func recreateIfMissing() throws {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        guard size == nil || size == 0 else { return }
        guard let identity = CommandLog.intactSnapshotIdentity(besides: path) else {
            // Snapshot files, none intact: there was a journal here, and nothing of it is left.
            if [path + "-snapshot", path + "-snapshot.previous"].contains(where: JournalFiles.exists) {
                warn("\(path): the journal is \(size == nil ? "missing" : "empty") and no snapshot of it can be used: the center starts empty")
                journalLost = true
            }
            return
        }
        do {
            for suffix in ["-wal", "-shm", "-journal"] where JournalFiles.exists(path + suffix) {
                let aside = try JournalFiles.setAside(file: path + suffix, kind: "orphaned")
                warn("\(path + suffix) was left without its journal: set aside as \(aside)")
            }
            if size == 0 { try JournalFiles.setAside(file: path, kind: "empty") }
            let replacement = JournalFiles.replacementPath(for: path)
            try? FileManager.default.removeItem(atPath: replacement)
            let builder = try JournalBuilder(path: replacement, identity: identity)
            try builder.setNote("recreated", ISO8601DateFormatter().string(from: Date()))
            try builder.finish()
            guard rename(replacement, path) == 0 else { throw CommandFailure(description: "cannot rename \(replacement) to \(path) (errno \(errno))") }
            JournalFiles.synchronizeDirectory(of: path)
        } catch {
            throw CommandFailure(description: "\(path): the journal is missing, and recreating it beside its snapshots failed: \(error)")
        }
        warn("\(path): the journal is \(size == nil ? "missing" : "empty"), but snapshots of it are beside it: a new journal was created under its identity so that they are used; whatever was journaled after the newest usable snapshot is lost")
        journalRecreated = true
        degraded = true
    }

    /// The journal cannot be read: it is set aside as it is (`<db>.unreadable-…`, with its
    /// write-ahead log), and a journal with what could be read of it (same numbers, same
    /// identity, so its snapshots still fit) takes its place.
    mutating func rebuild(because reason: String) throws -> CommandLog {
        let aside = JournalFiles.asideName(for: path, kind: "unreadable")
        let replacement = JournalFiles.replacementPath(for: path)
        let salvage: CommandLog.Salvage
        do {
            salvage = try CommandLog.salvage(from: path, into: replacement, identityIfUnknown: CommandLog.intactSnapshotIdentity(besides: path),
                                             setAsideAs: aside)
            try JournalFiles.replace(path, with: replacement, settingAsideAs: aside, moving: .database)
        } catch {
            throw CommandFailure(description: "\(path): the journal cannot be read (\(reason)), and rebuilding it failed: \(error)")
        }
        if !salvage.failures.isEmpty { readPartly = salvage.ranges.last?.upperBound ?? 0 }
        let read = salvage.ranges.isEmpty ? "nothing could be read of it, and an empty journal with its identity took its place"
            : "\(salvage.entries) entries in \(salvage.batches) batches could be read (\(Self.ranges(salvage.ranges))), and the journal was rebuilt from them"
        warn("\(path): SQLite cannot read the journal (\(reason)); it was set aside as \(aside) (nothing deleted); \(read)\(salvage.failures.isEmpty ? "" : " (\(salvage.failures.joined(separator: "; ")))")")
        degraded = true
        do { return try CommandLog(path: path) } catch {
            throw CommandFailure(description: "\(path): cannot open the journal rebuilt from \(aside): \(error)")
        }
    }

    /// A state to start from: a snapshot file, or the journal's starting state.
    struct Start {
        var source: String
        var sequence: Int64
        var data: [UInt8]
        var isFile: Bool
    }

    mutating func recover(from log: CommandLog) throws -> Outcome {
        // The states to start from, newest first.
        var candidates: [Start] = []
        for file in log.snapshotFiles() {
            switch file.snapshot {
            case let .success(snapshot):
                candidates.append(Start(source: file.path, sequence: snapshot.sequence, data: snapshot.data, isFile: true))
            case let .failure(reason) where reason.kind == .notPermitted:
                // Nothing is known to be wrong with it: left where it is, not used.
                warn("snapshot \(reason.description); left in place and not used")
            case let .failure(reason):
                setAside(file.path, because: reason.description, kind: reason.kind == .otherJournal ? "other-journal" : "damaged")
            }
        }
        var base: CommandLog.Base?
        do { base = try log.base() } catch {
            warn("\(error); the journal's entries are replayed from an empty center")
            degraded = true
        }
        if let base { candidates.append(Start(source: "\(path) (the state the journal starts from)", sequence: base.sequence, data: base.data, isFile: false)) }
        candidates.sort { $0.sequence > $1.sequence }

        var start: Start?
        var otherCenter: [Start] = []
        for candidate in candidates {
            do {
                try router.restore(from: candidate.data)
                start = candidate
                break
            } catch let mismatch as SnapshotMismatch {
                if mismatch.kind == .otherCenter {
                    otherCenter.append(candidate)
                    logger.warning("snapshot not used", metadata: ["snapshot": "\(candidate.source)", "reason": "\(mismatch)"])
                } else if candidate.isFile {
                    setAside(candidate.source, because: "\(mismatch)", kind: "damaged")
                } else {
                    warn("\(candidate.source) cannot be used: \(mismatch)")
                }
            }
        }
        // No state of this center: replay from the journal's beginning, unless what came before
        // a snapshot of another center is gone (then that snapshot is all there is of it).
        var forced = false
        if start == nil, !otherCenter.isEmpty {
            let floor = base?.sequence ?? 0
            let newest = otherCenter[0].sequence
            let gap = newest > floor ? try log.firstMissing(in: (floor + 1)...newest) : nil
            let baseRefused = base != nil && otherCenter.contains { !$0.isFile }
            if gap != nil || baseRefused {
                for candidate in otherCenter {
                    guard (try? router.restore(from: candidate.data, acceptingOtherCenter: true)) != nil else { continue }
                    start = candidate
                    forced = true
                    let why = gap.map { "entries \($0.lowerBound)–\($0.upperBound) before it are in neither the journal nor any archive" }
                        ?? "it is the state the journal starts from"
                    let added = router.addAgentsMissingFromState()
                    warn("\(candidate.source) was taken with another center file (or other agents); it is used all the same, because \(why): its contacts and agents are as it has them\(added.isEmpty ? "" : "; agents of this center it lacks were added: \(added.joined(separator: ", "))")")
                    break
                }
                if start == nil {
                    warn("no snapshot fits this center file, and the entries before the newest are not all there: the center starts from what the journal still holds")
                }
            }
        }
        let startSequence = start?.sequence ?? 0
        let startState = router.snapshot()
        if startSequence > log.lastSequence {
            warn("\(start!.source) covers entries up to \(startSequence); the journal holds entries up to \(log.lastSequence) only: entries \(log.lastSequence + 1)–\(startSequence) exist only in the snapshot, which is used")
            try log.continueAfter(startSequence)
            degraded = true
        }

        // Replay whatever can be read after it.
        var problems: [CommandLog.Problem] = []
        var refused: [String] = []
        var refusedSequences = Set<Int64>()
        let read = try log.readForRecovery(after: startSequence, problem: { problems.append($0) }) { entry in
            do {
                try router.replay(JournalEntry(time: entry.time, origin: entry.origin, line: entry.line))
            } catch {
                refusedSequences.insert(entry.sequence)
                if refused.count < 20 {
                    let line = entry.line.count > 120 ? String(entry.line.prefix(120)) + "…" : entry.line
                    refused.append("entry \(entry.sequence) (\(line)): \(error)")
                }
            }
        }
        let damaged = problems.filter { $0.kind == .damaged }
        let missing = problems.filter { $0.kind == .missing }
        for problem in problems where problem.kind == .unreadableFile { warn("\(problem)") }
        for problem in missing { warn("\(problem)") }
        if !damaged.isEmpty {
            let lost = damaged.reduce(0) { $0 + $1.commands }
            warn("\(damaged.count) damaged journal batch\(damaged.count == 1 ? "" : "es"): \(lost) command\(lost == 1 ? "" : "s") lost, skipped")
            for problem in damaged.prefix(20) { warn("  \(problem)") }
            if damaged.count > 20 { warn("  … and \(damaged.count - 20) more") }
        }
        if !refusedSequences.isEmpty {
            let count = refusedSequences.count
            warn("\(count) journal entr\(count == 1 ? "y" : "ies") could not be replayed and were skipped (Was the journal written with another --center file?):")
            for reason in refused { warn("  \(reason)") }
            if count > refused.count { warn("  … and \(count - refused.count) more") }
        }
        if !missing.isEmpty || problems.contains(where: { $0.kind == .unreadableFile }) { degraded = true }

        var losses: [String] = []
        let missingCount = missing.reduce(0) { $0 + $1.commands }
        if missingCount > 0 { losses.append("\(missingCount) commands missing") }
        if !damaged.isEmpty { losses.append("\(damaged.reduce(0) { $0 + $1.commands }) lost in damaged batches") }
        if !refusedSequences.isEmpty { losses.append("\(refusedSequences.count) refused") }
        if forced { losses.append("a snapshot of another center used") }
        if let readPartly {
            losses.append("the journal could not be read whole: anything journaled after entry \(max(readPartly, startSequence)) may be lost")
        }
        if journalLost { losses.append("the journal was missing and no snapshot of it could be used: everything it held") }
        if journalRecreated { losses.append("the journal was missing: what came after entry \(startSequence) is lost") }

        var outcome = Outcome(log: log, snapshot: startSequence, replayed: read - refusedSequences.count, recoveredThrough: log.lastSequence,
                              snapshotThrough: start?.isFile == true ? startSequence : 0, warnings: [], losses: losses.joined(separator: ", "))
        if !refusedSequences.isEmpty || !damaged.isEmpty || forced {
            outcome.log = try startOver(log, from: start, forced: forced, base: base, state: startState, skipping: refusedSequences)
            outcome.recoveredThrough = outcome.log.lastSequence
            outcome.snapshot = 0
            outcome.snapshotThrough = 0
        } else if degraded {
            // So that the next start does not have to find all this again: a snapshot at once.
            outcome.snapshotThrough = min(outcome.snapshotThrough, outcome.recoveredThrough - Int64(max(snapshotEvery, 1)))
        }
        outcome.warnings = warnings
        return outcome
    }

    /// Sets aside a snapshot file that cannot be used, so that it is never written over or
    /// kept as the previous snapshot in place of a good one.
    mutating func setAside(_ file: String, because reason: String, kind: String) {
        degraded = true
        do {
            let aside = try JournalFiles.setAside(file: file, kind: kind)
            warn("snapshot \(file) cannot be used: \(reason); set aside as \(aside)")
        } catch {
            warn("snapshot \(file) cannot be used: \(reason); setting it aside failed: \(error)")
        }
    }

    /// The journal no longer replays to the recovered state: it is set aside with all its
    /// files, and a new journal that does takes its place. It holds the commands that were
    /// applied, from the beginning when the old journal holds every entry before the state
    /// replay started from (so it needs no snapshot, and a restart with another center file
    /// rebuilds from the commands), else after that state, stored in it.
    mutating func startOver(_ log: CommandLog, from start: Start?, forced: Bool, base: CommandLog.Base?,
                            state: RouterSnapshot, skipping refused: Set<Int64>) throws -> CommandLog {
        let startSequence = start?.sequence ?? 0
        let aside = JournalFiles.asideName(for: path, kind: "unreplayable")
        let replacement = JournalFiles.replacementPath(for: path)
        /// Writes the new journal: the state replay started from (unless it is empty), then the
        /// entries after `copyFrom` that were not refused. - Returns: nil if an entry the copy
        /// needed could not be read (then the other way is taken).
        func write(copyFrom: Int64, withState: Bool) throws -> JournalBuilder? {
            try? FileManager.default.removeItem(atPath: replacement)
            let builder = try JournalBuilder(path: replacement)
            if withState { try builder.setBase(try state.encoded()) }
            try builder.setNote("continues", aside)
            var complete = true
            try log.readForRecovery(after: copyFrom, problem: { if ($0.entries?.lowerBound ?? 0) <= startSequence { complete = false } }) { entry in
                guard !refused.contains(entry.sequence) else { return }
                try builder.append(time: entry.time, origin: entry.origin, line: entry.line)
            }
            try builder.finish()
            return complete || copyFrom == startSequence ? builder : nil
        }
        let builder: JournalBuilder
        var fromState = false
        do {
            if startSequence > 0, !forced, base == nil, try log.firstMissing(in: 1...startSequence) == nil,
               let whole = try write(copyFrom: 0, withState: false) {
                builder = whole
            } else {
                fromState = start != nil
                builder = try write(copyFrom: startSequence, withState: fromState)!
            }
            try log.close()
            try JournalFiles.replace(path, with: replacement, settingAsideAs: aside, moving: .all)
        } catch {
            throw CommandFailure(description: "\(path): cannot set the journal aside and write a new one: \(error)")
        }
        let from = fromState ? " after the state the recovery started from (stored in it)" : ""
        warn("the journal and its files (snapshots, archives) were set aside as \(aside) (nothing deleted); a new journal holds the \(builder.entryCount) commands that were applied\(from), so that a restart rebuilds this state from it, with any center file. What was skipped is in the set-aside journal: to recover it, start with the right center file and that journal (renamed back to \(path)).")
        do { return try CommandLog(path: path) } catch {
            throw CommandFailure(description: "\(path): cannot open the new journal: \(error)")
        }
    }

    /// "1–30, 41–60"
    static func ranges(_ ranges: [ClosedRange<Int64>]) -> String {
        let shown = ranges.prefix(10).map { $0.lowerBound == $0.upperBound ? "\($0.lowerBound)" : "\($0.lowerBound)–\($0.upperBound)" }
        return shown.joined(separator: ", ") + (ranges.count > 10 ? ", …" : "")
    }
}
