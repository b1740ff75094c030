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
    func requiredAgents() {
        let model = QueueModel(arrivalRate: 570.0 / 3600, meanHandleTime: 300)
        let n = StaffingMath.requiredAgents(model, target: 60, goal: 0.8)
        #expect(StaffingMath.figures(model, agents: n, target: 60).serviceLevel >= 0.8)
        #expect(StaffingMath.figures(model, agents: n - 1, target: 60).serviceLevel < 0.8)
    }
}

extension StaffingMathTests {
    @Test("with abandonment the required agents may be fewer than the load")
    func erlangARequiredBelowLoad() {
        let model = QueueModel(arrivalRate: 9.5 / 60, meanHandleTime: 300, meanPatience: 120)
        let n = StaffingMath.requiredAgents(model, target: 60, goal: 0.8)
        #expect(Double(n) < model.load)
        #expect(StaffingMath.figures(model, agents: n, target: 60).serviceLevel >= 0.8)
        #expect(StaffingMath.figures(model, agents: n - 1, target: 60).serviceLevel < 0.8)
    }
}
