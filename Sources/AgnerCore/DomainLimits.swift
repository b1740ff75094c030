/// The ranges the domain allows, written once. The engine checks its configuration against
/// them; scenario files, the live protocol and the simulator use the same numbers, so what one
/// accepts the others accept too. Every range is documented in docs/scenario-format.md.
///
/// The bounds are wide enough for any real center and narrow enough that nothing the engine
/// or its drivers compute from them overflows: a deadline is arrival + answer target, a timer
/// is converted to nanoseconds by the live server, a roster is allocated up front.
public enum DomainLimits {
    /// Proficiency in a skill: 1 (learning) to 5 (expert).
    public static let proficiency: ClosedRange<Int> = 1...5

    /// Priority of a contact: 0 (none) to 9; each level moves the contact up the line by the
    /// center's per-priority head start.
    public static let priority: ClosedRange<Int> = 0...9

    /// Contacts an agent may hold at once on a channel: phone and click-to-call 0–1 (a voice
    /// contact is exclusive), chat and e-mail 0–20. 0 means the agent does not serve the channel.
    public static func capacity(_ channel: Channel) -> ClosedRange<Int> {
        channel.isVoice ? 0...1 : 0...20
    }

    /// The answer target of a channel or topic, in seconds: more than 0, at most 30 days.
    public static let answerTarget: ClosedRange<Seconds> = 0.001...(30 * 86_400)

    /// After-contact work, in seconds: 0 to 4 hours.
    public static let wrapUp: ClosedRange<Seconds> = 0...(4 * 3600)

    /// How long a live offer may ring, in seconds: more than 0, at most 1 hour.
    public static let offerTimeout: ClosedRange<Seconds> = 0.001...3600

    /// Head start on a contact's deadline for its segment or per priority level, in seconds:
    /// 0 to 1 day.
    public static let headStart: ClosedRange<Seconds> = 0...86_400

    /// Agents in one center (live or simulated), and so in one agent group: 0 to 100,000.
    public static let agents: ClosedRange<Int> = 0...100_000

    /// Departments, skills and topics of a center: 1–100 departments, 0–200 skills, 1–200 topics.
    public static let departments: ClosedRange<Int> = 1...100
    public static let skills: ClosedRange<Int> = 0...200
    public static let topics: ClosedRange<Int> = 1...200

    /// Steps of an escalation ladder: 1 to 32 (a contact's step is kept in 8 bits).
    public static let ladderSteps: ClosedRange<Int> = 1...32

    /// A channel's routing tier (`priority` in a center file): 0–9, higher served first.
    public static let routingTier: ClosedRange<Int> = 0...9

    /// Agents a channel keeps free for higher tiers (`reserve` in a center file): 0–1,000.
    public static let higherTierReserve: ClosedRange<Int> = 0...1000

    /// How long a live adapter's contacts are held after its last connection closes, in
    /// seconds: 0 to 1 day.
    public static let adapterGrace: ClosedRange<Seconds> = 0...86_400

    /// The engine's clock, in seconds from its epoch (the Unix epoch on the live router, the
    /// start of a simulated run): within ±10¹¹ s, about 3,000 years either way. Every day,
    /// interval and tally computed from a time fits an `Int` inside it; a restored state whose
    /// clock or arrivals lie outside is refused (`RoutingEngine.integrityViolation()`).
    public static let clock: ClosedRange<Seconds> = -1e11...1e11

    /// Longest name of a department, skill, topic or agent group, in characters.
    public static let nameLength = 100

    /// Longest id or name on the live router's wire (contact ids, agent names, adapter names),
    /// in UTF-8 bytes.
    public static let wireNameBytes = 200

    /// Why a name or id cannot be used (a phrase to follow its name: "id is empty"), or nil if it can. The one rule for every name a person
    /// reads (in reports, on a wallboard, in a log) or types: not empty nor only blanks, and no
    /// characters that are invisible or change how text around them reads: control characters
    /// (line breaks, tabs), format characters (bidirectional overrides such as U+202E, zero-width
    /// spaces, the byte-order mark) and line or paragraph separators (U+2028, U+2029). Length
    /// is checked by the caller (`nameLength`, `wireNameBytes`).
    public static func nameProblem(_ name: String) -> String? {
        if name.unicodeScalars.allSatisfy({ $0.properties.isWhitespace }) {
            return name.isEmpty ? "is empty" : "is only blanks"
        }
        for scalar in name.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control:
                return "holds a control character (line break, tab), which is not allowed"
            case .format:
                return "holds an invisible format character (U+\(String(scalar.value, radix: 16, uppercase: true)): a direction override, zero-width space or byte-order mark), which is not allowed"
            case .lineSeparator, .paragraphSeparator:
                return "holds a line or paragraph separator, which is not allowed"
            default:
                continue
            }
        }
        return nil
    }
}
