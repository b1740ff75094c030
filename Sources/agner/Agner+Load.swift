import AgnerProtocol
import AgnerServer
import ArgumentParser
import Foundation
import Histogram
import NIOCore
import NIOPosix

extension Agner {
    struct Load: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "load",
            abstract: "Drive realistic traffic at a running agner serve and measure throughput and latency.",
            discussion: """
                Each connection logs in its own agents, then sends contacts through their whole life: \
                arrive, (offer), accept, complete. With --pipeline D each connection keeps D contacts \
                in flight (closed loop); with --rate N the connections together start N contacts a \
                second (open loop). Prints requests per second and latency percentiles (HdrHistogram). \
                Loopback only; stops by itself after --duration, then cleans up after itself: \
                contacts still open are abandoned (or completed), and its agents logged out and \
                removed, so runs can follow each other on one router. Its agents are ordinary \
                agents of the center: contacts other adapters left waiting for the same topic are \
                offered to them too (and those offers go to their adapters), so measure on a \
                router of its own (scenarios/live-load.yaml).

                Example: agner load --connect 127.0.0.1:7040 --connections 16 --duration 10s --pipeline 8
                """)

        @Option(help: "HOST:PORT of the router (loopback only).")
        var connect: String = "127.0.0.1:7040"

        @Option(parsing: .unconditional, help: "Connections, each an adapter with its own agents.")
        var connections: Int = 16

        @Option(help: "How long to send new contacts: 10s, 1min.")
        var duration: String = "10s"

        @Option(parsing: .unconditional, help: "Contacts in flight per connection (closed loop).")
        var pipeline: Int = 1

        @Option(parsing: .unconditional, help: "Contacts started per second over all connections (open loop); overrides --pipeline.")
        var rate: Double?

        @Option(help: "A supervisor token, when the router runs with --tokens.")
        var token: String = ""

        func address() throws -> (String, Int) { try Serve.hostAndPort(connect, option: "--connect") }

        func validate() throws {
            let (host, _) = try address()
            guard Serve.isLoopback(host) else {
                throw ValidationError("agner load only sends traffic to this machine (127.0.0.1, localhost, ::1)")
            }
            guard (1...1000).contains(connections) else { throw ValidationError("--connections must be between 1 and 1000") }
            guard (1...1000).contains(pipeline) else { throw ValidationError("--pipeline must be between 1 and 1000") }
            if let rate, !(rate > 0 && rate <= 1_000_000) { throw ValidationError("--rate must be between 0 and 1000000") }
            let seconds = try parseDuration()
            guard seconds > 0 && seconds <= 3600 else { throw ValidationError("--duration must be between 0 and 1 h") }
        }

        func parseDuration() throws -> Double {
            let text = duration.trimmingCharacters(in: .whitespaces)
            let units: [(String, Double)] = [("ms", 0.001), ("min", 60), ("s", 1), ("h", 3600)]
            for (suffix, factor) in units where text.hasSuffix(suffix) {
                if let value = Double(text.dropLast(suffix.count)) { return value * factor }
            }
            if let value = Double(text) { return value }
            throw ValidationError("--duration '\(duration)' is not a duration (write 10s, 1min)")
        }

        func run() throws {
            let (host, port) = try address()
            let seconds = try parseDuration()
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            defer { try? group.syncShutdownGracefully() }
            let loop = group.next()
            let stats = LoadStats()
            let perConnectionRate = rate.map { $0 / Double(connections) }
            let stopAt = NIODeadline.now() + .nanoseconds(Int64(seconds * 1e9))
            // Names unique to this run, so a second run against the same router adds its own agents.
            let run = String(UInt64(Date().timeIntervalSince1970 * 1000) % 1_000_000_000, radix: 36)
            var channels: [Channel] = []
            for index in 0..<connections {
                let handler = LoadConnection(run: run, index: index, connections: connections, pipeline: rate == nil ? pipeline : 0, rate: perConnectionRate,
                                             token: token, stopAt: stopAt, stats: stats)
                let channel = try ClientBootstrap(group: group)
                    .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(handler)
                        }
                    }
                    .connect(host: host, port: port).wait()
                channels.append(channel)
            }
            // Wait for the run, then a grace period for contacts in flight.
            Thread.sleep(forTimeInterval: seconds + 0.5)
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline, (try loop.submit { stats.inFlight }.wait()) > 0 { Thread.sleep(forTimeInterval: 0.05) }
            // Clean up: end what is still open, log the agents out and remove them.
            try loop.submit { for channel in channels { (try? channel.pipeline.syncOperations.handler(type: LoadConnection.self))?.cleanUp() } }.wait()
            let cleanupDeadline = Date().addingTimeInterval(5)
            while Date() < cleanupDeadline, (try loop.submit { stats.cleanupPending }.wait()) > 0 { Thread.sleep(forTimeInterval: 0.02) }
            for channel in channels { try? channel.close().wait() }
            let report = try loop.submit { stats.report(seconds: seconds, connections: connections) }.wait()
            print(report)
        }
    }
}

