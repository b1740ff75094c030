import AgnerProtocol
import Foundation
import Logging
import NIOCore
import NIOPosix

/// Flow control: one connection never holds up the others, and a client that reads gets
/// everything.
///
/// - **A share per turn.** Each turn of the event loop (one read of every ready connection,
///   then one group commit) takes at most `requestsPerTurn` requests from a connection, and
///   stops earlier once they have produced `outputPerTurn` bytes. What is left of what it sent
///   waits, and the connection is not read from meanwhile: the kernel's buffers fill and TCP
///   makes the client wait (backpressure). The rest is taken in the following turns, after the
///   other connections have had theirs.
/// - **Output that waits stops input.** Once a connection's unsent output passes
///   `outboundLimit`, none of its requests is taken and nothing is read from it until it has
///   read its output down to half the limit. So what one connection asks for is never built
///   faster than it reads it: memory stays bounded, and a client that reads gets every reply,
///   however many heavy requests it pipelines.
/// - **A slow reader is one that does not drain.** A connection over the limit is watched: if
///   it takes none of its bytes for `stallTimeout`, it is cut off; if a burst of events the
///   router made (an adapter's thousands of held contacts resumed at once) passes
///   `outboundHardLimit` for it, it is cut off at once. A subscriber that reads is never cut
///   off for the size of a burst below that.
extension RoutingServer {
    /// Takes one line from a connection. - Returns: whether the connection may go on this turn.
    func take(_ piece: LineSplitter.Piece, from session: SessionID, by handler: ConnectionHandler) -> Bool {
        let before = router.outbox.bytes.count
        received(piece, from: session)
        return handler.mayGoOn(produced: max(0, router.outbox.bytes.count - before))
    }

    /// Whether a connection's requests may be taken now (its output drained enough, nothing of
    /// it held back behind a failing journal, not being closed after a refusal).
    func mayTake(from session: SessionID, _ channel: Channel) -> Bool {
        channel.isWritable && (blocked.isEmpty || !blocked.contains(session))
            && (closeAfterFlush.isEmpty || !closeAfterFlush.contains(session))
    }

    /// Goes on with paused connections that may go on, in a later turn: after the loop has
    /// looked at every connection again (a task scheduled a little ahead runs after the next
    /// look at the sockets; one run at once would run before it).
    func scheduleResumeIfAny() {
        guard !resumeScheduled else { return }
        let ready = paused.contains { session in connections[session].map { mayTake(from: session, $0.channel) } ?? true }
        guard ready else { return }
        resumeScheduled = true
        loop.scheduleTask(in: .microseconds(20)) { [self] in
            resumeScheduled = false
            resumePaused()
        }
    }

    func resumePaused() {
        var took = false
        for session in paused.sorted() {
            guard let connection = connections[session] else {
                paused.remove(session)
                continue
            }
            guard mayTake(from: session, connection.channel) else { continue }
            took = true
            if connection.handler.resume() { paused.remove(session) }
        }
        if took { requestFlush() }
    }

    /// Hands a batch of lines to a connection, and watches it if its unsent output passed the limit.
    func write(_ buffer: ByteBuffer, to session: SessionID, _ connection: Connection) {
        connection.written += buffer.readableBytes
        connection.channel.writeAndFlush(buffer, promise: nil)
        guard !connection.channel.isWritable else { return }
        if unsent(connection) > configuration.outboundHardLimit {
            cut(session, connection, because: "unsent output passed the hard limit", limit: configuration.outboundHardLimit)
        } else {
            watch(session, connection)
        }
    }

