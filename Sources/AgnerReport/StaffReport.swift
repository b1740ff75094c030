import AgnerSim
import Foundation

/// What `agner staff` prints for one queue: figures for a range of agent counts, the answer
/// marked, or a plain statement that no staffing meets the target.
public struct StaffReport {
    public var model: QueueModel
    public var definition: ServiceLevelDefinition
    public var target: Double
    public var goal: Double
    /// The abandonment cap, when given (Erlang A).
    public var maxAbandon: Double?
    /// Share of paid time not on duty, when given.
    public var shrinkage: Double?
    /// The fewest agents meeting the target (and the cap); nil when none does.
    public var required: Int?
    /// The fewest agents meeting the target alone.
    public var targetOnly: Int?
    public var rows: [StaffingFigures]

    public init(model: QueueModel, definition: ServiceLevelDefinition, target: Double, goal: Double, maxAbandon: Double? = nil,
                shrinkage: Double? = nil, required: Int?, targetOnly: Int? = nil, rows: [StaffingFigures]) {
        self.model = model
        self.definition = definition
        self.target = target
        self.goal = goal
        self.maxAbandon = maxAbandon
        self.shrinkage = shrinkage
        self.required = required
        self.targetOnly = targetOnly ?? required
        self.rows = rows
    }

    func meets(_ row: StaffingFigures) -> Bool {
        row.serviceLevel >= goal && (maxAbandon.map { row.abandonRate <= $0 } ?? true)
    }

    /// Agents to schedule for `agents` on duty, with the shrinkage.
    public var scheduled: Int? {
        guard let required, let shrinkage else { return nil }
        return IntradayRequirements.scheduledAgents(required, shrinkage: shrinkage)
    }

    /// The warning when the abandonment cap, not the target, decides the answer.
    public var capWarning: String? {
        guard let maxAbandon, let targetOnly, let required, required > targetOnly,
              let figures = model.meanPatience.map({ _ in StaffingMath.figures(model, agents: targetOnly, target: target, definition: definition) })
        else { return nil }
        return "the target alone needs \(targetOnly) agents, who would leave \(Format.percent(figures.abandonRate)) to abandon, "
            + "more than the \(Format.percent(maxAbandon)) cap: the cap decides"
    }

    public func table() -> String {
        let modelName = model.meanPatience == nil ? "Erlang C (M/M/n, nobody abandons)" : "Erlang A (M/M/n+M, mean patience \(Format.duration(model.meanPatience!)))"
        var out = [modelName,
                   "load \(Format.fixed(model.load, 2)) Erlangs: \(Format.fixed(model.arrivalRate * 3600, 1)) arrivals/h × \(Format.duration(model.meanHandleTime)) handle time",
                   "target: \(Format.percent(goal, digits: 0)) within \(Format.duration(target)); service level = \(definition.label)"
                       + (maxAbandon.map { "; at most \(Format.percent($0)) abandon" } ?? ""),
                   ""]
        var columns: [(String, TextTable.Alignment)] = [("agents", .right)]
        if shrinkage != nil { columns.append(("to schedule", .right)) }
        columns += [("P(wait)", .right), ("service level", .right), ("ASA", .right), ("abandoned", .right), ("occupancy", .right), ("", .left)]
        var table = TextTable(columns)
        for row in rows {
            let mark = row.agents == required ? "◀ required" : (required != nil && meets(row) ? "meets target" : "")
            var cells = [String(row.agents)]
            if let shrinkage { cells.append(String(IntradayRequirements.scheduledAgents(row.agents, shrinkage: shrinkage))) }
            cells += [Format.percent(row.probabilityOfWaiting), Format.percent(row.serviceLevel), Format.duration(row.averageSpeedOfAnswer),
                      Format.percent(row.abandonRate), Format.percent(row.occupancy), mark]
            table.add(cells)
        }
        out.append(table.render())
        out.append("")
        if let required {
            var line = "\(Format.grouped(required)) agent\(required == 1 ? " is" : "s are") needed on duty"
            if let scheduled, let shrinkage { line += "; with \(Format.percent(shrinkage, digits: 0)) shrinkage, schedule \(Format.grouped(scheduled))" }
            out.append(line + ".")
        } else if let maxAbandon, maxAbandon <= 0, model.meanPatience != nil {
            out.append("No number of agents meets an abandonment cap of 0 %: with patience, some customer always hangs up while every agent is busy.")
        } else {
            out.append("No number of agents up to \(Format.grouped(StaffingMath.maximumAgents)) meets this target.")
        }
        if let capWarning { out.append("Note: " + capWarning + ".") }
        return out.joined(separator: "\n")
    }

