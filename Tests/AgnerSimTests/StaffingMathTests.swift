import Foundation
import Testing
@testable import AgnerSim

/// One row of `shared/validation/erlang-reference.csv` (a copy lives in Resources).
struct ReferenceRow: Sendable, CustomStringConvertible {
    var label: String
    var model: QueueModel
    var agents: Int
    var pWait, serviceLevel, asa, abandonRate, occupancy: Double

    var description: String { "\(label) n=\(agents)" }

    static let all: [ReferenceRow] = {
        let url = Bundle.module.url(forResource: "Resources/erlang-reference", withExtension: "csv")!
        let lines = try! String(contentsOf: url, encoding: .utf8).split(whereSeparator: \.isNewline).dropFirst()
        return lines.map { line in
            let f = line.split(separator: ",").map(String.init)
            return ReferenceRow(
                label: f[0],
                model: QueueModel(arrivalRate: Double(f[1])!, meanHandleTime: Double(f[2])!, meanPatience: f[4] == "inf" ? nil : Double(f[4])!),
                agents: Int(f[3])!, pWait: Double(f[5])!, serviceLevel: Double(f[6])!, asa: Double(f[7])!,
                abandonRate: Double(f[8])!, occupancy: Double(f[9])!)
        }
    }()
}

@Suite("Staffing math")
struct StaffingMathTests {
    @Test("Erlang C and Erlang A reproduce the reference values to 1e-6", arguments: ReferenceRow.all)
    func reproducesReference(row: ReferenceRow) {
        let figures = StaffingMath.figures(row.model, agents: row.agents, target: 60)
        #expect(abs(figures.probabilityOfWaiting - row.pWait) < 1e-6)
        #expect(abs(figures.serviceLevel - row.serviceLevel) < 1e-6)
        #expect(abs(figures.averageSpeedOfAnswer - row.asa) < 1e-6 * max(1, row.asa))
        #expect(abs(figures.abandonRate - row.abandonRate) < 1e-6)
        #expect(abs(figures.occupancy - row.occupancy) < 1e-6)
    }

    @Test("Erlang A with very patient customers approaches Erlang C")
    func patientCustomersApproachErlangC() {
        let c = StaffingMath.figures(QueueModel(arrivalRate: 0.1583333333, meanHandleTime: 300), agents: 52, target: 60)
        let a = StaffingMath.figures(QueueModel(arrivalRate: 0.1583333333, meanHandleTime: 300, meanPatience: 1e7), agents: 52, target: 60)
        #expect(abs(a.probabilityOfWaiting - c.probabilityOfWaiting) < 1e-3)
        #expect(abs(a.serviceLevel - c.serviceLevel) < 1e-3)
    }

    @Test("the service-level definitions order as they should when customers abandon")
    func definitionsOrder() {
        let model = QueueModel(arrivalRate: 0.1583333333, meanHandleTime: 300, meanPatience: 120)
        func sl(_ d: ServiceLevelDefinition) -> Double { StaffingMath.figures(model, agents: 48, target: 60, definition: d).serviceLevel }
        #expect(sl(.offered) < sl(.shortAbandonsExcluded))
        #expect(sl(.shortAbandonsExcluded) < sl(.answered))
        #expect(sl(.virtual) < sl(.answered))
    }

    @Test("the required agents are the fewest that meet the goal")
    func requiredAgents() throws {
        let model = QueueModel(arrivalRate: 570.0 / 3600, meanHandleTime: 300)
        let n = try #require(StaffingMath.requiredAgents(model, target: 60, goal: 0.8))
        #expect(StaffingMath.figures(model, agents: n, target: 60).serviceLevel >= 0.8)
        #expect(StaffingMath.figures(model, agents: n - 1, target: 60).serviceLevel < 0.8)
    }
}

extension StaffingMathTests {
    @Test("with abandonment the required agents may be fewer than the load")
    func erlangARequiredBelowLoad() throws {
        let model = QueueModel(arrivalRate: 9.5 / 60, meanHandleTime: 300, meanPatience: 120)
        let n = try #require(StaffingMath.requiredAgents(model, target: 60, goal: 0.8))
        #expect(Double(n) < model.load)
        #expect(StaffingMath.figures(model, agents: n, target: 60).serviceLevel >= 0.8)
        #expect(StaffingMath.figures(model, agents: n - 1, target: 60).serviceLevel < 0.8)
    }
}

extension StaffingMathTests {
    static let grid: [(Double, Double, Double, Int)] = [
        // arrivals per s, AHT s, patience s, agents: under, near and over load, small and larger pools
        (0.1583333333, 300, 120, 50), (0.1583333333, 300, 120, 40), (0.1583333333, 300, 120, 60), (0.02, 180, 60, 3),
        (0.02, 180, 600, 1), (1.5, 240, 90, 300), (1.5, 240, 90, 420), (0.5, 600, 30, 250), (0.05, 30, 1000, 2),
    ]

