import Foundation
import Testing

/// Whether Python with Ciw is on this machine (`make test` installs Ciw from PyPI).
let ciwAvailable: Bool = {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import ciw"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
}()

@Suite("Agner against another simulator")
struct CiwComparisonTests {
    @Test("on a two-skill center with abandonment, Agner and Ciw agree per topic on service level, ASA and abandonment",
          .enabled(if: ciwAvailable, "needs python3 with Ciw: python3 -m pip install ciw==3.2.7 (make test installs it)"))
    func agreesWithCiw() throws {
        let script = Scratch.repository.appendingPathComponent("validation/ciw/two_skill.py").path
        let run = try AgnerRun.run(["python3 \(script) --agner \(ServeProcess.binary.path) --replications 20"],
                                   in: Scratch.repository, shell: true)
        #expect(run.status == 0, "\(run.output)\n\(run.errors)")
        #expect(run.output.contains("agree"))
        #expect(!run.output.contains(" NO"))
    }
}
