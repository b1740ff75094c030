extension RoutingEngine {
    mutating func arrive(_ arrival: ContactArrival, into events: inout [Event]) throws(EngineError) {
        guard contactSlots[arrival.id.rawValue] == nil else { throw .duplicateContact(arrival.id) }
        guard configuration.topics.indices.contains(arrival.topic.index) else { throw .unknownTopic(arrival.topic.index) }
        guard DomainLimits.priority.contains(arrival.priority) else {
            throw .invalidValue("priority \(arrival.priority) is outside \(DomainLimits.priority.lowerBound)–\(DomainLimits.priority.upperBound)")
        }
        let channel = arrival.channel
        let isOpen = channelOpen[channel]
        if !isOpen && channelOutOfHours[channel] == .close {
            events.append(.closed(arrival.id))
            return
        }

        let slot = allocateContactSlot()
        let target = answerTargets[arrival.topic.index &* 4 &+ channel.rawValue]
        arrivalSequence &+= 1
        var record = contacts[Int(slot)]
        record.id = arrival.id
        record.channel = channel
        record.topic = Int32(arrival.topic.index)
        record.segment = arrival.segment
        record.priority = Int8(arrival.priority)
        record.isCallback = !isOpen && channelOutOfHours[channel] == .callbackAtOpening
        record.held = false
        record.awaitingOpening = false
        record.state = record.isCallback ? .callbackScheduled : .queued
        record.step = 0
        // Unreported, a warning would change nothing: no timer for it.
        record.warned = omittedEvents.contains(.breachWarnings)
        record.breached = false
        record.arrivedOutOfHours = !isOpen
        record.missedOffers = 0
        record.arrival = now
        record.deadline = now + target
        record.effectiveDeadline = record.deadline
            - configuration.segmentHeadStart[arrival.segment]
            - Double(arrival.priority) * configuration.priorityHeadStart
        record.sequence = arrivalSequence
        record.agent = -1
        record.bucket = -1
        contacts[Int(slot)] = record
        contactSlots[arrival.id.rawValue] = slot

        if record.isCallback { events.append(.callbackScheduled(arrival.id)) }
        if !isOpen {
            // Kept while closed (e-mail, click-to-call): offered when the channel opens.
            contacts[Int(slot)].awaitingOpening = true
            awaitingOpening[channel].append(OpeningWaiter(slot: slot, sequence: record.sequence))
            events.append(.queued(arrival.id, step: 0))
        } else if !routeWaitingContact(slot, into: &events) {
            enqueue(slot)
            events.append(.queued(arrival.id, step: 0))
        }
        // A contact answered on arrival needs no clock.
        if contacts[Int(slot)].state != .connected { scheduleClock(slot) }
    }

    mutating func accept(_ id: ContactID, by agentID: AgentID, into events: inout [Event]) throws(EngineError) {
        let (slot, agent) = try offeredPair(id, agentID)
        connect(slot, agent: agent, into: &events)
    }

    /// The offered contact is answered.
    mutating func connect(_ slot: Int32, agent: Int32, into events: inout [Event]) {
        // Through the records' addresses: one index check each (valid up to `refreshAgent`).
        let contact = contacts.address(of: Int(slot))
        let record = agents.address(of: Int(agent))
        contact.pointee.state = .connected
        contact.pointee.answeredAt = now
        contact.pointee.linkVersion &+= 1  // the offer timeout no longer applies
        contact.pointee.clockVersion &+= 1  // answered: no more escalation or breach
        record.pointee.offers -= 1
        record.pointee.connected += 1
        events.append(.connected(contact.pointee.id, record.pointee.profile.id, waited: now - contact.pointee.arrival))
        refreshAgent(agent, into: &events)
    }

    mutating func reject(_ id: ContactID, by agentID: AgentID, into events: inout [Event]) throws(EngineError) {
        let (slot, agent) = try offeredPair(id, agentID)
        events.append(.offerRejected(id, agentID))
        missOffer(slot: slot, agent: agent, into: &events)
    }

    mutating func expireOffer(slot: Int32, into events: inout [Event]) {
        let contact = contacts[Int(slot)]
        let agent = contact.agent
        events.append(.offerExpired(contact.id, agents[Int(agent)].profile.id))
        missOffer(slot: slot, agent: agent, into: &events)
    }

    /// A rejected or expired offer: the contact goes back in line with its original arrival
    /// and deadline, and is tried on other agents before the one who missed it.
    ///
    /// The agent's own request is kept: one who asked for a break or to log out while the offer
    /// rang goes there; one still available becomes `notResponding` (or, under
    /// `MissedOfferRule.available`, stays available and may get the next contact).
    private mutating func missOffer(slot: Int32, agent: Int32, into events: inout [Event]) {
        releaseOffer(slot: slot, agent: agent)
        contacts[Int(slot)].missedOffers += 1
        contacts[Int(slot)].state = contacts[Int(slot)].isCallback ? .callbackScheduled : .queued
        catchUpEscalation(slot, into: &events)
        let staysAvailable = configuration.missedOffer == .available
        if !staysAvailable && agents[Int(agent)].presence == .available { agents[Int(agent)].notResponding = true }
        if staysAvailable {
            // Not free for this routing: the contact is tried on other agents first.
            agents[Int(agent)].notResponding = true
            refreshAgent(agent, into: &events)
            agents[Int(agent)].notResponding = false
        } else {
            refreshAgent(agent, into: &events)
        }
        if !routeWaitingContact(slot, into: &events) {
            enqueue(slot)
            events.append(.queued(contacts[Int(slot)].id, step: Int(contacts[Int(slot)].step)))
        }
        scheduleClock(slot)
        if staysAvailable {
            refreshAgent(agent, into: &events)
            routeAgent(agent, into: &events)
        }
    }

    /// Takes the offer back from the agent: the capacity it reserved is free again.
    private mutating func releaseOffer(slot: Int32, agent: Int32) {
        let channel = contacts[Int(slot)].channel
        contacts[Int(slot)].agent = -1
        contacts[Int(slot)].linkVersion &+= 1
        agents[Int(agent)].offers -= 1
        agents[Int(agent)].used[channel] -= 1
        agents[Int(agent)].usedTotal -= 1
    }

    mutating func abandon(_ id: ContactID, into events: inout [Event]) throws(EngineError) {
        guard let slot = contactSlots[id.rawValue] else { throw .unknownContact(id) }
        let contact = contacts[Int(slot)]
        switch contact.state {
        case .queued, .callbackScheduled:
            leaveBucket(slot)
            events.append(.abandoned(id, waited: now - contact.arrival, cause: .customer))
            releaseContact(slot)
        case .offered:
            let agent = contact.agent
            releaseOffer(slot: slot, agent: agent)
            events.append(.abandoned(id, waited: now - contact.arrival, cause: .customer))
            releaseContact(slot)
            refreshAgent(agent, into: &events)
            routeAgent(agent, into: &events)
        default:
            throw .contactNotInState(id, contact.state, .abandon)
        }
    }

    mutating func hold(_ id: ContactID, abandonAt: Seconds?, into events: inout [Event]) throws(EngineError) {
        guard let slot = contactSlots[id.rawValue] else { throw .unknownContact(id) }
        let contact = contacts[Int(slot)]
        if let abandonAt, !abandonAt.isFinite {
            throw .invalidValue("a hold must end at a finite time, not \(abandonAt)")
        }
        switch contact.state {
        case .queued, .callbackScheduled:
            if !contact.held {
                leaveBucket(slot)
                contacts[Int(slot)].held = true
                events.append(.held(id))
            }
        case .offered:
            let agent = contact.agent
            releaseOffer(slot: slot, agent: agent)
            contacts[Int(slot)].state = contact.isCallback ? .callbackScheduled : .queued
            contacts[Int(slot)].held = true
            events.append(.offerWithdrawn(id, agents[Int(agent)].profile.id))
            events.append(.held(id))
            // The pool did not widen while the offer rang; the contact's clock catches up.
            catchUpEscalation(slot, into: &events)
            scheduleClock(slot)
            refreshAgent(agent, into: &events)
            routeAgent(agent, into: &events)
        case .connected:
            // The conversation goes on; if the hold runs out, it is taken as ended.
            if !contact.held {
                contacts[Int(slot)].held = true
                events.append(.held(id))
            }
        default:
            throw .contactNotInState(id, contact.state, .hold)
        }
        // A new hold replaces the last one's end.
        contacts[Int(slot)].linkVersion &+= 1
        if let abandonAt {
            schedule(.holdExpiry, at: max(abandonAt, now), contact: slot, version: contacts[Int(slot)].linkVersion)
        }
    }

    mutating func resume(_ id: ContactID, into events: inout [Event]) throws(EngineError) {
        guard let slot = contactSlots[id.rawValue] else { throw .unknownContact(id) }
        guard contacts[Int(slot)].held else {
            throw .contactNotInState(id, contacts[Int(slot)].state, .resume)
        }
        contacts[Int(slot)].held = false
        contacts[Int(slot)].linkVersion &+= 1  // the hold's end no longer applies
        events.append(.resumed(id))
        // In conversation, or still waiting for its channel to open: nothing to route now.
        guard contacts[Int(slot)].state.isWaiting, !contacts[Int(slot)].awaitingOpening else { return }
        returnToLine(slot, into: &events)
    }

    /// A contact out of every line comes back: offered at once if an agent is free, else in line.
    private mutating func returnToLine(_ slot: Int32, into events: inout [Event]) {
        // Its step is reported: caught up when escalations go unreported (`nextEscalation`).
        if omittedEvents.contains(.escalations) { catchUpEscalation(slot, into: &events) }
        if !routeWaitingContact(slot, into: &events) {
            enqueue(slot)
            events.append(.queued(contacts[Int(slot)].id, step: Int(contacts[Int(slot)].step)))
        }
        if contacts[Int(slot)].state != .connected { scheduleClock(slot) }
    }

    /// A hold ran out: a waiting contact ends, abandoned because its adapter was gone; one in
    /// conversation is taken as ended (the agent goes into wrap-up).
    mutating func expireHold(slot: Int32, into events: inout [Event]) {
        let contact = contacts[Int(slot)]
        if contact.state == .connected {
            finish(slot, into: &events)
            return
        }
        events.append(.abandoned(contact.id, waited: now - contact.arrival, cause: .adapterLost))
        releaseContact(slot)
    }

    /// Opens or closes a channel. On opening, the contacts kept while it was closed are
    /// offered, in the order they arrived.
    mutating func setChannelOpen(_ channel: Channel, _ open: Bool, into events: inout [Event]) {
        let wasOpen = channelOpen[channel]
        channelOpen[channel] = open
        guard open && !wasOpen else { return }
        // Read in place and emptied keeping its capacity: the list fills again every night.
        // (Nothing below adds to it: the channel is open now.)
        for index in awaitingOpening[channel].indices {
            let waiter = awaitingOpening[channel][index]
            let record = contacts[Int(waiter.slot)]
            guard record.awaitingOpening, record.sequence == waiter.sequence, contactSlots[record.id.rawValue] == waiter.slot else { continue }
            contacts[Int(waiter.slot)].awaitingOpening = false
            guard record.state.isWaiting, !record.held else { continue }
            returnToLine(waiter.slot, into: &events)
        }
        awaitingOpening[channel].removeAll(keepingCapacity: true)
    }

    mutating func complete(_ id: ContactID, into events: inout [Event]) throws(EngineError) {
        guard let slot = contactSlots[id.rawValue] else { throw .unknownContact(id) }
        let contact = contacts[Int(slot)]
        guard contact.state == .connected else {
            throw .contactNotInState(id, contact.state, .complete)
        }
        finish(slot, into: &events)
    }

    /// The conversation ended: the agent goes into wrap-up (or is free at once without one).
    mutating func finish(_ slot: Int32, into events: inout [Event]) {
        // Through the records' addresses: one index check each (valid up to the calls below).
        let contact = contacts.address(of: Int(slot))
        let agent = contact.pointee.agent
        let record = agents.address(of: Int(agent))
        contact.pointee.held = false
        contact.pointee.state = .wrapUp
        record.pointee.connected -= 1
        record.pointee.wrappingUp += 1
        if !omittedEvents.contains(.completions) { events.append(.completed(contact.pointee.id, record.pointee.profile.id)) }
        let wrapUp = channelWrapUps[contact.pointee.channel]
        if wrapUp > 0 {
            contact.pointee.linkVersion &+= 1
            schedule(.wrapUpEnd, at: now + wrapUp, contact: slot, version: contact.pointee.linkVersion)
            refreshAgent(agent, into: &events)
        } else {
            endWrapUp(slot: slot, into: &events)
        }
    }

    mutating func endWrapUp(slot: Int32, into events: inout [Event]) {
        // Through the records' addresses: one index check each (valid up to the calls below).
        let contact = contacts.address(of: Int(slot))
        let agent = contact.pointee.agent
        let channel = contact.pointee.channel
        let record = agents.address(of: Int(agent))
        record.pointee.wrappingUp -= 1
        record.pointee.used[channel] -= 1
        record.pointee.usedTotal -= 1
        record.pointee.idleSince = now
        events.append(.wrapUpEnded(contact.pointee.id, record.pointee.profile.id))
        releaseContact(slot)
        refreshAgent(agent, into: &events)
        routeAgent(agent, into: &events)
    }

    private func offeredPair(_ id: ContactID, _ agentID: AgentID) throws(EngineError) -> (Int32, Int32) {
        guard let slot = contactSlots[id.rawValue] else { throw .unknownContact(id) }
        guard let agent = agentSlots[agentID.rawValue] else { throw .unknownAgent(agentID) }
        let contact = contacts[Int(slot)]
        guard contact.state == .offered, contact.agent == agent else {
            throw .notOffered(id, to: agentID)
        }
        return (slot, agent)
    }

    // MARK: - Slots

    private mutating func allocateContactSlot() -> Int32 {
        if let slot = freeContactSlots.popLast() { return slot }
        contacts.append(ContactRecord())
        return Int32(contacts.count - 1)
    }

    /// The contact reached a terminal state: forget it, and make every entry that names its slot stale.
    private mutating func releaseContact(_ slot: Int32) {
        let contact = contacts.address(of: Int(slot))  // one index check for the fields below
        contactSlots[contact.pointee.id.rawValue] = nil
        contact.pointee.queueVersion &+= 1
        contact.pointee.clockVersion &+= 1
        contact.pointee.linkVersion &+= 1
        contact.pointee.agent = -1
        contact.pointee.bucket = -1
        contact.pointee.held = false
        contact.pointee.awaitingOpening = false
        freeContactSlots.append(slot)
    }

    // MARK: - Lines

    /// Puts a waiting contact in the line of its current step's pool.
    mutating func enqueue(_ slot: Int32) {
        let contact = contacts[Int(slot)]
        let pool = topicPool(topic: contact.topic, channel: contact.channel, step: Int(contact.step))
        contacts[Int(slot)].queueVersion &+= 1
        contacts[Int(slot)].bucket = pool
        let keepsTopUrgency = contact.breached && !contact.isCallback
        pools[Int(pool)].waiting.insert(WaitingEntry(
            breachRank: keepsTopUrgency ? 0 : 1, effectiveDeadline: contact.effectiveDeadline,
            sequence: contact.sequence, contact: slot, version: contacts[Int(slot)].queueVersion))
        pools[Int(pool)].waitingCount += 1
        channelWaiting[contact.channel] += 1
        if Pool.needsCompaction(heapCount: pools[Int(pool)].waiting.count, live: pools[Int(pool)].waitingCount) {
            compactWaiting(pool)
        }
    }

    mutating func leaveBucket(_ slot: Int32) {
        let bucket = contacts[Int(slot)].bucket
        guard bucket >= 0 else { return }
        pools[Int(bucket)].waitingCount -= 1
        channelWaiting[pools[Int(bucket)].channel] -= 1
        contacts[Int(slot)].bucket = -1
        contacts[Int(slot)].queueVersion &+= 1
    }

    // MARK: - The contact's clock: escalation, warning, breach

    /// When the contact's clock next needs attention: the next escalation step (not while an
    /// offer rings), the breach warning, or the deadline.
    mutating func scheduleClock(_ slot: Int32) {
        let index = Int(slot)
        contacts[index].clockVersion &+= 1
        let contact = contacts[index]
        let target = contact.deadline - contact.arrival
        var next = nextEscalation(of: contact).at
        if !contact.warned { next = min(next, contact.arrival + configuration.breachWarningAt * target) }
        if !contact.breached { next = min(next, contact.deadline) }
        if next.isFinite { schedule(.clock, at: next, contact: slot, version: contact.clockVersion) }
    }

    /// The step the contact's clock raises it to next, and when (never while an offer rings:
    /// the pool does not widen then, and a failed offer catches up in `missOffer`).
    ///
    /// That is the next step, unless escalations go unreported (`RoutineEvents.escalations`, as
    /// in the simulator): then it is the next step that opens another pool. A step that opens
    /// none changes no routing, so its timer would only raise the step; the contact's step
    /// catches up where it is read instead (`caughtUpStep`). This saves about one timer in
    /// three in the retail week (docs/performance.md).
    @inline(__always)
    func nextEscalation(of contact: ContactRecord) -> (step: Int, at: Seconds) {
        guard contact.state != .offered else { return (Int(contact.step), .infinity) }
        let topic = Int(contact.topic)
        let step = Int(contact.step)
        let next = omittedEvents.contains(.escalations)
            ? Int(wideningSteps[topic &* 4 &+ contact.channel.rawValue][step]) : step + 1
        // (`stepStarts[topic]` is read in place: bound to a name it costs a retain and a release.)
        guard next < stepStarts[topic].count else { return (next, .infinity) }
        return (next, contact.arrival + stepStarts[topic][next] * (contact.deadline - contact.arrival))
    }

    /// The step a contact waiting since `arrival` has reached at `time`, from `step` on, on a
    /// ladder whose steps start at `starts` (fractions of the answer target `target`).
    @inline(__always)
    static func stepReached(from step: Int, starts: borrowing [Double], arrival: Seconds, target: Seconds, at time: Seconds) -> Int {
        var step = step
        while step + 1 < starts.count && arrival + starts[step + 1] * target <= time { step += 1 }
        return step
    }

    /// The step a waiting contact has reached by now, for what reports it (a contact's
    /// snapshot). Its record's step lags only when escalations go unreported (see
    /// `nextEscalation`), and then only by steps that share its pool, so routing never needs
    /// it; the engine's own reports catch the record up first (`catchUpEscalation`).
    func caughtUpStep(_ contact: ContactRecord) -> Int {
        guard omittedEvents.contains(.escalations), contact.state.isWaiting else { return Int(contact.step) }
        return Self.stepReached(from: Int(contact.step), starts: stepStarts[Int(contact.topic)], arrival: contact.arrival,
                                target: contact.deadline - contact.arrival, at: now)
    }

    /// Before pools split: raises every waiting contact's step to where its wait has reached,
    /// so that it moves to the pool of that step. Needed only when escalations go unreported
    /// (see `nextEscalation`): otherwise every step has its own timer and no step lags.
    mutating func catchUpWaitingSteps() {
        guard omittedEvents.contains(.escalations) else { return }
        for slot in contactSlots.values where contacts[Int(slot)].state.isWaiting {
            var none: [Event] = []  // escalations go unreported here
            catchUpEscalation(slot, into: &none)
        }
    }

    /// After pools split: schedules every waiting contact's clock again, since a step that
    /// opened no pool, and so had no timer, may open one now. Needed only when escalations go
    /// unreported (see `nextEscalation`).
    mutating func rescheduleWaitingClocks() {
        guard omittedEvents.contains(.escalations) else { return }
        for slot in contactSlots.values where contacts[Int(slot)].state.isWaiting { scheduleClock(slot) }
    }

    /// Runs everything on the contact's clock that is due, in time order (escalation before a
    /// warning or breach due at the same moment).
    mutating func runClock(slot: Int32, into events: inout [Event]) {
        while true {
            let contact = contacts[Int(slot)]
            guard contact.state == .queued || contact.state == .offered || contact.state == .callbackScheduled else { return }
            let target = contact.deadline - contact.arrival
            let escalation = nextEscalation(of: contact)
            let warningAt = contact.warned ? .infinity : contact.arrival + configuration.breachWarningAt * target
            let breachAt = contact.breached ? .infinity : contact.deadline
            let first = min(escalation.at, warningAt, breachAt)
            guard first <= now else { break }
            if escalation.at == first {
                escalate(slot, to: escalation.step, into: &events)
            } else if warningAt == first {
                contacts[Int(slot)].warned = true
                if !omittedEvents.contains(.breachWarnings) { events.append(.breachWarning(contact.id)) }
            } else {
                breach(slot, into: &events)
            }
        }
        scheduleClock(slot)
    }

    /// Raises the step of a waiting contact to where its wait has reached, reporting the steps
    /// passed: those of a contact coming back from a failed offer (the pool did not widen while
    /// it rang), and those left without a timer when escalations go unreported (`nextEscalation`).
    mutating func catchUpEscalation(_ slot: Int32, into events: inout [Event]) {
        // The fields one by one: the whole record copied cost more than the rest (it runs at
        // every offer in the simulator).
        let index = Int(slot)
        let from = Int(contacts[index].step)
        let arrival = contacts[index].arrival
        let step = Self.stepReached(from: from, starts: stepStarts[Int(contacts[index].topic)], arrival: arrival,
                                    target: contacts[index].deadline - arrival, at: now)
        guard step > from else { return }
        if !omittedEvents.contains(.escalations) {
            for passed in from + 1...step { events.append(.escalated(contacts[index].id, step: passed)) }
        }
        contacts[index].step = Int8(step)
    }

    private mutating func escalate(_ slot: Int32, to step: Int, into events: inout [Event]) {
        contacts[Int(slot)].step = Int8(step)
        let contact = contacts[Int(slot)]
        if !omittedEvents.contains(.escalations) { events.append(.escalated(contact.id, step: step)) }
        guard contact.state.isWaiting && !contact.isParked else { return }
        // Every narrower pool was already searched (no free agent there is eligible for a
        // waiting contact), so only the newly opened pool can hold a free agent.
        let pool = topicPool(topic: contact.topic, channel: contact.channel, step: step)
        // The same agents as before (the step widened nothing here): the contact keeps its entry.
        if pool == contact.bucket { return }
        leaveBucket(slot)
        if let agent = bestFreeAgent(in: pool, for: contact.channel) {
            offer(slot, to: agent, poolStep: step, pool: pool, into: &events)
        } else {
            enqueue(slot)
        }
    }

    private mutating func breach(_ slot: Int32, into events: inout [Event]) {
        contacts[Int(slot)].breached = true
        let contact = contacts[Int(slot)]
        let widest = topicPool(topic: contact.topic, channel: contact.channel, step: Int(contact.step))
        let cause: BreachCause
        if contact.held {
            cause = .adapterLost
        } else if contact.arrivedOutOfHours {
            cause = .outOfHours
        } else if contact.state == .offered {
            cause = .ringing
        } else if contact.missedOffers > 0 {
            cause = .offersRejectedOrTimedOut
        } else if pools[Int(widest)].loggedInCount == 0 {
            cause = .nobodyEligibleLoggedIn
        } else if pools[Int(widest)].notRespondingCount == pools[Int(widest)].loggedInCount {
            cause = .allEligibleNotResponding
        } else {
            cause = .allEligibleBusy
        }
        events.append(.breached(contact.id, cause))
        guard contact.state == .queued else { return }
        let settings = configuration.channels[contact.channel]
        if settings.breachAction == .callback && contact.channel.isVoice {
            contacts[Int(slot)].isCallback = true
            contacts[Int(slot)].state = .callbackScheduled
            events.append(.callbackScheduled(contact.id))
        } else if !contact.isParked {
            // Keep waiting ahead of everyone who has not breached.
            leaveBucket(slot)
            enqueue(slot)
        }
    }
}
