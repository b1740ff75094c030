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
    static let format: UInt32 = 6
}

/// Why a stored snapshot cannot be used (recovery then replays the whole journal).
public struct SnapshotMismatch: Error, CustomStringConvertible {
    public var description: String
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
    /// - Throws: `SnapshotMismatch` when it was taken under another configuration or format;
    ///   a decoding error when it is damaged.
    public func restore(from bytes: [UInt8]) throws {
        let header = RouterSnapshot.magic.utf8.count + 12
        guard bytes.count >= header, Array(bytes.prefix(4)) == Array(RouterSnapshot.magic.utf8) else {
            throw SnapshotMismatch(description: "not a router snapshot")
        }
        let format = bytes[4..<8].withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) }
        guard format == RouterSnapshot.format else {
            throw SnapshotMismatch(description: "snapshot format \(format), this build reads \(RouterSnapshot.format)")
        }
        let fingerprint = bytes[8..<16].withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard fingerprint == configurationFingerprint else {
            throw SnapshotMismatch(description: "the snapshot was taken with another center or other agents")
        }
        let state = try SnapshotCoder.decode(RouterState.self, from: Array(bytes[header...]),
                                             userInfo: [RoutingEngine.configurationKey: settings.center])
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
    }
}
