import AgnerProtocol
import AgnerCore
import Foundation

extension LiveRouter {
    /// Performs a decoded request; the events it causes go to the outbox. It is journaled (when
    /// it changes something) in canonical form, not as received. - Returns: the reply's result.
    func perform(_ request: Request, _ wire: WireObject, session: SessionID, name: String) throws(ProtocolError) -> WireValue {
        let outer = currentRequest
        currentRequest = request
        defer { currentRequest = outer }
        switch request {
        case .hello:
            throw ProtocolError(.invalidState, "hello is answered before any operation")

        case let .arrive(contactName, channel, topic, segment, priority):
            guard directory.contactIDs[contactName] == nil else {
                throw ProtocolError(.duplicateContact, "contact '\(contactName)' is already open")
            }
            let id = ContactID(directory.nextContact)
            let events = try apply(.arrive(ContactArrival(id: id, channel: channel, topic: topic, segment: segment, priority: priority)),
                                   request: wire, origin: name) {
                // Known before the events are delivered, so they can name the contact.
                self.directory.addContact(.init(name: contactName, owner: name, channel: channel, topic: topic.index,
                                                arrivalDay: self.dayNumber(at: self.currentTime())))
            }
            rollDay()
            let key = Self.queueKey(channel, topic)
            if engine.state(of: id) == nil && events.contains(.closed(id)) {
                tallies[key, default: DayTally()].unserved += 1
            } else {
                tallies[key, default: DayTally()].offered += 1
                shadowRouter?.countLiveOffered(channel)
            }
            if !replaying { countArrival(channel: channel, topic: topic, at: currentTime()) }
            shadowRouter?.arrive(id.rawValue, channel: channel, topic: settings.center.topics[topic.index].name, segment: segment,
                                 priority: priority, liveTarget: settings.center.answerTarget(topic: topic, channel: channel),
                                 liveOwner: settings.center.topics[topic.index].owningDepartment.index, at: currentTime())
            deliver(events)
            return .object([("contact", .string(contactName)), ("state", .string(contactState(id)))])

        case let .accept(contactName, agentName), let .reject(contactName, agentName):
            let contact = try knownContact(contactName)
            let agent = try knownAgent(agentName)
            let command: Command = if case .accept = request { .accept(contact, agent) } else { .reject(contact, agent) }
            deliver(try apply(command, request: wire, origin: name))
            return .object([("contact", .string(contactName)), ("state", .string(contactState(contact)))])

        case let .abandon(contactName), let .complete(contactName):
            let contact = try knownContact(contactName)
            let command: Command = if case .abandon = request { .abandon(contact) } else { .complete(contact) }
            deliver(try apply(command, request: wire, origin: name))
            return .object([("contact", .string(contactName)), ("state", .string(contactState(contact)))])

        case let .agentState(agentName, presence):
            let agent = try knownAgent(agentName)
            deliver(try apply(.setPresence(agent, presence), request: wire, origin: name))
            shadowRouter?.setPresence(agentName, presence, at: currentTime())
            noteManager(of: agent, presence: presence, adapter: sessions[session]?.role == .adapter ? name : nil, origin: name)
            return .object([("agent", .string(agentName)), ("state", .string(engine.agent(agent)?.state.name ?? "unknown"))])

        case let .agentAdd(spec), let .agentUpdate(spec):
            let adding = if case .agentAdd = request { true } else { false }
            let existing = directory.agentIDs[spec.name]
            if adding, existing != nil { throw ProtocolError(.invalidState, "agent '\(spec.name)' already exists") }
            if !adding, existing == nil { throw ProtocolError(.unknownAgent, "unknown agent '\(spec.name)'") }
            let id = existing ?? AgentID(directory.nextAgent)
            let profile = AgentProfile(id: id, department: spec.department, skills: spec.skills, capacity: spec.capacity)
            let events = try apply(adding ? .addAgent(profile) : .updateAgent(profile), request: wire, origin: name) {
                if existing == nil { self.directory.addAgent(named: spec.name) }
            }
            deliver(events)
            return .object([("agent", .string(spec.name)), ("state", .string(engine.agent(id)?.state.name ?? "offline"))])

        case let .agentRemove(agentName):
            let id = try knownAgent(agentName)
            deliver(try apply(.removeAgent(id), request: wire, origin: name) {
                self.directory.agentIDs[agentName] = nil
                self.agentManagers[id.rawValue] = nil
            })
            return .object([("agent", .string(agentName)), ("removed", .bool(true))])

        case let .subscribe(events):
            sessions[session]?.subscriptions = events
            return .object([("events", .array(events.map(\.rawValue).sorted().map(WireValue.string)))])

        case .stats: return stats()
        case let .agents(page): return agentList(page)
        case let .contacts(page): return contactList(owner: nil, page)
        case let .sync(page):
            // The adapter has reconciled: its held contacts are routed again.
            if page.after == nil { try resumeHeldContacts(of: name, request: wire) }
            return contactList(owner: name, page)

        case let .setOpen(open, channels, until):
            let chosen = channels ?? channelsByTier
            if let until, !(until > currentTime()) || !(until <= currentTime() + Self.longestOverride) {
                throw ProtocolError(.badField, "until: \(until) is not a time in the next 366 days (Unix seconds)")
            }
            for channel in chosen {
                let was = engine.isOpen(channel)
                deliver(try apply(.setChannelOpen(channel, open), request: wire, origin: name))
                shadowRouter?.setChannelOpen(channel, open, at: currentTime())
                if was != open { deliverChannelState(channel) }
            }
            for channel in chosen { hoursOverrides[channel] = HoursOverride(open: open, until: until) }
            scheduleOpeningHours()
            return .object([("channels", .array(chosen.map { .string($0.name) })), ("open", .bool(open)),
                            ("until", until.map(WireValue.double) ?? .null)])

        case let .followHours(channels):
            // Back to the opening hours: a supervisor's overrides end now.
            let chosen = channels ?? Channel.allCases
            for channel in chosen { hoursOverrides[channel] = nil }
            journalRequest(wire, origin: name, at: currentTime())
            if !replaying { applyOpeningHours() }
            return .object([("channels", .array(chosen.map { channel in
                .object([("channel", .string(channel.name)), ("open", .bool(engine.isOpen(channel)))])
            }))])

        case let .adapterLost(adapter, abandonAt, grace, includingHeld):
            let end = abandonAt ?? currentTime() + (grace ?? settings.adapterGrace)
            try holdContacts(of: adapter, until: end, includingHeld: includingHeld, request: wire)
            return .null

        case let .agentManager(agentName, adapter):
            let agent = try knownAgent(agentName)
            agentManagers[agent.rawValue] = adapter
            journalRequest(wire, origin: name, at: currentTime())
            return .null

        case let .openingHours(channel, open):
            let was = engine.isOpen(channel)
            deliver(try apply(.setChannelOpen(channel, open), request: wire, origin: name))
            shadowRouter?.setChannelOpen(channel, open, at: currentTime())
            if was != engine.isOpen(channel) { deliverChannelState(channel) }
            return .null

        case let .whatIf(changes, horizon, replications):
            return try startWhatIf(changes: changes, horizon: horizon, replications: replications, session: session)

        case .shadow:
            guard let shadowRouter else { throw ProtocolError(.invalidState, "no shadow: start agner serve with --shadow FILE") }
            return shadowRouter.figures(now: currentTime())
        }
    }

