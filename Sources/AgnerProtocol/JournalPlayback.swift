import AgnerCore

/// A journal played back on a routing engine exactly as the router applied it, so that a tool
/// outside the server sees what happened live: every engine event, with its time.
///
/// ```swift
/// var playback = try JournalPlayback(center: center, agents: roster)
/// for entry in entries {
///     let step = try playback.apply(entry, sequence: n) { time, events in … }   // timers first
///     … step.events …
/// }
/// ```
///
/// It does what `LiveRouter` does with a journal, without a server: the center's agents are
/// added first, at time 0, in their order; before each entry the engine's timers due by its
/// time fire, one deadline at a time (each reported with its own time); `center.open` and
/// `center.close` open or close each channel named (every channel, from the highest routing
/// tier down, when none is); `internal.adapter_lost` holds the adapter's contacts (waiting,
/// then in conversation, then ringing, each by arrival; a waiting e-mail without end); a
/// journaled `sync` resumes the adapter's held contacts by arrival. The test "the playback
/// of a live router's journal sees every offer the router made, to the same agent at the same
/// moment" (in `agnerTests`) holds the two together.
///
/// - Complexity: O(log n) engine work per command, as live; the names of ended contacts are
///   forgotten, so memory follows the open contacts, not the journal's length.
public struct JournalPlayback {
    /// An agent the router knew at start.
    public struct Agent: Sendable {
        public var name: String
        /// Its id is set by the playback.
        public var profile: AgentProfile
        public init(name: String, profile: AgentProfile) {
            self.name = name
            self.profile = profile
        }
    }

    /// One journal entry, applied.
    public struct Step: Sendable {
        /// The entry's sequence number in the journal.
        public var sequence: Int64
        /// Unix seconds.
        public var time: Double
        /// The adapter (or supervisor, or `calendar`) it came from.
        public var origin: String
        public var request: Request
        /// The engine commands it stood for, in the order applied (none for `center.hours`,
        /// `internal.agent_manager`; several for a lost adapter's holds).
        public var commands: [Command]
        /// What they did (timers that fell due before the entry are reported apart).
        public var events: [Event]
        /// For `internal.adapter_lost`: when the held real-time contacts end (Unix seconds).
        public var holdUntil: Double?
    }

    /// Why an entry could not be played back: the journal was written with another center, or
    /// is damaged.
    public struct Refusal: Error, Sendable, CustomStringConvertible {
        public enum Kind: Sendable, Equatable {
            /// Not a line of this protocol (not JSON, or an operation this version does not
            /// know): the journal is damaged or was written by another version of Agner.
            case notProtocol
            /// A request this center refuses (an unknown topic, agent or field value), or a
            /// command the engine refuses: written with another center.
            case notThisCenter
            /// Its time comes before the entry before it: the journal is damaged.
            case outOfOrder
        }
        public var kind: Kind
        /// The entry's sequence number.
        public var sequence: Int64
        public var time: Double
        /// The entry's line, cut to 200 characters.
        public var line: String
        public var reason: String

        public var description: String {
            "journal entry \(sequence) (\(line)): \(reason)"
        }
    }

    public private(set) var reader: JournalReader
    public private(set) var engine: RoutingEngine
    /// The router's `--adapter-grace`, for journals that name no end for a hold (seconds).
    public let adapterGrace: Double

    /// The ids and names as the journal so far has made them (open contacts only).
    public var directory: Directory { reader.directory }

    /// - Parameters:
    ///   - center: the center the journal was written with.
    ///   - agents: the agents the router knew at start, in its order.
    /// - Throws: `EngineError` when an agent does not fit the center.
    public init(center: CenterConfiguration, agents: [Agent], adapterGrace: Double = 120) throws(EngineError) {
        reader = JournalReader(center: center, agents: agents.map(\.name))
        engine = RoutingEngine(configuration: center)
        self.adapterGrace = adapterGrace
        var ignored: [Event] = []
        for agent in agents {
            var profile = agent.profile
            profile.id = reader.directory.agentIDs[agent.name]!
            try engine.apply(.addAgent(profile), at: 0, into: &ignored)
        }
    }

    /// Fires the engine's timers due by `time`, one deadline at a time, handing each
    /// deadline's events to `body` with its time.
    public mutating func advance(to time: Double, _ body: (Double, [Event]) -> Void) {
        var events: [Event] = []
        while let due = engine.nextDeadline(), due <= time {
            events.removeAll(keepingCapacity: true)
            engine.advance(to: due, into: &events)
            for event in events { reader.forget(event) }
            if !events.isEmpty { body(due, events) }
        }
    }

    /// Applies one entry (entries must come in journal order). The timers due by its time fire
    /// first and go to `timers`.
    /// - Throws: `Refusal` for a line that is not a request of the protocol for this center, or
    ///   a command the engine refuses (naming the entry).
    public mutating func apply(_ entry: JournalEntry, sequence: Int64,
                               timers: (Double, [Event]) -> Void) throws(Refusal) -> Step {
        func refuse(_ reason: String, _ kind: Refusal.Kind = .notThisCenter) -> Refusal {
            let line = entry.line.count > 200 ? String(entry.line.prefix(200)) + "…" : entry.line
            return Refusal(kind: kind, sequence: sequence, time: entry.time, line: line, reason: reason)
        }
        guard entry.time >= engine.now, entry.time.isFinite else {
            throw refuse("its time \(entry.time) comes before the entry before it (\(engine.now))", .outOfOrder)
        }
        advance(to: entry.time, timers)
        let timed: JournalReader.TimedRequest
        do { timed = try reader.read(entry) } catch {
            throw refuse(error.message, error.code == .badJSON || error.code == .unknownOp ? .notProtocol : .notThisCenter)
        }
        var step = Step(sequence: sequence, time: entry.time, origin: entry.origin, request: timed.request, commands: [], events: [])
        func perform(_ command: Command) throws(Refusal) {
            do { try engine.apply(command, at: entry.time, into: &step.events) } catch {
                throw refuse(error.description(contact: { "'\(reader.directory.name(of: $0))'" },
                                               agent: { "'\(reader.directory.name(of: $0))'" }))
            }
            step.commands.append(command)
        }
        switch timed.request {
        case let .setOpen(open, channels, _):
            for channel in channels ?? reader.center.channelsByTier { try perform(.setChannelOpen(channel, open)) }
        case let .adapterLost(adapter, abandonAt, grace, includingHeld):
            let end = abandonAt ?? entry.time + (grace ?? adapterGrace)
            step.holdUntil = end
            for hold in engine.holds(of: reader.directory.contacts(of: adapter), until: end, includingHeld: includingHeld) { try perform(hold) }
        case .sync:
            for resume in engine.resumes(of: reader.directory.contacts(of: entry.origin)) { try perform(resume) }
        case .arrive, .accept, .reject, .abandon, .complete, .agentState, .agentUpdate, .agentRemove:
            guard let command = timed.command else {
                throw refuse("it names a contact or agent the journal does not have open")
            }
            try perform(command)
        default:
            if let command = timed.command { try perform(command) }
        }
        for event in step.events { reader.forget(event) }
        return step
    }
}
