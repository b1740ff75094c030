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
            let load = Process()
            load.executableURL = ServeProcess.binary
            load.arguments = ["load", "--connect", "127.0.0.1:\(server.port)", "--connections", "2", "--duration", "1s", "--pipeline", "2"]
            let output = Pipe()
            load.standardOutput = output
            try load.run()
            load.waitUntilExit()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(load.terminationStatus == 0)
            let completed = text.split(separator: " ").firstIndex(of: "contacts").map { Int(text.split(separator: " ")[$0 - 1]) ?? 0 } ?? 0
            #expect(completed > 10, "\(text)")
            #expect(!text.contains("errors:"), "\(text)")
        }
        let client = try TestClient(port: server.port)
        let contacts = try #require(client.request(["op": "contacts"], req: 1)?["result"] as? [[String: Any]])
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