    /// Applies a command to the engine at the current time; if accepted, journals it (with
    /// `prepare` run first, so replay sees the same names) and returns its events.
    func apply(_ command: Command, request: WireObject?, origin: String, prepare: () -> Void = {}) throws(ProtocolError) -> [Event] {
        var events: [Event] = []
        let now = currentTime()
        // Timers due before the command fire first; their events go out even if it is refused.
        // A refused command changes nothing in the engine (its contract), so it is applied in place.
        do { try engine.apply(command, at: now, into: &events) } catch {
            pendingTimerEvents += events
            for event in events { index(event) }  // the state moved on (timers), even if the events go out later
            throw protocolError(error)
        }
        if let request { journalRequest(request, origin: origin, at: now) }
        prepare()
        return events
    }

    /// Journals the request being handled, once (an operation applying several engine commands,
    /// or none, is one entry), unless it is being replayed. The entry is the request in
    /// canonical form (`Request.canonical`): the fields its operation uses, nothing a client
    /// added, so its size is bounded by the operation's own fields.
    func journalRequest(_ request: WireObject, origin: String, at now: Double) {
        guard !replaying, !requestJournaled, let journal else { return }
        requestJournaled = true
        journalSequence += 1
        journalScratch.removeAll(keepingCapacity: true)
        if let currentRequest {
            canonicalEncoder.write(currentRequest, into: &journalScratch)
        } else {
            journalScratch += request.lineWithout("req").utf8
        }
        do {
            try journalScratch.withUnsafeBytes { try journal.append(time: now, origin: origin, line: $0) }
        } catch {
            // The state has moved on but the command is not journaled: stopping is the only
            // honest answer (a restart rebuilds from what the journal holds, and this command
            // was never acknowledged). Appending only copies into memory; a full disk shows at
            // the commit, which the server survives (see `RoutingServer`).
            fatalError("the journal refused an accepted command: \(error)")
        }
    }

