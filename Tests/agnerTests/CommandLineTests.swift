import Foundation
import Testing

/// The real `agner` binary, run as a child process: what a planner types and sees.
struct AgnerRun {
    var status: Int32
    var output: String
    var errors: String

    /// Runs `agner` with `arguments` in `directory` (with the binary's directory on PATH, so a
    /// shell script can call `agner`). - Parameter shell: run `arguments[0]` as a bash script.
    static func run(_ arguments: [String], in directory: URL? = nil, shell: Bool = false) throws -> AgnerRun {
        let process = Process()
        if shell {
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-eu", "-o", "pipefail", "-c", arguments[0]]
        } else {
            process.executableURL = ServeProcess.binary
            process.arguments = arguments
        }
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = ServeProcess.binary.deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        process.environment = environment
        if let directory { process.currentDirectoryURL = directory }
        // Files, not pipes: nothing to drain while the child runs.
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("agner-run-\(UUID().uuidString)")
        let outURL = base.appendingPathExtension("out"), errURL = base.appendingPathExtension("err")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        process.waitUntilExit()
        let out = try Data(contentsOf: outURL), err = try Data(contentsOf: errURL)
        return AgnerRun(status: process.terminationStatus, output: String(decoding: out, as: UTF8.self), errors: String(decoding: err, as: UTF8.self))
    }
}

/// A scratch directory with the repository's scenarios linked in; removed when released.
final class Scratch {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("agner-cli-\(UUID().uuidString)")
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    init() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: directory.appendingPathComponent("scenarios"),
                                                   withDestinationURL: Self.repository.appendingPathComponent("scenarios"))
    }

    func file(_ name: String, _ text: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: directory) }
}

@Suite("agner on the command line", .serialized)
struct CommandLineTests {
    static let small = """
        name: small center
        center: {departments: [front, back], skills: [a, b], topics: [{name: a, skills: [a]}, {name: b, skills: [b], department: back}]}
        hours: {default: "08:00-18:00"}
        agents: [{name: front, count: 4, skills: {a: 4, b: 2}}, {name: back, count: 2, department: back, skills: {b: 5}}]
        demand: [{topic: a, daily: 300}, {topic: b, daily: 120}, {channel: email, topic: b, daily: 40}]
        patience: {default: 100s}
        run: {days: 2, replications: 5, seed: 4}
        """

    @Test("shards merged are byte for byte the unsharded run, in every format, and --db prints the run id")
    func shardsMergeByteIdentical() throws {
        let scratch = try Scratch()
        let file = try scratch.file("small.yaml", Self.small)
        for format in ["table", "json", "csv"] {
            let tableFlags = format == "table" ? ["--details", "--intervals"] : []
            let whole = try AgnerRun.run(["simulate", file, "--format", format] + tableFlags)
            #expect(whole.status == 0, "\(whole.errors)")
            var parts: [String] = []
            for index in 1...3 {
                let db = scratch.path("\(format)-part-\(index).sqlite")
                let shard = try AgnerRun.run(["simulate", file, "--shard", "\(index)/3", "--db", db, "--format", "csv"])
                #expect(shard.status == 0, "\(shard.errors)")
                #expect(shard.errors.contains("stored as run 1 in \(db)"))
                parts.append(db)
            }
            let merged = try AgnerRun.run(["merge"] + parts.reversed() + ["--db", scratch.path("\(format)-all.sqlite"), "--format", format] + tableFlags)
            #expect(merged.status == 0, "\(merged.errors)")
            #expect(merged.errors.contains("merged 3 shards into run 1"))
            #expect(merged.output == whole.output, "format \(format)")
        }
    }

    @Test("merge refuses a missing or repeated shard, naming it")
    func mergeRefusesIncompleteShards() throws {
        let scratch = try Scratch()
        let file = try scratch.file("small.yaml", Self.small)
        for index in [1, 3] {
            _ = try AgnerRun.run(["simulate", file, "--shard", "\(index)/3", "--db", scratch.path("part-\(index).sqlite"), "--format", "csv"])
        }
        let missing = try AgnerRun.run(["merge", scratch.path("part-1.sqlite"), scratch.path("part-3.sqlite")])
        #expect(missing.status != 0)
        #expect(missing.errors.contains("shard 2/3 missing"))
        let twice = try AgnerRun.run(["merge", scratch.path("part-1.sqlite"), scratch.path("part-1.sqlite"), scratch.path("part-3.sqlite")])
        #expect(twice.status != 0)
        #expect(twice.errors.contains("shard 1/3 is stored twice"))
    }

    /// The fenced block marked `gnu-parallel` in docs/simulation.md.
    static func documentedParallelRun() throws -> String {
        let text = try String(contentsOf: Scratch.repository.appendingPathComponent("docs/simulation.md"), encoding: .utf8)
        let start = try #require(text.range(of: "```sh gnu-parallel\n"))
        let end = try #require(text.range(of: "```", range: start.upperBound..<text.endIndex))
        return String(text[start.upperBound..<end.lowerBound])
    }

