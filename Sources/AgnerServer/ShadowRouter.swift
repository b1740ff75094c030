import AgnerCore
import AgnerProtocol

/// Shadow mode: a candidate center configuration routes the same live traffic beside the real
/// router, without acting. It gets the same arrivals, abandons, agent presence and channel
/// openings; it makes its own decisions, assuming each of its offers is accepted after the live
/// mean ring of its channel and the contact handled as long as the real one was. It sends nothing to adapters. Both sides
/// are measured the same way, so a supervisor sees live against candidate.
///
/// What it cannot know, it assumes (docs/protocol.md, "Shadow mode"): a contact the real
/// router never connected (it was abandoned there) but the candidate did is handled for the
/// mean handle time of its channel seen so far; a contact still in conversation in the real
/// router is in conversation in the shadow too until the real one ends. Its figures start when
/// the service starts (a restart starts them again).
final class ShadowRouter {
    /// The figures of one side, per channel, since the service started.
    struct Figures: Sendable {
        var offered = 0
        var answered = 0
        var answeredWithinTarget = 0
        var abandoned = 0
        var waitSum = 0.0
        /// Answered by an agent outside the department that owns the contact's topic.
        var outsideOwner = 0
    }

    let center: CenterConfiguration
    var engine: RoutingEngine
    /// Contacts by the live router's engine id (stable for a contact's life), and back; the
    /// shadow's engine ids are its own.
    var contactIDs: [UInt64: ContactID] = [:]
    var contactNames: [UInt64: UInt64] = [:]
    var nextContact: UInt64 = 1
    var agentIDs: [String: AgentID] = [:]
    var agentNames: [UInt64: String] = [:]
    var agentDepartments: [UInt64: Int] = [:]
    var live = PerChannel(repeating: Figures())
    var candidate = PerChannel(repeating: Figures())
    /// The first agent each side offered a contact to (by name), until both are known.
    var firstOffer: [UInt64: (live: String?, candidate: String?)] = [:]
    /// Contacts whose first offers were compared already.
    var decided: Set<UInt64> = []
    /// Each open contact's channel, and its answer target and owning department in the live
    /// center, from its arrival until the real one ends.
    var info: [UInt64: (channel: Channel, liveTarget: Double, liveOwner: Int, arrival: Double)] = [:]
    var decisions = 0
    var agreed = 0
    /// When the real and the shadow contact connected, and how long real contacts were handled.
    var realConnected: [UInt64: Double] = [:]
    var shadowConnected: [UInt64: Double] = [:]
    var realDuration: [UInt64: Double] = [:]
    var handleTotals = PerChannel(repeating: (sum: 0.0, count: 0))
    /// Live offers out (contact → when), and the rings of answered ones (offer to connection):
    /// the shadow's agents answer after the live mean ring of the channel, so neither side
    /// gains the ring the other pays.
    var liveOfferedAt: [UInt64: Double] = [:]
    var liveRing: [UInt64: Double] = [:]
    var ringTotals = PerChannel(repeating: (sum: 0.0, count: 0))
    /// Shadow offers made in the current command, answered once `settle` knows the live ring.
    var unsettled: [(contact: UInt64, agent: UInt64, at: Double)] = []
    /// Shadow offers waiting for the live ring of the same contact (it is ringing live now).
    var awaitingLiveRing: [UInt64: (agent: UInt64, offeredAt: Double)] = [:]
    /// Shadow completions to apply, by time (then arrival order for ties).
    var completions = BinaryHeap<Completion>()
    var completionSequence: UInt64 = 0

    /// A shadow completion, or (with `acceptBy`) the shadow agent answering its offer.
    struct Completion: Comparable {
        var time: Double
        var sequence: UInt64
        var contact: UInt64
        var acceptBy: UInt64? = nil
        static func < (a: Self, b: Self) -> Bool { a.time != b.time ? a.time < b.time : a.sequence < b.sequence }
    }

