import AgnerProtocol
import AgnerCore

/// The router's state at one moment, taken on the event loop in constant time (every part is a
/// copy-on-write value) and encoded elsewhere, so a snapshot never holds up requests.
public struct RouterSnapshot: Sendable {
    var state: RouterState
    let fingerprint: UInt64

    /// The stored form: a header (magic, format, configuration fingerprint) and the state.
    public func encoded() throws -> [UInt8] {
        var bytes = Array(RouterSnapshot.magic.utf8)
        withUnsafeBytes(of: RouterSnapshot.format.littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: fingerprint.littleEndian) { bytes.append(contentsOf: $0) }
        let sizeHint = 4096 + state.directory.contacts.count * 160 + state.engine.openContactCount * 64
        bytes += try SnapshotCoder.encode(state, reservingCapacity: sizeHint)
        return bytes
    }

    static let magic = "AGNS"
    /// Raised whenever what a snapshot holds changes shape; an older snapshot is then ignored
    /// and the journal replayed from its start.
    static let format: UInt32 = 8
}

/// Why a stored snapshot cannot be used (recovery then replays the whole journal).
public struct SnapshotMismatch: Error, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Not a router snapshot at all.
        case notASnapshot
        /// Written by a build with another format.
        case otherFormat
        /// Taken with another center or other agents: its state is sound, but not this
        /// configuration's (`restore(from:acceptingOtherCenter:)` can still use it).
        case otherCenter
        /// It does not decode, or decodes into a state no sequence of commands produces.
        case inconsistent
    }

    public var kind: Kind
    public var description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}

/// Everything the router keeps between requests, apart from connections.
struct RouterState: Sendable, Codable {
    var engine: RoutingEngine
    var directory: Directory
    var agentStates: [UInt64: AgentState]
    var waitingContacts: Set<UInt64>
    var day: Int
    var tallies: [Int: LiveRouter.DayTally]
    var hoursOverrides: PerChannel<LiveRouter.HoursOverride?>
    var agentManagers: [UInt64: String]

    enum CodingKeys: CodingKey {
        case engine, directory, agentStates, waitingContacts, day, tallies
        case hoursOverrides, agentManagers
    }

    struct Pair<Key: Codable & Comparable, Value: Codable>: Codable {
        var key: Key
        var value: Value
    }

    /// Maps are stored as lists sorted by key: the snapshot format has no keyed maps, and the
    /// same state always gives the same bytes.
    static func pairs<Key: Codable & Comparable, Value: Codable>(_ map: [Key: Value]) -> [Pair<Key, Value>] {
        map.map { Pair(key: $0.key, value: $0.value) }.sorted { $0.key < $1.key }
    }

    static func map<Key: Codable & Comparable, Value: Codable>(_ pairs: [Pair<Key, Value>]) -> [Key: Value] {
        Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(engine, forKey: .engine)
        try container.encode(directory, forKey: .directory)
        try container.encode(Self.pairs(agentStates), forKey: .agentStates)
        try container.encode(waitingContacts.sorted(), forKey: .waitingContacts)
        try container.encode(day, forKey: .day)
        try container.encode(Self.pairs(tallies), forKey: .tallies)
        try container.encode(hoursOverrides, forKey: .hoursOverrides)
        try container.encode(Self.pairs(agentManagers), forKey: .agentManagers)
    }
}

