import AgnerTestSupport
import Foundation
import Testing

/// What a newcomer does first, with the real binary: the README's snippet, then the example
/// adapter; two load runs in a row; a second server on a port in use.
@Suite("A newcomer's first steps", .serialized)
struct NewcomerTests {
    /// The repository's root (this file is Tests/agnerTests/NewcomerTests.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The README's Python snippet, with its port replaced.
    static func readmeSnippet(port: Int) throws -> String {
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        guard let start = readme.range(of: "python3 -c '"), let end = readme.range(of: "'\n", range: start.upperBound..<readme.endIndex) else {
            throw POSIXError(.ENOENT)
        }
        return String(readme[start.upperBound..<end.lowerBound]).replacingOccurrences(of: "7040", with: "\(port)")
    }

    static let center = """
        center:
          departments: [frontline, billing]
          skills: [general, billing]
          topics: [{name: invoice, skills: [billing], department: billing}]
          channels: {phone: {wrapUp: 1s}}
        agents:
          - {name: billing, count: 3, department: billing, skills: {billing: 5}}
          - {name: frontline early, count: 1, department: frontline, skills: {billing: 2}}
        demand: [{channel: phone, topic: invoice, rate: 1/min}]
        """

    static func python(_ arguments: [String], timeout: Double) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    @Test("the README's snippet, then examples/adapter.py: every call is offered and completed")
    func readmeThenAdapter() throws {
        let workspace = try CrashRecoveryTests.Workspace()
        try Self.center.write(toFile: workspace.centerFile, atomically: true, encoding: .utf8)
        let server = try ServeProcess(center: workspace.centerFile, db: workspace.db)
        defer { server.stop() }
        let snippet = try Self.python(["-c", try Self.readmeSnippet(port: server.port)], timeout: 20)
        #expect(snippet.status == 0, "\(snippet.output)")
        #expect(snippet.output.contains(#""event": "offer""#) || snippet.output.contains(#""event":"offer""#), "\(snippet.output)")
        let adapter = try Self.python([Self.root.appendingPathComponent("examples/adapter.py").path, "--port", "\(server.port)", "--calls", "5",
                                       "--agents", "billing-1,billing-2,billing-3"], timeout: 60)
        #expect(adapter.status == 0, "\(adapter.output)")
        let completed = adapter.output.split(separator: "\n").filter { $0.contains("completed: wrapUp") || $0.contains("completed: ended") }
        #expect(completed.count == 5, "\(adapter.output)")
    }

    @Test("two load runs in a row on one router both complete contacts, and each cleans up after itself")
    func loadRunsBackToBack() throws {
        let workspace = try CrashRecoveryTests.Workspace()
        let server = try ServeProcess(center: workspace.centerFile, db: workspace.db)
        defer { server.stop() }
        for _ in 0..<2 {
            let load = try AgnerRun.run(["load", "--connect", "127.0.0.1:\(server.port)", "--connections", "2", "--duration", "1s", "--pipeline", "2"])
            let text = load.output
            #expect(load.status == 0)
            let completed = text.split(separator: " ").firstIndex(of: "contacts").map { Int(text.split(separator: " ")[$0 - 1]) ?? 0 } ?? 0
            #expect(completed > 10, "\(text)")
            #expect(!text.contains("errors:"), "\(text)")
        }
        let client = try TestClient(port: server.port)
        let contacts = try #require(client.allContacts())
        #expect(contacts.isEmpty, "left open: \(contacts.prefix(3))")
        let agents = try #require((client.request(["op": "agents"], req: 2)?["result"] as? [String: Any])?["agents"] as? [[String: Any]])
        #expect(!agents.contains { ($0["agent"] as? String)?.hasPrefix("load-") == true && $0["state"] as? String != "offline" })
    }

    @Test("a second server on a port in use says so in one line and creates no journal")
    func portInUse() throws {
        let workspace = try CrashRecoveryTests.Workspace()
        let server = try ServeProcess(center: workspace.centerFile, db: workspace.db)
        defer { server.stop() }
        let other = workspace.directory.appendingPathComponent("other.sqlite").path
        let process = Process()
        process.executableURL = ServeProcess.binary
        process.arguments = ["serve", "--center", workspace.centerFile, "--db", other, "--listen", "127.0.0.1:\(server.port)"]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus != 0)
        #expect(text.contains("cannot listen on 127.0.0.1:\(server.port): the address is in use"), "\(text)")
        #expect(text.split(separator: "\n").count == 1, "\(text)")
        #expect(!FileManager.default.fileExists(atPath: other))
    }

    @Test("the banner counts the agents of the restored state")
    func bannerCountsRestoredAgents() throws {
        let workspace = try CrashRecoveryTests.Workspace()
        let first = try ServeProcess(center: workspace.centerFile, db: workspace.db)
        let client = try TestClient(port: first.port)
        #expect(client.request(["op": "agent.add", "agent": "extra"], req: 1)?["ok"] as? Bool == true)
        #expect(first.stop())
        let second = try ServeProcess(center: workspace.centerFile, db: workspace.db)
        defer { second.stop() }
        #expect(second.startup.contains("· 4 agents ·"), "\(second.startup)")
    }
}

