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

    @Test("without --shadow, the shadow request says there is none")
    func noShadow() {
        let h = Harness()
        h.router.connect(SessionID(1))
        #expect(errorCode(h.reply(#"{"op":"shadow","req":1}"#, from: 1)) == "invalid_state")
    }
}