/// Counters and the latency histogram, touched only on the client's one event loop.
final class LoadStats: @unchecked Sendable {
    var latency = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
    var requests = 0
    var errors: [String: Int] = [:]
    var contactsCompleted = 0
    /// Contacts refused or whose offer could not be taken (counted apart from completed ones).
    var contactsFailed = 0
    /// Contacts still open when the run ended, abandoned (or completed) by the clean-up.
    var contactsEndedByCleanup = 0
    /// Contacts refused on arrival because their channel was closed (opening hours).
    var contactsClosed = 0
    var inFlight = 0
    var cleanupPending = 0
    /// Clean-up requests the router refused (an agent still in wrap-up cannot be removed, say).
    var cleanupRefused = 0

    func report(seconds: Double, connections: Int) -> String {
        var summary = "\(requests) requests in \(Format.seconds(seconds)) over \(connections) connections: \(Int(Double(requests) / seconds)) requests/s, \(contactsCompleted) contacts completed"
        if contactsClosed > 0 { summary += ", \(contactsClosed) closed on arrival (the channel was closed: opening hours)" }
        if contactsFailed - contactsClosed > 0 { summary += ", \(contactsFailed - contactsClosed) failed" }
        if contactsEndedByCleanup > 0 { summary += ", \(contactsEndedByCleanup) still open at the end (ended by the clean-up)" }
        var lines = [
            summary,
            "latency µs: p50 \(latency.valueAtPercentile(50)) · p90 \(latency.valueAtPercentile(90)) · p99 \(latency.valueAtPercentile(99)) · p99.9 \(latency.valueAtPercentile(99.9)) · max \(latency.max)",
        ]
        if cleanupRefused > 0 { lines.append("clean-up: \(cleanupRefused) requests refused (agents still wrapping up stay, logged out)") }
        if !errors.isEmpty { lines.append("errors: " + errors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")) }
        return lines.joined(separator: "\n")
    }

    enum Format {
        static func seconds(_ value: Double) -> String { value == value.rounded() ? "\(Int(value)) s" : String(format: "%.1f s", value) }
    }
}

/// One load connection: an adapter with its own agents, cycling contacts through their life.
final class LoadConnection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    let run: String
    let index: Int
    let pipeline: Int
    let rate: Double?
    let token: String
    let stopAt: NIODeadline
    let stats: LoadStats
    /// How many connections share the rate (to stagger their turns).
    let connections: Int
    var context: ChannelHandlerContext?
    var nextReq = 0
    var nextContact = 0
    /// req → (sent at, what to do with the reply)
    var pending: [Int: (UInt64, Step)] = [:]
    var setupLeft = 0

    enum Step { case hello, setup, arrive(String), accept(String), complete(String), cleanup }
    /// Contacts announced and not finished: whether their offer was accepted.
    var open: [String: Bool] = [:]
    var agentNames: [String] = []

    init(run: String, index: Int, connections: Int, pipeline: Int, rate: Double?, token: String, stopAt: NIODeadline, stats: LoadStats) {
        self.run = run
        self.connections = connections
        self.index = index
        self.pipeline = pipeline
        self.rate = rate
        self.token = token
        self.stopAt = stopAt
        self.stats = stats
    }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        send([("op", .string("hello")), ("role", .string("supervisor")), ("name", .string("load-\(run)-\(index)")), ("token", .string(token)),
              ("protocol", .int(1))], .hello)
    }

