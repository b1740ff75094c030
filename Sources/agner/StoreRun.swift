import AgnerSim
import AgnerStore
import Foundation

/// Stores a simulation in the results database: the run's settings, every figure with its
/// interval, the per-interval rows and the per-agent rows.
func storeRun(outcome: SimulationOutcome, summary: SimulationSummary, path: String) throws {
    let store: ResultsStore
    do { store = try ResultsStore(path: path) } catch {
        throw CommandFailure(description: "\(path): cannot open the results database: \(error)")
    }
    let formatter = ISO8601DateFormatter()
    let run = RunRecord(
        createdAt: formatter.string(from: Date()), scenario: summary.scenario, scenarioHash: summary.scenarioHash,
        variant: summary.variant, seed: summary.seed, replications: summary.replications, days: summary.days,
        warmupSeconds: summary.warmupSeconds, serviceLevelDefinition: summary.serviceLevelDefinition,
        contactsSimulated: summary.contactsSimulated, wallSeconds: summary.wallSeconds)
    var metrics: [MetricRecord] = []
    func add(_ scope: String, _ group: SimulationSummary.Group) {
        func m(_ name: String, _ e: Estimate) {
            metrics.append(MetricRecord(runId: 0, scope: scope, name: group.name, metric: name,
                                        mean: e.mean.isFinite ? e.mean : nil, halfWidth: e.halfWidth.flatMap { $0.isFinite ? $0 : nil }))
        }
        m("offered", group.offered)
        m("answered", group.answered)
        m("abandoned", group.abandoned)
        m("serviceLevel", group.serviceLevel)
        m("probabilityOfWaiting", group.probabilityOfWaiting)
        m("averageSpeedOfAnswer", group.averageSpeedOfAnswer)
        m("longestWait", group.longestWait)
        m("averageHandleTime", group.averageHandleTime)
        m("abandonRate", group.abandonRate)
        m("callbacks", group.callbacks)
        m("unserved", group.unserved)
        m("deflected", group.deflected)
        m("qaSampled", group.qaSampled)
        for (cause, estimate) in group.breaches.sorted(by: { $0.key < $1.key }) { m("breaches.\(cause)", estimate) }
        if let occupancy = group.occupancy { m("occupancy", occupancy) }
    }
    add("total", summary.total)
    for group in summary.channels { add("channel", group) }
    for group in summary.topics { add("topic", group) }
    for group in summary.departments { add("department", group) }
    for group in summary.segments { add("segment", group) }
    for (name, estimate) in [("agents", summary.costs.agents), ("notices", summary.costs.notices), ("total", summary.costs.total),
                             ("perAnswered", summary.costs.perAnswered)] {
        metrics.append(MetricRecord(runId: 0, scope: "cost", name: name, metric: "cost",
                                    mean: estimate.mean.isFinite ? estimate.mean : nil, halfWidth: estimate.halfWidth))
    }
    func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }
    let intervals = summary.intervals.map {
        IntervalRecord(runId: 0, day: $0.day, start: $0.start, channel: $0.channel, offered: $0.offered, answered: $0.answered,
                       abandoned: $0.abandoned, serviceLevel: finite($0.serviceLevel),
                       averageSpeedOfAnswer: finite($0.averageSpeedOfAnswer), occupancy: finite($0.occupancy))
    }
    let agents = summary.agents.map {
        AgentResultRecord(runId: 0, agent: $0.agent, groupName: $0.group, answered: $0.answered,
                          averageHandleTime: finite($0.averageHandleTime), occupancy: finite($0.occupancy), qaSampled: $0.qaSampled)
    }
    do { try store.save(run, metrics: metrics, intervals: intervals, agents: agents) } catch {
        throw CommandFailure(description: "\(path): cannot store the run: \(error)")
    }
}
