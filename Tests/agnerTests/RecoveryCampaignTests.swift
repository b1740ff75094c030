import AgnerTestSupport
import Foundation
import Testing

/// The real binary, killed again and again under pipelined load at random moments (snapshots
/// in flight included, with a random snapshot cadence each round). After every restart: it
/// came back, every acknowledged command's effect is there exactly once, and nothing appears
/// that was never sent. `AGNER_RECOVERY_ROUNDS` sets the number of rounds (20 by default; the
/// long campaign in docs/performance.md used 200).
@Suite("Recovery campaign", .serialized)
struct RecoveryCampaignTests {
    static var rounds: Int { ProcessInfo.processInfo.environment["AGNER_RECOVERY_ROUNDS"].flatMap(Int.init) ?? 20 }

    @Test("SIGKILL at random moments under pipelined load: every restart succeeds, nothing acknowledged is lost or doubled")
    func killedAgainAndAgain() throws {
        let workspace = try CrashRecoveryTests.Workspace()
        var rng = SplitMix64(seed: 20_261_130)
        var sent: Set<String> = []  // every contact ever announced
        var present: Set<String> = []  // acknowledged arrivals not acknowledged as abandoned
        var gone: Set<String> = []  // acknowledged abandons
        var commands = 0
        var slowestStart = 0.0
        for round in 1...Self.rounds {
            let cadence = ["0", "1", "3", "20", "200"][Int(rng.next() % 5)]
            let started = Date()
            let server = try ServeProcess(center: workspace.centerFile, db: workspace.db, options: ["--snapshot-every", cadence])
            slowestStart = max(slowestStart, Date().timeIntervalSince(started))
            #expect(!server.startup.contains("could not be replayed"), "round \(round): \(server.startup)")
            #expect(!server.startup.contains("RECOVERY"), "round \(round): a crash alone leaves nothing to repair: \(server.startup)")
            let client = try TestClient(port: server.port, timeout: 2)

            // What the last round left must be exactly what was acknowledged.
            let listed = try #require(client.allContacts(), "round \(round): no contact list").compactMap { $0["contact"] as? String }
            #expect(listed.count == Set(listed).count, "round \(round): a contact is listed twice")
            let now = Set(listed)
            #expect(present.isSubset(of: now), "round \(round): lost \(present.subtracting(now).sorted().prefix(5))")
            #expect(now.isSubset(of: sent), "round \(round): never sent \(now.subtracting(sent).sorted().prefix(5))")
            #expect(now.isDisjoint(with: gone), "round \(round): abandoned but back \(now.intersection(gone).sorted().prefix(5))")
            present = now.subtracting(gone)

            // Pipelined arrivals and some abandons, then a kill while replies stream back.
            #expect(client.request(["op": "hello", "role": "adapter", "name": "pbx"], req: 0)?["ok"] as? Bool == true)
            let arrivals = 50 + Int(rng.next() % 350)
            var pending: [Int: (String, Bool)] = [:]  // req → (contact, is an abandon)
            var toAbandon = Array(present.sorted().prefix(Int(rng.next() % 20)))
            for index in 0..<arrivals {
                let name = "r\(round)-\(index)"
                sent.insert(name)
                pending[index + 1] = (name, false)
                client.send(json: ["op": "contact.arrive", "id": name, "channel": "email", "topic": "invoice", "req": index + 1])
                if index % 10 == 0, let victim = toAbandon.popLast() {
                    pending[100_000 + index] = (victim, true)
                    client.send(json: ["op": "contact.abandon", "id": victim, "req": 100_000 + index])
                }
            }
            commands += pending.count
            let killAfter = Int(rng.next() % UInt64(pending.count + 1))
            var read = 0
            func take(_ line: [String: Any]) {
                guard let re = line["re"] as? Int, let (name, abandon) = pending.removeValue(forKey: re), line["ok"] as? Bool == true else { return }
                if abandon { gone.insert(name); present.remove(name) } else { present.insert(name) }
            }
            while read < killAfter, let line = client.readLine() {
                take(line)
                read += 1
            }
            server.kill()
            // Replies already on their way were acknowledgements too.
            while let line = client.readLine() { take(line) }
            // An abandon sent but not acknowledged may or may not have been committed: its
            // contact is no longer known to be present.
            for (name, abandon) in pending.values where abandon { present.remove(name) }
        }
        // A graceful stop leaves nothing to replay, and everything is still there.
        let last = try ServeProcess(center: workspace.centerFile, db: workspace.db)
        let client = try TestClient(port: last.port)
        let final = Set(try #require(client.allContacts()).compactMap { $0["contact"] as? String })
        #expect(present.isSubset(of: final) && final.isSubset(of: sent) && final.isDisjoint(with: gone))
        #expect(last.stop())
        let after = try ServeProcess(center: workspace.centerFile, db: workspace.db)
        #expect(CrashRecoveryTests.recovery(after.startup).replayed == 0, "\(after.startup)")
        #expect(after.stop())
        print("recovery campaign: \(Self.rounds) rounds, \(commands) commands sent, \(present.count) contacts acknowledged and kept, slowest start \(String(format: "%.2f", slowestStart)) s")
    }
}

