import AgnerCore
import AgnerProtocol
import AgnerReport
import AgnerSim
import AgnerStore
import ArgumentParser
import Foundation

extension Agner {
    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "replay",
            abstract: "Replay recorded traffic from a journal under other staffing or another center: as recorded vs what-if.",
            discussion: """
                The journal of agner serve holds every arrival, answer, hang-up, log-in, break and \
                log-out at its moment. replay plays it back on the engine under the center it was \
                recorded with (what happened: every offer, with its time), then feeds the same traffic \
                to the engine under the center of --center (or its --variant) with the agents changed \
                by --add: arrivals at their recorded times, with their channel, topic, segment and \
                priority; each contact handled as long as it was; customers who hung up hanging up \
                at the same moment if still waiting; agents logging in, taking breaks and logging \
                out as recorded (an added agent as a recorded colleague of its group). Offers the \
                record has get the recorded answer after the recorded delay; others get the answers \
                their agent gave, in turn (accepted, rejected or missed, after the recorded delay). \
                Customers who were answered, or were still \
                waiting at the end, are taken as patient. docs/replay.md has the whole model.

                It prints both sides with the figures and definitions of agner simulate (service \
                level by the named definition, ASA, abandonment, occupancy, leakage, breaches, per \
                channel). A replay is one realisation: there are no intervals and no better/worse \
                verdicts, only the differences. Each run checks that the model reproduces the \
                record under its own center and agents (every offer: same contact, same agent, \
                same time) and says so.

                --from and --to select a window (a date, 2026-01-15, from its start or through its \
                end; or a date-time, 2026-01-15T08:00, in the center's time zone, or with Z or an \
                offset). What comes before --from is replayed too, but not counted. Dated archives \
                (<journal>.archive-YYYY-MM-DD) beside the journal are read first.

                Examples:
                  agner replay --journal day.db --center scenarios/live-demo.yaml --add billing=1   (the worked example of docs/replay.md)
                  agner replay --journal agner.db --center scenarios/retail.yaml --add billing=3
                  agner replay --journal agner.db --center scenarios/extended-hours.yaml --variant extended --from 2026-01-15 --to 2026-01-15
                  agner replay --journal agner.db --center candidate.yaml --recorded-center scenarios/retail.yaml --format html --output replay.html
                """)

        @Option(help: "The journal of agner serve (its --db).")
        var journal: String

        @Option(help: "The scenario file whose center the traffic is replayed under (the journal's own, unless --recorded-center says otherwise).")
        var center: String

        @Option(help: "A variant of --center's file to replay under (other staffing, skills, policy or hours).")
        var variant: String?

        @Option(help: "The scenario file the journal was recorded with, when --center is another file (default: --center without its variant).")
        var recordedCenter: String?

        @Option(parsing: .unconditionalSingleValue, help: "GROUP=N: N more agents of the agent group (negative: fewer), e.g. billing=3. Repeatable.")
        var add: [String] = []

        @Option(help: "Count contacts arriving from this moment: 2026-01-15 or 2026-01-15T08:00 (the center's time zone; Z or +01:00 for others). Default: the journal's first entry.")
        var from: String?

        @Option(help: "Replay up to this moment: a date (through its end) or a date-time. Default: the journal's last entry.")
        var to: String?

        @Option(help: "Output: table, json, csv (per interval, both sides) or html (one self-contained page).")
        var format: ReplayFormat = .table

        @Option(help: "Write the report to this file instead of standard output.")
        var output: String?

        enum ReplayFormat: String, ExpressibleByArgument, CaseIterable {
            case table, json, csv, html
        }

        func validate() throws {
            _ = try changes()
            try refuseWriting("--output", output, over: [journal, center, recordedCenter])
        }

        func changes() throws -> [AgnerSim.Replay.Change] {
            try StaffingChanges.parse(add).map { AgnerSim.Replay.Change(group: $0.group, count: $0.count) }
        }

        func run() throws {
            let recordedScenario = try loadScenario(recordedCenter ?? center, variant: nil)
            let whatIfScenario = try loadScenario(center, variant: variant)
            let changes = try changes()
            let history: JournalHistory
            do { history = try JournalHistory(path: journal) } catch { throw CommandFailure(description: error.description) }
            guard let span = try readSpan(history) else { throw CommandFailure(description: "\(journal): the journal is empty: nothing to replay") }
            let timeZone = recordedScenario.hours.timeZone
            var start = try from.map { try Self.moment($0, option: "--from", timeZone: timeZone, endOfDay: false) } ?? span.first
            var end = try to.map { try Self.moment($0, option: "--to", timeZone: timeZone, endOfDay: true) } ?? span.last
            guard end > start else {
                throw CommandFailure(description: "the window is empty: --to (\(Self.show(end, timeZone))) is not after --from (\(Self.show(start, timeZone)))")
            }
            guard start <= span.last, end >= span.first else {
                throw CommandFailure(description: "the window \(Self.show(start, timeZone)) – \(Self.show(end, timeZone)) is outside the journal, which runs from \(Self.show(span.first, timeZone)) to \(Self.show(span.last, timeZone)) (\(timeZone))")
            }
            // Nothing was recorded outside the journal: a window past either end is cut to it
            // (a replay beyond its last entry would run empty days, agents idle).
            if start < span.first || end > span.last {
                start = max(start, span.first)
                end = min(end, span.last)
                if from != nil || to != nil {
                    note("the window is cut to the journal: \(Self.show(start, timeZone)) – \(Self.show(end, timeZone)) (\(timeZone))")
                }
            }
            let window: ReplayWindow
            do { window = try ReplayWindow(from: start, to: end, timeZone: timeZone, interval: recordedScenario.run.interval) } catch {
                throw CommandFailure(description: "the window: \(error.description)")
            }

            // What happened: the journal played back under the center it was written with.
            var pipeline = try ReplayPipeline(recorded: recordedScenario, window: window)
            let total = try history.lastSequence()
            let reading = ProgressLine("agner replay: reading the journal")
            do {
                try history.forEachEntry { entry in
                    guard entry.time <= end else { return false }
                    try pipeline.record(JournalEntry(time: entry.time, origin: entry.origin, line: entry.line), sequence: entry.sequence)
                    if entry.sequence % 50_000 == 0 { reading.update("entry \(Format.grouped(Int(entry.sequence))) of \(Format.grouped(Int(total)))") }
                    return true
                }
            } catch let refusal as JournalPlayback.Refusal {
                reading.finish()
                let hint = switch refusal.kind {
                case .notThisCenter:
                    "The center of \(recordedCenter ?? center) refuses it: was the journal written with another center file? --recorded-center names the one it was."
                case .notProtocol:
                    "It is not a request this agner knows: the journal is damaged, or was written by another version of Agner."
                case .outOfOrder:
                    "The journal is damaged: its entries must come in time order."
                }
                throw CommandFailure(description: "\(journal): \(refusal.description)\n\(hint)")
            } catch let error as JournalHistory.Unreadable {
                reading.finish()
                throw CommandFailure(description: error.description)
            }
            reading.finish()
            let (recording, recorded) = pipeline.finish()
            let counted = recording.contacts.filter { window.counts($0.arrival.time) }.count
            guard counted > 0 else {
                throw CommandFailure(description: "no contact arrived in the window \(Self.show(start, timeZone)) – \(Self.show(end, timeZone)) (\(timeZone)); the journal runs from \(Self.show(span.first, timeZone)) to \(Self.show(span.last, timeZone))")
            }

            // The same traffic under the what-if; and, when that is not the recorded center and
            // agents, under them too: the check that the model reproduces the record.
            let isBaseline = recordedCenter == nil && variant == nil && changes.allSatisfy { $0.count == 0 }
            let replaying = ProgressLine("agner replay: replaying")
            let whatIf = try ReplayPipeline.replay(recording, under: whatIfScenario, recorded: recordedScenario, changes: changes, window: window,
                                                   file: center) {
                replaying.update("\(Int(100 * Double($0) / Double(max(1, $1)))) %")
            }
            replaying.finish()
            let baseline: ReplayPipeline.Side
            if isBaseline {
                baseline = whatIf
            } else {
                let checking = ProgressLine("agner replay: checking the model under the recorded center")
                baseline = try ReplayPipeline.replay(recording, under: recordedScenario, recorded: recordedScenario, changes: [], window: window,
                                                     file: recordedCenter ?? center) {
                    checking.update("\(Int(100 * Double($0) / Double(max(1, $1)))) %")
                }
                checking.finish()
            }
            let exactness = baseline.outcome.exactness
            if !exactness.isExact {
                note("the replay under the recorded center did not reproduce the record: \(exactness.firstDifference ?? "\(exactness.matching) of \(exactness.recordedOffers) offers matched")")
            }
            let context = ReplayContext(journal: journal, window: window, recording: recording, recordedScenario: recordedScenario,
                                        whatIf: whatIf, changes: changes, exactness: exactness, isBaseline: isBaseline,
                                        recordedCenterFile: recordedCenter ?? center, whatIfFile: center, variant: variant)
            let report = ComparisonReport(a: recorded, b: whatIf.simulation, labelA: "as recorded", labelB: "what-if",
                                          realisation: context.realisationLine)
            let text: String
            switch format {
            case .table: text = context.header().joined(separator: "\n") + "\n\n" + report.table()
            case .json: text = try context.json(report)
            case .csv: text = report.csv()
            case .html:
                text = HTMLReport.comparison(a: recorded, b: whatIf.simulation, labelA: "as recorded", labelB: "what-if",
                                             realisation: context.realisationLine, notes: context.header())
            }
            try writeReport(text, to: output)
        }

        func readSpan(_ history: JournalHistory) throws -> (first: Double, last: Double)? {
            do { return try history.span() } catch { throw CommandFailure(description: error.description) }
        }

        /// A moment on the command line: `2026-01-15` (its start, or with `endOfDay` the next
        /// midnight), `2026-01-15T08:00[:ss[.fff]]` in `timeZone`, or with `Z` or an offset.
        static func moment(_ text: String, option: String, timeZone: String, endOfDay: Bool) throws -> Double {
            let zone = TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC")!
            let normalized = text.replacingOccurrences(of: " ", with: "T")
            if let date = CalendarDate(normalized) {
                var calendar = Calendar(identifier: .gregorian)
                calendar.timeZone = zone
                var parts = DateComponents(year: date.year, month: date.month, day: date.day)
                if endOfDay { parts.day = date.day + 1 }
                if let moment = calendar.date(from: parts) { return moment.timeIntervalSince1970 }
            }
            let withZone = ISO8601DateFormatter()
            withZone.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            if let date = withZone.date(from: normalized) { return date.timeIntervalSince1970 }
            withZone.formatOptions = [.withInternetDateTime]
            if let date = withZone.date(from: normalized) { return date.timeIntervalSince1970 }
            let local = DateFormatter()
            local.locale = Locale(identifier: "en_US_POSIX")
            local.timeZone = zone
            for format in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.SSS"] {
                local.dateFormat = format
                if let date = local.date(from: normalized) { return date.timeIntervalSince1970 }
            }
            throw CommandFailure(description: "\(option) '\(text)': expected a date (2026-01-15) or a date-time (2026-01-15T08:00 in the center's time zone, \(timeZone); or 2026-01-15T08:00:00Z, 2026-01-15T08:00:00+01:00)")
        }

        /// `2026-01-15 08:00:00` in the time zone.
        static func show(_ time: Double, _ timeZone: String) -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC")!
            formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
            return formatter.string(from: Date(timeIntervalSince1970: time))
        }
    }
}

