@testable import agner
import AgnerCore
import AgnerProtocol
import AgnerServer
import AgnerSim
import AgnerTestSupport
import Foundation
import Testing

/// A center with three departments, every channel, chat agents with concurrency, wrap-up,
/// opening hours (08:00–09:30 Europe/Berlin), offers that time out after 15 s.
let replayCenterYAML = """
    name: replay test center
    center:
      departments: [frontline, billing, sales]
      skills: [general, billing, orders]
      topics:
        - {name: invoice, skills: [billing], department: billing}
        - {name: order,   skills: [orders],  department: sales}
        - {name: general, skills: [general], department: frontline}
      policy: longestIdle
      offerTimeout: 15s
      channels:
        phone:       {target: 60s, goal: 80%, wrapUp: 20s}
        chat:        {target: 60s, goal: 80%, wrapUp: 10s}
        email:       {target: 4h,  goal: 90%, outsideHours: hold, priority: 0}
        clickToCall: {target: 60s, goal: 80%, wrapUp: 20s, breach: callback, outsideHours: callbackAtOpening}
    hours:
      default: "08:00-09:30"
      timezone: Europe/Berlin
    agents:
      - {name: frontline, count: 3, department: frontline, skills: {general: 4, billing: 2, orders: 2}, channels: {phone: 1, chat: 3, email: 1, clickToCall: 1}}
      - {name: billing,   count: 2, department: billing,   skills: {billing: 5, general: 2}}
      - {name: sales,     count: 2, department: sales,     skills: {orders: 5}, channels: {phone: 1, chat: 2, clickToCall: 1}}
    demand: [{channel: phone, topic: invoice, rate: 1/min}]
    handling: {default: {distribution: exponential, mean: 120s}}
    costs: {agentHour: 30, standardHours: "08:00-18:00", currency: EUR}
    run: {interval: 15min}
    """

/// A journal in memory, as the server's would hold it.
final class ReplayJournal: CommandJournal, @unchecked Sendable {
    var pending: [JournalEntry] = []
    var committed: [JournalEntry] = []
    func append(time: Double, origin: String, line: UnsafeRawBufferPointer) throws {
        pending.append(JournalEntry(time: time, origin: origin, line: String(decoding: line, as: UTF8.self)))
    }
    func commit() throws -> Int64 {
        committed += pending
        pending = []
        return Int64(committed.count)
    }
    func saveSnapshot(_ data: [UInt8], through sequence: Int64) throws {}
}

/// A live router on a test clock driven by a random but realistic stream: three adapters (phone
/// and click-to-call, chat, e-mail) and a supervisor; calls, chats and e-mails on every topic
/// and segment, some with priority; offers accepted after a delay, rejected, or left to time
/// out; agents made available again after a missed offer; conversations completed after their
/// handle time; customers hanging up while waiting or ringing; breaks, log-outs and log-ins; an
/// agent added live and removed; a supervisor closing and reopening the phone; the chat adapter
/// lost and back (its contacts held, then resumed); the center opening at 08:00 and closing at
/// 09:30. Every offer the router makes is collected from an observer's subscription.
struct LiveDay {
    struct Offer: Equatable, CustomStringConvertible {
        var contact: String
        var agent: String
        /// `expires_at`: the offer's time plus the center's 15 s timeout.
        var expiresAt: Double
        var description: String { "\(contact)→\(agent)@\(expiresAt)" }
    }

    let scenario: Scenario
    let journal = ReplayJournal()
    var router: LiveRouter
    var now: Double
    var random: SplitMix64
    var offers: [Offer] = []
    /// What the adapters believe: outstanding offers (contact → agent), contacts in conversation, waiting.
    var outstanding: [String: String] = [:]
    var talking: [String: Double] = [:]
    var waiting: Set<String> = []
    var notResponding: Set<String> = []
    var counts: [String: Int] = [:]
    var nextContact = 0
    var chatConnected = true
    let clock: Clock

    final class Clock: @unchecked Sendable { var now = 0.0 }

    static let adapters = ["pbx": 1, "chatbox": 2, "mail": 3]
    static let supervisor = 4, observer = 5

