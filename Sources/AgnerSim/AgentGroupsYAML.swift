import AgnerCore

/// A scenario's agent groups written back as YAML, one flow mapping per group, so that a
/// staffing found by `agner optimise` can be pasted into the file as a variant:
///
/// ```yaml
/// variants:
///   least:
///     agents:
///       - {name: "billing", count: 4, department: "billing", skills: {billing: 5, general: 2}, channels: {phone: 1, chat: 3, email: 1, clickToCall: 1}, shift: "08:00-16:00", days: [mon, tue, wed, thu, fri]}
/// ```
///
/// Every field is written out (channels with their capacities, skills with proficiencies), so
/// the variant means the same whatever the defaults. Read back by `ScenarioLoader`, the groups
/// are the same groups (tested).
public enum AgentGroupsYAML {
    /// The `agents:` list of `scenario`, indented by `indent` spaces, with the key line first.
    public static func agents(_ scenario: Scenario, indent: Int = 0) -> String {
        let pad = String(repeating: " ", count: indent)
        var lines = ["\(pad)agents:"]
        for group in scenario.agentGroups { lines.append("\(pad)  - " + mapping(group, scenario)) }
        return lines.joined(separator: "\n")
    }

    /// One group as a flow mapping.
    public static func mapping(_ group: AgentGroup, _ scenario: Scenario) -> String {
        var fields: [String] = ["name: \(quoted(group.name))"]
        if group.staffing == nil { fields.append("count: \(group.count)") }
        fields.append("department: \(quoted(scenario.center.departments[group.department.index]))")
        let skills = group.skills.map { "\(quoted(scenario.center.skills[$0.skill.index])): \($0.proficiency)" }
        fields.append("skills: {\(skills.joined(separator: ", "))}")
        let channels = Channel.allCases.filter { group.capacity[$0] > 0 }.map { "\($0.name): \(group.capacity[$0])" }
        fields.append("channels: {\(channels.joined(separator: ", "))}")
        if let shift = group.shift {
            fields.append("shift: \"\(clock(shift.start))-\(clock(shift.end))\"")
        }
        if group.days != Set(Weekday.allCases) {
            fields.append("days: [\(Weekday.allCases.filter { group.days.contains($0) }.map(\.short).joined(separator: ", "))]")
        }
        if !group.breaks.isEmpty {
            let breaks = group.breaks.map { "{at: \"\(clock($0.at))\", length: \(duration($0.length)), stagger: \(duration($0.stagger))}" }
            fields.append("breaks: [\(breaks.joined(separator: ", "))]")
        }
        if let staffing = group.staffing {
            var steps: [String] = []
            var previous = 0
            for (interval, agents) in staffing.enumerated() where agents != previous {
                steps.append("\"\(clock(Double(interval) * scenario.run.interval))\": \(agents)")
                previous = agents
            }
            fields.append("staffing: {\(steps.joined(separator: ", "))}")
        }
        return "{" + fields.joined(separator: ", ") + "}"
    }

    /// `HH:MM`, past midnight as the next day's time (a shift's end `06:00` for 30:00), 24:00 kept.
    static func clock(_ seconds: Seconds) -> String {
        let value = seconds > 86_400 ? seconds - 86_400 : seconds
        let minutes = Int((value / 60).rounded())
        return String(format2: minutes / 60) + ":" + String(format2: minutes % 60)
    }

    /// A duration as the file writes it: `30min`, `2h`, `45s`.
    static func duration(_ seconds: Seconds) -> String {
        if seconds >= 3600, seconds.truncatingRemainder(dividingBy: 3600) == 0 { return "\(Int(seconds / 3600))h" }
        if seconds >= 60, seconds.truncatingRemainder(dividingBy: 60) == 0 { return "\(Int(seconds / 60))min" }
        return "\(Quantities.trim(seconds))s"
    }

    /// A YAML double-quoted string.
    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