extension RouterState {
    /// The first inconsistency between the router's tables, the engine and the center, or nil.
    /// (The engine checked itself as it was decoded.) What is checked is what the router
    /// indexes or counts with: every open contact named once, under a topic of the center; ids
    /// given out below the next ones; today's figures under a channel and topic of the center,
    /// with counts far from overflowing; every contact's, adapter's and agent's name one the
    /// wire accepts (`DomainLimits.nameProblem`, `wireNameBytes`).
    func integrityViolation(center: CenterConfiguration) -> String? {
        let topics = center.topics.count
        guard directory.contactIDs.count == directory.contacts.count else { return "two open contacts share a name" }
        guard directory.agentIDs.count == directory.agentNames.count else { return "two agents share a name" }
        let limit = UInt64(1) << 62
        guard directory.nextContact < limit, directory.nextAgent < limit else { return "the next ids are out of range" }
        // Names go back on the wire and into the router's own journaled commands, which refuse
        // what the wire refuses: a name the wire could never have given is damage.
        func nameProblem(_ name: String) -> String? {
            DomainLimits.nameProblem(name) ?? (name.utf8.count > DomainLimits.wireNameBytes ? "is \(name.utf8.count) bytes long" : nil)
        }
        for (id, entry) in directory.contacts {
            if let problem = nameProblem(entry.name) { return "contact \(id): its name \(problem)" }
            if !entry.owner.isEmpty, let problem = nameProblem(entry.owner) { return "contact \(id): its adapter's name \(problem)" }
            guard (0..<topics).contains(entry.topic) else { return "contact '\(entry.name)' has topic \(entry.topic) of \(topics)" }
            guard id < directory.nextContact else { return "contact '\(entry.name)' has an id not yet given out" }
        }
        for id in directory.agentNames.keys where id >= directory.nextAgent { return "agent \(id) has an id not yet given out" }
        // Agent names may come from a center file (longer in bytes than the wire allows).
        for (id, name) in directory.agentNames {
            if let problem = DomainLimits.nameProblem(name) { return "agent \(id): its name \(problem)" }
        }
        for (id, adapter) in agentManagers {
            if let problem = nameProblem(adapter) { return "agent \(id): the name of the adapter managing it \(problem)" }
        }
        let open = engine.openContacts
        guard open.count == directory.contacts.count else {
            return "the engine has \(open.count) open contacts, the directory names \(directory.contacts.count)"
        }
        for contact in open {
            guard let entry = directory.contacts[contact.id.rawValue], entry.channel == contact.channel, entry.topic == contact.topic.index else {
                return "contact \(contact.id) is not in the directory as the engine has it"
            }
        }
        for agent in engine.allAgents where directory.agentNames[agent.profile.id.rawValue] == nil {
            return "agent \(agent.profile.id) has no name"
        }
        let most = 1 << 52
        for (key, tally) in tallies {
            guard (0..<(topics * 4)).contains(key) else { return "today's figures for queue \(key) of \(topics * 4)" }
            let counts = [tally.offered, tally.answered, tally.answeredWithinTarget, tally.abandoned, tally.lost, tally.unserved, tally.answeredOutsideOwner]
            guard counts.allSatisfy({ (0..<most).contains($0) }) else { return "today's figures for queue \(key) are out of range" }
        }
        return nil
    }
}

// In an extension, so the struct keeps its memberwise initializer.
extension RouterState {
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        engine = try container.decode(RoutingEngine.self, forKey: .engine)
        directory = try container.decode(Directory.self, forKey: .directory)
        agentStates = Self.map(try container.decode([Pair<UInt64, AgentState>].self, forKey: .agentStates))
        waitingContacts = Set(try container.decode([UInt64].self, forKey: .waitingContacts))
        day = try container.decode(Int.self, forKey: .day)
        tallies = Self.map(try container.decode([Pair<Int, LiveRouter.DayTally>].self, forKey: .tallies))
        hoursOverrides = try container.decode(PerChannel<LiveRouter.HoursOverride?>.self, forKey: .hoursOverrides)
        agentManagers = Self.map(try container.decode([Pair<UInt64, String>].self, forKey: .agentManagers))
    }
}

extension LiveRouter {
    /// Identifies what the state depends on besides the journal: the center and the agents
    /// known at start. A snapshot taken under another configuration is not used.
    var configurationFingerprint: UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a, stable across runs (unlike Hasher)
        let text = String(reflecting: settings.center) + "|" + settings.agents.map { "\($0.name):\($0.profile)" }.joined(separator: ",")
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// The state as it is now. Constant time: the parts are copied on write later.
    public func snapshot() -> RouterSnapshot {
        RouterSnapshot(state: RouterState(engine: engine, directory: directory,
                                          agentStates: agentStates, waitingContacts: waitingContacts, day: day, tallies: tallies, hoursOverrides: hoursOverrides,
                                          agentManagers: agentManagers),
                       fingerprint: configurationFingerprint)
    }

