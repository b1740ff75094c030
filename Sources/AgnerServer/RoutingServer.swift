import AgnerProtocol
import Foundation
import Logging
import NIOCore
import NIOPosix

/// Limits and addresses of the live service; every setting has a default.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// A request line longer than this gets `line_too_long` (the connection stays open).
    public var maximumLineLength: Int
    public var maximumConnections: Int
    /// With tokens configured: connections that have not said hello yet, counted apart from
    /// `maximumConnections`. Past it, the oldest of them is closed to make room, so a flood of
    /// silent connections never locks out a client with a valid token.
    public var maximumUnauthenticated: Int
    /// With tokens configured, a connection that has not said hello by then is closed.
    public var authenticationTimeout: TimeAmount
    /// Bytes waiting to be sent to one connection before it is cut off as a slow reader.
    public var outboundLimit: Int
    /// A snapshot of the router's state is stored after this many journaled commands (0: never),
    /// so a restart replays at most about this many. One is also stored on a graceful stop.
    public var snapshotInterval: Int

    public init(host: String = "127.0.0.1", port: Int = 7040, maximumLineLength: Int = 64 * 1024, maximumConnections: Int = 1024,
                maximumUnauthenticated: Int = 64, authenticationTimeout: TimeAmount = .seconds(10),
                outboundLimit: Int = 4 * 1024 * 1024, snapshotInterval: Int = 250_000) {
        self.host = host
        self.port = port
        self.maximumLineLength = maximumLineLength
        self.maximumConnections = maximumConnections
        self.maximumUnauthenticated = maximumUnauthenticated
        self.authenticationTimeout = authenticationTimeout
        self.outboundLimit = outboundLimit
        self.snapshotInterval = snapshotInterval
    }
}

/// The TCP service: one event loop owns the router, every connection runs on it, and replies
/// leave only after the journal has committed the batch of requests they answer.
public final class RoutingServer: @unchecked Sendable {
    public let configuration: ServerConfiguration
    let group: MultiThreadedEventLoopGroup
    let loop: EventLoop
    let router: LiveRouter
    let journal: CommandJournal?
    let logger: Logger
    var serverChannel: Channel?
    var channels: [SessionID: Channel] = [:]
    /// With tokens: connections still to say hello, oldest first.
    var awaitingHello: [SessionID] = []
    var awaitingHelloSet: Set<SessionID> = []
    /// Connections to close once the current batch's lines are sent.
    var closeAfterFlush: [SessionID] = []
    var nextSession = 1
    var timer: Scheduled<Void>?
    var timerDeadline: Double?
    var flushScheduled = false
    /// The last journal entry committed, and the last one a stored snapshot covers.
    var lastCommitted: Int64
    var snapshotThrough: Int64
    var snapshotInFlight = false
    var stopping = false
    let snapshotQueue = DispatchQueue(label: "agner.snapshot", qos: .utility)
    /// Forecasts (`whatif`) run here, never on the event loop.
    let forecastQueue: DispatchQueue

    /// - Parameters:
    ///   - recoveredThrough: the last journal entry the router's state includes (0 for a new journal).
    ///   - snapshotThrough: the last journal entry the newest stored snapshot covers.
    ///   - logger: where connection events go (the application chooses the handler).
    public init(configuration: ServerConfiguration, router: LiveRouter, journal: CommandJournal?,
                recoveredThrough: Int64 = 0, snapshotThrough: Int64 = 0, logger: Logger = Logger(label: "agner.server")) {
        self.configuration = configuration
        lastCommitted = recoveredThrough
        self.snapshotThrough = snapshotThrough
        self.router = router
        if recoveredThrough > 0 { router.journalSequence = recoveredThrough }
        forecastQueue = DispatchQueue(label: "agner.forecast", qos: .userInitiated)
        self.journal = journal
        self.logger = logger
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        loop = group.next()
    }

