import AgnerCore

/// A replication's counters as bytes, for the results database and for merging shards.
///
/// Layout (format 2): a format byte, then every field in declaration order (`answeredByWait`
/// last, after the costs; format 1 has no `answeredByWait` and is still read); whole numbers as
/// LEB128 varints (zig-zag for signs), numbers with a fraction as a tag byte (0 for zero, 1
/// then the 8 bytes of the IEEE 754 double, little-endian), arrays as a varint count then the
/// elements. Zeros cost a byte, so the per-interval table of channels without demand is small.
/// Doubles keep their exact bits: merged shards give the very numbers of the unsharded run.
extension ReplicationResult {
    static let byteFormat: UInt8 = 2

    /// - Complexity: O(size of the result).
    public func encodedBytes() -> [UInt8] {
        var out = ByteWriter()
        out.bytes.append(Self.byteFormat)
        out.int(index)
        out.tally(total)
        out.tallies(channels)
        out.tallies(topics)
        out.tallies(departments)
        out.tallies(segments)
        out.tallies(intervals)
        out.int(intervalWorkload.count)
        for workload in intervalWorkload { out.workload(workload) }
        out.workload(workload)
        out.int(agents.count)
        for agent in agents {
            out.int(agent.answered)
            out.double(agent.handleSum)
            out.workload(agent.workload)
            out.int(agent.qaSampled)
        }
        out.ints(answeredByDepartment)
        out.ints(answeredAtStep)
        out.int(ladderSteps)
        out.int(contactsSimulated)
        out.double(agentCost)
        out.double(noticeCost)
        out.ints(answeredByWait)
        return out.bytes
    }

    /// - Throws: `TextFile.Failure` when the bytes are not a replication in a known format.
    public init(bytes: [UInt8]) throws(TextFile.Failure) {
        var input = ByteReader(bytes: bytes)
        guard let format = input.byte(), format == 1 || format == Self.byteFormat else {
            throw TextFile.Failure(description: "a stored replication is in an unknown format")
        }
        do {
            let index = try input.int()
            self.init(index: index, topics: 0, departments: 0, intervals: 0, agents: 0, ladderSteps: 1)
            total = try input.tally()
            channels = try input.tallies()
            topics = try input.tallies()
            departments = try input.tallies()
            segments = try input.tallies()
            intervals = try input.tallies()
            intervalWorkload = try (0..<input.count()).map { _ in try input.workload() }
            workload = try input.workload()
            agents = try (0..<input.count()).map { _ in
                var agent = AgentTally()
                agent.answered = try input.int()
                agent.handleSum = try input.double()
                agent.workload = try input.workload()
                agent.qaSampled = try input.int()
                return agent
            }
            answeredByDepartment = try input.ints()
            answeredAtStep = try input.ints()
            ladderSteps = try input.int()
            contactsSimulated = try input.int()
            agentCost = try input.double()
            noticeCost = try input.double()
            if format >= 2 { answeredByWait = try input.ints() }
            guard input.atEnd else { throw ByteReader.Truncated() }
        } catch {
            throw TextFile.Failure(description: "a stored replication is damaged")
        }
    }
}

struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func int(_ value: Int) {
        var zigzag = UInt64(bitPattern: Int64(value) << 1 ^ Int64(value) >> 63)
        repeat {
            var byte = UInt8(zigzag & 0x7f)
            zigzag >>= 7
            if zigzag != 0 { byte |= 0x80 }
            bytes.append(byte)
        } while zigzag != 0
    }

    mutating func ints(_ values: [Int]) {
        int(values.count)
        for value in values { int(value) }
    }

    mutating func double(_ value: Double) {
        if value == 0 && value.sign == .plus {
            bytes.append(0)
            return
        }
        bytes.append(1)
        var bits = value.bitPattern
        for _ in 0..<8 {
            bytes.append(UInt8(bits & 0xff))
            bits >>= 8
        }
    }

    mutating func perChannel(_ values: PerChannel<Double>) {
        for channel in Channel.allCases { double(values[channel]) }
    }

    mutating func workload(_ w: Workload) {
        double(w.staffed)
        double(w.occupied)
        perChannel(w.slotsOffered)
        perChannel(w.slotsUsed)
    }

    mutating func tally(_ t: Tally) {
        for value in [t.offered, t.answered, t.answeredWithinTarget, t.abandoned, t.openAtEnd, t.abandonedShort, t.waited] { int(value) }
        double(t.waitSum)
        double(t.longestWait)
        double(t.handleSum)
        for index in 0..<BreachCounts.count { int(t.breaches[index]) }
        for value in [t.callbacks, t.unserved, t.deflected, t.noticesSent, t.qaSampled] { int(value) }
    }

    mutating func tallies(_ values: [Tally]) {
        int(values.count)
        for value in values { tally(value) }
    }
}

struct ByteReader {
    struct Truncated: Error {}
    let bytes: [UInt8]
    var position = 0

    var atEnd: Bool { position == bytes.count }

    mutating func byte() -> UInt8? {
        guard position < bytes.count else { return nil }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func int() throws -> Int {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard let byte = byte(), shift < 64 else { throw Truncated() }
            value |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        return Int(Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1))
    }

    /// A count, no larger than the bytes left (a damaged count must not reserve billions).
    mutating func count() throws -> Int {
        let count = try int()
        guard count >= 0, count <= bytes.count - position else { throw Truncated() }
        return count
    }

    mutating func ints() throws -> [Int] {
        try (0..<count()).map { _ in try int() }
    }

    mutating func double() throws -> Double {
        guard let tag = byte() else { throw Truncated() }
        if tag == 0 { return 0 }
        guard tag == 1, position + 8 <= bytes.count else { throw Truncated() }
        var bits: UInt64 = 0
        for shift in 0..<8 { bits |= UInt64(bytes[position + shift]) << (8 * UInt64(shift)) }
        position += 8
        return Double(bitPattern: bits)
    }

    mutating func perChannel() throws -> PerChannel<Double> {
        PerChannel(phone: try double(), chat: try double(), email: try double(), clickToCall: try double())
    }

    mutating func workload() throws -> Workload {
        var w = Workload()
        w.staffed = try double()
        w.occupied = try double()
        w.slotsOffered = try perChannel()
        w.slotsUsed = try perChannel()
        return w
    }

    mutating func tally() throws -> Tally {
        var t = Tally()
        t.offered = try int()
        t.answered = try int()
        t.answeredWithinTarget = try int()
        t.abandoned = try int()
        t.openAtEnd = try int()
        t.abandonedShort = try int()
        t.waited = try int()
        t.waitSum = try double()
        t.longestWait = try double()
        t.handleSum = try double()
        for index in 0..<BreachCounts.count { t.breaches[index] = try int() }
        t.callbacks = try int()
        t.unserved = try int()
        t.deflected = try int()
        t.noticesSent = try int()
        t.qaSampled = try int()
        return t
    }

    mutating func tallies() throws -> [Tally] {
        try (0..<count()).map { _ in try tally() }
    }
}
