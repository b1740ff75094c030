import AgnerReport
import AgnerSim
import ArgumentParser
import Foundation

extension Agner {
    struct Staff: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "staff",
            abstract: "How many agents are needed: one queue by Erlang C or A, or a scenario's demand interval by interval.",
            discussion: """
                One queue: prints the figures for a range of agent counts around the answer and marks \
                the fewest agents that meet the target. Without --patience customers never hang up \
                (Erlang C, M/M/n); with it they abandon after an exponential patience (Erlang A, \
                M/M/n+M), and --max-abandon caps the share who do. --shrinkage turns agents on duty \
                into agents to schedule.

                A scenario (--scenario FILE): for each channel and interval of its demand, the offered \
                load, the agents required for the channel's goal (Erlang C, or Erlang A with the \
                scenario's patience; chat load divided by its concurrency, an approximation), the \
                agents its shifts put on duty, and the gap. The simulator shows what the shifts \
                actually achieve, queues carried from one interval to the next included.

                Examples:
                  agner staff --arrivals 570/h --aht 300s --target 80/60
                  agner staff --arrivals 9.5/min --aht 300s --target 80/60 --patience 120s --max-abandon 5%
                  agner staff --arrivals 570/h --aht 300s --shrinkage 30%
                  agner staff --scenario scenarios/retail.yaml --day 0
                """)

        @Option(parsing: .unconditional, help: "Arrival rate: 570/h, 9.5/min or 0.16/s.")
        var arrivals: String?

        @Option(parsing: .unconditional, help: "Average handle time (with after-contact work): 300s, 5min.")
        var aht: String?

        @Option(parsing: .unconditional, help: "Service-level target as PERCENT/SECONDS: 80/60 = 80 % answered within 60 s.")
        var target: String = "80/60"

        @Option(parsing: .unconditional, help: "Mean patience of waiting customers (Erlang A). Omit for Erlang C.")
        var patience: String?

        @Option(name: .customLong("sl-definition"), help: "How service level is counted: offered, answered, shortAbandonsExcluded or virtual.")
        var definition: ServiceLevelDefinition = .offered

        @Option(parsing: .unconditional, help: "Erlang A: the most customers who may abandon, e.g. 5%. The answer meets the target and this cap.")
        var maxAbandon: String?

        @Option(parsing: .unconditional, help: "Share of paid time not on duty (breaks, absence, training), e.g. 30%: adds the agents to schedule.")
        var shrinkage: String?

        @Option(help: "A scenario file: requirements for its demand, interval by interval, against its shifts.")
        var scenario: String?

        @Option(help: "With --scenario: a variant of it.")
        var variant: String?

        @Option(parsing: .unconditional, help: "With --scenario: only this day of the run (0 = the first).")
        var day: Int?

        @Option(help: "Output: table, json or csv (csv with --scenario only).")
        var format: OutputFormat = .table

        @Option(parsing: .unconditional, help: "Rows shown on each side of the answer.")
        var around: Int = 4

        struct Parsed {
            var model: QueueModel
            var goal: Double
            var targetSeconds: Double
        }

        /// A share written as a percentage: `5%` or `5` (five percent). A bare number of 1 or less
        /// is refused with a hint: `0.05` would read as 0.05 %.
        static func percentage(_ text: String, option: String, range: ClosedRange<Double>) throws -> Double {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            let hasSign = trimmed.hasSuffix("%")
            guard let number = Double(hasSign ? String(trimmed.dropLast()) : trimmed), number.isFinite else {
                throw ValidationError("\(option) '\(text)' should be a percentage, e.g. 5%")
            }
            guard number > 0 || (number == 0 && range.lowerBound == 0) else { throw ValidationError("\(option) must be positive, not \(text)") }
            if !hasSign && number <= 1 && number > 0 {
                throw ValidationError("\(option) \(text) reads as \(text) %; for \(Format.fixed(number * 100, 0)) % write \(Format.fixed(number * 100, 0))%")
            }
            let share = number / 100
            guard range.contains(share) else {
                throw ValidationError("\(option) \(text) is outside \(Format.fixed(range.lowerBound * 100, 0))–\(Format.fixed(range.upperBound * 100, 0)) %")
            }
            return share
        }

        /// The highest arrival rate `staff` takes, per second (1,000,000,000 an hour).
        static let mostArrivalsPerSecond = 1_000_000_000.0 / 3600

        static func positive(_ value: Double, _ option: String, _ text: String) throws {
            guard value > 0, value.isFinite else { throw ValidationError("\(option) must be positive, not \(text)") }
        }

        func parsed() throws -> Parsed {
            guard let arrivals, let aht else { throw ValidationError("give --arrivals and --aht, or --scenario FILE") }
            let rate: Double, handle: Double
            if arrivals.hasPrefix("-") { throw ValidationError("--arrivals must be positive, not \(arrivals)") }
            do { rate = try Quantities.rate(arrivals) } catch { throw ValidationError("--arrivals: \(error.description)") }
            if aht.hasPrefix("-") { throw ValidationError("--aht must be positive, not \(aht)") }
            do { handle = try Quantities.duration(aht) } catch { throw ValidationError("--aht: \(error.description)") }
            try Self.positive(rate, "--arrivals", arrivals)
            try Self.positive(handle, "--aht", aht)
            // Bounds that keep every answer exact and quick (a center of a billion agents is beyond them).
            guard rate <= Self.mostArrivalsPerSecond else {
                throw ValidationError("--arrivals \(arrivals) is more than \(Format.grouped(Int(Self.mostArrivalsPerSecond * 3600)))/h")
            }
            guard handle <= 86_400 else { throw ValidationError("--aht \(aht) is longer than a day") }
            let parts = target.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let percent = Double(parts[0].trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "%", with: "")) else {
                throw ValidationError("--target '\(target)' should be PERCENT/SECONDS, e.g. 80/60")
            }
            guard percent > 0 else { throw ValidationError("--target: the percentage must be positive, not \(parts[0])") }
            if percent <= 1 {
                throw ValidationError("--target \(target) reads as \(Format.fixed(percent, 2)) % within the target; for \(Format.fixed(percent * 100, 0)) % write \(Format.fixed(percent * 100, 0))/\(parts[1])")
            }
            guard percent < 100 else {
                throw ValidationError("--target \(target): 100 % is never reached with random arrivals (some contact always finds every agent busy); give a goal below 100")
            }
            if parts[1].hasPrefix("-") { throw ValidationError("--target: the seconds must be positive, not \(parts[1])") }
            let seconds: Double
            do { seconds = try Quantities.duration(String(parts[1])) } catch { throw ValidationError("--target: \(error.description)") }
            var meanPatience: Double? = nil
            if let patience {
                if patience.hasPrefix("-") { throw ValidationError("--patience must be positive, not \(patience)") }
                do { meanPatience = try Quantities.duration(patience) } catch { throw ValidationError("--patience: \(error.description)") }
                try Self.positive(meanPatience!, "--patience", patience)
                guard meanPatience! <= 86_400 else { throw ValidationError("--patience \(patience) is longer than a day") }
            }
            return Parsed(model: QueueModel(arrivalRate: rate, meanHandleTime: handle, meanPatience: meanPatience),
                          goal: percent / 100, targetSeconds: seconds)
        }

        func validate() throws {
            guard (0...50).contains(around) else { throw ValidationError("--around must be between 0 and 50, not \(around)") }
            let cap = try maxAbandon.map { try Self.percentage($0, option: "--max-abandon", range: 0...1) }
            _ = try shrinkage.map { try Self.percentage($0, option: "--shrinkage", range: 0...0.9) }
            if scenario != nil {
                guard arrivals == nil, aht == nil, patience == nil else {
                    throw ValidationError("with --scenario the demand, handle times and patience come from the scenario; leave out --arrivals, --aht and --patience")
                }
                guard target == "80/60", definition == .offered else {
                    throw ValidationError("with --scenario each channel's target, goal and the service-level definition come from the scenario; leave out --target and --sl-definition")
                }
                if let day, day < 0 { throw ValidationError("--day counts from 0, not \(day)") }
                return
            }
            guard variant == nil, day == nil else { throw ValidationError("--variant and --day go with --scenario") }
            guard format != .csv else { throw ValidationError("--format csv goes with --scenario; for one queue use table or json") }
            let input = try parsed()
            if cap != nil && input.model.meanPatience == nil {
                throw ValidationError("--max-abandon needs --patience: without it nobody abandons (Erlang C)")
            }
        }

        func run() throws {
            let cap = try maxAbandon.map { try Self.percentage($0, option: "--max-abandon", range: 0...1) }
            let shrink = try shrinkage.map { try Self.percentage($0, option: "--shrinkage", range: 0...0.9) }
            if let scenario {
                let loaded = try loadScenario(scenario, variant: variant)
                if let day, day >= loaded.run.days {
                    throw CommandFailure(description: "--day \(day) is past the run's \(loaded.run.days) day(s)")
                }
                let rows = IntradayRequirements.rows(loaded, days: day.map { [$0] }, shrinkage: shrink, maxAbandon: cap)
                let report = IntradayReport(scenario: loaded, rows: rows, shrinkage: shrink, maxAbandon: cap)
                switch format {
                case .table: print(report.table())
                case .json: print(try report.json())
                case .csv: print(report.csv())
                }
                return
            }
            let input = try parsed()
            let required = StaffingMath.requiredAgents(input.model, target: input.targetSeconds, goal: input.goal, definition: definition, maxAbandon: cap)
            let targetOnly = cap == nil ? required : StaffingMath.requiredAgents(input.model, target: input.targetSeconds, goal: input.goal, definition: definition)
            let center = required ?? Int(input.model.load.rounded(.up))
            let rows = (max(1, center - around)...(center + around)).map {
                StaffingMath.figures(input.model, agents: $0, target: input.targetSeconds, definition: definition)
            }
            let report = StaffReport(model: input.model, definition: definition, target: input.targetSeconds, goal: input.goal,
                                     maxAbandon: cap, shrinkage: shrink, required: required, targetOnly: targetOnly, rows: rows)
            switch format {
            case .json: print(try report.json())
            default: print(report.table())
            }
        }
    }

    enum StaffFormat: String, ExpressibleByArgument, CaseIterable {
        case table, json
    }
}

extension ServiceLevelDefinition: ExpressibleByArgument {}