    /// Binds the listening socket without accepting connections yet: a start that cannot have
    /// its address fails here, before anything else is touched (the journal, say); connections
    /// wait in the backlog until `start()`. - Returns: the port (useful with port 0).
    @discardableResult
    public func bind() throws -> Int {
        if let serverChannel { return serverChannel.localAddress?.port ?? configuration.port }
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.autoRead, value: false)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: configuration.outboundLimit / 2, high: configuration.outboundLimit))
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ConnectionHandler(server: self))
                }
            }
        let descriptor = try ListeningSocket.make(host: configuration.host, port: configuration.port)
        let channel: Channel
        do { channel = try bootstrap.withBoundSocket(descriptor).wait() } catch {
            close(descriptor)
            throw error
        }
        serverChannel = channel
        return channel.localAddress?.port ?? configuration.port
    }

    /// Binds if not yet bound, brings the router up to date (opening hours, adapters absent
    /// after a restart), and accepts connections. - Returns: the port.
    /// - Parameters:
    ///   - recoveredThrough: the last journal entry the router's state includes (0 for a new journal).
    ///   - snapshotThrough: the last journal entry the newest stored snapshot covers.
    @discardableResult
    public func start(recoveredThrough: Int64? = nil, snapshotThrough: Int64? = nil) throws -> Int {
        let port = try bind()
        // Forecasts run off the loop; their answer comes back to it and goes out at once.
        let loop = self.loop
        let queue = forecastQueue
        router.offload = { [self] work, done in
            // `done` touches the router: it runs on the loop only (the box just carries it there).
            let callback = LoopBound(done)
            queue.async {
                let result = LoopBound(work())
                loop.execute {
                    callback.value(result.value)
                    self.send()
                }
            }
        }
        try loop.submit {
            if let recoveredThrough {
                self.lastCommitted = recoveredThrough
                self.router.journalSequence = recoveredThrough
            }
            if let snapshotThrough { self.snapshotThrough = snapshotThrough }
            // Channels as the hours say now; contacts of adapters not (yet) connected held.
            self.router.prepareToServe()
            self.flushBatch()  // commits what that changed; a long replay is worth a snapshot straight away
        }.wait()
        try serverChannel?.setOption(.autoRead, value: true).wait()
        return port
    }

    /// Stops accepting, lets in-flight requests finish, commits the journal, stores a snapshot
    /// (so the next start replays nothing), closes connections.
    public func shutdown() {
        try? serverChannel?.close().wait()
        // Close the connections first: what their going changes (an adapter's contacts held)
        // is journaled before the last snapshot, so the next start has nothing to replay.
        let closed = try? loop.submit { () -> EventLoopFuture<Void> in
            self.stopping = true  // no new background snapshot from here on
            self.flushBatch()
            self.timer?.cancel()
            let closing = self.channels.values.map { $0.close() }
            return EventLoopFuture.andAllComplete(closing, on: self.loop)
        }.wait()
        try? closed?.wait()
        let final = try? loop.submit { () -> (RouterSnapshot, Int64)? in
            self.flushBatch()
            self.timer?.cancel()
            guard self.journal != nil, self.lastCommitted > self.snapshotThrough,
                  self.router.journalSequence == self.lastCommitted else { return nil }
            return (self.router.snapshot(), self.lastCommitted)
        }.wait()
        // On the snapshot queue, after any snapshot still being written: never two at once.
        snapshotQueue.sync {
            if let (snapshot, through) = final ?? nil { storeSnapshot(snapshot, through: through) }
        }
        try? group.syncShutdownGracefully()
    }

    // MARK: - On the event loop

    func connected(_ channel: Channel) -> SessionID? {
        let authenticating = router.settings.tokens != nil
        if authenticating {
            // Silent connections have their own room; the oldest makes way for the newest.
            if awaitingHello.count >= configuration.maximumUnauthenticated, let oldest = awaitingHello.first {
                logger.notice("connection closed: too many connections waiting for hello", metadata: [
                    "session": "\(oldest.raw)", "limit": "\(configuration.maximumUnauthenticated)"])
                forgetAwaitingHello(oldest)
                channels[oldest]?.close(promise: nil)
            }
        } else if channels.count >= configuration.maximumConnections {
            refuse(channel)
            return nil
        }
        let session = SessionID(nextSession)
        nextSession += 1
        channels[session] = channel
        router.connect(session)
        logger.debug("connection opened", metadata: ["session": "\(session.raw)", "remote": "\(channel.remoteAddress?.description ?? "?")"])
        if authenticating {
            awaitingHello.append(session)
            awaitingHelloSet.insert(session)
            loop.scheduleTask(in: configuration.authenticationTimeout) { [self] in
                if channels[session] != nil && !router.isAuthenticated(session) {
                    logger.notice("connection closed: no hello in time", metadata: [
                        "session": "\(session.raw)", "timeout_s": "\(configuration.authenticationTimeout.nanoseconds / 1_000_000_000)"])
                    channels[session]?.close(promise: nil)
                }
            }
        }
        return session
    }

    /// Too many connections: says so and closes.
    func refuse(_ channel: Channel) {
        logger.warning("connection refused: too many connections", metadata: [
            "remote": "\(channel.remoteAddress?.description ?? "?")", "limit": "\(configuration.maximumConnections)"])
        let line = router.errorLine(ProtocolError(.overloaded, "too many connections; try again later"))
        channel.writeAndFlush(channel.allocator.buffer(string: line)).whenComplete { _ in channel.close(promise: nil) }
    }

    func forgetAwaitingHello(_ session: SessionID) {
        guard awaitingHelloSet.remove(session) != nil else { return }
        awaitingHello.removeAll { $0 == session }
    }

    /// A connection that said hello leaves the waiting room and counts against `maximumConnections`.
    func checkAuthenticated(_ session: SessionID) {
        guard awaitingHelloSet.contains(session), router.isAuthenticated(session) else { return }
        forgetAwaitingHello(session)
        if channels.count - awaitingHello.count > configuration.maximumConnections {
            // Closed once this batch's lines are out (never before the journal commits them).
            router.outbox.append(router.errorLine(ProtocolError(.overloaded, "too many connections; try again later")), to: session)
            closeAfterFlush.append(session)
            requestFlush()
        }
    }

    func disconnected(_ session: SessionID) {
        channels[session] = nil
        forgetAwaitingHello(session)
        router.disconnect(session)
        logger.debug("connection closed", metadata: ["session": "\(session.raw)"])
    }

    func received(_ piece: LineSplitter.Piece, from session: SessionID) {
        switch piece {
        case .tooLong:
            router.outbox.append(router.errorLine(ProtocolError(.lineTooLong, "a line may hold at most \(configuration.maximumLineLength) bytes")), to: session)
        case let .line(bytes):
            router.receive(line: bytes, from: session)
            if !awaitingHelloSet.isEmpty { checkAuthenticated(session) }
        }
    }

    /// A connection finished a read. The flush runs as a task after the event loop has handled
    /// every connection that was ready, so one commit covers requests from all of them.
    func requestFlush() {
        guard !flushScheduled else { return }
        flushScheduled = true
        loop.execute { [self] in
            flushScheduled = false
            flushBatch()
        }
    }

    /// The end of a batch of reads: make the batch durable, then send what it produced.
    func flushBatch() {
        if let journal {
            do { lastCommitted = try journal.commit() } catch {
                // Nothing of this batch was acknowledged; a restart recovers what was committed.
                fatalError("cannot commit the journal: \(error)")
            }
        }
        send()
        for session in closeAfterFlush { channels[session]?.close(promise: nil) }
        closeAfterFlush.removeAll()
        rescheduleTimer()
        snapshotIfDue()
    }

    /// After `snapshotInterval` commands since the last snapshot: the state is copied here (in
    /// constant time, copy-on-write) and encoded and stored on another thread.
    ///
    /// Only when the state holds exactly the committed commands: a snapshot labelled with the
    /// last committed sequence must not contain a command applied but not yet committed (it
    /// would be replayed a second time after a crash). Between a read and its flush the state
    /// is ahead of the journal; the flush checks again.
    func snapshotIfDue() {
        guard journal != nil, configuration.snapshotInterval > 0, !snapshotInFlight, !stopping,
              router.journalSequence == lastCommitted,
              lastCommitted - snapshotThrough >= Int64(configuration.snapshotInterval) else { return }
        snapshotInFlight = true
        let snapshot = router.snapshot()
        let through = lastCommitted
        snapshotQueue.async { [self] in
            storeSnapshot(snapshot, through: through)
            loop.execute {
                self.snapshotInFlight = false
                self.snapshotIfDue()  // a burst that came in meanwhile may already need the next one
            }
        }
    }

    /// Encodes and stores a snapshot; a failure is logged and the journal still holds everything.
    func storeSnapshot(_ snapshot: RouterSnapshot, through sequence: Int64) {
        guard let journal else { return }
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            let data = try snapshot.encoded()
            let encoded = DispatchTime.now().uptimeNanoseconds
            try journal.saveSnapshot(data, through: sequence)
            func milliseconds(_ from: UInt64, _ to: UInt64) -> String { "\((Double(to - from) / 1e5).rounded() / 10)" }
            logger.info("snapshot stored", metadata: ["through": "\(sequence)", "bytes": "\(data.count)",
                                                      "encode_ms": "\(milliseconds(started, encoded))",
                                                      "store_ms": "\(milliseconds(encoded, DispatchTime.now().uptimeNanoseconds))"])
        } catch {
            logger.error("snapshot not stored; the journal still holds every command", metadata: ["through": "\(sequence)", "error": "\(error)"])
        }
        loop.execute { self.snapshotThrough = max(self.snapshotThrough, sequence) }
    }

    /// Sends the lines in the router's outbox, one write per connection.
    func send() {
        guard !router.outbox.isEmpty else { return }
        var buffers: [SessionID: ByteBuffer] = [:]
        router.takeLines { session, line in
            guard let channel = channels[session] else { return }
            buffers[session, default: channel.allocator.buffer(capacity: 1024)].writeBytes(line)
        }
        for (session, buffer) in buffers {
            guard let channel = channels[session] else { continue }
            if !channel.isWritable {
                logger.warning("connection closed: slow reader", metadata: ["session": "\(session.raw)", "unsent_limit_bytes": "\(configuration.outboundLimit)"])
                channel.close(promise: nil)
                continue
            }
            channel.writeAndFlush(buffer, promise: nil)
        }
    }

    /// Keeps one task scheduled for the engine's next deadline, so escalations, warnings,
    /// breaches and offer timeouts happen on time with no traffic. A task already scheduled
    /// for earlier is kept (it fires, finds nothing due, and schedules the next): under load the
    /// next deadline moves later with almost every batch, and a cancel and a new task each
    /// time cost more than an early wake-up.
    func rescheduleTimer() {
        if stopping {
            timer?.cancel()
            return
        }
        let deadline = router.nextDeadline()
        if let scheduled = timerDeadline, deadline.map({ scheduled <= $0 }) ?? true { return }
        timer?.cancel()
        guard let deadline else {
            timerDeadline = nil
            return
        }
        // At most an hour ahead: a deadline far away (or absurd) wakes the loop once an hour,
        // finds nothing due and sets the next; the conversion to nanoseconds never overflows.
        let delay = min(max(0, deadline - Date().timeIntervalSince1970), 3600)
        timerDeadline = Date().timeIntervalSince1970 + delay
        timer = loop.scheduleTask(in: .nanoseconds(Int64(delay * 1e9) + 1_000)) { [self] in
            timerDeadline = nil
            router.advanceTimers()
            // The outbox may also hold replies of a batch whose commit is still to come: the
            // flush commits before anything goes out.
            flushBatch()
        }
    }
}

