import AgnerCore
import AgnerServer
import AgnerSim
import AgnerStore
import ArgumentParser
import Prometheus
import Dispatch
import Foundation
import Logging
import Yams

extension Agner {
    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the live router: adapters connect over TCP and speak newline-delimited JSON.",
            discussion: """
                The center part of a scenario file (departments, skills, topics, channels and \
                targets, agent groups, policy) configures the router; agent group "billing" with \
                count 3 gives agents billing-1, billing-2, billing-3 (offline until logged in). \
                Every accepted command is journaled in the SQLite database before its reply is \
                sent. On start the newest snapshot (<db>-snapshot) is restored and the journal \
                replayed after it, so nothing acknowledged is lost and a restart stays quick. \
                SIGTERM or SIGINT stops gracefully. The protocol is in docs/protocol.md.

                Example: agner serve --center scenarios/retail.yaml --db agner.db --listen 127.0.0.1:7040
                """)

        @Option(help: "A scenario file whose center and agents configure the router.")
        var center: String

        @Option(help: "The SQLite journal (created if missing, recovered if present).")
        var db: String

        @Option(help: "HOST:PORT to listen on. Only loopback addresses without --tokens.")
        var listen: String = "127.0.0.1:7040"

        @Option(help: "A YAML file of tokens and roles: {tokens: {SECRET: supervisor, OTHER: adapter}}.")
        var tokens: String?

        @Option(help: "Most connections at once.")
        var maxConnections: Int = 1024

        @Option(help: "Store a snapshot of the state after this many journaled commands (0: only at a graceful stop); a restart replays only what came after it.")
        var snapshotEvery: Int = 250_000

        @Option(help: "HOST:PORT for Prometheus metrics over HTTP (GET /metrics). Loopback unless --tokens.")
        var metrics: String?

        func address() throws -> (String, Int) { try Self.hostAndPort(listen, option: "--listen") }

        static func hostAndPort(_ text: String, option: String) throws -> (String, Int) {
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
                throw ValidationError("\(option) '\(text)' should be HOST:PORT, e.g. 127.0.0.1:7040")
            }
            return (String(text[..<colon]), port)
        }

        static func isLoopback(_ host: String) -> Bool {
            host == "127.0.0.1" || host == "localhost" || host == "::1" || host.hasPrefix("127.")
        }

        func validate() throws {
            let (host, _) = try address()
            if !Self.isLoopback(host) && tokens == nil {
                throw ValidationError("refusing to listen on \(host) without --tokens: anyone who can reach it could route contacts")
            }
            if let metrics {
                let (metricsHost, _) = try Self.hostAndPort(metrics, option: "--metrics")
                if !Self.isLoopback(metricsHost) && tokens == nil {
                    throw ValidationError("refusing to serve metrics on \(metricsHost) without --tokens")
                }
            }
            guard maxConnections > 0 else { throw ValidationError("--max-connections must be positive") }
            guard snapshotEvery >= 0 else { throw ValidationError("--snapshot-every must be 0 or more") }
        }

        @Option(help: "Log level on stderr: trace, debug, info, notice, warning, error, critical.")
        var logLevel: String = "info"

        func run() throws {
            guard let level = Logger.Level(rawValue: logLevel) else {
                throw ValidationError("--log-level '\(logLevel)' should be trace, debug, info, notice, warning, error or critical")
            }
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
            let logger = Logger(label: "agner.serve")
            let scenario = try loadScenario(center, variant: nil)
            let roles = try tokens.map(loadTokens)
            let agents = scenario.roster.members.map { member in
                let group = scenario.agentGroups[member.group]
                return LiveRouter.Agent(name: member.name, profile: AgentProfile(id: AgentID(0), department: group.department, skills: group.skills, capacity: group.capacity))
            }
            let log: CommandLog
            do { log = try CommandLog(path: db) } catch { throw CommandFailure(description: "\(db): cannot open the journal: \(error)") }
            let journal = JournalAdapter(log: log)
            let router = try LiveRouter(settings: .init(center: scenario.center, agents: agents, tokens: roles),
                                        clock: { Date().timeIntervalSince1970 }, journal: journal)
            var endpoint: MetricsEndpoint? = nil
            var metricsNote = ""
            if let metrics {
                let registry = PrometheusCollectorRegistry()
                var factory = PrometheusMetricsFactory(registry: registry)
                // Waits around the one-minute target; request durations from 50 µs to 1 s.
                factory.valueHistogramBuckets["agner_wait_seconds"] = [1, 5, 10, 15, 20, 30, 45, 60, 90, 120, 300, 900]
                factory.durationHistogramBuckets["agner_request_duration"] = [
                    .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
                    .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(250), .seconds(1)]
                router.metrics = ServerMetrics(factory: factory)
                let (metricsHost, metricsPort) = try Self.hostAndPort(metrics, option: "--metrics")
                let started = MetricsEndpoint()
                let bound = try started.start(host: metricsHost, port: metricsPort) { registry.emitToString() }
                endpoint = started
                metricsNote = " · metrics on http://\(metricsHost):\(bound)/metrics"
            }
            let recovery = try Self.recover(router, from: log, logger: logger)
            let (host, port) = try address()
            let server = RoutingServer(configuration: ServerConfiguration(host: host, port: port, maximumConnections: maxConnections,
                                                                          snapshotInterval: snapshotEvery),
                                       router: router, journal: journal, recoveredThrough: log.lastSequence,
                                       snapshotThrough: recovery.snapshot, logger: Logger(label: "agner.server"))
            let bound = try server.start()
            let fromSnapshot = recovery.snapshot > 0 ? " after a snapshot of the first \(recovery.snapshot)" : ""
            FileHandle.standardError.write(Data("agner serve: listening on \(host):\(bound) · \(agents.count) agents · \(recovery.replayed) journaled commands replayed from \(db)\(fromSnapshot)\(metricsNote)\n".utf8))
            logger.info("started", metadata: ["listen": "\(host):\(bound)", "agents": "\(agents.count)", "replayed": "\(recovery.replayed)",
                                              "snapshot_through": "\(recovery.snapshot)", "journal": "\(db)"])
            let stop = DispatchSemaphore(value: 0)
            signal(SIGTERM, SIG_IGN)
            signal(SIGINT, SIG_IGN)
            let sources = [SIGTERM, SIGINT].map { number in
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { stop.signal() }
                source.resume()
                return source
            }
            // The sources must live until a signal comes: in a release build a local that is not
            // used again may be released early, and with SIGTERM ignored the server would never stop.
            withExtendedLifetime(sources) { stop.wait() }
            FileHandle.standardError.write(Data("agner serve: stopping\n".utf8))
            logger.info("stopping")
            server.shutdown()
            endpoint?.shutdown()
        }

        /// Restores the newest usable snapshot, then replays the journal entries after it. A
        /// snapshot that cannot be used (another center, another format, damage) is skipped and
        /// the whole journal replayed: it only ever saves time.
        static func recover(_ router: LiveRouter, from log: CommandLog, logger: Logger) throws -> (snapshot: Int64, replayed: Int) {
            var start: Int64 = 0
            do {
                if let snapshot = try log.latestSnapshot() {
                    try router.restore(from: snapshot.data)
                    start = snapshot.sequence
                }
            } catch {
                logger.warning("snapshot not used; replaying the whole journal", metadata: ["reason": "\(error)"])
            }
            let replayed = try log.forEachEntry(after: start) { entry in
                do {
                    try router.replay(JournalEntry(time: entry.time, origin: entry.origin, line: entry.line))
                } catch {
                    throw CommandFailure(description: """
                        journal entry \(entry.sequence) cannot be replayed: \(error). Was the journal written \
                        with another --center file? Start with that file, or with a new --db.
                        """)
                }
            }
            return (start, replayed)
        }

        func loadTokens(_ path: String) throws -> [String: Role] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw CommandFailure(description: "\(path): cannot read the tokens file")
            }
            guard let node = try? Yams.load(yaml: text) as? [String: Any], let tokens = node["tokens"] as? [String: Any] else {
                throw CommandFailure(description: "\(path): expected {tokens: {SECRET: role, …}}")
            }
            var roles: [String: Role] = [:]
            for (token, value) in tokens {
                guard let name = value as? String, let role = Role(rawValue: name) else {
                    throw CommandFailure(description: "\(path): tokens: the role of a token should be adapter, supervisor or observer")
                }
                guard token.count >= 8 else { throw CommandFailure(description: "\(path): tokens: a token needs at least 8 characters") }
                roles[token] = role
            }
            return roles
        }
    }
}

/// The journal as the server sees it, kept in the SQLite command log.
final class JournalAdapter: CommandJournal {
    let log: CommandLog
    init(log: CommandLog) { self.log = log }
    func append(time: Double, origin: String, line: UnsafeRawBufferPointer) throws { log.append(time: time, origin: origin, line: line) }
    func commit() throws -> Int64 { try log.commit() }
    func saveSnapshot(_ data: [UInt8], through sequence: Int64) throws {
        try log.saveSnapshot(data, through: sequence, at: Date().timeIntervalSince1970)
    }
}