    /// - Parameters:
    ///   - center: the candidate configuration (its offers are answered after the live ring).
    ///   - agents: the candidate's agents; those the live center also has are matched by name.
    init(center: CenterConfiguration, agents: [LiveRouter.Agent]) throws(EngineError) {
        var configuration = center
        configuration.acceptsOffersAtOnce = false
        configuration.offerTimeout = nil
        self.center = configuration
        engine = RoutingEngine(configuration: configuration)
        var ignored: [Event] = []
        for (index, agent) in agents.enumerated() {
            let id = AgentID(UInt64(index + 1))
            var profile = agent.profile
            profile.id = id
            try engine.apply(.addAgent(profile), at: 0, into: &ignored)
            agentIDs[agent.name] = id
            agentNames[id.rawValue] = agent.name
            agentDepartments[id.rawValue] = agent.profile.department.index
        }
    }

    // MARK: - What the real router saw

    /// A contact the real router kept; its topic by name (the candidate may order topics otherwise).
    func arrive(_ name: UInt64, channel: Channel, topic topicName: String, segment: Segment, priority: Int,
                liveTarget: Double, liveOwner: Int, at time: Double) {
        info[name] = (channel, liveTarget, liveOwner, time)
        guard let topic = center.topic(named: topicName) else { return }
        let id = ContactID(nextContact)
        nextContact += 1
        contactIDs[name] = id
        contactNames[id.rawValue] = name
        apply(.arrive(ContactArrival(id: id, channel: channel, topic: topic, segment: segment, priority: priority)), at: time)
        if engine.state(of: id) != nil { candidate[channel].offered += 1 }
    }

    /// An agent's presence changed in the real center. Called after the real router's events
    /// of the change were observed, so the offers it makes here are settled at once.
    func setPresence(_ agent: String, _ presence: Presence, at time: Double) {
        guard let id = agentIDs[agent] else { return }
        apply(.setPresence(id, presence), at: time)
        settle()
    }

    /// A channel opened or closed in the real center (after its events were observed, as above).
    func setChannelOpen(_ channel: Channel, _ open: Bool, at time: Double) {
        apply(.setChannelOpen(channel, open), at: time)
        settle()
    }

    /// A real event, with the real router's names for its contact and agent.
    func observe(_ event: Event, contact: UInt64?, agent: String?, department: Int?, at time: Double) {
        switch event {
        case .offered:
            guard let contact, let agent else { return }
            liveOfferedAt[contact] = time
            noteFirstOffer(contact, live: agent)
        case let .connected(_, _, waited):
            guard let contact, let known = info[contact] else { return }
            realConnected[contact] = time
            if let offered = liveOfferedAt.removeValue(forKey: contact) {
                let ring = time - offered
                liveRing[contact] = ring
                ringTotals[known.channel].sum += ring
                ringTotals[known.channel].count += 1
                if let waiting = awaitingLiveRing.removeValue(forKey: contact) {
                    scheduleAccept(contact, by: waiting.agent, at: max(time, waiting.offeredAt + ring))
                }
            }
            count(&live[known.channel], waited: waited, target: known.liveTarget, outsideOwner: department.map { $0 != known.liveOwner } ?? false)
        case .completed:
            guard let contact, let connected = realConnected.removeValue(forKey: contact) else { return }
            let duration = time - connected
            if let channel = info[contact]?.channel {
                handleTotals[channel].sum += duration
                handleTotals[channel].count += 1
            }
            realEnded(contact)
            finishShadow(contact, afterHandling: duration, now: time)
        case let .abandoned(_, _, cause):
            guard let contact, let channel = info[contact]?.channel else { return }
            defer { realEnded(contact) }  // after the shadow's side, which counts by the contact's channel
            if cause == .customer { live[channel].abandoned += 1 }
            // The customer hung up in the real center: in the shadow too, unless answered there.
            if let id = contactIDs[contact], let state = engine.state(of: id), state.isWaiting || state == .offered {
                apply(.abandon(id), at: time)
                forget(contact)
            } else if shadowConnected[contact] != nil {
                let mean = handleTotals[channel].count > 0 ? handleTotals[channel].sum / Double(handleTotals[channel].count) : 300
                finishShadow(contact, afterHandling: mean, now: time)
            }
        case .closed:
            if let contact { realEnded(contact) }
        default:
            break
        }
    }

