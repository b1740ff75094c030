@testable import AgnerProtocol
import AgnerCore
import Foundation
import Testing
@testable import AgnerServer

private func lines(_ outbounds: [Outbound]) -> [[String: Any]] {
    outbounds.map { try! JSONSerialization.jsonObject(with: Data($0.line.utf8)) as! [String: Any] }
}

private func agentState(_ h: Harness, _ agent: String) -> String? {
    h.router.connect(SessionID(99))
    defer { h.router.disconnect(SessionID(99)) }
    let agents = h.reply(#"{"op":"agents","req":"a"}"#, from: 99)["result"] as! [String: Any]
    return (agents["agents"] as! [[String: Any]]).first { $0["agent"] as? String == agent }?["state"] as? String
}

private func contact(_ h: Harness, _ name: String) -> [String: Any]? {
    h.router.connect(SessionID(98))
    defer { h.router.disconnect(SessionID(98)) }
    let result = h.reply(#"{"op":"contacts","req":"c"}"#, from: 98)["result"] as! [String: Any]
    return (result["contacts"] as! [[String: Any]]).first { $0["contact"] as? String == name }
}

/// A router rebuilt from another's journal, as a restart does, at the other's clock.
private func restarted(_ h: Harness, after seconds: Double, grace: Double = 120) throws -> Harness {
    _ = try h.journal.commit()
    let next = Harness(grace: grace)
    next.clock.now = h.clock.now + seconds
    try next.router.replay(h.journal.committed)
    next.router.prepareToServe()
    return next
}

@Suite("Restarts keep what adapters and agents had")
struct RestartTests {
    @Test("after a crash, an offer that was ringing is withdrawn: the agent is available again, not notResponding")
    func crashWithdrawsOffers() throws {
        let h = Harness()
        h.router.connect(SessionID(1))
        h.send(#"{"op":"hello","role":"adapter","name":"pbx"}"#, from: 1)
        h.send(#"{"op":"agent.state","agent":"bea","state":"available"}"#, from: 1)
        h.send(#"{"op":"contact.arrive","id":"x1","channel":"phone","topic":"invoice"}"#, from: 1)
        let next = try restarted(h, after: 20)  // longer than the 15 s offer timeout
        #expect(agentState(next, "bea") == "available")
        #expect(contact(next, "x1")?["held"] as? Bool == true)
    }

    @Test("after a graceful stop, the grace starts again at the restart: a call held at the stop is still held")
    func graceRestartsAfterStop() throws {
        let h = Harness(grace: 30)
        h.router.connect(SessionID(1))
        h.send(#"{"op":"hello","role":"adapter","name":"pbx"}"#, from: 1)
        h.send(#"{"op":"contact.arrive","id":"x1","channel":"phone","topic":"invoice"}"#, from: 1)
        h.router.disconnect(SessionID(1))  // the stop closes the connection: x1 held until +30 s
        let next = try restarted(h, after: 60, grace: 30)
        _ = next.router.fireTimers()
        #expect(contact(next, "x1")?["held"] as? Bool == true)
        next.clock.now += 30
        _ = next.router.fireTimers()
        #expect(contact(next, "x1") == nil)
    }

    @Test("a call in conversation whose adapter does not come back within the grace is taken as ended")
    func conversationEndsAfterGrace() {
        let h = Harness(grace: 30)
        h.router.connect(SessionID(1))
        h.send(#"{"op":"hello","role":"adapter","name":"pbx"}"#, from: 1)
        h.send(#"{"op":"agent.state","agent":"bea","state":"available"}"#, from: 1)
        h.send(#"{"op":"contact.arrive","id":"x1","channel":"phone","topic":"invoice"}"#, from: 1)
        h.send(#"{"op":"offer.accept","contact":"x1","agent":"bea"}"#, from: 1)
        h.router.disconnect(SessionID(1))
        #expect(agentState(h, "bea") == "busy")
        h.clock.now += 30
        _ = h.router.fireTimers()
        #expect(agentState(h, "bea") == "available")
        #expect(contact(h, "x1") == nil)
    }

    @Test("an observer under an adapter's name neither keeps its contacts from being held nor gets its offers")
    func observersDoNotCount() {
        let h = Harness()
        h.router.connect(SessionID(1))
        h.router.connect(SessionID(2))
        h.send(#"{"op":"hello","role":"adapter","name":"pbx"}"#, from: 1)
        h.send(#"{"op":"hello","role":"observer","name":"pbx"}"#, from: 2)
        h.send(#"{"op":"contact.arrive","id":"x1","channel":"phone","topic":"invoice"}"#, from: 1)
        h.router.disconnect(SessionID(1))
        _ = h.router.takeOutbounds()
        #expect(contact(h, "x1")?["held"] as? Bool == true)
        h.router.connect(SessionID(3))
        let login = h.send(#"{"op":"agent.state","agent":"bea","state":"available"}"#, from: 3)
        #expect(!login.contains { $0.0 == 2 })
    }

    @Test("connections without hello are named apart from those of an earlier run")
    func defaultNamesDifferAcrossRuns() {
        let first = Harness(), second = Harness()
        first.router.connect(SessionID(1))
        second.router.connect(SessionID(1))
        let a = first.reply(#"{"op":"hello","role":"supervisor","req":1}"#, from: 1)["result"] as! [String: Any]
        let b = second.reply(#"{"op":"hello","role":"supervisor","req":1}"#, from: 1)["result"] as! [String: Any]
        #expect(a["name"] as? String != b["name"] as? String)
    }

    @Test("today's figures count today's contacts: one that arrived yesterday and is answered today is not counted")
    func todayIsToday() {
        let h = Harness()
        h.clock.now = OpeningHoursTests.unix("2027-01-14T23:59:30Z")
        h.router.connect(SessionID(1))
        for index in 1...6 { h.send(#"{"op":"contact.arrive","id":"e\#(index)","channel":"email","topic":"invoice"}"#, from: 1) }
        h.clock.now = OpeningHoursTests.unix("2027-01-15T00:30:00Z")
        h.send(#"{"op":"agent.state","agent":"bea","state":"available"}"#, from: 1)
        for _ in 1...5 {
            let offers = lines(h.router.takeOutbounds()).filter { $0["event"] as? String == "offer" }
            for offer in offers {
                h.send(#"{"op":"offer.accept","contact":"\#(offer["contact"]!)","agent":"bea"}"#, from: 1)
                h.send(#"{"op":"contact.complete","id":"\#(offer["contact"]!)"}"#, from: 1)
            }
        }
        h.send(#"{"op":"contact.arrive","id":"today","channel":"email","topic":"invoice"}"#, from: 1)
        let stats = h.reply(#"{"op":"stats","req":1}"#, from: 1)["result"] as! [String: Any]
        let email = (stats["queues"] as! [[String: Any]]).first { $0["channel"] as? String == "email" }!
        #expect(email["offered_today"] as? Int == 1)
        #expect(email["answered_today"] as? Int == 0)
        let level = email["service_level_today"] as? Double
        #expect(level == nil || (0...1).contains(level!))
    }
}

@Suite("Opening hours, what waits for them")
struct AwaitingOpeningTests {
    @Test("an e-mail that arrives while closed waits for the opening, though an agent is free; a click-to-call is called back then")
    func waitForOpening() throws {
        let h = Harness(calendar: OpeningHoursTests.calendar())
        h.clock.now = OpeningHoursTests.unix("2027-01-17T12:00:00Z")  // Sunday: closed
        h.router.prepareToServe()
        h.router.connect(SessionID(1))
        h.send(#"{"op":"agent.state","agent":"bea","state":"available"}"#, from: 1)
        let mail = h.send(#"{"op":"contact.arrive","id":"m1","channel":"email","topic":"invoice","req":1}"#, from: 1)
        #expect(!mail.contains { $0.1["event"] as? String == "offer" })
        #expect(contact(h, "m1")?["awaiting_opening"] as? Bool == true)
        let call = h.send(#"{"op":"contact.arrive","id":"k1","channel":"clickToCall","topic":"invoice","req":2}"#, from: 1)
        #expect(call.contains { $0.1["event"] as? String == "contact.callback" })
        #expect(!call.contains { $0.1["event"] as? String == "offer" })
        h.clock.now = OpeningHoursTests.unix("2027-01-18T08:00:00Z")
        let opening = lines(h.router.fireTimers()).filter { $0["event"] as? String == "offer" }
        // Bea takes the click-to-call (a real-time tier) first; the e-mail waits for her.
        #expect(opening.map { $0["contact"] as? String } == ["k1"])
        #expect(contact(h, "m1")?["awaiting_opening"] as? Bool == false)
    }

    @Test("a supervisor's close without an end lasts until center.hours hands the channel back to the hours")
    func backToTheHours() {
        let h = Harness()
        h.router.prepareToServe()
        h.router.connect(SessionID(1))
        #expect(h.reply(#"{"op":"center.close","channel":"phone","req":1}"#, from: 1)["ok"] as? Bool == true)
        var stats = h.reply(#"{"op":"stats","req":2}"#, from: 1)["result"] as! [String: Any]
        var phone = (stats["channels"] as! [[String: Any]]).first { $0["channel"] as? String == "phone" }!
        #expect(phone["open"] as? Bool == false && phone["override"] as? Bool == true)
        #expect(h.reply(#"{"op":"center.hours","req":3}"#, from: 1)["ok"] as? Bool == true)
        stats = h.reply(#"{"op":"stats","req":4}"#, from: 1)["result"] as! [String: Any]
        phone = (stats["channels"] as! [[String: Any]]).first { $0["channel"] as? String == "phone" }!
        #expect(phone["open"] as? Bool == true && phone["override"] as? Bool == false)
    }

    @Test("an end beyond a year, or not a number, is refused; nothing crashes", arguments: ["1e300", "1e11", "\"soon\"", "-1"])
    func absurdUntil(until: String) {
        let h = Harness()
        h.router.connect(SessionID(1))
        #expect(errorCode(h.reply(#"{"op":"center.close","channel":"phone","until":\#(until),"req":1}"#, from: 1)) == "bad_field")
    }

    @Test("refusals name the field: an empty adapter name, a capacity out of range")
    func fieldsNamed() {
        let h = Harness()
        h.router.connect(SessionID(1))
        #expect(errorCode(h.reply(#"{"op":"hello","role":"adapter","name":"","req":1}"#, from: 1)) == "bad_field")
        let reply = h.reply(#"{"op":"agent.add","agent":"kim","channels":{"phone":5},"req":2}"#, from: 1)
        #expect((reply["error"] as? [String: Any])?["message"] as? String == "channels.phone: capacity 5 is outside 0–1")
        #expect(h.send("", from: 1).isEmpty)  // an empty line gets nothing back
    }
}
