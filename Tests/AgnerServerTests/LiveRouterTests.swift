@testable import AgnerProtocol
import AgnerCore
import Foundation
import Testing
@testable import AgnerServer

/// A clock the test moves by hand.
final class TestClock: @unchecked Sendable {
    var now: Double = 1_800_000_000
    func read() -> Double { now }
}

/// An in-memory journal.
final class MemoryJournal: CommandJournal, @unchecked Sendable {
    var pending: [JournalEntry] = []
    var committed: [JournalEntry] = []
    var snapshots: [(sequence: Int64, data: [UInt8])] = []
    let lock = NSLock()
    func append(time: Double, origin: String, line: UnsafeRawBufferPointer) throws {
        pending.append(JournalEntry(time: time, origin: origin, line: String(decoding: line, as: UTF8.self)))
    }
    func commit() throws -> Int64 {
        committed += pending
        pending = []
        return Int64(committed.count)
    }
    func saveSnapshot(_ data: [UInt8], through sequence: Int64) throws {
        lock.withLock { snapshots.append((sequence, data)) }
    }
}

struct Harness {
    let clock = TestClock()
    let journal: MemoryJournal
    let router: LiveRouter

    static func center(target: Double = 60, wrapUp: Double = 0) -> CenterConfiguration {
        var channels = PerChannel(phone: ChannelSettings.standard(for: .phone), chat: .standard(for: .chat),
                                  email: .standard(for: .email), clickToCall: .standard(for: .clickToCall))
        channels.phone.answerTarget = target
        for channel in Channel.allCases { channels[channel].wrapUp = wrapUp }
        return try! CenterConfiguration(
            departments: ["billing", "sales"], skills: ["billing", "orders"],
            topics: [Topic(name: "invoice", requiredSkills: [SkillID(0)], owningDepartment: DepartmentID(0)),
                     Topic(name: "order", requiredSkills: [SkillID(1)], owningDepartment: DepartmentID(1))],
            channels: channels)
    }

    init(target: Double = 60, wrapUp: Double = 0, tokens: [String: Grant]? = nil, grace: Double = 120,
         calendar: OpeningCalendar? = nil, journal: MemoryJournal = MemoryJournal(), assignments: [String: String] = [:]) {
        self.journal = journal
        let agents = [
            LiveRouter.Agent(name: "bea", profile: AgentProfile(id: AgentID(0), department: DepartmentID(0), skills: [SkillLevel(SkillID(0), 4)]),
                             adapter: assignments["bea"]),
            LiveRouter.Agent(name: "sam", profile: AgentProfile(id: AgentID(0), department: DepartmentID(1), skills: [SkillLevel(SkillID(1), 4)]),
                             adapter: assignments["sam"]),
        ]
        let clock = self.clock
        router = try! LiveRouter(settings: .init(center: Self.center(target: target, wrapUp: wrapUp), agents: agents, tokens: tokens,
                                                 adapterGrace: grace, calendar: calendar),
                                 clock: { clock.read() }, journal: journal)
    }

    /// Sends a line; returns every line produced, as JSON objects, with who gets them.
    @discardableResult
    func send(_ line: String, from session: Int) -> [(Int, [String: Any])] {
        router.handle(line: line, from: SessionID(session)).map { output in
            (output.session.raw, try! JSONSerialization.jsonObject(with: Data(output.line.utf8)) as! [String: Any])
        }
    }

    func reply(_ line: String, from session: Int) -> [String: Any] {
        send(line, from: session).first { $0.0 == session && $0.1["re"] != nil }!.1
    }
}

func errorCode(_ reply: [String: Any]) -> String? {
    (reply["error"] as? [String: Any])?["code"] as? String
}

