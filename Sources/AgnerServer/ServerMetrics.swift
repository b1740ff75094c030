import AgnerProtocol
import AgnerCore
import CoreMetrics

/// How a contact's part in the metrics ended (the `outcome` label of `agner_contacts_total`).
public enum ContactOutcome: String, CaseIterable, Sendable {
    case answered, abandoned, closed, completed
    /// Ended because its adapter was gone past the grace.
    case adapterLost = "adapter_lost"
}

/// The live service's metrics, created once from the factory the application chooses
/// (Prometheus in `agner serve`, a test factory in tests). Labels are fixed sets.
public final class ServerMetrics: @unchecked Sendable {
    /// Contacts by channel and outcome (`ContactOutcome`).
    var contacts: [String: CoreMetrics.Counter] = [:]
    var breaches: [String: CoreMetrics.Counter] = [:]
    var agents: [String: CoreMetrics.Gauge] = [:]
    let waiting: CoreMetrics.Gauge
    let waitTime: CoreMetrics.Recorder
    let requestLatency: CoreMetrics.Timer
    let requests: CoreMetrics.Counter
    let requestErrors: CoreMetrics.Counter

    public init(factory: any MetricsFactory) {
        waiting = Gauge(label: "agner_waiting_contacts", factory: factory)
        waitTime = Recorder(label: "agner_wait_seconds", aggregate: true, factory: factory)
        requestLatency = Timer(label: "agner_request_duration", factory: factory)
        requests = Counter(label: "agner_requests_total", factory: factory)
        requestErrors = Counter(label: "agner_request_errors_total", factory: factory)
        for channel in Channel.allCases {
            for outcome in ContactOutcome.allCases {
                contacts["\(channel.name)/\(outcome.rawValue)"] = Counter(
                    label: "agner_contacts_total", dimensions: [("channel", channel.name), ("outcome", outcome.rawValue)], factory: factory)
            }
        }
        for cause in BreachCause.allCases {
            breaches[cause.rawValue] = Counter(label: "agner_breaches_total", dimensions: [("cause", cause.rawValue)], factory: factory)
        }
        for state in AgentState.allCases {
            agents[state.name] = Gauge(label: "agner_agents", dimensions: [("state", state.name)], factory: factory)
        }
    }

    func contact(_ channel: Channel, _ outcome: ContactOutcome) {
        contacts["\(channel.name)/\(outcome.rawValue)"]?.increment()
    }

    func breach(_ cause: BreachCause) {
        breaches[cause.rawValue]?.increment()
    }

    func agentCounts(_ counts: [AgentState: Int]) {
        for state in AgentState.allCases { agents[state.name]?.record(counts[state] ?? 0) }
    }
}
