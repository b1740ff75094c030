/// A center configuration that the engine cannot run.
public enum ConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidLadder(String)
    case unknownSkill(topic: String, skill: Int)
    case unknownDepartment(topic: String, department: Int)
    case duplicateName(kind: String, name: String)
    case invalidSetting(String)

    public var description: String {
        switch self {
        case let .invalidLadder(why): "escalation ladder: \(why)"
        case let .unknownSkill(topic, skill): "topic \(topic): skill #\(skill) is not defined"
        case let .unknownDepartment(topic, department): "topic \(topic): department #\(department) is not defined"
        case let .duplicateName(kind, name): "\(kind) '\(name)' is defined twice"
        case let .invalidSetting(why): why
        }
    }
}
