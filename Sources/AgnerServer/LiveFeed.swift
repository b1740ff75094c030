import Foundation
import Synchronization

/// What the router publishes for readers on other threads (the wallboard's HTTP side): its
/// latest wallboard figures, the last breaches, and every event as the line a subscriber
/// would get.
///
/// The router writes from its event loop and never waits for a reader: each write holds a
/// lock for a moment (no I/O, no awaiting under it), and every reader has a bounded buffer of
/// its own. A reader that falls `bufferLimit` messages behind is cut off (its stream ends),
/// as a slow TCP reader is; the browser's EventSource then reconnects and starts again from
/// the current figures. See docs/architecture.md, "The wallboard".
public final class LiveFeed: Sendable {
    /// One Server-Sent Event: its name (`stats`, or a protocol event such as `contact.queued`)
    /// and its data, one line of JSON.
    public struct Message: Sendable, Equatable {
        public var name: String
        public var data: String

        public init(name: String, data: String) {
            self.name = name
            self.data = data
        }
    }

    /// A breach, as the wallboard lists it.
    public struct Breach: Sendable, Equatable {
        /// Unix seconds.
        public var time: Double
        public var contact: String
        public var channel: String
        public var topic: String
        /// The cause, as the protocol names it (`allEligibleBusy`, …).
        public var cause: String
    }

    struct Subscriber {
        /// Event names wanted (nil: all); `stats` always goes.
        var events: Set<String>?
        var continuation: AsyncStream<Message>.Continuation
    }

    struct State {
        var stats: String?
        /// Unix seconds of the latest stats, and of the last time someone asked for them.
        var statsTime: Double = 0
        var lastAsked: Double = 0
        var subscribers: [Int: Subscriber] = [:]
        var nextSubscriber = 0
        var breaches: [Breach] = []
        var closed = false
        var cutOff = 0
    }

    let state = Mutex(State())
    /// Messages a reader may fall behind before it is cut off.
    public let bufferLimit: Int
    /// Breaches kept for the wallboard (the newest).
    public let breachesKept: Int

    public init(bufferLimit: Int = ServerLimits.eventStreamBacklog, breachesKept: Int = 20) {
        self.bufferLimit = bufferLimit
        self.breachesKept = breachesKept
    }

    // MARK: - Readers

    /// A stream of messages from now on: the latest stats first (when there are any), then
    /// every event named in `events` (nil: all) and every stats update. nil once the feed is
    /// closed. The stream ends when the feed closes or the reader falls behind.
    public func subscribe(events: Set<String>? = nil) -> AsyncStream<Message>? {
        var registered = false
        let stream = AsyncStream<Message>(bufferingPolicy: .bufferingOldest(bufferLimit)) { continuation in
            let id: Int? = state.withLock { state in
                guard !state.closed else { return nil }
                let id = state.nextSubscriber
                state.nextSubscriber += 1
                state.subscribers[id] = Subscriber(events: events, continuation: continuation)
                if let stats = state.stats { continuation.yield(Message(name: "stats", data: stats)) }
                return id
            }
            guard let id else {
                continuation.finish()
                return
            }
            registered = true
            continuation.onTermination = { [weak self] _ in
                _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
            }
        }
        return registered ? stream : nil
    }

    /// The latest stats (JSON), and when they were published (Unix seconds); marks the feed
    /// as watched, so the router keeps them fresh.
    public func latestStats(now: Double = Date().timeIntervalSince1970) -> (json: String, time: Double)? {
        state.withLock { state in
            state.lastAsked = now
            return state.stats.map { ($0, state.statsTime) }
        }
    }

    /// The newest breaches, newest first.
    public var recentBreaches: [Breach] { state.withLock { Array($0.breaches.reversed()) } }

    /// Readers connected now.
    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// Readers cut off so far for falling behind.
    public var cutOffCount: Int { state.withLock { $0.cutOff } }

    /// Whether anyone reads the stats: a subscriber, or a request for them in the last 10 s.
    public func isWatched(now: Double = Date().timeIntervalSince1970) -> Bool {
        state.withLock { !$0.subscribers.isEmpty || now - $0.lastAsked < 10 }
    }

    /// Ends every reader's stream and refuses new ones (before the HTTP server stops, so that
    /// no response is left open).
    public func close() {
        let ending = state.withLock { state -> [Subscriber] in
            state.closed = true
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        for subscriber in ending { subscriber.continuation.finish() }
    }

    // MARK: - The router's side (on its event loop)

    /// Publishes the wallboard's figures (one JSON object) to every reader.
    public func publish(stats json: String, at time: Double = Date().timeIntervalSince1970) {
        send(Message(name: "stats", data: json)) { state in
            state.stats = json
            state.statsTime = time
        }
    }

    /// Publishes an event line to the readers that want it.
    public func publish(event name: String, line: String) {
        send(Message(name: name, data: line), update: nil)
    }

    /// Keeps a breach for the wallboard's list.
    public func noteBreach(_ breach: Breach) {
        state.withLock { state in
            state.breaches.append(breach)
            if state.breaches.count > breachesKept { state.breaches.removeFirst(state.breaches.count - breachesKept) }
        }
    }

    /// Yields to every reader that wants the message; a reader whose buffer is full is cut off
    /// (its stream finished outside the lock: finishing runs its termination handler, which
    /// takes the lock).
    func send(_ message: Message, update: ((inout State) -> Void)?) {
        let behind = state.withLock { state -> [AsyncStream<Message>.Continuation] in
            update?(&state)
            var behind: [AsyncStream<Message>.Continuation] = []
            for (id, subscriber) in state.subscribers {
                if message.name != "stats", let events = subscriber.events, !events.contains(message.name) { continue }
                if case .dropped = subscriber.continuation.yield(message) {
                    behind.append(subscriber.continuation)
                    state.subscribers[id] = nil
                    state.cutOff += 1
                }
            }
            return behind
        }
        for continuation in behind { continuation.finish() }
    }
}
