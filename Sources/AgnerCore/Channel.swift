/// The ways a customer reaches the center.
public enum Channel: Int, CaseIterable, Hashable, Sendable, Codable, CustomStringConvertible {
    case phone = 0
    case chat = 1
    case email = 2
    case clickToCall = 3

    /// Phone, chat and click-to-call are answered while the customer waits; e-mail is deferred.
    public var isRealTime: Bool { self != .email }

    /// A voice contact occupies the agent exclusively.
    public var isVoice: Bool { self == .phone || self == .clickToCall }

    public var name: String {
        switch self {
        case .phone: "phone"
        case .chat: "chat"
        case .email: "email"
        case .clickToCall: "clickToCall"
        }
    }

    public init?(name: String) {
        guard let channel = Channel.allCases.first(where: { $0.name == name }) else { return nil }
        self = channel
    }

    public var description: String { name }
}

/// A value for each channel, stored inline (no dictionary on the hot path).
public struct PerChannel<Value> {
    public var phone: Value
    public var chat: Value
    public var email: Value
    public var clickToCall: Value

    public init(phone: Value, chat: Value, email: Value, clickToCall: Value) {
        self.phone = phone
        self.chat = chat
        self.email = email
        self.clickToCall = clickToCall
    }

    public init(repeating value: Value) {
        self.init(phone: value, chat: value, email: value, clickToCall: value)
    }

    /// The value of each channel transformed, e.g. `channels.map(\.wrapUp)`.
    public func map<T>(_ transform: (Value) throws -> T) rethrows -> PerChannel<T> {
        PerChannel<T>(phone: try transform(phone), chat: try transform(chat), email: try transform(email),
                      clickToCall: try transform(clickToCall))
    }

    public subscript(channel: Channel) -> Value {
        get {
            switch channel {
            case .phone: phone
            case .chat: chat
            case .email: email
            case .clickToCall: clickToCall
            }
        }
        set {
            switch channel {
            case .phone: phone = newValue
            case .chat: chat = newValue
            case .email: email = newValue
            case .clickToCall: clickToCall = newValue
            }
        }
    }
}

extension PerChannel: Sendable where Value: Sendable {}
extension PerChannel: Equatable where Value: Equatable {}
extension PerChannel: Hashable where Value: Hashable {}
extension PerChannel: Codable where Value: Codable {}

/// What happens to a real-time contact that reaches its deadline unanswered.
public enum BreachAction: String, Sendable, Codable, Equatable {
    /// Keep the contact waiting, ahead of every contact that has not breached.
    case keepWaiting
    /// Offer the customer a callback; the contact keeps its place in line and can no longer abandon.
    case callback
}

/// What happens to a contact that arrives while its channel is closed.
public enum OutOfHoursRule: String, Sendable, Codable, Equatable {
    /// Not kept: the contact is closed and counted as unserved demand (phone, chat).
    case close
    /// Kept waiting until agents are there (e-mail).
    case hold
    /// Turned into a callback, served when agents are there (click-to-call).
    case callbackAtOpening
}

/// The rules of one channel.
public struct ChannelSettings: Sendable, Equatable {
    /// Answer within this many seconds.
    public var answerTarget: Seconds
    /// Share of contacts that should be answered within the target (0.8 = 80 %).
    public var serviceLevelGoal: Double
    public var breachAction: BreachAction
    /// Time an agent spends after a contact before that capacity is offered again.
    public var wrapUp: Seconds
    public var outOfHours: OutOfHoursRule
    /// The channel's routing tier (`priority` in a center file), in `DomainLimits.routingTier`: a free
    /// agent takes the most urgent contact of the highest tier it can take, and a contact of a
    /// lower tier never takes an agent while one of a higher tier that the agent could take is
    /// waiting. Urgency (deadline, breach, segment, priority) orders contacts within a tier.
    public var routingTier: Int
    /// Agents kept free for higher tiers (`reserve` in a center file), 0 or more: a contact of
    /// this channel is offered to an agent only while, in every pool the agent belongs to on a
    /// channel of a higher tier, at least this many other agents stay free. It keeps deferred
    /// work from taking every agent in a quiet moment (at opening, say) just before callers
    /// arrive. 0: no reserve (tiers alone decide).
    public var higherTierReserve: Int

    public init(
        answerTarget: Seconds,
        serviceLevelGoal: Double = 0.8,
        breachAction: BreachAction = .keepWaiting,
        wrapUp: Seconds = 0,
        outOfHours: OutOfHoursRule = .close,
        routingTier: Int = RoutingTier.realTime,
        higherTierReserve: Int = 0
    ) {
        self.answerTarget = answerTarget
        self.serviceLevelGoal = serviceLevelGoal
        self.breachAction = breachAction
        self.wrapUp = wrapUp
        self.outOfHours = outOfHours
        self.routingTier = routingTier
        self.higherTierReserve = higherTierReserve
    }

    /// Defaults: 60 s for the real-time channels, 4 h for e-mail; click-to-call breaches
    /// turn into callbacks; e-mail waits for opening, click-to-call is called back at opening;
    /// phone, chat and click-to-call share the real-time tier, ahead of e-mail's deferred tier.
    public static func standard(for channel: Channel) -> ChannelSettings {
        switch channel {
        case .phone: ChannelSettings(answerTarget: 60)
        case .chat: ChannelSettings(answerTarget: 60)
        case .email: ChannelSettings(answerTarget: 4 * 3600, outOfHours: .hold, routingTier: RoutingTier.deferred)
        case .clickToCall: ChannelSettings(answerTarget: 60, breachAction: .callback, outOfHours: .callbackAtOpening)
        }
    }
}

/// Routing tiers of channels (channel blending): higher is served first. Their ranges are in
/// `DomainLimits` (`routingTier`, `higherTierReserve`).
public enum RoutingTier {
    /// The default of phone, chat and click-to-call: customers waiting on the line.
    public static let realTime = 1
    /// The default of e-mail: work that can wait for a free moment.
    public static let deferred = 0
}
