import AgnerReport
import AgnerSim
import ArgumentParser
import Foundation

extension Agner {
    struct Staff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "How many agents a single queue needs: Erlang C, or Erlang A with abandonment.",
            discussion: """
                Prints the figures for a range of agent counts around the answer and marks the \
                smallest count that meets the target. Without --patience customers never hang up \
                (Erlang C, M/M/n); with it they abandon after an exponential patience (Erlang A, M/M/n+M).

                Example: agner staff --arrivals 570/h --aht 300s --target 80/60 --patience 120s
                """)

        @Option(help: "Arrival rate: 570/h, 9.5/min or 0.16/s.")
        var arrivals: String

        @Option(help: "Average handle time: 300s, 5min.")
        var aht: String

        @Option(help: "Service-level target as PERCENT/SECONDS: 80/60 = 80 % answered within 60 s.")
        var target: String = "80/60"

        @Option(help: "Mean patience of waiting customers (Erlang A). Omit for Erlang C.")
        var patience: String?

        @Option(name: .customLong("sl-definition"), help: "How service level is counted: offered, answered, shortAbandonsExcluded or virtual.")
        var definition: ServiceLevelDefinition = .offered

        @Option(help: "Output: table or json.")
        var format: StaffFormat = .table

        @Option(help: "Rows shown on each side of the answer.")
        var around: Int = 4

        struct Parsed {
            var model: QueueModel
            var goal: Double
            var targetSeconds: Double
        }

        func parsed() throws -> Parsed {
            let rate = try Quantities.rate(arrivals)
            let handle = try Quantities.duration(aht)
            guard rate > 0 else { throw ValidationError("--arrivals must be more than zero") }
            guard handle > 0 else { throw ValidationError("--aht must be more than zero") }
            let parts = target.split(separator: "/")
            guard parts.count == 2, let percent = Double(parts[0]), (0...100).contains(percent) else {
                throw ValidationError("--target '\(target)' should be PERCENT/SECONDS, e.g. 80/60")
            }
            let seconds = try Quantities.duration(String(parts[1]))
            let meanPatience = try patience.map { try Quantities.duration($0) }
            if let meanPatience, meanPatience <= 0 { throw ValidationError("--patience must be more than zero") }
            return Parsed(model: QueueModel(arrivalRate: rate, meanHandleTime: handle, meanPatience: meanPatience),
                          goal: percent / 100, targetSeconds: seconds)
        }

        func validate() throws {
            _ = try parsed()
            guard (0...50).contains(around) else { throw ValidationError("--around must be between 0 and 50") }
        }

        func run() throws {
            let input = try parsed()
            let required = StaffingMath.requiredAgents(input.model, target: input.targetSeconds, goal: input.goal, definition: definition)
            let low = max(1, required - around)
            let rows = (low...(required + around)).map {
                StaffingMath.figures(input.model, agents: $0, target: input.targetSeconds, definition: definition)
            }
            switch format {
            case .json:
                print(try StaffReport(model: input.model, definition: definition, target: input.targetSeconds, goal: input.goal,
                                      required: required, rows: rows).json())
            case .table:
                print(StaffReport(model: input.model, definition: definition, target: input.targetSeconds, goal: input.goal,
                                  required: required, rows: rows).table())
            }
        }
    }

    enum StaffFormat: String, ExpressibleByArgument, CaseIterable {
        case table, json
    }
}

extension ServiceLevelDefinition: ExpressibleByArgument {}
