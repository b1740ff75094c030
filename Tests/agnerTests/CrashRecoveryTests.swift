import AgnerTestSupport
import Foundation
import Testing

/// `agner serve` did not get to "listening"; what it printed says why.
struct StartFailed: Error, CustomStringConvertible {
    var output: String
    var description: String { "agner serve did not start: \(output)" }
}

/// The real `agner serve` binary, run as a child process.
final class ServeProcess {
    let process = Process()
    let port: Int
    /// What it printed up to its "listening" line.
    let startup: String
    /// Its standard error, read up to the "listening" line.
    let errors = Pipe()

    static var binary: URL {
        // The test bundle sits in the build products directory, beside the agner executable.
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("agner").path) && url.path != "/" {
            url = url.deletingLastPathComponent()
        }
        return url.appendingPathComponent("agner")
    }

    /// - Parameter launcher: a command that runs the binary (`setpriv --reuid=…`, say); none: run it directly.
    init(center: String, db: String, options: [String] = [], launcher: [String] = []) throws {
        let arguments = ["serve", "--center", center, "--db", db, "--listen", "127.0.0.1:0"] + options
        if let program = launcher.first {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = Array(launcher.dropFirst()) + [Self.binary.path] + arguments
        } else {
            process.executableURL = Self.binary
            process.arguments = arguments
        }
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // "agner serve: listening on 127.0.0.1:PORT · …"
        var text = ""
        let deadline = Date().addingTimeInterval(20)
        while !text.contains("listening on"), Date() < deadline {
            let chunk = errors.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let range = text.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression),
              let port = Int(text[range].split(separator: ":").last!) else {
            process.terminate()
            throw StartFailed(output: text)
        }
        self.port = port
        startup = text
    }

    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM, then wait (bounded) for a graceful exit. - Returns: whether it exited in time.
    @discardableResult
    func stop(within seconds: Double = 10) -> Bool {
        process.terminate()
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return false
        }
        return true
    }
}

@Suite("agner serve, killed and restarted", .serialized)
struct CrashRecoveryTests {
    static let center = """
        center: {departments: [billing], skills: [billing], topics: [{name: invoice, skills: [billing]}]}
        agents: [{name: bea, count: 3}]
        demand: [{rate: 1/min}]
        """

    /// A temporary directory holding the center file and the journal; removed when released.
    final class Workspace {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("agner-crash-\(UUID().uuidString)")
        var centerFile: String { directory.appendingPathComponent("center.yaml").path }
        var db: String { directory.appendingPathComponent("journal.sqlite").path }

        init() throws {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try CrashRecoveryTests.center.write(toFile: centerFile, atomically: true, encoding: .utf8)
        }

        deinit { try? FileManager.default.removeItem(at: directory) }
    }

    /// As an adapter: logs bea-1 in, pipelines `count` e-mail arrivals, and reads replies until
    /// `until` of them are acknowledged. - Returns: the acknowledged contacts.
    static func arrivals(_ client: TestClient, count: Int, until: Int) -> Set<String> {
        #expect(client.request(["op": "hello", "role": "adapter", "name": "pbx"], req: 0)?["ok"] as? Bool == true)
        #expect(client.request(["op": "agent.state", "agent": "bea-1", "state": "available"], req: 1)?["ok"] as? Bool == true)
        for n in 1...count { client.send(json: ["op": "contact.arrive", "id": "c-\(n)", "channel": "email", "topic": "invoice", "req": 1000 + n]) }
        var acknowledged: Set<String> = []
        while acknowledged.count < until, let line = client.readLine() {
            if let re = line["re"] as? Int, re > 1000, line["ok"] as? Bool == true { acknowledged.insert("c-\(re - 1000)") }
        }
        return acknowledged
    }

