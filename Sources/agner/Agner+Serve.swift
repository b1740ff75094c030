import AgnerProtocol
import AgnerCore
import AgnerServer
import AgnerSim
import AgnerStore
import AgnerWallboard
import ArgumentParser
import Prometheus
import Dispatch
import Foundation
import Logging
import NIOCore
import Yams

extension Agner {
    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Run the live router: adapters connect over TCP and speak newline-delimited JSON.",
            discussion: """
                The center part of a scenario file (departments, skills, topics, channels and \
                targets, agent groups, policy) configures the router; agent group "billing" with \
                count 3 gives agents billing-1, billing-2, billing-3 (offline until logged in). \
                Its hours (with their timezone and holiday dates) open and close the channels: \
                while closed, calls and chats are refused as closed, e-mails and click-to-call \
                requests wait for the opening (--ignore-hours keeps every channel open). \
                Every accepted command is journaled in the SQLite database before its reply is \
                sent. On start the newest snapshot (<db>-snapshot) is restored and the journal \
                replayed after it, so nothing acknowledged is lost and a restart stays quick. \
                SIGTERM or SIGINT stops gracefully. The protocol is in docs/protocol.md.

                --http HOST:PORT adds a read-only HTTP face: the wallboard at /, Prometheus \
                metrics at /metrics, the wallboard's figures as JSON at /api/stats and the \
                router's events as Server-Sent Events at /events. With --tokens it needs a \
                supervisor's or an observer's token (Authorization: Bearer, or the login form).

                Example: agner serve --center scenarios/retail.yaml --db agner.db --listen 127.0.0.1:7040 --http 127.0.0.1:9040
                """)

        @Option(help: "A scenario file whose center and agents configure the router.")
        var center: String

        @Option(help: "The SQLite journal (created if missing, recovered if present).")
        var db: String

        @Option(help: "HOST:PORT to listen on. Only loopback addresses without --tokens.")
        var listen: String = "127.0.0.1:7040"

        @Option(help: "A YAML file of tokens and roles: {tokens: {SECRET: supervisor, OTHER: observer, THIRD: {role: adapter, adapters: [pbx-1]}}} (tokens of 8 characters or more; an adapter token names the adapters it speaks for).")
        var tokens: String?

        @Option(help: "Most connections at once (those that said hello, with --tokens). Lowered at start if the limit on open files (ulimit -n) leaves too little room beside the journal and snapshots.")
        var maxConnections: Int = ServerLimits.connections

        @Option(help: "With --http: most HTTP connections at once; more wait in the kernel's queue until one closes.")
        var httpMaxConnections: Int = ServerLimits.httpConnections

        @Option(help: "With --http: an HTTP connection with no request in progress for this long is closed (an event stream being sent stays), e.g. 60s, 5min.")
        var httpIdleTimeout: String = "\(ServerLimits.httpIdleTimeout.components.seconds)s"

        @Option(help: "Store a snapshot of the state after this many journaled commands (0: only at a graceful stop); a restart replays only what came after it.")
        var snapshotEvery: Int = 250_000

        @Option(help: "HOST:PORT for the HTTP face: the wallboard (/), Prometheus metrics (/metrics), JSON figures (/api/stats), Server-Sent Events (/events). Loopback unless --tokens; port 0 picks a free port.")
        var http: String?

        @Option(help: "The same as --http (metrics moved to the HTTP face, which serves them at /metrics); kept for existing setups.")
        var metrics: String?

        /// The HTTP face's address: --http, or --metrics for older setups.
        var httpAddress: String? { http ?? metrics }

        @Option(help: "How long the calls and chats of an adapter whose last connection closed are held before they end as abandoned (adapterLost), e.g. 2min, 90s, at most 1d; its contacts in conversation are then taken as ended. E-mails stay held until it comes back. After a restart the whole grace runs from the restart.")
        var adapterGrace: String = "2min"

        @Flag(help: "Keep every channel open whatever the center's hours say (to try the router out at night). Supervisors can still close channels.")
        var ignoreHours = false

        @Option(help: "Journal retention: keep what recovery needs (the newest snapshot and everything after it) plus this much history, e.g. 7d, 12h; older batches go to dated archive files beside the journal (<db>.archive-YYYY-MM-DD), checked after each snapshot. Default: keep everything.")
        var retain: String?

        @Flag(help: "With --retain: delete the batches past the window instead of archiving them.")
        var discardOld = false

        @Option(help: "Shadow mode: a scenario file whose center and agents route the same live traffic beside the real router, without acting; a supervisor's `shadow` request compares them (service level, ASA, abandonment, leakage, decisions that agreed). Its topics must be the center's; agents are matched by name.")
        var shadow: String?

        @Option(help: "With --shadow: the candidate file's variant to use.")
        var shadowVariant: String?

        func address() throws -> (String, Int) { try Self.hostAndPort(listen, option: "--listen") }

        static func hostAndPort(_ text: String, option: String) throws -> (String, Int) {
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
                throw ValidationError("\(option) '\(text)' should be HOST:PORT, e.g. 127.0.0.1:7040 or [::1]:7040")
            }
            var host = String(text[..<colon])
            // An IPv6 address is written in brackets: [::1]:7040.
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            return (host, port)
        }

        /// Whether the address is loopback once resolved (a name that only looks like one, such
        /// as `127.0.0.1.example.invalid`, is not).
        static func isLoopback(_ host: String) -> Bool {
            ListeningSocket.isLoopback(host)
        }

        func validate() throws {
            if shadowVariant != nil && shadow == nil { throw ValidationError("--shadow-variant needs --shadow FILE") }
            try refuseWriting("--db", db, over: [center, tokens, shadow])
            let (host, _) = try address()
            if !Self.isLoopback(host) && tokens == nil {
                throw ValidationError("refusing to listen on \(host) without --tokens: anyone who can reach it could route contacts")
            }
            if let http, let metrics, http != metrics {
                throw ValidationError("--metrics is the same as --http: give one address")
            }
            if let httpAddress {
                let (httpHost, _) = try Self.hostAndPort(httpAddress, option: http != nil ? "--http" : "--metrics")
                if !Self.isLoopback(httpHost) && tokens == nil {
                    throw ValidationError("refusing to serve HTTP on \(httpHost) without --tokens: anyone who can reach it could watch the center")
                }
            }
            guard maxConnections > 0 else { throw ValidationError("--max-connections must be positive") }
            guard httpMaxConnections > 0 else { throw ValidationError("--http-max-connections must be positive") }
            do {
                let idle = try Quantities.duration(httpIdleTimeout)
                guard idle > 0 && idle <= 86_400 else { throw ValidationError("--http-idle-timeout \(httpIdleTimeout) should be between 0 and a day") }
            } catch let error as ValidationError { throw error } catch { throw ValidationError("--http-idle-timeout: \(error)") }
            if let retain {
                do { _ = try Quantities.duration(retain) } catch { throw ValidationError("--retain: \(error)") }
            } else if discardOld {
                throw ValidationError("--discard-old needs --retain (how much history to keep)")
            }
            do {
                let grace = try Quantities.duration(adapterGrace)
                guard DomainLimits.adapterGrace.contains(grace) else { throw ValidationError("--adapter-grace \(adapterGrace) is longer than a day") }
            } catch let error as ValidationError { throw error } catch { throw ValidationError("--adapter-grace: \(error)") }
            guard snapshotEvery >= 0 else { throw ValidationError("--snapshot-every must be 0 or more") }
        }

        @Option(help: "Log level on stderr: trace, debug, info, notice, warning, error, critical.")
        var logLevel: String = "info"

        func run() throws {
            guard let level = Logger.Level(rawValue: logLevel) else {
                throw ValidationError("--log-level '\(logLevel)' should be trace, debug, info, notice, warning, error or critical")
            }
            // Log lines go through a bounded buffer that a thread of its own writes to stderr: a
            // log reader that stops reading never holds up the router (lines past the buffer are
            // dropped and counted).
            LoggingSystem.bootstrap { label in SinkLogHandler(label: label, sink: .standardError, level: level) }
            defer { LogSink.standardError.flush(timeout: 2) }
            let logger = Logger(label: "agner.serve")
            // A supervisor may close our log pipe: writing to it must fail quietly, not kill the router.
            signal(SIGPIPE, SIG_IGN)
            // A file-size limit reached (the journal) must be an error to handle, not a signal that kills.
            signal(SIGXFSZ, SIG_IGN)
            // Signals first: a SIGTERM that comes while the journal is replayed still stops the
            // server (once it is up), never kills it half-way or goes unheard.
            let stop = DispatchSemaphore(value: 0)
            signal(SIGTERM, SIG_IGN)
            signal(SIGINT, SIG_IGN)
            let sources = [SIGTERM, SIGINT].map { number in
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { stop.signal() }
                source.resume()
                return source
            }
            let scenario = try loadScenario(center, variant: nil)
            let roles = try tokens.map(loadTokens)
            let agents = Self.agents(of: scenario)
            // Shadow mode: a candidate center routes the same traffic beside the real one.
            let candidate = try shadow.map { file in try loadScenario(file, variant: shadowVariant) }
            if let candidate {
                let missing = Set(candidate.center.topics.map(\.name)).symmetricDifference(scenario.center.topics.map(\.name))
                guard missing.isEmpty else {
                    throw CommandFailure(description: "--shadow \(candidate.name): its topics must be the center's (they differ in: \(missing.sorted().joined(separator: ", ")))")
                }
                // Agents are matched by name: a candidate none of whose agents the center has would never staff anyone.
                let liveNames = Set(agents.map(\.name))
                let matched = Self.agents(of: candidate).filter { liveNames.contains($0.name) }.count
                guard matched > 0 else {
                    throw CommandFailure(description: "--shadow \(candidate.name): none of its agents is one of the center's (agents are matched by name, e.g. \(agents.first?.name ?? "billing-1")): the candidate would never have anyone logged in")
                }
            }
            let grace = try Quantities.duration(adapterGrace)
            let calendar = ignoreHours ? nil : try Self.calendar(of: scenario.hours)
            let journal = JournalAdapter()
            if let retain {
                journal.retention = (try Quantities.duration(retain), discardOld ? .delete : .archive)
                journal.logger = Logger(label: "agner.journal")
            }
            let router = try LiveRouter(settings: .init(center: scenario.center, agents: agents, tokens: roles,
                                                        adapterGrace: grace, calendar: calendar,
                                                        shadow: candidate.map { ($0.center, Self.agents(of: $0)) },
                                                        forecaster: WhatIfForecaster.make(scenario: scenario, calendar: calendar)),
                                        clock: { Date().timeIntervalSince1970 }, journal: journal)
            let (host, port) = try address()
            // Connections share what the limit on open files leaves beside the journal and snapshots.
            let plan: DescriptorBudget.Plan
            do {
                plan = try DescriptorBudget.plan(limit: DescriptorBudget.raiseLimit(), maximumConnections: maxConnections,
                                                 maximumUnauthenticated: roles == nil ? 0 : ServerLimits.unauthenticatedConnections,
                                                 httpConnections: httpAddress == nil ? 0 : httpMaxConnections)
            } catch { throw CommandFailure(description: "\(error)") }
            for note in plan.notes { LogSink.standardError.write("agner serve: \(note)\n") }
            let server = RoutingServer(configuration: ServerConfiguration(host: host, port: port, maximumConnections: plan.maximumConnections,
                                                                          maximumUnauthenticated: max(1, plan.maximumUnauthenticated),
                                                                          snapshotInterval: snapshotEvery),
                                       router: router, journal: journal, logger: Logger(label: "agner.server"))
            // The address first: a start that cannot listen touches nothing else.
            let bound: Int
            do { bound = try server.bind() } catch { throw CommandFailure(description: Self.bindFailure(listen, error)) }
            var wallboard: WallboardServer? = nil
            var metricsNote = ""
            if let httpAddress {
                let registry = PrometheusCollectorRegistry()
                var factory = PrometheusMetricsFactory(registry: registry)
                // Waits around the one-minute target; request durations from 50 µs to 1 s.
                factory.valueHistogramBuckets["agner_wait_seconds"] = [1, 5, 10, 15, 20, 30, 45, 60, 90, 120, 300, 900]
                factory.durationHistogramBuckets["agner_request_duration"] = [
                    .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
                    .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(250), .seconds(1)]
                router.metrics = ServerMetrics(factory: factory)
                let (httpHost, httpPort) = try Self.hostAndPort(httpAddress, option: http != nil ? "--http" : "--metrics")
                // Hummingbird says "listening on" at info level; only the banner below says it here.
                var httpLogger = Logger(label: "agner.http")
                httpLogger.logLevel = level <= .debug ? level : max(level, .warning)
                // The router publishes into the feed; the HTTP side reads only the feed.
                let feed = LiveFeed()
                let idle = try Quantities.duration(httpIdleTimeout)
                let started = WallboardServer(configuration: WallboardConfiguration(host: httpHost, port: httpPort, metrics: { registry.emitToString() },
                                                                                    maximumConnections: plan.httpConnections,
                                                                                    idleTimeout: .milliseconds(max(1, Int64(idle * 1000)))),
                                              feed: feed, access: WallboardAccess(tokens: roles), logger: httpLogger)
                let httpBound: Int
                do { httpBound = try started.start() } catch {
                    throw CommandFailure(description: Self.bindFailure(httpAddress, error))
                }
                server.attach(feed)
                wallboard = started
                markDescriptorsCloseOnExec()
                let shown = httpHost.contains(":") ? "[\(httpHost)]" : httpHost
                metricsNote = " · wallboard on http://\(shown):\(httpBound)/ (metrics at /metrics)"
            }
            // Every address is ours now: the journal may be opened (or created), and the center
            // comes up from whatever is there (JournalRecovery says loudly what was missing).
            var recovery = JournalRecovery(path: db, router: router, snapshotEvery: snapshotEvery, logger: Logger(label: "agner.recovery"))
            let outcome: JournalRecovery.Outcome
            do { outcome = try recovery.run() } catch let failure as CommandFailure { throw failure } catch {
                throw CommandFailure(description: "\(db): recovery failed: \(error)")
            }
            journal.log = outcome.log
            if !outcome.warnings.isEmpty {
                LogSink.standardError.write(outcome.warnings.map { "agner serve: RECOVERY: \($0)\n" }.joined())
            }
            try server.start(recoveredThrough: outcome.recoveredThrough, snapshotThrough: outcome.snapshotThrough)
            let fromSnapshot = outcome.snapshot > 0 ? " after a snapshot of the first \(outcome.snapshot)" : ""
            let losses = outcome.losses.isEmpty ? "" : " · RECOVERED WITH LOSSES: \(outcome.losses) (see above)"
            LogSink.standardError.write(("agner serve: listening on \(host):\(bound) · \(router.agentCount) agents · \(outcome.replayed) journaled commands replayed from \(db)\(fromSnapshot)\(losses)\(metricsNote)\n"))
            if let hours = router.openingHoursSummary() { LogSink.standardError.write("agner serve: \(hours)\n") }
            logger.info("started", metadata: ["listen": "\(host):\(bound)", "agents": "\(router.agentCount)", "replayed": "\(outcome.replayed)",
                                              "snapshot_through": "\(outcome.snapshot)", "journal": "\(db)",
                                              "losses": "\(outcome.losses.isEmpty ? "none" : outcome.losses)"])
            // The sources must live until a signal comes: in a release build a local that is not
            // used again may be released early, and with SIGTERM ignored the server would never stop.
            withExtendedLifetime(sources) { stop.wait() }
            LogSink.standardError.write("agner serve: stopping\n")
            logger.info("stopping")
            wallboard?.shutdown()
            server.shutdown()
        }

        /// The router's agents from a scenario's groups (`billing-1`, …), offline until logged in.
        static func agents(of scenario: Scenario) -> [LiveRouter.Agent] {
            scenario.roster.members.map { member in
                let group = scenario.agentGroups[member.group]
                return LiveRouter.Agent(name: member.name, profile: AgentProfile(id: AgentID(0), department: group.department,
                                                                                 skills: group.skills, capacity: group.capacity),
                                        adapter: group.adapter)
            }
        }

        /// One line for an address that cannot be listened on.
        static func bindFailure(_ address: String, _ error: any Error) -> String {
            let reason: String
            if let failure = error as? IOError {
                switch failure.errnoCode {
                case EADDRINUSE: reason = "the address is in use (another agner serve, or another program)"
                case EACCES: reason = "permission denied (ports below 1024 need privileges)"
                case EADDRNOTAVAIL: reason = "no such address on this machine"
                default: reason = "\(failure)"
                }
            } else {
                reason = "\(error)"
            }
            return "cannot listen on \(address): \(reason)"
        }

        /// The live opening hours of a scenario; nil when it has none (always open).
        static func calendar(of hours: OpeningHours) throws -> OpeningCalendar? {
            guard hours.days.contains(where: { $0 != .allDay }) || !hours.closedDates.isEmpty else { return nil }
            do {
                return try OpeningCalendar(weekdays: hours.days, closedDates: hours.closedDates, timeZone: hours.timeZone)
            } catch {
                throw CommandFailure(description: "hours: \(error)")
            }
        }

        /// Reads `{tokens: {SECRET: supervisor | observer | {role: adapter, adapters: [NAME, …]}}}`.
        /// An adapter token names the adapters it may speak for.
        func loadTokens(_ path: String) throws -> [String: Grant] {
            let text: String
            do { text = try TextFile.read(path, limit: 1 << 20, kind: "a tokens") } catch {
                throw CommandFailure(description: "\(path): \(error.description)")
            }
            // Aliases may stand for billions of nodes: count them before anything expands them.
            var budget = ScenarioLimits.yamlNodes
            guard let composed = try? Yams.compose(yaml: text), ScenarioLoader.fits(composed, budget: &budget) else {
                throw CommandFailure(description: "\(path): not YAML, or it expands to more than \(ScenarioLimits.yamlNodes) nodes through its aliases")
            }
            guard let node = try? Yams.load(yaml: text) as? [String: Any], let tokens = node["tokens"] as? [String: Any] else {
                throw CommandFailure(description: "\(path): expected {tokens: {SECRET: role, …}}")
            }
            var grants: [String: Grant] = [:]
            for (token, value) in tokens {
                guard token.count >= 8 else { throw CommandFailure(description: "\(path): tokens: a token needs at least 8 characters") }
                if let name = value as? String {
                    switch Role(rawValue: name) {
                    case .supervisor: grants[token] = .supervisor
                    case .observer: grants[token] = .observer
                    case .adapter:
                        throw CommandFailure(description: "\(path): tokens: an adapter token names the adapters it speaks for: {role: adapter, adapters: [pbx-1]}")
                    case nil:
                        throw CommandFailure(description: "\(path): tokens: the role of a token should be adapter, supervisor or observer")
                    }
                } else if let entry = value as? [String: Any], let roleName = entry["role"] as? String, let role = Role(rawValue: roleName) {
                    let names = (entry["adapters"] as? [Any])?.compactMap { $0 as? String } ?? []
                    if let bad = names.lazy.compactMap({ name in DomainLimits.nameProblem(name).map { (name, $0) } }).first {
                        throw CommandFailure(description: "\(path): tokens: the adapter name '\(bad.0)' \(bad.1)")
                    }
                    if role == .adapter && names.isEmpty {
                        throw CommandFailure(description: "\(path): tokens: an adapter token needs adapters: [NAME, …], the adapters it speaks for")
                    }
                    grants[token] = Grant(role: role, adapters: role == .adapter ? Set(names) : nil)
                } else {
                    throw CommandFailure(description: "\(path): tokens: each token maps to a role, or to {role: adapter, adapters: [NAME, …]}")
                }
            }
            return grants
        }
    }
}

