import AgnerCore
import Testing
@testable import AgnerSim

/// The replication's event list is an `EventList` (AgnerCore's `BinaryHeap` order operations
/// over a slab), its next arrivals an `ArrivalTournament`: these check them against plain
/// models with the simulator's own entries.
@Suite("Event lists")
struct EventListTests {
    @Test("a replication's event list pops in (time, sequence) order, ties on time broken by sequence")
    func popsInOrder() {
        var rng = Xoshiro256(seed: 14)
        let list = EventList(reserving: 4, placeholder: Replication.Pending(time: 0, sequence: 0, kind: .dayStart, a: 0))
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
                list.popMin()
                list.insert(new)
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

    @Test("the next arrivals come by time, then stream")
    func arrivalsByTimeThenStream() {
        let arrivals = ArrivalTournament(streams: 5)
        #expect(arrivals.nextTime == .infinity)
        for (time, stream) in [(5.0, 2), (3.0, 1), (5.0, 4), (1.0, 3), (3.0, 0)] {
            arrivals.setNext(time, of: stream)
        }
        #expect(arrivals.next == 3 && arrivals.nextTime == 1)
        arrivals.setNext(4, of: 3)
        var taken: [String] = []
        while arrivals.nextTime < .infinity {
            taken.append("\(arrivals.nextTime)/\(arrivals.next)")
            arrivals.setNext(nil, of: arrivals.next)
        }
        #expect(taken == ["3.0/0", "3.0/1", "4.0/3", "5.0/2", "5.0/4"])
    }

    @Test("the arrival tournament names the earliest (time, stream) after any change, for 1 to 13 streams")
    func tournamentAgainstModel() {
        var rng = Xoshiro256(seed: 41)
        for streams in 1...13 {
            let arrivals = ArrivalTournament(streams: streams)
            var model = [Seconds](repeating: .infinity, count: streams)
            for _ in 0..<2_000 {
                // The simulator replaces the next arrival; other streams change here too.
                let stream = rng.next() % 2 == 0 ? arrivals.next : Int(rng.next() % UInt64(streams))
                guard stream < streams else { continue }  // no stream has an arrival: the padding wins
                // Few distinct times, so that streams tie and the lower one must come first.
                let time: Seconds? = rng.next() % 8 == 0 ? nil : Double(rng.next() % 6) * 60
                arrivals.setNext(time, of: stream)
                model[stream] = time ?? .infinity
                let earliest = model.min()!
                #expect(arrivals.nextTime == earliest)
                if earliest < .infinity { #expect(arrivals.next == model.firstIndex(of: earliest)!) }
            }
        }
    }
}
