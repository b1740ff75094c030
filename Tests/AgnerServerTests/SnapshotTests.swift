@testable import AgnerProtocol
import AgnerCore
import AgnerTestSupport
import Foundation
import Testing
@testable import AgnerServer

@Suite("Snapshots")
struct SnapshotTests {
    struct Sample: Codable, Equatable {
        enum Kind: String, Codable { case first, second }
        var number: Int
        var small: Int8
        var ratio: Double
        var name: String
        var maybe: Int?
        var missing: String?
        var kind: Kind
        var nested: [[UInt32]]
        var optionals: [Double?]
        var flags: Set<Bool>
        var pairs: [String: Int]?  // nil: a snapshot holds no keyed maps, but an absent one is fine
    }

    @Test("the binary form reads back exactly what was written, optionals and nesting included")
    func coderRoundTrip() throws {
        let sample = Sample(number: -42, small: -3, ratio: -.infinity, name: "zoë · 東京", maybe: 7, missing: nil, kind: .second,
                            nested: [[1, 2], [], [UInt32.max]], optionals: [1.5, nil, 0], flags: [true], pairs: nil)
        let bytes = try SnapshotCoder.encode(sample)
        #expect(try SnapshotCoder.decode(Sample.self, from: bytes) == sample)
        #expect(try SnapshotCoder.encode(sample) == bytes, "the same value gives the same bytes")
    }

    @Test("a truncated or padded snapshot is refused, not half-read")
    func coderRefusesDamage() throws {
        let bytes = try SnapshotCoder.encode(Sample(number: 1, small: 1, ratio: 1, name: "x", maybe: nil, missing: "y", kind: .first,
                                                   nested: [[3]], optionals: [], flags: [], pairs: nil))
        #expect(throws: DecodingError.self) { try SnapshotCoder.decode(Sample.self, from: Array(bytes.dropLast(3))) }
        #expect(throws: DecodingError.self) { try SnapshotCoder.decode(Sample.self, from: bytes + [0]) }
        // A list whose count was damaged into billions is refused before anything is reserved.
        #expect(throws: DecodingError.self) { try SnapshotCoder.decode([Int].self, from: [0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3]) }
    }

