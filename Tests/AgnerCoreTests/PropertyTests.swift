import Foundation
import Testing
@testable import AgnerCore

/// Long random command sequences against invariants that must hold whatever happens.
@Suite("Engine invariants under random commands")
struct PropertyTests {
    /// A random center: 3 departments, 4 skills, 5 topics, random policies and timings.
    static func randomCenter(_ rng: inout SeededGenerator) -> CenterConfiguration {
        var topics: [Topic] = []
        for index in 0..<5 {
            var skills = [SkillID(Int.random(in: 0..<4, using: &rng))]
            if Bool.random(using: &rng) { skills.append(SkillID(Int.random(in: 0..<4, using: &rng))) }
            topics.append(Topic(name: "t\(index)", requiredSkills: skills, owningDepartment: DepartmentID(Int.random(in: 0..<3, using: &rng))))
        }
        var channels = PerChannel(
            phone: ChannelSettings.standard(for: .phone), chat: .standard(for: .chat),
            email: ChannelSettings(answerTarget: 120, outOfHours: .hold), clickToCall: .standard(for: .clickToCall))
        for channel in Channel.allCases { channels[channel].wrapUp = [0, 5, 20].randomElement(using: &rng)! }
        channels.phone.breachAction = Bool.random(using: &rng) ? .callback : .keepWaiting
        // Tiers: mostly the default (e-mail below the rest), sometimes e-mail level with phone,
        // sometimes chat above phone; reserves for higher tiers now and then.
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: channels.email.routingTier = channels.phone.routingTier
        case 1: channels.chat.routingTier = 2
        default: break
        }
        let emailHasHigher = Channel.allCases.contains { channels[$0].routingTier > channels.email.routingTier }
        channels.email.higherTierReserve = emailHasHigher ? [0, 0, 1, 2].randomElement(using: &rng)! : 0
        channels.phone.higherTierReserve = channels.chat.routingTier > channels.phone.routingTier ? [0, 1].randomElement(using: &rng)! : 0
        return try! CenterConfiguration(
            departments: ["d0", "d1", "d2"], skills: ["s0", "s1", "s2", "s3"], topics: topics,
            channels: channels,
            policy: SelectionPolicy.allCases.randomElement(using: &rng)!,
            offerTimeout: [nil, 5, 15].randomElement(using: &rng)!,
            missedOffer: Bool.random(using: &rng) ? .available : .notResponding)
    }

    static func randomProfile(_ id: UInt64, _ rng: inout SeededGenerator) -> AgentProfile {
        var skills: [SkillLevel] = []
        for skill in 0..<4 where Int.random(in: 0..<3, using: &rng) == 0 {
            skills.append(SkillLevel(SkillID(skill), Int.random(in: 1...5, using: &rng)))
        }
        let capacity = PerChannel(
            phone: Int.random(in: 0...1, using: &rng), chat: Int.random(in: 0...3, using: &rng),
            email: Int.random(in: 0...2, using: &rng), clickToCall: Int.random(in: 0...1, using: &rng))
        return AgentProfile(id: AgentID(id), department: DepartmentID(Int.random(in: 0..<3, using: &rng)), skills: skills, capacity: capacity)
    }

    /// A command that fits the engine's current state most of the time, and sometimes not.
    static func randomCommand(_ engine: RoutingEngine, nextContact: inout UInt64, _ rng: inout SeededGenerator) -> Command {
        let open = engine.openContacts
        let agents = engine.allAgents
        func pick(_ state: ContactState) -> ContactSnapshot? { open.filter { $0.state == state }.randomElement(using: &rng) }
        switch Int.random(in: 0..<100, using: &rng) {
        case 0..<35:
            nextContact += 1
            return .arrive(ContactArrival(
                id: ContactID(nextContact), channel: Channel.allCases.randomElement(using: &rng)!,
                topic: TopicID(Int.random(in: 0..<5, using: &rng)), segment: Segment.allCases.randomElement(using: &rng)!,
                priority: Int.random(in: 0...2, using: &rng)))
        case 35..<50:
            if let contact = pick(.offered) { return .accept(contact.id, contact.agent!) }
        case 50..<55:
            if let contact = pick(.offered) { return .reject(contact.id, contact.agent!) }
        case 55..<62:
            if let contact = open.filter({ $0.state.isWaiting || $0.state == .offered }).randomElement(using: &rng) {
                return .abandon(contact.id)
            }
        case 62..<77:
            if let contact = pick(.connected) { return .complete(contact.id) }
        case 77..<90:
            if let agent = agents.randomElement(using: &rng) {
                let presence: Presence = [.available, .available, .onBreak, .offline].randomElement(using: &rng)!
                return .setPresence(agent.profile.id, presence)
            }
        case 90..<94:
            return .addAgent(randomProfile(UInt64(agents.count + Int.random(in: 1...3, using: &rng)), &rng))
        case 94..<97:
            if let agent = agents.randomElement(using: &rng) {
                var profile = randomProfile(agent.profile.id.rawValue, &rng)
                if Bool.random(using: &rng) { profile.capacity = agent.profile.capacity }
                return .updateAgent(profile)
            }
        case 97..<98:
            if let agent = agents.randomElement(using: &rng) { return .removeAgent(agent.profile.id) }
        case 98..<99:
            if let contact = open.filter({ ($0.state.isWaiting || $0.state == .offered || $0.state == .connected) && !$0.held }).randomElement(using: &rng) {
                return .hold(contact.id, abandonAt: Bool.random(using: &rng) ? engine.now + 30 : nil)
            }
        case 99..<100:
            if let contact = open.filter(\.held).randomElement(using: &rng) { return .resume(contact.id) }
        default:
            break
        }
        if Int.random(in: 0..<3, using: &rng) == 0 {
            return .setChannelOpen(Channel.allCases.randomElement(using: &rng)!, Bool.random(using: &rng))
        }
        // Something that may not fit: the engine must refuse it cleanly.
        return .complete(ContactID(UInt64.random(in: 0...nextContact + 1, using: &rng)))
    }

    /// Checks what the events of one step say, and the engine's state after it.
    struct Checker {
        var outstanding: [ContactID: AgentID] = [:]
        var terminal: [ContactID: Int] = [:]
        var arrived: [ContactID: (arrival: Seconds, deadline: Seconds)] = [:]
        /// What each agent last asked for (agents start offline).
        var requested: [AgentID: Presence] = [:]
        private(set) var failures: [String] = []

        /// Keeps the first few failures: enough to diagnose, short enough to read.
        mutating func fail(_ message: String) {
            if failures.count < 5 { failures.append(message) }
        }

        mutating func record(_ events: [Event], engine: RoutingEngine) {
            for event in events {
                switch event {
                case let .offered(contact, agent, _, _):
                    if let other = outstanding[contact] { fail("\(contact) offered to \(agent) while out to \(other)") }
                    if let asked = requested[agent], asked != .available { fail("\(contact) offered to \(agent), whose last request was \(asked)") }
                    outstanding[contact] = agent
                case let .offerWithdrawn(contact, _):
                    outstanding[contact] = nil
                case let .offerRejected(contact, _), let .offerExpired(contact, _):
                    outstanding[contact] = nil
                    if let snapshot = engine.contact(contact), let first = arrived[contact],
                       snapshot.arrival != first.arrival || snapshot.deadline != first.deadline {
                        fail("\(contact) lost its place after a missed offer")
                    }
                case let .connected(contact, _, _):
                    outstanding[contact] = nil
                case let .abandoned(contact, _, _):
                    outstanding[contact] = nil
                    terminal[contact, default: 0] += 1
                case let .wrapUpEnded(contact, _), let .closed(contact):
                    terminal[contact, default: 0] += 1
                default:
                    break
                }
            }
        }

        mutating func checkState(_ engine: RoutingEngine, thorough: Bool) {
            let agents = engine.allAgents
            for agent in agents {
                var total = 0
                for channel in Channel.allCases {
                    let used = agent.inUse[channel]
                    total += used
                    if used > agent.profile.capacity[channel] { fail("\(agent.profile.id) over capacity on \(channel)") }
                }
                let voice = agent.inUse.phone + agent.inUse.clickToCall
                if voice > 0 && total != voice || voice > 1 { fail("\(agent.profile.id) holds a voice contact and something else") }
            }
            guard thorough else { return }
            // Every index is what the records make it, and each pool's criteria name the same agents.
            if let problem = engine.integrityViolation() { fail("integrity: \(problem)") }
            // No free agent may be eligible for a waiting contact (but one held back for higher
            // tiers by a reserve): brute force, independent of the pools.
            let configuration = engine.configuration
            for contact in engine.openContacts where contact.state.isWaiting && !contact.held && !contact.awaitingOpening {
                let topic = configuration.topics[contact.topic.index]
                let step = configuration.ladder(for: contact.topic).steps[contact.step]
                for agent in agents where Self.isFree(agent, on: contact.channel) {
                    if Self.isEligible(agent.profile, for: topic, at: step, channel: contact.channel)
                        && Self.keepsReserve(agent, for: contact.channel, agents: agents, configuration: configuration) {
                        fail("\(contact.id) waits at step \(contact.step) while \(agent.profile.id) is free and eligible")
                    }
                }
            }
            for agent in agents where agent.notResponding && (agent.presence != .available || agent.state == .available) {
                fail("\(agent.profile.id) is notResponding with presence \(agent.presence) and state \(agent.state)")
            }
        }

        /// Brute force of the reserve for higher tiers: in every (topic, step) of a channel of a
        /// higher tier for which the agent is eligible, at least `reserve` other agents are free
        /// and eligible.
        static func keepsReserve(_ agent: AgentSnapshot, for channel: Channel, agents: [AgentSnapshot],
                                 configuration: CenterConfiguration) -> Bool {
            let reserve = configuration.channels[channel].higherTierReserve
            guard reserve > 0 else { return true }
            for higher in Channel.allCases where configuration.channels[higher].routingTier > configuration.channels[channel].routingTier {
                for (index, topic) in configuration.topics.enumerated() {
                    for step in configuration.ladder(for: TopicID(index)).steps
                    where isEligible(agent.profile, for: topic, at: step, channel: higher) {
                        let others = agents.filter {
                            $0.profile.id != agent.profile.id && isFree($0, on: higher) && isEligible($0.profile, for: topic, at: step, channel: higher)
                        }.count
                        if others < reserve { return false }
                    }
                }
            }
            return true
        }

        /// The decisions of a command that fired no timer: an arriving contact goes to the
        /// policy's best free agent of the narrowest pool that has one; a freed agent takes the
        /// most urgent contact it is eligible for.
        mutating func checkDecision(_ command: Command, events: [Event], before: RoutingEngine) {
            guard case let .offered(contactID, agentID, _, _)? = events.first(where: { if case .offered = $0 { true } else { false } }) else { return }
            let configuration = before.configuration
            switch command {
            case let .arrive(arrival) where arrival.id == contactID:
                let topic = configuration.topics[arrival.topic.index]
                let free = before.allAgents.filter { Self.isFree($0, on: arrival.channel) }
                let step = configuration.ladder(for: arrival.topic).steps[0]
                let eligible = free.filter {
                    Self.isEligible($0.profile, for: topic, at: step, channel: arrival.channel)
                        && Self.keepsReserve($0, for: arrival.channel, agents: before.allAgents, configuration: configuration)
                }
                func rank(_ agent: AgentSnapshot) -> (Int, Seconds) {
                    switch configuration.policy {
                    case .longestIdle: (0, agent.idleSince)
                    case .mostSkilled: (-(topic.requiredSkills.map { agent.profile.proficiency(in: $0) }.min() ?? 0), agent.idleSince)
                    case .leastOccupied: (agent.inUse[arrival.channel], agent.idleSince)
                    }
                }
                guard let chosen = eligible.first(where: { $0.profile.id == agentID }) else {
                    fail("\(contactID) went to \(agentID), who was not among the free eligible agents")
                    return
                }
                if let best = eligible.min(by: { rank($0) < rank($1) }), rank(best) < rank(chosen) {
                    fail("\(contactID) went to \(agentID) ranked \(rank(chosen)) though \(best.profile.id) ranked \(rank(best))")
                }
            case .complete, .setPresence(_, .available):
                var freedAgent: AgentSnapshot
                switch command {
                case let .complete(finished):
                    guard let channel = before.contact(finished)?.channel, configuration.channels[channel].wrapUp == 0,
                          let agent = before.allAgents.first(where: { $0.profile.id == agentID }) else { return }
                    freedAgent = agent
                    freedAgent.inUse[channel] -= 1
                case let .setPresence(who, _):
                    guard who == agentID, let agent = before.allAgents.first(where: { $0.profile.id == who }) else { return }
                    freedAgent = agent
                    freedAgent.presence = .available
                    freedAgent.notResponding = false
                default:
                    return
                }
                let agent = freedAgent
                var others = before.allAgents.filter { $0.profile.id != agent.profile.id }
                others.append(agent)
                // Urgency across channels: the higher tier first, then breached (kept waiting),
                // the effective deadline, arrival.
                func urgency(_ contact: ContactSnapshot) -> (Int, Int, Seconds, Seconds) {
                    let effective = contact.deadline - configuration.segmentHeadStart[contact.segment]
                        - Double(contact.priority) * configuration.priorityHeadStart
                    return (-configuration.channels[contact.channel].routingTier, contact.breached && !contact.isCallback ? 0 : 1,
                            effective, contact.arrival)
                }
                let waiting = before.openContacts.filter { contact in
                    contact.state.isWaiting && !contact.held && !contact.awaitingOpening && Self.isFree(agent, on: contact.channel)
                        && Self.isEligible(agent.profile, for: configuration.topics[contact.topic.index],
                                           at: configuration.ladder(for: contact.topic).steps[contact.step], channel: contact.channel)
                        && Self.keepsReserve(agent, for: contact.channel, agents: others, configuration: configuration)
                }
                guard let chosen = waiting.first(where: { $0.id == contactID }) else { return }
                if let best = waiting.min(by: { urgency($0) < urgency($1) }), urgency(best) < urgency(chosen) {
                    fail("freed \(agentID) took \(contactID) \(urgency(chosen)) before the more urgent \(best.id) \(urgency(best))")
                }
                if let higher = before.openContacts.first(where: { contact in
                    contact.state.isWaiting && !contact.held && !contact.awaitingOpening
                        && configuration.channels[contact.channel].routingTier > configuration.channels[chosen.channel].routingTier
                        && Self.isFree(agent, on: contact.channel)
                        && Self.isEligible(agent.profile, for: configuration.topics[contact.topic.index],
                                           at: configuration.ladder(for: contact.topic).steps[contact.step], channel: contact.channel)
                }) {
                    fail("freed \(agentID) took \(chosen.channel) \(contactID) while \(higher.channel) \(higher.id) of a higher tier waited for it")
                }
            default:
                break
            }
        }

        static func isFree(_ agent: AgentSnapshot, on channel: Channel) -> Bool {
            guard agent.presence == .available, !agent.notResponding, agent.profile.capacity[channel] > 0 else { return false }
            let total = Channel.allCases.reduce(0) { $0 + agent.inUse[$1] }
            if channel.isVoice { return total == 0 }
            return agent.inUse.phone + agent.inUse.clickToCall == 0 && agent.inUse[channel] < agent.profile.capacity[channel]
        }

        static func isEligible(_ profile: AgentProfile, for topic: Topic, at step: EscalationStep, channel: Channel) -> Bool {
            guard profile.capacity[channel] > 0 else { return false }
            if step.departments == .owning && profile.department != topic.owningDepartment { return false }
            switch step.skills {
            case .anyOnChannel: return true
            case let .required(level):
                return topic.requiredSkills.allSatisfy { profile.proficiency(in: $0) >= max(level, 1) }
            }
        }
    }

    struct Run {
        var commands: [(Command, Seconds)] = []
        var events: [Event] = []
        var checker = Checker()
    }

    /// One random sequence: `length` commands, then a drain that ends every contact.
    static func run(seed: UInt64, length: Int, thorough: Bool) -> Run {
        var rng = SeededGenerator(seed: seed)
        var engine = RoutingEngine(configuration: randomCenter(&rng))
        var result = Run()
        var time: Seconds = 0
        var nextContact: UInt64 = 0
        func step(_ command: Command) {
            // Timers due first, on their own: what they do precedes the command (and its request).
            var due: [Event] = []
            engine.advance(to: time, into: &due)
            result.checker.record(due, engine: engine)
            result.events += due
            var events: [Event] = []
            result.commands.append((command, time))
            if case let .arrive(arrival) = command, engine.state(of: arrival.id) == nil {
                result.checker.arrived[arrival.id] = (time, time)  // deadline filled below
            }
            var copy = engine
            let quiet = thorough && (copy.nextDeadline() ?? .infinity) > time
            let before = quiet ? engine : nil
            var accepted = true
            do { try engine.apply(command, at: time, into: &events) } catch { accepted = false }
            switch command {
            case let .setPresence(agent, presence) where accepted: result.checker.requested[agent] = presence
            case let .addAgent(profile) where accepted: result.checker.requested[profile.id] = .offline
            default: break
            }
            if let before { result.checker.checkDecision(command, events: events, before: before) }
            if case let .arrive(arrival) = command, let snapshot = engine.contact(arrival.id), result.checker.arrived[arrival.id]?.arrival == time {
                result.checker.arrived[arrival.id] = (snapshot.arrival, snapshot.deadline)
            }
            result.checker.record(events, engine: engine)
            result.checker.checkState(engine, thorough: thorough)
            result.events += events
        }
        for index in 0..<5 { step(.addAgent(randomProfile(UInt64(index), &rng))); step(.setPresence(AgentID(UInt64(index)), .available)) }
        for _ in 0..<length {
            time += [0, 0.5, 2, 5, 8].randomElement(using: &rng)!
            step(randomCommand(engine, nextContact: &nextContact, &rng))
        }
        // Drain: open every channel, staff everyone on everything, answer and finish all work.
        for channel in Channel.allCases { step(.setChannelOpen(channel, true)) }
        for round in 0..<40 {
            time += 30
            var due: [Event] = []
            engine.advance(to: time, into: &due)
            result.checker.record(due, engine: engine)
            result.events += due
            for agent in engine.allAgents where agent.presence != .available || agent.notResponding {
                step(.setPresence(agent.profile.id, .available))
            }
            for contact in engine.openContacts where contact.held { step(.resume(contact.id)) }
            // Answer at once (offers may time out), finish conversations, give up on the hopeless.
            var progressed = true
            while progressed {
                progressed = false
                for contact in engine.openContacts {
                    switch contact.state {
                    case .offered: step(.accept(contact.id, contact.agent!))
                    case .connected: step(.complete(contact.id))
                    case .queued where round > 20, .callbackScheduled where round > 20: step(.abandon(contact.id))
                    default: continue
                    }
                    progressed = true
                }
            }
            if engine.openContactCount == 0 { break }
        }
        var tail: [Event] = []
        engine.advance(to: time + 10_000, into: &tail)
        result.checker.record(tail, engine: engine)
        result.events += tail
        #expect(engine.openContactCount == 0, "seed \(seed): contacts left open after the drain: \(engine.openContacts.prefix(3).map { "\($0.id) \($0.state) \($0.channel) agent \(String(describing: $0.agent))" })")
        return result
    }

    @Test("capacity, single offers, kept places and terminal states hold over 2,000 random sequences")
    func invariantsHold() {
        for seed in UInt64(1)...2000 {
            let result = Self.run(seed: seed, length: 120, thorough: false)
            #expect(result.checker.failures.count == 0, "seed \(seed): \(result.checker.failures.prefix(3))")
            for (contact, _) in result.checker.arrived {
                #expect(result.checker.terminal[contact] == 1, "seed \(seed): \(contact) ended \(result.checker.terminal[contact] ?? 0) times")
            }
            if !result.checker.failures.isEmpty { return }
        }
    }

    @Test("no free agent is left eligible for a waiting contact, and every decision follows the policy and urgency")
    func noIdleEligibleAgent() {
        for seed in UInt64(10_001)...10_300 {
            let result = Self.run(seed: seed, length: 150, thorough: true)
            #expect(result.checker.failures.count == 0, "seed \(seed): \(result.checker.failures.prefix(3))")
            if !result.checker.failures.isEmpty { return }
        }
    }

    @Test("the same commands at the same times give the same events")
    func replayIsIdentical() {
        for seed in UInt64(20_001)...20_200 {
            let first = Self.run(seed: seed, length: 150, thorough: false)
            var rng = SeededGenerator(seed: seed)
            var engine = RoutingEngine(configuration: Self.randomCenter(&rng))
            var replayed: [Event] = []
            for (command, time) in first.commands {
                do { try engine.apply(command, at: time, into: &replayed) } catch {}
            }
            engine.advance(to: (first.commands.last?.1 ?? 0) + 10_000, into: &replayed)
            #expect(replayed == first.events, "seed \(seed)")
        }
    }

    @Test("an engine decoded from its encoded state goes on exactly as the original would")
    func restoredEngineContinuesIdentically() throws {
        let encoder = JSONEncoder()
        // Agents never pushed to an index carry -infinity as their "free since".
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        for seed in UInt64(30_001)...30_060 {
            let first = Self.run(seed: seed, length: 150, thorough: false)
            var rng = SeededGenerator(seed: seed)
            let center = Self.randomCenter(&rng)
            var engine = RoutingEngine(configuration: center)
            var replayed: [Event] = []
            let split = Int(seed % 7 + 1) * first.commands.count / 9
            for (index, (command, time)) in first.commands.enumerated() {
                if index == split {
                    decoder.userInfo[RoutingEngine.configurationKey] = center
                    engine = try decoder.decode(RoutingEngine.self, from: encoder.encode(engine))
                }
                do { try engine.apply(command, at: time, into: &replayed) } catch {}
            }
            engine.advance(to: (first.commands.last?.1 ?? 0) + 10_000, into: &replayed)
            let differs = zip(replayed, first.events).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? (replayed.count == first.events.count ? nil : min(replayed.count, first.events.count))
            #expect(differs == nil, "seed \(seed), restored before command \(split): events differ from index \(differs ?? -1) of \(first.events.count)")
        }
    }

    @Test("an engine state is refused with another center configuration")
    func stateNeedsItsConfiguration() throws {
        var rng = SeededGenerator(seed: 7)
        let center = Self.randomCenter(&rng)
        let engine = RoutingEngine(configuration: center)
        let data = try JSONEncoder().encode(engine)
        let decoder = JSONDecoder()
        #expect(throws: DecodingError.self) { try decoder.decode(RoutingEngine.self, from: data) }
        var other = center
        other.topics.append(Topic(name: "extra", requiredSkills: [SkillID(0)], owningDepartment: DepartmentID(0)))
        decoder.userInfo[RoutingEngine.configurationKey] = other
        #expect(throws: DecodingError.self) { try decoder.decode(RoutingEngine.self, from: data) }
        decoder.userInfo[RoutingEngine.configurationKey] = center
        #expect(try decoder.decode(RoutingEngine.self, from: data).openContactCount == 0)
    }
}
