import AgnerCore
import Foundation

extension LiveRouter {
    /// Performs a request; the events it causes go to the outbox. - Returns: the reply's result.
    func perform(_ op: String, _ request: WireObject, session: SessionID, name: String) throws(ProtocolError) -> WireValue {
        switch op {
        case "contact.arrive":
            let contactName = try request.string("id")
            try Self.checkName(contactName, field: "id")
            let channelName = try request.string("channel")
            guard let channel = Channel(name: channelName) else {
                throw ProtocolError(.badField, "channel: '\(channelName)' should be phone, chat, email or clickToCall")
            }
            let topicName = try request.string("topic")
            guard let topic = settings.center.topic(named: topicName) else {
                throw ProtocolError(.badField, "topic: unknown topic '\(topicName)' (known: \(settings.center.topics.map(\.name).joined(separator: ", ")))")
            }
            var segment = Segment.regular
            if let segmentName = try request.optionalString("segment") {
                guard let known = Segment(name: segmentName) else {
                    throw ProtocolError(.badField, "segment: '\(segmentName)' should be wholesale, regular or new")
                }
                segment = known
            }
            let priority = try request.optionalInt("priority") ?? 0
            guard DomainLimits.priority.contains(priority) else {
                throw ProtocolError(.badField, "priority: \(priority) is outside \(DomainLimits.priority.lowerBound)–\(DomainLimits.priority.upperBound)")
            }
            guard contactIDs[contactName] == nil else { throw ProtocolError(.duplicateContact, "contact '\(contactName)' is already open") }
            let id = ContactID(nextContact)
            let events = try apply(.arrive(ContactArrival(id: id, channel: channel, topic: topic, segment: segment, priority: priority)),
                                   request: request, origin: name) {
                // Known before the events are delivered, so they can name the contact.
                self.nextContact += 1
                self.contactIDs[contactName] = id
                self.contacts[id.rawValue] = ContactEntry(name: contactName, owner: name, channel: channel, topic: topic.index,
                                                          arrivalDay: self.dayNumber(at: self.currentTime()))
            }
            rollDay()
            let key = Self.queueKey(channel, topic)
            if engine.state(of: id) == nil && events.contains(.closed(id)) {
                tallies[key, default: DayTally()].unserved += 1
            } else {
                tallies[key, default: DayTally()].offered += 1
            }
            deliver(events)
            return .object([("contact", .string(contactName)), ("state", .string(contactState(id)))])

        case "offer.accept", "offer.reject":
            let contact = try knownContact(try request.string("contact"))
            let agent = try knownAgent(try request.string("agent"))
            let command: Command = op == "offer.accept" ? .accept(contact, agent) : .reject(contact, agent)
            deliver(try apply(command, request: request, origin: name))
            return .object([("contact", .string(try request.string("contact"))), ("state", .string(contactState(contact)))])

        case "contact.abandon", "contact.complete":
            let contactName = try request.string("id")
            let contact = try knownContact(contactName)
            let command: Command = op == "contact.abandon" ? .abandon(contact) : .complete(contact)
            deliver(try apply(command, request: request, origin: name))
            return .object([("contact", .string(contactName)), ("state", .string(contactState(contact)))])

        case "agent.state":
            let agentName = try request.string("agent")
            let agent = try knownAgent(agentName)
            let stateName = try request.string("state")
            let presence: Presence
            switch stateName {
            case "available": presence = .available
            case "onBreak": presence = .onBreak
            case "offline": presence = .offline
            default: throw ProtocolError(.badField, "state: '\(stateName)' should be available, onBreak or offline")
            }
            deliver(try apply(.setPresence(agent, presence), request: request, origin: name))
            if sessions[session]?.role == .adapter { noteManager(of: agent, presence: presence, adapter: name) }
            return .object([("agent", .string(agentName)), ("state", .string(engine.agent(agent)?.state.name ?? "unknown"))])

        case "agent.add", "agent.update":
            let agentName = try request.string("agent")
            try Self.checkName(agentName, field: "agent")
            let existing = agentIDs[agentName]
            if op == "agent.add", existing != nil { throw ProtocolError(.invalidState, "agent '\(agentName)' already exists") }
            if op == "agent.update", existing == nil { throw ProtocolError(.unknownAgent, "unknown agent '\(agentName)'") }
            let id = existing ?? AgentID(nextAgent)
            let profile = try agentProfile(request, id: id)
            let events = try apply(op == "agent.add" ? .addAgent(profile) : .updateAgent(profile), request: request, origin: name) {
                if existing == nil {
                    self.nextAgent += 1
                    self.agentIDs[agentName] = id
                    self.agentNames[id.rawValue] = agentName
                }
            }
            deliver(events)
            return .object([("agent", .string(agentName)), ("state", .string(engine.agent(id)?.state.name ?? "offline"))])

        case "agent.remove":
            let agentName = try request.string("agent")
            let id = try knownAgent(agentName)
            deliver(try apply(.removeAgent(id), request: request, origin: name) {
                self.agentIDs[agentName] = nil
                self.agentManagers[id.rawValue] = nil
            })
            return .object([("agent", .string(agentName)), ("removed", .bool(true))])

        case "subscribe":
            let names = try request.optionalStringList("events") ?? ["*"]
            var chosen: Set<String> = []
            for event in names {
                if event == "*" { chosen.formUnion(Self.eventNames); continue }
                guard Self.eventNames.contains(event) else {
                    throw ProtocolError(.badField, "events: unknown event '\(event)' (known: \(Self.eventNames.sorted().joined(separator: ", ")), or *)")
                }
                chosen.insert(event)
            }
            sessions[session]?.subscriptions = chosen
            return .object([("events", .array(chosen.sorted().map(WireValue.string)))])

        case "stats": return stats()
        case "agents": return agentList(try Page(request))
        case "contacts": return contactList(owner: nil, try Page(request))
        case "sync":
            let page = try Page(request)
            // The adapter has reconciled: its held contacts are routed again.
            if page.after == nil { try resumeHeldContacts(of: name, request: request) }
            return contactList(owner: name, page)

        case "center.open", "center.close":
            let open = op == "center.open"
            var chosen = channelsByTier
            if let channelName = try request.optionalString("channel") {
                guard let channel = Channel(name: channelName) else {
                    throw ProtocolError(.badField, "channel: '\(channelName)' should be phone, chat, email or clickToCall (or left out: every channel)")
                }
                chosen = [channel]
            }
            let until = try request.optionalNumber("until")
            if let until, !(until > currentTime()) || !(until <= currentTime() + Self.longestOverride) {
                throw ProtocolError(.badField, "until: \(until) is not a time in the next 366 days (Unix seconds)")
            }
            for channel in chosen {
                let was = engine.isOpen(channel)
                deliver(try apply(.setChannelOpen(channel, open), request: request, origin: name))
                if was != open { deliverChannelState(channel) }
            }
            for channel in chosen { hoursOverrides[channel] = HoursOverride(open: open, until: until) }
            scheduleOpeningHours()
            return .object([("channels", .array(chosen.map { .string($0.name) })), ("open", .bool(open)),
                            ("until", until.map(WireValue.double) ?? .null)])

        case "center.hours":
            // Back to the opening hours: a supervisor's overrides end now.
            var chosen = Channel.allCases
            if let channelName = try request.optionalString("channel") {
                guard let channel = Channel(name: channelName) else {
                    throw ProtocolError(.badField, "channel: '\(channelName)' should be phone, chat, email or clickToCall (or left out: every channel)")
                }
                chosen = [channel]
            }
            for channel in chosen { hoursOverrides[channel] = nil }
            journalRequest(request, origin: name, at: currentTime())
            if !replaying { applyOpeningHours() }
            return .object([("channels", .array(chosen.map { channel in
                .object([("channel", .string(channel.name)), ("open", .bool(engine.isOpen(channel)))])
            }))])

        case Self.adapterLostOp:
            let adapter = try request.string("adapter")
            let grace = try request.optionalNumber("grace_s") ?? settings.adapterGrace
            let abandonAt = try request.optionalNumber("abandon_at") ?? currentTime() + grace
            try holdContacts(of: adapter, until: abandonAt, includingHeld: request.isTrue("including_held"), request: request)
            return .null

        case Self.agentManagerOp:
            let agent = try knownAgent(try request.string("agent"))
            agentManagers[agent.rawValue] = try request.optionalString("adapter")
            journalRequest(request, origin: name, at: currentTime())
            return .null

        case Self.openingHoursOp:
            let channelName = try request.string("channel")
            guard let channel = Channel(name: channelName) else { throw ProtocolError(.badField, "channel: '\(channelName)'") }
            let was = engine.isOpen(channel)
            deliver(try apply(.setChannelOpen(channel, request.isTrue("open")), request: request, origin: name))
            if was != engine.isOpen(channel) { deliverChannelState(channel) }
            return .null

        default:
            throw ProtocolError(.unknownOp, "unknown op '\(op)'")
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
            throw protocolError(error)
        }
        if let request { journalRequest(request, origin: origin, at: now) }
        prepare()
        return events
    }

