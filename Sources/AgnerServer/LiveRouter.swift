import AgnerProtocol
import AgnerCore
import Foundation

/// A connection, as the router knows it.
public struct SessionID: Hashable, Sendable, Comparable {
    public var raw: Int
    public init(_ raw: Int) { self.raw = raw }
    public static func < (a: Self, b: Self) -> Bool { a.raw < b.raw }
}

/// A line for one connection, as a string (see `Outbox` for the lines as the server takes them).
public struct Outbound: Sendable, Equatable {
    public var session: SessionID
    public var line: String
}

/// The live face of the engine, without sockets: it reads protocol lines, drives the routing
/// engine with the wall clock, journals accepted commands, and puts the lines it answers with
/// in its `outbox`, each for a connection. Not thread-safe: the server confines it to one
/// event loop.
public final class LiveRouter {
    public struct Agent: Sendable {
        public var name: String
        public var profile: AgentProfile
        /// The adapter the center assigns the agent to: only it (and supervisors) may set the
        /// agent's state. nil: the adapter that logs the agent in manages it until it logs out.
        public var adapter: String?
        public init(name: String, profile: AgentProfile, adapter: String? = nil) {
            self.name = name
            self.profile = profile
            self.adapter = adapter
        }
    }

    public struct Settings: Sendable {
        public var center: CenterConfiguration
        /// Agents known at start (offline until their adapter logs them in).
        public var agents: [Agent]
        /// Token → what it grants. nil: no authentication; a connection may act before `hello`.
        public var tokens: [String: Grant]?
        /// How long the real-time contacts of an adapter whose last connection closed are held
        /// (seconds) before they end as abandoned (cause `adapterLost`). E-mails stay held.
        public var adapterGrace: Double
        /// Opening hours: channels open and close on it. nil: always open (until a supervisor
        /// closes a channel).
        public var calendar: OpeningCalendar?

        /// Shadow mode: a candidate configuration and its agents, routing the same traffic
        /// beside the real router without acting (`ShadowRouter`).
        public var shadow: (center: CenterConfiguration, agents: [Agent])?
        /// What answers `whatif` (the simulator, plugged in by the CLI); nil: no forecasts.
        public var forecaster: Forecaster?

        public init(center: CenterConfiguration, agents: [Agent], tokens: [String: Grant]? = nil,
                    adapterGrace: Double = 120, calendar: OpeningCalendar? = nil,
                    shadow: (center: CenterConfiguration, agents: [Agent])? = nil, forecaster: Forecaster? = nil) {
            self.center = center
            self.agents = agents
            self.tokens = tokens
            self.adapterGrace = adapterGrace
            self.calendar = calendar
            self.shadow = shadow
            self.forecaster = forecaster
        }
    }

    struct Session {
        var role: Role?
        var name: String
        var subscriptions: Set<EventName> = []
    }

    /// Per channel and topic, since the start of the (UTC) day.
    struct DayTally: Codable {
        /// Contacts that arrived and were kept (not closed).
        var offered = 0
        var answered = 0
        var answeredWithinTarget = 0
        /// Hung up (the customer).
        var abandoned = 0
        /// Ended because their adapter was gone past the grace (not the customer's doing).
        var lost = 0
        /// Arrived while the channel was closed and not kept.
        var unserved = 0
        /// Answered by an agent of another department than the topic's owner.
        var answeredOutsideOwner = 0
    }

    /// A supervisor's `center.close` or `center.open`: the channel stays so until `until`
    /// (Unix seconds; nil: until the next override), whatever the calendar says.
    struct HoursOverride: Codable, Equatable {
        var open: Bool
        var until: Double?
    }