    struct JSONReport: Encodable {
        struct Row: Encodable {
            var agents: Int
            var probabilityOfWaiting: Double
            var serviceLevel: Double
            var averageSpeedOfAnswer: Double?
            var abandonRate: Double
            var occupancy: Double
            var meetsTarget: Bool
            enum CodingKeys: String, CodingKey {
                case agents, probabilityOfWaiting = "probability_of_waiting", serviceLevel = "service_level",
                     averageSpeedOfAnswer = "average_speed_of_answer", abandonRate = "abandon_rate", occupancy, meetsTarget = "meets_target"
            }
            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(agents, forKey: .agents)
                try c.encode(probabilityOfWaiting, forKey: .probabilityOfWaiting)
                try c.encode(serviceLevel, forKey: .serviceLevel)
                try c.encode(averageSpeedOfAnswer, forKey: .averageSpeedOfAnswer)
                try c.encode(abandonRate, forKey: .abandonRate)
                try c.encode(occupancy, forKey: .occupancy)
                try c.encode(meetsTarget, forKey: .meetsTarget)
            }
        }
        var model: String
        var requiredAgents: Int?
        var scheduledAgents: Int?
        var serviceLevelDefinition: String
        var targetSeconds: Double
        var goal: Double
        var maxAbandon: Double?
        var shrinkage: Double?
        var arrivalsPerHour: Double
        var averageHandleTime: Double
        var meanPatience: Double?
        var loadErlangs: Double
        var warning: String?
        var rows: [Row]
        enum CodingKeys: String, CodingKey {
            case model, requiredAgents = "required_agents", scheduledAgents = "to_schedule",
                 serviceLevelDefinition = "service_level_definition", targetSeconds = "target_seconds", goal,
                 maxAbandon = "max_abandon", shrinkage, arrivalsPerHour = "arrivals_per_hour", averageHandleTime = "average_handle_time",
                 meanPatience = "mean_patience", loadErlangs = "load_erlangs", warning, rows
        }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(model, forKey: .model)
            try c.encode(requiredAgents, forKey: .requiredAgents)
            try c.encode(scheduledAgents, forKey: .scheduledAgents)
            try c.encode(serviceLevelDefinition, forKey: .serviceLevelDefinition)
            try c.encode(targetSeconds, forKey: .targetSeconds)
            try c.encode(goal, forKey: .goal)
            try c.encode(maxAbandon, forKey: .maxAbandon)
            try c.encode(shrinkage, forKey: .shrinkage)
            try c.encode(arrivalsPerHour, forKey: .arrivalsPerHour)
            try c.encode(averageHandleTime, forKey: .averageHandleTime)
            try c.encode(meanPatience, forKey: .meanPatience)
            try c.encode(loadErlangs, forKey: .loadErlangs)
            try c.encode(warning, forKey: .warning)
            try c.encode(rows, forKey: .rows)
        }
    }

    /// One object, snake_case keys, null where there is no value (`required_agents` when no
    /// staffing meets the target, `average_speed_of_answer` for an unstable queue).
    public func json() throws -> String {
        let report = JSONReport(
            model: model.name, requiredAgents: required, scheduledAgents: scheduled, serviceLevelDefinition: definition.rawValue,
            targetSeconds: target, goal: goal, maxAbandon: maxAbandon, shrinkage: shrinkage, arrivalsPerHour: model.arrivalRate * 3600,
            averageHandleTime: model.meanHandleTime, meanPatience: model.meanPatience, loadErlangs: model.load, warning: capWarning,
            rows: rows.map {
                JSONReport.Row(agents: $0.agents, probabilityOfWaiting: $0.probabilityOfWaiting, serviceLevel: $0.serviceLevel,
                               averageSpeedOfAnswer: $0.averageSpeedOfAnswer.isFinite ? $0.averageSpeedOfAnswer : nil,
                               abandonRate: $0.abandonRate, occupancy: $0.occupancy, meetsTarget: meets($0))
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }
}

/// What `agner staff --scenario` prints: requirements per channel and interval against the
/// agents on duty.
public struct IntradayReport {
    public var scenario: Scenario
    public var rows: [IntradayRequirements.Row]
    public var shrinkage: Double?
    public var maxAbandon: Double?

    public init(scenario: Scenario, rows: [IntradayRequirements.Row], shrinkage: Double?, maxAbandon: Double?) {
        self.scenario = scenario
        self.rows = rows
        self.shrinkage = shrinkage
        self.maxAbandon = maxAbandon
    }

    public func table() -> String {
        var out = ["\(scenario.name)\(scenario.variant.map { " · variant \($0)" } ?? ""): agents required per interval against agents on duty",
                   "each channel's goal by Erlang C (Erlang A where customers abandon); AHT includes wrap-up; chat load ÷ its concurrency "
                       + "(approximation); steady state per interval: queues carried over are not seen (simulate for that)",
                   ""]
        var columns: [(String, TextTable.Alignment)] = [("day", .right), ("", .left), ("from", .left), ("channel", .left), ("arrivals/h", .right),
                                                        ("AHT", .right), ("load", .right), ("model", .left), ("required", .right)]
        if shrinkage != nil { columns.append(("to schedule", .right)) }
        columns += [("on duty", .right), ("gap", .right)]
        var table = TextTable(columns)
        var lastDay = -1
        for row in rows {
            if row.day != lastDay && lastDay >= 0 { table.addRule() }
            lastDay = row.day
            var cells = [String(row.day), row.weekday, row.start, row.channel, Format.fixed(row.arrivalsPerHour, 1),
                         row.averageHandleTime.map { Format.duration($0) } ?? "", Format.fixed(row.loadErlangs, 2),
                         row.model == "sum" ? "" : row.model, row.required.map(String.init) ?? "none meets"]
            if shrinkage != nil { cells.append(row.scheduledRequired.map(String.init) ?? "") }
            cells += [Format.fixed(row.scheduled, 1), row.gap.map { ($0 > 0 ? "+" : "") + Format.fixed($0, 1) } ?? ""]
            table.add(cells)
        }
        out.append(table.render())
        let short = rows.filter { $0.channel == "all" && ($0.gap ?? 0) < -0.5 }
        out.append("")
        out.append(short.isEmpty ? "No interval is short of agents."
                                 : "\(short.count) interval\(short.count == 1 ? " is" : "s are") short of agents; the largest gap: "
                                    + short.min { ($0.gap ?? 0) < ($1.gap ?? 0) }.map { "day \($0.day) \($0.start), \(Format.fixed($0.gap ?? 0, 1))" }!)
        return out.joined(separator: "\n")
    }

    public static let csvHeader = "day,weekday,start,channel,arrivals_per_hour,average_handle_time,load_erlangs,model,required,to_schedule,on_duty,gap"

    public func csv() -> String {
        func number(_ value: Double?) -> String { value.map { Format.fixed($0, 4) } ?? "" }
        return ([Self.csvHeader] + rows.map { row in
            [String(row.day), row.weekday, row.start, row.channel, number(row.arrivalsPerHour), number(row.averageHandleTime),
             number(row.loadErlangs), row.model, row.required.map(String.init) ?? "", row.scheduledRequired.map(String.init) ?? "",
             number(row.scheduled), number(row.gap)].joined(separator: ",")
        }).joined(separator: "\n")
    }

    public func json() throws -> String {
        struct Shape: Encodable {
            var scenario: String
            var variant: String?
            var shrinkage: Double?
            var maxAbandon: Double?
            var rows: [IntradayRequirements.Row]
            enum CodingKeys: String, CodingKey { case scenario, variant, shrinkage, maxAbandon = "max_abandon", rows }
            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(scenario, forKey: .scenario)
                try c.encode(variant, forKey: .variant)
                try c.encode(shrinkage, forKey: .shrinkage)
                try c.encode(maxAbandon, forKey: .maxAbandon)
                try c.encode(rows, forKey: .rows)
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try encoder.encode(Shape(scenario: scenario.name, variant: scenario.variant, shrinkage: shrinkage,
                                                         maxAbandon: maxAbandon, rows: rows)), as: UTF8.self)
    }
}