/// The real binary when things go wrong around it: a journal it cannot replay, a log pipe that
/// closes, a crash that leaves a child process behind.
@Suite("agner serve always comes back", .serialized)
struct ComesBackTests {
    @Test("a journal with entries that cannot be replayed is set aside, reported, and the router starts from the rest")
    func unreplayableJournal() throws {
        let workspace = try CrashRecoveryTests.Workspace()
        let wide = """
            center: {departments: [billing], skills: [billing], topics: [{name: invoice, skills: [billing]}, {name: order, skills: [billing]}]}
            agents: [{name: bea, count: 3}]
            demand: [{topic: invoice, rate: 1/min}]
            """
        let wideFile = workspace.directory.appendingPathComponent("wide.yaml").path
        try wide.write(toFile: wideFile, atomically: true, encoding: .utf8)
        let first = try ServeProcess(center: wideFile, db: workspace.db, options: ["--snapshot-every", "0"])
        let client = try TestClient(port: first.port)
        #expect(client.request(["op": "hello", "role": "adapter", "name": "pbx"], req: 0)?["ok"] as? Bool == true)
        #expect(client.request(["op": "contact.arrive", "id": "keep", "channel": "email", "topic": "invoice"], req: 1)?["ok"] as? Bool == true)
        #expect(client.request(["op": "contact.arrive", "id": "lost", "channel": "email", "topic": "order"], req: 2)?["ok"] as? Bool == true)
        #expect(client.request(["op": "contact.arrive", "id": "also", "channel": "email", "topic": "invoice"], req: 3)?["ok"] as? Bool == true)
        first.kill()

        // The same journal with a center that has no topic "order".
        let second = try ServeProcess(center: workspace.centerFile, db: workspace.db)
        #expect(second.startup.contains("could not be replayed"), "\(second.startup)")
        #expect(second.startup.contains("unknown topic 'order'"), "\(second.startup)")
        let aside = try FileManager.default.contentsOfDirectory(atPath: workspace.directory.path).filter { $0.contains("unreplayable") }
        #expect(aside.contains { $0.hasSuffix("journal.sqlite.unreplayable-" + $0.split(separator: "-").last!) || !$0.isEmpty }, "\(aside)")
        #expect(!aside.isEmpty)
        let check = try TestClient(port: second.port)
        let names = try #require(check.allContacts()).compactMap { $0["contact"] as? String }
        #expect(Set(names) == ["keep", "also"])
        #expect(second.stop())

        // The new journal starts from that state and replays cleanly.
        let third = try ServeProcess(center: workspace.centerFile, db: workspace.db)
        defer { third.stop() }
        #expect(!third.startup.contains("could not be replayed"), "\(third.startup)")
        let last = try TestClient(port: third.port)
        let again = try #require(last.allContacts()).compactMap { $0["contact"] as? String }
        #expect(Set(again) == ["keep", "also"])
    }

    @Test("with --retain, journal batches a snapshot covers go to dated archives, and restarts still find everything")
    func retention() throws {
        let workspace = try CrashRecoveryTests.Workspace()
        let options = ["--snapshot-every", "20", "--retain", "0s"]
        let first = try ServeProcess(center: workspace.centerFile, db: workspace.db, options: options)
        let acknowledged = CrashRecoveryTests.arrivals(try TestClient(port: first.port), count: 100, until: 100)
        #expect(first.stop())
        let archives = try FileManager.default.contentsOfDirectory(atPath: workspace.directory.path).filter { $0.contains(".archive-") }
        #expect(!archives.isEmpty, "no archive beside the journal")
        let second = try ServeProcess(center: workspace.centerFile, db: workspace.db, options: options)
        defer { second.stop() }
        let names = Set(try #require(try TestClient(port: second.port).allContacts()).compactMap { $0["contact"] as? String })
        #expect(names == acknowledged)
    }

    @Test("with its log pipe closed, the router keeps routing and stops gracefully on SIGTERM")
    func logPipeClosed() throws {
        let workspace = try CrashRecoveryTests.Workspace()
        let server = try ServeProcess(center: workspace.centerFile, db: workspace.db, options: ["--log-level", "debug"])
        try server.errors.fileHandleForReading.close()
        let client = try TestClient(port: server.port)
        #expect(client.request(["op": "contact.arrive", "id": "c", "channel": "email", "topic": "invoice"], req: 1)?["ok"] as? Bool == true)
        #expect(server.stop(), "SIGTERM should stop it gracefully")
        #expect(server.process.terminationReason == .exit && server.process.terminationStatus == 0,
                "reason \(server.process.terminationReason.rawValue), status \(server.process.terminationStatus)")
    }

