import AgnerCore
import AgnerProtocol
import Foundation

extension LiveRouter {
    /// Hands an event to the feed as the line a subscriber gets, and keeps breaches for the
    /// wallboard's list. On the event loop, from `deliver`.
    func publish(_ event: Event, to feed: LiveFeed) {
        let name = EventName(event).rawValue
        let line = WireValue.object([("event", .string(name))] + fields(of: event)).line()
        feed.publish(event: name, line: line.hasSuffix("\n") ? String(line.dropLast()) : line)
        if case let .breached(contact, cause) = event, let entry = directory.contacts[contact.rawValue] {
            feed.noteBreach(LiveFeed.Breach(time: currentTime(), contact: entry.name, channel: entry.channel.name,
                                            topic: settings.center.topics[entry.topic].name, cause: cause.rawValue))
        }
    }

    /// The wallboard's figures as one JSON object: everything `stats` gives (per channel and
    /// topic: waiting, held, oldest wait, today's counts and service level), and beside it
    /// each channel's answer target (`target_s`) and service-level goal (`goal`, a share), the
    /// agents by state (`agents`), today's contacts answered outside their owning department
    /// (`answered_outside_owner_today`), the newest breaches with their causes (`breaches`,
    /// newest first, since the router started), in shadow mode the live router against the
    /// candidate (`shadow`, as the `shadow` request answers) and the moment (`time`, Unix seconds).
    /// Documented in docs/protocol.md ("The HTTP face"). On the event loop.
    public func wallboardStats() -> String {
        let now = currentTime()
        guard case var .object(fields) = stats() else { return "{}" }
        let center = settings.center
        // Channels with their targets and goals.
        if let index = fields.firstIndex(where: { $0.0 == "channels" }), case let .array(channels) = fields[index].1 {
            fields[index].1 = .array(channels.enumerated().map { offset, value in
                guard case var .object(pairs) = value, let channel = Channel(rawValue: offset) else { return value }
                pairs.append(("target_s", .double(center.channels[channel].answerTarget)))
                pairs.append(("goal", .double(center.channels[channel].serviceLevelGoal)))
                return .object(pairs)
            })
        }
        var outside = 0
        for tally in tallies.values { outside += tally.answeredOutsideOwner }
        fields.append(("answered_outside_owner_today", .int(outside)))
        fields.append(("agents", .object(AgentState.allCases.map { ($0.name, .int(agentStateCounts[$0] ?? 0)) })))
        fields.append(("breaches", .array((feed?.recentBreaches ?? []).map { breach in
            .object([("time", .double(breach.time)), ("contact", .string(breach.contact)), ("channel", .string(breach.channel)),
                     ("topic", .string(breach.topic)), ("cause", .string(breach.cause))])
        })))
        // In shadow mode, live against the candidate (the supervisor's `shadow` answer).
        if let shadowRouter { fields.append(("shadow", shadowRouter.figures(now: now))) }
        fields.append(("time", .double(now)))
        let line = WireValue.object(fields).line()
        return line.hasSuffix("\n") ? String(line.dropLast()) : line
    }
}