    /// The engine's refusal as the adapter sees it: contacts and agents named by their ids on the wire.
    func protocolError(_ error: EngineError) -> ProtocolError {
        let message = error.description(contact: { "'\(self.name(of: $0))'" }, agent: { "'\(self.name(of: $0))'" })
        switch error {
        case .unknownAgent: return ProtocolError(.unknownAgent, message)
        case .unknownContact: return ProtocolError(.unknownContact, message)
        case .duplicateContact: return ProtocolError(.duplicateContact, message)
        case .invalidValue, .unknownTopic, .unknownSkill, .unknownDepartment: return ProtocolError(.badField, message)
        default: return ProtocolError(.invalidState, message)
        }
    }

    func knownContact(_ name: String) throws(ProtocolError) -> ContactID {
        guard let id = directory.contactIDs[name] else { throw ProtocolError(.unknownContact, "unknown contact '\(name)'") }
        return id
    }

    func knownAgent(_ name: String) throws(ProtocolError) -> AgentID {
        guard let id = directory.agentIDs[name] else { throw ProtocolError(.unknownAgent, "unknown agent '\(name)'") }
        return id
    }

    func contactState(_ id: ContactID) -> String {
        engine.state(of: id)?.name ?? "ended"
    }

    // MARK: - Events

    /// Turns engine events into lines in the outbox: offers and what concerns a contact's own
    /// adapter go to that adapter's connections; everything goes to the connections subscribed to it.
    func deliver(_ events: [Event]) {
        let all = pendingTimerEvents.isEmpty ? events : pendingTimerEvents + events
        pendingTimerEvents = []
        rollDay()
        if sessionsInOrder == nil && !all.isEmpty && !replaying { sessionsInOrder = sessions.sorted { $0.key < $1.key } }
        let ordered = replaying ? [] : sessionsInOrder ?? []
        var recipients: [SessionID] = []
        defer { shadowRouter?.settle() }  // the shadow's offers answered after the live ring (ShadowRouter.settle)
        for event in all {
            count(event)
            if let shadowRouter { observeForShadow(shadowRouter, event) }
            guard !replaying else { forget(event); continue }
            if let feed { publish(event, to: feed) }
            let name = EventName(event)
            let owner = name.goesToOwner ? EventWire.contact(of: event).flatMap { directory.contacts[$0.rawValue]?.owner } : nil
            recipients.removeAll(keepingCapacity: true)
            for (session, state) in ordered
            where (state.name == owner && Self.ownsContacts(state.role)) || (!state.subscriptions.isEmpty && state.subscriptions.contains(name)) {
                recipients.append(session)
            }
            // Most events go to nobody (no subscriber): they are never encoded.
            if !recipients.isEmpty {
                let fields = fields(of: event)
                let template = eventTemplate(name, fields)
                outbox.append(to: recipients) { template.write(fields: fields, into: &$0) }
            }
            forget(event)
        }
        metrics?.waiting.record(waitingContacts.count)
    }

