import AgnerCore
import Foundation
import Testing
@testable import AgnerSim

@Suite("Waiting-time bands and the schedule's cost")
struct WaitAndCostTests {
    @Test("wait bands: 10 s wide up to 120 s, then one band for longer waits", arguments: [
        (0.0, 0), (10.0, 0), (10.5, 1), (60.0, 5), (60.01, 6), (120.0, 11), (120.5, 12), (10_000.0, 12)])
    func bands(wait: Double, band: Int) {
        #expect(WaitBands.band(of: wait) == band)
    }

    @Test("every answered contact is in one wait band, and the bands within the target are the answers within it")
    func bandsAddUp() throws {
        let scenario = try ScenarioLoader.load(path: BundledScenarios.path("retail"))
        let outcome = try Simulator.run(scenario, options: Simulator.Options(replications: 2, days: 1))
        for result in outcome.replications {
            #expect(result.answeredByWait.count == Channel.allCases.count * WaitBands.count)
            for channel in Channel.allCases {
                let bands = result.answeredByWait[(channel.rawValue * WaitBands.count)..<((channel.rawValue + 1) * WaitBands.count)]
                #expect(bands.reduce(0, +) == result.channels[channel.rawValue].answered)
                if channel.isRealTime {  // target 60 s: bands 0–5
                    #expect(bands.prefix(6).reduce(0, +) == result.channels[channel.rawValue].answeredWithinTarget)
                }
            }
        }
    }

    @Test("results stored in byte format 1 (before waits were recorded) are still read, without waits")
    func formatOneStillRead() throws {
        let scenario = try ScenarioLoader.load(path: BundledScenarios.path("single-queue"))
        let result = try Simulator.run(scenario, options: Simulator.Options(replications: 1, days: 1)).replications[0]
        var bytes = result.encodedBytes()
        #expect(try ReplicationResult(bytes: bytes) == result)
        // Format 1: the same fields without the wait bands at the end.
        var old = result
        old.answeredByWait = []
        bytes = old.encodedBytes()
        bytes[0] = 1
        bytes.removeLast()  // the empty list's count
        #expect(try ReplicationResult(bytes: bytes) == old)
    }

    @Test("the schedule's cost by interval adds up to the run's agent cost, with the premium only outside the standard hours",
          arguments: ["extended-hours", "retail"])
    func costAddsUp(name: String) throws {
        let scenario = try ScenarioLoader.load(path: BundledScenarios.path(name), variant: name == "extended-hours" ? "extended" : nil)
        let outcome = try Simulator.run(scenario, options: Simulator.Options(replications: 1, days: 2))
        let intervals = ScheduleCost.byInterval(outcome.scenario)
        let total = intervals.reduce(0) { $0 + $1.total }
        #expect(abs(total - outcome.replications[0].agentCost) < 1e-6 * max(1, total))
        let run = outcome.scenario.run
        let standard = outcome.scenario.costs.standardHours
        for (index, interval) in intervals.enumerated() where standard.contains(Double(index % run.intervalsPerDay) * run.interval)
            && standard.contains(Double(index % run.intervalsPerDay + 1) * run.interval - 1) {
            #expect(interval.premium == 0)
        }
        if name == "extended-hours" { #expect(intervals.contains { $0.premium > 0 }) }
    }
}