    /// Replaces the state with a stored snapshot. Nothing changes if it throws.
    ///
    /// Every part is checked as it is decoded: the engine's indexes and counts
    /// (`RoutingEngine.integrityViolation()`), the router's tables against the engine and the
    /// center (`RouterState.integrityViolation`). A snapshot that passed its file's checksum
    /// but holds a state no sequence of commands produces is refused with the reason, never
    /// left to trap later.
    /// - Parameter acceptingOtherCenter: use a snapshot taken with another center file, when
    ///   its state fits this center (the same pools); for a recovery whose history before the
    ///   snapshot is gone (agents of this center that the state lacks are then added by
    ///   `addAgentsMissingFromState()`).
    /// - Throws: `SnapshotMismatch`, with its kind and why.
    public func restore(from bytes: [UInt8], acceptingOtherCenter: Bool = false) throws {
        let header = RouterSnapshot.magic.utf8.count + 12
        guard bytes.count >= header, Array(bytes.prefix(4)) == Array(RouterSnapshot.magic.utf8) else {
            throw SnapshotMismatch(.notASnapshot, "not a router snapshot")
        }
        let format = bytes[4..<8].withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) }
        guard format == RouterSnapshot.format else {
            throw SnapshotMismatch(.otherFormat, "snapshot format \(format), this build reads \(RouterSnapshot.format)")
        }
        let fingerprint = bytes[8..<16].withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard fingerprint == configurationFingerprint || acceptingOtherCenter else {
            throw SnapshotMismatch(.otherCenter, "the snapshot was taken with another center or other agents")
        }
        let state: RouterState
        do {
            state = try SnapshotCoder.decode(RouterState.self, from: Array(bytes[header...]),
                                             userInfo: [RoutingEngine.configurationKey: settings.center])
        } catch let DecodingError.dataCorrupted(context) {
            throw SnapshotMismatch(.inconsistent, context.debugDescription)
        } catch {
            throw SnapshotMismatch(.inconsistent, "\(error)")
        }
        if let problem = state.integrityViolation(center: settings.center) {
            throw SnapshotMismatch(.inconsistent, "an inconsistent router state: \(problem)")
        }
        install(state)
    }

    /// Puts the state of a snapshot taken from this router back, as it was (recovery starting
    /// again, say). Constant time.
    public func reset(to snapshot: RouterSnapshot) {
        install(snapshot.state)
    }

    /// After a snapshot taken with another center was restored: the agents this center names
    /// that the state lacks are added (offline), as a start without a snapshot would have them.
    /// - Returns: their names.
    @discardableResult
    public func addAgentsMissingFromState() -> [String] {
        var added: [String] = []
        var ignored: [Event] = []
        for agent in settings.agents where directory.agentIDs[agent.name] == nil {
            var profile = agent.profile
            profile.id = AgentID(directory.nextAgent)
            // Only a profile this center refuses (none: the center gave it) leaves an agent out.
            guard (try? engine.apply(.addAgent(profile), at: engine.now, into: &ignored)) != nil else { continue }
            directory.addAgent(named: agent.name)
            if let adapter = agent.adapter {
                agentManagers[profile.id.rawValue] = adapter
                assignedAgents.insert(profile.id.rawValue)
            }
            setAgentState(profile.id.rawValue, .offline)
            added.append(agent.name)
        }
        return added
    }

    func install(_ state: RouterState) {
        engine = state.engine
        directory = state.directory
        agentStates = state.agentStates
        agentStateCounts = [:]
        for agentState in state.agentStates.values { agentStateCounts[agentState, default: 0] += 1 }
        waitingContacts = state.waitingContacts
        day = state.day
        tallies = state.tallies
        hoursOverrides = state.hoursOverrides
        agentManagers = state.agentManagers
        queueLines = nil  // derived from the state: built again when first needed
        recountAgents()
        seedShadow()
    }

    /// After a restore, the shadow starts from the real center as it now is: each agent's
    /// presence and each channel's opening (its figures start again; contacts already waiting
    /// are not in it). Without this, every candidate agent stayed offline after a restart.
    func seedShadow() {
        guard let shadowRouter else { return }
        let now = currentTime()
        for channel in Channel.allCases { shadowRouter.setChannelOpen(channel, engine.isOpen(channel), at: now) }
        for (name, id) in directory.agentIDs {
            guard let presence = engine.agent(id)?.presence, presence != .offline else { continue }
            shadowRouter.setPresence(name, presence, at: now)
        }
    }
}