    @Test("after SIGKILL at an arbitrary moment, every acknowledged command's effect is there, once")
    func killedMidStream() throws {
        let workspace = try Workspace()
        defer { withExtendedLifetime(workspace) {} }
        let (centerFile, db) = (workspace.centerFile, workspace.db)
        let first = try ServeProcess(center: centerFile, db: db)
        // Pipeline 400 arrivals and kill the server after 150 acknowledgements, mid-stream.
        let client = try TestClient(port: first.port)
        let acknowledged = Self.arrivals(client, count: 400, until: 150)
        withExtendedLifetime(client) { first.kill() }  // the rest of the stream still in flight
        #expect(acknowledged.count == 150)

        let second = try ServeProcess(center: centerFile, db: db)
        let check = try TestClient(port: second.port)
        let contacts = try #require(check.allContacts())
        let names = contacts.compactMap { $0["contact"] as? String }
        #expect(Set(names).count == names.count)  // nothing duplicated
        #expect(acknowledged.isSubset(of: Set(names)))  // nothing acknowledged lost
        let agents = try #require((check.request(["op": "agents"], req: 2)?["result"] as? [String: Any])?["agents"] as? [[String: Any]])
        #expect(agents.first { $0["agent"] as? String == "bea-1" }?["state"] as? String != "offline")
        // The recovered server goes on: a new contact is accepted, a known one is a duplicate.
        defer { #expect(second.stop(), "SIGTERM should stop agner serve gracefully") }
        #expect(check.request(["op": "contact.arrive", "id": "after", "channel": "phone", "topic": "invoice"], req: 3)?["ok"] as? Bool == true)
        #expect(check.request(["op": "contact.arrive", "id": "c-1", "channel": "phone", "topic": "invoice"], req: 4)?["ok"] as? Bool == false)
    }
}

extension CrashRecoveryTests {
    /// "… 12 journaled commands replayed from … after a snapshot of the first 350"
    static func recovery(_ startup: String) -> (replayed: Int, snapshot: Int) {
        func number(before marker: String) -> Int? {
            guard let range = startup.range(of: #"(\d+) "# + marker, options: .regularExpression) else { return nil }
            return Int(startup[range].split(separator: " ")[0])
        }
        func number(after marker: String) -> Int? {
            guard let range = startup.range(of: marker + #" (\d+)"#, options: .regularExpression) else { return nil }
            return Int(startup[range].split(separator: " ").last!)
        }
        return (number(before: "journaled commands replayed") ?? -1, number(after: "a snapshot of the first") ?? 0)
    }

    @Test("with snapshots, a restart after SIGKILL replays only what the newest snapshot does not cover; a graceful stop leaves nothing to replay")
    func snapshotsBoundRecovery() throws {
        let workspace = try Workspace()
        defer { withExtendedLifetime(workspace) {} }
        let (centerFile, db) = (workspace.centerFile, workspace.db)
        let first = try ServeProcess(center: centerFile, db: db, options: ["--snapshot-every", "50"])
        let acknowledged = Self.arrivals(try TestClient(port: first.port), count: 300, until: 300)
        #expect(acknowledged.count == 300)
        Thread.sleep(forTimeInterval: 0.5)  // snapshots are stored in the background
        first.kill()

        let second = try ServeProcess(center: centerFile, db: db, options: ["--snapshot-every", "50"])
        let afterKill = Self.recovery(second.startup)
        #expect(afterKill.snapshot >= 250, "startup: \(second.startup)")
        // 300 arrivals, a log-in (and who manages the agent), and the hold of the adapter's
        // contacts when its connection closed.
        #expect(afterKill.replayed >= 0 && afterKill.snapshot + afterKill.replayed == 303, "startup: \(second.startup)")
        #expect(afterKill.replayed < 50, "startup: \(second.startup)")
        let check = try TestClient(port: second.port)
        let contacts = try #require(check.allContacts())
        let names = contacts.compactMap { $0["contact"] as? String }
        #expect(Set(names).count == names.count && Set(names) == acknowledged)
        #expect(check.request(["op": "contact.arrive", "id": "late", "channel": "email", "topic": "invoice"], req: 2)?["ok"] as? Bool == true)
        #expect(second.stop(), "SIGTERM should stop agner serve gracefully")

        let third = try ServeProcess(center: centerFile, db: db)
        defer { third.stop() }
        let afterStop = Self.recovery(third.startup)
        // Everything the second run journaled (the holds of a restart, one more arrival, the hold
        // when the stop closed its connection) is in the stop's snapshot: nothing to replay.
        #expect(afterStop.replayed == 0 && afterStop.snapshot > 303, "startup: \(third.startup)")
        let last = try TestClient(port: third.port)
        let finalNames = try #require(last.allContacts()).compactMap { $0["contact"] as? String }
        #expect(Set(finalNames) == acknowledged.union(["late"]))
    }
}

@Suite("agner load against agner serve", .serialized)
struct LoadClientTests {
    @Test("the load client drives contacts through their whole life and reports throughput and latency")
    func loadRuns() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("agner-load-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let centerFile = directory.appendingPathComponent("center.yaml").path
        try CrashRecoveryTests.center.write(toFile: centerFile, atomically: true, encoding: .utf8)
        let server = try ServeProcess(center: centerFile, db: directory.appendingPathComponent("journal.sqlite").path)
        defer { server.stop() }
        let load = try AgnerRun.run(["load", "--connect", "127.0.0.1:\(server.port)", "--connections", "2", "--duration", "1s", "--pipeline", "2"])
        let text = load.output
        #expect(load.status == 0)
        #expect(text.contains("requests/s"))
        #expect(text.contains("latency µs: p50"))
        #expect(!text.contains("errors:"))
        let completed = text.split(separator: " ").firstIndex(of: "contacts").map { Int(text.split(separator: " ")[$0 - 1]) ?? 0 } ?? 0
        #expect(completed > 10)
    }
}
