@testable import AgnerProtocol
import AgnerCore
import AgnerTestSupport
import Foundation
import Testing
@testable import AgnerServer

/// Each client may touch only what is its own, and nobody can lock the others out.
@Suite("Trust between clients")
struct TrustTests {
    static let tokens: [String: Grant] = ["a-token-1": .adapter("pbx-a"), "b-token-1": .adapter("pbx-b"), "boss-token": .supervisor]

    /// Adapter A (session 1) with a call offered to bea, and its agent sam on a break; adapter B is session 2.
    static func twoAdapters() -> Harness {
        let h = Harness(tokens: tokens)
        h.router.connect(SessionID(1))
        h.router.connect(SessionID(2))
        #expect(h.reply(#"{"op":"hello","role":"adapter","token":"a-token-1","req":0}"#, from: 1)["ok"] as? Bool == true)
        #expect(h.reply(#"{"op":"hello","role":"adapter","token":"b-token-1","req":0}"#, from: 2)["ok"] as? Bool == true)
        h.send(#"{"op":"agent.state","agent":"bea","state":"available"}"#, from: 1)
        h.send(#"{"op":"agent.state","agent":"sam","state":"onBreak"}"#, from: 1)
        h.send(#"{"op":"contact.arrive","id":"a-call","channel":"phone","topic":"invoice"}"#, from: 1)
        return h
    }

    @Test("an adapter cannot act on another adapter's contacts", arguments: [
        #"{"op":"offer.accept","contact":"a-call","agent":"bea","req":1}"#,
        #"{"op":"offer.reject","contact":"a-call","agent":"bea","req":1}"#,
        #"{"op":"contact.abandon","id":"a-call","req":1}"#,
        #"{"op":"contact.complete","id":"a-call","req":1}"#,
    ])
    func othersContacts(line: String) {
        let h = Self.twoAdapters()
        #expect(errorCode(h.reply(line, from: 2)) == "forbidden")
        #expect(h.reply(line, from: 1)["re"] != nil)  // its owner may
    }

    @Test("an adapter cannot change the state of agents another adapter manages", arguments: ["available", "offline", "onBreak"])
    func othersAgents(state: String) {
        let h = Self.twoAdapters()
        #expect(errorCode(h.reply(#"{"op":"agent.state","agent":"sam","state":"\#(state)","req":1}"#, from: 2)) == "forbidden")
        // Once A logs sam out, sam is nobody's: B may log sam in.
        #expect(h.reply(#"{"op":"agent.state","agent":"sam","state":"offline","req":2}"#, from: 1)["ok"] as? Bool == true)
        #expect(h.reply(#"{"op":"agent.state","agent":"sam","state":"available","req":3}"#, from: 2)["ok"] as? Bool == true)
    }

    @Test("a supervisor's log-out lets the agent go: another adapter may then log it in, also after a replay")
    func supervisorLogOutReleases() throws {
        let h = Self.twoAdapters()
        h.router.connect(SessionID(4))
        #expect(h.reply(#"{"op":"hello","role":"supervisor","token":"boss-token","req":0}"#, from: 4)["ok"] as? Bool == true)
        // A supervisor's other changes leave the manager as it was.
        #expect(h.reply(#"{"op":"agent.state","agent":"sam","state":"available","req":1}"#, from: 4)["ok"] as? Bool == true)
        #expect(errorCode(h.reply(#"{"op":"agent.state","agent":"sam","state":"onBreak","req":2}"#, from: 2)) == "forbidden")
        #expect(h.reply(#"{"op":"agent.state","agent":"sam","state":"offline","req":3}"#, from: 4)["ok"] as? Bool == true)
        _ = try h.journal.commit()
        let replayed = Harness(tokens: Self.tokens)
        try replayed.router.replay(h.journal.committed)
        for router in [h, replayed] {
            router.router.connect(SessionID(5))
            _ = router.reply(#"{"op":"hello","role":"adapter","token":"b-token-1","req":0}"#, from: 5)
            #expect(router.reply(#"{"op":"agent.state","agent":"sam","state":"available","req":4}"#, from: 5)["ok"] as? Bool == true)
        }
    }

    @Test("agents the center assigns to an adapter stay its own: another adapter cannot log them in first")
    func assignedAgents() {
        let h = Harness(tokens: Self.tokens, assignments: ["sam": "pbx-a"])
        h.router.connect(SessionID(1))
        h.router.connect(SessionID(2))
        _ = h.reply(#"{"op":"hello","role":"adapter","token":"a-token-1","req":0}"#, from: 1)
        _ = h.reply(#"{"op":"hello","role":"adapter","token":"b-token-1","req":0}"#, from: 2)
        #expect(errorCode(h.reply(#"{"op":"agent.state","agent":"sam","state":"available","req":1}"#, from: 2)) == "forbidden")
        #expect(h.reply(#"{"op":"agent.state","agent":"sam","state":"available","req":2}"#, from: 1)["ok"] as? Bool == true)
        #expect(h.reply(#"{"op":"agent.state","agent":"sam","state":"offline","req":3}"#, from: 1)["ok"] as? Bool == true)
        // Logged out, still pbx-a's.
        #expect(errorCode(h.reply(#"{"op":"agent.state","agent":"sam","state":"available","req":4}"#, from: 2)) == "forbidden")
        // Unassigned bea: whoever logs her in first.
        #expect(h.reply(#"{"op":"agent.state","agent":"bea","state":"available","req":5}"#, from: 2)["ok"] as? Bool == true)
    }

    @Test("an adapter token speaks only for the adapters it names: B cannot say hello as A and get its offers")
    func helloAsAnother() {
        let h = Self.twoAdapters()
        h.router.connect(SessionID(3))
        let reply = h.reply(#"{"op":"hello","role":"adapter","name":"pbx-a","token":"b-token-1","req":1}"#, from: 3)
        #expect(errorCode(reply) == "forbidden")
        #expect(h.router.isAuthenticated(SessionID(3)) == false)
    }

    @Test("a supervisor may act on anything")
    func supervisorMayAll() {
        let h = Self.twoAdapters()
        h.router.connect(SessionID(4))
        #expect(h.reply(#"{"op":"hello","role":"supervisor","token":"boss-token","req":0}"#, from: 4)["ok"] as? Bool == true)
        #expect(h.reply(#"{"op":"agent.state","agent":"sam","state":"available","req":1}"#, from: 4)["ok"] as? Bool == true)
        #expect(h.reply(#"{"op":"contact.abandon","id":"a-call","req":2}"#, from: 4)["ok"] as? Bool == true)
    }

    @Test("who manages an agent is journaled: a replay enforces the same ownership")
    func managersReplay() throws {
        let h = Self.twoAdapters()
        _ = try h.journal.commit()
        let replayed = Harness(tokens: Self.tokens)
        try replayed.router.replay(h.journal.committed)
        replayed.router.connect(SessionID(2))
        _ = replayed.reply(#"{"op":"hello","role":"adapter","token":"b-token-1","req":0}"#, from: 2)
        #expect(errorCode(replayed.reply(#"{"op":"agent.state","agent":"sam","state":"available","req":1}"#, from: 2)) == "forbidden")
    }
}

@Suite("Trust over TCP", .serialized)
struct TrustOverTCPTests {
    @Test("under a flood of silent connections, a supervisor's token still gets in")
    func floodOfSilentConnections() throws {
        let live = try LiveServer(tokens: ["boss-token": .supervisor],
                                  configuration: ServerConfiguration(port: 0, maximumConnections: 8, maximumUnauthenticated: 8))
        var silent: [TestClient] = []
        for _ in 0..<40 { silent.append(try TestClient(port: live.port, timeout: 1)) }
        Thread.sleep(forTimeInterval: 0.2)
        let boss = try live.client()
        #expect(boss.request(["op": "hello", "role": "supervisor", "token": "boss-token"], req: 1)?["ok"] as? Bool == true)
        #expect(boss.request(["op": "stats"], req: 2)?["ok"] as? Bool == true)
        withExtendedLifetime(silent) {}
    }

    @Test("a prompt reader gets every page of 30,000 open contacts, and the connection stays open")
    func largeListsArePaged() throws {
        let live = try LiveServer(configuration: ServerConfiguration(port: 0, outboundLimit: 1024 * 1024))
        let pbx = try live.client()
        _ = pbx.request(["op": "hello", "role": "adapter", "name": "pbx"], req: 0)
        let long = String(repeating: "x", count: 150)
        for batch in 0..<30 {
            var text = ""
            for index in 0..<1000 { text += #"{"op":"contact.arrive","id":"\#(long)-\#(batch)-\#(index)","channel":"email","topic":"invoice"}"# + "\n" }
            pbx.send(text)
            for _ in 0..<1000 { _ = pbx.readLine() }
        }
        let all = try #require(pbx.allContacts(limit: 2000))
        #expect(all.count == 30_000)
        #expect(pbx.request(["op": "stats"], req: 1)?["ok"] as? Bool == true)
    }
}