/// A value handed from the event loop to another thread and back, used only on the loop.
struct LoopBound<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// One connection's handler: splits what it reads into lines and hands them to the server, on
/// the server's event loop.
final class ConnectionHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    let server: RoutingServer
    var session: SessionID?
    var lines: LineSplitter

    init(server: RoutingServer) {
        self.server = server
        lines = LineSplitter(maximumLength: server.configuration.maximumLineLength)
    }

    func channelActive(context: ChannelHandlerContext) {
        session = server.connected(context.channel)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let session {
            // A last request without its newline still counts (its reply has nowhere to go).
            lines.finish { server.received($0, from: session) }
            server.requestFlush()
            server.disconnected(session)
        }
        session = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let session else { return }
        var buffer = unwrapInboundIn(data)
        lines.feed(&buffer) { server.received($0, from: session) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        server.requestFlush()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if !context.channel.isWritable, let session {
            server.logger.warning("connection closed: slow reader", metadata: ["session": "\(session.raw)", "unsent_limit_bytes": "\(server.configuration.outboundLimit)"])
            context.close(promise: nil)
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // One connection's trouble never reaches the others.
        server.logger.notice("connection closed after an error", metadata: ["session": "\(session?.raw ?? 0)", "error": "\(error)"])
        context.close(promise: nil)
    }
}