    @Test("every socket of the server is close-on-exec, listening and accepted, TCP and HTTP: no child process can keep the port or a client's connection")
    func socketsCloseOnExec() throws {
        let workspace = try CrashRecoveryTests.Workspace()
        let server = try ServeProcess(center: workspace.centerFile, db: workspace.db, options: ["--http", "127.0.0.1:0"])
        defer { server.stop() }
        let pid = server.process.processIdentifier
        let httpPort = try #require(server.startup.range(of: #"http://127\.0\.0\.1:(\d+)"#, options: .regularExpression)
            .flatMap { Int(server.startup[$0].split(separator: ":").last!) })
        // A client on each face, so that the server holds an accepted socket for each.
        let client = try TestClient(port: server.port)
        #expect(client.request(["op": "stats"], req: 1)?["ok"] as? Bool == true)
        let browser = try TestClient(port: httpPort, timeout: 1)
        browser.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        #expect(browser.readRaw().contains("HTTP/1.1 200"))
        // The server's sockets by inode: listening (state 0A) on either port, and established
        // (01) with either port as their local one. A socket the test runner left open may be
        // inherited too, but is not the server's to close.
        var listening: Set<String> = [], accepted: Set<String> = []
        let ports = Set([server.port, httpPort].map { String(format: "%04X", $0) })
        for table in ["tcp", "tcp6"] {
            // Read to its end: the table is made as it is read, and a single read gets only its first page.
            let text = String(decoding: FileHandle(forReadingAtPath: "/proc/\(pid)/net/\(table)")?.readDataToEndOfFile() ?? Data(), as: UTF8.self)
            for row in text.split(separator: "\n").dropFirst() {
                let columns = row.split(separator: " ", omittingEmptySubsequences: true)
                guard columns.count > 9, let localPort = columns[1].split(separator: ":").last, ports.contains(String(localPort)) else { continue }
                if columns[3] == "0A" { listening.insert(String(columns[9])) }
                if columns[3] == "01" { accepted.insert(String(columns[9])) }
            }
        }
        var found = (listening: 0, accepted: 0)
        for descriptor in try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(descriptor)"),
                  target.hasPrefix("socket:[") else { continue }
            let inode = String(target.dropFirst(8).dropLast())
            if listening.contains(inode) { found.listening += 1 } else if accepted.contains(inode) { found.accepted += 1 } else { continue }
            let info = try String(contentsOfFile: "/proc/\(pid)/fdinfo/\(descriptor)", encoding: .utf8)
            let flags = info.split(separator: "\n").first { $0.hasPrefix("flags:") }.map { $0.split(separator: "\t").last.map(String.init) ?? "" } ?? ""
            let value = Int(flags.trimmingCharacters(in: .whitespaces), radix: 8) ?? 0
            #expect(value & 0o2000000 != 0, "socket descriptor \(descriptor) is not close-on-exec (flags \(flags))")
        }
        #expect(found.listening >= 2)
        withExtendedLifetime((client, browser)) {}
        #expect(found.accepted >= 2, "the server's accepted sockets were not found")
    }

    @Test("with nobody reading its log, the router still serves every client (lines past the log's buffer are dropped, not waited for)")
    func unreadLogNeverBlocks() throws {
        let workspace = try CrashRecoveryTests.Workspace()
        // Debug logging: two lines for each connection opened and closed. Nobody reads stderr
        // after the start: a 64 KiB pipe fills within a few hundred connections.
        let server = try ServeProcess(center: workspace.centerFile, db: workspace.db, options: ["--log-level", "trace"])
        defer { server.stop() }
        let deadline = Date().addingTimeInterval(120)
        var served = 0
        for index in 0..<3000 where Date() < deadline {
            let client = try TestClient(port: server.port, timeout: 10)
            guard client.request(["op": "stats"], req: index)?["ok"] as? Bool == true else { break }
            served += 1
        }
        #expect(served == 3000, "the router stopped answering after \(served) connections")
    }

    @Test("as an unprivileged user the router serves its clients and agner load drives it (TCP_NODELAY set at the TCP level: at the socket level it was SO_DEBUG, refused without privileges, and every connection was dropped); a snapshot it may not read is left in place")
    func unprivilegedUser() throws {
        // Dropping to nobody needs root and setpriv (util-linux); CI runs as root.
        let setpriv = "/usr/bin/setpriv"
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: setpriv) else { return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("agner-nobody-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
        defer { try? FileManager.default.removeItem(at: directory) }
        let center = directory.appendingPathComponent("center.yaml").path
        try CrashRecoveryTests.center.write(toFile: center, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: center)
        let nobody = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
        let server = try ServeProcess(center: center, db: directory.appendingPathComponent("journal.sqlite").path, launcher: nobody)
        defer { server.stop() }
        let client = try TestClient(port: server.port)
        #expect(client.request(["op": "hello", "role": "adapter", "name": "pbx"], req: 1)?["ok"] as? Bool == true)
        let load = try AgnerRun.run(["\(nobody.joined(separator: " ")) \(ServeProcess.binary.path) load --connect 127.0.0.1:\(server.port) --connections 2 --duration 1s --pipeline 2"], shell: true)
        #expect(load.status == 0 && load.output.contains("requests/s"), "\(load.output)\(load.errors)")
        // A graceful stop leaves a snapshot; made unreadable to the router's user, it is left
        // where it is (nothing is wrong with it) and the router comes up from the journal.
        #expect(server.stop())
        let snapshot = directory.appendingPathComponent("journal.sqlite-snapshot").path
        try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: snapshot)
        let again = try ServeProcess(center: center, db: directory.appendingPathComponent("journal.sqlite").path, launcher: nobody)
        defer { again.stop() }
        #expect(again.startup.contains("permission denied") && again.startup.contains("left in place and not used"), "\(again.startup)")
        #expect(FileManager.default.fileExists(atPath: snapshot))
    }

    @Test("a name that only looks like loopback is not: serving on it without tokens is refused")
    func lookalikeLoopbackRefused() throws {
        let workspace = try CrashRecoveryTests.Workspace()
        let process = Process()
        process.executableURL = ServeProcess.binary
        process.arguments = ["serve", "--center", workspace.centerFile, "--db", workspace.db, "--listen", "127.0.0.1.example.invalid:0"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(text.contains("refusing to listen on 127.0.0.1.example.invalid without --tokens"), "\(text)")
        #expect(!FileManager.default.fileExists(atPath: workspace.db))
    }
}