    /// Tells the shadow what happened here, with this router's names.
    func observeForShadow(_ shadow: ShadowRouter, _ event: Event) {
        let contact = EventWire.contact(of: event)?.rawValue
        var agent: String? = nil
        var department: Int? = nil
        switch event {
        case let .offered(_, a, _, _):
            agent = directory.agentNames[a.rawValue]
        case let .connected(_, a, _):
            department = engine.department(of: a)
        default:
            break
        }
        shadow.observe(event, contact: contact, agent: agent, department: department, at: currentTime())
    }

    func name(of contact: ContactID) -> String { directory.name(of: contact) }
    func name(of agent: AgentID) -> String { directory.name(of: agent) }

    /// The event's fields after its name, in protocol order, named by the adapters' ids.
    func fields(of event: Event) -> [(String, WireValue)] {
        EventWire.fields(of: event, contact: { self.directory.name(of: $0) }, agent: { self.directory.name(of: $0) })
    }

    /// Forgets the names of contacts that reached their end.
    func forget(_ event: Event) {
        switch event {
        case let .abandoned(c, _, _), let .closed(c), let .wrapUpEnded(c, _):
            directory.forgetContact(c)
        case let .agentRemoved(a):
            directory.agentNames[a.rawValue] = nil
        default:
            break
        }
    }

    // MARK: - Today's figures

    /// The day number (days since 1970-01-01) of a moment, in the center's time zone (the
    /// calendar's; UTC without one): "today" in `stats` is the center's day.
    func dayNumber(at time: Double) -> Int {
        settings.calendar?.dayNumber(at: time) ?? Int((time / 86_400).rounded(.down))
    }

    func rollDay() {
        let today = dayNumber(at: currentTime())
        if today != day {
            day = today
            tallies = [:]
        }
    }

    /// A contact's snapshot, read from the engine where it is: `engine.contact(_:)` on the
    /// stored property copies the whole engine value first (a retain and a release of each of
    /// its tables), which on the per-event path was a few percent of the loop.
    func contactInPlace(_ id: ContactID) -> ContactSnapshot? {
        Self.inPlace(&engine) { $0.contact(id) }
    }

    /// An agent's department, read as `contactInPlace` reads.
    func departmentInPlace(_ id: AgentID) -> DepartmentID? {
        Self.inPlace(&engine) { engine in engine.department(of: id).map { DepartmentID($0) } }
    }

    /// Runs `body` on the engine borrowed in place (an inout access, which needs no copy; nothing is changed).
    @inline(__always)
    static func inPlace<Result>(_ engine: inout RoutingEngine, _ body: (inout RoutingEngine) -> Result) -> Result {
        body(&engine)
    }

    func count(_ event: Event) {
        record(event)
        index(event)
        switch event {
        case let .abandoned(c, _, cause):
            guard let entry = directory.contacts[c.rawValue], entry.arrivalDay == day else { return }
            let key = Self.queueKey(entry.channel, TopicID(entry.topic))
            switch cause {
            case .customer: tallies[key, default: DayTally()].abandoned += 1
            case .adapterLost: tallies[key, default: DayTally()].lost += 1
            }
        case let .connected(c, a, waited):
            // Today's figures are about today's contacts: one that arrived yesterday is not counted.
            guard let snapshot = contactInPlace(c), directory.contacts[c.rawValue]?.arrivalDay == day else { return }
            let key = Self.queueKey(snapshot.channel, snapshot.topic)
            tallies[key, default: DayTally()].answered += 1
            if let department = departmentInPlace(a), department != settings.center.topics[snapshot.topic.index].owningDepartment {
                tallies[key, default: DayTally()].answeredOutsideOwner += 1
            }
            if waited <= snapshot.deadline - snapshot.arrival { tallies[key, default: DayTally()].answeredWithinTarget += 1 }
        default:
            break
        }
    }