    public let settings: Settings
    /// Where the wallboard reads from: events as they are delivered, and the figures the
    /// server publishes (`RoutingServer.attach(_:)`); nil publishes nothing.
    public var feed: LiveFeed?
    /// Metrics to record into; nil records nothing.
    public var metrics: ServerMetrics? {
        didSet { recountAgents() }
    }
    var engine: RoutingEngine
    /// For the metrics: each agent's last reported state, how many are in each state, and the
    /// contacts waiting; kept up to date event by event, never recounted.
    var agentStates: [UInt64: AgentState] = [:]
    var agentStateCounts: [AgentState: Int] = [:]
    var waitingContacts: Set<UInt64> = []
    let clock: () -> Double
    let journal: CommandJournal?
    var sessions: [SessionID: Session] = [:] {
        didSet { sessionsInOrder = nil }
    }
    /// The sessions sorted by id, kept until one connects, leaves, or changes its name or
    /// subscriptions (events go out to sessions in this order).
    var sessionsInOrder: [(key: SessionID, value: Session)]?
    /// The adapters' ids for contacts and agents, and who announced each contact.
    var directory = Directory()
    var day = -1
    var tallies: [Int: DayTally] = [:]  // by `queueKey(channel, topic)`
    /// While replaying the journal: no journaling, no output, and the journal's clock.
    var replaying = false
    var replayClock: Double? = nil
    /// Events of timers that fired before a refused command: sent with the next output.
    var pendingTimerEvents: [Event] = []
    lazy var contactReply = Self.replyShape("contact")
    lazy var agentReply = Self.replyShape("agent")
    var eventTemplates: [EventName: LineTemplate] = [:]
    /// The request being performed: what the journal gets, in canonical form (`Request.canonical`).
    var currentRequest: Request?
    /// Writes journal lines in canonical form, and the buffer it writes them into.
    lazy var canonicalEncoder = CanonicalEncoder(center: settings.center)
    var journalScratch: [UInt8] = []
    /// What `stats` counts, kept event by event (built from the state when first needed, and
    /// again after a snapshot is restored).
    var queueLines: QueueLines?
    /// Why the journal cannot be written, while it cannot (`freeze(because:)`): nothing that
    /// would be journaled is accepted, timers wait, reads are served.
    public private(set) var journalFailure: String?
    /// Adapters whose last connection closed while the journal could not be written: they are
    /// lost (contacts held, journaled) once it can.
    var deferredLosses: [String] = []
    /// The connection of the request being handled is gone: reads are not worth answering.
    var closingRequest = false
    /// Asked when a connection says a valid hello for the first time (with tokens): whether
    /// there is room for one more; if not, the hello is refused as `overloaded`. The server
    /// sets it (and closes the connection once the refusal is out).
    public var admission: ((SessionID) -> Bool)?
    /// Lines produced and not yet taken (`takeLines`).
    public internal(set) var outbox = Outbox()
    /// Open connections per adapter (session) name: contacts belong to the name, and are held
    /// when its last connection closes.
    var connectionsByName: [String: Int] = [:]
    /// Names default connections apart from those of an earlier run (`connection-RUN-N`).
    let runID = String(UInt32.random(in: 0x10_0000...0xFF_FFFF), radix: 36)
    /// The journal sequence of the last command the state includes: what was recovered, plus
    /// every command appended since. A snapshot is labelled with it.
    public var journalSequence: Int64 = 0
    /// Whether the request being handled was journaled already (an operation that applies
    /// several engine commands is journaled once, as its request line).
    var requestJournaled = false
    /// The adapter managing each agent (by internal agent id): the one that logged it in, or the
    /// one the center assigns it to. Only it (and supervisors) may set the agent's state.
    var agentManagers: [UInt64: String] = [:]
    /// Agents the center assigns to an adapter (`Agent.adapter`): their manager never changes.
    var assignedAgents: Set<UInt64> = []
    /// The candidate configuration in shadow mode, if any.
    let shadowRouter: ShadowRouter?
    /// Arrivals per (topic × 4 + channel) and minute, the last hour, for forecasts; and the
    /// minute last counted.
    var recentArrivals: [Int] = []
    var recentMinute = -1
    /// When the first arrival was counted (the window of what was seen, until it is an hour).
    var recentSince: Double?
    var nextWhatIf = 0
    /// Runs a forecast off the router's thread and hands its result back on it (the server
    /// sets it; without one, forecasts run after the reply, on this thread).
    public var offload: ((@escaping @Sendable () -> WireValue, @escaping (WireValue) -> Void) -> Void)?
    var pendingWhatIfs: [(@Sendable () -> WireValue, (WireValue) -> Void)] = []
    /// Per channel, a supervisor's override of the calendar.
    var hoursOverrides = PerChannel<HoursOverride?>(repeating: nil)
    /// When opening hours next need a look (a calendar change or an override's end).
    var nextHoursCheck: Double? = nil

    /// The time of the request being handled: read once, so every command of one request
    /// happens at the same moment, as it will on replay.
    var requestClock: Double? = nil

    /// The engine's time: the wall clock (or the journal's during replay), never backwards.
    func currentTime() -> Double {
        max(replayClock ?? requestClock ?? clock(), engine.now)
    }

    /// Runs `body` with the clock read once (unless it already is).
    func atOneMoment<T>(_ body: () throws -> T) rethrows -> T {
        guard requestClock == nil, replayClock == nil else { return try body() }
        requestClock = clock()
        defer { requestClock = nil }
        return try body()
    }

