import AgnerCore
import Foundation
import NIOCore
import Testing
@testable import AgnerProtocol

private let center = try! CenterConfiguration(
    departments: ["billing", "sales"], skills: ["billing", "orders"],
    topics: [Topic(name: "invoice", requiredSkills: [SkillID(0)], owningDepartment: DepartmentID(0)),
             Topic(name: "order", requiredSkills: [SkillID(1)], owningDepartment: DepartmentID(1))])

private func decode(_ line: String) throws(ProtocolError) -> Request {
    let object = try WireObject(parsing: line)
    return try Request.decode(object, as: try Operation(requested: try object.string("op")), center: center)
}

/// One request of every kind a client may send, with what it decodes to.
private let samples: [(String, Request)] = [
    (#"{"op":"hello","role":"adapter","name":"pbx","token":"t0k3n-xyz","protocol":1,"req":1}"#,
     .hello(role: .adapter, name: "pbx", token: "t0k3n-xyz", version: 1)),
    (#"{"op":"contact.arrive","id":"c-é 1","channel":"chat","topic":"order","segment":"new","priority":3}"#,
     .arrive(contact: "c-é 1", channel: .chat, topic: TopicID(1), segment: .new, priority: 3)),
    (#"{"op":"offer.accept","contact":"c1","agent":"bea"}"#, .accept(contact: "c1", agent: "bea")),
    (#"{"op":"offer.reject","contact":"c1","agent":"bea","reason":"busy"}"#, .reject(contact: "c1", agent: "bea")),
    (#"{"op":"contact.abandon","id":"c1"}"#, .abandon(contact: "c1")),
    (#"{"op":"contact.complete","id":"c1"}"#, .complete(contact: "c1")),
    (#"{"op":"agent.state","agent":"bea","state":"onBreak"}"#, .agentState(agent: "bea", presence: .onBreak)),
    (#"{"op":"sync","limit":50,"after":"17"}"#, .sync(Request.Page(limit: 50, after: 17))),
    (#"{"op":"stats"}"#, .stats),
    (#"{"op":"contacts"}"#, .contacts(Request.Page())),
    (#"{"op":"subscribe","events":["offer","channel.state"]}"#, .subscribe(events: [.offer, .channelState])),
    (#"{"op":"agent.add","agent":"kim","department":"sales","skills":{"orders":4},"channels":{"chat":2}}"#,
     .agentAdd(.init(name: "kim", department: DepartmentID(1), skills: [SkillLevel(SkillID(1), 4)],
                     capacity: PerChannel(phone: 0, chat: 2, email: 0, clickToCall: 0)))),
    (#"{"op":"center.close","channel":"phone","until":1800000600}"#, .setOpen(false, channels: [.phone], until: 1_800_000_600)),
    (#"{"op":"center.hours"}"#, .followHours(channels: nil)),
]

@Suite("Requests")
struct RequestTests {
    @Test("each kind of request decodes to its typed form", arguments: 0..<samples.count)
    func decodes(index: Int) throws {
        let (line, expected) = samples[index]
        #expect(try decode(line) == expected)
    }

    @Test("every request split at every byte position reads back whole and decodes the same", arguments: 0..<samples.count)
    func splitAnywhere(index: Int) throws {
        let (line, expected) = samples[index]
        let stream = Array((line + "\n" + line + "\r\n").utf8)
        for cut in 0...stream.count {
            var splitter = LineSplitter(maximumLength: 64 * 1024)
            var lines: [String] = []
            for piece in [stream[..<cut], stream[cut...]] {
                var buffer = ByteBufferAllocator().buffer(bytes: piece)
                splitter.feed(&buffer) { if case let .line(bytes) = $0 { lines.append(String(decoding: bytes, as: UTF8.self)) } }
            }
            splitter.finish { if case let .line(bytes) = $0 { lines.append(String(decoding: bytes, as: UTF8.self)) } }
            #expect(lines == [line, line], "cut at byte \(cut)")
            for text in lines { #expect(try decode(text) == expected, "cut at byte \(cut)") }
        }
    }

    @Test("the same stream drip-fed one byte at a time gives the same lines")
    func dripFed() throws {
        let stream = Array(samples.map { $0.0 + "\n" }.joined().utf8)
        var splitter = LineSplitter(maximumLength: 64 * 1024)
        var decoded: [Request] = []
        for byte in stream {
            var buffer = ByteBufferAllocator().buffer(bytes: [byte])
            splitter.feed(&buffer) { if case let .line(bytes) = $0 { decoded.append(try! decode(String(decoding: bytes, as: UTF8.self))) } }
        }
        #expect(decoded == samples.map(\.1))
    }

    @Test("bad fields are refused with the field named", arguments: [
        (#"{"op":"contact.arrive","id":"c","channel":"fax","topic":"invoice"}"#, "channel: 'fax' should be phone, chat, email or clickToCall"),
        (#"{"op":"contact.arrive","id":"c","channel":"phone","topic":"wine"}"#, "topic: unknown topic 'wine' (known: invoice, order)"),
        (#"{"op":"contact.arrive","id":"c","channel":"phone","topic":"invoice","priority":12}"#, "priority: 12 is outside 0–9"),
        (#"{"op":"contact.arrive","id":"","channel":"phone","topic":"invoice"}"#, "id is empty"),
        (#"{"op":"agent.state","agent":"bea","state":"asleep"}"#, "state: 'asleep' should be available, onBreak or offline"),
        (#"{"op":"agent.add","agent":"kim","channels":{"phone":2}}"#, "channels.phone: capacity 2 is outside 0–1"),
        (#"{"op":"contacts","limit":0}"#, "limit: 0 is outside 1–2000"),
        (#"{"op":"contacts","after":"x"}"#, "after: 'x' is not a cursor from a reply's next"),
        (#"{"op":"contacts","after":"+3"}"#, "after: '+3' is not a cursor from a reply's next"),
        (#"{"op":"subscribe","events":["offr"]}"#, nil),
    ])
    func badFields(line: String, message: String?) {
        do {
            _ = try decode(line)
            Issue.record("accepted: \(line)")
        } catch {
            #expect(error.code == .badField)
            if let message { #expect(error.message == message) }
        }
    }

    @Test("the router's own operations are not accepted from a client")
    func routerOnly() {
        for operation in Operation.allCases where operation.access == .router {
            #expect(throws: ProtocolError.self) { try Operation(requested: operation.rawValue) }
            for role in Role.allCases { #expect(!operation.allows(role)) }
        }
        #expect(Operation.agentAdd.allows(.supervisor) && !Operation.agentAdd.allows(.adapter))
        #expect(Operation.stats.allows(.observer) && !Operation.contactArrive.allows(.observer))
    }
}

@Suite("Journal reader")
struct JournalReaderTests {
    @Test("a journal reads back as timed requests with the engine commands and ids the router gave")
    func readsJournal() throws {
        var reader = JournalReader(center: center, agents: ["bea", "sam"])
        let entries = [
            JournalEntry(time: 10, origin: "pbx", line: #"{"op":"agent.state","agent":"bea","state":"available"}"#),
            JournalEntry(time: 11, origin: "pbx", line: #"{"op":"contact.arrive","id":"c1","channel":"phone","topic":"invoice"}"#),
            JournalEntry(time: 13, origin: "pbx", line: #"{"op":"offer.accept","contact":"c1","agent":"bea"}"#),
            JournalEntry(time: 90, origin: "pbx", line: #"{"op":"contact.complete","id":"c1"}"#),
            JournalEntry(time: 95, origin: "calendar", line: #"{"op":"internal.opening_hours","channel":"chat","open":false}"#),
        ]
        let read = try entries.map { entry throws(ProtocolError) in try reader.read(entry) }
        #expect(read.map(\.command) == [
            .setPresence(AgentID(1), .available),
            .arrive(ContactArrival(id: ContactID(1), channel: .phone, topic: TopicID(0))),
            .accept(ContactID(1), AgentID(1)),
            .complete(ContactID(1)),
            .setChannelOpen(.chat, false),
        ])
        #expect(read.map(\.time) == [10, 11, 13, 90, 95])
        #expect(read[1].origin == "pbx")
    }
}
