import AgnerSim

/// The table of `agner validate`.
public enum ValidationReport {
    public static func table(_ results: [Validation.RowResult]) -> String {
        var table = TextTable([("case", .left), ("n", .right), ("metric", .left), ("analytic", .right), ("simulated ± 95 %", .right),
                               ("inside", .left), ("narrow", .left)])
        for result in results {
            for (index, check) in result.checks.enumerated() {
                let isSeconds = check.metric == "ASA"
                func show(_ x: Double) -> String { isSeconds ? Format.fixed(x, 2) + " s" : Format.fixed(x, 4) }
                let simulated = check.simulated.mean.isFinite
                    ? show(check.simulated.mean) + " ± " + (check.simulated.halfWidth.map { isSeconds ? Format.fixed($0, 2) : Format.fixed($0, 4) } ?? "—")
                    : "—"
                table.add([index == 0 ? result.row.label : "", index == 0 ? String(result.row.agents) : "", check.metric, show(check.analytic),
                           simulated, check.inside ? "yes" : "NO", check.narrow ? "yes" : "NO"])
            }
            table.addRule()
        }
        let checks = results.flatMap(\.checks)
        let inside = checks.filter(\.inside).count
        let narrow = checks.filter(\.narrow).count
        let contacts = results.reduce(0) { $0 + $1.contactsSimulated }
        let expected = Double(checks.count) * 0.95
        return table.render() + """


            \(inside) of \(checks.count) analytic values inside the simulated 95 % interval (about \(Format.fixed(expected, 0)) expected by chance alone); \
            \(narrow) of \(checks.count) intervals narrow enough (half-width ≤ 0.01 for probabilities, ≤ 5 % of the value for ASA).
            \(contacts) contacts simulated; replications × days per case: \(results.map { "\($0.replications)×\($0.days)" }.joined(separator: ", ")).
            """
    }
}
