import AgnerCore

/// One replay (see `Replay`): the engine driven by the recorded actions, in journal order, and
/// by the responses, completions and hang-ups modelled from the record, each at its time.
///
/// Two sources are merged, earliest first, by (time, journal sequence): the recorded actions
/// (each at its own place in the journal) and the modelled commands (an answer or completion
/// taken from the record keeps the journal place of the entry it models, so that commands of
/// one moment keep the router's order). Before each, the engine's timers due by its time fire,
/// one deadline at a time, as they did live.
struct ReplayRun {
    enum Step {
        case arrive(Int)
        case abandon(Int)
        /// The presence command for the replay's agent of this name.
        case presence(String, AgnerCore.Presence)
        case addAgent(Recording.AgentSpec)
        case updateAgent(Recording.AgentSpec)
        case removeAgent(String)
        /// A supervisor's opening or closing (or a recorded one, calendar's included).
        case channels([Channel], open: Bool, override: Bool)
        /// Other opening hours' change (replacing the recorded calendar).
        case calendar(Channel, open: Bool)
        /// A supervisor's override ends: the channels follow the (other) opening hours again.
        case followHours([Channel])
        case adapterLost(String, until: Double, includingHeld: Bool)
        case adapterSynced(String)
    }

    struct Item {
        var place: Recording.Place
        var sub: Int
        var step: Step
    }

    /// A modelled command, ordered by (time, journal sequence of what it models, order made).
    struct Pending: Comparable {
        enum Kind { case accept, reject, complete }
        var time: Double
        var key: Int64
        var order: UInt64
        var kind: Kind
        var contact: UInt64
        var agent: UInt64
        static func < (a: Self, b: Self) -> Bool { (a.time, a.key, a.order) < (b.time, b.key, b.order) }
        static func == (a: Self, b: Self) -> Bool { a.time == b.time && a.key == b.key && a.order == b.order }
    }

    let recording: Recording
    let setup: Setup
    var engine: RoutingEngine
    var tally: ReplayTally
    var items: [Item] = []
    var pending = BinaryHeap<Pending>()
    var order: UInt64 = 0
    var events: [Event] = []
    /// The replay center's topic for each recorded contact.
    let topics: [TopicID]
    var agentIDs: [String: AgentID] = [:]
    var agentNames: [UInt64: String] = [:]
    var nextAgent: UInt64 = 1
    /// Offers made so far per contact (for the exactness check) and per (contact, agent name).
    var offersMade: [Int32]
    var offersToAgent: [Int: [String: Int]] = [:]
    var exactness: Replay.Exactness
    /// Open contacts by adapter (their holds and resumes go by it).
    var openByOwner: [String: Set<UInt64>] = [:]
    var calendarOpen = PerChannel<Bool?>(repeating: nil)
    var overridden = PerChannel(repeating: false)
    var notes: [String] = []
    var keepDetails = false
    var offers: [Replay.OfferMade] = []
    var traces: [Replay.ContactTrace] = []
    var progress: ((Int, Int) -> Void)?
    /// Fallbacks from the record: mean handle time by (channel, topic) and by channel, mean
    /// ring delay of accepted offers by channel.
    /// How each recorded agent answered its offers, in time order (answers only: accepted or
    /// rejected after a delay, or no answer); an offer the record does not have gets the next
    /// of its agent's (or of the colleague whose hours it follows), in turn.
    let answers: [String: [Answer]]
    /// The agent whose answers an agent of the replay gives (a newcomer: the colleague it follows).
    var answersOf: [String: String] = [:]
    var answersGiven: [String: Int] = [:]
    let meanHandle: [Int: Double]
    let meanHandleByChannel: PerChannel<Double?>
    let meanRingDelay: PerChannel<Double?>

    typealias Setup = Replay.Setup

    enum Answer {
        case accept(after: Double)
        case reject(after: Double)
        case none
    }

