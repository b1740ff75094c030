/// A skill an agent has, at a proficiency from 1 (learning) to 5 (expert).
public struct SkillLevel: Sendable, Equatable, Hashable, Codable {
    public var skill: SkillID
    public var proficiency: Int

    public init(_ skill: SkillID, _ proficiency: Int) {
        self.skill = skill
        self.proficiency = proficiency
    }
}

/// Who an agent is: department, skills and how many contacts of each channel they can hold.
public struct AgentProfile: Sendable, Equatable, Codable {
    public var id: AgentID
    public var department: DepartmentID
    public var skills: [SkillLevel]
    /// Contacts the agent may hold at once per channel; 0 = does not serve the channel.
    /// A voice contact (phone, click-to-call) is always exclusive of everything else.
    public var capacity: PerChannel<Int>

    /// Phone 1, chat 3, e-mail 1, click-to-call 1.
    public static let standardCapacity = PerChannel(phone: 1, chat: 3, email: 1, clickToCall: 1)

    public init(id: AgentID, department: DepartmentID, skills: [SkillLevel], capacity: PerChannel<Int> = standardCapacity) {
        self.id = id
        self.department = department
        self.skills = skills
        self.capacity = capacity
    }

    public func proficiency(in skill: SkillID) -> Int {
        for level in skills where level.skill == skill { return level.proficiency }
        return 0
    }
}

/// What an agent asked to be: the presence a command sets. The engine never overwrites it; it
/// derives the rest of the agent's state (reserved, busy, wrapUp, notResponding) from the
/// contacts the agent holds and the offers it missed. A request made while the agent holds
/// contacts takes effect as soon as it holds none; nothing new is offered after it.
public enum Presence: Int, Sendable, Codable, Equatable, CaseIterable {
    case offline = 0
    case available = 1
    case onBreak = 2
}

/// An agent's state as adapters and supervisors see it.
public enum AgentState: Int, Sendable, Codable, Equatable, CaseIterable, CustomStringConvertible {
    case offline, available, onBreak, reserved, busy, wrapUp, notResponding

    public var name: String {
        switch self {
        case .offline: "offline"
        case .available: "available"
        case .onBreak: "onBreak"
        case .reserved: "reserved"
        case .busy: "busy"
        case .wrapUp: "wrapUp"
        case .notResponding: "notResponding"
        }
    }

    public var description: String { name }
}

/// Where a contact is in its life.
public enum ContactState: Int, Sendable, Codable, Equatable, CaseIterable, CustomStringConvertible {
    case queued, offered, connected, wrapUp, completed, abandoned, callbackScheduled, closed

    /// Completed, abandoned and closed are final: a contact ends in exactly one of them.
    public var isTerminal: Bool { self == .completed || self == .abandoned || self == .closed }

    /// Waiting for an agent (in line, possibly for a callback).
    public var isWaiting: Bool { self == .queued || self == .callbackScheduled }

    public var name: String {
        switch self {
        case .queued: "queued"
        case .offered: "offered"
        case .connected: "connected"
        case .wrapUp: "wrapUp"
        case .completed: "completed"
        case .abandoned: "abandoned"
        case .callbackScheduled: "callbackScheduled"
        case .closed: "closed"
        }
    }

    public var description: String { name }
}
