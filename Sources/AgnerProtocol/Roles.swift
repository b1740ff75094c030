/// Who may do what: the roles a connection takes with `hello`, and what a token grants.
public enum Role: String, Sendable, CaseIterable {
    /// Telephony, chat and e-mail adapters: contacts and agent states.
    case adapter
    /// Everything, including live staffing changes.
    case supervisor
    /// Read-only: stats, agents, contacts, events.
    case observer
}

/// What a token grants: a role, and for an adapter token the adapter names it may speak for.
public struct Grant: Sendable, Equatable {
    public var role: Role
    /// The names an adapter token may say `hello` with; nil for supervisor and observer tokens.
    public var adapters: Set<String>?

    public init(role: Role, adapters: Set<String>? = nil) {
        self.role = role
        self.adapters = adapters
    }

    public static let supervisor = Grant(role: .supervisor)
    public static let observer = Grant(role: .observer)
    /// An adapter token that speaks for these adapter names.
    public static func adapter(_ names: String...) -> Grant { Grant(role: .adapter, adapters: Set(names)) }
}

extension Grant {
    /// What a token grants among the configured ones, if anything. Compared with every
    /// configured token in constant time (no early exit), so timing says nothing of how much of
    /// a token was right.
    public static func matching(_ token: String, in tokens: [String: Grant]) -> Grant? {
        var found: Grant? = nil
        let given = Array(token.utf8)
        for (candidate, grant) in tokens.sorted(by: { $0.key < $1.key }) {
            let expected = Array(candidate.utf8)
            var difference = UInt8(given.count == expected.count ? 0 : 1)
            for index in 0..<max(given.count, expected.count) {
                let a = index < given.count ? given[index] : 0
                let b = index < expected.count ? expected[index] : 0
                difference |= a ^ b
            }
            if difference == 0 { found = grant }
        }
        return found
    }
}