    init(recording: Recording, setup: Setup) throws(Replay.Failure) {
        self.recording = recording
        self.setup = setup
        engine = RoutingEngine(configuration: setup.center)
        tally = ReplayTally(center: setup.center, window: setup.window, costs: setup.costs)
        var topics: [TopicID] = []
        var missing = Set<String>()
        topics.reserveCapacity(recording.contacts.count)
        for contact in recording.contacts {
            if let topic = setup.center.topic(named: contact.topic) { topics.append(topic) } else {
                missing.insert(contact.topic)
                topics.append(TopicID(0))
            }
        }
        guard missing.isEmpty else {
            throw Replay.Failure(description: "the center has no topic \(missing.sorted().map { "'\($0)'" }.joined(separator: ", ")), which recorded contacts need (its topics: \(setup.center.topics.map(\.name).joined(separator: ", ")))")
        }
        self.topics = topics
        offersMade = Array(repeating: 0, count: recording.contacts.count)
        exactness = Replay.Exactness(recordedOffers: recording.offerCount, replayedOffers: 0, matching: 0, firstDifference: nil)
        var handles: [Int: (Double, Int)] = [:]
        var byChannel = PerChannel<(Double, Int)>(repeating: (0, 0))
        var rings = PerChannel<(Double, Int)>(repeating: (0, 0))
        for (index, contact) in recording.contacts.enumerated() {
            if let handle = contact.handleTime {
                let key = topics[index].index * 4 + contact.channel.rawValue
                handles[key, default: (0, 0)].0 += handle
                handles[key, default: (0, 0)].1 += 1
                byChannel[contact.channel].0 += handle
                byChannel[contact.channel].1 += 1
            }
            if let ring = contact.ringDelay {
                rings[contact.channel].0 += ring
                rings[contact.channel].1 += 1
            }
        }
        var answers: [String: [(time: Double, answer: Answer)]] = [:]
        for contact in recording.contacts {
            for offer in contact.offers {
                switch offer.response {
                case let .accepted(place): answers[offer.agent, default: []].append((offer.time, .accept(after: place.time - offer.time)))
                case let .rejected(place): answers[offer.agent, default: []].append((offer.time, .reject(after: place.time - offer.time)))
                case .expired: answers[offer.agent, default: []].append((offer.time, .none))
                case .none: break  // withdrawn, hung up while ringing, or still ringing: not the agent's answer
                }
            }
        }
        self.answers = answers.mapValues { $0.sorted { $0.time < $1.time }.map(\.answer) }
        for agent in setup.agents {
            if case let .recorded(source) = agent.presence { answersOf[agent.name] = source }
        }
        meanHandle = handles.mapValues { $0.0 / Double($0.1) }
        let mean = { (sum: (Double, Int)) -> Double? in sum.1 > 0 ? sum.0 / Double(sum.1) : nil }
        meanHandleByChannel = byChannel.map(mean)
        meanRingDelay = rings.map(mean)
        buildTimeline()
    }

    // MARK: - The timeline

    /// The recorded actions in the replay's terms, with each agent's presence from its source,
    /// sorted by (time, journal sequence, order within the entry).
    mutating func buildTimeline() {
        var followers: [String: [String]] = [:]
        var sub = 0
        for agent in setup.agents {
            switch agent.presence {
            case let .recorded(name):
                followers[name, default: []].append(agent.name)
            case let .schedule(changes):
                for change in changes {
                    items.append(Item(place: .init(time: change.time, sequence: 0), sub: sub, step: .presence(agent.name, change.presence)))
                    sub += 1
                }
            case .never:
                break
            }
        }
        let replaceCalendar: Bool
        if case let .calendar(changes) = setup.openings {
            replaceCalendar = true
            for change in changes {
                items.append(Item(place: .init(time: change.time, sequence: 0), sub: sub, step: .calendar(change.channel, open: change.open)))
                sub += 1
            }
        } else {
            replaceCalendar = false
        }
        var addedLive = Set<String>()
        for item in recording.actions {
            func add(_ step: Step) {
                items.append(Item(place: item.place, sub: sub, step: step))
                sub += 1
            }
            switch item.action {
            case let .arrive(index): add(.arrive(index))
            case let .abandon(index): add(.abandon(index))
            case let .presence(name, presence):
                for target in followers[name] ?? [] { add(.presence(target, presence)) }
                if addedLive.contains(name) { add(.presence(name, presence)) }
            case let .addAgent(spec):
                addedLive.insert(spec.name)
                add(.addAgent(spec))
            case let .updateAgent(spec): add(.updateAgent(spec))
            case let .removeAgent(name): add(.removeAgent(name))
            case let .channels(channels, open, byCalendar, until):
                if replaceCalendar && byCalendar { break }
                add(.channels(channels, open: open, override: replaceCalendar))
                if replaceCalendar, let until {
                    items.append(Item(place: .init(time: until, sequence: 0), sub: sub, step: .followHours(channels)))
                    sub += 1
                }
            case let .followHours(channels):
                if replaceCalendar { add(.followHours(channels)) }
            case let .adapterLost(adapter, until, includingHeld): add(.adapterLost(adapter, until: until, includingHeld: includingHeld))
            case let .adapterSynced(adapter): add(.adapterSynced(adapter))
            }
        }
        items.sort { a, b in a.place != b.place ? a.place < b.place : a.sub < b.sub }
    }

