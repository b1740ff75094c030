import AgnerCore
import AgnerProtocol
import AgnerServer
import AgnerSim
import ArgumentParser
import Foundation

/// `whatif` answered by the simulator: the CLI plugs this into the router (`LiveRouter.Settings.forecaster`).
enum WhatIfForecaster {
    static func make(scenario: Scenario, calendar: OpeningCalendar?) -> Forecaster {
        { changes, horizon, replications, state throws(ProtocolError) in
            let utc = try! OpeningCalendar(weekdays: Array(repeating: .allDay, count: 7))
            let clock = (calendar ?? utc).wallClock(at: state.now)
            let start = Forecast.Start(engine: state.engine, agentNames: state.agentNames, recentArrivals: state.recentArrivals,
                                       window: state.window, timeOfDay: clock.seconds, weekday: clock.weekday)
            let outcome: Forecast.Outcome
            do {
                outcome = try Forecast.run(start, scenario: scenario, changes: changes.map { Forecast.Change(group: $0.group, count: $0.count) },
                                           horizon: horizon, replications: replications)
            } catch {
                throw ProtocolError(.badField, "add: \(error)")
            }
            return wire(outcome)
        }
    }

    static func wire(_ outcome: Forecast.Outcome) -> WireValue {
        func estimate(_ e: Estimate) -> WireValue {
            .object([("mean", e.mean.isFinite ? .double(e.mean) : .null),
                     ("half_width", e.halfWidth.map { $0.isFinite ? WireValue.double($0) : .null } ?? .null)])
        }
        func side(_ figures: [Forecast.ChannelFigures]) -> WireValue {
            .array(figures.filter { $0.offered.mean > 0 }.map { f in
                .object([("channel", .string(f.channel.name)), ("offered", estimate(f.offered)), ("service_level", estimate(f.serviceLevel)),
                         ("average_speed_of_answer_s", estimate(f.averageSpeedOfAnswer)), ("abandon_rate", estimate(f.abandonRate)),
                         ("breaches", estimate(f.breaches))])
            })
        }
        return .object([("horizon_s", .double(outcome.horizon)), ("replications", .int(outcome.replications)),
                        ("baseline", side(outcome.baseline)), ("with_change", outcome.withChange.map(side) ?? .null)])
    }
}

