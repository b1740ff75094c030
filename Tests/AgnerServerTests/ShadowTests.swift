import AgnerCore
import Foundation
import Testing
@testable import AgnerProtocol
@testable import AgnerServer

@Suite("Shadow mode")
struct ShadowTests {
    static let agents = [
        LiveRouter.Agent(name: "bea", profile: AgentProfile(id: AgentID(0), department: DepartmentID(0), skills: [SkillLevel(SkillID(0), 4)])),
        LiveRouter.Agent(name: "sam", profile: AgentProfile(id: AgentID(0), department: DepartmentID(1), skills: [SkillLevel(SkillID(0), 2), SkillLevel(SkillID(1), 4)])),
    ]

    /// A router with a shadow; `candidate` changes what the shadow's agents can do.
    static func router(candidate: [LiveRouter.Agent], clock: TestClock) -> LiveRouter {
        try! LiveRouter(settings: .init(center: Harness.center(), agents: agents, shadow: (Harness.center(), candidate)),
                        clock: { clock.read() })
    }

    static func day(_ router: LiveRouter, _ clock: TestClock) -> [Outbound] {
        var lines: [Outbound] = []
        func send(_ text: String) { lines += router.handle(line: text, from: SessionID(1)) }
        router.connect(SessionID(1))
        send(#"{"op":"hello","role":"adapter","name":"pbx"}"#)
        send(#"{"op":"agent.state","agent":"bea","state":"available"}"#)
        send(#"{"op":"agent.state","agent":"sam","state":"available"}"#)
        for index in 1...6 {
            clock.now += 20
            lines += router.fireTimers()
            send(#"{"op":"contact.arrive","id":"c\#(index)","channel":"phone","topic":"invoice"}"#)
            let offer = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.line.utf8)) as? [String: Any] }
                .last { $0["event"] as? String == "offer" && $0["contact"] as? String == "c\(index)" }
            if let agent = offer?["agent"] as? String {
                send(#"{"op":"offer.accept","contact":"c\#(index)","agent":"\#(agent)"}"#)
                clock.now += 10
                send(#"{"op":"contact.complete","id":"c\#(index)"}"#)
            }
        }
        return lines
    }

    static func figures(_ router: LiveRouter) -> [String: Any] {
        router.connect(SessionID(9))
        return router.handle(line: #"{"op":"shadow","req":1}"#, from: SessionID(9)).compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.line.utf8)) as? [String: Any]
        }.first { $0["re"] as? Int == 1 }?["result"] as? [String: Any] ?? [:]
    }

    @Test("a candidate identical to the live center agrees on every decision and measures the same")
    func identicalCandidate() {
        let clock = TestClock()
        let router = Self.router(candidate: Self.agents, clock: clock)
        _ = Self.day(router, clock)
        let result = Self.figures(router)
        #expect(result["decisions_compared"] as? Int == 6)
        #expect(result["decisions_agreed"] as? Double == 1)
        let live = (result["live"] as! [[String: Any]]).first { $0["channel"] as? String == "phone" }!
        let candidate = (result["candidate"] as! [[String: Any]]).first { $0["channel"] as? String == "phone" }!
        #expect(live["offered"] as? Int == 6 && candidate["offered"] as? Int == 6)
        #expect(live["answered"] as? Int == candidate["answered"] as? Int)
    }

    @Test("a candidate that routes otherwise disagrees where it should, and sends nothing to adapters")
    func differentCandidate() {
        // In the candidate, bea lacks the billing skill: every invoice call goes to sam.
        var candidate = Self.agents
        candidate[0].profile.skills = []
        let clock = TestClock()
        let router = Self.router(candidate: candidate, clock: clock)
        let lines = Self.day(router, clock)
        let result = Self.figures(router)
        #expect((result["decisions_agreed"] as? Double ?? 1) < 1)
        // The same traffic without a shadow gives the very same lines: the shadow never speaks.
        let plainClock = TestClock()
        let plain = try! LiveRouter(settings: .init(center: Harness.center(), agents: Self.agents), clock: { plainClock.read() })
        #expect(Self.day(plain, plainClock).map(\.line) == lines.map(\.line))
    }

    @Test("both sides are measured as the wallboard measures: hang-ups counted on each, those still waiting within their target left out")
    func measuredAsTheWallboard() throws {
        let clock = TestClock()
        let router = Self.router(candidate: Self.agents, clock: clock)
        var lines: [Outbound] = []
        func send(_ text: String) { lines += router.handle(line: text, from: SessionID(1)) }
        router.connect(SessionID(1))
        send(#"{"op":"hello","role":"adapter","name":"pbx"}"#)
        // Nobody logged in: c1 hangs up after 30 s.
        send(#"{"op":"contact.arrive","id":"c1","channel":"phone","topic":"invoice"}"#)
        clock.now += 30
        lines += router.fireTimers()
        send(#"{"op":"contact.abandon","id":"c1"}"#)
        // bea logs in and answers c2 at once; c3 is still waiting, well within the 60 s target.
        send(#"{"op":"agent.state","agent":"bea","state":"available"}"#)
        send(#"{"op":"contact.arrive","id":"c2","channel":"phone","topic":"invoice"}"#)
        send(#"{"op":"offer.accept","contact":"c2","agent":"bea"}"#)
        clock.now += 5
        lines += router.fireTimers()
        send(#"{"op":"contact.arrive","id":"c3","channel":"phone","topic":"invoice"}"#)
        let result = Self.figures(router)
        for side in ["live", "candidate"] {
            let phone = try #require((result[side] as? [[String: Any]])?.first { $0["channel"] as? String == "phone" })
            #expect(phone["offered"] as? Int == 3, "\(side)")
            #expect(phone["abandoned"] as? Int == 1, "\(side)")
            // Answered within target 1 ÷ known outcomes (3 offered − c3 still within its target) = 0.5.
            #expect(phone["service_level"] as? Double == 0.5, "\(side)")
        }
        // The wallboard's own figure for the channel agrees.
        router.connect(SessionID(8))
        let stats = router.handle(line: #"{"op":"stats","req":2}"#, from: SessionID(8)).compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.line.utf8)) as? [String: Any]
        }.first { $0["re"] as? Int == 2 }?["result"] as? [String: Any]
        let channel = (stats?["channels"] as? [[String: Any]])?.first { $0["channel"] as? String == "phone" }
        #expect(channel?["service_level_today"] as? Double == 0.5)
    }

    @Test("the candidate's agents answer after the ring the real ones took: an identical candidate has the same ASA, not a better one")
    func candidatePaysTheRing() throws {
        let clock = TestClock()
        let router = Self.router(candidate: Self.agents, clock: clock)
        var lines: [Outbound] = []
        func send(_ text: String) { lines += router.handle(line: text, from: SessionID(1)) }
        router.connect(SessionID(1))
        send(#"{"op":"hello","role":"adapter","name":"pbx"}"#)
        send(#"{"op":"agent.state","agent":"bea","state":"available"}"#)
        for index in 1...3 {
            clock.now += 30
            lines += router.fireTimers()
            send(#"{"op":"contact.arrive","id":"r\#(index)","channel":"phone","topic":"invoice"}"#)
            clock.now += 4  // the agent's phone rings for 4 s
            lines += router.fireTimers()
            send(#"{"op":"offer.accept","contact":"r\#(index)","agent":"bea"}"#)
            clock.now += 10
            lines += router.fireTimers()
            send(#"{"op":"contact.complete","id":"r\#(index)"}"#)
        }
        clock.now += 30
        lines += router.fireTimers()
        let result = Self.figures(router)
        let live = try #require((result["live"] as? [[String: Any]])?.first { $0["channel"] as? String == "phone" })
        let candidate = try #require((result["candidate"] as? [[String: Any]])?.first { $0["channel"] as? String == "phone" })
        #expect(live["answered"] as? Int == 3 && candidate["answered"] as? Int == 3)
        #expect(live["average_speed_of_answer_s"] as? Double == 4)
        // Before, the candidate's offers were taken as accepted at once: ASA 0, a better look for nothing.
        #expect(candidate["average_speed_of_answer_s"] as? Double == 4)
        #expect(result["decisions_agreed"] as? Double == 1)
    }

    @Test("after a restart from a snapshot the shadow starts from the agents as they are: logged-in agents still answer there")
    func restartKeepsShadowStaffing() throws {
        let clock = TestClock()
        let before = Self.router(candidate: Self.agents, clock: clock)
        before.connect(SessionID(1))
        _ = before.handle(line: #"{"op":"hello","role":"adapter","name":"pbx"}"#, from: SessionID(1))
        _ = before.handle(line: #"{"op":"agent.state","agent":"bea","state":"available"}"#, from: SessionID(1))
        let bytes = try before.snapshot().encoded()
        let after = Self.router(candidate: Self.agents, clock: clock)
        try after.restore(from: bytes)
        after.connect(SessionID(1))
        _ = after.handle(line: #"{"op":"hello","role":"adapter","name":"pbx"}"#, from: SessionID(1))
        clock.now += 5
        _ = after.handle(line: #"{"op":"contact.arrive","id":"x1","channel":"phone","topic":"invoice"}"#, from: SessionID(1))
        _ = after.handle(line: #"{"op":"offer.accept","contact":"x1","agent":"bea"}"#, from: SessionID(1))
        clock.now += 1
        _ = after.fireTimers()
        let result = Self.figures(after)
        let candidate = try #require((result["candidate"] as? [[String: Any]])?.first { $0["channel"] as? String == "phone" })
        // Before, every candidate agent was offline after a restore: nothing answered, ever.
        #expect(candidate["answered"] as? Int == 1)
        #expect(result["decisions_compared"] as? Int == 1)
    }

    @Test("without --shadow, the shadow request says there is none")
    func noShadow() {
        let h = Harness()
        h.router.connect(SessionID(1))
        #expect(errorCode(h.reply(#"{"op":"shadow","req":1}"#, from: 1)) == "invalid_state")
    }
}
