import AgnerCore
import AgnerProtocol
import AgnerServer
import AgnerSim
import Foundation

/// `agner replay` without its command line: a journal played back on the engine under the
/// center it was written with (`JournalPlayback`), recorded (`Recorder`), then replayed under a
/// center and staffing (`Replay`). The command line reads the journal and writes the report; the
/// tests drive the same pipeline with a live router's journal.
struct ReplayPipeline {
    /// The center the journal was written with.
    let recorded: Scenario
    var playback: JournalPlayback
    var recorder: Recorder
    let window: ReplayWindow

    /// What a replay under one center gives.
    struct Side {
        var scenario: Scenario
        var outcome: Replay.Outcome
        /// The figures, as a one-replication run.
        var simulation: SimulationOutcome
    }

    /// - Throws: `CommandFailure` when the recorded center's agents do not fit it.
    init(recorded: Scenario, window: ReplayWindow, adapterGrace: Double = 120) throws {
        self.recorded = recorded
        self.window = window
        let roster = recorded.roster.members.map { member -> (name: String, profile: AgentProfile, group: Int?) in
            let group = recorded.agentGroups[member.group]
            return (member.name, AgentProfile(id: AgentID(0), department: group.department, skills: group.skills, capacity: group.capacity),
                    member.group)
        }
        do {
            playback = try JournalPlayback(center: recorded.center, agents: roster.map { .init(name: $0.name, profile: $0.profile) },
                                           adapterGrace: adapterGrace)
        } catch {
            throw CommandFailure(description: "\(recorded.name): its agents do not fit its center: \(error)")
        }
        recorder = Recorder(center: recorded.center, roster: roster, window: window, costs: recorded.costs)
    }

    /// Plays one journal entry back and records it.
    /// - Throws: `JournalPlayback.Refusal` naming the entry.
    mutating func record(_ entry: JournalEntry, sequence: Int64) throws(JournalPlayback.Refusal) {
        var fired: [(Double, [Event])] = []
        let step = try playback.apply(entry, sequence: sequence) { time, events in fired.append((time, events)) }
        for (time, events) in fired { recorder.timers(at: time, events) }
        recorder.entry(Self.entry(step, center: recorded.center), at: Recording.Place(time: step.time, sequence: step.sequence), step.events)
    }

    /// Ends the record at the window's end (timers up to it fire).
    mutating func finish() -> (recording: Recording, measured: SimulationOutcome) {
        var fired: [(Double, [Event])] = []
        playback.advance(to: window.to) { time, events in fired.append((time, events)) }
        for (time, events) in fired { recorder.timers(at: time, events) }
        let agents = recorder.measuredAgents
        let (recording, result) = recorder.finish(at: window.to)
        let scenario = Replay.reportScenario(recorded, recording: recording, window: window, agents: agents)
        return (recording, SimulationOutcome(scenario: scenario, replications: [result]))
    }

    /// A played-back entry in the recorder's terms.
    static func entry(_ step: JournalPlayback.Step, center: CenterConfiguration) -> Recorder.Entry {
        switch (step.request, step.commands.first) {
        case let (.arrive(name, channel, topic, segment, priority), .arrive(arrival)?):
            return .arrive(arrival.id, name: name, owner: step.origin, channel: channel, topic: topic, segment: segment, priority: priority)
        case let (.accept, .accept(contact, agent)?): return .accept(contact, agent)
        case let (.reject, .reject(contact, agent)?): return .reject(contact, agent)
        case let (.complete, .complete(contact)?): return .complete(contact)
        case let (.abandon, .abandon(contact)?): return .abandon(contact)
        case let (.agentState, .setPresence(agent, presence)?): return .presence(agent, presence)
        case let (.agentAdd(spec), .addAgent(profile)?): return .addAgent(profile, name: spec.name)
        case let (.agentUpdate, .updateAgent(profile)?): return .updateAgent(profile)
        case let (.agentRemove, .removeAgent(agent)?): return .removeAgent(agent)
        case let (.setOpen(open, channels, until), _): return .channels(channels ?? center.channelsByTier, open: open, byCalendar: false, until: until)
        case let (.openingHours(channel, open), _): return .channels([channel], open: open, byCalendar: true, until: nil)
        case let (.followHours(channels), _): return .followHours(channels ?? Channel.allCases)
        case let (.adapterLost(adapter, _, _, includingHeld), _):
            return .adapterLost(adapter: adapter, until: step.holdUntil ?? step.time, includingHeld: includingHeld)
        case (.sync, _): return .adapterSynced(step.origin)
        default: return .other
        }
    }