extension Agner {
    struct WhatIf: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "whatif",
            abstract: "Ask a running agner serve what the next hour looks like, with and without a staffing change.",
            discussion: """
                The forecast starts from the router's live state (waiting contacts with their waits \
                so far, agents busy with the elapsed part of their contacts, agents' states) and \
                simulates the horizon with arrivals at the rate of the last hour blended with the \
                center's demand for the time of day (docs/protocol.md, "What if, from now"). It runs \
                beside the router: routing never pauses. Needs a supervisor (a token with --tokens).

                Example: agner whatif --connect 127.0.0.1:7040 --add billing=3 --add sales=-3 --horizon 1h
                """)

        @Option(help: "HOST:PORT of the router.")
        var connect: String = "127.0.0.1:7040"

        @Option(help: "A supervisor's token, when the router runs with --tokens.")
        var token: String = ""

        @Option(parsing: .unconditionalSingleValue, help: "GROUP=N: N more agents of the agent group (negative: fewer), e.g. billing=3. Repeatable.")
        var add: [String] = []

        @Option(help: "How far to look ahead: 30min, 1h, 4h (at most a day).")
        var horizon: String = "1h"

        @Option(parsing: .unconditional, help: "Replications (1–200): more give narrower intervals.")
        var replications: Int = 20

        @Option(help: "table or json.")
        var format: String = "table"

        func validate() throws {
            _ = try Serve.hostAndPort(connect, option: "--connect")
            _ = try StaffingChanges.parse(add)
            guard ["table", "json"].contains(format) else { throw ValidationError("--format '\(format)' should be table or json") }
        }

        func run() throws {
            let (host, port) = try Serve.hostAndPort(connect, option: "--connect")
            let seconds = try Quantities.duration(horizon)
            let connection = try LineConnection(host: host, port: port)
            var adds: [String: Int] = [:]
            for change in try StaffingChanges.parse(add) { adds[change.group] = change.count }
            let hello = try connection.request(["op": "hello", "role": "supervisor", "token": token, "req": 1])
            guard hello["ok"] as? Bool == true else { throw CommandFailure(description: "hello refused: \(Self.message(hello))") }
            let reply = try connection.request(["op": "whatif", "add": adds, "horizon_s": seconds, "replications": replications, "req": 2])
            guard reply["ok"] as? Bool == true, let id = (reply["result"] as? [String: Any])?["whatif"] as? Int else {
                throw CommandFailure(description: "whatif refused: \(Self.message(reply))")
            }
            let result = try connection.read(until: 120) { $0["event"] as? String == "whatif.result" && $0["whatif"] as? Int == id }
            if let error = result["error"] as? [String: Any] { throw CommandFailure(description: "whatif failed: \(error["message"] ?? "")") }
            if format == "json" {
                print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
                return
            }
            print(Self.table(result, adds: adds))
        }

        static func message(_ reply: [String: Any]) -> String {
            ((reply["error"] as? [String: Any])?["message"] as? String) ?? "no reply"
        }

        static func table(_ result: [String: Any], adds: [String: Int]) -> String {
            func figure(_ value: Any?, share: Bool) -> String {
                guard let estimate = value as? [String: Any], let mean = estimate["mean"] as? Double else { return "—" }
                let half = estimate["half_width"] as? Double
                if share { return String(format: "%.1f %%", mean * 100) + (half.map { String(format: " ±%.1f", $0 * 100) } ?? "") }
                return String(format: "%.1f", mean) + (half.map { String(format: " ±%.1f", $0) } ?? "")
            }
            let horizon = (result["horizon_s"] as? Double ?? 0) / 60
            var lines = ["next \(Int(horizon)) min from now, \(result["replications"] ?? 0) replications; ± = 95 % interval"]
            let change = adds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value >= 0 ? "+" : "")\($0.value)" }.joined(separator: ", ")
            for (title, key) in [("as staffed now", "baseline"), ("with \(change)", "with_change")] {
                guard let rows = result[key] as? [[String: Any]] else { continue }
                lines.append("")
                lines.append(title)
                lines.append("channel        offered     service level      ASA (s)         abandoned    breaches")
                for row in rows {
                    let name = (row["channel"] as? String ?? "").padding(toLength: 12, withPad: " ", startingAt: 0)
                    lines.append("\(name)   \(figure(row["offered"], share: false).padding(toLength: 10, withPad: " ", startingAt: 0))  \(figure(row["service_level"], share: true).padding(toLength: 17, withPad: " ", startingAt: 0))  \(figure(row["average_speed_of_answer_s"], share: false).padding(toLength: 14, withPad: " ", startingAt: 0))  \(figure(row["abandon_rate"], share: true).padding(toLength: 12, withPad: " ", startingAt: 0))  \(figure(row["breaches"], share: false))")
                }
            }
            return lines.joined(separator: "\n")
        }
    }
}

/// A blocking line-JSON connection for the command line's clients (bounded by timeouts).
final class LineConnection {
    let handle: FileHandle
    var buffer = Data()

    init(host: String, port: Int) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let resolved = host == "localhost" ? "127.0.0.1" : host
        guard inet_pton(AF_INET, resolved, &address.sin_addr) == 1 else {
            throw CommandFailure(description: "--connect: \(host) is not an IPv4 address")
        }
        var timeout = timeval(tv_sec: 120, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(descriptor)
            throw CommandFailure(description: "cannot connect to \(host):\(port) (is agner serve running?)")
        }
        handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    func request(_ json: [String: Any]) throws -> [String: Any] {
        try handle.write(contentsOf: JSONSerialization.data(withJSONObject: json) + Data("\n".utf8))
        let req = json["req"] as? Int
        return try read(until: 30) { ($0["re"] as? Int) == req }
    }

    func read(until seconds: Double, where match: ([String: Any]) -> Bool) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[..<newline]
                buffer.removeSubrange(...newline)
                if let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any], match(object) { return object }
                continue
            }
            let chunk = handle.availableData
            if chunk.isEmpty { throw CommandFailure(description: "the router closed the connection") }
            buffer += chunk
        }
        throw CommandFailure(description: "no answer within \(Int(seconds)) s")
    }
}
