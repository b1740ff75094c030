import AgnerTestSupport
import Foundation
import Testing

/// The real binary started again and again on copies of one journal's files, each damaged at
/// random: bytes changed, files cut short, deleted, a stretch of the database overwritten, what
/// an interrupted write leaves behind. Every
/// start must succeed; the center holds nothing that was never sent; when the banner reports no
/// losses, it holds exactly what was acknowledged; and a second start finds nothing left to
/// repair. `AGNER_DAMAGE_ROUNDS` sets the number of rounds (20 by default),
/// `AGNER_DAMAGE_SEED` the seed (figures of a long run in docs/performance.md).
@Suite("agner serve on damaged files, at random", .serialized)
struct DamageCampaignTests {
    static var rounds: Int { ProcessInfo.processInfo.environment["AGNER_DAMAGE_ROUNDS"].flatMap(Int.init) ?? 20 }
    static var seed: UInt64 { ProcessInfo.processInfo.environment["AGNER_DAMAGE_SEED"].flatMap(UInt64.init) ?? 20_261_130 }

    /// The files a journal leaves, to damage.
    static let members = ["journal.sqlite", "journal.sqlite-wal", "journal.sqlite-snapshot", "journal.sqlite-snapshot.previous"]

    @Test("a journal's files damaged at random: every start succeeds, and what it lost it says")
    func damagedAtRandom() throws {
        // The original: two runs stopped gracefully (two snapshots), a third killed.
        let original = try CrashRecoveryTests.Workspace()
        var acknowledged = try DamagedFilesTests.sixtyArrivals(original, options: [])
        let second = try ServeProcess(center: original.centerFile, db: original.db)
        acknowledged.formUnion(try DamagedFilesTests.arrivals(second, prefix: "second", count: 30))
        #expect(second.stop())
        let third = try ServeProcess(center: original.centerFile, db: original.db, options: ["--snapshot-every", "1000"])
        acknowledged.formUnion(try DamagedFilesTests.arrivals(third, prefix: "third", count: 30))
        third.kill()
        let present = Self.members.filter { FileManager.default.fileExists(atPath: original.directory.appendingPathComponent($0).path) }

        var rng = SplitMix64(seed: Self.seed)
        var withLosses = 0
        var withRepairs = 0
        var slowest = 0.0
        for round in 1...Self.rounds {
            let workspace = try CrashRecoveryTests.Workspace()
            for name in present {
                try FileManager.default.copyItem(at: original.directory.appendingPathComponent(name), to: workspace.directory.appendingPathComponent(name))
            }
            var faults: [String] = []
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                let name = present[Int(rng.next() % UInt64(present.count))]
                let url = workspace.directory.appendingPathComponent(name)
                guard var bytes = try? [UInt8](Data(contentsOf: url)), !bytes.isEmpty else { continue }
                switch rng.next() % 5 {
                case 0:
                    for _ in 0..<(1 + rng.next() % 4) { bytes[Int(rng.next() % UInt64(bytes.count))] ^= UInt8(1 + rng.next() % 255) }
                    faults.append("\(name): bytes changed")
                case 1:
                    bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count))))
                    faults.append("\(name): cut to \(bytes.count)")
                case 2:
                    try FileManager.default.removeItem(at: url)
                    faults.append("\(name): deleted")
                    continue
                case 3:
                    let start = Int(rng.next() % UInt64(bytes.count))
                    for index in start..<min(bytes.count, start + 4_096) { bytes[index] = UInt8(truncatingIfNeeded: rng.next()) }
                    faults.append("\(name): 4 KiB from \(start) overwritten")
                default:
                    let at = Int(rng.next() % UInt64(bytes.count))
                    bytes[at] ^= 0x80
                    faults.append("\(name): one bit at \(at)")
                }
                try Data(bytes).write(to: url)
            }
            // What an interrupted write leaves: a half-written snapshot, a replacement journal
            // never put in place. Removed at the start, never taken for the real thing.
            if rng.next() % 4 == 0 {
                let leftover = ["journal.sqlite-snapshot.tmp", "journal.sqlite.new"][Int(rng.next() % 2)]
                try Data((0..<(1 + rng.next() % 9_000)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
                    .write(to: workspace.directory.appendingPathComponent(leftover))
                faults.append("\(leftover) left behind")
            }
            let started = Date()
            let server: ServeProcess
            do { server = try ServeProcess(center: workspace.centerFile, db: workspace.db) } catch {
                Issue.record("round \(round) (\(faults.joined(separator: "; "))): \(error)")
                continue
            }
            slowest = max(slowest, Date().timeIntervalSince(started))
            let contacts = try DamagedFilesTests.contacts(server)
            let lost = server.startup.contains("RECOVERED WITH LOSSES")
            if lost { withLosses += 1 }
            if server.startup.contains("RECOVERY") { withRepairs += 1 }
            let context = "round \(round) (\(faults.joined(separator: "; "))): \(server.startup)"
            #expect(contacts.isSubset(of: acknowledged), "never sent: \(contacts.subtracting(acknowledged).sorted().prefix(5)); \(context)")
            // SQLite drops a damaged write-ahead log's frames as never committed: the one
            // damage nothing can notice (the snapshots still hold what they cover).
            if !lost && !faults.contains(where: { $0.hasPrefix("journal.sqlite-wal") }) {
                #expect(contacts == acknowledged, "lost without saying so: \(acknowledged.subtracting(contacts).sorted().prefix(5)); \(context)")
            }
            #expect(server.stop(), "\(context)")
            // (Checked once stopped: a snapshot being written is a `.tmp` for a moment.)
            for leftover in ["journal.sqlite-snapshot.tmp", "journal.sqlite.new"] {
                #expect(!FileManager.default.fileExists(atPath: workspace.directory.appendingPathComponent(leftover).path), "\(leftover) left: \(context)")
            }
            guard let again = try? ServeProcess(center: workspace.centerFile, db: workspace.db) else {
                Issue.record("second start failed: \(context)")
                continue
            }
            #expect(!again.startup.contains("RECOVERY"), "a second start finds nothing to repair: \(again.startup); first: \(context)")
            #expect(try DamagedFilesTests.contacts(again) == contacts, "\(context)")
            again.stop()
        }
        print("damage campaign: \(Self.rounds) rounds, seed \(Self.seed): \(withRepairs) starts repaired something, \(withLosses) reported losses; slowest start \(String(format: "%.2f", slowest)) s")
    }
}
