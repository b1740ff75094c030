import Foundation
import NIOCore
import Testing
@testable import AgnerProtocol

@Suite("Wire encoding")
struct WireTests {
    /// Values that exercise jansson's escaping and number formatting.
    static let samples: [WireValue] = [
        .string(""), .string("plain"), .string(#"quote " and backslash \ and / slash"#), .string("tab\tnewline\ncontrol\u{01}"),
        .string("zoë · 東京 ☎️"), .int(0), .int(-42), .int(Int(Int32.max) + 5), .double(0.1), .double(1_800_000_015.25),
        .double(-3), .double(.nan), .bool(true), .bool(false), .null,
    ]

    @Test("a template's line is byte for byte the whole object dumped by jansson, whatever the values")
    func templateMatchesTree() throws {
        let reply = LineTemplate([("re", .null), ("ok", .bool(true)), ("result", .object([("contact", .string("")), ("state", .string(""))]))])
        let event = LineTemplate([("event", .string("offer")), ("contact", .string("")), ("step", .int(0)), ("expires_at", .null)], fixed: 1)
        let received = try WireObject(parsing: #"{"req":{"id":[1,"two",null]},"n":7}"#)
        let echoes: [WireValue] = [.null, .int(3), .string("r-1"), .received(try #require(received.received("req")))]
        for (index, value) in Self.samples.enumerated() {
            let other = Self.samples[(index * 7 + 3) % Self.samples.count]
            let echo = echoes[index % echoes.count]
            let tree = WireValue.object([("re", echo), ("ok", .bool(true)), ("result", .object([("contact", value), ("state", other)]))]).line()
            #expect(reply.line([echo, .bool(true), value, other]) == tree)
            let fields: [(String, WireValue)] = [("contact", value), ("step", other), ("expires_at", Self.samples[(index + 5) % Self.samples.count])]
            #expect(event.line(fields: fields) == WireValue.object([("event", .string("offer"))] + fields).line())
        }
        // Every line is one JSON object and a newline.
        let line = reply.line([.string("r"), .bool(true), .string(#"a "b""#), .string("queued")])
        #expect(line.hasSuffix("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect((object["result"] as? [String: Any])?["contact"] as? String == #"a "b""#)
    }

    @Test("values written without jansson (plain strings, whole numbers, booleans, null) are the very bytes jansson writes")
    func verbatimMatchesJansson() throws {
        var values: [WireValue] = Self.samples + [.int(.min), .int(.max), .int(9), .int(10), .int(-1), .string("a/b")]
        values += (0..<256).map { byte in .string("x" + String(UnicodeScalar(UInt8(byte))) + "y") }  // every ASCII and Latin-1 character
        let received = try WireObject(parsing: #"{"a":12,"b":-7,"c":"r-1","d":"q\"uote","e":1.5,"f":[1],"g":"ünï"}"#)
        for key: StaticString in ["a", "b", "c", "d", "e", "f", "g"] { values.append(.received(try #require(received.received(key)))) }
        var written = 0
        var refused = 0
        for value in values {
            var direct: [UInt8] = []
            if JSONText.appendVerbatim(value, to: &direct) {
                written += 1
                #expect(direct + [UInt8(ascii: "\n")] == Array(value.line().utf8), "\(value)")
            } else {
                refused += 1
                #expect(direct.isEmpty)
            }
        }
        // Refused: 2 sample strings with escapes, 4 doubles; 32 control characters, quote and
        // backslash; the received quote, fraction and list.
        #expect(refused == 6 + 34 + 3)
        #expect(written == values.count - refused)
    }

    @Test("a value too long for the encoding buffer is still encoded whole")
    func longValue() throws {
        let template = LineTemplate([("event", .string("x")), ("text", .string(""))], fixed: 1)
        let long = String(repeating: #"\""#, count: 40_000)  // 80,000 characters, 160,000 once escaped
        let line = template.line(fields: [("text", .string(long))])
        #expect(line == WireValue.object([("event", .string("x")), ("text", .string(long))]).line())
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["text"] as? String == long)
    }
}

@Suite("Line splitting")
struct LineSplitterTests {
    /// Feeds the pieces in turn, then ends the stream; returns what came out.
    static func split(_ pieces: [String], limit: Int = 10) -> [String] {
        var splitter = LineSplitter(maximumLength: limit)
        var out: [String] = []
        func take(_ piece: LineSplitter.Piece) {
            switch piece {
            case let .line(bytes): out.append(String(decoding: bytes, as: UTF8.self))
            case .tooLong: out.append("<too long>")
            }
        }
        for piece in pieces {
            var buffer = ByteBufferAllocator().buffer(string: piece)
            splitter.feed(&buffer, take)
        }
        splitter.finish(take)
        return out
    }

    @Test("lines are cut at newlines wherever the pieces break, CR dropped, a last line without newline kept")
    func splitsLines() {
        #expect(Self.split(["ab\ncd", "e\r\n\nf", "g"]) == ["ab", "cde", "", "fg"])
        #expect(Self.split(["0123456789\n"]) == ["0123456789"], "a line of exactly the limit is a line")
    }

    @Test("a line over the limit is reported once, whether or not its end came in the same piece")
    func tooLong() {
        #expect(Self.split(["0123456789A\nok\n"]) == ["<too long>", "ok"])
        #expect(Self.split(["01234567", "89ABCDEF", "GHIJ", "KL\nok"]) == ["<too long>", "ok"])
        #expect(Self.split(["0123456789ABC"]) == ["<too long>"], "an unfinished long line is not a last line")
    }
}

