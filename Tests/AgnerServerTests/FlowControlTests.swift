@testable import AgnerProtocol
import AgnerCore
import AgnerTestSupport
import Foundation
import Logging
import Testing
@testable import AgnerServer

/// An id of `length` bytes ending in `index` (the QA's were 200 bytes, the longest allowed).
func longID(_ index: Int, length: Int) -> String {
    let tail = "-\(index)"
    return String(repeating: "x", count: max(0, length - tail.utf8.count)) + tail
}

/// Fills a router with open e-mail contacts announced by `adapter` (before its server starts),
/// and leaves the adapter connected or gone (its contacts then held).
func fill(_ router: LiveRouter, adapter: String, count: Int, idLength: Int, leave: Bool = false) {
    let session = SessionID(1_000_000)
    router.connect(session)
    var hello = #"{"op":"hello","role":"adapter","name":"\#(adapter)"}"#
    hello.withUTF8 { router.receive(line: UnsafeRawBufferPointer($0), from: session) }
    for index in 0..<count {
        var line = #"{"op":"contact.arrive","id":"\#(longID(index, length: idLength))","channel":"email","topic":"invoice"}"#
        line.withUTF8 { router.receive(line: UnsafeRawBufferPointer($0), from: session) }
        if index % 1000 == 999 { router.takeLines { _, _ in } }
    }
    if leave { router.disconnect(session) }
    router.takeLines { _, _ in }
}

/// Reads lines on a thread of its own, as a client that reads promptly does, counting those
/// that contain `marker`, until `expected` of them came, the connection closed, or a read timed out.
final class PromptReader: @unchecked Sendable {
    let client: TestClient
    let marker: [UInt8]
    let expected: Int
    private(set) var count = 0
    private(set) var closed = false
    private(set) var lines: [String] = []
    let keepLines: Bool
    let done = DispatchSemaphore(value: 0)

    init(_ client: TestClient, counting marker: String, expected: Int, keepLines: Bool = false) {
        self.client = client
        self.marker = Array(marker.utf8)
        self.expected = expected
        self.keepLines = keepLines
        Thread { [self] in run() }.start()
    }

    private func run() {
        var pending: [UInt8] = []
        outer: while count < expected {
            guard let chunk = client.receiveChunk() else {
                closed = true
                break
            }
            pending += chunk
            // memchr and memmem: a debug build's generic slicing would make the reader the slow one.
            var start = 0
            while count < expected {
                let found = pending.withUnsafeBytes { bytes -> (newline: Int, match: Bool)? in
                    let base = bytes.baseAddress! + start
                    guard let hit = memchr(base, Int32(UInt8(ascii: "\n")), bytes.count - start) else { return nil }
                    let length = UnsafeRawPointer(hit) - base
                    let match = marker.withUnsafeBytes { Self.find($0, in: UnsafeRawBufferPointer(start: base, count: length)) }
                    return (start + length, match)
                }
                guard let found else { break }
                if found.match {
                    count += 1
                    if keepLines { lines.append(String(decoding: pending[start..<found.newline], as: UTF8.self)) }
                }
                start = found.newline + 1
            }
            pending.removeFirst(start)
            if count >= expected { break outer }
        }
        done.signal()
    }

    /// Whether `needle` occurs in `haystack` (memchr for its first byte, memcmp for the rest).
    static func find(_ needle: UnsafeRawBufferPointer, in haystack: UnsafeRawBufferPointer) -> Bool {
        guard let first = needle.first, let start = haystack.baseAddress, haystack.count >= needle.count else { return false }
        var offset = 0
        while offset + needle.count <= haystack.count {
            guard let hit = memchr(start + offset, Int32(first), haystack.count - offset - needle.count + 1) else { return false }
            let position = UnsafeRawPointer(hit) - start
            if memcmp(start + position, needle.baseAddress!, needle.count) == 0 { return true }
            offset = position + 1
        }
        return false
    }

    /// Waits for the reader to finish (bounded). - Returns: whether it finished.
    func wait(seconds: Double) -> Bool { done.wait(timeout: .now() + seconds) == .success }
}

@Suite("Flow control: no client hurts the others, a client that reads gets everything", .serialized)
struct FlowControlTests {
    /// Held contacts and the length of their ids: the QA's 40,000 with 200-byte ids (about
    /// 10 MB of events); with AGNER_LARGE_TESTS=1 also the documented capacity, 100,000 with
    /// short ids (about 20 s more with a debug build).
    static let resumeBursts: [(Int, Int)] = ProcessInfo.processInfo.environment["AGNER_LARGE_TESTS"] == "1"
        ? [(40_000, 200), (100_000, 12)] : [(40_000, 200)]

