import AgnerCore

/// A journal read outside the router: each entry decoded into a typed request at its time,
/// with the engine's ids assigned as the router assigned them (a contact gets the next id when
/// it arrives; its name is forgotten when the journal shows it ended). For tools that replay
/// real traffic elsewhere (the simulator, reports); the router itself replays through its own
/// code.
public struct JournalReader {
    /// One journal entry, decoded.
    public struct TimedRequest: Sendable, Equatable {
        /// Unix seconds at which the router applied it.
        public var time: Double
        /// The adapter (or supervisor) name it came from; contacts belong to it.
        public var origin: String
        public var operation: Operation
        public var request: Request
        /// The engine command it stands for, where it stands for exactly one (arrivals,
        /// answers, completions, abandons, agent states); nil otherwise.
        public var command: Command?
    }

    public let center: CenterConfiguration
    /// Names and ids as the journal so far has made them.
    public private(set) var directory = Directory()

    /// - Parameter agents: the agents the router knew at start, in its order (they get the first ids).
    public init(center: CenterConfiguration, agents: [String] = []) {
        self.center = center
        for agent in agents { directory.addAgent(named: agent) }
    }

    /// Decodes the next entry (entries must come in journal order).
    /// - Throws: `ProtocolError` for a line that is not a request of the protocol.
    public mutating func read(_ entry: JournalEntry) throws(ProtocolError) -> TimedRequest {
        let object = try WireObject(parsing: entry.line)
        let name = try object.string("op")
        guard let operation = Operation(rawValue: name) else { throw ProtocolError(.unknownOp, "unknown op '\(name)'") }
        let request = try Request.decode(object, as: operation, center: center)
        var command: Command?
        switch request {
        case let .arrive(contact, channel, topic, segment, priority):
            if let open = directory.contactIDs[contact] { directory.forgetContact(open) }  // an id used again
            let id = directory.addContact(.init(name: contact, owner: entry.origin, channel: channel, topic: topic.index, arrivalDay: 0))
            command = .arrive(ContactArrival(id: id, channel: channel, topic: topic, segment: segment, priority: priority))
        case let .accept(contact, agent):
            if let c = directory.contactIDs[contact], let a = directory.agentIDs[agent] { command = .accept(c, a) }
        case let .reject(contact, agent):
            if let c = directory.contactIDs[contact], let a = directory.agentIDs[agent] { command = .reject(c, a) }
        case let .abandon(contact):
            if let c = directory.contactIDs[contact] {
                command = .abandon(c)
                directory.forgetContact(c)
            }
        case let .complete(contact):
            if let c = directory.contactIDs[contact] { command = .complete(c) }
        case let .agentState(agent, presence):
            if let a = directory.agentIDs[agent] { command = .setPresence(a, presence) }
        case let .agentAdd(spec):
            let id = directory.addAgent(named: spec.name)
            command = .addAgent(AgentProfile(id: id, department: spec.department, skills: spec.skills, capacity: spec.capacity))
        case let .agentUpdate(spec):
            if let id = directory.agentIDs[spec.name] {
                command = .updateAgent(AgentProfile(id: id, department: spec.department, skills: spec.skills, capacity: spec.capacity))
            }
        case let .agentRemove(agent):
            if let id = directory.agentIDs[agent] {
                command = .removeAgent(id)
                directory.agentIDs[agent] = nil
                directory.agentNames[id.rawValue] = nil
            }
        case let .openingHours(channel, open):
            command = .setChannelOpen(channel, open)
        default:
            break
        }
        return TimedRequest(time: entry.time, origin: entry.origin, operation: operation, request: request, command: command)
    }

    /// Forgets the name of a contact that reached its end, as the router does when the event
    /// happens (abandoned, closed, wrap-up ended): a reader that sees the engine's events keeps
    /// only open contacts, however long the journal. Other events change nothing.
    public mutating func forget(_ event: Event) {
        switch event {
        case let .abandoned(contact, _, _), let .closed(contact), let .wrapUpEnded(contact, _):
            directory.forgetContact(contact)
        default:
            break
        }
    }
}