    /// Bytes handed to the connection and not yet taken by the kernel.
    func unsent(_ connection: Connection) -> Int {
        (try? connection.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
    }

    func writabilityChanged(_ session: SessionID, writable: Bool) {
        guard let connection = connections[session] else { return }
        if writable {
            stalled.remove(session)
            if paused.contains(session) { scheduleResumeIfAny() } else { connection.handler.readIfWanted() }
        } else {
            watch(session, connection)
        }
    }

    /// Starts watching a connection over its limit: it must keep draining.
    func watch(_ session: SessionID, _ connection: Connection) {
        guard !stalled.contains(session) else { return }
        stalled.insert(session)
        connection.drained = connection.written - unsent(connection)
        connection.lastProgress = .now()
        scheduleStallCheck()
    }

    func scheduleStallCheck() {
        guard !stallCheckScheduled, !stalled.isEmpty else { return }
        stallCheckScheduled = true
        let every = TimeAmount.nanoseconds(max(configuration.stallTimeout.nanoseconds / 4, 1_000_000))
        loop.scheduleTask(in: min(every, .seconds(1))) { [self] in
            stallCheckScheduled = false
            checkStalled()
        }
    }

    /// Cuts off the connections over their limit that drained nothing for `stallTimeout`.
    func checkStalled() {
        let now = NIODeadline.now()
        for session in stalled {
            guard let connection = connections[session] else {
                stalled.remove(session)
                continue
            }
            if connection.channel.isWritable {
                stalled.remove(session)
                continue
            }
            let waiting = unsent(connection)
            let drained = connection.written - waiting
            if drained > connection.drained {
                connection.drained = drained
                connection.lastProgress = now
            } else if now - connection.lastProgress >= configuration.stallTimeout {
                cut(session, connection, because: "slow reader: read nothing for \(configuration.stallTimeout.nanoseconds / 1_000_000) ms",
                    limit: configuration.outboundLimit)
            }
        }
        scheduleStallCheck()
    }

    func cut(_ session: SessionID, _ connection: Connection, because reason: String, limit: Int) {
        stalled.remove(session)
        notices.log(.warning, "connection closed: slow reader", metadata: [
            "session": "\(session.raw)", "reason": "\(reason)", "unsent_limit_bytes": "\(limit)"])
        connection.channel.close(promise: nil)
    }

    // MARK: - A journal that cannot be written

    /// A commit failed (a full disk, say). The batch stays applied and appended, and is
    /// committed by a later attempt; until then none of its lines goes out (nothing is
    /// acknowledged before it is durable), the connections they are for wait behind them, the
    /// router accepts no change (`journal_failed`) and its timers wait; reads are served.
    func journalFailed(_ error: any Error) {
        journalFailure = "\(error)"
        journalFailedAt = Date()
        journalAttempts = 1
        router.freeze(because: "\(error)")
        router.takeLines { session, line in
            held.append(bytes: line, to: session)
            blocked.insert(session)
        }
        rescheduleTimer()  // cancels it while failing
        logger.critical("the journal cannot commit: changes are refused (journal_failed) until it can, reads are served; nothing acknowledged is lost", metadata: [
            "error": "\(error)", "uncommitted": "\(router.journalSequence - lastCommitted)", "retry_every_ms": "\(configuration.journalRetry.nanoseconds / 1_000_000)"])
        scheduleJournalRetry()
    }

    func scheduleJournalRetry() {
        loop.scheduleTask(in: configuration.journalRetry) { [self] in
            guard journalFailure != nil, let journal else { return }
            do { lastCommitted = try journal.commit() } catch {
                journalAttempts += 1
                // Loud, but not a line a second for hours: the first few, then every 60th.
                if journalAttempts <= 5 || journalAttempts % 60 == 0 {
                    logger.critical("the journal still cannot commit; changes are still refused", metadata: [
                        "error": "\(error)", "attempts": "\(journalAttempts)",
                        "since_s": "\(Int(Date().timeIntervalSince(journalFailedAt ?? Date())))"])
                }
                scheduleJournalRetry()
                return
            }
            journalRecovered()
        }
    }

    /// A commit succeeded: the lines held back go out first, in order, then everything goes on.
    func journalRecovered() {
        logger.notice("the journal commits again; changes are accepted", metadata: [
            "through": "\(lastCommitted)", "attempts": "\(journalAttempts)",
            "after_s": "\(Int(Date().timeIntervalSince(journalFailedAt ?? Date())))"])
        journalFailure = nil
        journalFailedAt = nil
        var buffers: [SessionID: ByteBuffer] = [:]
        held.forEach { session, line in
            guard let connection = connections[session] else { return }
            buffers[session, default: connection.channel.allocator.buffer(capacity: 1024)].writeBytes(line)
        }
        held.removeAll()
        for (session, buffer) in buffers {
            if let connection = connections[session] { write(buffer, to: session, connection) }
        }
        let released = blocked
        blocked.removeAll()
        router.thaw()  // adapters that went meanwhile are lost now, timers that fell due fire
        flushBatch()
        for session in released where !paused.contains(session) { connections[session]?.handler.readIfWanted() }
    }
}

/// A connection as the server keeps it.
final class Connection {
    let channel: Channel
    let handler: ConnectionHandler
    /// Bytes handed to the channel so far.
    var written = 0
    /// While over its limit: bytes the kernel had taken at the last look, and when it last took some.
    var drained = 0
    var lastProgress = NIODeadline.now()

