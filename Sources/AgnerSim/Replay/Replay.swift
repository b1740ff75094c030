import AgnerCore

/// Recorded traffic fed into the routing engine under a center (the one it was recorded with,
/// or another), with the recorded agents or other staffing: "yesterday, with other staffing".
///
/// The engine runs as live (offers ring and time out as the center says, wrap-up as the center
/// says). What the record says is replayed at its time and journal place: arrivals (channel,
/// topic, segment, priority), customers hanging up, agents' log-ins, breaks and log-outs, agents
/// added or changed live, channels opened and closed, adapters lost and back. What depends on
/// routing is modelled from the record:
///
/// - **Answers to offers.** An offer to the agent the record offered the contact to (the n-th
///   offer of the contact to that agent) gets the recorded answer after the recorded delay:
///   accepted, rejected, or no answer (the center's timeout ends it). An offer the record does
///   not have is answered as its agent answered its recorded offers, in turn (the k-th such
///   offer gets the answer and delay of the agent's k-th recorded offer, cycling), so that a
///   what-if keeps the record's share of rejected and missed offers; a newcomer answers as the
///   colleague whose hours it follows. An agent with no recorded answer accepts after the
///   contact's recorded ring delay, or the mean ring delay of its channel, or at once.
/// - **Handle times.** A contact is handled as long as it was (connection to `contact.complete`);
///   one never connected in the record gets the mean recorded handle time of its channel and
///   topic (else channel, else the center's distribution mean). One still in conversation at
///   the record's end stays in conversation.
/// - **Patience.** A customer who hung up hangs up at the recorded moment if still waiting or
///   ringing. Customers who were answered, or still waiting at the end, are patient: they wait
///   as long as it takes (beyond the window, where they count as open at end). A replay with
///   fewer agents therefore shows fewer abandons than the same day would have had.
///
/// When the center and the agents are the recorded ones, every offer comes out as recorded
/// (same contact, same agent, same time): `Outcome.exact` checks it on every run, and the test
/// "replaying a live router's journal under its own center and agents reproduces every offer:
/// same contact, same agent, same time" proves it.
public enum Replay {
    /// Where an agent's log-ins, breaks and log-outs come from.
    public enum Presence: Sendable, Equatable {
        /// The record's presence commands of this agent name (its own, or a colleague's it follows).
        case recorded(String)
        /// A schedule: (Unix seconds, presence) in time order.
        case schedule([ScheduledPresence])
        /// Never logs in.
        case never
    }

    public struct ScheduledPresence: Sendable, Equatable {
        public var time: Double
        public var presence: AgnerCore.Presence
        public init(time: Double, presence: AgnerCore.Presence) {
            self.time = time
            self.presence = presence
        }
    }

    /// An agent of the replay, known from the start.
    public struct Agent: Sendable {
        public var name: String
        /// Its profile in the replay's center (the id is set by the replay).
        public var profile: AgentProfile
        public var presence: Presence
        /// Its agent group in the replay's scenario, if any.
        public var group: Int?
        public init(name: String, profile: AgentProfile, presence: Presence, group: Int? = nil) {
            self.name = name
            self.profile = profile
            self.presence = presence
            self.group = group
        }
    }

    /// An agent whose work a replay measured (`ReplicationResult.agents` is in this order).
    public struct MeasuredAgent: Sendable, Equatable {
        public var name: String
        /// Its department's index in the measured center (nil: none there).
        public var department: Int?
        /// Its agent group's index in the scenario (nil: added live).
        public var group: Int?
        public init(name: String, department: Int?, group: Int?) {
            self.name = name
            self.department = department
            self.group = group
        }
    }

    /// Channels opened and closed: as recorded, or by other opening hours.
    public enum Openings: Sendable {
        /// Every recorded opening and closing (the calendar's and supervisors').
        case recorded
        /// The recorded calendar's openings and closings replaced by these (Unix seconds, in
        /// time order); supervisors' `center.open` and `center.close` still as recorded.
        case calendar([OpeningChange])
    }

    /// A channel opening or closing at a moment (Unix seconds).
    public struct OpeningChange: Sendable, Equatable {
        public var time: Double
        public var channel: Channel
        public var open: Bool
        public init(time: Double, channel: Channel, open: Bool) {
            self.time = time
            self.channel = channel
            self.open = open
        }
    }

    public struct Setup: Sendable {
        /// The center to replay under.
        public var center: CenterConfiguration
        /// Its agents at start, in order (they get the first engine slots, as live).
        public var agents: [Agent]
        public var openings: Openings
        public var window: ReplayWindow
        public var costs: Costs?
        /// Seconds a contact the record never connected is handled for, by channel and topic
        /// (in `center`) when the record has no handle time of its kind.
        public var defaultHandleTime: @Sendable (Channel, TopicID) -> Double

        public init(center: CenterConfiguration, agents: [Agent], openings: Openings = .recorded, window: ReplayWindow,
                    costs: Costs? = nil, defaultHandleTime: @escaping @Sendable (Channel, TopicID) -> Double = { _, _ in 300 }) {
            self.center = center
            self.agents = agents
            self.openings = openings
            self.window = window
            self.costs = costs
            self.defaultHandleTime = defaultHandleTime
        }
    }

    /// An offer the replay made.
    public struct OfferMade: Sendable, Equatable {
        /// The contact's index in the recording.
        public var contact: Int
        public var agent: String
        public var time: Double
    }

    /// What happened to a recorded contact in the replay (Unix seconds; nil: it did not happen).
    public struct ContactTrace: Sendable, Equatable {
        public var connected: Double?
        public var completed: Double?
        /// Hung up (or ended with its adapter) while waiting or ringing.
        public var abandoned: Double?
        public var closed = false
    }

    /// Whether the replay made the recorded offers: same contact, same agent, same time.
    public struct Exactness: Sendable, Equatable {
        public var recordedOffers: Int
        public var replayedOffers: Int
        /// Replayed offers that matched the recorded offer of the same contact at the same place.
        public var matching: Int
        /// The first offer that differed, as "contact 'c7': recorded bea at …, replayed sam at …".
        public var firstDifference: String?
        public var isExact: Bool { firstDifference == nil && matching == recordedOffers && replayedOffers == recordedOffers }
    }

    public struct Outcome: Sendable {
        /// The figures, as one replication.
        public var result: ReplicationResult
        /// The agents measured, in order (those at start, then those added live).
        public var agents: [MeasuredAgent]
        public var exactness: Exactness
        /// What the replay had to leave out or assume (an agent added live whose department the
        /// center does not have, a removal refused because the agent still held contacts, …).
        public var notes: [String]
        /// Every offer, when asked for (`run(…, keepDetails: true)`).
        public var offers: [OfferMade]
        /// Each recorded contact's fate, by its index in the recording, when asked for.
        public var contacts: [ContactTrace]
    }

    /// Why a recording cannot run under a center.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Replays `recording` under `setup` up to the window's end.
    /// - Throws: `Failure` when the center lacks a topic the recording's contacts need.
    /// - Parameter keepDetails: keep every offer and each contact's fate in the outcome
    ///   (memory in proportion to the recording).
    public static func run(_ recording: Recording, _ setup: Setup, keepDetails: Bool = false,
                           progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws(Failure) -> Outcome {
        var run = try ReplayRun(recording: recording, setup: setup)
        run.keepDetails = keepDetails
        run.progress = progress
        return run.run()
    }
}
