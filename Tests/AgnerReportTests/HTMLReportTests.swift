import AgnerSim
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import AgnerReport

@Suite("HTML report")
struct HTMLReportTests {
    static let scenarios = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scenarios")

    static func run(_ name: String, variant: String? = nil, replications: Int, days: Int) throws -> SimulationOutcome {
        let scenario = try ScenarioLoader.load(path: scenarios.appendingPathComponent("\(name).yaml").path, variant: variant)
        return try Simulator.run(scenario, options: Simulator.Options(replications: replications, days: days))
    }

    /// The inline SVG charts of a page, by `data-chart`, each parsed as XML (so each is well formed).
    static func charts(_ html: String) throws -> [String: XMLElement] {
        var out: [String: XMLElement] = [:]
        var rest = html[...]
        while let start = rest.range(of: "<svg "), let end = rest.range(of: "</svg>", range: start.upperBound..<rest.endIndex) {
            let svg = String(rest[start.lowerBound..<end.upperBound])
            let root = try ChartTests.parse(svg: svg)
            out[root.attribute(forName: "data-chart")?.stringValue ?? "?"] = root
            rest = rest[end.upperBound...]
        }
        return out
    }

    @Test("the report of a run is one page: the verdict first, then every chart, then the terminal's tables; no script, nothing fetched")
    func simulationPage() throws {
        let outcome = try Self.run("retail", replications: 2, days: 2)
        let html = HTMLReport.simulation(outcome)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(!html.lowercased().contains("<script"))
        // Nothing to fetch: no src/href attributes, no url(); the only address is the SVG namespace.
        #expect(!html.contains("src=") && !html.contains("href=") && !html.contains("url("))
        let addresses = html.components(separatedBy: "http").count - 1
        #expect(addresses == html.components(separatedBy: "xmlns=\"http://www.w3.org/2000/svg\"").count - 1)
        let verdict = try #require(html.range(of: "id=\"verdict\""))
        let firstChart = try #require(html.range(of: "<svg "))
        let tables = try #require(html.range(of: "id=\"tables\""))
        #expect(verdict.lowerBound < firstChart.lowerBound && firstChart.lowerBound < tables.lowerBound)
        #expect(html.contains("data-channel=\"phone\""))
        let charts = try Self.charts(html)
        for id in ["service-level-phone", "service-level-chat", "service-level-email", "contacts-phone", "agents", "occupancy",
                   "waiting-phone", "waiting-chat", "leakage", "ladder-steps", "cost"] {
            #expect(charts[id] != nil, "missing chart \(id); have \(charts.keys.sorted())")
        }
        #expect(charts["waiting-email"] == nil)  // e-mail is not real-time
        // The terminal's tables, escaped into the page.
        #expect(html.contains("<pre>") && html.contains("open at end"))
        #expect(html.utf8.count < 1_000_000)
    }

    @Test("the share answered within the target is the channel's service level")
    func waitingMatchesServiceLevel() throws {
        let outcome = try Self.run("retail", replications: 2, days: 1)
        let series = RunSeries(outcome)
        let phone = try #require(series.channels.first { $0.channel == .phone })
        let summary = SimulationSummary(outcome)
        let level = try #require(summary.channels.first { $0.name == "phone" }?.serviceLevel)
        let atTarget = phone.withinLimit[5]  // ≤ 60 s
        #expect(abs(atTarget.mean - level.mean) < 1e-9)
        #expect(zip(phone.withinLimit, phone.withinLimit.dropFirst()).allSatisfy { $0.mean <= $1.mean })
    }

    @Test("a comparison overlays both sides, draws the differences as bars coloured by verdict and shows the evening intervals with their cost")
    func comparisonPage() throws {
        let a = try Self.run("extended-hours", variant: "standard", replications: 3, days: 2)
        let b = try Self.run("extended-hours", variant: "extended", replications: 3, days: 2)
        let html = HTMLReport.comparison(a: a, b: b, labelA: "standard", labelB: "extended")
        #expect(!html.lowercased().contains("<script"))
        let charts = try Self.charts(html)
        for id in ["delta-service-level", "delta-contacts", "delta-cost", "service-level-phone", "agents", "occupancy", "evening", "evening-cost", "cost"] {
            #expect(charts[id] != nil, "missing chart \(id); have \(charts.keys.sorted())")
        }
        // Both sides on the same axes.
        let overlay = try #require(charts["service-level-phone"])
        let series = ChartTests.classed(overlay, "g", "series").compactMap { $0.attribute(forName: "data-series")?.stringValue }
        #expect(series == ["phone · standard", "phone · extended"])
        // Every difference says what it is; "no clear difference" is shown as such, in grey.
        let report = ComparisonReport(a: a, b: b, labelA: "standard", labelB: "extended")
        let undecided = report.lines().filter { $0.verdict == .noClearDifference && $0.delta.mean.isFinite }
        let notes = charts.filter { $0.key.hasPrefix("delta-") }.values.flatMap { ChartTests.classed($0, "text", "note") }
        #expect(notes.filter { $0.stringValue == "no clear difference" }.count == undecided.count)
        #expect(html.contains("Intervals outside the standard hours"))
        // Unserved demand in the evening on the standard side, answered on the extended side.
        #expect(html.contains("20:00"))
    }
}
