import AgnerCore

/// The ids adapters use for contacts and agents, and the engine's ids they stand for (the
/// engine numbers them; adapters name them). Who announced each open contact (its adapter),
/// with its channel, topic and the center's day it arrived. A value: the router keeps one, a
/// journal reader rebuilds one the same way.
public struct Directory: Sendable, Codable {
    /// An open contact as the protocol knows it.
    public struct ContactEntry: Codable, Sendable, Equatable {
        public var name: String
        /// The adapter name that announced it: its offers go there.
        public var owner: String
        public var channel: Channel
        public var topic: Int
        /// The center's day (days since 1970-01-01 in its time zone) it arrived on.
        public var arrivalDay: Int

        public init(name: String, owner: String, channel: Channel, topic: Int, arrivalDay: Int) {
            self.name = name
            self.owner = owner
            self.channel = channel
            self.topic = topic
            self.arrivalDay = arrivalDay
        }
    }

    public var contactIDs: [String: ContactID] = [:]
    /// Open contacts by engine id. Changed only through `addContact` and `forgetContact`, which
    /// keep the indexes below in step.
    public private(set) var contacts: [UInt64: ContactEntry] = [:]
    public var agentIDs: [String: AgentID] = [:]
    public var agentNames: [UInt64: String] = [:]
    /// Open contacts in arrival (id) order, all and per adapter, and agents in the order they
    /// were added: a page of a list costs its length (and a binary search), not a sort of
    /// everything. Not stored: rebuilt when a directory is decoded.
    var contactOrder = OrderedIDs()
    var ownerOrder: [String: OrderedIDs] = [:]
    var ownerCounts: [String: Int] = [:]
    var agentOrder = OrderedIDs()
    /// The engine id the next contact or agent gets.
    public var nextContact: UInt64 = 1
    public var nextAgent: UInt64 = 1

    public init() {}

    /// A contact's adapter id (the engine's `c12` when unknown).
    public func name(of contact: ContactID) -> String { contacts[contact.rawValue]?.name ?? contact.description }
    /// An agent's name (the engine's `a3` when unknown).
    public func name(of agent: AgentID) -> String { agentNames[agent.rawValue] ?? agent.description }

    /// Records a new contact under the next engine id. - Returns: that id.
    @discardableResult
    public mutating func addContact(_ entry: ContactEntry) -> ContactID {
        let id = ContactID(nextContact)
        nextContact += 1
        contactIDs[entry.name] = id
        contacts[id.rawValue] = entry
        indexContact(id.rawValue, owner: entry.owner)
        return id
    }

    mutating func indexContact(_ id: UInt64, owner: String) {
        let count = (ownerCounts[owner] ?? 0) + 1
        ownerCounts[owner] = count
        contactOrder.append(id)
        ownerOrder[owner, default: OrderedIDs()].append(id)
        if contactOrder.needsCompaction(live: contacts.count) {
            let contacts = self.contacts
            contactOrder.compact { contacts[$0] != nil }
        }
        if ownerOrder[owner]!.needsCompaction(live: count) {
            let contacts = self.contacts
            ownerOrder[owner]!.compact { contacts[$0]?.owner == owner }
        }
    }

    /// Forgets a contact that ended (its id may be announced again).
    public mutating func forgetContact(_ id: ContactID) {
        guard let entry = contacts.removeValue(forKey: id.rawValue) else { return }
        contactIDs[entry.name] = nil
        let count = (ownerCounts[entry.owner] ?? 1) - 1
        if count > 0 {
            ownerCounts[entry.owner] = count
            let contacts = self.contacts
            ownerOrder[entry.owner]?.dropFront { contacts[$0]?.owner == entry.owner }
        } else {
            // The adapter has no open contact left: its index goes (adapter names come and go).
            ownerCounts[entry.owner] = nil
            ownerOrder[entry.owner] = nil
        }
        let contacts = self.contacts
        contactOrder.dropFront { contacts[$0] != nil }
    }

    /// How many open contacts an adapter announced.
    public func contactCount(of owner: String) -> Int { ownerCounts[owner] ?? 0 }

    /// A page of open contacts (all, or one adapter's) in arrival order: at most `limit` ids
    /// after `after`, and the cursor of the next page (nil after the last). Costs the page's
    /// length and a binary search.
    public func contactPage(owner: String? = nil, after: UInt64?, limit: Int) -> (ids: [UInt64], next: UInt64?) {
        if let owner {
            guard let order = ownerOrder[owner] else { return ([], nil) }
            return order.page(after: after, limit: limit) { contacts[$0]?.owner == owner }
        }
        return contactOrder.page(after: after, limit: limit) { contacts[$0] != nil }
    }

    /// Every open contact of an adapter, in arrival order.
    public func contacts(of owner: String) -> [UInt64] {
        guard let order = ownerOrder[owner] else { return [] }
        return order.all { contacts[$0]?.owner == owner }
    }

