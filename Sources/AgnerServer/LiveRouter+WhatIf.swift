import AgnerCore
import AgnerProtocol
import Foundation

/// The live state a forecast starts from, taken on the router's thread in constant time (the
/// engine is a copy-on-write value) and used elsewhere.
public struct LiveState: Sendable {
    /// A copy of the live engine (its clock is Unix seconds).
    public var engine: RoutingEngine
    /// Agents' names by engine id.
    public var agentNames: [UInt64: String]
    /// Arrivals seen per (topic index × 4 + channel) over the last `window` seconds.
    public var recentArrivals: [Int: Int]
    public var window: Double
    /// Unix seconds.
    public var now: Double
}

/// Runs a `whatif`: the CLI plugs in the simulator (the server knows none). Called off the
/// router's thread. - Returns: the result's fields; throws `ProtocolError` for a bad request
/// (an unknown group, say).
public typealias Forecaster = @Sendable (_ changes: [Request.WhatIfChange], _ horizon: Double, _ replications: Int, _ state: LiveState)
    throws(ProtocolError) -> WireValue

extension LiveRouter {
    /// Counts an arrival for the forecast's recent rates (per minute, the last hour).
    func countArrival(channel: Channel, topic: TopicID, at time: Double) {
        let minute = Int((time / 60).rounded(.down))
        if recentSince == nil { recentSince = time }
        if recentArrivals.isEmpty {
            recentArrivals = Array(repeating: 0, count: settings.center.topics.count * 4 * 60)
        }
        if minute != recentMinute {
            // Clear the minutes passed since the last arrival (all of them after an hour).
            let passed = recentMinute < 0 ? 60 : min(60, minute - recentMinute)
            for step in 1...max(1, passed) {
                let slot = ((recentMinute + step) % 60 + 60) % 60
                var index = slot
                while index < recentArrivals.count {
                    recentArrivals[index] = 0
                    index += 60
                }
            }
            recentMinute = minute
        }
        recentArrivals[(topic.index * 4 + channel.rawValue) * 60 + ((minute % 60) + 60) % 60] += 1
    }

    /// The state a forecast starts from.
    func liveState() -> LiveState {
        let now = currentTime()
        var recent: [Int: Int] = [:]
        let current = Int((now / 60).rounded(.down))
        if !recentArrivals.isEmpty && current - recentMinute < 60 {
            for key in 0..<(recentArrivals.count / 60) {
                let total = recentArrivals[(key * 60)..<(key * 60 + 60)].reduce(0, +)
                if total > 0 { recent[key] = total }
            }
        }
        // What was seen covers the last hour, or less since the first arrival counted (at least a minute).
        let window = min(3600, max(60, now - (recentSince ?? now)))
        return LiveState(engine: engine, agentNames: directory.agentNames, recentArrivals: recent, window: window, now: now)
    }

    /// Starts a forecast off the router's thread; its answer comes as a `whatif.result` event
    /// to the connection that asked. - Returns: the reply (the forecast's id).
    func startWhatIf(changes: [Request.WhatIfChange], horizon: Double, replications: Int, session: SessionID) throws(ProtocolError) -> WireValue {
        guard let forecaster = settings.forecaster else {
            throw ProtocolError(.invalidState, "no forecasts here: agner serve builds them from its center file")
        }
        nextWhatIf += 1
        let id = nextWhatIf
        let state = liveState()
        let work: @Sendable () -> WireValue = {
            do throws(ProtocolError) {
                return try forecaster(changes, horizon, replications, state)
            } catch {
                return .object([("error", .object([("code", .string(error.code.rawValue)), ("message", .string(error.message))]))])
            }
        }
        let done: (WireValue) -> Void = { [weak self] result in
            guard let self, self.sessions[session] != nil else { return }
            var fields: [(String, WireValue)] = [("event", .string(EventName.whatIfResult.rawValue)), ("whatif", .int(id))]
            if case let .object(pairs) = result { fields += pairs }
            let line = WireValue.object(fields)
            self.outbox.append(to: session) { line.write(into: &$0) }
        }
        if let offload { offload(work, done) } else { pendingWhatIfs.append((work, done)) }
        return .object([("whatif", .int(id)), ("status", .string("running"))])
    }

    /// Without a server to run forecasts off the thread (tests), they run after the reply.
    func runPendingWhatIfs() {
        let pending = pendingWhatIfs
        pendingWhatIfs = []
        for (work, done) in pending { done(work()) }
    }
}
