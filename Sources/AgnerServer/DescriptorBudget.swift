import Foundation

/// How many connections the live service can take without running out of file descriptors for
/// what it must always be able to open: its journal and the next snapshot.
///
/// The rule: the process's limit on open files (`RLIMIT_NOFILE`, raised at start to its hard
/// limit) less a reserve of `reserve` descriptors is shared by the TCP face's connections (those
/// that said hello, `--max-connections`, and with tokens those still to say it), and the HTTP
/// face's (`--http-max-connections`). When the limits asked for do not fit, the HTTP face gets at
/// most an eighth of what there is and connections still to say hello a sixteenth, the TCP face
/// the rest; the start says so.
public enum DescriptorBudget {
    /// Descriptors kept for everything but connections: the standard streams, the journal (its
    /// database, write-ahead log and shared memory, on the committing connection and on the
    /// checkpointing one), a snapshot being written beside it, archive files while the journal
    /// is pruned, each event loop's epoll, eventfd and timerfd, the listening sockets, the HTTP
    /// face's threads, and room for a connection refused as `overloaded` while it is told so.
    public static let reserve = ServerLimits.descriptorReserve

    /// What the connections may use.
    public struct Plan: Equatable, Sendable {
        public var maximumConnections: Int
        public var maximumUnauthenticated: Int
        public var httpConnections: Int
        /// The limit on open files the plan was made for.
        public var limit: Int
        /// What was lowered, and why, to say at start (empty when everything fits).
        public var notes: [String]
    }

    public struct TooFew: Error, CustomStringConvertible {
        public var description: String
    }

    /// Shares `limit` descriptors, less the reserve, between the faces.
    /// - Throws: `TooFew` when not even a handful of connections fit.
    public static func plan(limit: Int, maximumConnections: Int, maximumUnauthenticated: Int, httpConnections: Int) throws(TooFew) -> Plan {
        let available = limit - reserve
        guard available >= 16 else {
            throw TooFew(description: "the limit on open files (ulimit -n) is \(limit): \(reserve) are kept for the journal, snapshots and the server itself, which leaves no room for connections; raise it")
        }
        var plan = Plan(maximumConnections: maximumConnections, maximumUnauthenticated: maximumUnauthenticated,
                        httpConnections: httpConnections, limit: limit, notes: [])
        guard maximumConnections + maximumUnauthenticated + httpConnections > available else { return plan }
        plan.httpConnections = min(httpConnections, max(httpConnections > 0 ? 4 : 0, available / 8))
        plan.maximumUnauthenticated = min(maximumUnauthenticated, max(maximumUnauthenticated > 0 ? 4 : 0, available / 16))
        plan.maximumConnections = max(1, min(maximumConnections, available - plan.httpConnections - plan.maximumUnauthenticated))
        let why = "the limit on open files is \(limit), \(reserve) of them kept for the journal, snapshots and the server"
        if plan.maximumConnections < maximumConnections {
            plan.notes.append("--max-connections lowered from \(maximumConnections) to \(plan.maximumConnections): \(why)")
        }
        if plan.maximumUnauthenticated < maximumUnauthenticated {
            plan.notes.append("connections still to say hello: at most \(plan.maximumUnauthenticated) (not \(maximumUnauthenticated)): \(why)")
        }
        if plan.httpConnections < httpConnections {
            plan.notes.append("--http-max-connections lowered from \(httpConnections) to \(plan.httpConnections): \(why)")
        }
        return plan
    }

    /// Raises the soft limit on open files to the hard limit (at most `cap`), as servers do.
    /// - Returns: the soft limit in force afterwards.
    @discardableResult
    public static func raiseLimit(cap: Int = 1 << 20) -> Int {
        var limits = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits) == 0 else { return 1024 }
        let wanted = min(limits.rlim_max, rlim_t(cap))
        if limits.rlim_cur < wanted {
            var raised = limits
            raised.rlim_cur = wanted
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limits = raised }
        }
        return Int(min(limits.rlim_cur, rlim_t(cap)))
    }
}