    // MARK: - Running

    mutating func run() -> Replay.Outcome {
        var ignored: [Event] = []
        for agent in setup.agents {
            let id = AgentID(nextAgent)
            nextAgent += 1
            var profile = agent.profile
            profile.id = id
            do { try engine.apply(.addAgent(profile), at: 0, into: &ignored) } catch {
                notes.append("agent \(agent.name) left out: \(error)")
                continue
            }
            agentIDs[agent.name] = id
            agentNames[id.rawValue] = agent.name
            tally.addAgent(id, department: profile.department.index, capacity: profile.capacity)
        }
        let end = setup.window.to
        var next = 0
        let total = items.count
        while true {
            let item = next < items.count ? items[next] : nil
            let modelled = pending.min
            let takeItem: Bool
            switch (item, modelled) {
            case (nil, nil): takeItem = false
            case let (item?, modelled?): takeItem = (item.place.time, item.place.sequence) <= (modelled.time, modelled.key)
            case (_?, nil): takeItem = true
            case (nil, _?): takeItem = false
            }
            let time = takeItem ? item!.place.time : (modelled?.time ?? .infinity)
            // The engine's timers due first, one deadline at a time: what they cause (an offer
            // and its answer) may come before the next item.
            if let due = engine.nextDeadline(), due <= time, due <= end {
                events.removeAll(keepingCapacity: true)
                engine.advance(to: due, into: &events)
                handle(events, at: due)
                continue
            }
            guard time <= end else { break }
            if takeItem {
                perform(item!.step, at: time)
                next += 1
                if next % 65_536 == 0 { progress?(next, total) }
            } else {
                let command = pending.popMin()!
                perform(command)
            }
        }
        fireTimers(upTo: end)
        progress?(total, total)
        // Offers the record has and the replay never made.
        if exactness.firstDifference == nil {
            for (index, contact) in recording.contacts.enumerated() where Int(offersMade[index]) < contact.offers.count {
                let missing = contact.offers[Int(offersMade[index])]
                exactness.firstDifference = "contact '\(contact.name)': recorded an offer to \(missing.agent) at \(missing.time), the replay made none"
                break
            }
        }
        let result = tally.finish(at: end)
        let groups = Dictionary(setup.agents.map { ($0.name, $0.group) }, uniquingKeysWith: { first, _ in first })
        let agents = tally.agentOrder.map { id -> Replay.MeasuredAgent in
            let name = agentNames[id.rawValue] ?? id.description
            return Replay.MeasuredAgent(name: name, department: tally.agentDepartments[id.rawValue] ?? nil, group: groups[name] ?? nil)
        }
        return Replay.Outcome(result: result, agents: agents, exactness: exactness, notes: notes, offers: offers, contacts: traces)
    }

    /// Fires the engine's timers due by `time`, one deadline at a time.
    mutating func fireTimers(upTo time: Double) {
        while let due = engine.nextDeadline(), due <= time {
            events.removeAll(keepingCapacity: true)
            engine.advance(to: due, into: &events)
            handle(events, at: due)
        }
    }

    /// Applies a command; a refusal means the replay's state differs from the record's there
    /// (a what-if), so the command is let go.
    @discardableResult
    mutating func apply(_ command: Command, at time: Double) -> Bool {
        events.removeAll(keepingCapacity: true)
        do { try engine.apply(command, at: time, into: &events) } catch {
            handle(events, at: time)
            return false
        }
        handle(events, at: time)
        return true
    }