    @Test("the closed forms of Erlang A agree with the exact birth–death chain for every definition", arguments: 0..<9)
    func closedFormsMatchChain(index: Int) {
        let (rate, aht, patience, agents) = Self.grid[index]
        let model = QueueModel(arrivalRate: rate, meanHandleTime: aht, meanPatience: patience)
        for definition in ServiceLevelDefinition.allCases {
            for target in [0.0, 20, 60, 300] {
                let fast = StaffingMath.figures(model, agents: agents, target: target, definition: definition)
                let exact = ExactChainErlangA.figures(model, agents: agents, patience: patience, target: target, definition: definition)
                #expect(abs(fast.probabilityOfWaiting - exact.probabilityOfWaiting) < 1e-9, "\(definition) t=\(target)")
                #expect(abs(fast.serviceLevel - exact.serviceLevel) < 1e-8, "\(definition) t=\(target)")
                #expect(abs(fast.abandonRate - exact.abandonRate) < 1e-9)
                #expect(abs(fast.averageSpeedOfAnswer - exact.averageSpeedOfAnswer) < 1e-7 * max(1, exact.averageSpeedOfAnswer))
                #expect(abs(fast.occupancy - exact.occupancy) < 1e-9)
            }
        }
    }

    @Test("Erlang B from the incomplete gamma function agrees with its recursion where the two meet")
    func erlangBForms() {
        for (agents, load) in [(10_001, 9_800.0), (10_500, 10_400.0), (12_000, 11_000.0), (20_000, 19_990.0)] {
            var b = 1.0
            for k in 1...agents { b = load * b / (Double(k) + load * b) }
            #expect(abs(StaffingMath.erlangB(agents: agents, load: load) - b) < 1e-10 * max(b, 1e-300) + 1e-15)
        }
    }

    @Test("the search cap is never an answer: 28,000 calls a second get a real staffing that meets the goal")
    func hugeLoadGetsRealAnswer() throws {
        // Before: "8388608 agents are needed" at 0 % service level (the search's cap).
        let model = QueueModel(arrivalRate: 28_000, meanHandleTime: 300)
        let n = try #require(StaffingMath.requiredAgents(model, target: 60, goal: 0.8))
        #expect(n != 1 << 23)
        #expect(StaffingMath.figures(model, agents: n, target: 60).serviceLevel >= 0.8)
        #expect(StaffingMath.figures(model, agents: n - 1, target: 60).serviceLevel < 0.8)
        #expect(Double(n) > model.load)
    }

    @Test("Erlang A at 10,000,000 calls an hour gives the fewest agents that meet the goal")
    func erlangAAtScale() throws {
        let model = QueueModel(arrivalRate: 10_000_000 / 3600, meanHandleTime: 300, meanPatience: 120)
        let n = try #require(StaffingMath.requiredAgents(model, target: 60, goal: 0.8))
        let at = StaffingMath.figures(model, agents: n, target: 60), below = StaffingMath.figures(model, agents: n - 1, target: 60)
        #expect(at.serviceLevel >= 0.8 && below.serviceLevel < 0.8)
        // Overloaded at scale the fluid limit holds: a share nμ/λ is answered, the rest abandons.
        #expect(abs(at.abandonRate - (1 - Double(n) / model.load)) < 0.01)
        let capped = try #require(StaffingMath.requiredAgents(model, target: 60, goal: 0.8, maxAbandon: 0.05))
        #expect(StaffingMath.figures(model, agents: capped, target: 60).abandonRate <= 0.05)
        #expect(StaffingMath.figures(model, agents: capped - 1, target: 60).abandonRate > 0.05)
    }

    @Test("an unattainable target is reported as unattainable, not decided by rounding")
    func unattainable() {
        let model = QueueModel(arrivalRate: 570.0 / 3600, meanHandleTime: 300)
        #expect(StaffingMath.requiredAgents(model, target: 60, goal: 1) == nil)
        #expect(StaffingMath.requiredAgents(model, target: 60, goal: 0.8, maxAbandon: nil) == 52)
    }

    @Test("with an abandonment cap the answer meets both the target and the cap")
    func abandonmentCap() throws {
        let model = QueueModel(arrivalRate: 9.5 / 60, meanHandleTime: 300, meanPatience: 120)
        let targetOnly = try #require(StaffingMath.requiredAgents(model, target: 60, goal: 0.8))
        let capped = try #require(StaffingMath.requiredAgents(model, target: 60, goal: 0.8, maxAbandon: 0.02))
        #expect(capped > targetOnly)
        #expect(StaffingMath.figures(model, agents: capped, target: 60).abandonRate <= 0.02)
        #expect(StaffingMath.figures(model, agents: capped - 1, target: 60).abandonRate > 0.02)
    }
}