    /// Drives a router through contacts in every state: waiting, offered, connected, wrapping up.
    static func busyDay(_ h: Harness) {
        h.router.connect(SessionID(1))
        h.send(#"{"op":"hello","role":"adapter","name":"pbx"}"#, from: 1)
        h.send(#"{"op":"agent.state","agent":"bea","state":"available"}"#, from: 1)
        h.send(#"{"op":"agent.state","agent":"sam","state":"available"}"#, from: 1)
        h.send(#"{"op":"contact.arrive","id":"a","channel":"phone","topic":"invoice"}"#, from: 1)
        h.clock.now += 2
        h.send(#"{"op":"contact.arrive","id":"b","channel":"phone","topic":"invoice","segment":"wholesale"}"#, from: 1)
        h.send(#"{"op":"contact.arrive","id":"c","channel":"chat","topic":"order"}"#, from: 1)
        h.send(#"{"op":"offer.accept","contact":"a","agent":"bea"}"#, from: 1)
        h.clock.now += 5
        h.send(#"{"op":"contact.arrive","id":"d","channel":"email","topic":"invoice"}"#, from: 1)
        h.send(#"{"op":"agent.add","agent":"kim","department":"sales","skills":{"orders":3},"channels":{"chat":2}}"#, from: 1)
        _ = h.router.fireTimers()
    }

    /// What happens next, as lines: timers, an answer, a completion, a new contact.
    static func nextHour(_ h: Harness) -> [String] {
        var lines: [String] = []
        func run(_ line: String) { lines += h.router.handle(line: line, from: SessionID(1)).map(\.line) }
        h.clock.now += 20
        lines += h.router.fireTimers().map(\.line)
        run(#"{"op":"contact.complete","id":"a"}"#)
        h.clock.now += 40
        lines += h.router.fireTimers().map(\.line)
        run(#"{"op":"agent.state","agent":"kim","state":"available"}"#)
        run(#"{"op":"contact.arrive","id":"e","channel":"phone","topic":"order"}"#)
        run(#"{"op":"stats"}"#)
        run(#"{"op":"contacts"}"#)
        run(#"{"op":"agents"}"#)
        h.clock.now += 3600
        lines += h.router.fireTimers().map(\.line)
        run(#"{"op":"stats"}"#)
        return lines
    }

    @Test("a router restored from a snapshot goes on exactly as the original: same replies, events and stats")
    func restoredRouterContinuesIdentically() throws {
        let original = Harness()
        Self.busyDay(original)
        let bytes = try original.router.snapshot().encoded()

        let restored = Harness()
        restored.clock.now = original.clock.now
        try restored.router.restore(from: bytes)
        restored.router.connect(SessionID(1))
        restored.send(#"{"op":"hello","role":"adapter","name":"pbx"}"#, from: 1)

        // What feeds the metrics gauges is restored too.
        #expect(restored.router.waitingContacts == original.router.waitingContacts)
        #expect(restored.router.agentStateCounts.filter { $0.value != 0 } == original.router.agentStateCounts.filter { $0.value != 0 })

        let expected = Self.nextHour(original)
        let actual = Self.nextHour(restored)
        #expect(actual == expected)
        #expect(expected.contains { $0.contains(#""event":"offer""#) }, "the continuation exercises routing")
    }

    @Test("a snapshot taken with another center is refused and changes nothing")
    func snapshotNeedsItsCenter() throws {
        let original = Harness()
        Self.busyDay(original)
        let bytes = try original.router.snapshot().encoded()
        let other = Harness(target: 30)
        other.router.connect(SessionID(1))
        other.send(#"{"op":"contact.arrive","id":"mine","channel":"phone","topic":"invoice"}"#, from: 1)
        #expect(throws: SnapshotMismatch.self) { try other.router.restore(from: bytes) }
        #expect(throws: SnapshotMismatch.self) { try other.router.restore(from: Array("not a snapshot".utf8)) }
        let contacts = (other.reply(#"{"op":"contacts","req":1}"#, from: 1)["result"] as! [String: Any])["contacts"] as! [[String: Any]]
        #expect(contacts.map { $0["contact"] as? String } == ["mine"])
    }

    @Test("the server stores a snapshot every N commands, off the event loop, and at a graceful stop")
    func serverStoresSnapshots() throws {
        let h = Harness()
        let server = RoutingServer(configuration: ServerConfiguration(port: 0, snapshotInterval: 5), router: h.router, journal: h.journal)
        let port = try server.start()
        let client = try TestClient(port: port)
        func arrive(_ range: Range<Int>) {
            for index in range {
                client.send(#"{"op":"contact.arrive","id":"c\#(index)","channel":"email","topic":"invoice","req":\#(index)}"# + "\n")
                #expect(client.reply(to: index)?["ok"] as? Bool == true)
            }
        }
        func waitForSnapshots(_ count: Int) -> [Int64] {
            let deadline = Date().addingTimeInterval(5)
            while h.journal.lock.withLock({ h.journal.snapshots.count }) < count, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
            return h.journal.lock.withLock { h.journal.snapshots.map(\.sequence) }
        }
        arrive(0..<6)
        let first = waitForSnapshots(1)
        #expect(first.count == 1 && first[0] >= 5 && first[0] <= 6, "snapshots: \(first)")
        arrive(6..<12)  // at least five more commands after the first snapshot: a second one
        let second = waitForSnapshots(2)
        #expect(second.count == 2 && second[1] >= 10 && second[1] <= 12, "snapshots: \(second)")
        server.shutdown()
        let last = try #require(h.journal.lock.withLock { h.journal.snapshots.last })
        // 12 arrivals, and the hold of their adapter's contacts when the stop closed its connection.
        #expect(last.sequence == 13)

        let restored = Harness()
        try restored.router.restore(from: last.data)
        restored.router.connect(SessionID(1))
        let contacts = (restored.reply(#"{"op":"contacts","req":1}"#, from: 1)["result"] as! [String: Any])["contacts"] as! [[String: Any]]
        #expect(contacts.count == 12)
        #expect(contacts.allSatisfy { $0["held"] as? Bool == true })
    }
}