    /// Encodes with jansson, like the server: the client shares the machine, and Foundation's
    /// JSONSerialization cost it several times more per message (its queue showed as latency).
    func send(_ fields: [(String, WireValue)], _ step: Step) {
        guard let context else { return }
        nextReq += 1
        pending[nextReq] = (DispatchTime.now().uptimeNanoseconds, step)
        let fields = fields + [("req", WireValue.int(nextReq))]
        let line: String
        // The three requests of every contact reuse a template each (as the server's replies do).
        if case let .string(op)? = fields.first?.1, op == "contact.arrive" || op == "offer.accept" || op == "contact.complete" {
            let template = templates[op] ?? LineTemplate(fields)
            templates[op] = template
            line = template.line(fields: fields)
        } else {
            line = WireValue.object(fields).line()
        }
        var buffer = context.channel.allocator.buffer(capacity: line.utf8.count)
        buffer.writeString(line)
        // Requests sent while handling a read go out together when the read is done (one
        // system call, not one per request); the others at once.
        context.write(NIOAny(buffer), promise: nil)
        if reading { unflushed = true } else { context.flush() }
    }

    var reading = false
    var unflushed = false
    var templates: [String: LineTemplate] = [:]

    func channelReadComplete(context: ChannelHandlerContext) {
        reading = false
        if unflushed {
            unflushed = false
            context.flush()
        }
    }

