import AgnerProtocol
import AgnerStore
import Foundation
import Testing

/// `agner replay` as a planner runs it: the real binary, on a journal written by `agner serve`
/// over TCP or by a live router in the test, with every kind of bad input.
@Suite("agner replay on the command line", .serialized)
struct ReplayCommandTests {
    /// A scratch directory with the live day's center and its journal in SQLite.
    final class RecordedDay {
        let scratch: Scratch
        let day: LiveDay
        let center: String
        let journal: String

        /// - Parameter batch: entries per commit (a batch in the journal).
        init(seed: UInt64 = 1, steps: Int = 600, batch: Int = 50) throws {
            scratch = try Scratch()
            var day = try LiveDay(seed: seed)
            for _ in 0..<steps { day.step() }
            day.advance(by: 30)
            day.fireTimers()
            _ = try day.journal.commit()
            self.day = day
            center = try scratch.file("center.yaml", replayCenterYAML)
            journal = scratch.path("journal.db")
            let log = try CommandLog(path: journal)
            for (index, entry) in day.journal.committed.enumerated() {
                log.append(time: entry.time, origin: entry.origin, line: entry.line)
                if (index + 1) % batch == 0 { _ = try log.commit() }
            }
            _ = try log.commit()
            try log.close()
        }

        func replay(_ arguments: [String]) throws -> AgnerRun {
            try AgnerRun.run(["replay", "--journal", journal, "--center", center] + arguments, in: scratch.directory)
        }

        /// A copy of the journal (with its write-ahead log) at `name`.
        func copy(to name: String) throws -> String {
            let target = scratch.path(name)
            for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: journal + suffix) {
                try FileManager.default.copyItem(atPath: journal + suffix, toPath: target + suffix)
            }
            return target
        }

