import AgnerCore
import AgnerProtocol
import AgnerServer
import AgnerTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import Testing
@testable import AgnerWallboard

/// A bare HTTP/1.1 client over a loopback socket: sends one request, reads until a condition
/// holds or the deadline passes (a stream of events never ends by itself).
final class HTTPProbe {
    let socket: Int32
    var received: [UInt8] = []

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var limit = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    deinit { close() }

    /// Whether the peer closed the connection (a read saw its end).
    private(set) var isClosed = false
    private var closedHere = false

    func close() {
        guard !closedHere else { return }
        closedHere = true
        Glibc.close(socket)
    }

    var text: String { String(decoding: received, as: UTF8.self) }

    func send(_ request: String) {
        let bytes = Array(request.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads until `done(text)` or the peer closes or `seconds` pass. - Returns: the text.
    @discardableResult
    func read(within seconds: Double = 5, until done: (String) -> Bool = { _ in false }) -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var chunk = [UInt8](repeating: 0, count: 65536)
        while Date() < deadline && !done(text) {
            let n = recv(socket, &chunk, chunk.count, 0)
            if n == 0 || (n < 0 && errno == ECONNRESET) {
                isClosed = true
                break
            }
            if n > 0 { received += chunk[..<n] }
        }
        return text
    }

    /// One request with `Connection: close`; the whole response as text.
    static func get(_ path: String, port: Int, headers: [String] = [], method: String = "GET", body: String? = nil) throws -> String {
        let probe = try HTTPProbe(port: port)
        var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for header in headers { request += header + "\r\n" }
        if let body { request += "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n" }
        request += "\r\n" + (body ?? "")
        probe.send(request)
        return probe.read()
    }
}

/// A live router on port 0 with its HTTP face on port 0.
final class LiveBoard {
    let server: RoutingServer
    let wallboard: WallboardServer
    let feed = LiveFeed()
    let port: Int
    let httpPort: Int

    init(tokens: [String: Grant]? = nil, maximumConnections: Int = 256, idleTimeout: Duration = .seconds(60),
         maximumUnauthenticated: Int = 32, credentialTimeout: Duration = .seconds(10)) throws {
        var channels = PerChannel(phone: ChannelSettings.standard(for: .phone), chat: .standard(for: .chat),
                                  email: .standard(for: .email), clickToCall: .standard(for: .clickToCall))
        channels.phone.answerTarget = 60
        let center = try CenterConfiguration(
            departments: ["billing", "sales"], skills: ["billing", "orders"],
            topics: [Topic(name: "invoice", requiredSkills: [SkillID(0)], owningDepartment: DepartmentID(0)),
                     Topic(name: "order", requiredSkills: [SkillID(1)], owningDepartment: DepartmentID(1))],
            channels: channels)
        let agents = [LiveRouter.Agent(name: "bea", profile: AgentProfile(id: AgentID(0), department: DepartmentID(0), skills: [SkillLevel(SkillID(0), 4)])),
                      LiveRouter.Agent(name: "sam", profile: AgentProfile(id: AgentID(0), department: DepartmentID(1),
                                                                          skills: [SkillLevel(SkillID(0), 2), SkillLevel(SkillID(1), 4)]))]
        let router = try LiveRouter(settings: .init(center: center, agents: agents, tokens: tokens), clock: { Date().timeIntervalSince1970 })
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        server = RoutingServer(configuration: ServerConfiguration(port: 0), router: router, journal: nil, logger: logger)
        port = try server.start()
        wallboard = WallboardServer(configuration: WallboardConfiguration(host: "127.0.0.1", port: 0, metrics: { "agner_requests_total 7\n" },
                                                                          maximumConnections: maximumConnections, idleTimeout: idleTimeout,
                                                                          maximumUnauthenticated: maximumUnauthenticated,
                                                                          credentialTimeout: credentialTimeout),
                                    feed: feed, access: WallboardAccess(tokens: tokens), logger: logger)
        httpPort = try wallboard.start()
        server.attach(feed, statsEvery: .milliseconds(100))
    }

