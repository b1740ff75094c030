import AgnerCore
import Foundation
import Testing
@testable import AgnerServer

@Suite("What the router gives the wallboard")
struct WallboardFeedTests {
    static func stats(_ router: LiveRouter) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(router.wallboardStats().utf8)) as? [String: Any])
    }

    @Test("the feed gets every event as the line a subscriber gets, and keeps breaches with their causes")
    func eventsAndBreaches() async throws {
        let h = Harness()
        let feed = LiveFeed()
        h.router.feed = feed
        let stream = try #require(feed.subscribe())
        h.router.connect(SessionID(1))
        h.send(#"{"op":"contact.arrive","id":"call-1","channel":"phone","topic":"invoice"}"#, from: 1)
        h.clock.now += 61
        _ = h.router.fireTimers()
        feed.close()
        var names: [String] = []
        for await message in stream {
            names.append(message.name)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(message.data.utf8)) as? [String: Any])
            #expect(object["event"] as? String == message.name)
            #expect(object["contact"] as? String == "call-1")
        }
        #expect(names.first == "contact.queued" && names.contains("contact.breach_warning") && names.last == "contact.breached")
        let breach = try #require(feed.recentBreaches.first)
        #expect(breach.contact == "call-1" && breach.channel == "phone" && breach.topic == "invoice" && breach.cause == "nobodyEligibleLoggedIn")
        let stats = try Self.stats(h.router)
        let listed = try #require(stats["breaches"] as? [[String: Any]])
        #expect(listed.first?["cause"] as? String == "nobodyEligibleLoggedIn")
    }

    @Test("the wallboard's figures: stats with targets, goals and today's service level per channel, agents by state, contacts answered outside their owner")
    func figures() throws {
        let h = Harness()
        h.router.connect(SessionID(1))
        // Only sam (sales, no billing skill) is available: an invoice call reaches him at the ladder's last step.
        h.send(#"{"op":"agent.state","agent":"sam","state":"available"}"#, from: 1)
        h.send(#"{"op":"contact.arrive","id":"call-1","channel":"phone","topic":"invoice"}"#, from: 1)
        h.clock.now += 50
        let offers = h.router.fireTimers().filter { $0.line.contains("\"event\":\"offer\"") }
        #expect(offers.count == 1 && offers[0].line.contains("\"agent\":\"sam\""))
        #expect(h.reply(#"{"op":"offer.accept","contact":"call-1","agent":"sam","req":1}"#, from: 1)["ok"] as? Bool == true)
        let stats = try Self.stats(h.router)
        #expect(stats["answered_outside_owner_today"] as? Int == 1)
        let queue = try #require((stats["queues"] as? [[String: Any]])?.first { $0["topic"] as? String == "invoice" })
        #expect(queue["answered_outside_owner_today"] as? Int == 1)
        let phone = try #require((stats["channels"] as? [[String: Any]])?.first { $0["channel"] as? String == "phone" })
        #expect(phone["target_s"] as? Double == 60 && phone["goal"] as? Double == 0.8)
        #expect(phone["service_level_today"] as? Double == 1)  // answered within 60 s
        let agents = try #require(stats["agents"] as? [String: Int])
        #expect(agents["busy"] == 1 && agents["offline"] == 1)
        #expect(stats["time"] as? Double == h.clock.now)
        // The protocol's stats carry the new per-queue figure too.
        let reply = h.reply(#"{"op":"stats","req":2}"#, from: 1)
        let queues = try #require((reply["result"] as? [String: Any])?["queues"] as? [[String: Any]])
        #expect(queues.first { $0["topic"] as? String == "invoice" }?["answered_outside_owner_today"] as? Int == 1)
    }
}