    mutating func perform(_ step: Step, at time: Double) {
        switch step {
        case let .arrive(index):
            let contact = recording.contacts[index]
            let id = ContactID(UInt64(index + 1))
            events.removeAll(keepingCapacity: true)
            do {
                try engine.apply(.arrive(ContactArrival(id: id, channel: contact.channel, topic: topics[index], segment: contact.segment,
                                                        priority: contact.priority)), at: time, into: &events)
            } catch {
                notes.append("contact '\(contact.name)' left out: \(error)")
                return
            }
            if engine.state(of: id) != nil { openByOwner[contact.owner, default: []].insert(id.rawValue) }
            tally.arrive(id, channel: contact.channel, topic: topics[index], segment: contact.segment, at: time, events)
            react(events, at: time)
        case let .abandon(index):
            let id = ContactID(UInt64(index + 1))
            guard let state = engine.state(of: id), state == .queued || state == .offered || state == .callbackScheduled else { return }
            apply(.abandon(id), at: time)
        case let .presence(name, presence):
            guard let id = agentIDs[name] else { return }
            apply(.setPresence(id, presence), at: time)
        case let .addAgent(spec):
            guard agentIDs[spec.name] == nil else {
                notes.append("agent \(spec.name), added live, was already there: its addition left out")
                return
            }
            guard let profile = profile(spec, id: AgentID(nextAgent)) else { return }
            nextAgent += 1
            if apply(.addAgent(profile), at: time) {
                agentIDs[spec.name] = profile.id
                agentNames[profile.id.rawValue] = spec.name
                tally.addAgent(profile.id, department: profile.department.index, capacity: profile.capacity)
            }
        case let .updateAgent(spec):
            guard let id = agentIDs[spec.name], let profile = profile(spec, id: id) else { return }
            if apply(.updateAgent(profile), at: time) {
                tally.updateAgent(id, department: profile.department.index, capacity: profile.capacity)
            } else {
                notes.append("agent \(spec.name): a live change left out (it held more than its new capacity)")
            }
        case let .removeAgent(name):
            guard let id = agentIDs[name] else { return }
            if apply(.removeAgent(id), at: time) {
                agentIDs[name] = nil
            } else {
                notes.append("agent \(name): removed live at \(time) while holding contacts here; logged out instead")
                apply(.setPresence(id, .offline), at: time)
            }
        case let .channels(channels, open, override):
            for channel in channels {
                if override { overridden[channel] = true }
                apply(.setChannelOpen(channel, open), at: time)
            }
        case let .calendar(channel, open):
            calendarOpen[channel] = open
            if !overridden[channel] { apply(.setChannelOpen(channel, open), at: time) }
        case let .followHours(channels):
            for channel in channels {
                overridden[channel] = false
                if let open = calendarOpen[channel] { apply(.setChannelOpen(channel, open), at: time) }
            }
        case let .adapterLost(adapter, until, includingHeld):
            for hold in engine.holds(of: openByOwner[adapter] ?? [], until: until, includingHeld: includingHeld) { apply(hold, at: time) }
        case let .adapterSynced(adapter):
            for resume in engine.resumes(of: openByOwner[adapter] ?? []) { apply(resume, at: time) }
        }
    }

    mutating func perform(_ command: Pending) {
        let contact = ContactID(command.contact)
        guard let snapshot = engine.contact(contact) else { return }
        switch command.kind {
        case .accept, .reject:
            guard snapshot.state == .offered, snapshot.agent?.rawValue == command.agent else { return }
            apply(command.kind == .accept ? .accept(contact, AgentID(command.agent)) : .reject(contact, AgentID(command.agent)), at: command.time)
        case .complete:
            guard snapshot.state == .connected else { return }
            apply(.complete(contact), at: command.time)
        }
    }

    /// An agent of the record in the replay's center: its department and skills by name.
    mutating func profile(_ spec: Recording.AgentSpec, id: AgentID) -> AgentProfile? {
        guard let department = setup.center.department(named: spec.department) else {
            notes.append("agent \(spec.name), added live, left out: the center has no department '\(spec.department)'")
            return nil
        }
        var skills: [SkillLevel] = []
        for (name, level) in spec.skills.sorted(by: { $0.key < $1.key }) {
            guard let skill = setup.center.skill(named: name) else {
                notes.append("agent \(spec.name), added live: skill '\(name)' left out (the center has no such skill)")
                continue
            }
            skills.append(SkillLevel(skill, level))
        }
        return AgentProfile(id: id, department: department, skills: skills, capacity: spec.capacity)
    }

    // MARK: - Events

    /// Measures and reacts to events at `time`.
    mutating func handle(_ events: [Event], at time: Double) {
        tally.observe(events, at: time)
        react(events, at: time)
    }

    /// Models what the record says follows an event: the answer to an offer, the end of a
    /// conversation.
    mutating func react(_ events: [Event], at time: Double) {
        if keepDetails { trace(events, at: time) }
        for event in events {
            switch event {
            case let .offered(contact, agent, _, _):
                offered(Int(contact.rawValue) - 1, agent: agent, at: time)
            case let .connected(contact, _, _):
                connected(Int(contact.rawValue) - 1, at: time)
            case let .abandoned(contact, _, _), let .closed(contact), let .wrapUpEnded(contact, _):
                let index = Int(contact.rawValue) - 1
                if recording.contacts.indices.contains(index) { openByOwner[recording.contacts[index].owner]?.remove(contact.rawValue) }
            default:
                break
            }
        }
    }

