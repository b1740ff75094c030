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