    @Test("the documented GNU parallel run works as written and merges to the unsharded run")
    func documentedParallelRunWorks() throws {
        let script = try Self.documentedParallelRun()
        #expect(script.contains("parallel ") && script.contains("agner merge") && script.contains("cmp "))
        let hasParallel = FileManager.default.isExecutableFile(atPath: "/usr/bin/parallel")
        try #require(hasParallel, "GNU parallel is needed for this test: apt-get install parallel (make test installs it)")
        let scratch = try Scratch()
        let run = try AgnerRun.run([script], in: scratch.directory, shell: true)
        #expect(run.status == 0, "\(run.output)\n\(run.errors)")
        #expect(FileManager.default.fileExists(atPath: scratch.path("all.sqlite")))
    }

    @Test("compare refuses two runs with different settings unless asked, and prints both sides' settings")
    func compareRefusesDifferentRuns() throws {
        let scratch = try Scratch()
        let a = try scratch.file("a.yaml", Self.small)
        let b = try scratch.file("b.yaml", Self.small.replacingOccurrences(of: "seed: 4", with: "seed: 5")
                                                     .replacingOccurrences(of: "run: {", with: "run: {serviceLevel: answered, "))
        let refused = try AgnerRun.run(["compare", a, b])
        #expect(refused.status != 0)
        #expect(refused.errors.contains("seed: 4 (\(a)) vs 5 (\(b))"))
        #expect(refused.errors.contains("service level definition: offered (\(a)) vs answered (\(b))"))
        #expect(refused.errors.contains("--allow-different-runs"))
        let allowed = try AgnerRun.run(["compare", a, b, "--allow-different-runs"])
        #expect(allowed.status == 0, "\(allowed.errors)")
        #expect(allowed.output.contains("the two sides were run differently"))
        #expect(allowed.output.contains("not comparable (definitions differ)"))
        #expect(!allowed.output.contains("pt  better"))
    }

