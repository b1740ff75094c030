/// Who may take a contact at one step of its escalation ladder.
public struct EscalationStep: Sendable, Equatable, Hashable {
    public enum Departments: Sendable, Equatable, Hashable {
        /// Only the department that owns the topic.
        case owning
        /// Any department.
        case any
    }

    public enum Skills: Sendable, Equatable, Hashable {
        /// The topic's required skills, each at least at this proficiency (1–5).
        case required(minimumProficiency: Int)
        /// No skill needed: any agent who serves the contact's channel.
        case anyOnChannel
    }

    /// When the step starts, as a fraction of the answer target (0 = on arrival).
    public var from: Double
    public var departments: Departments
    public var skills: Skills

    public init(from: Double, departments: Departments, skills: Skills) {
        self.from = from
        self.departments = departments
        self.skills = skills
    }

    /// True when every agent eligible at `other` is also eligible here.
    func widens(_ other: EscalationStep) -> Bool {
        if departments == .owning && other.departments == .any { return false }
        switch (skills, other.skills) {
        case (.anyOnChannel, _): return true
        case (.required, .anyOnChannel): return false
        case let (.required(mine), .required(theirs)): return mine <= theirs
        }
    }
}

/// How the answer target is enforced: each step widens the pool of eligible agents as the
/// contact's wait nears its deadline.
///
/// The default ladder:
///
/// | step | from (× target) | eligible |
/// |---|---|---|
/// | 0 | 0    | owning department, required skills at proficiency ≥ 3 |
/// | 1 | 0.25 | owning department, required skills at any proficiency |
/// | 2 | 0.5  | any department, required skills |
/// | 3 | 0.75 | any agent who serves the channel |
public struct EscalationLadder: Sendable, Equatable {
    public private(set) var steps: [EscalationStep]

    /// - Throws: `ConfigurationError` when there are more steps than `DomainLimits.ladderSteps`
    ///   allows, the first step does not start at 0, the steps do not start in increasing
    ///   order, or a step narrows the pool of the step before it.
    public init(steps: [EscalationStep]) throws(ConfigurationError) {
        guard let first = steps.first else { throw .invalidLadder("a ladder needs at least one step") }
        guard DomainLimits.ladderSteps.contains(steps.count) else {
            throw .invalidLadder("\(steps.count) steps; a ladder has \(DomainLimits.ladderSteps.lowerBound)–\(DomainLimits.ladderSteps.upperBound)")
        }
        guard first.from == 0 else { throw .invalidLadder("the first step must start at 0, not \(first.from)") }
        for (index, step) in steps.enumerated().dropFirst() {
            let previous = steps[index - 1]
            guard step.from > previous.from else {
                throw .invalidLadder("step \(index) starts at \(step.from), not after step \(index - 1) at \(previous.from)")
            }
            guard step.widens(previous) else {
                throw .invalidLadder("step \(index) narrows the pool of step \(index - 1); each step must keep every agent the step before allowed")
            }
            if case let .required(level) = step.skills, !DomainLimits.proficiency.contains(level) {
                throw .invalidLadder("step \(index): proficiency \(level) is outside 1–5")
            }
        }
        if case let .required(level) = first.skills, !DomainLimits.proficiency.contains(level) {
            throw .invalidLadder("step 0: proficiency \(level) is outside 1–5")
        }
        self.steps = steps
    }

    public static let standard: EscalationLadder = try! EscalationLadder(steps: [
        EscalationStep(from: 0, departments: .owning, skills: .required(minimumProficiency: 3)),
        EscalationStep(from: 0.25, departments: .owning, skills: .required(minimumProficiency: 1)),
        EscalationStep(from: 0.5, departments: .any, skills: .required(minimumProficiency: 1)),
        EscalationStep(from: 0.75, departments: .any, skills: .anyOnChannel),
    ])

    /// A ladder of one step: anyone with the skills, from the start. Used for single queues.
    public static let flat: EscalationLadder = try! EscalationLadder(steps: [
        EscalationStep(from: 0, departments: .any, skills: .required(minimumProficiency: 1)),
    ])
}
