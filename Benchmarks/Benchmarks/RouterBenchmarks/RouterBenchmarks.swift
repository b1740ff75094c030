import AgnerCore
import AgnerServer
import AgnerStore
import Benchmark
import Foundation

// The live router without sockets: one contact's three requests (contact.arrive, then
// offer.accept for the offer it produced, then contact.complete) through `LiveRouter.receive`,
// with the real journal (a SQLite file in the temporary directory, as `agner serve` writes it)
// committed every 16 requests, as the server's group commit does under load. This is the server's per-request work apart from the kernel's, so the
// figure moves only when that work does (the TCP figures in docs/performance.md also depend on
// the load client sharing the machine).

/// Mutable state shared by the iterations (the benchmark runs on one thread).
final class RouterBench: @unchecked Sendable {
    var router: LiveRouter?
    var log: CommandLog?
    var next = 0
    var sinceCommit = 0
}

/// The journal the server plugs in, over the real SQLite command log.
final class Journal: CommandJournal, @unchecked Sendable {
    let log: CommandLog
    init(log: CommandLog) { self.log = log }
    func append(time: Double, origin: String, line: UnsafeRawBufferPointer) throws { log.append(time: time, origin: origin, line: line) }
    func commit() throws -> Int64 { try log.commit() }
    func saveSnapshot(_ data: [UInt8], through sequence: Int64) throws {}
}

let bench = RouterBench()
let session = SessionID(1)

let benchmarks: @Sendable () -> Void = {
    Benchmark(
        "Router: arrive, accept, complete (3 requests), journaled",
        configuration: .init(metrics: [.wallClock, .mallocCountTotal, .throughput], timeUnits: .nanoseconds,
                             warmupIterations: 2000, maxDuration: .seconds(5), maxIterations: 300_000),
        closure: { benchmark in
            let router = bench.router!
            bench.next += 1
            let id = "load-run-7-c\(bench.next)"
            var arrive = #"{"op":"contact.arrive","id":"\#(id)","channel":"phone","topic":"general","req":\#(bench.next * 3)}"#
            var accept = #"{"op":"offer.accept","contact":"\#(id)","agent":"agent-1","req":\#(bench.next * 3 + 1)}"#
            var complete = #"{"op":"contact.complete","id":"\#(id)","req":\#(bench.next * 3 + 2)}"#
            benchmark.startMeasurement()
            // As the server does: each line handled from its bytes, the replies and events left
            // in the router's outbox, taken (as bytes) after each commit.
            for index in 0..<3 {
                func receive(_ line: inout String) { line.withUTF8 { router.receive(line: UnsafeRawBufferPointer($0), from: session) } }
                if index == 0 { receive(&arrive) } else if index == 1 { receive(&accept) } else { receive(&complete) }
            }
            bench.sinceCommit += 3
            if bench.sinceCommit >= 16 {
                bench.sinceCommit = 0
                _ = try! bench.log!.commit()
                router.takeLines { _, line in blackHole(line.count) }
            }
            benchmark.stopMeasurement()
        },
        setup: {
            let center = try! CenterConfiguration(
                departments: ["service"], skills: ["general"],
                topics: [Topic(name: "general", requiredSkills: [SkillID(0)], owningDepartment: DepartmentID(0))],
                channels: PerChannel(phone: ChannelSettings(answerTarget: 60, wrapUp: 0), chat: .standard(for: .chat),
                                     email: .standard(for: .email), clickToCall: .standard(for: .clickToCall)))
            let agent = LiveRouter.Agent(name: "agent-1", profile: AgentProfile(id: AgentID(0), department: DepartmentID(0),
                                                                             skills: [SkillLevel(SkillID(0), 5)]))
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("router-bench-\(getpid()).sqlite").path
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            let log = try! CommandLog(path: path)
            let router = try! LiveRouter(settings: .init(center: center, agents: [agent]), clock: { 1_800_000_000 }, journal: Journal(log: log))
            router.connect(session)
            _ = router.handle(line: #"{"op":"hello","role":"adapter","name":"pbx"}"#, from: session)
            _ = router.handle(line: #"{"op":"agent.state","agent":"agent-1","state":"available"}"#, from: session)
            bench.router = router
            bench.log = log
        },
        teardown: {
            bench.router = nil
            if let log = bench.log {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: log.path + suffix) }
            }
            bench.log = nil
        }
    )
}
