import AgnerCore
import Testing
@testable import AgnerSim

/// The replication's event list is AgnerCore's `BinaryHeap`: these check it against a plain
/// sorted model with the simulator's own entries.
@Suite("Event lists")
struct EventListTests {
    @Test("a replication's event list pops in (time, sequence) order, ties on time broken by sequence, replaceMin included")
    func popsInOrder() {
        var rng = Xoshiro256(seed: 14)
        var list = BinaryHeap<Replication.Pending>()
        var model: [Replication.Pending] = []  // kept sorted
        var sequence: UInt64 = 0
        func entry() -> Replication.Pending {
            sequence += 1
            // Few distinct times, some negative (shifts begun the evening before), so that
            // many entries tie on time and the sequence decides.
            let time = Double(Int(rng.next() % 40) - 5) * 60
            return Replication.Pending(time: time, sequence: sequence, kind: .complete, a: sequence)
        }
        func add(_ new: Replication.Pending) {
            model.insert(new, at: model.firstIndex { new < $0 } ?? model.count)
        }
        for _ in 0..<20_000 {
            switch rng.next() % 5 {
            case 0, 1:
                let new = entry()
                list.insert(new)
                add(new)
            case 2 where !model.isEmpty:
                let new = entry()
                #expect(list.min == model.first)
                list.replaceMin(with: new)
                model.removeFirst()
                add(new)
            default:
                #expect(list.popMin() == (model.isEmpty ? nil : model.removeFirst()))
            }
            #expect(list.count == model.count)
        }
        for expected in model { #expect(list.popMin() == expected) }
        #expect(list.popMin() == nil)
    }

    @Test("the next arrivals pop by time, then stream")
    func arrivalsByTimeThenStream() {
        var list = BinaryHeap<Replication.NextArrival>()
        for (time, stream) in [(5.0, 2), (3.0, 1), (5.0, 0), (1.0, 3), (3.0, 0)] {
            list.insert(Replication.NextArrival(time: time, stream: stream))
        }
        list.replaceMin(with: Replication.NextArrival(time: 4, stream: 3))
        var popped: [String] = []
        while let next = list.popMin() { popped.append("\(next.time)/\(next.stream)") }
        #expect(popped == ["3.0/0", "3.0/1", "4.0/3", "5.0/0", "5.0/2"])
    }
}