    init(channel: Channel, handler: ConnectionHandler) {
        self.channel = channel
        self.handler = handler
    }
}

/// One connection's handler: splits what it reads into lines and hands them to the server, on
/// the server's event loop, a share per turn; stops reading while it has lines waiting or
/// output it has not read.
final class ConnectionHandler: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer

    let server: RoutingServer
    var session: SessionID?
    var lines: LineSplitter
    var context: ChannelHandlerContext?
    /// Lines read and not yet taken: nothing more is read until they are.
    var paused = false
    /// A read was asked for (by NIO, after the last one) and held back.
    var readWanted = false
    /// This turn's share used so far.
    var turn = -1
    var linesThisTurn = 0
    var bytesThisTurn = 0

    init(server: RoutingServer) {
        self.server = server
        lines = LineSplitter(maximumLength: server.configuration.maximumLineLength)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        session = server.connected(Connection(channel: context.channel, handler: self))
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let session {
            // What was read still counts for what it changes (an arrival sent just before
            // closing); reads are skipped, their replies would go nowhere. A last request
            // without its newline counts too.
            paused = false
            _ = lines.resume { piece in
                server.received(piece, from: session, closing: true)
                return true
            }
            lines.finish { server.received($0, from: session, closing: true) }
            server.requestFlush()
            server.disconnected(session)
        }
        session = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let session else { return }
        var buffer = unwrapInboundIn(data)
        if paused {
            lines.keep(&buffer)
            return
        }
        if !lines.process(&buffer, while: { server.take($0, from: session, by: self) }) { pause() }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        server.requestFlush()
        context.fireChannelReadComplete()
    }

    /// NIO asks to read again after each read: held back while this connection must wait.
    func read(context: ChannelHandlerContext) {
        if paused || !mayRead(context.channel) {
            readWanted = true
            return
        }
        context.read()
    }

    func mayRead(_ channel: Channel) -> Bool {
        guard let session else { return true }
        return server.mayTake(from: session, channel)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if let session { server.writabilityChanged(session, writable: context.channel.isWritable) }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // One connection's trouble never reaches the others.
        server.notices.log(.notice, "connection closed after an error", metadata: ["session": "\(session?.raw ?? 0)", "error": "\(error)"])
        context.close(promise: nil)
    }

    /// Counts a request against this turn's share. - Returns: whether another may be taken.
    func mayGoOn(produced: Int) -> Bool {
        if turn != server.turn {
            turn = server.turn
            linesThisTurn = 0
            bytesThisTurn = 0
        }
        linesThisTurn += 1
        bytesThisTurn += produced
        guard let context, let session else { return true }
        return linesThisTurn < server.configuration.requestsPerTurn && bytesThisTurn < server.configuration.outputPerTurn
            && server.mayTake(from: session, context.channel)
    }

    func pause() {
        guard let session else { return }
        paused = true
        server.paused.insert(session)
    }

    /// Goes on with the lines waiting. - Returns: whether all were taken (reading starts again).
    func resume() -> Bool {
        guard paused, let session else { return true }
        if !lines.resume({ server.take($0, from: session, by: self) }) { return false }
        paused = false
        readIfWanted()
        return true
    }

    /// Reads again if a read was held back and nothing holds it back any more.
    func readIfWanted() {
        guard readWanted, !paused, let context, mayRead(context.channel) else { return }
        readWanted = false
        context.read()
    }
}
