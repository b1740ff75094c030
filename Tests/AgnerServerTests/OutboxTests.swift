import Foundation
import Testing
@testable import AgnerServer

@Suite("Outbox")
struct OutboxTests {
    static func lines(_ outbox: Outbox) -> [String] {
        outbox.outbounds.map { "\($0.session.raw):\($0.line)" }
    }

    @Test("a reply inserted at its mark goes before the events written after the mark; a line for several connections is stored once")
    func orderAndSharing() {
        var outbox = Outbox()
        outbox.append("earlier\n", to: SessionID(9))
        let mark = outbox.mark
        outbox.append(to: [SessionID(1), SessionID(2)]) { $0 += Array("event\n".utf8) }
        outbox.insert(at: mark, to: SessionID(1)) { $0 += Array("reply\n".utf8) }
        #expect(Self.lines(outbox) == ["9:earlier\n", "1:reply\n", "1:event\n", "2:event\n"])
        #expect(outbox.bytes.count == "earlier\nevent\nreply\n".utf8.count)
        var taken: [String] = []
        outbox.forEach { session, bytes in taken.append("\(session.raw):" + String(decoding: bytes, as: UTF8.self)) }
        #expect(taken == Self.lines(outbox))
    }

    @Test("truncating to a mark forgets every line and byte after it; emptying keeps nothing")
    func truncateAndEmpty() {
        var outbox = Outbox()
        outbox.append("kept\n", to: SessionID(1))
        let mark = outbox.mark
        outbox.append("dropped\n", to: SessionID(1))
        outbox.append(to: [SessionID(2)]) { $0 += Array("dropped too\n".utf8) }
        outbox.truncate(to: mark)
        #expect(Self.lines(outbox) == ["1:kept\n"])
        #expect(outbox.bytes == Array("kept\n".utf8))
        outbox.removeAll()
        #expect(outbox.isEmpty && outbox.bytes.isEmpty)
    }
}
