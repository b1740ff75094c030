import AgnerCore
import Testing
@testable import AgnerSim

@Suite("Event lists")
struct EventListTests {
    @Test("a replication's event list pops in the order of AgnerCore's binary heap, ties on time broken by sequence, replaceMin included")
    func popsInHeapOrder() {
        var rng = Xoshiro256(seed: 14)
        let list = EventList<Replication.Pending>(reserving: 2)  // grows
        var reference = BinaryHeap<Replication.Pending>()
        var sequence: UInt64 = 0
        func entry() -> Replication.Pending {
            sequence += 1
            // Few distinct times, some negative (shifts begun the evening before), so that
            // many entries tie on time and the sequence decides.
            let time = Double(Int(rng.next() % 40) - 5) * 60
            return Replication.Pending(time: time, sequence: sequence, kind: .complete, a: sequence)
        }
        for _ in 0..<20_000 {
            switch rng.next() % 5 {
            case 0, 1:
                let new = entry()
                list.insert(new)
                reference.insert(new)
            case 2 where list.count > 0:
                let new = entry()
                #expect(list.min == reference.min)
                list.replaceMin(with: new)
                reference.popMin()
                reference.insert(new)
            default:
                #expect(list.popMin() == reference.popMin())
            }
            #expect(list.count == reference.count)
        }
        while let expected = reference.popMin() { #expect(list.popMin() == expected) }
        #expect(list.popMin() == nil)
    }

    @Test("the next arrivals pop by time, then stream")
    func arrivalsByTimeThenStream() {
        let list = EventList<Replication.NextArrival>()
        for (time, stream) in [(5.0, 2), (3.0, 1), (5.0, 0), (1.0, 3), (3.0, 0)] {
            list.insert(Replication.NextArrival(time: time, stream: stream))
        }
        list.replaceMin(with: Replication.NextArrival(time: 4, stream: 3))
        var popped: [String] = []
        while let next = list.popMin() { popped.append("\(next.time)/\(next.stream)") }
        #expect(popped == ["3.0/0", "3.0/1", "4.0/3", "5.0/0", "5.0/2"])
    }
}
