import Mustache

/// The page every HTML report is: a mustache template filled with plain values (text is
/// escaped by the template; only the charts' SVG, built and escaped by `SVGElement`, goes in
/// raw). No script, no external resource: the file opens offline and prints on A4.
struct ReportPage {
    struct Verdict {
        var channel: String
        var goal: String
        var result: String
        /// `meets`, `misses`.
        var status: String
        var statusText: String
        var intervals: String
        var worst: String
        var note: String
    }

    struct Chart {
        var svg: String
        var caption: String
    }

    struct Section {
        var id: String
        var heading: String
        var intro: String
        var charts: [Chart]
        /// Small HTML tables (rows of cells), e.g. the evening intervals of a comparison.
        var tables: [Table] = []
    }

    struct Table {
        var caption: String
        var header: [String]
        var rows: [[String]]
    }

    struct TextBlock {
        var heading: String
        var text: String
    }

    var title: String
    var subtitle: [String]
    var verdictHeading: String
    var verdicts: [Verdict]
    var verdictNotes: [String]
    var sections: [Section]
    var textTables: [TextBlock]
    /// What the page's intervals look like, for the footer.
    var footnote = "shaded bands and whiskers are 95 % intervals across replications."

    func render() -> String {
        let context: [String: Any] = [
            "title": title,
            "subtitle": subtitle,
            "css": Self.css,
            "verdictHeading": verdictHeading,
            "hasVerdicts": !verdicts.isEmpty,
            "footnote": footnote,
            "verdicts": verdicts.map { v in
                ["channel": v.channel, "goal": v.goal, "result": v.result, "status": v.status, "statusText": v.statusText,
                 "intervals": v.intervals, "worst": v.worst, "note": v.note] as [String: Any]
            },
            "verdictNotes": verdictNotes,
            "sections": sections.map { section in
                ["id": section.id, "heading": section.heading, "intro": section.intro,
                 "charts": section.charts.map { ["svg": $0.svg, "caption": $0.caption] as [String: Any] },
                 "tables": section.tables.map { table in
                     ["caption": table.caption, "header": table.header,
                      "rows": table.rows.map { ["cells": $0] as [String: Any] }] as [String: Any]
                 }] as [String: Any]
            },
            "textTables": textTables.map { ["heading": $0.heading, "text": $0.text] as [String: Any] },
        ]
        return Self.template.render(context)
    }

    // The template is fixed and tested: failing to parse it is a programming error.
    static let template = try! MustacheTemplate(string: templateText)

    static let templateText = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}}</title>
        <style>{{{css}}}</style>
        </head>
        <body>
        <header>
        <h1>{{title}}</h1>
        {{#subtitle}}<p class="subtitle">{{.}}</p>
        {{/subtitle}}
        </header>
        <section id="verdict">
        <h2>{{verdictHeading}}</h2>
        {{#hasVerdicts}}<table class="verdict">
        <thead><tr><th>channel</th><th>goal</th><th>result (95 % interval)</th><th></th><th>intervals meeting the goal</th><th>worst interval</th></tr></thead>
        <tbody>
        {{#verdicts}}<tr class="{{status}}" data-channel="{{channel}}"><td>{{channel}}</td><td>{{goal}}</td><td>{{result}}</td><td class="status">{{statusText}}{{#note}}<br><small>{{note}}</small>{{/note}}</td><td>{{intervals}}</td><td>{{worst}}</td></tr>
        {{/verdicts}}
        </tbody>
        </table>{{/hasVerdicts}}
        {{#verdictNotes}}<p class="verdict-note">{{.}}</p>
        {{/verdictNotes}}
        </section>
        {{#sections}}
        <section id="{{id}}" class="charts">
        <h2>{{heading}}</h2>
        {{#intro}}<p class="intro">{{.}}</p>{{/intro}}
        {{#charts}}<figure>{{{svg}}}{{#caption}}<figcaption>{{.}}</figcaption>{{/caption}}</figure>
        {{/charts}}
        {{#tables}}<table class="data"><caption>{{caption}}</caption>
        <thead><tr>{{#header}}<th>{{.}}</th>{{/header}}</tr></thead>
        <tbody>{{#rows}}<tr>{{#cells}}<td>{{.}}</td>{{/cells}}</tr>{{/rows}}</tbody></table>
        {{/tables}}
        </section>
        {{/sections}}
        <section id="tables">
        <h2>Tables</h2>
        <p class="intro">The tables <code>agner</code> prints in the terminal, with the same figures. Every figure is defined in docs/simulation.md.</p>
        {{#textTables}}<h3>{{heading}}</h3>
        <pre>{{text}}</pre>
        {{/textTables}}
        </section>
        <footer><p>Made by agner. Colours: Okabe–Ito palette (safe for colour-blind readers); {{footnote}}</p></footer>
        </body>
        </html>

        """

    static let css = """
        :root { color-scheme: light; }
        body { font-family: "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif; color: #111; margin: 24px auto; max-width: 960px; padding: 0 12px; line-height: 1.4; }
        h1 { font-size: 1.6em; margin-bottom: 0.2em; }
        h2 { font-size: 1.25em; border-bottom: 2px solid #0072B2; padding-bottom: 2px; margin-top: 1.6em; }
        h3 { font-size: 1.05em; }
        .subtitle { margin: 0.1em 0; color: #333; }
        table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.92em; }
        th, td { border-bottom: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
        th { background: #f2f2f2; }
        table.verdict td.status { font-weight: bold; }
        tr.meets td.status { color: #006e50; }
        tr.meets td.status::before { content: "\\2713  "; }
        tr.misses td.status { color: #b34700; }
        tr.misses td.status::before { content: "\\2717  "; }
        .verdict-note { margin: 0.3em 0; }
        figure { margin: 1em 0; break-inside: avoid; page-break-inside: avoid; }
        figcaption { font-size: 0.85em; color: #333; }
        svg.chart { width: 100%; height: auto; display: block; font-size: 11px; }
        svg.chart .chart-title { font-size: 14px; font-weight: bold; }
        svg.chart .axis-title { font-size: 11px; fill: #222; }
        svg.chart .tick, svg.chart .legend-label, svg.chart .reference-label, svg.chart .note { fill: #222; }
        svg.chart .day-label { fill: #222; font-size: 10px; }
        svg.chart .grid { stroke: #e3e3e3; stroke-width: 1; }
        svg.chart .baseline { stroke: #222; stroke-width: 1; }
        svg.chart .day-separator { stroke: #777; stroke-width: 1; stroke-dasharray: 3 3; }
        pre { font-size: 10.5px; line-height: 1.3; background: #f8f8f8; padding: 8px; overflow-x: auto; }
        .intro { color: #222; }
        footer { margin-top: 2em; font-size: 0.85em; color: #444; }
        @page { size: A4; margin: 12mm; }
        @media print {
          body { margin: 0; max-width: none; font-size: 10pt; }
          h2 { break-after: avoid; page-break-after: avoid; }
          pre { font-size: 7pt; white-space: pre; overflow: visible; }
          section { break-inside: auto; }
        }

        """
}
