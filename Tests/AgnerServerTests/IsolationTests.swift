import AgnerCore
import AgnerProtocol
import AgnerTestSupport
import Foundation
import Testing
@testable import AgnerServer

@Suite("What a client sends, the journal keeps in canonical form", .serialized)
struct CanonicalJournalTests {
    @Test("a journal line holds the operation's own fields: a client's req and extra fields are not kept, however large")
    func journalKeepsCanonicalLines() throws {
        let live = try LiveServer()
        let pbx = try live.client()
        let padding = String(repeating: "p", count: 20_000)
        #expect(pbx.request(["op": "hello", "role": "adapter", "name": "pbx"], req: 0)?["ok"] as? Bool == true)
        // A request padded to 50 KB of JSON (two 20,000-byte strings and a 10,000-byte req),
        // under the 64 KiB line limit.
        let tag = String(padding.prefix(10_000))
        pbx.send(json: ["op": "contact.arrive", "id": "c1", "channel": "email", "topic": "invoice",
                        "junk": padding, "note": ["nested": padding], "req": tag])
        let reply = pbx.read { $0["re"] as? String == tag }
        #expect(reply?["ok"] as? Bool == true, "\(reply ?? [:])")
        #expect(pbx.request(["op": "agent.state", "agent": "bea-1", "state": "onBreak", "whatever": [1, 2, 3]], req: 2)?["ok"] as? Bool == true)
        let journal = live.journal  // (the closure must not hold the server: its last release would stop it on its own loop)
        let lines = try live.server.loop.submit { journal.committed.map(\.line) }.wait()
        // (The adapter's agent.state also journals that it now manages the agent.)
        #expect(lines.count == 3, "\(lines)")
        for line in lines {
            #expect(line.utf8.count < 200, "a journal line of \(line.utf8.count) bytes: \(line.prefix(120))")
            #expect(!line.contains("junk") && !line.contains("\"req\"") && !line.contains("whatever") && !line.contains("ppp"))
        }
        #expect(lines.first?.contains(#""id":"c1""#) == true)
        #expect(lines.dropFirst().first?.contains(#""state":"onBreak""#) == true)
    }
}

@Suite("Logging never blocks the router")
struct LogSinkTests {
    @Test("with nobody reading its pipe, writing a line never blocks: lines past the buffer are dropped, counted, and the count is written once the pipe is read")
    func logSinkNeverBlocks() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        let sink = LogSink(descriptor: ends[1], capacity: 16 * 1024)
        let line = String(repeating: "x", count: 99) + "\n"
        // 20,000 lines (2 MB) into a 64 KiB pipe and a 16 KiB buffer: a blocking log would
        // stop at the first few hundred.
        let finished = DispatchSemaphore(value: 0)
        Thread {
            for _ in 0..<20_000 { sink.write(line) }
            finished.signal()
        }.start()
        #expect(finished.wait(timeout: .now() + 30) == .success, "writing to the log blocked")
        #expect(sink.dropped > 10_000)
        // Read the pipe: what got through, then the count of what did not.
        let flags = fcntl(ends[0], F_GETFL)
        _ = fcntl(ends[0], F_SETFL, flags | O_NONBLOCK)
        var text = ""
        var chunk = [UInt8](repeating: 0, count: 65536)
        let deadline = Date().addingTimeInterval(30)
        while !text.contains("dropped"), Date() < deadline {
            let count = read(ends[0], &chunk, chunk.count)
            if count > 0 {
                text += String(decoding: chunk[..<count], as: UTF8.self)
            } else {
                Thread.sleep(forTimeInterval: 0.01)
            }
        }
        let report = try #require(text.split(separator: "\n").first { $0.contains("dropped") }, "no line said how many were dropped")
        #expect(report.hasPrefix("agner: ") && report.contains("log lines dropped"), "\(report)")
        #expect(!text.split(separator: "\n").contains { !$0.hasPrefix("agner: ") && $0.count != 99 }, "a line was cut")
    }
}

@Suite("File descriptors for connections")
struct DescriptorBudgetTests {
    @Test("limits that fit the open-file limit are kept as asked")
    func fits() throws {
        let plan = try DescriptorBudget.plan(limit: 65536, maximumConnections: 1024, maximumUnauthenticated: 64, httpConnections: 256)
        #expect(plan.maximumConnections == 1024 && plan.maximumUnauthenticated == 64 && plan.httpConnections == 256)
        #expect(plan.notes.isEmpty)
    }

    @Test("under a low open-file limit, connections are lowered so the journal's reserve is always left, and the start says so",
          arguments: [256, 512, 1024, 1100])
    func lowered(limit: Int) throws {
        let plan = try DescriptorBudget.plan(limit: limit, maximumConnections: 1024, maximumUnauthenticated: 64, httpConnections: 256)
        #expect(plan.maximumConnections + plan.maximumUnauthenticated + plan.httpConnections <= limit - ServerLimits.descriptorReserve)
        #expect(plan.maximumConnections >= 1 && plan.maximumUnauthenticated >= 1 && plan.httpConnections >= 1)
        #expect(plan.notes.contains { $0.contains("--max-connections lowered from 1024") }, "\(plan.notes)")
    }

    @Test("an open-file limit that leaves no room for connections is refused with the reason")
    func tooFew() {
        #expect(throws: DescriptorBudget.TooFew.self) {
            try DescriptorBudget.plan(limit: 100, maximumConnections: 1024, maximumUnauthenticated: 64, httpConnections: 0)
        }
    }
}

@Suite("Only a loopback address may go without tokens")
struct LoopbackTests {
    @Test("an address is loopback only once resolved", arguments: [
        ("127.0.0.1", true), ("127.8.9.10", true), ("::1", true), ("localhost", true),
        ("127.0.0.1.example.invalid", false), ("127.example.invalid", false), ("0.0.0.0", false), ("::", false),
        ("10.0.0.1", false), ("", false),
    ])
    func loopback(host: String, expected: Bool) {
        #expect(ListeningSocket.isLoopback(host) == expected)
    }
}
