import Foundation
import AgnerCore

/// Centers and command streams for benchmarks, built deterministically from a seed.
public enum LargeCenter {
    /// A center with `skills` skills, `departments` departments and `topics` topics; topic t
    /// needs skill t mod skills and is owned by department t mod departments.
    public static func configuration(
        skills: Int, departments: Int, topics: Int, offerTimeout: Seconds? = nil, wrapUp: Seconds = 0
    ) -> CenterConfiguration {
        var channels = PerChannel(
            phone: ChannelSettings.standard(for: .phone), chat: .standard(for: .chat),
            email: .standard(for: .email), clickToCall: .standard(for: .clickToCall))
        for channel in Channel.allCases { channels[channel].wrapUp = wrapUp }
        return try! CenterConfiguration(
            departments: (0..<departments).map { "d\($0)" },
            skills: (0..<skills).map { "s\($0)" },
            topics: (0..<topics).map { topic in
                Topic(name: "t\(topic)", requiredSkills: [SkillID(topic % skills)], owningDepartment: DepartmentID(topic % departments))
            },
            channels: channels,
            offerTimeout: offerTimeout)
    }

    /// Agent n: a department and two or three distinct skills at proficiency 1–5, drawn from
    /// a generator seeded with n (so every (skill, department) pair has experts).
    public static func agent(_ number: Int, skills: Int, departments: Int, capacity: PerChannel<Int> = AgentProfile.standardCapacity) -> AgentProfile {
        var rng = SplitMix64(seed: UInt64(number) &* 0x2545_F491_4F6C_DD1D &+ 17)
        var levels: [SkillLevel] = []
        let count = 2 + Int(rng.next() % 2)
        while levels.count < count {
            let skill = SkillID(Int(rng.next() % UInt64(skills)))
            if !levels.contains(where: { $0.skill == skill }) {
                levels.append(SkillLevel(skill, 1 + Int(rng.next() % 5)))
            }
        }
        let department = DepartmentID(Int(rng.next() % UInt64(departments)))
        return AgentProfile(id: AgentID(UInt64(number)), department: department, skills: levels, capacity: capacity)
    }

    /// An engine with `agents` agents added and logged in at time 0.
    public static func staffedEngine(_ configuration: CenterConfiguration, agents: Int, capacity: PerChannel<Int> = AgentProfile.standardCapacity) -> RoutingEngine {
        var engine = RoutingEngine(configuration: configuration)
        var events: [Event] = []
        for number in 0..<agents {
            let profile = agent(number, skills: configuration.skills.count, departments: configuration.departments.count, capacity: capacity)
            try! engine.apply(.addAgent(profile), at: 0, into: &events)
            try! engine.apply(.setPresence(profile.id, .available), at: 0, into: &events)
            events.removeAll(keepingCapacity: true)
        }
        return engine
    }
}

/// A small seeded generator (SplitMix64) so workloads are the same on every run.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func exponential(mean: Double) -> Double {
        -mean * log(1 - Double(next() >> 11) * 0x1.0p-53)
    }
}
