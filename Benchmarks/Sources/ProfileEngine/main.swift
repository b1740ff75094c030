// A plain executable for profilers (perf, valgrind --tool=callgrind): replays the mixed
// stream of the benchmarks a number of times.
//   swift build -c release --package-path Benchmarks --product ProfileEngine
//   perf record -g Benchmarks/.build/release/ProfileEngine 20
import Foundation
import Workloads

let rounds = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 10 : 10
let stream = MixedStream(agents: 1000, arrivalsPerSecond: 3.5, commands: 200_000)
let clock = ContinuousClock()
var produced = 0
let elapsed = clock.measure {
    for _ in 0..<rounds { produced &+= stream.replay() }
}
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
let commands = Double(stream.commands.count * rounds)
print("\(Int(commands)) commands in \(String(format: "%.3f", seconds)) s: \(Int(commands / seconds)) commands/s (\(produced) events)")