    /// Replays a recording under `scenario` with `changes`; `openings` as recorded when the
    /// scenario's hours are the recorded center's, else by its own hours.
    static func replay(_ recording: Recording, under scenario: Scenario, recorded: Scenario, changes: [Replay.Change],
                       window: ReplayWindow, keepDetails: Bool = false, file: String? = nil,
                       progress: ((Int, Int) -> Void)? = nil) throws -> Side {
        let agents: [Replay.Agent]
        do { agents = try Replay.agents(for: scenario, recorded: recorded, recording: recording, changes: changes, window: window) } catch {
            throw CommandFailure(description: error.description)
        }
        let openings = try Self.openings(scenario, recorded: recorded, recording: recording, window: window)
        let handling = scenario.handling
        let setup = Replay.Setup(center: scenario.center, agents: agents, openings: openings, window: window, costs: scenario.costs,
                                 defaultHandleTime: { channel, topic in handling.distribution(channel: channel, topic: topic).mean })
        var outcome: Replay.Outcome
        do { outcome = try Replay.run(recording, setup, keepDetails: keepDetails, progress: progress) } catch {
            let name = file.map { "\($0) (\(scenario.name))" } ?? scenario.name
            throw CommandFailure(description: "\(name)\(scenario.variant.map { ", variant \($0)," } ?? ""): \(error.description)")
        }
        // Agents who worked that day but whom this center does not name (a group renamed, or
        // cut to one agent, who then takes the group's name): said, not silently dropped.
        let named = Set(agents.map(\.name))
        for name in recording.agentsWhoWorked() where !named.contains(name) {
            outcome.notes.append("recorded agent \(name) is not in this center (no group names an agent so): the work it did is not replayed")
        }
        let report = Replay.reportScenario(scenario, recording: recording, window: window, agents: outcome.agents)
        return Side(scenario: scenario, outcome: outcome, simulation: SimulationOutcome(scenario: report, replications: [outcome.result]))
    }

    /// The recorded openings and closings when the hours are the same; otherwise the other
    /// hours' own, from the first entry to the window's end.
    static func openings(_ scenario: Scenario, recorded: Scenario, recording: Recording, window: ReplayWindow) throws -> Replay.Openings {
        guard !sameHours(scenario.hours, recorded.hours) else { return .recorded }
        let start = min(recording.firstEntry ?? window.from, window.from)
        var changes: [Replay.OpeningChange] = []
        guard let calendar = try Agner.Serve.calendar(of: scenario.hours) else {
            return .calendar(Channel.allCases.map { Replay.OpeningChange(time: start, channel: $0, open: true) })
        }
        var time = start
        var open = calendar.isOpen(at: time)
        for channel in scenario.center.channelsByTier { changes.append(Replay.OpeningChange(time: time, channel: channel, open: open)) }
        while let next = calendar.nextChange(after: time), next <= window.to {
            time = next
            open = calendar.isOpen(at: time)
            for channel in scenario.center.channelsByTier { changes.append(Replay.OpeningChange(time: time, channel: channel, open: open)) }
        }
        return .calendar(changes)
    }

    /// Whether two centers open and close at the same moments.
    static func sameHours(_ a: OpeningHours, _ b: OpeningHours) -> Bool {
        a.days == b.days && a.closedDates == b.closedDates && a.timeZone == b.timeZone
    }
}