    init(seed: UInt64) throws {
        scenario = try ScenarioLoader.load(yaml: replayCenterYAML)
        // Thursday 2027-01-14, 07:50 in Berlin.
        let zone = TimeZone(identifier: "Europe/Berlin")!
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let morning = calendar.date(from: DateComponents(year: 2027, month: 1, day: 14, hour: 7, minute: 50))!.timeIntervalSince1970
        now = morning
        random = SplitMix64(seed: seed)
        clock = Clock()
        clock.now = morning
        let clock = self.clock
        let agents = Agner.Serve.agents(of: scenario)
        router = try LiveRouter(settings: .init(center: scenario.center, agents: agents, adapterGrace: 90,
                                                calendar: try Agner.Serve.calendar(of: scenario.hours)),
                                clock: { clock.now }, journal: journal)
        router.prepareToServe()
        for (name, session) in Self.adapters { hello(session, role: "adapter", name: name) }
        hello(Self.supervisor, role: "supervisor", name: "desk")
        hello(Self.observer, role: "observer", name: "wallboard")
        send(#"{"op":"subscribe","events":["*"]}"#, from: Self.observer)
        for agent in ["frontline-1", "frontline-2", "billing-1", "billing-2", "sales-1"] {
            send(#"{"op":"agent.state","agent":"\#(agent)","state":"available"}"#, from: 1)
        }
    }

    mutating func hello(_ session: Int, role: String, name: String) {
        router.connect(SessionID(session))
        send(#"{"op":"hello","role":"\#(role)","name":"\#(name)"}"#, from: session)
    }

    /// Sends a line; reads what the observer saw.
    @discardableResult
    mutating func send(_ line: String, from session: Int) -> [String: Any]? {
        var reply: [String: Any]?
        for output in router.handle(line: line, from: SessionID(session)) {
            let object = try! JSONSerialization.jsonObject(with: Data(output.line.utf8)) as! [String: Any]
            if output.session.raw == session, object["re"] != nil { reply = object }
            if output.session.raw == Self.observer { observe(object, line: output.line) }
        }
        return reply
    }

    mutating func fireTimers() {
        for output in router.fireTimers() where output.session.raw == Self.observer {
            observe(try! JSONSerialization.jsonObject(with: Data(output.line.utf8)) as! [String: Any], line: output.line)
        }
    }

    /// `expires_at` read from the line's text with `Double(_:)`, which is exact (Foundation's
    /// JSON parser may land a digit away).
    static func expiresAt(_ text: String) -> Double {
        let tail = text[text.range(of: #""expires_at":"#)!.upperBound...]
        return Double(tail.prefix { "0123456789.eE+-".contains($0) })!
    }

    mutating func observe(_ line: [String: Any], line text: String) {
        guard let event = line["event"] as? String else { return }
        counts[event, default: 0] += 1
        let contact = line["contact"] as? String ?? ""
        switch event {
        case "offer":
            offers.append(Offer(contact: contact, agent: line["agent"] as! String, expiresAt: Self.expiresAt(text)))
            outstanding[contact] = line["agent"] as? String
            waiting.remove(contact)
        case "offer.expired", "offer.rejected", "offer.withdrawn":
            if outstanding[contact] == line["agent"] as? String { outstanding[contact] = nil }
            if event != "offer.withdrawn", let agent = line["agent"] as? String { notResponding.insert(agent) }
        case "contact.queued", "contact.callback":
            waiting.insert(contact)
        case "contact.connected":
            outstanding[contact] = nil
            waiting.remove(contact)
            talking[contact] = now
        case "contact.completed", "contact.abandoned", "contact.closed":
            outstanding[contact] = nil
            waiting.remove(contact)
            talking[contact] = nil
        default:
            break
        }
    }

    mutating func chance(_ p: Double) -> Bool { Double(random.next() >> 11) / Double(1 << 53) < p }
    mutating func pick<T>(_ values: [T]) -> T { values[Int(random.next() % UInt64(values.count))] }

    /// Moves the clock: half of the time the router's timer fires exactly at each deadline on
    /// the way (as an idle event loop does), otherwise only when the next request comes.
    mutating func advance(by seconds: Double) {
        let target = now + seconds
        if chance(0.5) {
            while let due = router.nextDeadline(), due <= target {
                now = max(now, due)
                clock.now = now
                fireTimers()
            }
        }
        now = target
        clock.now = now
    }

    /// One step of the day.
    mutating func step() {
        advance(by: Double(random.next() % 4000) / 1000)
        if !chatConnected && chance(0.1) {
            // The chat adapter comes back and syncs: its held contacts are resumed.
            hello(2, role: "adapter", name: "chatbox")
            send(#"{"op":"sync"}"#, from: 2)
            chatConnected = true
        }
        let owner = ["pbx": 1, "chatbox": 2, "mail": 3]
        switch random.next() % 100 {
        case 0..<30:
            nextContact += 1
            let channel = pick(["phone", "phone", "phone", "chat", "chat", "email", "clickToCall"])
            let adapter = channel == "chat" ? "chatbox" : channel == "email" ? "mail" : "pbx"
            if adapter == "chatbox" && !chatConnected { return }
            let topic = pick(["invoice", "order", "general"])
            let segment = pick(["regular", "regular", "new", "wholesale"])
            let priority = chance(0.1) ? #","priority":3"# : ""
            send(#"{"op":"contact.arrive","id":"\#(channel)-\#(nextContact)","channel":"\#(channel)","topic":"\#(topic)","segment":"\#(segment)"\#(priority)}"#,
                 from: owner[adapter]!)
        case 30..<55:
            // Answer an offer that has rung a while: mostly accept, sometimes reject; some are left to time out.
            guard let (contact, agent) = outstanding.sorted(by: { $0.key < $1.key }).first else { return }
            if chance(0.15) { return }
            let session = owner[contact.hasPrefix("chat") ? "chatbox" : contact.hasPrefix("email") ? "mail" : "pbx"]!
            if session == 2 && !chatConnected { return }
            let op = chance(0.85) ? "offer.accept" : "offer.reject"
            send(#"{"op":"\#(op)","contact":"\#(contact)","agent":"\#(agent)"}"#, from: session)
        case 55..<75:
            // A conversation ends.
            guard let contact = talking.keys.sorted().first(where: { _ in chance(0.5) }) else { return }
            let session = owner[contact.hasPrefix("chat") ? "chatbox" : contact.hasPrefix("email") ? "mail" : "pbx"]!
            if session == 2 && !chatConnected { return }
            send(#"{"op":"contact.complete","id":"\#(contact)"}"#, from: session)
        case 75..<80:
            // A customer hangs up (waiting or ringing).
            let candidates = (Array(waiting) + Array(outstanding.keys)).filter { !$0.hasPrefix("email") }.sorted()
            guard !candidates.isEmpty else { return }
            let contact = pick(candidates)
            let session = owner[contact.hasPrefix("chat") ? "chatbox" : "pbx"]!
            if session == 2 && !chatConnected { return }
            send(#"{"op":"contact.abandon","id":"\#(contact)"}"#, from: session)
        case 80..<88:
            // Agents: back after a missed offer, breaks, log-outs and log-ins.
            if let agent = notResponding.sorted().first, chance(0.6) {
                notResponding.remove(agent)
                send(#"{"op":"agent.state","agent":"\#(agent)","state":"available"}"#, from: 1)
                return
            }
            let agent = pick(["frontline-1", "frontline-2", "frontline-3", "billing-1", "billing-2", "sales-1", "sales-2"])
            let state = pick(["available", "available", "onBreak", "offline"])
            send(#"{"op":"agent.state","agent":"\#(agent)","state":"\#(state)"}"#, from: 1)
        case 88..<92:
            // The supervisor: an agent added live and removed; the phone closed and reopened.
            switch random.next() % 4 {
            case 0: send(#"{"op":"agent.add","agent":"temp-1","department":"billing","skills":{"billing":3},"channels":{"phone":1}}"#, from: Self.supervisor)
                    send(#"{"op":"agent.state","agent":"temp-1","state":"available"}"#, from: Self.supervisor)
            case 1: send(#"{"op":"agent.state","agent":"temp-1","state":"offline"}"#, from: Self.supervisor)
                    send(#"{"op":"agent.remove","agent":"temp-1"}"#, from: Self.supervisor)
            case 2: send(#"{"op":"center.close","channel":"phone","until":\#(now + 120)}"#, from: Self.supervisor)
            default: send(#"{"op":"center.hours","channel":"phone"}"#, from: Self.supervisor)
            }
        case 92..<95:
            break
        default:
            // The chat adapter's connection is lost (its contacts held, its offers withdrawn).
            if chatConnected && chance(0.4) {
                router.disconnect(SessionID(2))
                chatConnected = false
            }
        }
    }
}

@Suite("agner replay: recorded traffic under a center", .serialized)
struct ReplayTests {
    /// Every offer of a replay, as the wire shows it: (contact, agent, offer time + timeout).
    static func offers(_ side: ReplayPipeline.Side, _ recording: Recording) -> [LiveDay.Offer] {
        side.outcome.offers.map { LiveDay.Offer(contact: recording.contacts[$0.contact].name, agent: $0.agent, expiresAt: $0.time + 15) }
    }

    static func record(_ day: LiveDay, to end: Double) throws -> (ReplayPipeline, Recording, SimulationOutcome) {
        let entries = day.journal.committed
        let window = try ReplayWindow(from: entries[0].time, to: end, timeZone: "Europe/Berlin", interval: 900)
        var pipeline = try ReplayPipeline(recorded: day.scenario, window: window, adapterGrace: 90)
        for (index, entry) in entries.enumerated() { try pipeline.record(entry, sequence: Int64(index + 1)) }
        let (recording, measured) = pipeline.finish()
        return (pipeline, recording, measured)
    }

    @Test("replaying a live router's journal under its own center and agents reproduces every offer: same contact, same agent, same time",
          arguments: [1, 2, 3] as [UInt64])
    func baselineIsExact(seed: UInt64) throws {
        var day = try LiveDay(seed: seed)
        for _ in 0..<2_000 { day.step() }
        day.advance(by: 30)
        day.fireTimers()
        _ = try day.journal.commit()
        let (pipeline, recording, measured) = try Self.record(day, to: day.now)

        // The stream was varied: every kind of thing a day holds happened.
        for event in ["offer", "offer.rejected", "offer.expired", "contact.abandoned", "contact.closed", "contact.held",
                      "contact.resumed", "contact.wrapped_up", "contact.callback", "contact.breached"] {
            #expect(day.counts[event, default: 0] > 0, "no \(event) in the stream (seed \(seed))")
        }
        #expect(recording.contacts.filter { $0.channel == .chat && $0.connected != nil }.count > 5)
        #expect(recording.actions.contains { if case .presence(_, .onBreak) = $0.action { true } else { false } })
        #expect(recording.actions.contains { if case .addAgent = $0.action { true } else { false } })

        let baseline = try ReplayPipeline.replay(recording, under: day.scenario, recorded: day.scenario, changes: [], window: pipeline.window,
                                                 keepDetails: true)
        let replayed = Self.offers(baseline, recording)
        #expect(day.offers.count > 150)
        #expect(replayed.count == day.offers.count)
        if let first = Array(zip(day.offers, replayed)).firstIndex(where: { $0.0 != $0.1 }) {
            Issue.record("offer \(first + 1) differs: live \(day.offers[first]), replayed \(replayed[first])")
        }
        #expect(replayed == day.offers)
        #expect(baseline.outcome.exactness.isExact, "\(baseline.outcome.exactness)")
        // And the figures are the recorded ones, to the last counter.
        #expect(baseline.simulation.replications[0] == measured.replications[0])
    }

    @Test("the playback of a live router's journal sees every offer the router made, to the same agent at the same moment",
          arguments: [7, 8] as [UInt64])
    func playbackSeesEveryOffer(seed: UInt64) throws {
        let (day, _, recording) = try Self.recordedDay(seed: seed)
        func key(_ offer: LiveDay.Offer) -> String { "\(offer.expiresAt) \(offer.contact) \(offer.agent)" }
        let played = recording.contacts.flatMap { contact in
            contact.offers.map { LiveDay.Offer(contact: contact.name, agent: $0.agent, expiresAt: $0.time + 15) }
        }
        #expect(day.offers.count > 150)
        #expect(played.map(key).sorted() == day.offers.map(key).sorted())
        #expect(recording.offerCount == day.offers.count)
    }

    /// A day of 2,000 steps from a live router, recorded.
    static func recordedDay(seed: UInt64) throws -> (LiveDay, ReplayPipeline, Recording) {
        var day = try LiveDay(seed: seed)
        for _ in 0..<2_000 { day.step() }
        day.advance(by: 30)
        day.fireTimers()
        _ = try day.journal.commit()
        let (pipeline, recording, _) = try Self.record(day, to: day.now)
        return (day, pipeline, recording)
    }

    @Test("the record holds each arrival at its journal time with its channel, topic, segment and priority, each completion and each hang-up at its moment")
    func recordIsTheJournal() throws {
        let (day, _, recording) = try Self.recordedDay(seed: 4)
        var arrivals: [(time: Double, line: [String: Any])] = []
        var completions: [String: Double] = [:], hangUps: [String: Double] = [:]
        for entry in day.journal.committed {
            let line = try #require(try JSONSerialization.jsonObject(with: Data(entry.line.utf8)) as? [String: Any])
            switch line["op"] as? String {
            case "contact.arrive": arrivals.append((entry.time, line))
            case "contact.complete": completions[line["id"] as! String] = entry.time
            case "contact.abandon": hangUps[line["id"] as! String] = entry.time
            default: break
            }
        }
        #expect(arrivals.count == recording.contacts.count)
        for ((time, line), contact) in zip(arrivals, recording.contacts) {
            #expect(contact.name == line["id"] as? String)
            #expect(contact.arrival.time == time)
            #expect("\(contact.channel)" == line["channel"] as? String)
            #expect(contact.topic == line["topic"] as? String)
            #expect("\(contact.segment)" == (line["segment"] as? String ?? "regular"))
            #expect(contact.priority == (line["priority"] as? Int ?? 0))
            #expect(contact.completed?.time == completions[contact.name], "\(contact.name)")
            #expect(contact.abandoned?.time == hangUps[contact.name], "\(contact.name)")
            if let handle = contact.handleTime, let connected = contact.connected {
                #expect(handle == completions[contact.name]! - connected)
            }
        }
        #expect(recording.contacts.contains { $0.priority > 0 })
        #expect(Set(recording.contacts.map(\.segment)).count == 3)
        #expect(recording.contacts.filter { $0.abandoned != nil }.count > 5)
    }

    /// Every moment at which the record's lost adapters' held contacts ended.
    static func holdEnds(_ recording: Recording) -> Set<Double> {
        Set(recording.actions.compactMap { if case let .adapterLost(_, until, _) = $0.action { until } else { nil } })
    }

    /// Mean wait (arrival to connection) of the calls and chats a replay connected, and how many.
    static func waits(_ side: ReplayPipeline.Side, _ recording: Recording) -> (mean: Double, count: Int) {
        let waits = side.outcome.contacts.enumerated().compactMap { index, trace in
            recording.contacts[index].channel == .email ? nil : trace.connected.map { $0 - recording.contacts[index].arrival.time }
        }
        return (waits.reduce(0, +) / Double(max(1, waits.count)), waits.count)
    }

    @Test("with more agents calls and chats are answered sooner, with fewer later; each is handled as long as it was, and only customers who hung up in the record hang up, at that moment",
          arguments: [2, -2])
    func staffingWhatIf(change: Int) throws {
        let (day, pipeline, recording) = try Self.recordedDay(seed: 5)
        let baseline = try ReplayPipeline.replay(recording, under: day.scenario, recorded: day.scenario, changes: [], window: pipeline.window,
                                                 keepDetails: true)
        let whatIf = try ReplayPipeline.replay(recording, under: day.scenario, recorded: day.scenario,
                                               changes: [.init(group: "frontline", count: change)], window: pipeline.window, keepDetails: true)
        #expect(whatIf.outcome.contacts.count == recording.contacts.count)
        let holdEnds = Self.holdEnds(recording)
        var handled = 0
        for (index, trace) in whatIf.outcome.contacts.enumerated() {
            let contact = recording.contacts[index]
            // Handled as long as it was (from its connection here to its completion here).
            if let handle = contact.handleTime, let connected = trace.connected, let completed = trace.completed {
                #expect(abs((completed - connected) - handle) < 1e-6, "\(contact.name)")
                handled += 1
            }
            // Nobody hangs up who did not in the record, nor at another moment (but for the end
            // of a lost adapter's hold).
            if let abandoned = trace.abandoned {
                #expect(contact.abandoned?.time == abandoned || holdEnds.contains(abandoned),
                        "\(contact.name) hung up at \(abandoned), recorded \(String(describing: contact.abandoned))")
            }
        }
        #expect(handled > 100)
        let before = Self.waits(baseline, recording), after = Self.waits(whatIf, recording)
        if change > 0 {
            #expect(after.mean < before.mean, "mean wait \(after.mean) s with \(change) more, \(before.mean) s as recorded")
            #expect(after.count >= before.count)
        } else {
            #expect(after.mean > before.mean, "mean wait \(after.mean) s with \(-change) fewer, \(before.mean) s as recorded")
            #expect(after.count <= before.count)
        }
    }

    @Test("under other opening hours the same traffic is replayed: calls and chats arriving after the earlier closing are unserved")
    func otherOpeningHours() throws {
        let (day, pipeline, recording) = try Self.recordedDay(seed: 6)
        let shorter = try ScenarioLoader.load(yaml: replayCenterYAML.replacingOccurrences(of: #"default: "08:00-09:30""#, with: #"default: "08:00-08:30""#))
        let whatIf = try ReplayPipeline.replay(recording, under: shorter, recorded: day.scenario, changes: [], window: pipeline.window, keepDetails: true)
        var zone = Calendar(identifier: .gregorian)
        zone.timeZone = TimeZone(identifier: "Europe/Berlin")!
        let closing = zone.date(from: DateComponents(year: 2027, month: 1, day: 14, hour: 8, minute: 30))!.timeIntervalSince1970
        let late = recording.contacts.indices.filter {
            let contact = recording.contacts[$0]
            return contact.arrival.time > closing && (contact.channel == .phone || contact.channel == .chat)
        }
        #expect(late.count > 20)
        #expect(late.allSatisfy { whatIf.outcome.contacts[$0].closed })
        #expect(late.contains { !recording.contacts[$0].closed }, "the record served some of them")
    }
}
