import AgnerSim
import Foundation

/// What `agner staff` prints: figures for a range of agent counts, the answer marked.
public struct StaffReport {
    public var model: QueueModel
    public var definition: ServiceLevelDefinition
    public var target: Double
    public var goal: Double
    public var required: Int
    public var rows: [StaffingFigures]

    public init(model: QueueModel, definition: ServiceLevelDefinition, target: Double, goal: Double, required: Int, rows: [StaffingFigures]) {
        self.model = model
        self.definition = definition
        self.target = target
        self.goal = goal
        self.required = required
        self.rows = rows
    }

    public func table() -> String {
        let modelName = model.meanPatience == nil ? "Erlang C (M/M/n, nobody abandons)" : "Erlang A (M/M/n+M, mean patience \(Format.seconds(model.meanPatience!, digits: 0)))"
        var header = """
            \(modelName)
            load \(Format.fixed(model.load, 2)) Erlangs: \(Format.fixed(model.arrivalRate * 3600, 1)) arrivals/h × \(Format.seconds(model.meanHandleTime, digits: 0)) handle time
            target: \(Format.percent(goal, digits: 0)) within \(Format.seconds(target, digits: 0)); service level = \(definition.label)

            """
        var table = TextTable([("agents", .right), ("P(wait)", .right), ("service level", .right), ("ASA", .right),
                               ("abandoned", .right), ("occupancy", .right), ("", .left)])
        for row in rows {
            let mark = row.agents == required ? "◀ required" : (row.serviceLevel >= goal ? "meets target" : "")
            table.add([String(row.agents), Format.percent(row.probabilityOfWaiting), Format.percent(row.serviceLevel),
                       Format.seconds(row.averageSpeedOfAnswer), Format.percent(row.abandonRate), Format.percent(row.occupancy), mark])
        }
        header += table.render()
        header += "\n\n\(required) agents are needed."
        return header
    }

    struct JSONReport: Encodable {
        struct Row: Encodable {
            var agents: Int
            var p_wait: Double
            var service_level: Double
            var asa_s: Double?
            var abandon_rate: Double
            var occupancy: Double
        }

        var model: String
        var required_agents: Int
        var sl_definition: String
        var target_s: Double
        var goal: Double
        var arrivals_per_s: Double
        var aht_s: Double
        var patience_s: Double?
        var rows: [Row]
    }

    public func json() throws -> String {
        let report = JSONReport(
            model: model.name, required_agents: required, sl_definition: definition.rawValue, target_s: target, goal: goal,
            arrivals_per_s: model.arrivalRate, aht_s: model.meanHandleTime, patience_s: model.meanPatience,
            rows: rows.map {
                JSONReport.Row(agents: $0.agents, p_wait: $0.probabilityOfWaiting, service_level: $0.serviceLevel,
                               asa_s: $0.averageSpeedOfAnswer.isFinite ? $0.averageSpeedOfAnswer : nil,
                               abandon_rate: $0.abandonRate, occupancy: $0.occupancy)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }
}
