import AgnerTestSupport
import Foundation
import Testing

/// The pictures in a real browser: Debian's chromium, headless, over the DevTools protocol.
/// Skipped, saying so, only when chromium is not installed (`make deps` installs it; CI runs
/// these). With AGNER_PICTURES=DIR the screenshots are also saved there (scripts/readme-pictures.sh
/// makes the README's pictures so).
@Suite("In a real browser", .serialized, .enabled(if: HeadlessBrowser.executable != nil, HeadlessBrowser.skipReason))
struct BrowserTests {
    static let picturesDirectory = ProcessInfo.processInfo.environment["AGNER_PICTURES"].map { URL(fileURLWithPath: $0) }

    static func save(_ png: Data, as name: String) throws {
        guard let directory = picturesDirectory else { return }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try png.write(to: directory.appendingPathComponent(name))
    }

    @Test("the report of a bundled scenario renders: every chart and its series in the DOM, no script errors, a screenshot that is not blank",
          .timeLimit(.minutes(5)))
    func reportRenders() throws {
        let scratch = try Scratch()
        let output = scratch.path("report.html")
        let run = try AgnerRun.run(["simulate", "scenarios/retail.yaml", "--days", "2", "--replications", "2", "--format", "html", "--output", output],
                                   in: scratch.directory)
        #expect(run.status == 0, "\(run.errors)")
        let browser = try HeadlessBrowser(width: 1200, height: 1500)
        try browser.open(URL(fileURLWithPath: output).absoluteString)
        let found = try #require(try browser.evaluate("""
            JSON.stringify(Array.from(document.querySelectorAll("svg.chart")).map(svg => ({
              id: svg.dataset.chart, kind: svg.dataset.kind,
              series: Array.from(svg.querySelectorAll("g.series")).map(g => g.dataset.series),
              width: svg.getBoundingClientRect().width })))
            """) as? String)
        let charts = try #require(try JSONSerialization.jsonObject(with: Data(found.utf8)) as? [[String: Any]])
        let byID = Dictionary(charts.map { ($0["id"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        for (id, series) in [("service-level-phone", ["phone"]), ("service-level-chat", ["chat"]),
                             ("contacts-phone", ["answered", "abandoned", "open at end", "unserved (closed)"]),
                             ("agents", ["staffed (simulated)", "required", "on duty (schedule)"]), ("occupancy", ["occupancy"]),
                             ("waiting-phone", ["phone"]), ("leakage", ["leakage"]), ("ladder-steps", ["step 0", "step 1", "step 2", "step 3"]),
                             ("cost", ["cost"])] {
            let chart = try #require(byID[id], "no chart \(id) in the page (have \(byID.keys.sorted()))")
            #expect(chart["series"] as? [String] == series, "\(id)")
            #expect((chart["width"] as? Double ?? 0) > 500, "\(id) is drawn too small")
        }
        // The verdict comes first, one row per channel.
        #expect(try browser.evaluate("document.querySelectorAll('#verdict tr[data-channel]').length") as? Int == 4)
        #expect(try browser.evaluate("document.querySelector('section').id") as? String == "verdict")
        #expect(browser.scriptErrors.isEmpty, "\(browser.scriptErrors)")
        let png = try browser.screenshot()
        let ink = try browser.inkCoverage(of: png)
        #expect(ink.share > 0.03 && ink.colours > 20, "the screenshot looks blank: \(ink)")
        try Self.save(png, as: "report.png")
    }

    @Test("the wallboard of a live agner serve shows contacts driven over TCP within a second or two, without reloading, and live against the shadow's candidate",
          .timeLimit(.minutes(2)))
    func wallboardLive() throws {
        let workspace = try CrashRecoveryTests.Workspace()
        let center = Scratch.repository.appendingPathComponent("scenarios/retail.yaml").path
        // With the same center as the shadow's candidate: live and candidate side by side.
        let server = try ServeProcess(center: center, db: workspace.db, options: ["--http", "127.0.0.1:0", "--ignore-hours", "--shadow", center])
        defer { server.stop() }
        let match = try #require(server.startup.range(of: #"wallboard on http://127\.0\.0\.1:(\d+)/"#, options: .regularExpression))
        let httpPort = try #require(Int(server.startup[match].split(separator: ":").last!.dropLast()))

        let browser = try HeadlessBrowser(width: 1280, height: 860)
        try browser.open("http://127.0.0.1:\(httpPort)/")
        // The page is live (its event stream open) before anything happens.
        #expect(try browser.waitUntil("document.getElementById('status').dataset.state === 'live'", within: 10) != nil)
        #expect(try browser.evaluate("document.querySelectorAll('#queues tbody tr').length") as? Int == 0)

        let pbx = try TestClient(port: server.port)
        #expect(pbx.request(["op": "hello", "role": "adapter", "name": "pbx"], req: 1)?["ok"] as? Bool == true)
        for (n, channel, topic) in [(1, "phone", "invoice"), (2, "phone", "invoice"), (3, "phone", "invoice"), (4, "chat", "order"), (5, "email", "delivery")] {
            #expect(pbx.request(["op": "contact.arrive", "id": "web-\(n)", "channel": channel, "topic": topic], req: 10 + n)?["ok"] as? Bool == true)
        }
        // Within two seconds the queues, today's counts and the events are on the page.
        let shown = try browser.waitUntil("""
            (() => {
              const cell = (queue, name) => document.querySelector(`#queues tr[data-queue="${queue}"] td.${name}`)?.textContent;
              const events = Array.from(document.querySelectorAll('#events li[data-event="contact.queued"]')).map(li => li.dataset.contact);
              return cell("phone/invoice", "waiting") === "3" && cell("chat/order", "waiting") === "1" && cell("email/delivery", "waiting") === "1"
                && ["web-1", "web-2", "web-3", "web-4", "web-5"].every(c => events.includes(c))
                && document.querySelector('#service tr[data-channel="phone"] td.offered')?.textContent === "3";
            })()
            """, within: 2)
        #expect(shown != nil, "the page did not show the contacts within 2 s")
        // An agent logs in and takes a call: agents by state and the queue follow.
        #expect(pbx.request(["op": "agent.state", "agent": "billing-1", "state": "available"], req: 20)?["ok"] as? Bool == true)
        let offer = pbx.read { $0["event"] as? String == "offer" }
        #expect(offer?["contact"] as? String == "web-1")
        #expect(pbx.request(["op": "offer.accept", "contact": "web-1", "agent": "billing-1"], req: 21)?["ok"] as? Bool == true)
        let followed = try browser.waitUntil("""
            document.querySelector('#agents tr[data-state="busy"] td.count')?.textContent === "1"
              && document.querySelector('#queues tr[data-queue="phone/invoice"] td.waiting')?.textContent === "2"
              && document.querySelector('#queues tr[data-queue="phone/invoice"] td.answered')?.textContent === "1"
            """, within: 2)
        #expect(followed != nil, "the page did not follow the agent within 2 s")
        // The shadow section compares the live router with the candidate, which chose the same agent.
        let shadow = try browser.waitUntil("""
            !document.getElementById('shadow-section').hidden
              && document.querySelector('#shadow tr[data-channel="phone"] td.offered')?.textContent === "3"
              && document.querySelector('#shadow tr[data-channel="phone"] td.level-live') !== null
              && document.getElementById('shadow-agreed').textContent.startsWith("The candidate chose the same agent in 100.0 % of 1 ")
            """, within: 2)
        #expect(shadow != nil, "the page did not show the shadow's comparison within 2 s")
        #expect(browser.scriptErrors.isEmpty, "\(browser.scriptErrors)")
        let png = try browser.screenshot()
        let ink = try browser.inkCoverage(of: png)
        #expect(ink.share > 0.03 && ink.colours > 10, "the screenshot looks blank: \(ink)")
        try Self.save(png, as: "wallboard.png")
    }
}