@Suite("What if, from now", .serialized)
struct WhatIfTests {
    static let center = """
        center:
          departments: [billing]
          skills: [billing]
          topics: [{name: invoice, skills: [billing]}]
        agents: [{name: bea, count: 2}]
        demand: [{channel: phone, topic: invoice, rate: 60/h}]
        handling: {default: 5min}
        patience: {default: 10min}
        """

    @Test("over TCP: a forecast of the next half hour from the live state, with and without more agents")
    func forecastOverTCP() throws {
        let workspace = try CrashRecoveryTests.Workspace()
        try Self.center.write(toFile: workspace.centerFile, atomically: true, encoding: .utf8)
        let server = try ServeProcess(center: workspace.centerFile, db: workspace.db)
        defer { server.stop() }
        let pbx = try TestClient(port: server.port)
        #expect(pbx.request(["op": "hello", "role": "adapter", "name": "pbx"], req: 0)?["ok"] as? Bool == true)
        #expect(pbx.request(["op": "agent.state", "agent": "bea-1", "state": "available"], req: 1)?["ok"] as? Bool == true)
        for index in 0..<8 { pbx.send(json: ["op": "contact.arrive", "id": "c\(index)", "channel": "phone", "topic": "invoice", "req": 100 + index]) }
        #expect(pbx.reply(to: 107)?["ok"] as? Bool == true)
        let process = Process()
        process.executableURL = ServeProcess.binary
        process.arguments = ["whatif", "--connect", "127.0.0.1:\(server.port)", "--add", "bea=6", "--horizon", "30min",
                             "--replications", "5", "--format", "json"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let result = try #require(try JSONSerialization.jsonObject(with: output.fileHandleForReading.readDataToEndOfFile()) as? [String: Any])
        func serviceLevel(_ side: String) -> Double? {
            ((result[side] as? [[String: Any]])?.first { $0["channel"] as? String == "phone" }?["service_level"] as? [String: Any])?["mean"] as? Double
        }
        let now = try #require(serviceLevel("baseline"))
        let more = try #require(serviceLevel("with_change"))
        #expect(more > now + 0.2, "with six more agents: \(more), as staffed now: \(now)")
        // The router went on routing meanwhile.
        #expect(pbx.request(["op": "stats"], req: 500)?["ok"] as? Bool == true)
    }
}
