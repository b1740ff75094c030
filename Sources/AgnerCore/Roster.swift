/// The agents of a center, as its agent groups make them. The live router logs them in by
/// these names and the simulator reports them by the same names.
///
/// A group of one agent gives the group's name; a larger group numbers its members from 1.
/// Names are lower case, with spaces turned into hyphens:
///
/// ```swift
/// let roster = try Roster(groups: [("Billing", 3), ("night desk", 1)])
/// roster.members.map(\.name)   // ["billing-1", "billing-2", "billing-3", "night-desk"]
/// ```
public struct Roster: Sendable, Equatable {
    public struct Member: Sendable, Equatable {
        /// The agent's name, unique in the center.
        public var name: String
        /// Index of the agent's group, in the order the groups were given.
        public var group: Int

        public init(name: String, group: Int) {
            self.name = name
            self.group = group
        }
    }

    /// Every agent, group by group; an agent's index here is its number in the simulator.
    public var members: [Member]

    /// - Throws: `ConfigurationError.invalidSetting` when the groups hold more agents than
    ///   `DomainLimits.agents` allows, `.duplicateName` when two agents would get one name.
    /// - Complexity: O(agents).
    public init(groups: [(name: String, count: Int)]) throws(ConfigurationError) {
        var total = 0
        for group in groups {
            guard DomainLimits.agents.contains(group.count) else {
                throw .invalidSetting("group \(group.name): \(group.count) agents is outside 0–\(DomainLimits.agents.upperBound)")
            }
            total += group.count
            guard total <= DomainLimits.agents.upperBound else {
                throw .invalidSetting("the agent groups hold more than \(DomainLimits.agents.upperBound) agents")
            }
        }
        members = []
        members.reserveCapacity(total)
        var seen = Set<String>()
        for (index, group) in groups.enumerated() {
            for member in 0..<group.count {
                let name = Self.agentName(group: group.name, member: member, of: group.count)
                guard seen.insert(name).inserted else { throw .duplicateName(kind: "agent", name: name) }
                members.append(Member(name: name, group: index))
            }
        }
    }

    /// The name of member `member` (0-based) of a group of `count` agents.
    public static func agentName(group: String, member: Int, of count: Int) -> String {
        let base = String(group.lowercased().map { $0 == " " ? "-" : $0 })
        return count == 1 ? base : "\(base)-\(member + 1)"
    }
}
