import AgnerSim
import AgnerStore
import Foundation

/// Stores a simulation in the results database: the run's settings and the scenario's text,
/// every figure with its interval, each replication's counters and figures, the per-interval
/// rows and the per-agent rows. - Returns: the run's id.
@discardableResult
func storeRun(outcome: SimulationOutcome, summary: SimulationSummary, scenarioText: String?, path: String, sweepPoint: Int? = nil) throws -> Int64 {
    let store: ResultsStore
    do { store = try ResultsStore(path: path) } catch {
        throw CommandFailure(description: "\(path): cannot open the results database: \(error)")
    }
    let run = RunRecord(
        createdAt: ISO8601DateFormatter().string(from: Date()), scenario: summary.scenario, scenarioHash: summary.scenarioHash,
        variant: summary.variant, seed: summary.seed, replications: outcome.scenario.run.replications, days: summary.days,
        warmupSeconds: summary.warmupSeconds, serviceLevelDefinition: summary.serviceLevelDefinition,
        contactsSimulated: summary.contactsSimulated, wallSeconds: summary.wallSeconds,
        shardIndex: outcome.shard?.index, shardCount: outcome.shard?.count, scenarioText: scenarioText,
        overrides: outcome.scenario.overrides.isEmpty ? nil : outcome.scenario.overrides.map(\.description).joined(separator: "\n"),
        sweepPoint: sweepPoint)
    func finite(_ x: Double?) -> Double? { x.flatMap { $0.isFinite ? $0 : nil } }

    // Means and intervals, and the values behind them, from the one table of figures.
    var contents = RunContents()
    let figures = outcome.figures()
    for key in figures.keys.sorted() {
        let estimate = Estimate(figures[key]!, range: SimulationOutcome.range(ofMetric: key.metric))
        contents.metrics.append(MetricRecord(runId: 0, scope: key.scope.rawValue, name: key.name, metric: key.metric,
                                             mean: finite(estimate.mean), halfWidth: finite(estimate.halfWidth)))
        for (position, value) in figures[key]!.enumerated() {
            contents.replicationFigures.append(ReplicationFigureRecord(
                runId: 0, replication: outcome.replications[position].index, scope: key.scope.rawValue, name: key.name,
                metric: key.metric, value: finite(value)))
        }
    }
    contents.replications = outcome.replications.map {
        ReplicationRecord(runId: 0, replication: $0.index, contactsSimulated: $0.contactsSimulated, result: Data($0.encodedBytes()))
    }
    for interval in summary.intervals {
        contents.intervalStaffing.append(IntervalStaffingRecord(runId: 0, day: interval.day, start: interval.start,
                                                                staffedAgents: interval.staffedAgents, occupancy: finite(interval.occupancy)))
        for r in interval.channels {
            contents.intervalChannels.append(IntervalChannelRecord(
                runId: 0, day: interval.day, start: interval.start, channel: r.channel, offered: r.offered, answered: r.answered,
                abandoned: r.abandoned, openAtEnd: r.openAtEnd, unserved: r.unserved, deflected: r.deflected,
                serviceLevel: finite(r.serviceLevel), averageSpeedOfAnswer: finite(r.averageSpeedOfAnswer), slotUtilisation: finite(r.slotUtilisation)))
        }
    }
    contents.agents = summary.agents.enumerated().map { index, a in
        AgentResultRecord(runId: 0, agent: index, name: a.agent, groupName: a.group, answered: a.answered,
                          averageHandleTime: finite(a.averageHandleTime), occupancy: finite(a.occupancy),
                          slotUtilisation: finite(a.slotUtilisation), qaSampled: a.qaSampled)
    }
    do { return try store.save(run, contents) } catch {
        throw CommandFailure(description: "\(path): cannot store the run: \(error)")
    }
}
