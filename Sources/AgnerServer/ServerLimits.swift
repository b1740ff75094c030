import NIOCore

/// The live service's limits on its clients, written once: `ServerConfiguration` (the TCP
/// face), `WallboardConfiguration` (the HTTP face), `LogSink`, `NoticeLimiter`, `LiveFeed`,
/// `DescriptorBudget` and the `agner serve` options take their defaults from here, and
/// docs/protocol.md lists them. The domain's own ranges (ids, priorities, targets, page sizes)
/// are `DomainLimits` and `Request.Page`.
///
/// What they guarantee together: one client can neither stall the router's event loop (a share
/// of each turn), nor make it hold unbounded memory for it (output limit, line length), nor take
/// the descriptors others need (connection limits, descriptor reserve); and nothing the router
/// logs can block it (a bounded log buffer, repetitive notices rate-limited).
public enum ServerLimits {
    // MARK: TCP face (`ServerConfiguration`)

    /// Longest request line, in bytes; a longer one gets `line_too_long` and is skipped.
    public static let lineLength = 64 * 1024
    /// Connections at once that said hello (all connections without tokens). `--max-connections`.
    public static let connections = 1024
    /// With tokens: connections still to say hello, apart from `connections`; past it the oldest
    /// of them is closed.
    public static let unauthenticatedConnections = 64
    /// With tokens: a connection that has not said hello by then is closed.
    public static let helloTimeout: TimeAmount = .seconds(10)
    /// Unsent bytes per connection past which its requests wait (and it is not read) until it
    /// has read its output down to half, and past which it must keep draining.
    public static let outputLimit = 4 * 1024 * 1024
    /// Unsent bytes per connection past which it is cut off at once, draining or not.
    public static let outputHardLimit = 64 * 1024 * 1024
    /// A connection over `outputLimit` that takes none of its bytes for this long is cut off as
    /// a slow reader.
    public static let slowReaderTimeout: TimeAmount = .seconds(10)
    /// A connection's share of one turn of the event loop: at most this many requests…
    public static let requestsPerTurn = 256
    /// …and requests only until their output passes this many bytes.
    public static let outputPerTurn = 256 * 1024
    /// Connections the kernel queues before they are accepted (capped by `net.core.somaxconn`).
    public static let backlog: Int32 = 1024

    // MARK: HTTP face (`WallboardConfiguration`)

    /// HTTP connections at once; more wait in the kernel's queue. `--http-max-connections`.
    public static let httpConnections = 256
    /// An HTTP connection with no request in progress for this long is closed (an event stream
    /// being sent is a request in progress). `--http-idle-timeout`.
    public static let httpIdleTimeout: Duration = .seconds(60)
    /// HTTP connections at once that have not yet sent a request with a credential that opens
    /// the wallboard (all of them until their first request, without tokens); past it the
    /// oldest of them is closed, so silent connections never hold the slots a supervisor or an
    /// observer needs.
    public static let httpUnauthenticatedConnections = 32
    /// An HTTP connection that has sent no request with such a credential by then is closed.
    public static let httpCredentialTimeout: Duration = .seconds(10)
    /// Bytes of a login form's body (`POST /login`); more is refused.
    public static let httpLoginBody = 4096
    /// How long a login lasts, in seconds.
    public static let httpSessionLifetime = 12.0 * 3600
    /// Messages an event-stream reader may fall behind by before it is cut off (`LiveFeed`).
    public static let eventStreamBacklog = 1024

    // MARK: Logging (`LogSink`, `NoticeLimiter`)

    /// Bytes of log lines waiting to be written; past it lines are dropped and counted, and the
    /// count is written once the log is read again.
    public static let logBuffer = 1 << 20
    /// Lines of one kind of repetitive notice (a refused connection, a slow reader) per window;
    /// the rest are summed up in one line when the window ends.
    public static let noticesPerWindow = 3
    /// That window, in seconds.
    public static let noticeWindow = 1.0

    // MARK: Descriptors (`DescriptorBudget`)

    /// File descriptors kept for everything but connections (the journal, snapshots, archives,
    /// event loops, listening sockets); connections share the rest of `ulimit -n`.
    public static let descriptorReserve = 128
}
