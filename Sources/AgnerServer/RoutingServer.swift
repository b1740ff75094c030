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
    /// Bytes waiting to be sent to one connection past which the server stops taking its
    /// requests (and stops reading from it) until it has read them down to half; and past which
    /// it must keep draining, or be cut off as a slow reader (`stallTimeout`).
    public var outboundLimit: Int
    /// Unsent bytes past which a connection is cut off at once, draining or not (a burst of
    /// events the router made, larger than this, for a reader too slow to keep up with it).
    public var outboundHardLimit: Int
    /// A connection over `outboundLimit` that takes none of its bytes for this long is cut off
    /// as a slow reader.
    public var stallTimeout: TimeAmount
    /// Per connection and turn of the event loop, at most this many requests, and requests
    /// until their output passes `outputPerTurn` bytes; the rest waits for the next turn (the
    /// connection is not read meanwhile), so one connection's pipelined requests never keep
    /// the loop from the others.
    public var requestsPerTurn: Int
    public var outputPerTurn: Int
    /// Connections the kernel queues before they are accepted (`listen`'s backlog, capped by
    /// `net.core.somaxconn`).
    public var backlog: Int32
    /// A snapshot of the router's state is stored after this many journaled commands (0: never),
    /// so a restart replays at most about this many. One is also stored on a graceful stop.
    public var snapshotInterval: Int
    /// How often a journal that failed to commit (a full disk) is tried again.
    public var journalRetry: TimeAmount

    /// Every limit defaults to its value in `ServerLimits`.
    public init(host: String = "127.0.0.1", port: Int = 7040, maximumLineLength: Int = ServerLimits.lineLength,
                maximumConnections: Int = ServerLimits.connections,
                maximumUnauthenticated: Int = ServerLimits.unauthenticatedConnections, authenticationTimeout: TimeAmount = ServerLimits.helloTimeout,
                outboundLimit: Int = ServerLimits.outputLimit, outboundHardLimit: Int = ServerLimits.outputHardLimit,
                stallTimeout: TimeAmount = ServerLimits.slowReaderTimeout,
                requestsPerTurn: Int = ServerLimits.requestsPerTurn, outputPerTurn: Int = ServerLimits.outputPerTurn,
                backlog: Int32 = ServerLimits.backlog,
                snapshotInterval: Int = 250_000, journalRetry: TimeAmount = .seconds(1)) {
        self.host = host
        self.port = port
        self.maximumLineLength = maximumLineLength
        self.maximumConnections = maximumConnections
        self.maximumUnauthenticated = maximumUnauthenticated
        self.authenticationTimeout = authenticationTimeout
        self.outboundLimit = outboundLimit
        self.outboundHardLimit = max(outboundHardLimit, outboundLimit)
        self.stallTimeout = stallTimeout
        self.requestsPerTurn = max(1, requestsPerTurn)
        self.outputPerTurn = max(1, outputPerTurn)
        self.backlog = backlog
        self.snapshotInterval = snapshotInterval
        self.journalRetry = journalRetry
    }
}