/// What a replay report says about itself: the journal, the window, the two sides, the model's
/// check and what it had to assume.
struct ReplayContext {
    var journal: String
    var window: ReplayWindow
    var recording: Recording
    var recordedScenario: Scenario
    var whatIf: ReplayPipeline.Side
    var changes: [Replay.Change]
    var exactness: Replay.Exactness
    var isBaseline: Bool
    var recordedCenterFile: String
    var whatIfFile: String
    var variant: String?

    var whatIfDescription: String {
        var parts: [String] = []
        if whatIfFile != recordedCenterFile { parts.append("center \(whatIfFile)") }
        if let variant { parts.append("variant \(variant)") }
        for change in changes where change.count != 0 { parts.append("\(change.group) \(change.count > 0 ? "+" : "")\(change.count)") }
        return parts.isEmpty ? "the recorded center and agents (a check of the model)" : parts.joined(separator: ", ")
    }

    var realisationLine: String {
        "a replay of \(Agner.Replay.show(window.from, window.timeZone)) – \(Agner.Replay.show(window.to, window.timeZone)) (\(window.timeZone)): "
            + "one realisation on each side, so no intervals and no better/worse verdicts, only the differences"
    }

    var exactnessLine: String {
        if exactness.isExact {
            return "check: under the recorded center and agents the replay reproduces all \(Format.grouped(exactness.recordedOffers)) recorded offers (same contact, agent and time)"
        }
        return "check: under the recorded center and agents the replay matched \(Format.grouped(exactness.matching)) of \(Format.grouped(exactness.recordedOffers)) recorded offers"
            + (exactness.firstDifference.map { "; first difference: \($0)" } ?? "")
    }

