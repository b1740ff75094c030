import AgnerServer
import AgnerTestSupport

/// Random adapter traffic against a `Harness` on its injected clock: arrivals, answers,
/// rejections, completions, hang-ups, agents' states, syncs, disconnects and reconnects under
/// three adapter names, channel openings, optionally agents added and removed live; after each
/// request the clock moves on and sometimes the router's timers fire. The replay and snapshot
/// campaigns drive the router with it.
struct RandomTraffic {
    let h: Harness
    var rng: SplitMix64
    /// Agents the requests name.
    let agents: [String]
    /// Contacts named `c0`…: from a pool of this many ids, or (nil) a new id a third of the
    /// time and otherwise one announced before.
    let contactPool: Int?
    /// Whether `agent.add` and `agent.remove` of `kim` are among the requests.
    let staffingChanges: Bool
    var nextSession = 1
    var open: [Int] = []
    var contacts: [String] = []

    init(_ h: Harness, rng: SplitMix64, agents: [String], contactPool: Int? = nil, staffingChanges: Bool = false) {
        self.h = h
        self.rng = rng
        self.agents = agents
        self.contactPool = contactPool
        self.staffingChanges = staffingChanges
        connect()
    }

    mutating func connect() {
        h.router.connect(SessionID(nextSession))
        h.send(#"{"op":"hello","role":"adapter","name":"a\#(rng.next() % 3)"}"#, from: nextSession)
        open.append(nextSession)
        nextSession += 1
    }

    /// One request (step `step` of the run), then the clock and maybe the timers.
    mutating func step(_ step: Int) {
        if open.isEmpty { connect() }
        let session = open[Int(rng.next() % UInt64(open.count))]
        let agent = agents[Int(rng.next() % UInt64(agents.count))]
        let contact: String
        if let contactPool {
            contact = "c\(rng.next() % UInt64(contactPool))"
        } else {
            contact = contacts.isEmpty || rng.next() % 3 == 0 ? "c\(step)" : contacts[Int(rng.next() % UInt64(contacts.count))]
        }
        switch rng.next() % (staffingChanges ? 14 : 12) {
        case 0, 1, 2:
            let channel = ["phone", "chat", "email", "clickToCall"][Int(rng.next() % 4)]
            let topic = ["invoice", "order"][Int(rng.next() % 2)]
            h.send(#"{"op":"contact.arrive","id":"\#(contact)","channel":"\#(channel)","topic":"\#(topic)"}"#, from: session)
            if contactPool == nil { contacts.append(contact) }
        case 3: h.send(#"{"op":"offer.accept","contact":"\#(contact)","agent":"\#(agent)"}"#, from: session)
        case 4: h.send(#"{"op":"offer.reject","contact":"\#(contact)","agent":"\#(agent)"}"#, from: session)
        case 5: h.send(#"{"op":"contact.complete","id":"\#(contact)"}"#, from: session)
        case 6: h.send(#"{"op":"contact.abandon","id":"\#(contact)"}"#, from: session)
        case 7: h.send(#"{"op":"agent.state","agent":"\#(agent)","state":"\#(["available", "available", "onBreak", "offline"][Int(rng.next() % 4)])"}"#, from: session)
        case 8: h.send(#"{"op":"sync"}"#, from: session)
        case 9:
            h.router.disconnect(SessionID(session))
            open.removeAll { $0 == session }
        case 10: connect()
        case 11 where staffingChanges:
            h.send(#"{"op":"agent.add","agent":"kim","department":"sales","skills":{"orders":\#(1 + rng.next() % 5)},"channels":{"chat":\#(1 + rng.next() % 3),"email":1}}"#, from: session)
        case 12 where staffingChanges: h.send(#"{"op":"agent.remove","agent":"kim"}"#, from: session)
        default: h.send(#"{"op":"center.\#(rng.next() % 2 == 0 ? "open" : "close")","channel":"chat","until":\#(h.clock.now + 30)}"#, from: session)
        }
        // Time moves on; sometimes the server's timer fires before the next request.
        h.clock.now += [0, 0.5, 3, 7, 16][Int(rng.next() % 5)]
        if rng.next() % 3 == 0 { _ = h.router.fireTimers() }
        _ = h.router.takeOutbounds()
    }
}
