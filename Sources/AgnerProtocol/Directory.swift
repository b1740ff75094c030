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
    public var contacts: [UInt64: ContactEntry] = [:]
    public var agentIDs: [String: AgentID] = [:]
    public var agentNames: [UInt64: String] = [:]
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
        return id
    }

    /// Forgets a contact that ended (its id may be announced again).
    public mutating func forgetContact(_ id: ContactID) {
        if let entry = contacts.removeValue(forKey: id.rawValue) { contactIDs[entry.name] = nil }
    }

    /// Records a new agent under the next engine id. - Returns: that id.
    @discardableResult
    public mutating func addAgent(named name: String) -> AgentID {
        let id = AgentID(nextAgent)
        nextAgent += 1
        agentIDs[name] = id
        agentNames[id.rawValue] = name
        return id
    }

    // Maps are stored as lists sorted by key: the same directory always gives the same bytes
    // (snapshots), and the snapshot coder holds no keyed maps.
    enum CodingKeys: CodingKey { case contacts, agents, nextContact, nextAgent }

    struct AgentName: Codable { var id: UInt64; var name: String }
    struct Contact: Codable { var id: UInt64; var entry: ContactEntry }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        for contact in try container.decode([Contact].self, forKey: .contacts) {
            contacts[contact.id] = contact.entry
            contactIDs[contact.entry.name] = ContactID(contact.id)
        }
        for agent in try container.decode([AgentName].self, forKey: .agents) {
            agentNames[agent.id] = agent.name
            agentIDs[agent.name] = AgentID(agent.id)
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
