@testable import AgnerProtocol
import AgnerCore
import AgnerTestSupport
import Foundation
import Testing
@testable import AgnerServer

/// The lines of a batch, decoded, with who gets them.
private func decoded(_ outbounds: [Outbound]) -> [(Int, [String: Any])] {
    outbounds.map { ($0.session.raw, try! JSONSerialization.jsonObject(with: Data($0.line.utf8)) as! [String: Any]) }
}

private func events(_ lines: [(Int, [String: Any])], _ name: String) -> [[String: Any]] {
    lines.filter { $0.1["event"] as? String == name }.map(\.1)
}

private func contactList(_ h: Harness, from session: Int) -> [[String: Any]] {
    (h.reply(#"{"op":"contacts","req":"list"}"#, from: session)["result"] as! [String: Any])["contacts"] as! [[String: Any]]
}

private func agentState(_ h: Harness, _ agent: String, from session: Int) -> String? {
    let agents = h.reply(#"{"op":"agents","req":"agents"}"#, from: session)["result"] as! [String: Any]
    return (agents["agents"] as! [[String: Any]]).first { $0["agent"] as? String == agent }?["state"] as? String
}

@Suite("Adapters come and go: nothing is stranded")
struct AdapterLifecycleTests {
    @Test("a contact whose connection closed is withdrawn from its agent, who takes the next adapter's call at once")
    func closedConnectionStrandsNothing() {
        let h = Harness()
        // The README's snippet: no hello, logs bea in, announces c1, and goes away.
        h.router.connect(SessionID(1))
        h.send(#"{"op":"agent.state","agent":"bea","state":"available"}"#, from: 1)
        let offered = h.send(#"{"op":"contact.arrive","id":"c1","channel":"phone","topic":"invoice"}"#, from: 1)
        #expect(events(offered, "offer").first?["agent"] as? String == "bea")
        h.router.connect(SessionID(9))
        h.send(#"{"op":"subscribe","events":["offer.withdrawn","contact.held","agent.state"]}"#, from: 9)
        h.router.disconnect(SessionID(1))
        let gone = decoded(h.router.takeOutbounds())
        #expect(events(gone, "offer.withdrawn").first?["contact"] as? String == "c1")
        #expect(events(gone, "contact.held").first?["contact"] as? String == "c1")
        #expect(agentState(h, "bea", from: 9) == "available")  // the state it had before the offer
        // The next adapter's call goes to bea at once, however long c1 has waited.
        h.router.connect(SessionID(2))
        h.send(#"{"op":"hello","role":"adapter","name":"example-pbx"}"#, from: 2)
        h.clock.now += 5
        let next = h.send(#"{"op":"contact.arrive","id":"call-1","channel":"phone","topic":"invoice"}"#, from: 2)
        #expect(events(next, "offer").map { $0["contact"] as? String } == ["call-1"])
        let c1 = contactList(h, from: 9).first { $0["contact"] as? String == "c1" }
        #expect(c1?["held"] as? Bool == true && c1?["state"] as? String == "queued")
    }

    @Test("an adapter that reconnects under its name and syncs gets its held contacts routed again, in their place")
    func reconnectAndSync() {
        let h = Harness()
        h.router.connect(SessionID(1))
        h.send(#"{"op":"hello","role":"adapter","name":"pbx"}"#, from: 1)
        h.send(#"{"op":"contact.arrive","id":"old","channel":"phone","topic":"invoice"}"#, from: 1)
        h.router.disconnect(SessionID(1))
        h.clock.now += 10
        h.router.connect(SessionID(2))
        h.send(#"{"op":"hello","role":"adapter","name":"pbx"}"#, from: 2)
        h.send(#"{"op":"contact.arrive","id":"new","channel":"phone","topic":"invoice"}"#, from: 2)
        // Still held before the sync: the newer call is offered first.
        let login = h.send(#"{"op":"agent.state","agent":"bea","state":"available"}"#, from: 2)
        #expect(events(login, "offer").map { $0["contact"] as? String } == ["new"])
        h.send(#"{"op":"offer.reject","contact":"new","agent":"bea"}"#, from: 2)
        h.send(#"{"op":"agent.state","agent":"bea","state":"available"}"#, from: 2)
        h.send(#"{"op":"offer.accept","contact":"new","agent":"bea"}"#, from: 2)
        let sync = h.send(#"{"op":"sync","req":7}"#, from: 2)
        let listed = (sync.first { $0.1["re"] as? Int == 7 }?.1["result"] as? [String: Any])?["contacts"] as? [[String: Any]]
        #expect(Set(listed?.compactMap { $0["contact"] as? String } ?? []) == ["old", "new"])
        h.send(#"{"op":"contact.complete","id":"new"}"#, from: 2)
        let after = contactList(h, from: 2).first { $0["contact"] as? String == "old" }
        #expect(after?["held"] as? Bool == false && after?["agent"] as? String == "bea")
    }

    @Test("after the grace, a held call ends as abandoned (adapterLost); an e-mail stays held")
    func graceEndsCalls() throws {
        let h = Harness(grace: 30)
        h.router.connect(SessionID(1))
        h.send(#"{"op":"hello","role":"adapter","name":"pbx"}"#, from: 1)
        h.send(#"{"op":"contact.arrive","id":"call","channel":"phone","topic":"invoice"}"#, from: 1)
        h.send(#"{"op":"contact.arrive","id":"mail","channel":"email","topic":"invoice"}"#, from: 1)
        h.router.connect(SessionID(9))
        h.send(#"{"op":"subscribe","events":["contact.abandoned"]}"#, from: 9)
        h.router.disconnect(SessionID(1))
        _ = h.router.takeOutbounds()
        h.clock.now += 30
        let abandoned = events(decoded(h.router.fireTimers()), "contact.abandoned")
        #expect(abandoned.count == 1)
        #expect(abandoned.first?["contact"] as? String == "call" && abandoned.first?["cause"] as? String == "adapterLost")
        #expect(contactList(h, from: 9).map { $0["contact"] as? String } == ["mail"])
        let stats = h.reply(#"{"op":"stats","req":1}"#, from: 9)["result"] as! [String: Any]
        let mail = (stats["queues"] as! [[String: Any]]).first { $0["channel"] as? String == "email" }
        #expect(mail?["held"] as? Int == 1 && mail?["waiting"] as? Int == 0)
        let phone = (stats["queues"] as! [[String: Any]]).first { $0["channel"] as? String == "phone" }
        #expect(phone?["lost_today"] as? Int == 1 && phone?["abandoned_today"] as? Int == 0)
    }

    @Test("a contact id ended by a timer can be announced again, and the journal replays it")
    func idReusedAfterTimer() throws {
        let h = Harness(wrapUp: 15)
        h.router.connect(SessionID(1))
        h.send(#"{"op":"hello","role":"adapter","name":"chat"}"#, from: 1)
        h.send(#"{"op":"agent.state","agent":"bea","state":"available"}"#, from: 1)
        h.send(#"{"op":"contact.arrive","id":"c1","channel":"chat","topic":"invoice"}"#, from: 1)
        h.send(#"{"op":"offer.accept","contact":"c1","agent":"bea"}"#, from: 1)
        h.clock.now += 60
        h.send(#"{"op":"contact.complete","id":"c1"}"#, from: 1)
        h.clock.now += 20  // wrap-up has ended by now, but no timer has fired yet
        #expect(h.reply(#"{"op":"contact.arrive","id":"c1","channel":"chat","topic":"invoice","req":5}"#, from: 1)["ok"] as? Bool == true)
        _ = try h.journal.commit()

        let replayed = Harness(wrapUp: 15)
        try replayed.router.replay(h.journal.committed)
        #expect(try replayed.router.snapshot().encoded() == h.router.snapshot().encoded())
    }

    @Test("refusals name contacts and agents by the adapter's ids")
    func errorsUseAdapterIDs() {
        let h = Harness()
        h.router.connect(SessionID(1))
        h.send(#"{"op":"contact.arrive","id":"c1","channel":"phone","topic":"invoice"}"#, from: 1)
        let reply = h.reply(#"{"op":"offer.accept","contact":"c1","agent":"bea","req":1}"#, from: 1)
        let message = (reply["error"] as? [String: Any])?["message"] as? String
        #expect(message == "contact 'c1' is not offered to agent 'bea'")
        let complete = h.reply(#"{"op":"contact.complete","id":"c1","req":2}"#, from: 1)
        #expect((complete["error"] as? [String: Any])?["message"] as? String == "contact 'c1' is queued, not connected: it cannot be completed")
    }

    @Test("ids and names are refused when empty, blank, too long or holding invisible or control characters", arguments: [
        #"{"op":"contact.arrive","id":"","channel":"phone","topic":"invoice"}"#,
        #"{"op":"contact.arrive","id":" ","channel":"phone","topic":"invoice"}"#,
        #"{"op":"contact.arrive","id":"abc\u202Edef","channel":"phone","topic":"invoice"}"#,
        #"{"op":"contact.arrive","id":"a\u200Bb","channel":"phone","topic":"invoice"}"#,
        #"{"op":"contact.arrive","id":"\uFEFFcall","channel":"phone","topic":"invoice"}"#,
        #"{"op":"contact.arrive","id":"a\u2028b","channel":"phone","topic":"invoice"}"#,
        #"{"op":"contact.arrive","id":"a\u0000b","channel":"phone","topic":"invoice"}"#,
        #"{"op":"contact.arrive","id":"tab\there","channel":"phone","topic":"invoice"}"#,
        "{\"op\":\"contact.arrive\",\"id\":\"\(String(repeating: "x", count: 201))\",\"channel\":\"phone\",\"topic\":\"invoice\"}",
        #"{"op":"hello","role":"adapter","name":"bad\nname"}"#,
    ])
    func badNames(line: String) {
        let h = Harness()
        h.router.connect(SessionID(1))
        let reply = h.send(line, from: 1).first!.1
        // jansson refuses a NUL inside a string as bad JSON; the rest are bad fields.
        #expect(["bad_field", "bad_json"].contains(errorCode(reply) ?? ""))
        #expect(contactList(h, from: 1).isEmpty)
    }
}

@Suite("Live figures")
struct LiveFiguresTests {
    @Test("service level today counts the callers who hung up: 1 of 4 answered in time is 25 %, not 100 %")
    func serviceLevelOverOffered() {
        let h = Harness()
        h.router.connect(SessionID(1))
        for index in 1...4 { h.send(#"{"op":"contact.arrive","id":"c\#(index)","channel":"phone","topic":"invoice"}"#, from: 1) }
        for index in 2...4 { h.send(#"{"op":"contact.abandon","id":"c\#(index)"}"#, from: 1) }
        h.send(#"{"op":"agent.state","agent":"bea","state":"available"}"#, from: 1)
        h.send(#"{"op":"offer.accept","contact":"c1","agent":"bea"}"#, from: 1)
        let stats = h.reply(#"{"op":"stats","req":1}"#, from: 1)["result"] as! [String: Any]
        #expect((stats["service_level_definition"] as? String)?.hasPrefix("answered within target ÷ offered") == true)
        let queue = (stats["queues"] as! [[String: Any]]).first { $0["channel"] as? String == "phone" }!
        #expect(queue["offered_today"] as? Int == 4)
        #expect(queue["abandoned_today"] as? Int == 3)
        #expect(queue["service_level_today"] as? Double == 0.25)
    }

    @Test("a contact still waiting within its target does not count against the service level yet")
    func waitingWithinTargetLeftOut() {
        let h = Harness()
        h.router.connect(SessionID(1))
        h.send(#"{"op":"contact.arrive","id":"c1","channel":"phone","topic":"invoice"}"#, from: 1)
        var queue = ((h.reply(#"{"op":"stats","req":1}"#, from: 1)["result"] as! [String: Any])["queues"] as! [[String: Any]]).first!
        #expect(queue["service_level_today"] is NSNull)
        h.clock.now += 61
        queue = ((h.reply(#"{"op":"stats","req":2}"#, from: 1)["result"] as! [String: Any])["queues"] as! [[String: Any]]).first!
        #expect(queue["service_level_today"] as? Double == 0)
    }
}

@Suite("Opening hours, live")
struct OpeningHoursTests {
    /// Weekdays 08:00–20:00, Saturday 09:00–16:00, Sunday closed; Christmas closed; UTC.
    static func calendar(timeZone: String = "UTC") -> OpeningCalendar {
        let weekday = DailyWindow(start: 8 * 3600, end: 20 * 3600)
        return try! OpeningCalendar(weekdays: [weekday, weekday, weekday, weekday, weekday, .init(start: 9 * 3600, end: 16 * 3600), nil],
                                    closedDates: [.init(year: 2026, month: 12, day: 25)], timeZone: timeZone)
    }

    static func unix(_ text: String) -> Double {
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: text)!.timeIntervalSince1970
    }

    @Test("the calendar knows weekdays, weekends, holidays and time zones")
    func calendarBasics() {
        let utc = Self.calendar()
        #expect(utc.isOpen(at: Self.unix("2027-01-15T08:00:00Z")))  // a Friday
        #expect(!utc.isOpen(at: Self.unix("2027-01-15T07:59:59Z")))
        #expect(!utc.isOpen(at: Self.unix("2027-01-15T20:00:00Z")))
        #expect(!utc.isOpen(at: Self.unix("2027-01-17T12:00:00Z")))  // Sunday
        #expect(!utc.isOpen(at: Self.unix("2026-12-25T12:00:00Z")))  // Christmas, a Friday
        #expect(utc.nextChange(after: Self.unix("2027-01-16T17:00:00Z")) == Self.unix("2027-01-18T08:00:00Z"))
        let berlin = Self.calendar(timeZone: "Europe/Berlin")
        #expect(berlin.isOpen(at: Self.unix("2027-01-15T07:00:00Z")))  // 08:00 in Berlin (UTC+1)
        #expect(berlin.nextChange(after: Self.unix("2027-03-26T20:00:00Z")) == Self.unix("2027-03-27T08:00:00Z"))  // Saturday 09:00 CET
        #expect(berlin.nextChange(after: Self.unix("2027-03-27T16:00:00Z")) == Self.unix("2027-03-29T06:00:00Z"))  // Monday 08:00 CEST
        // The days the clocks change: 08:00–20:00 on the wall, whatever has elapsed since midnight.
        let weekdays = DailyWindow(start: 8 * 3600, end: 20 * 3600)
        let everyDay = try! OpeningCalendar(weekdays: Array(repeating: weekdays, count: 7), timeZone: "Europe/Berlin")
        #expect(everyDay.isOpen(at: Self.unix("2027-03-28T06:00:00Z")))  // Sunday 08:00 CEST, spring forward
        #expect(!everyDay.isOpen(at: Self.unix("2027-03-28T05:59:59Z")))
        #expect(everyDay.isOpen(at: Self.unix("2027-03-28T17:59:59Z")) && !everyDay.isOpen(at: Self.unix("2027-03-28T18:00:00Z")))
        #expect(everyDay.nextChange(after: Self.unix("2027-03-27T19:00:00Z")) == Self.unix("2027-03-28T06:00:00Z"))
        #expect(everyDay.isOpen(at: Self.unix("2026-10-25T07:00:00Z")))  // Sunday 08:00 CET, fall back
        #expect(!everyDay.isOpen(at: Self.unix("2026-10-25T06:59:59Z")))
        #expect(everyDay.nextChange(after: Self.unix("2026-10-25T12:00:00Z")) == Self.unix("2026-10-25T19:00:00Z"))
        #expect(!everyDay.isOpen(at: Self.unix("2026-10-25T19:00:00Z")))
    }

    @Test("on a Sunday calls are closed and counted as unserved; at Monday 08:00 the phone opens on the router's timer")
    func closedSundayOpensMonday() throws {
        let h = Harness(calendar: Self.calendar())
        h.clock.now = Self.unix("2027-01-17T12:00:00Z")
        h.router.prepareToServe()
        h.router.connect(SessionID(1))
        h.send(#"{"op":"agent.state","agent":"bea","state":"available"}"#, from: 1)
        let closed = h.send(#"{"op":"contact.arrive","id":"sun","channel":"phone","topic":"invoice","req":1}"#, from: 1)
        #expect((closed.first?.1["result"] as? [String: Any])?["state"] as? String == "ended")
        #expect(!events(closed, "contact.closed").isEmpty)
        let stats = h.reply(#"{"op":"stats","req":2}"#, from: 1)["result"] as! [String: Any]
        #expect(((stats["queues"] as! [[String: Any]]).first)?["unserved_today"] as? Int == 1)
        #expect(((stats["channels"] as! [[String: Any]]).first { $0["channel"] as? String == "phone" })?["open"] as? Bool == false)
        #expect(h.router.nextDeadline() == Self.unix("2027-01-18T08:00:00Z"))
        h.clock.now = Self.unix("2027-01-18T08:00:00Z")
        _ = h.router.fireTimers()
        let open = h.send(#"{"op":"contact.arrive","id":"mon","channel":"phone","topic":"invoice"}"#, from: 1)
        #expect(events(open, "offer").first?["contact"] as? String == "mon")
        // The changes are journaled: a replay without a calendar reaches the same state.
        _ = try h.journal.commit()
        let replayed = Harness()
        try replayed.router.replay(h.journal.committed)
        #expect(try replayed.router.snapshot().encoded() == h.router.snapshot().encoded())
    }

    @Test("a supervisor closes chat until a time; it reopens by itself then")
    func supervisorClosesUntil() throws {
        let h = Harness()
        h.router.prepareToServe()
        h.router.connect(SessionID(1))
        let until = h.clock.now + 600
        let reply = h.reply(#"{"op":"center.close","channel":"chat","until":\#(until),"req":1}"#, from: 1)
        #expect(reply["ok"] as? Bool == true)
        let closed = h.send(#"{"op":"contact.arrive","id":"c","channel":"chat","topic":"invoice","req":2}"#, from: 1)
        #expect((closed.first?.1["result"] as? [String: Any])?["state"] as? String == "ended")
        #expect(h.router.nextDeadline() == until)
        h.clock.now = until
        _ = h.router.fireTimers()
        let open = h.reply(#"{"op":"contact.arrive","id":"c2","channel":"chat","topic":"invoice","req":3}"#, from: 1)
        #expect((open["result"] as? [String: Any])?["state"] as? String == "queued")
        #expect(errorCode(h.reply(#"{"op":"center.close","channel":"fax","req":4}"#, from: 1)) == "bad_field")
        #expect(errorCode(h.reply(#"{"op":"center.close","until":1,"req":5}"#, from: 1)) == "bad_field")
    }
}

@Suite("Replay reproduces live")
struct ReplayEquivalenceTests {
    /// A random stream of requests, clock steps, timer firings and disconnects against a
    /// router on an injected clock; then the journal is replayed into a new router.
    @Test("random streams with timers end in the same state live and replayed", arguments: 1...40)
    func randomStreams(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let h = Harness(target: 20, wrapUp: Double(rng.next() % 3) * 5, grace: 15, calendar: seed % 2 == 0 ? OpeningHoursTests.calendar() : nil)
        h.clock.now = OpeningHoursTests.unix("2027-01-15T19:50:00Z")  // closing at 20:00 comes by
        h.router.prepareToServe()
        var traffic = RandomTraffic(h, rng: rng, agents: ["bea", "sam"])
        for step in 0..<250 { traffic.step(step) }
        _ = h.router.fireTimers()
        _ = try h.journal.commit()
        let replayed = Harness(target: 20, wrapUp: h.router.settings.center.channels.phone.wrapUp, grace: 15)
        try replayed.router.replay(h.journal.committed)
        // Both at the same moment: timers that fell due since the last command fire in both.
        replayed.clock.now = h.clock.now
        _ = replayed.router.fireTimers()
        #expect(try replayed.router.snapshot().encoded() == h.router.snapshot().encoded(), "seed \(seed)")
    }
}