    /// Journals the request being handled, once (an operation applying several engine commands,
    /// or none, is one entry), unless it is being replayed.
    func journalRequest(_ request: WireObject, origin: String, at now: Double) {
        guard !replaying, !requestJournaled, let journal else { return }
        requestJournaled = true
        journalSequence += 1
        do {
            if let currentLine {
                try journal.append(time: now, origin: origin, line: currentLine)
            } else {
                var line = request.lineWithout("req")
                try line.withUTF8 { try journal.append(time: now, origin: origin, line: UnsafeRawBufferPointer($0)) }
            }
        } catch {
            // The state has moved on but the command is not journaled: stopping is the only
            // honest answer (a restart rebuilds from what the journal holds, and this command
            // was never acknowledged).
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
        guard let id = contactIDs[name] else { throw ProtocolError(.unknownContact, "unknown contact '\(name)'") }
        return id
    }

    func knownAgent(_ name: String) throws(ProtocolError) -> AgentID {
        guard let id = agentIDs[name] else { throw ProtocolError(.unknownAgent, "unknown agent '\(name)'") }
        return id
    }

    func contactState(_ id: ContactID) -> String {
        engine.state(of: id)?.name ?? "ended"
    }

    func agentProfile(_ request: WireObject, id: AgentID) throws(ProtocolError) -> AgentProfile {
        let center = settings.center
        let departmentName = try request.optionalString("department") ?? center.departments[0]
        guard let department = center.department(named: departmentName) else {
            throw ProtocolError(.badField, "department: unknown department '\(departmentName)'")
        }
        var skills: [SkillLevel] = []
        for (skillName, level) in try request.optionalIntMap("skills") ?? [] {
            guard let skill = center.skill(named: skillName) else { throw ProtocolError(.badField, "skills.\(skillName): unknown skill") }
            guard DomainLimits.proficiency.contains(level) else {
                throw ProtocolError(.badField, "skills.\(skillName): proficiency \(level) is outside \(DomainLimits.proficiency.lowerBound)–\(DomainLimits.proficiency.upperBound)")
            }
            skills.append(SkillLevel(skill, level))
        }
        var capacity = AgentProfile.standardCapacity
        if let channels = try request.optionalIntMap("channels") {
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
        return AgentProfile(id: id, department: department, skills: skills, capacity: capacity)
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
        for event in all {
            count(event)
            guard !replaying else { forget(event); continue }
            if let feed { publish(event, to: feed) }
            let (name, contact) = Self.header(of: event)
            let owner = Self.goesToOwner(event) ? contact.flatMap { contacts[$0.rawValue]?.owner } : nil
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

    /// Offers and what the adapter must act on go to the adapter that announced the contact.
    static func goesToOwner(_ event: Event) -> Bool {
        switch event {
        case .offered, .offerExpired, .offerWithdrawn, .callbackScheduled, .closed: true
        default: false
        }
    }

    func name(of contact: ContactID) -> String { contacts[contact.rawValue]?.name ?? contact.description }
    func name(of agent: AgentID) -> String { agentNames[agent.rawValue] ?? agent.description }

    /// The event's name in the protocol and the contact it concerns (who owns it): enough to
    /// decide who receives it before anything is encoded.
    static func header(of event: Event) -> (name: String, contact: ContactID?) {
        switch event {
        case let .offered(c, _, _, _): ("offer", c)
        case let .offerExpired(c, _): ("offer.expired", c)
        case let .offerRejected(c, _): ("offer.rejected", c)
        case let .queued(c, _): ("contact.queued", c)
        case let .connected(c, _, _): ("contact.connected", c)
        case let .escalated(c, _): ("contact.escalated", c)
        case let .breachWarning(c): ("contact.breach_warning", c)
        case let .breached(c, _): ("contact.breached", c)
        case let .callbackScheduled(c): ("contact.callback", c)
        case let .abandoned(c, _, _): ("contact.abandoned", c)
        case let .offerWithdrawn(c, _): ("offer.withdrawn", c)
        case let .held(c): ("contact.held", c)
        case let .resumed(c): ("contact.resumed", c)
        case let .completed(c, _): ("contact.completed", c)
        case let .closed(c): ("contact.closed", c)
        case let .wrapUpEnded(c, _): ("contact.wrapped_up", c)
        case .agentState: ("agent.state", nil)
        case .agentRemoved: ("agent.removed", nil)
        }
    }

    /// The event's fields after its name, in protocol order.
    func fields(of event: Event) -> [(String, WireValue)] {
        switch event {
        case let .offered(c, a, why, expiresAt):
            [("contact", .string(name(of: c))), ("agent", .string(name(of: a))), ("step", .int(why.step)), ("why", .string(why.summary)),
             ("expires_at", expiresAt.map(WireValue.double) ?? .null)]
        case let .offerExpired(c, a), let .offerRejected(c, a), let .offerWithdrawn(c, a), let .completed(c, a), let .wrapUpEnded(c, a):
            [("contact", .string(name(of: c))), ("agent", .string(name(of: a)))]
        case let .queued(c, step), let .escalated(c, step): [("contact", .string(name(of: c))), ("step", .int(step))]
        case let .connected(c, a, waited): [("contact", .string(name(of: c))), ("agent", .string(name(of: a))), ("waited_s", .double(waited))]
        case let .breachWarning(c), let .callbackScheduled(c), let .closed(c), let .held(c), let .resumed(c):
            [("contact", .string(name(of: c)))]
        case let .breached(c, cause): [("contact", .string(name(of: c))), ("cause", .string(cause.rawValue))]
        case let .abandoned(c, waited, cause):
            [("contact", .string(name(of: c))), ("waited_s", .double(waited)), ("cause", .string(cause.rawValue))]
        case let .agentState(a, state): [("agent", .string(name(of: a))), ("state", .string(state.name))]
        case let .agentRemoved(a): [("agent", .string(name(of: a)))]
        }
    }

    /// Forgets the names of contacts that reached their end.
    func forget(_ event: Event) {
        switch event {
        case let .abandoned(c, _, _), let .closed(c), let .wrapUpEnded(c, _):
            if let entry = contacts.removeValue(forKey: c.rawValue) { contactIDs[entry.name] = nil }
        case let .agentRemoved(a):
            agentNames[a.rawValue] = nil
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

    func count(_ event: Event) {
        record(event)
        switch event {
        case let .abandoned(c, _, cause):
            guard let entry = contacts[c.rawValue], entry.arrivalDay == day else { return }
            let key = Self.queueKey(entry.channel, TopicID(entry.topic))
            switch cause {
            case .customer: tallies[key, default: DayTally()].abandoned += 1
            case .adapterLost: tallies[key, default: DayTally()].lost += 1
            }
        case let .connected(c, a, waited):
            // Today's figures are about today's contacts: one that arrived yesterday is not counted.
            guard let snapshot = engine.contact(c), contacts[c.rawValue]?.arrivalDay == day else { return }
            let key = Self.queueKey(snapshot.channel, snapshot.topic)
            tallies[key, default: DayTally()].answered += 1
            if let agent = engine.agent(a), agent.profile.department != settings.center.topics[snapshot.topic.index].owningDepartment {
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
            if let channel = contacts[c.rawValue]?.channel { metrics.contact(channel, .answered) }
            metrics.waitTime.record(waited)
        case let .abandoned(c, _, cause):
            if let channel = contacts[c.rawValue]?.channel { metrics.contact(channel, cause == .customer ? .abandoned : .adapterLost) }
        case let .closed(c):
            if let channel = contacts[c.rawValue]?.channel { metrics.contact(channel, .closed) }
        case let .completed(c, _):
            if let channel = contacts[c.rawValue]?.channel { metrics.contact(channel, .completed) }
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
        struct Queue { var waiting = 0; var held = 0; var oldest = 0.0; var atRisk = 0; var withinTarget = 0 }
        var queues: [Int: Queue] = [:]
        for contact in engine.openContacts where contact.state.isWaiting || contact.state == .offered {
            let key = Self.queueKey(contact.channel, contact.topic)
            let waited = now - contact.arrival
            let target = contact.deadline - contact.arrival
            if contact.held { queues[key, default: Queue()].held += 1 } else { queues[key, default: Queue()].waiting += 1 }
            queues[key, default: Queue()].oldest = max(queues[key]!.oldest, waited)
            if waited >= settings.center.breachWarningAt * target { queues[key, default: Queue()].atRisk += 1 }
            if waited < target && contacts[contact.id.rawValue]?.arrivalDay == day { queues[key, default: Queue()].withinTarget += 1 }
        }
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

    /// A page of a list (`contacts`, `sync`, `agents`): at most `limit` items after the cursor
    /// `after` (the `next` of the page before). Pages keep every reply well under a connection's
    /// outbound limit, however many contacts or agents there are.
    struct Page {
        /// Items per page when a request does not say.
        static let standard = 1000
        /// The most a request may ask for: 2,000 contacts with the longest ids still fit in about a megabyte.
        static let maximum = 2000
        var limit: Int
        var after: UInt64?

        init(_ request: WireObject) throws(ProtocolError) {
            limit = try request.optionalInt("limit") ?? Self.standard
            guard (1...Self.maximum).contains(limit) else {
                throw ProtocolError(.badField, "limit: \(limit) is outside 1–\(Self.maximum)")
            }
            if let cursor = try request.optionalString("after") {
                guard let value = UInt64(cursor) else { throw ProtocolError(.badField, "after: '\(cursor)' is not a cursor from a reply's next") }
                after = value
            }
        }

        /// The page's items among `keys` (internal ids), in order, and the cursor of the next page.
        func select(_ keys: [UInt64]) -> (items: ArraySlice<UInt64>, next: WireValue) {
            let sorted = keys.sorted()
            let start = after.map { cursor in sorted.firstIndex { $0 > cursor } ?? sorted.endIndex } ?? sorted.startIndex
            let end = min(sorted.endIndex, start + limit)
            let items = sorted[start..<end]
            return (items, end < sorted.endIndex ? .string(String(items.last!)) : .null)
        }
    }

    func agentList(_ page: Page) -> WireValue {
        let (ids, next) = page.select(Array(agentNames.keys))
        return .object([("agents", .array(ids.compactMap { id in
            guard let agent = engine.agent(AgentID(id)), let name = agentNames[id] else { return nil }
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
        let keys = owner.map { owner in contacts.filter { $0.value.owner == owner }.map(\.key) } ?? Array(contacts.keys)
        let (ids, next) = page.select(keys)
        return .object([("contacts", .array(ids.compactMap { id in
            guard let entry = contacts[id], let contact = engine.contact(ContactID(id)) else { return nil }
            return .object([
                ("contact", .string(entry.name)), ("channel", .string(contact.channel.name)),
                ("topic", .string(settings.center.topics[contact.topic.index].name)), ("state", .string(contact.state.name)),
                ("step", .int(contact.step)), ("waited_s", .double(now - contact.arrival)),
                ("agent", contact.agent.map { .string(name(of: $0)) } ?? .null), ("adapter", .string(entry.owner)),
                ("held", .bool(contact.held)), ("awaiting_opening", .bool(contact.awaitingOpening)),
            ])
        })), ("next", next)])
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
        let op = try request.string("op")
        replayClock = entry.time
        // As live: what fell due before the command happens first (see `handleRequest`).
        advanceEngine(to: currentTime())
        requestJournaled = false
        _ = try perform(op, request, session: SessionID(-1), name: entry.origin)
    }
}
