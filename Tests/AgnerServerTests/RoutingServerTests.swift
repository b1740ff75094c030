@testable import AgnerProtocol
import AgnerCore
import AgnerTestSupport
import Foundation
import Logging
import Testing
@testable import AgnerServer

/// The real server on 127.0.0.1, port 0, ended by a graceful shutdown.
final class LiveServer {
    let server: RoutingServer
    let journal: MemoryJournal
    let port: Int

    /// - Parameter prepare: runs on the router before the server starts (to fill it quickly).
    init(target: Double = 60, tokens: [String: Grant]? = nil, configuration: ServerConfiguration = ServerConfiguration(port: 0),
         journal: MemoryJournal = MemoryJournal(), journaled: Bool = true, prepare: (LiveRouter) -> Void = { _ in }) throws {
        self.journal = journal
        let agents = (1...3).map { n in
            LiveRouter.Agent(name: "bea-\(n)", profile: AgentProfile(id: AgentID(0), department: DepartmentID(0), skills: [SkillLevel(SkillID(0), 4)]))
        }
        let router = try LiveRouter(settings: .init(center: Harness.center(target: target), agents: agents, tokens: tokens),
                                    clock: { Date().timeIntervalSince1970 }, journal: journal)
        prepare(router)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        // Without a journal for the server, nothing is committed and no snapshot is stored at
        // the end (a debug build takes seconds to encode a large state).
        server = RoutingServer(configuration: configuration, router: router, journal: journaled ? journal : nil, logger: logger)
        port = try server.start()
    }

    deinit { server.shutdown() }

    func client() throws -> TestClient { try TestClient(port: port) }
}

@Suite("Routing server over TCP", .serialized)
struct RoutingServerTests {
    @Test("a call over TCP: the offer reaches the adapter that announced it, and the journal holds every accepted command")
    func callOverTCP() throws {
        let live = try LiveServer()
        let pbx = try live.client()
        #expect(pbx.request(["op": "hello", "role": "adapter", "name": "pbx", "protocol": 1], req: 1)?["ok"] as? Bool == true)
        #expect(pbx.request(["op": "agent.state", "agent": "bea-1", "state": "available"], req: 2)?["ok"] as? Bool == true)
        pbx.send(json: ["op": "contact.arrive", "id": "call-1", "channel": "phone", "topic": "invoice", "req": 3])
        let offer = try #require(pbx.read { $0["event"] as? String == "offer" })
        #expect(offer["agent"] as? String == "bea-1")
        #expect(pbx.request(["op": "offer.accept", "contact": "call-1", "agent": "bea-1"], req: 4)?["ok"] as? Bool == true)
        #expect(pbx.request(["op": "contact.complete", "id": "call-1"], req: 5)?["ok"] as? Bool == true)
        #expect(live.journal.committed.map { try! WireObject(parsing: $0.line).string("op") } == ["agent.state", "internal.agent_manager", "contact.arrive", "offer.accept", "contact.complete"])
    }

    @Test("two adapters at once each get their own offers")
    func twoAdapters() throws {
        let live = try LiveServer()
        let pbx = try live.client(), web = try live.client()
        _ = pbx.request(["op": "hello", "role": "adapter", "name": "pbx"], req: 1)
        _ = web.request(["op": "hello", "role": "adapter", "name": "web"], req: 1)
        _ = pbx.request(["op": "agent.state", "agent": "bea-1", "state": "available"], req: 2)
        _ = web.request(["op": "agent.state", "agent": "bea-2", "state": "available"], req: 2)
        pbx.send(json: ["op": "contact.arrive", "id": "p1", "channel": "phone", "topic": "invoice", "req": 3])
        web.send(json: ["op": "contact.arrive", "id": "w1", "channel": "chat", "topic": "invoice", "req": 3])
        #expect(pbx.read { $0["event"] as? String == "offer" }?["contact"] as? String == "p1")
        #expect(web.read { $0["event"] as? String == "offer" }?["contact"] as? String == "w1")
    }

    @Test("two connections accepting the same offer: exactly one succeeds")
    func concurrentAccepts() throws {
        let live = try LiveServer()
        let a = try live.client(), b = try live.client()
        _ = a.request(["op": "agent.state", "agent": "bea-1", "state": "available"], req: 1)
        _ = a.request(["op": "contact.arrive", "id": "c1", "channel": "phone", "topic": "invoice"], req: 2)
        a.send(json: ["op": "offer.accept", "contact": "c1", "agent": "bea-1", "req": 10])
        b.send(json: ["op": "offer.accept", "contact": "c1", "agent": "bea-1", "req": 10])
        let results = [a.reply(to: 10)?["ok"] as? Bool, b.reply(to: 10)?["ok"] as? Bool]
        #expect(results.filter { $0 == true }.count == 1)
        #expect(results.filter { $0 == false }.count == 1)
    }

