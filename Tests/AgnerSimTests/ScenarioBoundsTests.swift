import AgnerCore
import Foundation
import Testing
@testable import AgnerSim

/// Every number of a scenario has a range; what is outside it is refused with the field and
/// the line, before anything is allocated or simulated (issue 10: each of these once crashed
/// or exhausted memory).
@Suite("Scenario bounds")
struct ScenarioBoundsTests {
    static func error(_ yaml: String) -> String {
        do {
            _ = try ScenarioLoader.load(yaml: yaml)
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test("numbers outside their range are refused with the field and the line", arguments: [
        // An answer target of 1e300 s made every arrival trap the live server.
        ("center: {channels: {phone: {target: 1e300s}}}\nagents: [{count: 5}]\ndemand: [{rate: 1/min}]",
         "center.channels.phone.target: 1e+300 s is outside 0.001 s–30 d (line 1)"),
        // 10 billion agents aborted allocating 400 GB.
        ("agents: [{count: 10000000000}]\ndemand: [{rate: 1/min}]", "agents[0].count: 10,000,000,000 is outside 0–100,000 (line 1)"),
        // 1e12 arrivals a second grew without end.
        ("agents: [{count: 5}]\ndemand: [{rate: 1e12/s}]", "demand[0].rate: a rate of 3.6e+15/h is outside 0/h–100,000/h (line 2)"),
        ("agents: [{count: 5}]\ndemand: [{daily: 1e9}]", "demand[0].daily: 1,000,000,000 is outside 0–2,400,000 (line 2)"),
        ("agents: [{count: 5}]\ndemand: [{daily: 2000000, profile: {\"08:00\": 1, \"09:00\": 0}}]",
         "demand[0]: the busiest minute comes to 2,000,000/h (with its weekday factor), above the 100,000/h a stream may have (line 2)"),
        ("agents: [{count: 5}]\ndemand: [{rate: 1/min, weekdays: {mon: 11}}]", "demand[0].weekdays.mon: a weekday factor of 11 is outside 0–10 (line 2)"),
        ("agents: [{count: 5}]\ndemand: [{rate: 1/min}]\nhandling: {default: 400d}", "handling.default: a mean of 400 d is outside 0 s–24 h (line 3)"),
        ("agents: [{count: 5}]\ndemand: [{rate: 1/min}]\nhandling: {default: {distribution: lognormal, mean: 5min, cv: 50}}",
         "handling.default.cv: 50 is outside 0.001–10 (line 3)"),
        ("agents: [{count: 5}]\ndemand: [{rate: 1/min}]\ncenter: {channels: {chat: {wrapUp: 5h}}}", "center.channels.chat.wrapUp: 5 h is outside 0 s–4 h (line 3)"),
        ("agents: [{count: 5}]\ndemand: [{rate: 1/min}]\ncenter: {offerTimeout: 2h}", "center.offerTimeout: 2 h is outside 0.001 s–1 h (line 3)"),
        ("agents: [{count: 5}]\ndemand: [{rate: 1/min}]\nrun: {replications: 20000}", "run.replications: 20,000 is outside 1–10,000 (line 3)"),
        ("agents: [{count: 5}]\ndemand: [{rate: 1/min}]\nrun: {seed: -1}", "run.seed: expected a whole number from 0 to 18446744073709551615 (line 3)"),
        ("agents: [{count: 5}]\ndemand: [{rate: 1/min}]\nrun: {ringTime: 1h}", "run.ringTime: 1 h is outside 0 s–5 min (line 3)"),
        ("agents: [{count: 5}]\ndemand: [{rate: 1/min}]\nrun: {days: 3000, interval: 15min, replications: 10}",
         "run: 3000 days × 96 intervals × 10 replications is 2880000 interval results, more than 1000000"),
        ("agents: [{count: 5}]\ndemand: [{rate: 1/min}]\ncosts: {agentHour: 1e9}", "costs.agentHour: 1,000,000,000 is outside 0–10,000 (line 3)"),
        ("agents: [{count: 60000}, {count: 60000}]\ndemand: [{rate: 1/min}]", "agents: the agent groups hold more than 100000 agents (line 1)"),
        ("agents: [{name: sales, count: 2}, {name: sales-1}]\ndemand: [{rate: 1/min}]", "agents[1].name: agent 'sales-1' is defined twice (line 1)"),
        ("agents: [{name: \"\(String(repeating: "x", count: 101))\"}]\ndemand: [{rate: 1/min}]", "agents[0].name: a name of 101 characters is longer than 100 (line 1)"),
        ("center: {skills: [\"bill\\ting\"]}\nagents: [{count: 1}]\ndemand: [{rate: 1/min}]", "center.skills[0]: a name holds a control character (line break, tab), which is not allowed (line 1)"),
        ("agents: [{name: desk, adapter: \"pbx\\u202E\"}]\ndemand: [{rate: 1/min}]", "agents[0].adapter: a name holds an invisible format character (U+202E"),
        ("agents: [{name: \" \"}]\ndemand: [{rate: 1/min}]", "agents[0].name: a name is only blanks"),
    ])
    func outOfRange(yaml: String, expected: String) {
        #expect(Self.error(yaml).contains(expected))
    }

    @Test("a YAML alias bomb is refused before it is expanded")
    func aliasBomb() {
        // Nine levels of nine aliases: 9^9 ≈ 387 million nodes from a dozen lines.
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            let refs = Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ")
            yaml += "a\(level): &a\(level) [\(refs)]\n"
        }
        yaml += "agents: [{count: 1}]\ndemand: [{rate: 1/min}]\n"
        #expect(Self.error(yaml).contains("the YAML expands to more than 500000 nodes"))
    }

    @Test("a scenario file larger than the limit is refused before it is parsed")
    func oversizedFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("agner-big-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let line = "# " + String(repeating: "x", count: 1021) + "\n"
        let text = "agents: [{count: 1}]\ndemand: [{rate: 1/min}]\n" + String(repeating: line, count: 1025)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let message = Self.loadError(path)
        #expect(message.hasPrefix("\(path): is larger than 1048576 bytes"))
    }

    @Test("a binary or unreadable file says so plainly")
    func binaryAndUnreadable() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("agner-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let binary = directory.appendingPathComponent("scenario.sqlite").path
        try Data([0x53, 0x51, 0x4c, 0x00, 0x01, 0xff, 0xfe]).write(to: URL(fileURLWithPath: binary))
        #expect(Self.loadError(binary) == "\(binary): is not a text file (it holds binary data), so it cannot be a scenario file")
        let latin1 = directory.appendingPathComponent("latin1.yaml").path
        try Data("name: caf\u{e9}\n".data(using: .isoLatin1)!).write(to: URL(fileURLWithPath: latin1))
        #expect(Self.loadError(latin1) == "\(latin1): is not UTF-8 text; save it as UTF-8")
        #expect(Self.loadError(directory.path) == "\(directory.path): is a directory, not a scenario file")
    }

    static func loadError(_ path: String) -> String {
        do {
            _ = try ScenarioLoader.load(path: path)
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test("the engine itself refuses an answer target past its range, whoever configures it")
    func engineRefusesHugeTarget() {
        var channels = PerChannel(phone: ChannelSettings.standard(for: .phone), chat: .standard(for: .chat),
                                  email: .standard(for: .email), clickToCall: .standard(for: .clickToCall))
        channels.phone.answerTarget = 1e300
        #expect(throws: ConfigurationError.self) {
            try CenterConfiguration(departments: ["center"], skills: ["general"],
                                    topics: [Topic(name: "general", requiredSkills: [SkillID(0)], owningDepartment: DepartmentID(0))],
                                    channels: channels)
        }
    }

    @Test("every bundled scenario stays inside the bounds", arguments: BundledScenarios.names)
    func bundledScenariosFit(name: String) throws {
        _ = try ScenarioLoader.load(path: BundledScenarios.path(name))
    }
}

/// The scenarios in scenarios/, found from this file's place in the repository.
enum BundledScenarios {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scenarios")

    static let names: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
        .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()

    static func path(_ name: String) -> String { directory.appendingPathComponent("\(name).yaml").path }
}
