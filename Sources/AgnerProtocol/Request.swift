import AgnerCore

/// A request, decoded and checked: every field present, of its type and in its range, every
/// name of the center resolved. What is left to the router is what depends on its state (is
/// the contact known, is it offered to that agent, may this adapter touch it).
public enum Request: Sendable, Equatable {
    case hello(role: Role, name: String?, token: String, version: Int?)
    case arrive(contact: String, channel: Channel, topic: TopicID, segment: Segment, priority: Int)
    case accept(contact: String, agent: String)
    case reject(contact: String, agent: String)
    case abandon(contact: String)
    case complete(contact: String)
    case agentState(agent: String, presence: Presence)
    case sync(Page)
    case stats
    case agents(Page)
    case contacts(Page)
    /// Event names (`EventName`), `*` expanded.
    case subscribe(events: Set<EventName>)
    case agentAdd(AgentSpec)
    case agentUpdate(AgentSpec)
    case agentRemove(agent: String)
    /// `center.open` / `center.close`; nil channels: every channel. `until` in Unix seconds.
    case setOpen(Bool, channels: [Channel]?, until: Double?)
    /// `center.hours`; nil channels: every channel.
    case followHours(channels: [Channel]?)
    /// `shadow`: live against the candidate.
    case shadow
    /// `whatif`: agents more (or fewer) per group, over `horizon` seconds, `replications` runs.
    case whatIf(changes: [WhatIfChange], horizon: Double, replications: Int)

    /// A staffing change for `whatif`: `count` more agents of the group (negative: fewer).
    public struct WhatIfChange: Sendable, Equatable {
        public var group: String
        public var count: Int
        public init(group: String, count: Int) {
            self.group = group
            self.count = count
        }
    }

    /// The longest `whatif` horizon, in seconds (a day), and the most replications.
    public static let longestForecast: Double = 86_400
    public static let mostReplications = 200
    /// `internal.adapter_lost`: hold the adapter's contacts until `abandonAt` (Unix seconds),
    /// or for `grace` seconds from the entry's time (journals written before `abandon_at`).
    case adapterLost(adapter: String, abandonAt: Double?, grace: Double?, includingHeld: Bool)
    /// `internal.opening_hours`.
    case openingHours(channel: Channel, open: Bool)
    /// `internal.agent_manager`; nil: nobody manages the agent.
    case agentManager(agent: String, adapter: String?)

    /// An agent as `agent.add` and `agent.update` describe it.
    public struct AgentSpec: Sendable, Equatable {
        public var name: String
        public var department: DepartmentID
        public var skills: [SkillLevel]
        public var capacity: PerChannel<Int>
    }

    /// A page of a list (`contacts`, `sync`, `agents`): at most `limit` items after the cursor
    /// `after` (the `next` of the page before).
    public struct Page: Sendable, Equatable {
        /// Items per page when a request does not say.
        public static let standard = 1000
        /// The most a request may ask for: 2,000 contacts with the longest ids still fit in about a megabyte.
        public static let maximum = 2000
        public var limit: Int
        public var after: UInt64?

        public init(limit: Int = standard, after: UInt64? = nil) {
            self.limit = limit
            self.after = after
        }

        /// The page's items among `keys`, in order, and the cursor of the next page (nil after the last).
        public func select(_ keys: [UInt64]) -> (items: ArraySlice<UInt64>, next: UInt64?) {
            let sorted = keys.sorted()
            let start = after.map { cursor in sorted.firstIndex { $0 > cursor } ?? sorted.endIndex } ?? sorted.startIndex
            let end = min(sorted.endIndex, start + limit)
            let items = sorted[start..<end]
            return (items, end < sorted.endIndex ? items.last : nil)
        }
    }

    /// Longest id or name accepted (UTF-8 bytes): contact ids, agent names, adapter names.
    public static let maximumNameLength = DomainLimits.wireNameBytes

