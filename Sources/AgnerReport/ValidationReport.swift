import AgnerSim

/// The table of `agner validate`.
public enum ValidationReport {
    public static func table(_ results: [Validation.RowResult]) -> String {
        let family = results.reduce(0) { $0 + $1.checks.count }
        var table = TextTable([("case", .left), ("n", .right), ("metric", .left), ("analytic", .right), ("simulated ± 95 %", .right),
                               ("inside 95 %", .left), ("inside family", .left), ("narrow", .left)])
        for result in results {
            for (index, check) in result.checks.enumerated() {
                let isSeconds = check.metric == "ASA"
                func show(_ x: Double) -> String { isSeconds ? Format.fixed(x, 2) + " s" : Format.fixed(x, 4) }
                let simulated = check.simulated.mean.isFinite
                    ? show(check.simulated.mean) + " ± " + (check.simulated.halfWidth.map { isSeconds ? Format.fixed($0, 2) : Format.fixed($0, 4) } ?? "—")
                    : "—"
                table.add([index == 0 ? result.row.label : "", index == 0 ? String(result.row.agents) : "", check.metric, show(check.analytic),
                           simulated, check.inside ? "yes" : "no", check.insideFamily(of: family) ? "yes" : "NO", check.narrow ? "yes" : "NO"])
            }
            table.addRule()
        }
        let checks = results.flatMap(\.checks)
        let inside = checks.filter(\.inside).count
        let insideFamily = checks.filter { $0.insideFamily(of: family) }.count
        let narrow = checks.filter(\.narrow).count
        let contacts = results.reduce(0) { $0 + $1.contactsSimulated }
        let expected = Double(checks.count) * 0.95
        let level = 100 * (1 - 0.05 / Double(max(1, family)))
        return table.render() + """


            \(inside) of \(checks.count) analytic values inside the simulated 95 % interval (about \(Format.fixed(expected, 0)) expected by chance alone); \
            \(insideFamily) of \(checks.count) inside the family's interval (\(Format.fixed(level, 2)) % each, Bonferroni: all \(checks.count) together at 95 %); \
            \(narrow) of \(checks.count) intervals narrow enough (half-width ≤ 0.01 for probabilities, ≤ 5 % of the value for ASA).
            \(contacts) contacts simulated; replications × days per case: \(results.map { "\($0.replications)×\($0.days)" }.joined(separator: ", ")).
            """
    }
}