/// The journal as the server sees it, kept in the SQLite command log. The log is opened once
/// the listening address is bound (a start that cannot listen creates no journal file); the
/// server uses the journal only after that.
final class JournalAdapter: CommandJournal, @unchecked Sendable {
    var log: CommandLog?
    /// `--retain`: how much history to keep (seconds) and what to do with the rest.
    var retention: (seconds: Double, old: CommandLog.OldBatches)?
    var logger = Logger(label: "agner.journal")
    init(log: CommandLog? = nil) { self.log = log }
    func append(time: Double, origin: String, line: UnsafeRawBufferPointer) throws { log!.append(time: time, origin: origin, line: line) }
    func commit() throws -> Int64 { try log!.commit() }
    /// Stores the snapshot, then (with `--retain`) prunes what the snapshots cover past the
    /// window: on the snapshot thread, never the event loop's.
    func saveSnapshot(_ data: [UInt8], through sequence: Int64) throws {
        let now = Date().timeIntervalSince1970
        try log!.saveSnapshot(data, through: sequence, at: now)
        guard let retention, let log else { return }
        do {
            // Only what the older of the two snapshot files covers: either can be lost.
            let pruned = try log.pruneAfterSnapshot(olderThan: now - retention.seconds, oldBatches: retention.old)
            if pruned.batches > 0 {
                logger.info("journal pruned", metadata: ["entries": "\(pruned.entries)", "batches": "\(pruned.batches)",
                                                         "archives": "\(pruned.archives.joined(separator: ", "))"])
            }
        } catch {
            logger.error("journal pruning failed; the journal keeps everything", metadata: ["error": "\(error)"])
        }
    }
}