    /// Keeps the metrics up to date with one event.
    func record(_ event: Event) {
        switch event {
        case let .queued(c, _), let .callbackScheduled(c): waitingContacts.insert(c.rawValue)
        case let .held(c): if engine.contact(c)?.state.isWaiting == true { waitingContacts.insert(c.rawValue) }
        case let .offered(c, _, _, _), let .abandoned(c, _, _), let .closed(c): waitingContacts.remove(c.rawValue)
        case let .agentState(a, state): setAgentState(a.rawValue, state)
        case let .agentRemoved(a): setAgentState(a.rawValue, nil)
        default: break
        }
        // History being rebuilt: gauges follow (set per batch), counters count only what happens from now on.
        guard let metrics, !replaying else { return }
        switch event {
        case let .connected(c, _, waited):
            if let channel = directory.contacts[c.rawValue]?.channel { metrics.contact(channel, .answered) }
            metrics.waitTime.record(waited)
        case let .abandoned(c, _, cause):
            if let channel = directory.contacts[c.rawValue]?.channel { metrics.contact(channel, cause == .customer ? .abandoned : .adapterLost) }
        case let .closed(c):
            if let channel = directory.contacts[c.rawValue]?.channel { metrics.contact(channel, .closed) }
        case let .completed(c, _):
            if let channel = directory.contacts[c.rawValue]?.channel { metrics.contact(channel, .completed) }
        case let .breached(_, cause):
            metrics.breach(cause)
        default:
            break
        }
    }

    /// A channel and topic as one number (the per-queue tables are keyed by it).
    static func queueKey(_ channel: Channel, _ topic: TopicID) -> Int { topic.index * 4 + channel.rawValue }

    /// How `stats` computes service level: the simulator's default definition, "answered
    /// within target ÷ offered", over the contacts whose outcome is known (a contact still
    /// waiting within its target counts once it is answered, abandoned, or past its target).
    public static let serviceLevelDefinition = "answered within target ÷ offered (those still waiting within their target left out until they end)"

    func stats() -> WireValue {
        rollDay()
        let now = currentTime()
        // Kept event by event: costs the number of queues, not of open contacts.
        if queueLines == nil { queueLines = buildQueueLines() }
        let queues = queueLines!.figures(now: now, day: day, breachWarningAt: settings.center.breachWarningAt)
        typealias Queue = QueueLines.Figures
        // In order of channel name, then topic name.
        let named = Set(queues.keys).union(tallies.keys).map { key in
            (key: key, channel: Channel(rawValue: key % 4)!.name, topic: settings.center.topics[key / 4].name)
        }.sorted { ($0.channel, $0.topic) < ($1.channel, $1.topic) }
        var channelKnown = PerChannel(repeating: 0), channelWithin = PerChannel(repeating: 0)
        let queueValues: [WireValue] = named.map { entry in
            let queue = queues[entry.key] ?? Queue()
            let tally = tallies[entry.key] ?? DayTally()
            // Known outcomes: offered today, less those still waiting within their target.
            let known = tally.offered - queue.withinTarget - tally.lost
            channelKnown[Channel(rawValue: entry.key % 4)!] += known
            channelWithin[Channel(rawValue: entry.key % 4)!] += tally.answeredWithinTarget
            return .object([
                ("channel", .string(entry.channel)), ("topic", .string(entry.topic)), ("waiting", .int(queue.waiting)),
                ("held", .int(queue.held)), ("oldest_wait_s", .double(queue.oldest)), ("at_risk", .int(queue.atRisk)),
                ("offered_today", .int(tally.offered)), ("answered_today", .int(tally.answered)),
                ("answered_within_target_today", .int(tally.answeredWithinTarget)), ("abandoned_today", .int(tally.abandoned)),
                ("lost_today", .int(tally.lost)),
                ("unserved_today", .int(tally.unserved)),
                ("answered_outside_owner_today", .int(tally.answeredOutsideOwner)),
                ("service_level_today", known > 0 ? .double(Double(tally.answeredWithinTarget) / Double(known)) : .null),
            ])
        }
        return .object([
            ("service_level_definition", .string(Self.serviceLevelDefinition)),
            ("channels", .array(Channel.allCases.map { channel in
                let override = hoursOverrides[channel].flatMap { $0.until.map { $0 > now } ?? true ? $0 : nil }
                return .object([("channel", .string(channel.name)), ("open", .bool(engine.isOpen(channel))),
                                ("override", .bool(override != nil)), ("until", override?.until.map(WireValue.double) ?? .null),
                                ("service_level_today", channelKnown[channel] > 0
                                    ? .double(Double(channelWithin[channel]) / Double(channelKnown[channel])) : .null)])
            })),
            ("queues", .array(queueValues)),
        ])
    }