    @Test("a bad line gets its error and the connection stays usable", arguments: [
        ("{oops\n", "bad_json"),
        (String(repeating: "x", count: 70_000) + "\n", "line_too_long"),
        (#"{"op":"nope"}"# + "\n", "unknown_op"),
    ])
    func badLinesOverTCP(line: String, code: String) throws {
        let live = try LiveServer()
        let client = try live.client()
        client.send(line)
        let reply = try #require(client.readLine())
        #expect((reply["error"] as? [String: Any])?["code"] as? String == code)
        #expect(client.request(["op": "stats"], req: 7)?["ok"] as? Bool == true)
    }

    @Test("lines are framed however the bytes arrive: split across reads, CRLF, several in one read")
    func framing() throws {
        let live = try LiveServer()
        let client = try live.client()
        // One request in three pieces, with a pause so they arrive as separate reads.
        for piece in [#"{"op":"st"#, #"ats","re"#, "q\":1}\r\n"] {
            client.sendRaw(piece)
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(client.reply(to: 1)?["ok"] as? Bool == true)
        // Three requests in one write, one of them ending in CRLF.
        client.sendRaw(#"{"op":"stats","req":2}"# + "\n" + #"{"op":"stats","req":3}"# + "\r\n" + #"{"op":"stats","req":4}"# + "\n")
        #expect(client.reply(to: 2)?["ok"] as? Bool == true)
        #expect(client.reply(to: 3)?["ok"] as? Bool == true)
        #expect(client.reply(to: 4)?["ok"] as? Bool == true)
    }

    @Test("a line too long is reported once, even when it arrives over many reads, and the next line is served")
    func longLineOverManyReads() throws {
        let live = try LiveServer()
        let client = try live.client()
        let chunk = String(repeating: "y", count: 20_000)
        for _ in 0..<5 {  // 100,000 bytes before the newline, in five writes
            client.sendRaw(chunk)
            Thread.sleep(forTimeInterval: 0.02)
        }
        client.sendRaw("\n" + #"{"op":"stats","req":9}"# + "\n")
        let first = try #require(client.readLine())
        #expect((first["error"] as? [String: Any])?["code"] as? String == "line_too_long")
        let second = try #require(client.readLine())
        #expect(second["re"] as? Int == 9 && second["ok"] as? Bool == true, "one error for the long line, then the reply: \(second)")
    }

    @Test("escalation, breach warning and breach are pushed on time with no client traffic")
    func timersFireOnTheirOwn() throws {
        let live = try LiveServer(target: 0.4)
        let wall = try live.client()
        _ = wall.request(["op": "subscribe", "events": ["contact.escalated", "contact.breached"]], req: 1)
        _ = wall.request(["op": "contact.arrive", "id": "c1", "channel": "phone", "topic": "invoice"], req: 2)
        let breach = try #require(wall.read { $0["event"] as? String == "contact.breached" })
        #expect(breach["cause"] as? String == "nobodyEligibleLoggedIn")
    }

    @Test("with tokens, a connection that never says hello is closed")
    func authenticationTimeout() throws {
        let live = try LiveServer(tokens: ["supervisor-secret": .supervisor],
                                  configuration: ServerConfiguration(port: 0, authenticationTimeout: .milliseconds(200)))
        let client = try live.client()
        #expect(client.readLine() == nil)  // closed, not timed out: readLine returns nil at once on close
    }

    @Test("past the connection limit a client is told it is overloaded")
    func connectionLimit() throws {
        let live = try LiveServer(configuration: ServerConfiguration(port: 0, maximumConnections: 1))
        let first = try live.client()
        _ = first.request(["op": "stats"], req: 1)
        let second = try live.client()
        #expect((second.readLine()?["error"] as? [String: Any])?["code"] as? String == "overloaded")
    }
}

extension RoutingServerTests {
    @Test("a reader that never reads is disconnected once its unsent output passes the limit and it drains nothing")
    func slowReaderIsDisconnected() throws {
        let live = try LiveServer(configuration: ServerConfiguration(port: 0, outboundLimit: 64 * 1024, stallTimeout: .milliseconds(300)))
        let slow = try TestClient(port: live.port, timeout: 2, receiveBuffer: 4096)
        // Every `agents` reply is a few hundred bytes; ask for far more than the kernel buffers
        // and the 64 KiB limit hold, reading nothing. Bounded: at most 50,000 requests, and the
        // sends time out once the server stops reading.
        slow.setSendTimeout(0.5)
        let request = String(repeating: #"{"op":"agents"}"# + "\n", count: 100)
        var sent = 0
        while sent < 50_000, slow.sendRaw(request) { sent += 100 }
        Thread.sleep(forTimeInterval: 1.5)  // reading nothing for longer than the stall timeout
        var replies = 0
        while slow.readLine() != nil { replies += 1 }
        #expect(replies < sent)  // cut off, not answered in full
        // Everyone else is unaffected.
        let other = try live.client()
        #expect(other.request(["op": "stats"], req: 1)?["ok"] as? Bool == true)
    }

    @Test("a reader that only trickles (a few bytes now and then) is disconnected like one that reads nothing")
    func tricklingReaderIsDisconnected() throws {
        let live = try LiveServer(configuration: ServerConfiguration(port: 0, outboundLimit: 64 * 1024, stallTimeout: .milliseconds(300)))
        let slow = try TestClient(port: live.port, timeout: 0.05, receiveBuffer: 4096)
        slow.setSendTimeout(0.5)
        let request = String(repeating: #"{"op":"agents"}"# + "\n", count: 100)
        var sent = 0
        while sent < 50_000, slow.sendRaw(request) { sent += 100 }
        // 2 KiB every 100 ms, for at most 10 s: the server must give up on it, though it never
        // quite stops reading. (Its trickle frees too little of the server's socket buffer for
        // the kernel to take more of the unsent output: the server sees it drain nothing.)
        var received = 0, closed = false
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            guard let bytes = slow.receive(atMost: 2048) else {
                closed = true
                break
            }
            received += bytes.count
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(closed, "a trickling reader stayed connected (\(received) bytes read)")
        let other = try live.client()
        #expect(other.request(["op": "stats"], req: 1)?["ok"] as? Bool == true)
    }
}
