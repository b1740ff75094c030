import AgnerCore
import Testing
@testable import AgnerSim

@Suite("Simulator")
struct SimulatorTests {
    static func singleQueue(agents: Int, patience: String? = nil, days: Int = 2, replications: Int = 4, seed: Int = 7) -> String {
        """
        agents: [{count: \(agents)}]
        demand: [{rate: 9.5/min}]
        handling: {default: 300s}
        \(patience.map { "patience: {default: \($0)}" } ?? "")
        run: {days: \(days), warmup: 2h, replications: \(replications), seed: \(seed)}
        """
    }

    @Test("a short run lands near Erlang C (tolerances honest for two simulated days)")
    func nearErlangC() throws {
        let scenario = try ScenarioLoader.load(yaml: Self.singleQueue(agents: 52))
        let summary = SimulationSummary(try Simulator.run(scenario))
        let analytic = StaffingMath.figures(QueueModel(arrivalRate: 9.5 / 60, meanHandleTime: 300), agents: 52, target: 60)
        let phone = try #require(summary.channels.first)
        #expect(abs(try #require(phone.probabilityOfWaiting).mean - analytic.probabilityOfWaiting) < 0.06)
        #expect(abs(try #require(phone.serviceLevel).mean - analytic.serviceLevel) < 0.05)
        #expect(abs(summary.occupancy.mean - analytic.occupancy) < 0.02)
    }

    @Test("a short run lands near Erlang A")
    func nearErlangA() throws {
        let scenario = try ScenarioLoader.load(yaml: Self.singleQueue(agents: 50, patience: "120s"))
        let summary = SimulationSummary(try Simulator.run(scenario))
        let analytic = StaffingMath.figures(QueueModel(arrivalRate: 9.5 / 60, meanHandleTime: 300, meanPatience: 120), agents: 50, target: 60)
        let phone = try #require(summary.channels.first)
        #expect(abs(try #require(phone.abandonRate).mean - analytic.abandonRate) < 0.02)
        #expect(abs(try #require(phone.serviceLevel).mean - analytic.serviceLevel) < 0.03)
    }
}
