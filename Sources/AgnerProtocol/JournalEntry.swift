/// One accepted state-changing command, as the journal keeps it: enough to replay it through
/// the router and get the same engine state back.
public struct JournalEntry: Sendable, Equatable {
    /// Engine time (Unix seconds) at which the command was applied.
    public var time: Double
    /// The adapter (or supervisor) name the command came from; contacts belong to their adapter.
    public var origin: String
    /// The request line as received (its `req`, if any, is ignored on replay).
    public var line: String

    public init(time: Double, origin: String, line: String) {
        self.time = time
        self.origin = origin
        self.line = line
    }
}