    deinit {
        wallboard.shutdown()
        server.shutdown()
    }
}

@Suite("Wallboard over HTTP", .serialized)
struct WallboardTests {
    static func body(_ response: String) -> String {
        response.range(of: "\r\n\r\n").map { String(response[$0.upperBound...]) } ?? ""
    }

    @Test("the HTTP face serves the page, Prometheus metrics, the figures as JSON, and the router's events as they happen")
    func servesEverything() throws {
        let live = try LiveBoard()
        let page = try HTTPProbe.get("/", port: live.httpPort)
        #expect(page.hasPrefix("HTTP/1.1 200") && page.contains("text/html") && page.contains("new EventSource(\"/events\")"))
        let metrics = try HTTPProbe.get("/metrics", port: live.httpPort)
        #expect(metrics.hasPrefix("HTTP/1.1 200") && metrics.contains("agner_requests_total 7"))

        let events = try HTTPProbe(port: live.httpPort)
        events.send("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        events.read { $0.contains("event: stats") }
        #expect(events.text.hasPrefix("HTTP/1.1 200") && events.text.contains("text/event-stream"))

        let pbx = try TestClient(port: live.port)
        #expect(pbx.request(["op": "hello", "role": "adapter", "name": "pbx"], req: 1)?["ok"] as? Bool == true)
        #expect(pbx.request(["op": "contact.arrive", "id": "call-1", "channel": "phone", "topic": "invoice"], req: 2)?["ok"] as? Bool == true)
        let streamed = events.read { $0.contains("event: contact.queued\ndata: {\"event\":\"contact.queued\",\"contact\":\"call-1\"") }
        #expect(streamed.contains("\"contact\":\"call-1\""))
        // The figures follow within the stats interval: call-1 waits in phone/invoice.
        let deadline = Date().addingTimeInterval(3)
        var waiting: Int? = nil
        while Date() < deadline && waiting != 1 {
            let stats = Self.body(try HTTPProbe.get("/api/stats", port: live.httpPort))
            let object = try JSONSerialization.jsonObject(with: Data(stats.utf8)) as? [String: Any]
            let queues = object?["queues"] as? [[String: Any]] ?? []
            waiting = queues.first { $0["channel"] as? String == "phone" && $0["topic"] as? String == "invoice" }?["waiting"] as? Int
            #expect(object?["agents"] as? [String: Int] != nil)
            let phone = (object?["channels"] as? [[String: Any]])?.first { $0["channel"] as? String == "phone" }
            #expect(phone?["target_s"] as? Double == 60 && phone?["goal"] as? Double == 0.8)
        }
        #expect(waiting == 1)
        // Read-only: nothing else is served.
        #expect(try HTTPProbe.get("/api/stats", port: live.httpPort, method: "POST", body: "").hasPrefix("HTTP/1.1 40"))
    }

    @Test("?events= chooses the events; stats always come")
    func chosenEvents() throws {
        let live = try LiveBoard()
        let events = try HTTPProbe(port: live.httpPort)
        events.send("GET /events?events=agent.state HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        events.read { $0.contains("event: stats") }
        let pbx = try TestClient(port: live.port)
        _ = pbx.request(["op": "hello", "role": "adapter", "name": "pbx"], req: 1)
        _ = pbx.request(["op": "contact.arrive", "id": "call-1", "channel": "phone", "topic": "invoice"], req: 2)
        _ = pbx.request(["op": "agent.state", "agent": "bea", "state": "available"], req: 3)
        let text = events.read { $0.contains("event: agent.state") }
        #expect(text.contains("event: agent.state"))
        #expect(!text.contains("event: contact.queued") && !text.contains("event: offer"))
    }

    @Test("with tokens: no credential is refused (a page goes to the login form), adapters are refused, supervisors and observers get in by bearer token or by the login form's cookie")
    func tokens() throws {
        let live = try LiveBoard(tokens: ["boss-token": .supervisor, "watch-token": .observer, "pbx-token": .adapter("pbx")])
        let port = live.httpPort
        #expect(try HTTPProbe.get("/metrics", port: port).hasPrefix("HTTP/1.1 401"))
        #expect(try HTTPProbe.get("/api/stats", port: port, headers: ["Authorization: Bearer wrong"]).hasPrefix("HTTP/1.1 401"))
        #expect(try HTTPProbe.get("/events", port: port, headers: ["Authorization: Bearer pbx-token"]).hasPrefix("HTTP/1.1 401"))
        let redirect = try HTTPProbe.get("/", port: port)
        #expect(redirect.hasPrefix("HTTP/1.1 303") && redirect.lowercased().contains("location: /login"))
        #expect(try HTTPProbe.get("/login", port: port).contains("<form method=\"post\" action=\"/login\">"))
        #expect(try HTTPProbe.get("/metrics", port: port, headers: ["Authorization: Bearer boss-token"]).hasPrefix("HTTP/1.1 200"))
        #expect(try HTTPProbe.get("/api/stats", port: port, headers: ["Authorization: Bearer watch-token"]).hasPrefix("HTTP/1.1 200"))

        #expect(try HTTPProbe.get("/login", port: port, method: "POST", body: "token=pbx-token").hasPrefix("HTTP/1.1 401"))
        let login = try HTTPProbe.get("/login", port: port, method: "POST", body: "token=watch-token")
        #expect(login.hasPrefix("HTTP/1.1 303"))
        let cookieLine = try #require(login.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie:") })
        #expect(cookieLine.contains("HttpOnly") && !cookieLine.contains("watch-token"))
        let cookie = try #require(cookieLine.dropFirst("set-cookie:".count).split(separator: ";").first).trimmingCharacters(in: .whitespaces)
        let page = try HTTPProbe.get("/", port: port, headers: ["Cookie: \(cookie)"])
        #expect(page.hasPrefix("HTTP/1.1 200") && page.contains("Agner wallboard"))
        #expect(try HTTPProbe.get("/", port: port, headers: ["Cookie: agner_session=0123456789abcdef0123456789abcdef"]).hasPrefix("HTTP/1.1 303"))
    }
}

@Suite("The HTTP face's limits", .serialized)
struct WallboardLimitTests {
    @Test("an idle HTTP connection is closed after the idle timeout; an event stream being sent is not")
    func idleConnectionsClosed() throws {
        let live = try LiveBoard(idleTimeout: .milliseconds(300))
        let idle = try HTTPProbe(port: live.httpPort)
        let stream = try HTTPProbe(port: live.httpPort)
        stream.send("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        stream.read { $0.contains("event: stats") }
        // Nothing sent on `idle`: the server closes it (the read sees the end, not a timeout).
        idle.read(within: 10)
        #expect(idle.isClosed, "an idle connection stayed open")
        // The stream goes on: stats keep coming, twice a second and more.
        let before = stream.text.components(separatedBy: "event: stats").count
        stream.read(within: 1)
        #expect(!stream.isClosed)
        #expect(stream.text.components(separatedBy: "event: stats").count > before)
    }

    @Test("past the HTTP face's connection limit, new connections wait (no descriptor taken) until one closes")
    func connectionLimit() throws {
        let live = try LiveBoard(maximumConnections: 2)
        // One after the other: of two slots, one may be held by a connection still to send its
        // first request (the other is kept for one that did).
        var probes: [HTTPProbe] = []
        for _ in 0..<2 {
            let probe = try HTTPProbe(port: live.httpPort)
            probe.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(probe.read { $0.contains("agner_requests_total 7") }.hasPrefix("HTTP/1.1 200"))
            probes.append(probe)
        }
        let first = probes[0]
        // A third is queued by the kernel, not served while two are open.
        let third = try HTTPProbe(port: live.httpPort)
        third.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        #expect(third.read(within: 0.6).isEmpty)
        // Once one closes, it is served.
        first.close()
        #expect(third.read(within: 5) { $0.contains("agner_requests_total 7") }.hasPrefix("HTTP/1.1 200"))
    }

    @Test("silent connections cannot lock a supervisor out of the HTTP face: past a few, the oldest of them is closed")
    func silentConnectionsCannotLockOut() throws {
        let live = try LiveBoard(tokens: ["boss-token": .supervisor], maximumConnections: 8, maximumUnauthenticated: 4)
        // Twenty sockets that never send a request (more than all the face's slots), and five
        // that send one without a token and stay.
        let silent = try (0..<20).map { _ in try HTTPProbe(port: live.httpPort) }
        let refused = try (0..<5).map { _ in try HTTPProbe(port: live.httpPort) }
        for probe in refused { probe.send("GET /api/stats HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n") }
        let reply = try HTTPProbe.get("/api/stats", port: live.httpPort, headers: ["Authorization: Bearer boss-token"])
        #expect(reply.hasPrefix("HTTP/1.1 200"), "\(reply.prefix(80))")
        // Those the supervisor's connection pushed out were closed, not left waiting.
        let closed = silent.filter { $0.read(within: 0.05).isEmpty && $0.isClosed }.count
        #expect(closed >= 16, "\(closed) of 20 silent connections closed")
        withExtendedLifetime(refused) {}
    }

    @Test("a connection that sends no request with a credential is closed after the credential timeout, even before the idle timeout")
    func credentialTimeout() throws {
        let live = try LiveBoard(tokens: ["boss-token": .supervisor], idleTimeout: .seconds(60), credentialTimeout: .milliseconds(300))
        let silent = try HTTPProbe(port: live.httpPort)
        let refused = try HTTPProbe(port: live.httpPort)
        refused.send("GET /api/stats HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        let watcher = try HTTPProbe(port: live.httpPort)
        watcher.send("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer boss-token\r\n\r\n")
        silent.read(within: 10)
        refused.read(within: 10)
        #expect(silent.isClosed && refused.isClosed)
        // A connection with a credential stays (its stream goes on).
        watcher.read(within: 1)
        #expect(!watcher.isClosed && watcher.text.contains("event: stats"))
    }

    @Test("the bearer scheme is case-insensitive (RFC 7235)", arguments: ["Bearer", "bearer", "BEARER", "bEaReR"])
    func bearerAnyCase(scheme: String) throws {
        let live = try LiveBoard(tokens: ["watch-token": .observer])
        #expect(try HTTPProbe.get("/api/stats", port: live.httpPort, headers: ["Authorization: \(scheme) watch-token"]).hasPrefix("HTTP/1.1 200"))
        #expect(try HTTPProbe.get("/api/stats", port: live.httpPort, headers: ["Authorization: \(scheme) wrong-token"]).hasPrefix("HTTP/1.1 401"))
    }
}

@Suite("The feed between the router and its readers")
struct LiveFeedTests {
    @Test("a reader that falls behind is cut off; publishing never waits for it")
    func slowReaderCutOff() async throws {
        let feed = LiveFeed(bufferLimit: 4)
        let stream = try #require(feed.subscribe())
        for n in 0..<10 { feed.publish(event: "contact.queued", line: "{\"n\":\(n)}") }
        #expect(feed.cutOffCount == 1 && feed.subscriberCount == 0)
        var got: [String] = []
        for await message in stream { got.append(message.data) }
        #expect(got == ["{\"n\":0}", "{\"n\":1}", "{\"n\":2}", "{\"n\":3}"])  // what it had, then the end
    }

    @Test("a new reader gets the latest figures first; a closed feed ends every stream and takes no more readers")
    func latestFirstAndClose() async throws {
        let feed = LiveFeed()
        feed.publish(stats: "{\"a\":1}")
        let stream = try #require(feed.subscribe(events: ["agent.state"]))
        feed.publish(event: "contact.queued", line: "{}")
        feed.publish(event: "agent.state", line: "{\"b\":2}")
        feed.close()
        var got: [LiveFeed.Message] = []
        for await message in stream { got.append(message) }
        #expect(got == [.init(name: "stats", data: "{\"a\":1}"), .init(name: "agent.state", data: "{\"b\":2}")])
        #expect(feed.subscribe() == nil)
    }
}