    /// The real contact ended: what only the comparison kept of it goes (the shadow's side
    /// keeps its own until its contact ends).
    private func realEnded(_ contact: UInt64) {
        info[contact] = nil
        realConnected[contact] = nil
        liveOfferedAt[contact] = nil
        liveRing[contact] = nil
        awaitingLiveRing[contact] = nil
        if contactIDs[contact] == nil {
            firstOffer[contact] = nil
            decided.remove(contact)
        }
    }

    /// The live side's count of an arrival it kept (the router calls it with the arrival).
    func countLiveOffered(_ channel: Channel) { live[channel].offered += 1 }

    // MARK: - Time

    /// The shadow's next timer (its engine's, or a completion), Unix seconds.
    func nextDeadline() -> Double? {
        let engineNext = engine.nextDeadline()
        let completion = completions.min?.time
        switch (engineNext, completion) {
        case let (a?, b?): return min(a, b)
        case let (a, b): return a ?? b
        }
    }

    /// Fires what fell due by `time`: engine timers and completions, in time order.
    func advance(to time: Double) {
        while let next = completions.min, next.time <= time {
            completions.popMin()
            apply(nil, at: next.time)
            guard let id = contactIDs[next.contact] else { continue }
            if let agent = next.acceptBy {
                if engine.state(of: id) == .offered { apply(.accept(id, AgentID(agent)), at: next.time) }
            } else if engine.state(of: id) == .connected {
                apply(.complete(id), at: next.time)
            }
        }
        apply(nil, at: time)
        settle()  // offers made by the shadow's own timers (the live events of the moment came first)
    }

    // MARK: - Figures

    /// Live against candidate, per channel and over real-time channels, and how often they agreed.
    ///
    /// The service level is the wallboard's (`stats`): answered within target ÷ contacts with a
    /// known outcome, i.e. offered less those still waiting within their target, on each side.
    func figures(now: Double) -> WireValue {
        // Contacts still waiting within their target, per channel, on each side.
        var liveWithin = PerChannel(repeating: 0), candidateWithin = PerChannel(repeating: 0)
        for (contact, known) in info where realConnected[contact] == nil && now - known.arrival < known.liveTarget {
            liveWithin[known.channel] += 1
        }
        for id in contactIDs.values {
            guard let state = engine.state(of: id), state.isWaiting || state == .offered,
                  let snapshot = engine.contact(id), now < snapshot.deadline else { continue }
            candidateWithin[snapshot.channel] += 1
        }
        func side(_ figures: PerChannel<Figures>, within: PerChannel<Int>) -> WireValue {
            .array(Channel.allCases.map { channel in
                let f = figures[channel]
                let known = f.offered - within[channel]
                return .object([
                    ("channel", .string(channel.name)), ("offered", .int(f.offered)), ("answered", .int(f.answered)),
                    ("abandoned", .int(f.abandoned)),
                    ("service_level", known > 0 ? .double(Double(f.answeredWithinTarget) / Double(known)) : .null),
                    ("average_speed_of_answer_s", f.answered > 0 ? .double(f.waitSum / Double(f.answered)) : .null),
                    ("abandon_rate", f.offered > 0 ? .double(Double(f.abandoned) / Double(f.offered)) : .null),
                    ("answered_outside_owner", f.answered > 0 ? .double(Double(f.outsideOwner) / Double(f.answered)) : .null),
                ])
            })
        }
        return .object([
            ("live", side(live, within: liveWithin)), ("candidate", side(candidate, within: candidateWithin)),
            ("decisions_compared", .int(decisions)),
            ("decisions_agreed", decisions > 0 ? .double(Double(agreed) / Double(decisions)) : .null),
        ])
    }

    // MARK: - Inside

    private func apply(_ command: Command?, at time: Double) {
        var events: [Event] = []
        let when = max(time, engine.now)
        if let command {
            do { try engine.apply(command, at: when, into: &events) } catch { return }
        } else {
            engine.advance(to: when, into: &events)
        }
        for event in events { shadowEvent(event, at: engine.now) }
    }

