import AgnerCore

/// The canonical form of a request: the fields its operation uses, and nothing else, in one
/// order. The journal keeps requests in this form (not as received), so an entry's size is
/// bounded by its operation's own fields whatever a client adds to the line (a `req`, fields
/// no operation reads), and decoding it (`Request.decode`) gives back the same request.
extension Request {
    /// The operation the request is for.
    public var operation: Operation {
        switch self {
        case .hello: .hello
        case .arrive: .contactArrive
        case .accept: .offerAccept
        case .reject: .offerReject
        case .abandon: .contactAbandon
        case .complete: .contactComplete
        case .agentState: .agentState
        case .sync: .sync
        case .stats: .stats
        case .agents: .agents
        case .contacts: .contacts
        case .subscribe: .subscribe
        case .agentAdd: .agentAdd
        case .agentUpdate: .agentUpdate
        case .agentRemove: .agentRemove
        case let .setOpen(open, _, _): open ? .centerOpen : .centerClose
        case .followHours: .centerHours
        case .shadow: .shadow
        case .whatIf: .whatIf
        case .adapterLost: .adapterLost
        case .openingHours: .openingHours
        case .agentManager: .agentManager
        }
    }

    /// The request as a JSON object in canonical form, `op` first. A `hello` leaves its token
    /// out (it is never journaled; a token is never written anywhere).
    public func canonical(center: CenterConfiguration) -> WireValue {
        var fields: [(String, WireValue)] = [("op", .string(operation.rawValue))]
        func page(_ page: Page) {
            fields.append(("limit", .int(page.limit)))
            if let after = page.after { fields.append(("after", .string(String(after)))) }
        }
        switch self {
        case let .hello(role, name, _, version):
            fields.append(("role", .string(role.rawValue)))
            if let name { fields.append(("name", .string(name))) }
            if let version { fields.append(("protocol", .int(version))) }
        case let .arrive(contact, channel, topic, segment, priority):
            fields += [("id", .string(contact)), ("channel", .string(channel.name)), ("topic", .string(center.topics[topic.index].name)),
                       ("segment", .string(segment.name)), ("priority", .int(priority))]
        case let .accept(contact, agent), let .reject(contact, agent):
            fields += [("contact", .string(contact)), ("agent", .string(agent))]
        case let .abandon(contact), let .complete(contact):
            fields.append(("id", .string(contact)))
        case let .agentState(agent, presence):
            fields += [("agent", .string(agent)), ("state", .string(Self.presenceName(presence)))]
        case let .sync(value), let .agents(value), let .contacts(value):
            page(value)
        case .stats, .shadow:
            break
        case let .subscribe(events):
            fields.append(("events", .array(events.map(\.rawValue).sorted().map(WireValue.string))))
        case let .agentAdd(spec), let .agentUpdate(spec):
            fields += [("agent", .string(spec.name)), ("department", .string(center.departments[spec.department.index])),
                       ("skills", .object(spec.skills.map { (center.skills[$0.skill.index], .int($0.proficiency)) })),
                       ("channels", .object(Channel.allCases.map { ($0.name, .int(spec.capacity[$0])) }))]
        case let .agentRemove(agent):
            fields.append(("agent", .string(agent)))
        case let .setOpen(_, channels, until):
            if let channel = channels?.first { fields.append(("channel", .string(channel.name))) }
            if let until { fields.append(("until", .double(until))) }
        case let .followHours(channels):
            if let channel = channels?.first { fields.append(("channel", .string(channel.name))) }
        case let .whatIf(changes, horizon, replications):
            fields += [("add", .object(changes.map { ($0.group, .int($0.count)) })), ("horizon_s", .double(horizon)),
                       ("replications", .int(replications))]
        case let .adapterLost(adapter, abandonAt, grace, includingHeld):
            fields.append(("adapter", .string(adapter)))
            if let abandonAt { fields.append(("abandon_at", .double(abandonAt))) }
            if let grace { fields.append(("grace_s", .double(grace))) }
            if includingHeld { fields.append(("including_held", .bool(true))) }
        case let .openingHours(channel, open):
            fields += [("channel", .string(channel.name)), ("open", .bool(open))]
        case let .agentManager(agent, adapter):
            fields.append(("agent", .string(agent)))
            if let adapter { fields.append(("adapter", .string(adapter))) }
        }
        return .object(fields)
    }

    static func presenceName(_ presence: Presence) -> String {
        switch presence {
        case .available: "available"
        case .onBreak: "onBreak"
        case .offline: "offline"
        }
    }
}

/// Writes requests in canonical form (`Request.canonical(center:)`), the frequent ones through
/// line templates (no JSON tree per line). The bytes are those of the canonical object, without
/// a newline. Not thread-safe: each router keeps its own.
public final class CanonicalEncoder {
    let center: CenterConfiguration
    private let arrive = CanonicalEncoder.template(.contactArrive, ["id", "channel", "topic", "segment", "priority"])
    private let accept = CanonicalEncoder.template(.offerAccept, ["contact", "agent"])
    private let reject = CanonicalEncoder.template(.offerReject, ["contact", "agent"])
    private let abandon = CanonicalEncoder.template(.contactAbandon, ["id"])
    private let complete = CanonicalEncoder.template(.contactComplete, ["id"])
    private let agentState = CanonicalEncoder.template(.agentState, ["agent", "state"])

    public init(center: CenterConfiguration) {
        self.center = center
    }

    static func template(_ operation: Operation, _ keys: [String]) -> LineTemplate {
        LineTemplate([("op", .string(operation.rawValue))] + keys.map { ($0, .null) }, fixed: 1)
    }

    /// Appends the request's canonical line (without a newline).
    public func write(_ request: Request, into output: inout [UInt8]) {
        switch request {
        case let .arrive(contact, channel, topic, segment, priority):
            arrive.write([.string(contact), .string(channel.name), .string(center.topics[topic.index].name), .string(segment.name), .int(priority)],
                         into: &output)
        case let .accept(contact, agent): accept.write([.string(contact), .string(agent)], into: &output)
        case let .reject(contact, agent): reject.write([.string(contact), .string(agent)], into: &output)
        case let .abandon(contact): abandon.write([.string(contact)], into: &output)
        case let .complete(contact): complete.write([.string(contact)], into: &output)
        case let .agentState(agent, presence): agentState.write([.string(agent), .string(Request.presenceName(presence))], into: &output)
        default: request.canonical(center: center).write(into: &output)
        }
        output.removeLast()  // the newline
    }
}