    var lines = LineSplitter(maximumLength: 1 << 20)

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        reading = true
        let receivedAt = DispatchTime.now().uptimeNanoseconds
        var buffer = unwrapInboundIn(data)
        lines.feed(&buffer) { piece in
            guard case let .line(bytes) = piece else { return stats.errors["line too long", default: 0] += 1 }
            handle(line: bytes, receivedAt: receivedAt)
        }
    }

    /// One line from the router: an offer is accepted, a reply timed and followed up.
    func handle(line bytes: UnsafeRawBufferPointer, receivedAt: UInt64) {
        guard let object = try? WireObject(parsing: bytes) else { return }
        if let event = try? object.optionalString("event") {
            if event == "offer", let contact = try? object.string("contact"), let agent = try? object.string("agent") {
                send([("op", .string("offer.accept")), ("contact", .string(contact)), ("agent", .string(agent))], .accept(contact))
            }
            return
        }
        guard let re = (try? object.optionalInt("re")) ?? nil, let (sentAt, step) = pending.removeValue(forKey: re) else { return }
        let ok = object.isTrue("ok")
        if case .hello = step {} else if case .setup = step {} else if case .cleanup = step {} else {
            stats.requests += 1
            _ = stats.latency.record((receivedAt - sentAt) / 1000)
        }
        if !ok, case .cleanup = step {
            stats.cleanupRefused += 1
        } else if !ok {
            let full = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
            stats.errors[((full?["error"] as? [String: Any])?["code"] as? String) ?? "?", default: 0] += 1
        }
        switch step {
        case .hello:
            // Once per connection: the nested hello result is read with Foundation.
            let object = (try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]) ?? [:]
            guard ok, let result = object["result"] as? [String: Any], let topics = result["topics"] as? [[String: Any]], let topic = topics.first else {
                stats.errors["hello", default: 0] += 1
                return
            }
            self.topic = topic["name"] as? String ?? "general"
            let department = topic["department"] as? String ?? ""
            let skills = WireValue.object(((topic["skills"] as? [String]) ?? []).map { ($0, WireValue.int(5)) })
            let agents = max(1, pipeline, Int((rate ?? 0) * 0.5) + 1)
            setupLeft = agents * 2
            for agent in 0..<agents {
                let name = "load-\(run)-\(index)-\(agent)"
                agentNames.append(name)
                send([("op", .string("agent.add")), ("agent", .string(name)), ("department", .string(department)), ("skills", skills),
                      ("channels", .object([("phone", .int(1))]))], .setup)
                send([("op", .string("agent.state")), ("agent", .string(name)), ("state", .string("available"))], .setup)
            }
        case .setup:
            setupLeft -= 1
            if setupLeft == 0 { startRunning() }
        case let .arrive(contact):
            if !ok {
                finishContact(contact, completed: false)
            } else if Self.says(bytes, Self.endedState) {
                // Closed on arrival: its channel is closed now (opening hours).
                stats.contactsClosed += 1
                finishContact(contact, completed: false)
            }
        case let .accept(contact):
            if ok {
                open[contact] = true
                send([("op", .string("contact.complete")), ("id", .string(contact))], .complete(contact))
            } else {
                finishContact(contact, completed: false)
            }
        case let .complete(contact):
            finishContact(contact, completed: ok)
        case .cleanup:
            stats.cleanupPending -= 1
        }
    }

    /// The run is over: contacts still open are abandoned (or completed, once accepted), and
    /// the connection's agents logged out and removed.
    func cleanUp() {
        for (contact, accepted) in open.sorted(by: { $0.key < $1.key }) {
            stats.contactsEndedByCleanup += 1
            stats.inFlight -= 1
            stats.cleanupPending += 1
            send([("op", .string(accepted ? "contact.complete" : "contact.abandon")), ("id", .string(contact))], .cleanup)
        }
        open = [:]
        for name in agentNames {
            stats.cleanupPending += 2
            send([("op", .string("agent.state")), ("agent", .string(name)), ("state", .string("offline"))], .cleanup)
            send([("op", .string("agent.remove")), ("agent", .string(name))], .cleanup)
        }
        context?.flush()
    }

    var topic = "general"

    static let endedState = Array(#""state":"ended""#.utf8)

    /// Whether a reply's bytes hold `text` (the router writes compact JSON, so an arrival
    /// closed on arrival reads `"state":"ended"`); no parse on the client's hot path.
    static func says(_ bytes: UnsafeRawBufferPointer, _ text: [UInt8]) -> Bool {
        guard bytes.count >= text.count else { return false }
        for start in 0...(bytes.count - text.count) where bytes[start] == text[0] {
            if text.indices.allSatisfy({ bytes[start + $0] == text[$0] }) { return true }
        }
        return false
    }

    func startRunning() {
        if let rate, rate > 0 {
            // Connections take turns (each starts a slice of the interval after the previous
            // one), so the total rate is spread evenly instead of arriving in bursts of one
            // contact per connection at the same instant.
            let period = 1e9 / rate
            let interval = TimeAmount.nanoseconds(Int64(period))
            let offset = TimeAmount.nanoseconds(Int64(period * Double(index) / Double(connections)))
            context?.eventLoop.scheduleRepeatedTask(initialDelay: interval + offset, delay: interval) { [self] task in
                if NIODeadline.now() >= stopAt { task.cancel(); return }
                startContact()
            }
        } else {
            for _ in 0..<pipeline { startContact() }
        }
    }

    func startContact() {
        guard NIODeadline.now() < stopAt else { return }
        nextContact += 1
        let contact = "load-\(run)-\(index)-c\(nextContact)"
        stats.inFlight += 1
        open[contact] = false
        send([("op", .string("contact.arrive")), ("id", .string(contact)), ("channel", .string("phone")), ("topic", .string(topic))], .arrive(contact))
    }

    func finishContact(_ contact: String, completed: Bool) {
        guard open.removeValue(forKey: contact) != nil else { return }
        stats.inFlight -= 1
        if completed { stats.contactsCompleted += 1 } else { stats.contactsFailed += 1 }
        if rate == nil { startContact() }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        stats.errors["connection", default: 0] += 1
        context.close(promise: nil)
    }
}