/// The TCP service: one event loop owns the router, every connection runs on it, and replies
/// leave only after the journal has committed the batch of requests they answer.
///
/// No connection can hold up the others: each turn of the loop takes at most a bounded number
/// of requests (and output) from each connection, and a connection whose unsent output passes
/// `outboundLimit` is not read from (nor are its requests taken) until it has read that output
/// down (see `RoutingServer+Flow.swift`).
public final class RoutingServer: @unchecked Sendable {
    public let configuration: ServerConfiguration
    let group: MultiThreadedEventLoopGroup
    let loop: EventLoop
    let router: LiveRouter
    let journal: CommandJournal?
    let logger: Logger
    /// Repetitive notices (connections closed, refused), a few a second per kind.
    let notices: NoticeLimiter
    var serverChannel: Channel?
    var connections: [SessionID: Connection] = [:]
    /// With tokens: connections still to say hello, oldest first.
    var awaitingHello: [SessionID] = []
    var awaitingHelloSet: Set<SessionID> = []
    /// Connections to close once the current batch's lines are sent.
    var closeAfterFlush: [SessionID] = []
    var nextSession = 1
    var timer: Scheduled<Void>?
    var timerDeadline: Double?
    var flushScheduled = false
    /// Counts flushes: a connection's share of a turn is counted per flush.
    var turn = 0
    /// Connections with requests read and not yet taken (their input is stopped meanwhile).
    var paused: Set<SessionID> = []
    var resumeScheduled = false
    /// Connections over their outbound limit, watched for whether they drain.
    var stalled: Set<SessionID> = []
    var stallCheckScheduled = false
    /// The last journal entry committed, and the last one a stored snapshot covers.
    var lastCommitted: Int64
    var snapshotThrough: Int64
    var snapshotInFlight = false
    var stopping = false
    /// While the journal cannot commit (a full disk): why, the lines of the batch it could not
    /// commit (and anything for the same connections since, in order), and those connections.
    var journalFailure: String?
    var journalFailedAt: Date?
    var journalAttempts = 0
    var held = Outbox()
    var blocked: Set<SessionID> = []
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
        let loop = group.next()
        self.loop = loop
        notices = NoticeLimiter(logger: logger, later: { seconds, body in
            loop.scheduleTask(in: .nanoseconds(Int64(seconds * 1e9))) { body() }
        })
    }

    /// Binds the listening socket without accepting connections yet: a start that cannot have
    /// its address fails here, before anything else is touched (the journal, say); connections
    /// wait in the backlog until `start()`. - Returns: the port (useful with port 0).
    @discardableResult
    public func bind() throws -> Int {
        if let serverChannel { return serverChannel.localAddress?.port ?? configuration.port }
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: configuration.backlog)
            .serverChannelOption(.autoRead, value: false)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: configuration.outboundLimit / 2, high: configuration.outboundLimit))
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    // Accepted sockets are close-on-exec too: no child process (the crash
                    // backtracer) keeps a client's connection open after we are gone.
                    CloseOnExec.mark(channel)
                    try channel.pipeline.syncOperations.addHandler(ConnectionHandler(server: self))
                }
            }
        let descriptor = try ListeningSocket.make(host: configuration.host, port: configuration.port, backlog: configuration.backlog)
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
        // With tokens, a connection's hello is refused (before it is told ok) when the
        // connections that said hello already fill the limit.
        router.admission = { [unowned self] session in
            guard awaitingHelloSet.contains(session) else { return true }
            if connections.count - awaitingHello.count < configuration.maximumConnections { return true }
            notices.log(.warning, "connection refused: too many connections", metadata: [
                "session": "\(session.raw)", "limit": "\(configuration.maximumConnections)"])
            closeAfterFlush.append(session)
            return false
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
            let closing = self.connections.values.map { $0.channel.close() }
            return EventLoopFuture.andAllComplete(closing, on: self.loop)
        }.wait()
        try? closed?.wait()
        let final = try? loop.submit { () -> (RouterSnapshot, Int64)? in
            self.flushBatch()
            self.timer?.cancel()
            if let failure = self.journalFailure {
                self.logger.critical("stopping with commands the journal never took; none of them was acknowledged", metadata: [
                    "uncommitted": "\(self.router.journalSequence - self.lastCommitted)", "error": "\(failure)"])
            }
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

    func connected(_ connection: Connection) -> SessionID? {
        let authenticating = router.settings.tokens != nil
        if authenticating {
            // Silent connections have their own room; the oldest makes way for the newest.
            if awaitingHello.count >= configuration.maximumUnauthenticated, let oldest = awaitingHello.first {
                notices.log(.notice, "connection closed: too many connections waiting for hello", metadata: [
                    "session": "\(oldest.raw)", "limit": "\(configuration.maximumUnauthenticated)"])
                forgetAwaitingHello(oldest)
                connections[oldest]?.channel.close(promise: nil)
            }
        } else if connections.count >= configuration.maximumConnections {
            refuse(connection.channel)
            return nil
        }
        let session = SessionID(nextSession)
        nextSession += 1
        connections[session] = connection
        router.connect(session)
        logger.debug("connection opened", metadata: ["session": "\(session.raw)", "remote": "\(connection.channel.remoteAddress?.description ?? "?")"])
        if authenticating {
            awaitingHello.append(session)
            awaitingHelloSet.insert(session)
            loop.scheduleTask(in: configuration.authenticationTimeout) { [self] in
                if let connection = connections[session], !router.isAuthenticated(session) {
                    notices.log(.notice, "connection closed: no hello in time", metadata: [
                        "session": "\(session.raw)", "timeout_s": "\(configuration.authenticationTimeout.nanoseconds / 1_000_000_000)"])
                    connection.channel.close(promise: nil)
                }
            }
        }
        return session
    }

    /// Too many connections: says so and closes.
    func refuse(_ channel: Channel) {
        notices.log(.warning, "connection refused: too many connections", metadata: [
            "remote": "\(channel.remoteAddress?.description ?? "?")", "limit": "\(configuration.maximumConnections)"])
        let line = router.errorLine(ProtocolError(.overloaded, "too many connections; try again later"))
        channel.writeAndFlush(channel.allocator.buffer(string: line)).whenComplete { _ in channel.close(promise: nil) }
    }

    func forgetAwaitingHello(_ session: SessionID) {
        guard awaitingHelloSet.remove(session) != nil else { return }
        awaitingHello.removeAll { $0 == session }
    }

    /// A connection that said hello leaves the waiting room and counts against
    /// `maximumConnections` (its hello was refused if there was no room: see `start`).
    func checkAuthenticated(_ session: SessionID) {
        guard awaitingHelloSet.contains(session), router.isAuthenticated(session) else { return }
        forgetAwaitingHello(session)
    }

    func disconnected(_ session: SessionID) {
        connections[session] = nil
        paused.remove(session)
        stalled.remove(session)
        blocked.remove(session)
        forgetAwaitingHello(session)
        router.disconnect(session)
        logger.debug("connection closed", metadata: ["session": "\(session.raw)"])
    }

    /// One line (or a line too long) from a connection. - Parameter closing: the connection is gone.
    func received(_ piece: LineSplitter.Piece, from session: SessionID, closing: Bool = false) {
        switch piece {
        case .tooLong:
            router.outbox.append(router.errorLine(ProtocolError(.lineTooLong, "a line may hold at most \(configuration.maximumLineLength) bytes")), to: session)
        case let .line(bytes):
            router.receive(line: bytes, from: session, closing: closing)
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
        turn &+= 1
        if let journal, journalFailure == nil {
            do { lastCommitted = try journal.commit() } catch {
                // Nothing of this batch was acknowledged, and nothing of it is lost: its lines wait
                // until a commit succeeds. Meanwhile changes are refused and reads served.
                journalFailed(error)
                return
            }
        }
        send()
        if !closeAfterFlush.isEmpty {
            // A connection with lines still held back (the journal failing) closes once they are out.
            let closing = closeAfterFlush.filter { !blocked.contains($0) }
            closeAfterFlush.removeAll { !blocked.contains($0) }
            for session in closing { connections[session]?.channel.close(promise: nil) }
        }
        rescheduleTimer()
        snapshotIfDue()
        if !paused.isEmpty { scheduleResumeIfAny() }
    }

    /// After `snapshotInterval` commands since the last snapshot: the state is copied here (in
    /// constant time, copy-on-write) and encoded and stored on another thread.
    ///
    /// Only when the state holds exactly the committed commands: a snapshot labelled with the
    /// last committed sequence must not contain a command applied but not yet committed (it
    /// would be replayed a second time after a crash). Between a read and its flush the state
    /// is ahead of the journal; the flush checks again.
    func snapshotIfDue() {
        guard journal != nil, configuration.snapshotInterval > 0, !snapshotInFlight, !stopping, journalFailure == nil,
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

    /// Sends the lines in the router's outbox, one write per connection. While the journal
    /// fails, lines for a connection that has lines held back wait behind them.
    func send() {
        guard !router.outbox.isEmpty else { return }
        var buffers: [SessionID: ByteBuffer] = [:]
        let holding = !blocked.isEmpty
        router.takeLines { session, line in
            if holding && blocked.contains(session) {
                held.append(bytes: line, to: session)
                return
            }
            guard let connection = connections[session] else { return }
            buffers[session, default: connection.channel.allocator.buffer(capacity: 1024)].writeBytes(line)
        }
        for (session, buffer) in buffers {
            guard let connection = connections[session] else { continue }
            write(buffer, to: session, connection)
        }
    }

    /// Keeps one task scheduled for the engine's next deadline, so escalations, warnings,
    /// breaches and offer timeouts happen on time with no traffic. A task already scheduled
    /// for earlier is kept (it fires, finds nothing due, and schedules the next): under load the
    /// next deadline moves later with almost every batch, and a cancel and a new task each
    /// time cost more than an early wake-up.
    func rescheduleTimer() {
        if stopping || journalFailure != nil {
            // Stopping, or time standing still for the engine until the journal can be written.
            timer?.cancel()
            timer = nil
            timerDeadline = nil
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