    func header() -> [String] {
        var lines = [
            "journal \(journal): \(Format.grouped(recording.entries)) entries, \(Format.grouped(recording.contacts.count)) contacts, \(Format.grouped(recording.offerCount)) offers",
            "as recorded: \(recordedCenterFile) (\(recordedScenario.name))",
            "what-if: \(whatIfDescription)",
            exactnessLine,
            "model: recorded arrivals, handle times and hang-ups; offers answered as recorded (others as their agent answered, in turn); "
                + "customers who were answered or still waiting at the end are patient (docs/replay.md)",
        ]
        for note in whatIf.outcome.notes.prefix(10) { lines.append("note: \(note)") }
        if whatIf.outcome.notes.count > 10 { lines.append("note: … and \(whatIf.outcome.notes.count - 10) more") }
        return lines
    }

    struct Document: Encodable {
        struct Info: Encodable {
            var journal: String
            var entries: Int
            var contacts: Int
            var offers: Int
            var from: Double
            var to: Double
            var timeZone: String
            var recordedCenter: String
            var whatIf: String
            var changes: [String: Int]
            var reproducesRecord: Bool
            var offersMatching: Int
            var firstDifference: String?
            var notes: [String]
            enum CodingKeys: String, CodingKey {
                case journal, entries, contacts, offers, from, to, timeZone = "time_zone", recordedCenter = "recorded_center",
                     whatIf = "what_if", changes, reproducesRecord = "reproduces_record", offersMatching = "offers_matching",
                     firstDifference = "first_difference", notes
            }
            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(journal, forKey: .journal)
                try c.encode(entries, forKey: .entries)
                try c.encode(contacts, forKey: .contacts)
                try c.encode(offers, forKey: .offers)
                try c.encode(from, forKey: .from)
                try c.encode(to, forKey: .to)
                try c.encode(timeZone, forKey: .timeZone)
                try c.encode(recordedCenter, forKey: .recordedCenter)
                try c.encode(whatIf, forKey: .whatIf)
                try c.encode(changes, forKey: .changes)
                try c.encode(reproducesRecord, forKey: .reproducesRecord)
                try c.encode(offersMatching, forKey: .offersMatching)
                try c.encode(firstDifference, forKey: .firstDifference)
                try c.encode(notes, forKey: .notes)
            }
        }
        var replay: Info
        var comparison: ComparisonReport.Document
    }

    /// `{replay: {journal, window (Unix seconds), what-if, the model's check, notes}, comparison: …}`.
    func json(_ report: ComparisonReport) throws -> String {
        let changes = Dictionary(uniqueKeysWithValues: self.changes.map { ($0.group, $0.count) })  // summed per group by StaffingChanges
        let info = Document.Info(journal: journal, entries: recording.entries, contacts: recording.contacts.count, offers: recording.offerCount,
                                 from: window.from, to: window.to, timeZone: window.timeZone, recordedCenter: recordedCenterFile,
                                 whatIf: whatIfDescription, changes: changes, reproducesRecord: exactness.isExact,
                                 offersMatching: exactness.matching, firstDifference: exactness.firstDifference, notes: whatIf.outcome.notes)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try encoder.encode(Document(replay: info, comparison: report.document())), as: UTF8.self)
    }
}