    typealias Page = Request.Page

    func agentList(_ page: Page) -> WireValue {
        let (ids, after) = directory.agentPage(after: page.after, limit: page.limit)
        let next = after.map { WireValue.string(String($0)) } ?? .null
        return .object([("agents", .array(ids.compactMap { id in
            guard let agent = engine.agent(AgentID(id)), let name = directory.agentNames[id] else { return nil }
            return .object([
                ("agent", .string(name)), ("department", .string(settings.center.departments[agent.profile.department.index])),
                ("state", .string(agent.state.name)),
                ("in_use", .object(Channel.allCases.map { ($0.name, .int(agent.inUse[$0])) })),
            ])
        })), ("next", next)])
    }

    /// Open contacts, all or one adapter's, in the order they arrived.
    func contactList(owner: String?, _ page: Page) -> WireValue {
        let now = currentTime()
        let (ids, after) = directory.contactPage(owner: owner, after: page.after, limit: page.limit)
        let next = after.map { WireValue.string(String($0)) } ?? .null
        return .object([("contacts", .array(ids.compactMap { id in
            guard let entry = directory.contacts[id], let contact = engine.contact(ContactID(id)) else { return nil }
            return .object([
                ("contact", .string(entry.name)), ("channel", .string(contact.channel.name)),
                ("topic", .string(settings.center.topics[contact.topic.index].name)), ("state", .string(contact.state.name)),
                ("step", .int(contact.step)), ("waited_s", .double(now - contact.arrival)),
                ("agent", contact.agent.map { .string(name(of: $0)) } ?? .null), ("adapter", .string(entry.owner)),
                ("held", .bool(contact.held)), ("awaiting_opening", .bool(contact.awaitingOpening)),
            ])
        })), ("next", next)])
    }

    // MARK: - What stats counts

    /// Keeps `queueLines` in step with the contact an event is about (its state after the
    /// command or timer that caused the event).
    func index(_ event: Event) {
        guard let contact = EventWire.contact(of: event) else { return }
        guard queueLines != nil else {
            queueLines = buildQueueLines()  // from the state, which already includes this event
            return
        }
        let id = contact.rawValue
        queueLines!.update(id, contactInPlace(contact), day: { self.directory.contacts[id]?.arrivalDay },
                           owner: { self.directory.contacts[id]?.owner })
    }

    /// `queueLines` from the state (every open contact, in arrival order).
    func buildQueueLines() -> QueueLines {
        var lines = QueueLines()
        for contact in engine.openContacts {
            let id = contact.id.rawValue
            lines.update(id, contact, day: { self.directory.contacts[id]?.arrivalDay }, owner: { self.directory.contacts[id]?.owner })
        }
        return lines
    }

    /// `queueLines`, built if need be.
    func indexedLines() -> QueueLines {
        if queueLines == nil { queueLines = buildQueueLines() }
        return queueLines!
    }

    // MARK: - Recovery

    /// Rebuilds the state by replaying journaled commands in order. Timers that fell due
    /// while the service was down fire with the first `fireTimers()` after it.
    /// - Returns: how many entries were replayed.
    @discardableResult
    public func replay(_ entries: [JournalEntry]) throws -> Int {
        for entry in entries { try replay(entry) }
        return entries.count
    }

    /// Replays one journaled command (after a snapshot, the ones it does not cover).
    public func replay(_ entry: JournalEntry) throws {
        replaying = true
        defer {
            replaying = false
            replayClock = nil
        }
        let request = try WireObject(parsing: entry.line)
        let name = try request.string("op")
        // The journal holds clients' operations and the router's own (`internal.*`).
        guard let operation = Operation(rawValue: name) else { throw ProtocolError(.unknownOp, "unknown op '\(name)'") }
        let decoded = try Request.decode(request, as: operation, center: settings.center)
        replayClock = entry.time
        // As live: what fell due before the command happens first (see `handleRequest`).
        advanceEngine(to: currentTime())
        requestJournaled = false
        _ = try perform(decoded, request, session: SessionID(-1), name: entry.origin)
    }
}