@Suite("Live router")
struct LiveRouterTests {
    @Test("a phone call's whole life: arrive, offer to the announcing adapter, accept, complete")
    func phoneLifecycle() throws {
        let h = Harness()
        h.router.connect(SessionID(1))
        h.router.connect(SessionID(2))
        #expect(h.reply(#"{"op":"hello","role":"adapter","name":"pbx","protocol":1,"req":1}"#, from: 1)["ok"] as? Bool == true)
        #expect(h.reply(#"{"op":"hello","role":"adapter","name":"chatbox","req":1}"#, from: 2)["ok"] as? Bool == true)
        h.send(#"{"op":"agent.state","agent":"bea","state":"available","req":2}"#, from: 1)
        let lines = h.send(#"{"op":"contact.arrive","id":"call-1","channel":"phone","topic":"invoice","req":"x"}"#, from: 1)
        let reply = try #require(lines.first)
        #expect(reply.1["re"] as? String == "x")
        #expect((reply.1["result"] as? [String: Any])?["state"] as? String == "offered")
        let offer = try #require(lines.first { $0.1["event"] as? String == "offer" })
        #expect(offer.0 == 1)  // to the adapter that announced it, not to the chat adapter
        #expect(offer.1["agent"] as? String == "bea")
        #expect((offer.1["why"] as? String)?.contains("longest idle") == true)
        #expect(!lines.contains { $0.0 == 2 })
        #expect(h.reply(#"{"op":"offer.accept","contact":"call-1","agent":"bea","req":3}"#, from: 1)["ok"] as? Bool == true)
        let done = h.reply(#"{"op":"contact.complete","id":"call-1","req":4}"#, from: 1)
        #expect((done["result"] as? [String: Any])?["state"] as? String == "ended")
        // The four requests, and that adapter pbx now manages bea.
        #expect(h.journal.pending.map { try! WireObject(parsing: $0.line).string("op") }
                == ["agent.state", "internal.agent_manager", "contact.arrive", "offer.accept", "contact.complete"])
    }

    @Test("each channel can be announced, offered and completed", arguments: ["phone", "chat", "email", "clickToCall"])
    func everyChannel(channel: String) {
        let h = Harness()
        h.router.connect(SessionID(1))
        h.send(#"{"op":"agent.state","agent":"bea","state":"available"}"#, from: 1)
        let lines = h.send(#"{"op":"contact.arrive","id":"c","channel":"\#(channel)","topic":"invoice"}"#, from: 1)
        #expect(lines.contains { $0.1["event"] as? String == "offer" })
        #expect(h.reply(#"{"op":"offer.accept","contact":"c","agent":"bea","req":1}"#, from: 1)["ok"] as? Bool == true)
        #expect(h.reply(#"{"op":"contact.complete","id":"c","req":2}"#, from: 1)["ok"] as? Bool == true)
    }

    @Test("every error code comes back with the connection still usable", arguments: [
        ("{not json", "bad_json"),
        (#"["an","array"]"#, "bad_json"),
        (#"{"op":"contact.teleport"}"#, "unknown_op"),
        (#"{"op":"contact.arrive","id":"c","channel":"fax","topic":"invoice"}"#, "bad_field"),
        (#"{"op":"contact.arrive","id":"c","channel":"phone"}"#, "bad_field"),
        (#"{"op":"contact.arrive","id":7,"channel":"phone","topic":"invoice"}"#, "bad_field"),
        (#"{"op":"agent.state","agent":"zed","state":"available"}"#, "unknown_agent"),
        (#"{"op":"contact.complete","id":"nope"}"#, "unknown_contact"),
        (#"{"op":"offer.accept","contact":"queued-one","agent":"bea"}"#, "invalid_state"),
        (#"{"op":"contact.arrive","id":"queued-one","channel":"phone","topic":"invoice"}"#, "duplicate_contact"),
    ])
    func errorCodes(line: String, code: String) {
        let h = Harness()
        h.router.connect(SessionID(1))
        h.send(#"{"op":"contact.arrive","id":"queued-one","channel":"phone","topic":"invoice"}"#, from: 1)
        let reply = h.send(line, from: 1).first!.1
        #expect(reply["ok"] as? Bool == false)
        #expect(errorCode(reply) == code)
        // Still usable, and nothing accepted was lost.
        let contacts = h.reply(#"{"op":"contacts","req":9}"#, from: 1)
        #expect(((contacts["result"] as? [String: Any])?["contacts"] as? [[String: Any]])?.map { $0["contact"] as? String } == ["queued-one"])
    }

    @Test("with tokens, nothing but hello is accepted first, and roles are enforced")
    func tokensAndRoles() {
        let h = Harness(tokens: ["s3cret": .supervisor, "pbx-token": .adapter("pbx"), "wall": .observer])
        h.router.connect(SessionID(1))
        #expect(errorCode(h.reply(#"{"op":"stats","req":1}"#, from: 1)) == "not_authenticated")
        #expect(errorCode(h.reply(#"{"op":"hello","role":"supervisor","token":"pbx-token","req":1}"#, from: 1)) == "not_authenticated")
        #expect(h.reply(#"{"op":"hello","role":"observer","token":"wall","req":1}"#, from: 1)["ok"] as? Bool == true)
        #expect(errorCode(h.reply(#"{"op":"agent.state","agent":"bea","state":"available","req":2}"#, from: 1)) == "forbidden")
        #expect(h.reply(#"{"op":"stats","req":3}"#, from: 1)["ok"] as? Bool == true)
        h.router.connect(SessionID(2))
        h.send(#"{"op":"hello","role":"adapter","token":"pbx-token"}"#, from: 2)
        #expect(errorCode(h.reply(#"{"op":"agent.add","agent":"new","req":1}"#, from: 2)) == "forbidden")
    }

    @Test("subscribers get the events they asked for; escalation and breach fire on the clock")
    func escalationAndBreach() throws {
        let h = Harness(target: 8)
        h.router.connect(SessionID(1))
        h.router.connect(SessionID(5))
        h.send(#"{"op":"subscribe","events":["contact.escalated","contact.breach_warning","contact.breached"]}"#, from: 5)
        h.send(#"{"op":"contact.arrive","id":"c1","channel":"phone","topic":"invoice"}"#, from: 1)
        let deadline = try #require(h.router.nextDeadline())
        #expect(deadline == h.clock.now + 2)  // 0.25 × 8 s
        h.clock.now += 8
        let events = h.router.fireTimers().map { try! JSONSerialization.jsonObject(with: Data($0.line.utf8)) as! [String: Any] }
        #expect(events.map { $0["event"] as? String } == ["contact.escalated", "contact.escalated", "contact.escalated", "contact.breach_warning", "contact.breached"])
        #expect(events.last?["cause"] as? String == "nobodyEligibleLoggedIn")
    }

    @Test("a timed-out offer puts the agent in notResponding and the contact back in line")
    func offerTimeout() {
        let h = Harness()
        h.router.connect(SessionID(1))
        h.send(#"{"op":"agent.state","agent":"bea","state":"available"}"#, from: 1)
        h.send(#"{"op":"contact.arrive","id":"c1","channel":"phone","topic":"invoice"}"#, from: 1)
        h.clock.now += 15
        let lines = h.router.fireTimers()
        #expect(lines.contains { $0.line.contains(#""event":"offer.expired""#) && $0.session == SessionID(1) })
        let contacts = (h.reply(#"{"op":"contacts","req":1}"#, from: 1)["result"] as! [String: Any])["contacts"] as! [[String: Any]]
        #expect(contacts.first?["state"] as? String == "queued")
        let agents = h.reply(#"{"op":"agents","req":2}"#, from: 1)["result"] as! [String: Any]
        #expect((agents["agents"] as! [[String: Any]]).first { $0["agent"] as? String == "bea" }?["state"] as? String == "notResponding")
    }

    @Test("sync gives an adapter its own open contacts after a reconnect")
    func sync() {
        let h = Harness()
        h.router.connect(SessionID(1))
        h.send(#"{"op":"hello","role":"adapter","name":"pbx"}"#, from: 1)
        h.send(#"{"op":"contact.arrive","id":"mine","channel":"phone","topic":"invoice"}"#, from: 1)
        h.router.connect(SessionID(2))
        h.send(#"{"op":"hello","role":"adapter","name":"web"}"#, from: 2)
        h.send(#"{"op":"contact.arrive","id":"theirs","channel":"chat","topic":"order"}"#, from: 2)
        h.router.disconnect(SessionID(1))
        h.router.connect(SessionID(3))
        h.send(#"{"op":"hello","role":"adapter","name":"pbx"}"#, from: 3)
        let result = h.reply(#"{"op":"sync","req":1}"#, from: 3)["result"] as! [String: Any]
        #expect((result["contacts"] as! [[String: Any]]).map { $0["contact"] as? String } == ["mine"])
    }

    @Test("replaying the journal rebuilds the same contacts, offers and agent states")
    func replayRebuildsState() throws {
        let h = Harness()
        h.router.connect(SessionID(1))
        h.send(#"{"op":"hello","role":"adapter","name":"pbx"}"#, from: 1)
        h.send(#"{"op":"agent.state","agent":"bea","state":"available"}"#, from: 1)
        h.send(#"{"op":"contact.arrive","id":"a","channel":"phone","topic":"invoice"}"#, from: 1)
        h.clock.now += 3
        h.send(#"{"op":"contact.arrive","id":"b","channel":"phone","topic":"invoice"}"#, from: 1)
        h.send(#"{"op":"offer.accept","contact":"a","agent":"bea"}"#, from: 1)
        h.router.connect(SessionID(2))  // no tokens: a supervisor until it says otherwise
        #expect(h.reply(#"{"op":"agent.add","agent":"kim","department":"sales","skills":{"orders":3},"channels":{"chat":2},"req":1}"#, from: 2)["ok"] as? Bool == true)
        let before = (h.reply(#"{"op":"contacts","req":1}"#, from: 1)["result"] as! [String: Any])["contacts"] as! [[String: Any]]

        let clock = TestClock()
        clock.now = h.clock.now
        let fresh = Harness()
        let recovered = try LiveRouter(settings: h.router.settings, clock: { clock.read() }, journal: fresh.journal)
        #expect(try recovered.replay(h.journal.pending) == 6)  // five requests and bea's manager
        recovered.connect(SessionID(1))
        let after = try JSONSerialization.jsonObject(with: Data(recovered.handle(line: #"{"op":"contacts","req":1}"#, from: SessionID(1))[0].line.utf8)) as! [String: Any]
        func summary(_ list: [[String: Any]]) -> [String] { list.map { "\($0["contact"]!) \($0["state"]!) \($0["agent"]!) \($0["adapter"]!)" } }
        #expect(summary((after["result"] as! [String: Any])["contacts"] as! [[String: Any]]) == summary(before))
        let agents = try JSONSerialization.jsonObject(with: Data(recovered.handle(line: #"{"op":"agents"}"#, from: SessionID(1))[0].line.utf8)) as! [String: Any]
        #expect(((agents["result"] as! [String: Any])["agents"] as! [[String: Any]]).map { $0["agent"] as! String } == ["bea", "sam", "kim"])
    }
}

extension LiveRouterTests {
    @Test("a rejected offer puts the contact back in line with its place, and the next agent gets it first")
    func rejectionKeepsPlace() throws {
        let h = Harness()
        h.router.connect(SessionID(1))
        h.send(#"{"op":"hello","role":"adapter","name":"pbx"}"#, from: 1)
        h.send(#"{"op":"agent.state","agent":"bea","state":"available"}"#, from: 1)
        h.send(#"{"op":"contact.arrive","id":"first","channel":"phone","topic":"invoice"}"#, from: 1)
        h.clock.now += 2
        h.send(#"{"op":"contact.arrive","id":"second","channel":"phone","topic":"invoice"}"#, from: 1)
        let rejected = h.reply(#"{"op":"offer.reject","contact":"first","agent":"bea","reason":"headset","req":1}"#, from: 1)
        #expect((rejected["result"] as? [String: Any])?["state"] as? String == "queued")
        // A new billing agent arrives: the rejected contact, older, is offered before the second.
        h.router.connect(SessionID(2))
        h.send(#"{"op":"agent.add","agent":"kim","department":"billing","skills":{"billing":4}}"#, from: 2)
        let lines = h.send(#"{"op":"agent.state","agent":"kim","state":"available"}"#, from: 1)
        #expect(lines.first { $0.1["event"] as? String == "offer" }?.1["contact"] as? String == "first")
    }

    @Test("a caller who hangs up leaves the line, and subscribers hear of it")
    func abandonment() throws {
        let h = Harness()
        h.router.connect(SessionID(1))
        h.router.connect(SessionID(9))
        h.send(#"{"op":"subscribe","events":["contact.abandoned"]}"#, from: 9)
        h.send(#"{"op":"contact.arrive","id":"c1","channel":"phone","topic":"invoice"}"#, from: 1)
        h.clock.now += 7
        let lines = h.send(#"{"op":"contact.abandon","id":"c1","req":1}"#, from: 1)
        let event = try #require(lines.first { $0.0 == 9 })
        #expect(event.1["event"] as? String == "contact.abandoned")
        #expect(event.1["waited_s"] as? Double == 7)
        #expect(errorCode(h.reply(#"{"op":"contact.abandon","id":"c1","req":2}"#, from: 1)) == "unknown_contact")
    }
}

import MetricsTestKit

extension LiveRouterTests {
    @Test("metrics count contacts by channel and outcome, breaches by cause, agents by state and requests")
    func metricsAreRecorded() throws {
        let h = Harness(target: 8)
        let test = TestMetrics()
        h.router.metrics = ServerMetrics(factory: test)
        h.router.connect(SessionID(1))
        h.send(#"{"op":"agent.state","agent":"bea","state":"available"}"#, from: 1)
        h.send(#"{"op":"contact.arrive","id":"c1","channel":"phone","topic":"invoice"}"#, from: 1)
        h.send(#"{"op":"offer.accept","contact":"c1","agent":"bea"}"#, from: 1)
        h.send(#"{"op":"contact.arrive","id":"c2","channel":"phone","topic":"order"}"#, from: 1)  // sam is offline
        h.clock.now += 8
        _ = h.router.fireTimers()
        h.send(#"{"op":"contact.abandon","id":"c2"}"#, from: 1)
        h.send("{nope", from: 1)
        #expect(try test.expectCounter("agner_contacts_total", [("channel", "phone"), ("outcome", "answered")]).totalValue == 1)
        #expect(try test.expectCounter("agner_contacts_total", [("channel", "phone"), ("outcome", "abandoned")]).totalValue == 1)
        #expect(try test.expectCounter("agner_breaches_total", [("cause", "allEligibleBusy")]).totalValue == 1)  // at step 3 Bea is eligible, and busy
        #expect(try test.expectGauge("agner_agents", [("state", "busy")]).lastValue == 1)
        #expect(try test.expectGauge("agner_agents", [("state", "offline")]).lastValue == 1)
        #expect(try test.expectGauge("agner_waiting_contacts").lastValue == 0)
        #expect(try test.expectCounter("agner_requests_total").totalValue == 6)
        #expect(try test.expectCounter("agner_request_errors_total").totalValue == 1)
    }
}