    /// Decodes the fields of `operation` from a request.
    /// - Throws: `ProtocolError` `bad_field` naming the field and what was expected.
    public static func decode(_ object: WireObject, as operation: Operation, center: CenterConfiguration) throws(ProtocolError) -> Request {
        switch operation {
        case .hello:
            let roleName = try object.string("role")
            guard let role = Role(rawValue: roleName) else {
                throw ProtocolError(.badField, "role: '\(roleName)' should be adapter, supervisor or observer")
            }
            let name = try object.optionalString("name")
            if let name { try checkName(name, field: "name") }
            return .hello(role: role, name: name, token: try object.optionalString("token") ?? "", version: try object.optionalInt("protocol"))
        case .contactArrive:
            let contact = try name(object, "id")
            let channel = try channel(object.string("channel"), field: "channel")
            let topicName = try object.string("topic")
            guard let topic = center.topic(named: topicName) else {
                throw ProtocolError(.badField, "topic: unknown topic '\(topicName)' (known: \(center.topics.map(\.name).joined(separator: ", ")))")
            }
            var segment = Segment.regular
            if let segmentName = try object.optionalString("segment") {
                guard let known = Segment(name: segmentName) else {
                    throw ProtocolError(.badField, "segment: '\(segmentName)' should be wholesale, regular or new")
                }
                segment = known
            }
            let priority = try object.optionalInt("priority") ?? 0
            guard DomainLimits.priority.contains(priority) else {
                throw ProtocolError(.badField, "priority: \(priority) is outside \(DomainLimits.priority.lowerBound)–\(DomainLimits.priority.upperBound)")
            }
            return .arrive(contact: contact, channel: channel, topic: topic, segment: segment, priority: priority)
        case .offerAccept:
            return .accept(contact: try object.string("contact"), agent: try object.string("agent"))
        case .offerReject:
            return .reject(contact: try object.string("contact"), agent: try object.string("agent"))
        case .contactAbandon:
            return .abandon(contact: try object.string("id"))
        case .contactComplete:
            return .complete(contact: try object.string("id"))
        case .agentState:
            let agent = try object.string("agent")
            let state = try object.string("state")
            let presence: Presence
            switch state {
            case "available": presence = .available
            case "onBreak": presence = .onBreak
            case "offline": presence = .offline
            default: throw ProtocolError(.badField, "state: '\(state)' should be available, onBreak or offline")
            }
            return .agentState(agent: agent, presence: presence)
        case .sync: return .sync(try page(object))
        case .stats: return .stats
        case .agents: return .agents(try page(object))
        case .contacts: return .contacts(try page(object))
        case .subscribe:
            var chosen: Set<EventName> = []
            for event in try object.optionalStringList("events") ?? ["*"] {
                if event == "*" {
                    chosen.formUnion(EventName.allCases)
                    continue
                }
                guard let known = EventName(rawValue: event) else {
                    throw ProtocolError(.badField, "events: unknown event '\(event)' (known: \(EventName.allCases.map(\.rawValue).sorted().joined(separator: ", ")), or *)")
                }
                chosen.insert(known)
            }
            return .subscribe(events: chosen)
        case .agentAdd: return .agentAdd(try agentSpec(object, center: center))
        case .agentUpdate: return .agentUpdate(try agentSpec(object, center: center))
        case .agentRemove: return .agentRemove(agent: try object.string("agent"))
        case .centerOpen, .centerClose:
            return .setOpen(operation == .centerOpen, channels: try channels(object), until: try object.optionalNumber("until"))
        case .centerHours:
            return .followHours(channels: try channels(object))
        case .shadow:
            return .shadow
        case .whatIf:
            var changes: [WhatIfChange] = []
            for (group, count) in try object.optionalIntMap("add") ?? [] {
                guard (-DomainLimits.agents.upperBound...DomainLimits.agents.upperBound).contains(count) else {  // abs(Int.min) would trap
                    throw ProtocolError(.badField, "add.\(group): \(count) is more agents than a center holds")
                }
                changes.append(WhatIfChange(group: group, count: count))
            }
            let horizon = try object.optionalNumber("horizon_s") ?? 3600
            guard horizon > 0 && horizon <= longestForecast else {
                throw ProtocolError(.badField, "horizon_s: \(horizon) is outside 0–\(Int(longestForecast)) s")
            }
            let replications = try object.optionalInt("replications") ?? 20
            guard (1...mostReplications).contains(replications) else {
                throw ProtocolError(.badField, "replications: \(replications) is outside 1–\(mostReplications)")
            }
            return .whatIf(changes: changes, horizon: horizon, replications: replications)
        case .adapterLost:
            return .adapterLost(adapter: try object.string("adapter"), abandonAt: try object.optionalNumber("abandon_at"),
                                grace: try object.optionalNumber("grace_s"), includingHeld: object.isTrue("including_held"))
        case .openingHours:
            return .openingHours(channel: try channel(object.string("channel"), field: "channel"), open: object.isTrue("open"))
        case .agentManager:
            return .agentManager(agent: try object.string("agent"), adapter: try object.optionalString("adapter"))
        }
    }

