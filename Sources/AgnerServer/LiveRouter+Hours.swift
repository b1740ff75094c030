import AgnerProtocol
import Foundation
import AgnerCore

/// Opening hours, live: channels open and close on the calendar, unless a supervisor has
/// overridden it (`center.close`, `center.open`). Each change is a journaled command, so a
/// replay needs no calendar: it applies the changes where the journal has them.
extension LiveRouter {
    /// Channels from the highest routing tier down: at an opening, the contacts of a higher
    /// tier that waited for it are offered first (a free agent takes a waiting click-to-call
    /// before the night's e-mail).
    var channelsByTier: [Channel] { settings.center.channelsByTier }

    /// How far ahead a supervisor's `until` may reach, in seconds (366 days).
    static let longestOverride: Double = 366 * 86_400

    /// Whether the channel should be open at `time`: a supervisor's override while it lasts,
    /// else the calendar, else open.
    func shouldBeOpen(_ channel: Channel, at time: Double) -> Bool {
        if let override = hoursOverrides[channel], override.until.map({ time < $0 }) ?? true { return override.open }
        return settings.calendar?.isOpen(at: time) ?? true
    }

    /// Opens and closes channels to match the hours now (journaled as internal commands), and
    /// schedules the next look.
    func applyOpeningHours() {
        atOneMoment {
            let now = currentTime()
            for channel in channelsByTier {
                let open = shouldBeOpen(channel, at: now)
                if open != engine.isOpen(channel) {
                    performInternal(.object([("op", .string(Operation.openingHours.rawValue)), ("channel", .string(channel.name)),
                                             ("open", .bool(open))]), origin: "calendar")
                }
            }
            scheduleOpeningHours()
        }
    }

    /// The next moment opening hours may change: the calendar's next change or an override's end.
    func scheduleOpeningHours() {
        let now = currentTime()
        var next = settings.calendar?.nextChange(after: now)
        for channel in Channel.allCases {
            if let until = hoursOverrides[channel]?.until, until > now { next = min(next ?? until, until) }
        }
        nextHoursCheck = next
    }

    /// One line on the channels closed now and when they open, for the start banner; nil when
    /// every channel is open.
    public func openingHoursSummary() -> String? {
        let closed = Channel.allCases.filter { !engine.isOpen($0) }
        guard !closed.isEmpty else { return nil }
        var text = "closed now: " + closed.map(\.name).joined(separator: ", ")
        if let next = nextHoursCheck, let calendar = settings.calendar {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: calendar.timeZoneName)
            formatter.dateFormat = "EEE yyyy-MM-dd HH:mm"
            text += " (next change \(formatter.string(from: Date(timeIntervalSince1970: next))) \(calendar.timeZoneName))"
        }
        return text + "; --ignore-hours keeps every channel open"
    }

    /// Tells subscribers a channel opened or closed.
    func deliverChannelState(_ channel: Channel) {
        guard !replaying else { return }
        let recipients = (sessionsInOrder ?? sessions.sorted { $0.key < $1.key }).filter { $0.value.subscriptions.contains(.channelState) }.map(\.key)
        guard !recipients.isEmpty || feed != nil else { return }
        let line = WireValue.object([("event", .string(EventName.channelState.rawValue)), ("channel", .string(channel.name)),
                                     ("open", .bool(engine.isOpen(channel)))])
        feed?.publish(event: EventName.channelState.rawValue, line: String(line.line().dropLast()))
        guard !recipients.isEmpty else { return }
        outbox.append(to: recipients) { line.write(into: &$0) }
    }

    /// Brings the state in line with the world after a start or a recovery: channels open or
    /// closed as the hours say now, and the contacts of adapters not connected (none are,
    /// after a restart) held. Call before accepting connections.
    public func prepareToServe() {
        holdContactsOfAbsentAdapters()
        atOneMoment {
            advanceEngine(to: currentTime())
            applyOpeningHours()
        }
    }
}