    /// A page of agents in the order they were added (see `contactPage`).
    public func agentPage(after: UInt64?, limit: Int) -> (ids: [UInt64], next: UInt64?) {
        agentOrder.page(after: after, limit: limit) { agentNames[$0] != nil }
    }

    /// Records a new agent under the next engine id. - Returns: that id.
    @discardableResult
    public mutating func addAgent(named name: String) -> AgentID {
        let id = AgentID(nextAgent)
        nextAgent += 1
        agentIDs[name] = id
        agentNames[id.rawValue] = name
        agentOrder.append(id.rawValue)
        if agentOrder.needsCompaction(live: agentNames.count) {
            let names = agentNames
            agentOrder.compact { names[$0] != nil }
        }
        return id
    }

    // Maps are stored as lists sorted by key: the same directory always gives the same bytes
    // (snapshots), and the snapshot coder holds no keyed maps.
    enum CodingKeys: CodingKey { case contacts, agents, nextContact, nextAgent }

    struct AgentName: Codable { var id: UInt64; var name: String }
    struct Contact: Codable { var id: UInt64; var entry: ContactEntry }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        // Stored sorted by id: the indexes are rebuilt in order.
        for contact in try container.decode([Contact].self, forKey: .contacts).sorted(by: { $0.id < $1.id }) {
            contacts[contact.id] = contact.entry
            contactIDs[contact.entry.name] = ContactID(contact.id)
            indexContact(contact.id, owner: contact.entry.owner)
        }
        for agent in try container.decode([AgentName].self, forKey: .agents).sorted(by: { $0.id < $1.id }) {
            agentNames[agent.id] = agent.name
            agentIDs[agent.name] = AgentID(agent.id)
            agentOrder.append(agent.id)
        }
        nextContact = try container.decode(UInt64.self, forKey: .nextContact)
        nextAgent = try container.decode(UInt64.self, forKey: .nextAgent)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(contacts.sorted { $0.key < $1.key }.map { Contact(id: $0.key, entry: $0.value) }, forKey: .contacts)
        try container.encode(agentNames.sorted { $0.key < $1.key }.map { AgentName(id: $0.key, name: $0.value) }, forKey: .agents)
        try container.encode(nextContact, forKey: .nextContact)
        try container.encode(nextAgent, forKey: .nextAgent)
    }
}

/// Ids in increasing order (engine ids only grow), with those that went away dropped lazily:
/// skipped when a page walks over them, cut from the front as they reach it, and compacted away
/// once they outnumber the live ones. Whether an id is live is the owner's to say (a closure).
struct OrderedIDs: Sendable {
    private(set) var ids: [UInt64] = []
    /// Ids before it are gone.
    private(set) var head = 0

    mutating func append(_ id: UInt64) {
        // Ids come in increasing order; one out of order (never, with engine ids) is put in its place.
        if let last = ids.last, id <= last {
            let index = ids[head...].partitioningIndex { $0 >= id }
            if index < ids.endIndex && ids[index] == id { return }
            ids.insert(id, at: index)
        } else {
            ids.append(id)
        }
    }

    /// Whether the dead ids outnumber the live ones enough to be worth a pass.
    func needsCompaction(live: Int) -> Bool { ids.count - head > 2 * live + 64 }

    mutating func compact(_ isLive: (UInt64) -> Bool) {
        ids = ids[head...].filter(isLive)
        head = 0
    }

    /// Cuts dead ids from the front (each id is cut once: amortised constant time).
    mutating func dropFront(_ isLive: (UInt64) -> Bool) {
        while head < ids.count && !isLive(ids[head]) { head += 1 }
        if head > 1024 && head > ids.count / 2 {
            ids.removeFirst(head)
            head = 0
        }
    }

    func page(after: UInt64?, limit: Int, _ isLive: (UInt64) -> Bool) -> (ids: [UInt64], next: UInt64?) {
        var index = after.map { cursor in ids[head...].partitioningIndex { $0 > cursor } } ?? head
        var page: [UInt64] = []
        page.reserveCapacity(min(limit, 256))
        while index < ids.count && page.count < limit {
            if isLive(ids[index]) { page.append(ids[index]) }
            index += 1
        }
        // A next page only if a live id follows.
        while index < ids.count && !isLive(ids[index]) { index += 1 }
        return (page, index < ids.count ? page.last : nil)
    }

    func all(_ isLive: (UInt64) -> Bool) -> [UInt64] {
        ids[head...].filter(isLive)
    }
}

extension Collection {
    /// The first index whose element satisfies `belongs`, for a collection where every element
    /// that satisfies it comes after every one that does not (binary search).
    func partitioningIndex(where belongs: (Element) -> Bool) -> Index {
        var low = startIndex
        var count = self.count
        while count > 0 {
            let half = count / 2
            let middle = index(low, offsetBy: half)
            if belongs(self[middle]) {
                count = half
            } else {
                low = index(after: middle)
                count -= half + 1
            }
        }
        return low
    }
}