    public init(settings: Settings, clock: @escaping () -> Double, journal: CommandJournal? = nil) throws(EngineError) {
        self.settings = settings
        self.clock = clock
        self.journal = journal
        engine = RoutingEngine(configuration: settings.center)
        shadowRouter = try settings.shadow.map { shadow throws(EngineError) in try ShadowRouter(center: shadow.center, agents: shadow.agents) }
        var ignored: [Event] = []
        for agent in settings.agents {
            let id = directory.addAgent(named: agent.name)
            var profile = agent.profile
            profile.id = id
            try engine.apply(.addAgent(profile), at: 0, into: &ignored)
            if let adapter = agent.adapter {
                agentManagers[id.rawValue] = adapter
                assignedAgents.insert(id.rawValue)
            }
            setAgentState(id.rawValue, .offline)
        }
    }

    /// Records an agent's new state (nil: removed), updating the count of the old and new state.
    func setAgentState(_ agent: UInt64, _ state: AgentState?) {
        if let old = agentStates[agent] {
            agentStateCounts[old, default: 0] -= 1
            metrics?.agents[old.name]?.record(agentStateCounts[old] ?? 0)
        }
        agentStates[agent] = state
        if let state {
            agentStateCounts[state, default: 0] += 1
            metrics?.agents[state.name]?.record(agentStateCounts[state] ?? 0)
        }
    }

    /// Sets every gauge from the counts kept (when metrics are attached).
    func recountAgents() {
        guard let metrics else { return }
        metrics.agentCounts(agentStateCounts)
        metrics.waiting.record(waitingContacts.count)
    }

    // MARK: - Connections

    public func connect(_ session: SessionID) {
        // Unique to this run: after a restart, a new connection is not taken for an old one.
        let name = "connection-\(runID)-\(session.raw)"
        let role: Role? = settings.tokens == nil ? .supervisor : nil
        sessions[session] = Session(role: role, name: name)
        if Self.ownsContacts(role) { connectionsByName[name, default: 0] += 1 }
    }

    /// Adapters and supervisors announce contacts and get their offers; observers never do.
    static func ownsContacts(_ role: Role?) -> Bool { role == .adapter || role == .supervisor }

    /// The connection closed. If it was its adapter's last, the adapter's offers are withdrawn
    /// and its contacts held (see `adapterLost`).
    public func disconnect(_ session: SessionID) {
        guard let state = sessions.removeValue(forKey: session) else { return }
        if Self.ownsContacts(state.role) { atOneMoment { leave(name: state.name) } }
    }

    public func isAuthenticated(_ session: SessionID) -> Bool {
        sessions[session]?.role != nil
    }

    /// Agents the router knows (those at start, plus added, minus removed).
    public var agentCount: Int { engine.agentCount }

    /// The earliest pending timer (Unix seconds): the engine's, or a change of opening hours.
    public func nextDeadline() -> Double? {
        [engine.nextDeadline(), nextHoursCheck, shadowRouter?.nextDeadline()].compactMap { $0 }.min()
    }

    /// Fires the engine's timers that are due by now, and opens or closes channels the
    /// opening hours say should change; what happens goes to the outbox. Nothing while the
    /// journal cannot be written (they fire, late, once it can).
    public func advanceTimers() {
        guard journalFailure == nil else { return }
        atOneMoment {
            let now = currentTime()
            advanceEngine(to: now)
            if !replaying, let check = nextHoursCheck, check <= now { applyOpeningHours() }
        }
    }

    /// Fires the engine's timers due by `time` (only those: a replay gets opening hours from the journal).
    func advanceEngine(to time: Double) {
        var events: [Event] = []
        engine.advance(to: time, into: &events)
        if !events.isEmpty { deliver(events) }
        shadowRouter?.advance(to: time)
    }

    /// Fires the timers due by now and returns the lines in the outbox (emptying it).
    public func fireTimers() -> [Outbound] {
        advanceTimers()
        return takeOutbounds()
    }

    /// Hands every line in the outbox to `body`, in order, and empties it.
    public func takeLines(_ body: (SessionID, UnsafeRawBufferPointer) -> Void) {
        outbox.forEach(body)
        outbox.removeAll()
    }

    /// The lines in the outbox as strings, emptying it.
    public func takeOutbounds() -> [Outbound] {
        defer { outbox.removeAll() }
        return outbox.outbounds
    }

    // MARK: - Requests