    /// Refuses an id that `DomainLimits.nameProblem` refuses, or one longer than `maximumNameLength`.
    public static func checkName(_ name: String, field: String) throws(ProtocolError) {
        if let problem = DomainLimits.nameProblem(name) { throw ProtocolError(.badField, "\(field) \(problem)") }
        guard name.utf8.count <= maximumNameLength else {
            throw ProtocolError(.badField, "\(field): \(name.utf8.count) bytes; at most \(maximumNameLength)")
        }
    }

    static func name(_ object: WireObject, _ key: StaticString) throws(ProtocolError) -> String {
        let value = try object.string(key)
        try checkName(value, field: "\(key)")
        return value
    }

    static func channel(_ name: String, field: String) throws(ProtocolError) -> Channel {
        guard let channel = Channel(name: name) else {
            throw ProtocolError(.badField, "\(field): '\(name)' should be phone, chat, email or clickToCall")
        }
        return channel
    }

    static func channels(_ object: WireObject) throws(ProtocolError) -> [Channel]? {
        guard let name = try object.optionalString("channel") else { return nil }
        guard let channel = Channel(name: name) else {
            throw ProtocolError(.badField, "channel: '\(name)' should be phone, chat, email or clickToCall (or left out: every channel)")
        }
        return [channel]
    }

    static func page(_ object: WireObject) throws(ProtocolError) -> Page {
        let limit = try object.optionalInt("limit") ?? Page.standard
        guard (1...Page.maximum).contains(limit) else {
            throw ProtocolError(.badField, "limit: \(limit) is outside 1–\(Page.maximum)")
        }
        var after: UInt64?
        if let cursor = try object.optionalString("after") {
            guard cursor.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let value = UInt64(cursor) else { throw ProtocolError(.badField, "after: '\(cursor)' is not a cursor from a reply's next") }
            after = value
        }
        return Page(limit: limit, after: after)
    }

    static func agentSpec(_ object: WireObject, center: CenterConfiguration) throws(ProtocolError) -> AgentSpec {
        let agent = try name(object, "agent")
        let departmentName = try object.optionalString("department") ?? center.departments[0]
        guard let department = center.department(named: departmentName) else {
            throw ProtocolError(.badField, "department: unknown department '\(departmentName)'")
        }
        var skills: [SkillLevel] = []
        for (skillName, level) in try object.optionalIntMap("skills") ?? [] {
            guard let skill = center.skill(named: skillName) else { throw ProtocolError(.badField, "skills.\(skillName): unknown skill") }
            guard DomainLimits.proficiency.contains(level) else {
                throw ProtocolError(.badField, "skills.\(skillName): proficiency \(level) is outside \(DomainLimits.proficiency.lowerBound)–\(DomainLimits.proficiency.upperBound)")
            }
            skills.append(SkillLevel(skill, level))
        }
        var capacity = AgentProfile.standardCapacity
        if let channels = try object.optionalIntMap("channels") {
            capacity = PerChannel(repeating: 0)
            for (channelName, value) in channels {
                guard let channel = Channel(name: channelName) else { throw ProtocolError(.badField, "channels.\(channelName): unknown channel") }
                let range = DomainLimits.capacity(channel)
                guard range.contains(value) else {
                    throw ProtocolError(.badField, "channels.\(channelName): capacity \(value) is outside \(range.lowerBound)–\(range.upperBound)")
                }
                capacity[channel] = value
            }
        }
        return AgentSpec(name: agent, department: department, skills: skills, capacity: capacity)
    }
}