    @Test("a connection pipelining 2,000 heavy reads without reading holds up no other client, and its unsent output stays bounded")
    func pipelinedHeavyReads() throws {
        let live = try LiveServer(journaled: false) { fill($0, adapter: "mail", count: 30_000, idLength: 200) }
        let heavy = try TestClient(port: live.port, timeout: 5, receiveBuffer: 4096)
        heavy.setSendTimeout(5)
        // 2,000 pages of 2,000 contacts of 200-byte ids, in one write (62 KB), never read.
        heavy.send(String(repeating: #"{"op":"contacts","limit":2000}"# + "\n", count: 2000))
        let other = try live.client()
        for req in 1...5 {
            // Each within the client's read timeout (5 s): before, the loop built every page first.
            let reply = other.request(["op": "agents", "limit": 10], req: req)
            #expect(reply?["ok"] as? Bool == true, "request \(req) got no reply in time")
        }
        let server = live.server
        let unsent = try server.loop.submit { server.connections.values.map { server.unsent($0) }.max() ?? 0 }.wait()
        // At most the limit plus what one turn may add (a page is about 0.8 MB).
        #expect(unsent <= live.server.configuration.outboundLimit + 2 * 1024 * 1024, "\(unsent) bytes waiting for one connection")
    }

    @Test("a client that reads promptly gets every page of eight pipelined requests for 2,000 contacts (about 6 MB, past the 4 MiB limit)")
    func pipelinedPagesArrive() throws {
        let live = try LiveServer(journaled: false) { fill($0, adapter: "mail", count: 30_000, idLength: 200) }
        let client = try TestClient(port: live.port, timeout: 10)
        let reader = PromptReader(client, counting: #""re":"#, expected: 8, keepLines: true)
        var requests = ""
        for page in 0..<8 {
            let after = page == 0 ? "" : #","after":"\#(page * 2000)""#
            requests += #"{"op":"contacts","limit":2000,"req":\#(page)\#(after)}"# + "\n"
        }
        client.send(requests)
        #expect(reader.wait(seconds: 120))
        #expect(!reader.closed, "cut off after \(reader.count) replies")
        #expect(reader.lines.count == 8)
        for (index, line) in reader.lines.enumerated() {
            let reply = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(reply["re"] as? Int == index)
            let contacts = (reply["result"] as? [String: Any])?["contacts"] as? [[String: Any]]
            #expect(contacts?.count == 2000, "page \(index)")
        }
    }

    @Test("an observer that reads gets every contact.resumed when an adapter syncs after a restart, and stays connected",
          arguments: FlowControlTests.resumeBursts)
    func resumeBurstReachesObserver(held: Int, idLength: Int) throws {
        let live = try LiveServer(journaled: false) { fill($0, adapter: "pbx", count: held, idLength: idLength, leave: true) }
        let observer = try TestClient(port: live.port, timeout: 10)
        #expect(observer.request(["op": "subscribe", "events": ["*"]], req: 1)?["ok"] as? Bool == true)
        let reader = PromptReader(observer, counting: "contact.resumed", expected: held)
        let adapter = try live.client()
        #expect(adapter.request(["op": "hello", "role": "adapter", "name": "pbx"], req: 1)?["ok"] as? Bool == true)
        #expect(adapter.request(["op": "sync", "limit": 1], req: 2)?["ok"] as? Bool == true)
        #expect(reader.wait(seconds: 120))
        #expect(!reader.closed, "cut off after \(reader.count) of \(held) events")
        #expect(reader.count == held)
        #expect(observer.request(["op": "stats"], req: 3)?["ok"] as? Bool == true)
    }

    @Test("with tokens and a full house, a connection's hello is refused as overloaded, never answered ok first")
    func overloadedBeforeHello() throws {
        let live = try LiveServer(tokens: ["supervisor-secret": .supervisor], configuration: ServerConfiguration(port: 0, maximumConnections: 2))
        let clients = try (0..<4).map { _ in try live.client() }
        for (index, client) in clients.enumerated() {
            let reply = client.request(["op": "hello", "role": "supervisor", "token": "supervisor-secret"], req: index)
            if index < 2 {
                #expect(reply?["ok"] as? Bool == true)
            } else {
                #expect(reply?["ok"] as? Bool == false, "connection \(index): \(reply ?? [:])")
                #expect((reply?["error"] as? [String: Any])?["code"] as? String == "overloaded")
                #expect(client.readLine() == nil)  // then closed
            }
        }
        #expect(clients[0].request(["op": "stats"], req: 9)?["ok"] as? Bool == true)
    }
}

/// A journal whose commits can be made to fail, as on a full disk.
final class FailingJournal: CommandJournal, @unchecked Sendable {
    let lock = NSLock()
    var pending: [JournalEntry] = []
    var committed: [JournalEntry] = []
    var failing = false

    func append(time: Double, origin: String, line: UnsafeRawBufferPointer) throws {
        lock.withLock { pending.append(JournalEntry(time: time, origin: origin, line: String(decoding: line, as: UTF8.self))) }
    }

    func commit() throws -> Int64 {
        try lock.withLock {
            if failing { throw POSIXError(.ENOSPC) }
            committed += pending
            pending = []
            return Int64(committed.count)
        }
    }

    func saveSnapshot(_ data: [UInt8], through sequence: Int64) throws {}

    func setFailing(_ value: Bool) { lock.withLock { failing = value } }
    var committedCount: Int { lock.withLock { committed.count } }
}

@Suite("A journal that cannot be written", .serialized)
struct JournalFailureTests {
    @Test("when commits fail the router refuses changes with journal_failed, serves reads, and acknowledges the held batch once a commit succeeds")
    func diskFull() throws {
        let journal = FailingJournal()
        let agents = [LiveRouter.Agent(name: "bea", profile: AgentProfile(id: AgentID(0), department: DepartmentID(0), skills: [SkillLevel(SkillID(0), 4)]))]
        let router = try LiveRouter(settings: .init(center: Harness.center(), agents: agents), clock: { Date().timeIntervalSince1970 }, journal: journal)
        let server = RoutingServer(configuration: ServerConfiguration(port: 0, journalRetry: .milliseconds(50)), router: router, journal: journal)
        let port = try server.start()
        defer { server.shutdown() }
        let pbx = try TestClient(port: port), watcher = try TestClient(port: port)
        #expect(pbx.request(["op": "hello", "role": "adapter", "name": "pbx"], req: 0)?["ok"] as? Bool == true)
        journal.setFailing(true)
        // Applied and appended, but not durable: no reply yet.
        pbx.send(json: ["op": "contact.arrive", "id": "c1", "channel": "email", "topic": "invoice", "req": 1])
        Thread.sleep(forTimeInterval: 0.2)
        // Another client: changes refused, reads served.
        let refused = watcher.request(["op": "contact.arrive", "id": "c2", "channel": "email", "topic": "invoice"], req: 2)
        #expect((refused?["error"] as? [String: Any])?["code"] as? String == "journal_failed", "\(refused ?? [:])")
        #expect(watcher.request(["op": "stats"], req: 3)?["ok"] as? Bool == true)
        journal.setFailing(false)
        let acknowledged = pbx.reply(to: 1)
        #expect(acknowledged?["ok"] as? Bool == true, "\(acknowledged ?? [:])")
        #expect(journal.committedCount >= 1)
        // And changes are accepted again.
        #expect(watcher.request(["op": "contact.arrive", "id": "c3", "channel": "email", "topic": "invoice"], req: 4)?["ok"] as? Bool == true)
        let names = Set(watcher.allContacts()?.compactMap { $0["contact"] as? String } ?? [])
        #expect(names == ["c1", "c3"])
    }
}

@Suite("Repetitive notices")
struct NoticeLimiterTests {
    @Test("past a few lines a second of one kind, the rest are summed up in one line")
    func rateLimited() {
        let recorder = LogRecorder()
        var now = 1000.0
        let limiter = NoticeLimiter(logger: recorder.logger, perWindow: 3, window: 1, clock: { now })
        for _ in 0..<500 { limiter.log(.notice, "connection closed: too many connections waiting for hello") }
        limiter.log(.notice, "connection closed after an error")
        now += 1.5
        limiter.flush()
        let lines = recorder.lines
        #expect(lines.filter { $0 == "connection closed: too many connections waiting for hello" }.count == 3)
        #expect(lines.contains("connection closed: too many connections waiting for hello … and 497 more"), "\(lines)")
        #expect(lines.contains("connection closed after an error"))
        #expect(lines.count == 5)
    }
}

/// A log handler that keeps the messages, for tests.
final class LogRecorder: @unchecked Sendable {
    let lock = NSLock()
    private var recorded: [String] = []
    var lines: [String] { lock.withLock { recorded } }

    var logger: Logger {
        Logger(label: "test") { _ in Handler(recorder: self) }
    }

    struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            recorder.lock.withLock { recorder.recorded.append("\(event.message)") }
        }
    }
}
