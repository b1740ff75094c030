import AgnerServer
import ArgumentParser
import Foundation
import Histogram
import NIOCore
import NIOPosix

extension Agner {
    struct Load: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drive realistic traffic at a running agner serve and measure throughput and latency.",
            discussion: """
                Each connection logs in its own agents, then sends contacts through their whole life: \
                arrive, (offer), accept, complete. With --pipeline D each connection keeps D contacts \
                in flight (closed loop); with --rate N the connections together start N contacts a \
                second (open loop). Prints requests per second and latency percentiles (HdrHistogram). \
                Loopback only; stops by itself after --duration.

                Example: agner load --connect 127.0.0.1:7040 --connections 16 --duration 10s --pipeline 8
                """)

        @Option(help: "HOST:PORT of the router (loopback only).")
        var connect: String = "127.0.0.1:7040"

        @Option(help: "Connections, each an adapter with its own agents.")
        var connections: Int = 16

        @Option(help: "How long to send new contacts: 10s, 1min.")
        var duration: String = "10s"

        @Option(help: "Contacts in flight per connection (closed loop).")
        var pipeline: Int = 1

        @Option(help: "Contacts started per second over all connections (open loop); overrides --pipeline.")
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
                let handler = LoadConnection(run: run, index: index, pipeline: rate == nil ? pipeline : 0, rate: perConnectionRate,
                                             token: token, stopAt: stopAt, stats: stats)
                let channel = try ClientBootstrap(group: group)
                    .channelOption(.socketOption(.tcp_nodelay), value: 1)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineFramer(maximumLength: 1 << 20)))
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
    var inFlight = 0

    func report(seconds: Double, connections: Int) -> String {
        var lines = [
            "\(requests) requests in \(Format.seconds(seconds)) over \(connections) connections: \(Int(Double(requests) / seconds)) requests/s, \(contactsCompleted) contacts completed",
            "latency µs: p50 \(latency.valueAtPercentile(50)) · p90 \(latency.valueAtPercentile(90)) · p99 \(latency.valueAtPercentile(99)) · p99.9 \(latency.valueAtPercentile(99.9)) · max \(latency.max)",
        ]
        if !errors.isEmpty { lines.append("errors: " + errors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")) }
        return lines.joined(separator: "\n")
    }

    enum Format {
        static func seconds(_ value: Double) -> String { value == value.rounded() ? "\(Int(value)) s" : String(format: "%.1f s", value) }
    }
}

/// One load connection: an adapter with its own agents, cycling contacts through their life.
final class LoadConnection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = FramedLine

    let run: String
    let index: Int
    let pipeline: Int
    let rate: Double?
    let token: String
    let stopAt: NIODeadline
    let stats: LoadStats
    var context: ChannelHandlerContext?
    var nextReq = 0
    var nextContact = 0
    /// req → (sent at, what to do with the reply)
    var pending: [Int: (UInt64, Step)] = [:]
    var setupLeft = 0

    enum Step { case hello, setup, arrive(String), accept(String), complete(String) }

    init(run: String, index: Int, pipeline: Int, rate: Double?, token: String, stopAt: NIODeadline, stats: LoadStats) {
        self.run = run
        self.index = index
        self.pipeline = pipeline
        self.rate = rate
        self.token = token
        self.stopAt = stopAt
        self.stats = stats
    }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        send(["op": "hello", "role": "supervisor", "name": "load-\(run)-\(index)", "token": token, "protocol": 1], .hello)
    }

    func send(_ request: [String: Any], _ step: Step) {
        guard let context else { return }
        nextReq += 1
        var request = request
        request["req"] = nextReq
        pending[nextReq] = (DispatchTime.now().uptimeNanoseconds, step)
        let data = try! JSONSerialization.data(withJSONObject: request)
        var buffer = context.channel.allocator.buffer(capacity: data.count + 1)
        buffer.writeBytes(data)
        buffer.writeInteger(UInt8(ascii: "\n"))
        context.writeAndFlush(NIOAny(buffer), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case let .line(buffer) = unwrapInboundIn(data),
              let object = try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any] else { return }
        if let event = object["event"] as? String {
            if event == "offer", let contact = object["contact"] as? String, let agent = object["agent"] as? String {
                send(["op": "offer.accept", "contact": contact, "agent": agent], .accept(contact))
            }
            return
        }
        guard let re = object["re"] as? Int, let (sentAt, step) = pending.removeValue(forKey: re) else { return }
        let ok = object["ok"] as? Bool == true
        if case .hello = step {} else if case .setup = step {} else {
            stats.requests += 1
            _ = stats.latency.record((DispatchTime.now().uptimeNanoseconds - sentAt) / 1000)
        }
        if !ok { stats.errors[((object["error"] as? [String: Any])?["code"] as? String) ?? "?", default: 0] += 1 }
        switch step {
        case .hello:
            guard ok, let result = object["result"] as? [String: Any], let topics = result["topics"] as? [[String: Any]], let topic = topics.first else {
                stats.errors["hello", default: 0] += 1
                return
            }
            self.topic = topic["name"] as? String ?? "general"
            let department = topic["department"] as? String ?? ""
            let skills = Dictionary(uniqueKeysWithValues: ((topic["skills"] as? [String]) ?? []).map { ($0, 5) })
            let agents = max(1, pipeline, Int((rate ?? 0) * 0.5) + 1)
            setupLeft = agents * 2
            for agent in 0..<agents {
                let name = "load-\(run)-\(index)-\(agent)"
                send(["op": "agent.add", "agent": name, "department": department, "skills": skills, "channels": ["phone": 1]], .setup)
                send(["op": "agent.state", "agent": name, "state": "available"], .setup)
            }
        case .setup:
            setupLeft -= 1
            if setupLeft == 0 { startRunning() }
        case let .arrive(contact):
            if !ok { finishContact(contact) }
        case let .accept(contact):
            if ok { send(["op": "contact.complete", "id": contact], .complete(contact)) } else { finishContact(contact) }
        case let .complete(contact):
            finishContact(contact)
        }
    }

    var topic = "general"

    func startRunning() {
        if let rate, rate > 0 {
            let interval = TimeAmount.nanoseconds(Int64(1e9 / rate))
            context?.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [self] task in
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
        send(["op": "contact.arrive", "id": contact, "channel": "phone", "topic": topic], .arrive(contact))
    }

    func finishContact(_ contact: String) {
        stats.inFlight -= 1
        stats.contactsCompleted += 1
        if rate == nil { startContact() }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        stats.errors["connection", default: 0] += 1
        context.close(promise: nil)
    }
}
