/// A reason for contact: the skills it needs and the department that owns it.
public struct Topic: Sendable, Equatable {
    public var name: String
    public var requiredSkills: [SkillID]
    public var owningDepartment: DepartmentID
    /// Replaces the center's ladder for this topic.
    public var ladder: EscalationLadder?
    /// Replaces the channel's answer target for this topic, per channel.
    public var answerTargets: PerChannel<Seconds?>

    public init(
        name: String,
        requiredSkills: [SkillID],
        owningDepartment: DepartmentID,
        ladder: EscalationLadder? = nil,
        answerTargets: PerChannel<Seconds?> = PerChannel(repeating: nil)
    ) {
        self.name = name
        self.requiredSkills = requiredSkills
        self.owningDepartment = owningDepartment
        self.ladder = ladder
        self.answerTargets = answerTargets
    }
}
