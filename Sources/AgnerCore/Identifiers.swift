/// Seconds on whatever clock drives the engine: the wall clock in the live service,
/// the virtual clock in the simulator. The engine never reads a clock itself.
public typealias Seconds = Double

/// A contact as the engine knows it. The live service maps adapters' string ids to these;
/// the simulator numbers contacts as they arrive.
public struct ContactID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "c\(rawValue)" }
}

/// An agent as the engine knows it.
public struct AgentID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "a\(rawValue)" }
}

/// Index of a skill in `CenterConfiguration.skills`.
public struct SkillID: Hashable, Comparable, Sendable, Codable {
    public var index: Int
    public init(_ index: Int) { self.index = index }
    public static func < (a: Self, b: Self) -> Bool { a.index < b.index }
}

/// Index of a department in `CenterConfiguration.departments`.
public struct DepartmentID: Hashable, Sendable, Codable {
    public var index: Int
    public init(_ index: Int) { self.index = index }
}

/// Index of a topic in `CenterConfiguration.topics`.
public struct TopicID: Hashable, Sendable, Codable {
    public var index: Int
    public init(_ index: Int) { self.index = index }
}