    private func shadowEvent(_ event: Event, at time: Double) {
        switch event {
        case let .offered(c, a, _, _):
            guard let contact = contactNames[c.rawValue] else { return }
            if let agent = agentNames[a.rawValue] { noteFirstOffer(contact, candidate: agent) }
            // When it is answered is settled once the real router's events of the same moment
            // are seen (they come after the shadow's): see `settle`.
            unsettled.append((contact, a.rawValue, time))
        case let .connected(c, a, waited):
            guard let contact = contactNames[c.rawValue], let snapshot = engine.contact(c) else { return }
            shadowConnected[contact] = time
            let owner = center.topics[snapshot.topic.index].owningDepartment.index
            count(&candidate[snapshot.channel], waited: waited, target: snapshot.deadline - snapshot.arrival,
                  outsideOwner: agentDepartments[a.rawValue].map { $0 != owner } ?? false)
            // The real contact already ended: the shadow's is handled as long.
            if let duration = realDuration.removeValue(forKey: contact) { schedule(contact, at: time + duration) }
        case let .abandoned(c, _, _):
            if let contact = contactNames[c.rawValue], let channel = info[contact]?.channel { candidate[channel].abandoned += 1 }
            if let contact = contactNames[c.rawValue] { forget(contact) }
        case let .wrapUpEnded(c, _), let .closed(c):
            if let contact = contactNames[c.rawValue] { forget(contact) }
        default:
            break
        }
    }

    private func finishShadow(_ contact: UInt64, afterHandling duration: Double, now: Double) {
        if let connected = shadowConnected[contact] {
            schedule(contact, at: max(now, connected + duration))
        } else if contactIDs[contact] != nil {
            realDuration[contact] = duration  // applied when the shadow connects it
        }
    }

    /// Settles when the shadow's new offers are answered, after the real router's events of
    /// the same command were observed: after the ring the same contact had live (known once it
    /// connected there, awaited while it rings there), else after the channel's mean live ring
    /// so far (at once until one is seen). So neither side gains the ring the other pays.
    func settle() {
        guard !unsettled.isEmpty else { return }
        for offer in unsettled {
            guard let id = contactIDs[offer.contact], engine.state(of: id) == .offered else { continue }
            if let ring = liveRing[offer.contact] {
                scheduleAccept(offer.contact, by: offer.agent, at: offer.at + ring)
            } else if liveOfferedAt[offer.contact] != nil {
                awaitingLiveRing[offer.contact] = (offer.agent, offer.at)
            } else if let channel = engine.contact(id)?.channel {
                let totals = ringTotals[channel]
                scheduleAccept(offer.contact, by: offer.agent, at: offer.at + (totals.count > 0 ? totals.sum / Double(totals.count) : 0))
            }
        }
        unsettled.removeAll(keepingCapacity: true)
    }

    private func scheduleAccept(_ contact: UInt64, by agent: UInt64, at time: Double) {
        completionSequence += 1
        completions.insert(Completion(time: time, sequence: completionSequence, contact: contact, acceptBy: agent))
    }

    private func schedule(_ contact: UInt64, at time: Double) {
        completionSequence += 1
        completions.insert(Completion(time: time, sequence: completionSequence, contact: contact))
    }

    private func noteFirstOffer(_ contact: UInt64, live agent: String? = nil, candidate shadowAgent: String? = nil) {
        guard !decided.contains(contact) else { return }
        var entry = firstOffer[contact] ?? (nil, nil)
        if entry.live == nil, let agent { entry.live = agent }
        if entry.candidate == nil, let shadowAgent { entry.candidate = shadowAgent }
        if let a = entry.live, let b = entry.candidate {
            decisions += 1
            if a == b { agreed += 1 }
            firstOffer[contact] = nil
            decided.insert(contact)
        } else {
            firstOffer[contact] = entry
        }
    }

    private func count(_ figures: inout Figures, waited: Double, target: Double, outsideOwner: Bool) {
        figures.answered += 1
        figures.waitSum += waited
        if waited <= target { figures.answeredWithinTarget += 1 }
        if outsideOwner { figures.outsideOwner += 1 }
    }

    /// The shadow's contact ended (its side of the bookkeeping; the real side keeps `info`
    /// until the real contact ends).
    private func forget(_ contact: UInt64) {
        if let id = contactIDs.removeValue(forKey: contact) { contactNames[id.rawValue] = nil }
        shadowConnected[contact] = nil
        realDuration[contact] = nil
        firstOffer[contact] = nil
        decided.remove(contact)
    }
}
