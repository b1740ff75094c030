import AgnerTestSupport
import Foundation
import Testing

/// The real binary started on journal files that are damaged, missing or from elsewhere: it
/// always comes up, with what it can, and says on its standard error what it set aside and what
/// is missing. (Before: each of these ended with a router that could not start, or that started
/// empty.)
@Suite("agner serve comes back from damaged or missing files", .serialized)
struct DamagedFilesTests {
    static func contacts(_ server: ServeProcess) throws -> Set<String> {
        Set(try #require(try TestClient(port: server.port).allContacts()).compactMap { $0["contact"] as? String })
    }

    static func files(_ workspace: CrashRecoveryTests.Workspace) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: workspace.directory.path)) ?? []).sorted()
    }

    /// Runs a server with `options`, has 60 arrivals acknowledged, and stops it gracefully (a
    /// snapshot at the stop; with --retain 0s the journal is pruned behind it).
    static func sixtyArrivals(_ workspace: CrashRecoveryTests.Workspace, options: [String]) throws -> Set<String> {
        let server = try ServeProcess(center: workspace.centerFile, db: workspace.db, options: options)
        let acknowledged = CrashRecoveryTests.arrivals(try TestClient(port: server.port), count: 60, until: 60)
        #expect(server.stop())
        return acknowledged
    }

    @Test("a journal SQLite cannot read is set aside untouched, and the center comes back from its snapshot")
    func unreadableJournal() throws {
        let workspace = try CrashRecoveryTests.Workspace()
        let acknowledged = try Self.sixtyArrivals(workspace, options: [])
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: workspace.db + suffix) }
        let garbage = Data((0..<32_768).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try garbage.write(to: URL(fileURLWithPath: workspace.db))

        let server = try ServeProcess(center: workspace.centerFile, db: workspace.db)
        #expect(server.startup.contains("RECOVERY") && server.startup.contains("SQLite cannot read the journal"), "\(server.startup)")
        // Nothing of it could be read: whether anything came after the snapshot, no one can tell.
        #expect(server.startup.contains("RECOVERED WITH LOSSES: the journal could not be read whole"), "\(server.startup)")
        #expect(try Self.contacts(server) == acknowledged)
        let aside = try #require(Self.files(workspace).first { $0.hasPrefix("journal.sqlite.unreadable-") && !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") })
        #expect(try Data(contentsOf: workspace.directory.appendingPathComponent(aside)) == garbage, "set aside as it was")
        #expect(server.stop())
        let again = try ServeProcess(center: workspace.centerFile, db: workspace.db)
        defer { again.stop() }
        #expect(!again.startup.contains("RECOVERY"), "a second start finds nothing wrong: \(again.startup)")
        #expect(try Self.contacts(again) == acknowledged)
    }

    /// As an adapter, pipelines `count` e-mail arrivals named `<prefix>-1` … and waits for
    /// every acknowledgement. - Returns: the contacts acknowledged.
    static func arrivals(_ server: ServeProcess, prefix: String, count: Int) throws -> Set<String> {
        let client = try TestClient(port: server.port)
        #expect(client.request(["op": "hello", "role": "adapter", "name": "pbx"], req: 0)?["ok"] as? Bool == true)
        for n in 1...count { client.send(json: ["op": "contact.arrive", "id": "\(prefix)-\(n)", "channel": "email", "topic": "invoice", "req": n]) }
        var acknowledged: Set<String> = []
        var replies = 0
        while replies < count, let line = client.readLine() {
            guard let re = line["re"] as? Int, re > 0 else { continue }
            replies += 1
            if line["ok"] as? Bool == true { acknowledged.insert("\(prefix)-\(re)") }
        }
        #expect(acknowledged.count == count)
        return acknowledged
    }

    @Test("a journal deleted (or left empty) beside its snapshots is recreated under their identity: the center comes back from them, and the loss is reported", arguments: [false, true])
    func missingJournal(leftEmpty: Bool) throws {
        let workspace = try CrashRecoveryTests.Workspace()
        let acknowledged = try Self.sixtyArrivals(workspace, options: [])
        let second = try ServeProcess(center: workspace.centerFile, db: workspace.db, options: ["--snapshot-every", "1000"])
        let late = try Self.arrivals(second, prefix: "late", count: 10)
        second.kill()
        for suffix in ["", "-shm"] { try FileManager.default.removeItem(atPath: workspace.db + suffix) }
        if leftEmpty { FileManager.default.createFile(atPath: workspace.db, contents: Data()) }

        let server = try ServeProcess(center: workspace.centerFile, db: workspace.db)
        #expect(server.startup.contains("the journal is \(leftEmpty ? "empty" : "missing")"), "\(server.startup)")
        #expect(server.startup.contains("RECOVERED WITH LOSSES"), "\(server.startup)")
        let present = try Self.contacts(server)
        #expect(present.isSuperset(of: acknowledged) && present.isSubset(of: acknowledged.union(late)), "the snapshot's contacts: \(server.startup)")
        if leftEmpty { #expect(Self.files(workspace).contains { $0.hasPrefix("journal.sqlite.empty-") }, "set aside, not deleted") }
        #expect(server.stop())
        let again = try ServeProcess(center: workspace.centerFile, db: workspace.db)
        defer { again.stop() }
        #expect(!again.startup.contains("RECOVERY"), "\(again.startup)")
        #expect(try Self.contacts(again) == present)
    }

    @Test("a journal deleted beside snapshots that are all damaged: the center starts empty, and says that everything was lost")
    func missingJournalNoSnapshot() throws {
        let workspace = try CrashRecoveryTests.Workspace()
        _ = try Self.sixtyArrivals(workspace, options: [])
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: workspace.db + suffix) }
        try Data("not a snapshot".utf8).write(to: URL(fileURLWithPath: workspace.db + "-snapshot"))

        let server = try ServeProcess(center: workspace.centerFile, db: workspace.db)
        defer { server.stop() }
        #expect(server.startup.contains("no snapshot of it can be used"), "\(server.startup)")
        #expect(server.startup.contains("RECOVERED WITH LOSSES: the journal was missing"), "\(server.startup)")
        #expect(try Self.contacts(server).isEmpty)
        #expect(Self.files(workspace).contains { $0.hasPrefix("journal.sqlite-snapshot.damaged-") })
    }

    @Test("a batch changed on disk is skipped as damaged, and the banner counts exactly: replayed plus lost is what the journal holds")
    func damagedBatchCountedTruthfully() throws {
        let workspace = try CrashRecoveryTests.Workspace()
        let acknowledged = try Self.sixtyArrivals(workspace, options: ["--snapshot-every", "0"])
        // A server left running past its once-a-second checkpoint has copied the write-ahead
        // log into the database: without it, the database alone holds every batch. (A damaged
        // log's frames SQLite drops as never committed, which no one can notice.)
        let pattern = Array(#""c-30""#.utf8)
        func databaseHolds() -> Bool {
            guard let bytes = try? [UInt8](Data(contentsOf: URL(fileURLWithPath: workspace.db))), bytes.count > pattern.count else { return false }
            return (0...(bytes.count - pattern.count)).contains { Array(bytes[$0..<($0 + pattern.count)]) == pattern }
        }
        for attempt in 1...5 where !databaseHolds() {  // longer each time on a busy machine
            let idle = try ServeProcess(center: workspace.centerFile, db: workspace.db, options: ["--snapshot-every", "0"])
            Thread.sleep(forTimeInterval: 1.5 * Double(attempt))
            idle.kill()
        }
        try #require(databaseHolds(), "the write-ahead log was never copied into the database")
        for suffix in ["-wal", "-shm", "-snapshot", "-snapshot.previous"] { try? FileManager.default.removeItem(atPath: workspace.db + suffix) }
        // What a replay of the whole journal gives, on a copy.
        let copy = try CrashRecoveryTests.Workspace()
        try FileManager.default.copyItem(atPath: workspace.db, toPath: copy.db)
        let clean = try ServeProcess(center: copy.centerFile, db: copy.db)
        let total = CrashRecoveryTests.recovery(clean.startup).replayed
        clean.kill()
        #expect(total >= 61, "\(clean.startup)")

        // "c-30" becomes "c-3X" where the journal holds it: SQLite reads the page as it is.
        var changed = false
        let url = URL(fileURLWithPath: workspace.db)
        var bytes = [UInt8](try Data(contentsOf: url))
        for start in 0..<max(0, bytes.count - pattern.count) where Array(bytes[start..<(start + pattern.count)]) == pattern {
            bytes[start + 4] = UInt8(ascii: "X")
            changed = true
        }
        try Data(bytes).write(to: url)
        #expect(changed)

        let server = try ServeProcess(center: workspace.centerFile, db: workspace.db)
        defer { server.stop() }
        let replayed = CrashRecoveryTests.recovery(server.startup).replayed
        let lostRange = try #require(server.startup.range(of: #"(\d+) lost in damaged batches"#, options: .regularExpression), "\(server.startup)")
        let lost = Int(server.startup[lostRange].split(separator: " ")[0]) ?? -1
        #expect(server.startup.contains("damaged journal batch") && server.startup.contains("checksum does not match"), "\(server.startup)")
        #expect(replayed + lost == total, "\(server.startup)")
        let present = try Self.contacts(server)
        #expect(!present.contains("c-30") && !present.contains("c-3X"))
        #expect(present.isSubset(of: acknowledged) && present.count >= 60 - lost, "\(server.startup)")
        #expect(Self.files(workspace).contains { $0.hasPrefix("journal.sqlite.unreplayable-") }, "the journal with the damaged batch is set aside")
    }

    @Test("with --discard-old and both snapshots lost, the router comes up from the entries that remain and says which are missing and why")
    func discardedAndNoSnapshot() throws {
        let workspace = try CrashRecoveryTests.Workspace()
        let options = ["--snapshot-every", "10", "--retain", "0s", "--discard-old"]
        let early = try Self.sixtyArrivals(workspace, options: options)
        // Later arrivals the journal alone holds: no snapshot covers them (SIGKILL, long cadence).
        let second = try ServeProcess(center: workspace.centerFile, db: workspace.db, options: ["--snapshot-every", "1000", "--retain", "0s", "--discard-old"])
        let late = try Self.arrivals(second, prefix: "late", count: 20)
        second.kill()
        for suffix in ["-snapshot", "-snapshot.previous"] { try FileManager.default.removeItem(atPath: workspace.db + suffix) }

        let server = try ServeProcess(center: workspace.centerFile, db: workspace.db, options: options)
        #expect(server.startup.contains("missing: deleted by retention (--discard-old)"), "\(server.startup)")
        #expect(server.startup.contains("RECOVERED WITH LOSSES"), "\(server.startup)")
        let present = try Self.contacts(server)
        #expect(late.isSubset(of: present), "what the journal still holds is replayed: \(server.startup)")
        #expect(present.isSubset(of: early.union(late)))
        #expect(server.stop())
        let again = try ServeProcess(center: workspace.centerFile, db: workspace.db, options: options)
        defer { again.stop() }
        #expect(!again.startup.contains("RECOVERY"), "the stop's snapshot holds what was recovered: \(again.startup)")
        #expect(try Self.contacts(again) == present)
    }

    @Test("a snapshot taken with another center file does not empty the center when the journal no longer holds what came before it")
    func otherCenterSnapshotKeepsTheCenter() throws {
        let workspace = try CrashRecoveryTests.Workspace()
        let options = ["--snapshot-every", "10", "--retain", "0s", "--discard-old"]
        let acknowledged = try Self.sixtyArrivals(workspace, options: options)
        // One agent more: the snapshots no longer match the center file.
        let bigger = workspace.directory.appendingPathComponent("bigger.yaml").path
        try CrashRecoveryTests.center.replacingOccurrences(of: "count: 3", with: "count: 4").write(toFile: bigger, atomically: true, encoding: .utf8)

        let server = try ServeProcess(center: bigger, db: workspace.db, options: options)
        #expect(server.startup.contains("another center file"), "\(server.startup)")
        #expect(server.startup.contains("bea-4"), "the agent the snapshot lacks is added: \(server.startup)")
        #expect(try Self.contacts(server) == acknowledged)
        #expect(server.startup.contains("4 agents"), "\(server.startup)")
        #expect(server.stop())
        // The journal set aside, the new one starts from that state: a restart with the new
        // center file finds it as it was, with nothing to repair.
        #expect(Self.files(workspace).contains { $0.hasPrefix("journal.sqlite.unreplayable-") })
        let again = try ServeProcess(center: bigger, db: workspace.db, options: options)
        defer { again.stop() }
        #expect(!again.startup.contains("RECOVERY"), "\(again.startup)")
        #expect(try Self.contacts(again) == acknowledged)
    }

    @Test("a damaged newest snapshot is set aside and the one before it used; nothing acknowledged is lost")
    func damagedNewestSnapshot() throws {
        let workspace = try CrashRecoveryTests.Workspace()
        // Two graceful stops: two snapshots, the newest covering both runs.
        var acknowledged = try Self.sixtyArrivals(workspace, options: [])
        let second = try ServeProcess(center: workspace.centerFile, db: workspace.db)
        acknowledged.formUnion(try Self.arrivals(second, prefix: "late", count: 20))
        #expect(second.stop())
        #expect(FileManager.default.fileExists(atPath: workspace.db + "-snapshot.previous"), "\(Self.files(workspace))")
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: workspace.db + "-snapshot")))
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: workspace.db + "-snapshot"))

        let server = try ServeProcess(center: workspace.centerFile, db: workspace.db)
        defer { server.stop() }
        #expect(server.startup.contains("checksum does not match") && server.startup.contains("set aside as"), "\(server.startup)")
        #expect(!server.startup.contains("RECOVERED WITH LOSSES"), "\(server.startup)")
        #expect(Self.files(workspace).contains { $0.hasPrefix("journal.sqlite-snapshot.damaged-") })
        #expect(try Self.contacts(server) == acknowledged, "the older snapshot and the journal after it: \(server.startup)")
    }

    @Test("a start killed at any moment while it sets an unreplayable journal aside and writes a new one: the next start finishes the job, and nothing is set aside twice")
    func startOverKilled() throws {
        let workspace = try CrashRecoveryTests.Workspace()
        let wide = workspace.directory.appendingPathComponent("wide.yaml").path
        try CrashRecoveryTests.center.replacingOccurrences(of: "topics: [{name: invoice, skills: [billing]}]",
                                                           with: "topics: [{name: invoice, skills: [billing]}, {name: order, skills: [billing]}]")
            .write(toFile: wide, atomically: true, encoding: .utf8)
        let first = try ServeProcess(center: wide, db: workspace.db, options: ["--snapshot-every", "0"])
        var expected = try Self.arrivals(first, prefix: "kept", count: 3_000)
        let client = try TestClient(port: first.port)
        #expect(client.request(["op": "hello", "role": "adapter", "name": "pbx"], req: 0)?["ok"] as? Bool == true)
        #expect(client.request(["op": "contact.arrive", "id": "order-1", "channel": "email", "topic": "order"], req: 1)?["ok"] as? Bool == true)
        expected.formUnion(try Self.arrivals(first, prefix: "later", count: 500))
        first.kill()
        for suffix in ["-snapshot", "-snapshot.previous"] { try? FileManager.default.removeItem(atPath: workspace.db + suffix) }

        let present = ["journal.sqlite", "journal.sqlite-wal", "journal.sqlite-shm"].filter { FileManager.default.fileExists(atPath: workspace.directory.appendingPathComponent($0).path) }
        func copy() throws -> CrashRecoveryTests.Workspace {
            let round = try CrashRecoveryTests.Workspace()
            for name in present {
                try FileManager.default.copyItem(at: workspace.directory.appendingPathComponent(name), to: round.directory.appendingPathComponent(name))
            }
            return round
        }
        // How long a whole start takes here (it sets the journal aside: "order-1" is refused).
        let timed = try copy()
        let began = Date()
        let whole = try ServeProcess(center: timed.centerFile, db: timed.db)
        let duration = Date().timeIntervalSince(began)
        #expect(whole.startup.contains("could not be replayed"), "\(whole.startup)")
        whole.kill()

        // Each round: a fresh copy, a start with the center without "order" killed at a random
        // moment of it, then a start that must finish the job.
        var rng = SplitMix64(seed: 20_261_130)
        let rounds = ProcessInfo.processInfo.environment["AGNER_RECOVERY_ROUNDS"].flatMap(Int.init).map { max(8, $0 / 2) } ?? 8
        var moments: [String: Int] = [:]
        for round in 1...rounds {
            let place = try copy()
            let process = Process()
            process.executableURL = ServeProcess.binary
            process.arguments = ["serve", "--center", place.centerFile, "--db", place.db, "--listen", "127.0.0.1:0"]
            process.standardError = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: duration * Double(rng.next() % 1_000) / 1_000)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let names = Self.files(place)
            let moment = names.contains { $0.hasSuffix(".replacing") } ? "while moving files"
                : names.contains { $0.hasSuffix(".new") } ? "while writing the new journal"
                : names.contains { $0.hasPrefix("journal.sqlite.unreplayable-") } ? "after the replacement" : "before it"
            moments[moment, default: 0] += 1

            let server = try ServeProcess(center: place.centerFile, db: place.db)
            #expect(try Self.contacts(server) == expected, "round \(round), killed \(moment): \(server.startup)")
            #expect(server.stop())
            let after = Self.files(place)
            let aside = after.filter { $0.hasPrefix("journal.sqlite.unreplayable-") && !$0.contains("-wal") && !$0.contains("-shm") && !$0.contains("-snapshot") }
            #expect(aside.count == 1, "round \(round), killed \(moment): \(after)")
            #expect(!after.contains { $0.hasSuffix(".new") || $0.hasSuffix(".replacing") }, "round \(round): \(after)")
        }
        print("start over killed (a whole start: \(String(format: "%.2f", duration)) s): \(moments.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))")
    }
}
