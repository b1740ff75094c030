import AgnerCore
import ArgumentParser

/// `--add GROUP=N`, as `agner replay` and `agner whatif` take it: N more agents of the group
/// (negative: fewer). Parsed in one place and bounded by the agents a center may hold
/// (`DomainLimits.agents`), so no count can overflow or ask for millions of agents.
enum StaffingChanges {
    /// The changes summed per group, in the order groups first appear.
    /// - Throws: `ValidationError` naming the text that is not `GROUP=N`, or the group whose
    ///   change is beyond the limit.
    static func parse(_ texts: [String]) throws -> [(group: String, count: Int)] {
        let limit = DomainLimits.agents.upperBound
        var order: [String] = []
        var sums: [String: Int] = [:]
        for text in texts {
            let parts = text.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, let count = Int(parts[1]) else {
                throw ValidationError("--add '\(text)' should be GROUP=N, e.g. billing=3 or sales=-2")
            }
            let group = String(parts[0])
            guard (-limit...limit).contains(count) else {
                throw ValidationError("--add '\(text)': at most \(limit) agents either way (a center holds at most \(limit))")
            }
            if sums[group] == nil { order.append(group) }
            let sum = sums[group, default: 0] + count  // each term is bounded: no overflow
            guard (-limit...limit).contains(sum) else {
                throw ValidationError("--add \(group): the changes add up to \(sum) agents, beyond the \(limit) a center holds")
            }
            sums[group] = sum
        }
        return order.map { ($0, sums[$0]!) }
    }
}