    /// Notes each recorded contact's fate (`keepDetails`).
    mutating func trace(_ events: [Event], at time: Double) {
        if traces.isEmpty { traces = Array(repeating: Replay.ContactTrace(), count: recording.contacts.count) }
        for event in events {
            switch event {
            case let .connected(contact, _, _): traces[Int(contact.rawValue) - 1].connected = time
            case let .completed(contact, _): traces[Int(contact.rawValue) - 1].completed = time
            case let .abandoned(contact, _, _): traces[Int(contact.rawValue) - 1].abandoned = time
            case let .closed(contact): traces[Int(contact.rawValue) - 1].closed = true
            default: break
            }
        }
    }

    mutating func push(_ kind: Pending.Kind, at time: Double, key: Int64, contact: Int, agent: AgentID = AgentID(0)) {
        order += 1
        pending.insert(Pending(time: time, key: key, order: order, kind: kind, contact: UInt64(contact + 1), agent: agent.rawValue))
    }

    mutating func offered(_ index: Int, agent: AgentID, at time: Double) {
        guard recording.contacts.indices.contains(index) else { return }
        let contact = recording.contacts[index]
        let name = agentNames[agent.rawValue] ?? agent.description
        // The exactness check: the n-th offer of the contact, against the record's n-th.
        let made = Int(offersMade[index])
        offersMade[index] += 1
        exactness.replayedOffers += 1
        if made < contact.offers.count, contact.offers[made].agent == name, contact.offers[made].time == time {
            exactness.matching += 1
        } else if exactness.firstDifference == nil {
            let recorded = made < contact.offers.count ? "\(contact.offers[made].agent) at \(contact.offers[made].time)" : "no such offer"
            exactness.firstDifference = "contact '\(contact.name)', offer \(made + 1): recorded \(recorded), replayed \(name) at \(time)"
        }
        if keepDetails { offers.append(Replay.OfferMade(contact: index, agent: name, time: time)) }
        // The answer: the record's for the n-th offer of this contact to this agent.
        let occurrence = offersToAgent[index, default: [:]][name, default: 0]
        offersToAgent[index, default: [:]][name] = occurrence + 1
        var seen = 0
        for offer in contact.offers where offer.agent == name {
            defer { seen += 1 }
            guard seen == occurrence else { continue }
            switch offer.response {
            case let .accepted(place): push(.accept, at: time == offer.time ? place.time : time + (place.time - offer.time), key: place.sequence, contact: index, agent: agent)
            case let .rejected(place): push(.reject, at: time == offer.time ? place.time : time + (place.time - offer.time), key: place.sequence, contact: index, agent: agent)
            case .expired, .none: break
            }
            return
        }
        // An offer the record does not have: answered as its agent answered the recorded ones,
        // in turn; an agent with none accepts after the contact's ring delay.
        let source = answersOf[name] ?? name
        if let given = answers[source], !given.isEmpty {
            let turn = answersGiven[name, default: 0]
            answersGiven[name] = turn + 1
            switch given[turn % given.count] {
            case let .accept(delay): push(.accept, at: time + delay, key: .max, contact: index, agent: agent)
            case let .reject(delay): push(.reject, at: time + delay, key: .max, contact: index, agent: agent)
            case .none: break  // the center's offer timeout ends it
            }
            return
        }
        let delay = contact.ringDelay ?? meanRingDelay[contact.channel] ?? 0
        push(.accept, at: time + delay, key: .max, contact: index, agent: agent)
    }

    mutating func connected(_ index: Int, at time: Double) {
        guard recording.contacts.indices.contains(index) else { return }
        let contact = recording.contacts[index]
        if let recordedConnection = contact.connected {
            // Handled as long as it was; one never completed in the record stays in conversation.
            guard let completed = contact.completed else { return }
            let end = time == recordedConnection ? completed.time : time + (completed.time - recordedConnection)
            push(.complete, at: end, key: completed.sequence, contact: index)
            return
        }
        let topic = topics[index]
        let handle = meanHandle[topic.index * 4 + contact.channel.rawValue] ?? meanHandleByChannel[contact.channel]
            ?? setup.defaultHandleTime(contact.channel, topic)
        push(.complete, at: time + handle, key: .max, contact: index)
    }
}