    @Test("nothing a command writes replaces what it reads: --output or --db naming an input is refused, by any path or link")
    func outputNeverReplacesAnInput() throws {
        let scratch = try Scratch()
        let scenario = try scratch.file("center.yaml", "agents: [{count: 2}]\ndemand: [{rate: 1/min}]\nrun: {days: 1, replications: 1}\n")
        let before = try String(contentsOfFile: scenario, encoding: .utf8)
        let link = scratch.directory.appendingPathComponent("link.yaml").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: scenario)
        for output in [scenario, link, scratch.directory.appendingPathComponent("./center.yaml").path] {
            let run = try AgnerRun.run(["simulate", scenario, "--output", output])
            #expect(run.status != 0 && run.errors.contains("which this command reads"), "\(output): \(run.errors)")
        }
        let compare = try AgnerRun.run(["compare", scenario, scenario, "--output", scenario])
        #expect(compare.status != 0 && compare.errors.contains("which this command reads"))
        // The same for a database a command writes: never into its scenario, a shard it merges or the center it serves.
        for command in [["simulate", scenario, "--db", link], ["sweep", scenario, "--set", "agents[0].count=1..2", "--db", scenario],
                        ["merge", scenario, "--db", scenario], ["serve", "--center", scenario, "--db", scenario]] {
            let run = try AgnerRun.run(command)
            #expect(run.status != 0 && run.errors.contains("--db") && run.errors.contains("which this command reads"), "\(command): \(run.errors)")
        }
        #expect(try String(contentsOfFile: scenario, encoding: .utf8) == before)
    }

    @Test("a journal path the router cannot use says why: a directory, or no permission, never SQLite's 'unable to open database file' alone")
    func journalPathProblemsNamed() throws {
        let scratch = try Scratch()
        try FileManager.default.createDirectory(atPath: scratch.path("journal.db"), withIntermediateDirectories: true)
        let run = try AgnerRun.run(["serve", "--center", "scenarios/live-demo.yaml", "--db", scratch.path("journal.db"), "--listen", "127.0.0.1:0"], in: scratch.directory)
        #expect(run.status != 0 && run.errors.contains("cannot open the journal: it is a directory; give --db a file"), "\(run.errors)")
    }

    @Test("--add GROUP=N is bounded by the agents a center holds: no overflow, no millions of agents")
    func staffingChangesBounded() throws {
        for value in ["9223372036854775807", "-9223372036854775808", "10000000"] {
            for command in [["replay", "--journal", "/nonexistent.db", "--center", "x.yaml"], ["whatif", "--connect", "127.0.0.1:1"]] {
                let run = try AgnerRun.run(command + ["--add", "billing=\(value)"])
                #expect(run.status != 0 && run.errors.contains("at most 100000 agents"), "\(command[0]) \(value): \(run.errors)")
            }
        }
        let sum = try AgnerRun.run(["whatif", "--add", "billing=60000", "--add", "billing=60000"])
        #expect(sum.status != 0 && sum.errors.contains("add up to 120000"))
    }

    @Test("agner validate exits non-zero when a check fails")
    func validateFailsLoudly() throws {
        let scratch = try Scratch()
        // A queue whose stated P(wait) is plainly wrong (Erlang C gives 0.167 for 8 agents).
        let reference = try scratch.file("wrong.csv", """
            case,arrivals_per_s,aht_s,agents,patience_s,p_wait,sl_60_of_offered,asa_s,abandon_rate,occupancy,model
            b,0.02777777778,180,8,inf,0.5,0.938466091,10.0359904,0,0.625,ErlangC M/M/n
            """)
        let run = try AgnerRun.run(["validate", "--reference", reference, "--scale", "0.02", "--replications", "3"])
        #expect(run.status != 0)
        #expect(run.output.contains("NO"))
    }

    @Test("staff says what is wrong with its input, and never answers with its search limit")
    func staffInputs() throws {
        let percent = try AgnerRun.run(["staff", "--arrivals", "570/h", "--aht", "300s", "--target", "0.8/60"])
        #expect(percent.status != 0)
        #expect(percent.errors.contains("for 80 % write 80/60"))
        let negative = try AgnerRun.run(["staff", "--arrivals", "-5/h", "--aht", "300s"])
        #expect(negative.errors.contains("--arrivals must be positive"))
        #expect(!negative.errors.contains("Missing value"))
        let all = try AgnerRun.run(["staff", "--arrivals", "570/h", "--aht", "300s", "--target", "100/60"])
        #expect(all.errors.contains("100 % is never reached"))
        let huge = try AgnerRun.run(["staff", "--arrivals", "28000/s", "--aht", "300s"])
        #expect(huge.status == 0)
        #expect(!huge.output.contains("8388608"))
        #expect(huge.output.contains("8,400,009 agents are needed on duty."))
        let scenario = try AgnerRun.run(["staff", "--scenario", Scratch.repository.appendingPathComponent("scenarios/retail.yaml").path,
                                         "--day", "0", "--format", "csv"])
        #expect(scenario.status == 0, "\(scenario.errors)")
        #expect(scenario.output.hasPrefix("day,weekday,start,channel,arrivals_per_hour"))
        #expect(scenario.output.contains(",phone,"))
    }

    @Test("a scenario out of bounds is refused by serve too, before it can take the router down")
    func serveRefusesUnboundedCenter() throws {
        let scratch = try Scratch()
        let center = try scratch.file("center.yaml", "center: {channels: {phone: {target: 1e300s}}}\nagents: [{count: 2}]\ndemand: [{rate: 1/min}]")
        let run = try AgnerRun.run(["serve", "--center", center, "--db", scratch.path("journal.sqlite"), "--listen", "127.0.0.1:0"])
        #expect(run.status != 0)
        #expect(run.errors.contains("center.channels.phone.target: 1e+300 s is outside 0.001 s–30 d (line 1)"))
    }

    @Test("a tokens file that is missing, an alias bomb, or names an adapter with invisible characters is refused before serving")
    func badTokensFiles() throws {
        let scratch = try Scratch()
        let center = try scratch.file("center.yaml", "agents: [{count: 2}]\ndemand: [{rate: 1/min}]")
        var bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...8 { bomb += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n" }
        bomb += "tokens: {boss-token-1: supervisor}\n"
        let cases: [(String?, String)] = [
            (nil, "no such file"),
            (bomb, "expands to more than 500000 nodes"),
            ("tokens: {pbx-token-1: {role: adapter, adapters: [\"pbx\\u202E\"]}}", "invisible format character"),
            ("tokens: {short: supervisor}", "at least 8 characters"),
        ]
        for (index, (text, expected)) in cases.enumerated() {
            let path = try text.map { try scratch.file("tokens\(index).yaml", $0) } ?? scratch.path("missing.yaml")
            let run = try AgnerRun.run(["serve", "--center", center, "--db", scratch.path("journal\(index).sqlite"),
                                        "--listen", "127.0.0.1:0", "--tokens", path])
            #expect(run.status != 0)
            #expect(run.errors.contains(expected), "\(run.errors)")
        }
    }

    @Test("a binary file given as a scenario is named as such")
    func binaryScenario() throws {
        let scratch = try Scratch()
        let db = scratch.path("results.sqlite")
        _ = try AgnerRun.run(["simulate", try scratch.file("tiny.yaml", "agents: [{count: 1}]\ndemand: [{rate: 1/min}]"), "--db", db])
        let run = try AgnerRun.run(["simulate", db])
        #expect(run.status != 0)
        #expect(run.errors.contains("is not a text file (it holds binary data)"))
    }
}