        /// Runs SQL on a journal file with the sqlite3 shell.
        func sql(_ file: String, _ statements: String) throws {
            let run = try AgnerRun.run(["sqlite3 '\(file)' \"\(statements)\""], shell: true)
            #expect(run.status == 0, "sqlite3: \(run.errors)")
        }
    }

    /// `{replay: {…}, comparison: {rows: [{metric, a: {mean}, b: {mean}}]}}`: the rows by metric.
    static func figures(_ json: String) throws -> (replay: [String: Any], a: [String: Double], b: [String: Double]) {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "not JSON: \(json.prefix(300))")
        let replay = try #require(object["replay"] as? [String: Any])
        let rows = try #require((object["comparison"] as? [String: Any])?["rows"] as? [[String: Any]])
        var a: [String: Double] = [:], b: [String: Double] = [:]
        for row in rows {
            guard let metric = row["metric"] as? String else { continue }
            a[metric] = (row["a"] as? [String: Any])?["mean"] as? Double
            b[metric] = (row["b"] as? [String: Any])?["mean"] as? Double
        }
        return (replay, a, b)
    }

    @Test("a day agner serve journaled over TCP, replayed as recorded, gives the router's own answered, abandoned, ASA and service level; two more front-line agents give better service")
    func liveRouterOverTCP() throws {
        let scratch = try Scratch()
        let center = Scratch.repository.appendingPathComponent("scenarios/live-demo.yaml").path
        let journal = scratch.path("day.db")
        let server = try ServeProcess(center: center, db: journal)
        // About 16 calls and chats in 8 seconds, more than the four agents logged in can take
        // at once; every contact ends before the figures are read.
        let run = try NewcomerTests.python([Scratch.repository.appendingPathComponent("examples/day.py").path, "--port", "\(server.port)",
                                            "--seconds", "8", "--rate", "2", "--seed", "7"], timeout: 60)
        #expect(server.stop(), "SIGTERM should stop agner serve gracefully")
        #expect(run.status == 0, "\(run.output)")
        let live = try #require(try JSONSerialization.jsonObject(with: Data((run.output.split(separator: "\n").last ?? "").utf8)) as? [String: Any],
                                "examples/day.py printed: \(run.output)")
        #expect(live["open"] as? Int == 0, "every contact ended before the figures were read")
        let stats = try #require(live["stats"] as? [String: Any])
        let queues = try #require(stats["queues"] as? [[String: Any]])
        let seen = try #require(live["seen"] as? [String: [String: Any]])
        func total(_ key: String) -> Double { queues.reduce(0) { $0 + (($1[key] as? NSNumber)?.doubleValue ?? 0) } }
        let offered = total("offered_today"), answered = total("answered_today"), abandoned = total("abandoned_today")
        #expect(offered >= 8, "too little traffic to say anything: \(run.output)")
        #expect(abandoned > 0, "nobody hung up: the test would not see patience")

        let asRecorded = try AgnerRun.run(["replay", "--journal", journal, "--center", center, "--format", "json"], in: scratch.directory)
        #expect(asRecorded.status == 0, "\(asRecorded.errors)")
        let (info, recorded, replayed) = try Self.figures(asRecorded.output)
        #expect(info["reproduces_record"] as? Bool == true, "\(info)")
        // Both sides: the record measured, and the model run under the recorded center and agents.
        for (side, figures) in [("as recorded", recorded), ("replayed", replayed)] {
            #expect(figures["total.offered"] == offered, "\(side)")
            #expect(figures["total.answered"] == answered, "\(side)")
            #expect(abs((figures["real_time.abandon_rate"] ?? -1) - abandoned / offered) < 1e-12, "\(side)")
            for channel in stats["channels"] as? [[String: Any]] ?? [] {
                guard let name = channel["channel"] as? String, let level = channel["service_level_today"] as? Double else { continue }
                #expect(abs((figures["channel.\(name).service_level"] ?? -1) - level) < 1e-12, "\(side) \(name)")
            }
            for (name, saw) in seen {
                guard let asa = saw["asa_s"] as? Double else { continue }
                #expect(abs((figures["channel.\(name).average_speed_of_answer"] ?? -1) - asa) < 1e-6, "\(side) \(name)")
            }
        }

        let whatIf = try AgnerRun.run(["replay", "--journal", journal, "--center", center, "--add", "frontline=2", "--format", "json"],
                                      in: scratch.directory)
        #expect(whatIf.status == 0, "\(whatIf.errors)")
        let (whatIfInfo, before, after) = try Self.figures(whatIf.output)
        #expect(whatIfInfo["what_if"] as? String == "frontline +2")
        #expect(before == recorded)
        #expect(after["total.offered"] == before["total.offered"], "the same customers on both sides")
        #expect(after["real_time.service_level"]! > before["real_time.service_level"]!, "\(after) vs \(before)")
        #expect(after["real_time.abandon_rate"]! <= before["real_time.abandon_rate"]!)
        #expect(after["total.answered"]! >= before["total.answered"]!)

        // Another routing policy, from a variant of the file: the same customers, routed its way.
        let policy = try AgnerRun.run(["replay", "--journal", journal, "--center", center, "--variant", "most-skilled", "--format", "json"],
                                      in: scratch.directory)
        #expect(policy.status == 0, "\(policy.errors)")
        let (policyInfo, policyBefore, policyAfter) = try Self.figures(policy.output)
        #expect(policyInfo["what_if"] as? String == "variant most-skilled")
        #expect(policyInfo["reproduces_record"] as? Bool == true)
        #expect(policyBefore == recorded)
        #expect(policyAfter["total.offered"] == recorded["total.offered"])
    }

    @Test("a journal written across a graceful stop, a SIGKILL and two restarts replays exactly, to the figures the last router gave")
    func acrossRestarts() throws {
        let scratch = try Scratch()
        let center = Scratch.repository.appendingPathComponent("scenarios/live-demo.yaml").path
        let journal = scratch.path("day.db")
        var live: [String: Any] = [:]
        for (round, seed) in [11, 12, 13].enumerated() {
            let server = try ServeProcess(center: center, db: journal)
            let run = try NewcomerTests.python([Scratch.repository.appendingPathComponent("examples/day.py").path, "--port", "\(server.port)",
                                                "--seconds", "3", "--rate", "3", "--handle", "2", "--patience", "3", "--seed", "\(seed)"], timeout: 60)
            if round == 1 { server.kill() } else { #expect(server.stop()) }
            #expect(run.status == 0, "\(run.output)")
            live = try #require(try JSONSerialization.jsonObject(with: Data((run.output.split(separator: "\n").last ?? "").utf8)) as? [String: Any])
        }
        // The router's figures since the start of the day: all three runs (a restart rebuilds them from the journal).
        let stats = try #require(live["stats"] as? [String: Any])
        let queues = try #require(stats["queues"] as? [[String: Any]])
        func total(_ key: String) -> Double { queues.reduce(0) { $0 + (($1[key] as? NSNumber)?.doubleValue ?? 0) } }
        let replay = try AgnerRun.run(["replay", "--journal", journal, "--center", center, "--format", "json"], in: scratch.directory)
        #expect(replay.status == 0, "\(replay.errors)")
        let (info, recorded, replayed) = try Self.figures(replay.output)
        #expect(info["reproduces_record"] as? Bool == true, "\(info)")
        #expect(recorded == replayed)
        #expect(recorded["total.offered"] == total("offered_today"))
        #expect(recorded["total.answered"] == total("answered_today"))
        for channel in stats["channels"] as? [[String: Any]] ?? [] {
            guard let name = channel["channel"] as? String, let level = channel["service_level_today"] as? Double else { continue }
            #expect(abs((recorded["channel.\(name).service_level"] ?? -1) - level) < 1e-12, "\(name)")
        }
    }

    @Test("a live router's journal in SQLite replays exactly under its own center, in every format, and --help teaches with examples")
    func formatsAndHelp() throws {
        let recorded = try RecordedDay()
        let table = try recorded.replay([])
        #expect(table.status == 0, "\(table.errors)")
        #expect(table.output.contains("check: under the recorded center and agents the replay reproduces all"), "\(table.output)")
        #expect(table.output.contains("as recorded  vs  what-if"))
        let json = try recorded.replay(["--add", "frontline=1", "--format", "json"])
        let (info, _, _) = try Self.figures(json.output)
        #expect(info["reproduces_record"] as? Bool == true)
        #expect((info["offers"] as? Int ?? 0) > 30)
        let csv = try recorded.replay(["--format", "csv"])
        #expect(csv.status == 0 && csv.output.split(separator: "\n").count > 2, "\(csv.errors)")
        let html = try recorded.replay(["--format", "html", "--output", recorded.scratch.path("replay.html")])
        #expect(html.status == 0, "\(html.errors)")
        let page = try String(contentsOfFile: recorded.scratch.path("replay.html"), encoding: .utf8)
        #expect(page.contains("<svg") && page.contains("as recorded") && page.contains("what-if"))

        let help = try AgnerRun.run(["replay", "--help"])
        #expect(help.output.contains("Examples:"))
        #expect(help.output.contains("agner replay --journal agner.db --center scenarios/retail.yaml --add"))
        #expect(help.output.contains("docs/replay.md"))
    }

    @Test("--from and --to count only the contacts arriving in the window; a window outside the journal is named with the journal's span")
    func window() throws {
        let recorded = try RecordedDay()
        // The day runs from 07:50 (Berlin) for about 20 minutes; the center opens at 08:00.
        let whole = try Self.figures(try recorded.replay(["--format", "json"]).output)
        let part = try recorded.replay(["--from", "2027-01-14T08:00", "--to", "2027-01-14T08:05", "--format", "json"])
        #expect(part.status == 0, "\(part.errors)")
        let window = try Self.figures(part.output)
        #expect(window.replay["reproduces_record"] as? Bool == true)
        #expect(window.a["total.offered"]! > 0 && window.a["total.offered"]! < whole.a["total.offered"]!)
        #expect(window.a == window.b)
        let outside = try recorded.replay(["--from", "2026-01-01", "--to", "2026-01-01"])
        #expect(outside.status != 0)
        #expect(outside.errors.contains("is outside the journal, which runs from 2027-01-14 07:50"), "\(outside.errors)")
        let backwards = try recorded.replay(["--from", "2027-01-14T09:00", "--to", "2027-01-14T08:00"])
        #expect(backwards.errors.contains("the window is empty"), "\(backwards.errors)")
        // A window past the journal's end is cut to it, and says so (it ran empty years before).
        let past = try recorded.replay(["--to", "2036-11-01", "--format", "json"])
        #expect(past.status == 0 && past.errors.contains("the window is cut to the journal"), "\(past.errors)")
        #expect(try Self.figures(past.output).a == whole.a)
        // An agent who worked that day but whom the what-if center does not name is said, not dropped silently.
        let renamed = try recorded.scratch.file("one-sales.yaml", replayCenterYAML.replacingOccurrences(of: "{name: sales,     count: 2", with: "{name: sales,     count: 1"))
        let dropped = try AgnerRun.run(["replay", "--journal", recorded.journal, "--center", renamed, "--recorded-center", recorded.center])
        #expect(dropped.status == 0 && dropped.output.contains("note: recorded agent sales-1 is not in this center"), "\(dropped.output)")
        let garbled = try recorded.replay(["--from", "yesterday"])
        #expect(garbled.errors.contains("--from 'yesterday': expected a date (2026-01-15) or a date-time"), "\(garbled.errors)")
    }

    @Test("a missing, damaged or foreign journal is refused, saying what is wrong and where")
    func badJournals() throws {
        let recorded = try RecordedDay()
        let scratch = recorded.scratch
        func replay(_ journal: String) throws -> AgnerRun {
            try AgnerRun.run(["replay", "--journal", journal, "--center", recorded.center], in: scratch.directory)
        }
        let missing = try replay(scratch.path("nowhere.db"))
        #expect(missing.status != 0)
        #expect(missing.errors.contains("nowhere.db: no such journal file"), "\(missing.errors)")

        try CommandLog(path: scratch.path("empty.db")).close()
        let empty = try replay(scratch.path("empty.db"))
        #expect(empty.status != 0)
        #expect(empty.errors.contains("empty.db: the journal is empty: nothing to replay"), "\(empty.errors)")

        let text = try scratch.file("notes.db", "not a database\n")
        let notDatabase = try replay(text)
        #expect(notDatabase.errors.contains("notes.db: not an Agner journal"), "\(notDatabase.errors)")

        _ = try recorded.copy(to: "results.db")
        try recorded.sql(scratch.path("results.db"), "DROP TABLE journal_batch; CREATE TABLE run (id INTEGER PRIMARY KEY);")
        let otherDatabase = try replay(scratch.path("results.db"))
        #expect(otherDatabase.errors.contains("results.db: not an Agner journal (an SQLite database without the journal's table)"),
                "\(otherDatabase.errors)")

        // A batch cut short: the entries it should hold are not there.
        _ = try recorded.copy(to: "cut.db")
        try recorded.sql(scratch.path("cut.db"), "UPDATE journal_batch SET entries = substr(entries, 1, 40) WHERE last = 100;")
        let cut = try replay(scratch.path("cut.db"))
        #expect(cut.status != 0)
        #expect(cut.errors.contains("cut.db: damaged journal batch 51–100: "), "\(cut.errors)")

        // An entry that is not a request of this protocol (damaged, or another version's op).
        _ = try recorded.copy(to: "future.db")
        let futureLine = #"{"op":"contact.teleport","id":"c1"}"#
        let log = try CommandLog(path: scratch.path("future.db"))
        log.append(time: recorded.day.now + 1, origin: "pbx", line: futureLine)
        let sequence = try log.commit()
        try log.close()
        let unknownOp = try replay(scratch.path("future.db"))
        #expect(unknownOp.status != 0)
        #expect(unknownOp.errors.contains("future.db: journal entry \(sequence) (\(futureLine)): unknown op 'contact.teleport'"), "\(unknownOp.errors)")
        #expect(unknownOp.errors.contains("written by another version of Agner"), "\(unknownOp.errors)")

        // A journal a newer Agner has migrated.
        _ = try recorded.copy(to: "newer.db")
        try recorded.sql(scratch.path("newer.db"), "INSERT INTO grdb_migrations (identifier) VALUES ('v9: compressed batches');")
        let newer = try replay(scratch.path("newer.db"))
        #expect(newer.status != 0)
        #expect(newer.errors.contains("newer.db: written by a newer version of Agner (its journal has 'v9: compressed batches'"), "\(newer.errors)")
    }

    @Test("a journal from before batches (one row per entry) replays as it is, exactly")
    func journalBeforeBatches() throws {
        let recorded = try RecordedDay(steps: 300)
        let old = recorded.scratch.path("old.db")
        // The layout of migration "v1: journal", as an older agner serve left it.
        var statements = ["CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)",
                          "INSERT INTO grdb_migrations VALUES ('v1: journal')",
                          "CREATE TABLE journal (sequence INTEGER PRIMARY KEY, time DOUBLE NOT NULL, origin TEXT NOT NULL, line TEXT NOT NULL)"]
        for (index, entry) in recorded.day.journal.committed.enumerated() {
            let line = entry.line.replacingOccurrences(of: "'", with: "''")
            statements.append("INSERT INTO journal VALUES (\(index + 1), \(String(entry.time)), '\(entry.origin)', '\(line)')")
        }
        try (statements.joined(separator: ";\n") + ";\n").write(toFile: recorded.scratch.path("old.sql"), atomically: true, encoding: .utf8)
        let load = try AgnerRun.run(["sqlite3 '\(old)' < '\(recorded.scratch.path("old.sql"))'"], shell: true)
        #expect(load.status == 0, "\(load.errors)")
        let fromOld = try AgnerRun.run(["replay", "--journal", old, "--center", recorded.center, "--format", "json"])
        #expect(fromOld.status == 0, "\(fromOld.errors)")
        let fromNew = try recorded.replay(["--format", "json"])
        let (oldInfo, oldFigures, _) = try Self.figures(fromOld.output)
        let (newInfo, newFigures, _) = try Self.figures(fromNew.output)
        #expect(oldInfo["reproduces_record"] as? Bool == true)
        #expect(oldInfo["entries"] as? Int == newInfo["entries"] as? Int)
        #expect(oldFigures == newFigures)
    }

    @Test("a journal pruned into dated archives replays as if never pruned; with an archive gone the missing entries are named")
    func archives() throws {
        let recorded = try RecordedDay()
        let whole = try recorded.replay(["--format", "json"])
        let entries = recorded.day.journal.committed
        let middle = Int64(entries.count / 2)
        let log = try CommandLog(path: recorded.journal)
        let pruned = try log.prune(through: middle, olderThan: entries[Int(middle)].time, oldBatches: .archive)
        try log.close()
        #expect(!pruned.archives.isEmpty)
        #expect(FileManager.default.fileExists(atPath: recorded.journal + ".archive-2027-01-14"))
        let fromArchives = try recorded.replay(["--format", "json"])
        #expect(fromArchives.status == 0, "\(fromArchives.errors)")
        #expect(try Self.figures(fromArchives.output).a == Self.figures(whole.output).a)
        #expect(try Self.figures(fromArchives.output).replay["entries"] as? Int == entries.count)

        try FileManager.default.removeItem(atPath: recorded.journal + ".archive-2027-01-14")
        let withoutArchive = try recorded.replay([])
        #expect(withoutArchive.status != 0)
        #expect(withoutArchive.errors.contains("journal.db: the journal starts at entry"), "\(withoutArchive.errors)")
        #expect(withoutArchive.errors.contains("a replay needs the whole history"))
    }

    @Test("a center that does not match the journal is refused naming the entry, the file and what it lacks")
    func centerThatDoesNotMatch() throws {
        let recorded = try RecordedDay()
        // The recorded center without the topic "order".
        let lacking = replayCenterYAML.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.contains("{name: order,") }
            .joined(separator: "\n")
        #expect(lacking != replayCenterYAML)
        let other = try recorded.scratch.file("other.yaml", lacking)
        let asRecorded = try AgnerRun.run(["replay", "--journal", recorded.journal, "--center", other])
        #expect(asRecorded.status != 0)
        #expect(asRecorded.errors.contains("journal.db: journal entry "), "\(asRecorded.errors)")
        #expect(asRecorded.errors.contains("unknown topic 'order'"), "\(asRecorded.errors)")
        #expect(asRecorded.errors.contains("--recorded-center names the one it was"), "\(asRecorded.errors)")

        let whatIf = try AgnerRun.run(["replay", "--journal", recorded.journal, "--center", other, "--recorded-center", recorded.center])
        #expect(whatIf.status != 0)
        #expect(whatIf.errors.contains("other.yaml (replay test center): the center has no topic 'order', which recorded contacts need"),
                "\(whatIf.errors)")

        let noGroup = try recorded.replay(["--add", "night=2"])
        #expect(noGroup.errors.contains("--add night: no agent group 'night' (groups: frontline, billing, sales)"), "\(noGroup.errors)")
        let tooFew = try recorded.replay(["--add", "sales=-5"])
        #expect(tooFew.errors.contains("--add sales=-5: the group has 2 agents"), "\(tooFew.errors)")
        let garbled = try recorded.replay(["--add", "sales"])
        #expect(garbled.errors.contains("--add 'sales' should be GROUP=N"), "\(garbled.errors)")
        let noVariant = try recorded.replay(["--variant", "tomorrow"])
        #expect(noVariant.status != 0 && noVariant.errors.contains("tomorrow"), "\(noVariant.errors)")
    }
}