    /// Handles one request line (without its newline) from a connection: its reply, then the
    /// events it caused, go to the outbox.
    /// - Parameter closing: the connection is gone (its last requests are handled for what they
    ///   change; reads are skipped, their replies would go nowhere).
    public func receive(line bytes: UnsafeRawBufferPointer, from session: SessionID, closing: Bool = false) {
        // An empty line (a keep-alive, a stray newline) asks nothing and gets nothing.
        guard !bytes.isEmpty else { return }
        closingRequest = closing
        defer { closingRequest = false }
        let request: WireObject
        do throws(ProtocolError) { request = try WireObject(parsing: bytes) } catch {
            metrics?.requests.increment()
            metrics?.requestErrors.increment()
            reply(to: session, re: nil, error: error)
            return
        }
        handle(request, from: session)
    }

    /// Handles one request line and returns the lines in the outbox (emptying it).
    public func handle(line bytes: UnsafeRawBufferPointer, from session: SessionID) -> [Outbound] {
        receive(line: bytes, from: session)
        return takeOutbounds()
    }

    public func handle(line text: String, from session: SessionID) -> [Outbound] {
        var text = text
        return text.withUTF8 { handle(line: UnsafeRawBufferPointer($0), from: session) }
    }

    func handle(_ request: WireObject, from session: SessionID) {
        requestClock = clock()
        defer { requestClock = nil }
        guard let metrics else {
            handleRequest(request, from: session)
            return
        }
        let started = DispatchTime.now().uptimeNanoseconds
        let succeeded = handleRequest(request, from: session)
        metrics.requests.increment()
        metrics.requestLatency.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started))
        if !succeeded { metrics.requestErrors.increment() }
    }

    /// - Returns: whether the request succeeded (its reply says `ok: true`).
    @discardableResult
    func handleRequest(_ request: WireObject, from session: SessionID) -> Bool {
        let re = request.received("req")
        // Whatever fell due before this request happens first, exactly as a replay of the
        // journal will do it: a contact whose wrap-up ended is forgotten before its id is reused.
        // (Not while the journal cannot be written: time stands still for the engine then.)
        if journalFailure == nil { advanceTimers() }
        requestJournaled = false
        // The reply's place: before the events the operation produces.
        let mark = outbox.mark
        do throws(ProtocolError) {
            let operation = try Operation(requested: try request.string("op"))
            guard var state = sessions[session] else { throw ProtocolError(.notAuthenticated, "unknown connection") }
            let decoded = try Request.decode(request, as: operation, center: settings.center)
            if case let .hello(role, name, token, version) = decoded {
                let result = try hello(role: role, name: name, token: token, version: version, session: &state, id: session)
                sessions[session] = state
                reply(to: session, re: re, result: result, at: mark)
                return true
            }
            guard let role = state.role else {
                throw ProtocolError(.notAuthenticated, "send hello with a token first")
            }
            guard operation.allows(role) else {
                throw ProtocolError(.forbidden, "op '\(operation.rawValue)' is not allowed for the \(role.rawValue) role")
            }
            if closingRequest && Self.onlyReads(decoded) { return true }
            if role == .adapter { try checkOwnership(decoded, adapter: state.name) }
            if let journalFailure, changesState(decoded, owner: state.name) {
                throw ProtocolError(.journalFailed, "the journal cannot be written (\(journalFailure)); no change is accepted until it can be, reads are served")
            }
            let result = try perform(decoded, request, session: session, name: state.name)
            reply(to: session, re: re, result: result, at: mark)
            if !pendingWhatIfs.isEmpty { runPendingWhatIfs() }
            return true
        } catch {
            // A refused request produces its error and nothing else.
            outbox.truncate(to: mark)
            reply(to: session, re: re, error: error)
            return false
        }
    }

    func hello(role: Role, name requested: String?, token: String, version: Int?, session: inout Session, id: SessionID? = nil) throws(ProtocolError) -> WireValue {
        if let version, version != 1 {
            throw ProtocolError(.badField, "protocol: version \(version) is not spoken here (1 is)")
        }
        var requestedName = requested
        if let tokens = settings.tokens {
            guard let granted = Grant.matching(token, in: tokens),
                  Operation.hello.allows(granted.role), Self.ranks(granted.role, atLeast: role) else {
                throw ProtocolError(.notAuthenticated, "the token does not grant the \(role.rawValue) role")
            }
            // An adapter token speaks only for the adapters it names.
            if granted.role == .adapter, let names = granted.adapters {
                if requestedName == nil { requestedName = names.sorted().first }
                guard let name = requestedName, names.contains(name) else {
                    throw ProtocolError(.forbidden, "the token does not speak for adapter '\(requestedName ?? "")'")
                }
            }
        }
        // With tokens, a connection counts against the limit once it has said hello: refused
        // here, before it is told ok, when there is no room.
        if settings.tokens != nil, session.role == nil, let admission, let id, !admission(id) {
            throw ProtocolError(.overloaded, "too many connections; try again later")
        }
        let previous = (role: session.role, name: session.name)
        session.role = role
        if let name = requestedName { session.name = name }
        // The adapter present under the new name (observers do not count), then gone under the old.
        if Self.ownsContacts(role) { connectionsByName[session.name, default: 0] += 1 }
        if Self.ownsContacts(previous.role) { leave(name: previous.name) }
        let center = settings.center
        let topics = center.topics.map { topic in
            WireValue.object([("name", .string(topic.name)), ("department", .string(center.departments[topic.owningDepartment.index])),
                              ("skills", .array(topic.requiredSkills.map { .string(center.skills[$0.index]) }))])
        }
        return .object([("role", .string(role.rawValue)), ("name", .string(session.name)), ("protocol", .int(1)),
                        ("server", .string("agner")), ("topics", .array(topics))])
    }

    /// Whether a token's role covers the role asked for: supervisor > adapter > observer.
    static func ranks(_ granted: Role, atLeast asked: Role) -> Bool {
        switch asked {
        case .observer: true
        case .adapter: granted == .adapter || granted == .supervisor
        case .supervisor: granted == .supervisor
        }
    }


    // MARK: - Replies

    /// Puts a successful reply in the outbox at the mark (before the request's events).
    func reply(to session: SessionID, re: ReceivedJSON?, result: WireValue, at mark: Outbox.Mark) {
        let echo = re.map { WireValue.received($0) } ?? .null
        // The replies to contact and agent requests, most of the traffic, reuse one shape each.
        if case let .object(pairs) = result, pairs.count == 2, pairs[1].0 == "state" {
            let template = pairs[0].0 == "contact" ? contactReply : pairs[0].0 == "agent" ? agentReply : nil
            if let template {
                outbox.insert(at: mark, to: session) { template.write([echo, .bool(true), pairs[0].1, pairs[1].1], into: &$0) }
                return
            }
        }
        let line = WireValue.object([("re", echo), ("ok", .bool(true)), ("result", result)])
        outbox.insert(at: mark, to: session) { line.write(into: &$0) }
    }

    static func replyShape(_ subject: String) -> LineTemplate {
        LineTemplate([("re", .null), ("ok", .bool(true)), ("result", .object([(subject, .string("")), ("state", .string(""))]))])
    }

    /// A reusable line shape per event name (see `LineTemplate`).
    func eventTemplate(_ name: EventName, _ fields: [(String, WireValue)]) -> LineTemplate {
        if let template = eventTemplates[name], template.slotCount == fields.count { return template }
        let template = LineTemplate([("event", .string(name.rawValue))] + fields, fixed: 1)
        eventTemplates[name] = template
        return template
    }

    func reply(to session: SessionID, re: ReceivedJSON?, error: ProtocolError) {
        let line = WireValue.object([
            ("re", re.map { .received($0) } ?? .null), ("ok", .bool(false)),
            ("error", .object([("code", .string(error.code.rawValue)), ("message", .string(error.message))])),
        ])
        outbox.append(to: session) { line.write(into: &$0) }
    }

    /// An error for a line that never reached the parser (too long).
    public func errorLine(_ error: ProtocolError) -> String {
        WireValue.object([("re", .null), ("ok", .bool(false)),
                          ("error", .object([("code", .string(error.code.rawValue)), ("message", .string(error.message))]))]).line()
    }
}

extension LiveRouter {
    /// Requests that change nothing (their replies are all they do).
    static func onlyReads(_ request: Request) -> Bool {
        switch request {
        case .stats, .agents, .contacts, .subscribe, .shadow, .whatIf: true
        default: false
        }
    }

    /// Whether performing the request would journal something: every change does; `sync` only
    /// when it has held contacts to route again.
    func changesState(_ request: Request, owner: String) -> Bool {
        switch request {
        case .hello, .stats, .agents, .contacts, .subscribe, .shadow, .whatIf: false
        case let .sync(page): page.after == nil && heldCount(of: owner) > 0
        default: true
        }
    }

    /// The journal cannot be written: from now on nothing is accepted that would be journaled
    /// (`journal_failed`), timers wait, adapters that go are lost later. Reads are served.
    public func freeze(because reason: String) {
        journalFailure = reason
    }

    /// The journal can be written again: what waited happens now (adapters that went are lost,
    /// timers that fell due fire).
    public func thaw() {
        guard journalFailure != nil else { return }
        journalFailure = nil
        let names = deferredLosses
        deferredLosses = []
        for name in names where connectionsByName[name] == nil { atOneMoment { adapterLost(name) } }
        advanceTimers()
    }
}
