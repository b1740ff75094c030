import AgnerServer
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle

/// Where the wallboard listens and what it serves; every setting has a default.
public struct WallboardConfiguration: Sendable {
    public var host: String
    /// 0 picks a free port (see `WallboardServer.start()`).
    public var port: Int
    /// The Prometheus text for `/metrics`; nil serves none (404).
    public var metrics: (@Sendable () -> String)?
    /// Connections open at once; past it, new ones wait in the kernel's backlog (they hold no
    /// descriptor of ours) until one closes.
    public var maximumConnections: Int
    /// A connection with no request in progress (or one whose request stopped coming) for this
    /// long is closed. An event stream being sent is a request in progress: it stays.
    public var idleTimeout: Duration
    /// Connections at once that have not yet sent a request with a credential that opens the
    /// wallboard (any request, without tokens); past it the oldest of them is closed. At most
    /// half of `maximumConnections`, so that they never fill it.
    public var maximumUnauthenticated: Int
    /// A connection that has sent no such request by then is closed.
    public var credentialTimeout: Duration

    /// Every setting defaults to its value in `ServerLimits`.
    public init(host: String = "127.0.0.1", port: Int = 9040, metrics: (@Sendable () -> String)? = nil,
                maximumConnections: Int = ServerLimits.httpConnections, idleTimeout: Duration = ServerLimits.httpIdleTimeout,
                maximumUnauthenticated: Int = ServerLimits.httpUnauthenticatedConnections,
                credentialTimeout: Duration = ServerLimits.httpCredentialTimeout) {
        self.host = host
        self.port = port
        self.metrics = metrics
        self.maximumConnections = max(2, maximumConnections)
        self.idleTimeout = idleTimeout
        self.maximumUnauthenticated = max(1, min(maximumUnauthenticated, self.maximumConnections / 2))
        self.credentialTimeout = credentialTimeout
    }
}

/// The live service's HTTP face (Hummingbird), read-only:
///
/// | path | what |
/// |---|---|
/// | `GET /` | the wallboard: a page that updates itself from `/events` |
/// | `GET /metrics` | Prometheus text format |
/// | `GET /api/stats` | the wallboard's figures, JSON (`LiveRouter.wallboardStats()`) |
/// | `GET /events` | Server-Sent Events: `stats`, and the protocol's events (`?events=a,b` to choose) |
/// | `GET /login`, `POST /login`, `POST /logout` | with tokens: a form that sets a session cookie |
///
/// It reads the router only through a `LiveFeed`, never the router itself, so its requests
/// run on its own threads and the router's event loop never waits for a browser. The
/// protocol is documented in docs/protocol.md ("The HTTP face").
public final class WallboardServer: @unchecked Sendable {
    public let configuration: WallboardConfiguration
    let feed: LiveFeed
    let access: WallboardAccess
    let logger: Logger
    var group: ServiceGroup?
    var task: Task<Void, any Error>?
    /// Where the server's tasks run (see `DedicatedThreads`).
    let executor = DedicatedThreads()

    public init(configuration: WallboardConfiguration, feed: LiveFeed, access: WallboardAccess, logger: Logger = Logger(label: "agner.http")) {
        self.configuration = configuration
        self.feed = feed
        self.access = access
        self.logger = logger
    }

    /// Binds and starts serving. - Returns: the port (the one chosen, with port 0).
    /// - Throws: when the address cannot be listened on.
    @discardableResult
    public func start() throws -> Int {
        let bound = BoundPort()
        let admission = HTTPAdmission(access: access, maximumUnproven: configuration.maximumUnauthenticated,
                                      timeout: .nanoseconds(Self.nanoseconds(configuration.credentialTimeout)))
        let app = Application(
            router: WallboardRoutes.router(feed: feed, access: access, metrics: configuration.metrics),
            // Accepted sockets close-on-exec (no child process keeps a browser's connection),
            // idle connections closed, and a bounded number at once: a crowd of idle clients
            // cannot take the descriptors the router needs for its journal and its adapters.
            // Connections without a credential are bounded apart (`HTTPAdmission`): they
            // cannot hold the slots of those with one.
            server: .http1(configuration: .init(additionalChannelHandlers: [CloseOnExec.Handler(), HTTPAdmission.Gate(admission)],
                                                idleTimeout: .nanoseconds(Self.nanoseconds(configuration.idleTimeout)))),
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: "agner",
                                                    availableConnectionsDelegate: MaximumAvailableConnections(configuration.maximumConnections, logger: logger)),
            onServerRunning: { channel in bound.set(.success(channel.localAddress?.port ?? 0)) },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        self.group = group
        task = Task(executorPreference: executor) {
            do { try await group.run() } catch {
                bound.set(.failure(error))
                throw error
            }
            bound.set(.failure(CancellationError()))
        }
        return try bound.wait().get()
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// Ends every event stream, then stops the server gracefully (in-flight requests finish).
    public func shutdown() {
        feed.close()
        guard let group, let task else { return }
        let done = DispatchSemaphore(value: 0)
        Task(executorPreference: executor) {
            await group.triggerGracefulShutdown()
            _ = try? await task.value
            done.signal()
        }
        // Bounded: a request that will not end does not hold up the router's shutdown.
        _ = done.wait(timeout: .now() + 5)
        executor.stop()
    }
}

/// The port once the server runs, or why it does not; waited for by `start()`.
final class BoundPort: @unchecked Sendable {
    let lock = NSCondition()
    var result: Result<Int, any Error>?

    func set(_ value: Result<Int, any Error>) {
        lock.lock()
        if result == nil { result = value }
        lock.broadcast()
        lock.unlock()
    }

    func wait() -> Result<Int, any Error> {
        lock.lock()
        defer { lock.unlock() }
        while result == nil { lock.wait() }
        return result!
    }
}
