import AgnerCore
import Foundation
@testable import AgnerSim

/// The Erlang A computation this project shipped first, kept as an independent check of the
/// closed forms: the stationary distribution of the birth–death chain, summed state by state,
/// and the waiting time of a tagged customer by uniformization of its pure-death chain.
/// Exact, but its cost grows with the agents and the queue (56 s at 1,000,000 calls an hour).
enum ExactChainErlangA {
    static func figures(_ model: QueueModel, agents: Int, patience: Seconds, target: Seconds, definition: ServiceLevelDefinition) -> StaffingFigures {
        let lambda = model.arrivalRate
        let mu = 1 / model.meanHandleTime
        let theta = 1 / patience
        let n = agents
        // Stationary distribution of the number in system, in logs to stay finite.
        var logPi: [Double] = [0]
        var k = 0
        while true {
            let death = Double(min(k + 1, n)) * mu + Double(max(0, k + 1 - n)) * theta
            logPi.append(logPi[k] + log(lambda) - log(death))
            k += 1
            if k > n && logPi[k] < logPi.max()! - 50 { break }
            if k > n + 1_000_000 { break }
        }
        let top = logPi.max()!
        var pi = logPi.map { exp($0 - top) }
        let total = pi.reduce(0, +)
        for i in pi.indices { pi[i] /= total }

        let queueDepth = pi.count - n  // arrivals may find 0 ..< queueDepth ahead of them
        // For a tagged customer with i ahead, the line moves at r_i = nμ + iθ; the customer
        // leaves on their own at θ.
        func rate(_ ahead: Int) -> Double { Double(n) * mu + Double(ahead) * theta }
        var pWait = 0.0
        var pServed = 0.0
        var waitIfServed = 0.0  // E[W · 1{served}]
        var survive = 1.0
        var meanSojourn = 0.0
        for ahead in 0..<max(queueDepth, 0) {
            let p = pi[n + ahead]
            let s = rate(ahead) + theta
            survive *= rate(ahead) / s
            meanSojourn += 1 / s
            pWait += p
            pServed += p * survive
            waitIfServed += p * survive * meanSojourn
        }
        let pImmediate = 1 - pWait
        let answered = pImmediate + pServed
        let abandonRate = 1 - answered

        let servedWithin = tailProbabilities(depth: max(queueDepth, 0), rate: rate, killing: theta, time: target)
        var answeredWithin = pImmediate
        for ahead in 0..<max(queueDepth, 0) { answeredWithin += pi[n + ahead] * servedWithin[ahead] }

        let serviceLevel: Double
        switch definition {
        case .offered:
            serviceLevel = answeredWithin
        case .answered:
            serviceLevel = answered > 0 ? answeredWithin / answered : 0
        case .shortAbandonsExcluded:
            // Abandoned within 5 s: left before being served and before 5 s.
            let short = ServiceLevelDefinition.shortAbandon
            let servedByShort = tailProbabilities(depth: max(queueDepth, 0), rate: rate, killing: theta, time: short)
            var abandonedShort = 0.0
            for ahead in 0..<max(queueDepth, 0) {
                // P(τ < 5 and τ < V): the tagged customer is killed before 5 s and before service.
                abandonedShort += pi[n + ahead] * killedWithin(ahead: ahead, rate: rate, killing: theta, time: short,
                                                               servedBy: servedByShort[ahead])
            }
            serviceLevel = answeredWithin / max(1e-300, 1 - abandonedShort)
        case .virtual:
            let virtualWithin = tailProbabilities(depth: max(queueDepth, 0), rate: rate, killing: 0, time: target)
            var within = pImmediate
            for ahead in 0..<max(queueDepth, 0) { within += pi[n + ahead] * virtualWithin[ahead] }
            serviceLevel = within
        }
        return StaffingFigures(
            agents: agents, probabilityOfWaiting: pWait, serviceLevel: serviceLevel,
            averageSpeedOfAnswer: answered > 0 ? waitIfServed / answered : 0,  // over all answered, including those answered at once
            abandonRate: abandonRate, occupancy: lambda * answered * model.meanHandleTime / Double(n))
    }

    /// For each place in line i (0 ..< depth): the probability that a tagged customer with i
    /// ahead is served within `time`, when the line moves at `rate(i)` and the customer leaves
    /// at `killing`. Uniformization of the pure-death chain with killing.
    static func tailProbabilities(depth: Int, rate: (Int) -> Double, killing: Double, time: Double) -> [Double] {
        guard depth > 0 else { return [] }
        let uniform = rate(depth - 1) + killing
        let mean = uniform * time
        // Poisson(mean) weights until the tail is negligible.
        let steps = Int(mean + 12 * sqrt(mean) + 30)
        var result = [Double](repeating: 0, count: depth)
        // v[i] = P(served within m uniformized steps | i ahead); index shifted: v[0] is "served".
        var v = [Double](repeating: 0, count: depth + 1)
        v[0] = 1
        var logWeight = -mean  // log of Poisson(m; mean) for m = 0
        var next = v
        for m in 0...steps {
            let weight = exp(logWeight)
            if weight > 0 { for i in 0..<depth { result[i] += weight * v[i + 1] } }
            // One more uniformized step.
            for i in 0..<depth {
                let move = rate(i) / uniform
                let stay = 1 - (rate(i) + killing) / uniform
                next[i + 1] = move * v[i] + stay * v[i + 1]
            }
            swap(&v, &next)
            logWeight += log(mean) - log(Double(m + 1))
        }
        return result
    }

    /// P(the tagged customer leaves within `time`, before being served), with i ahead.
    static func killedWithin(ahead: Int, rate: (Int) -> Double, killing: Double, time: Double, servedBy: Double) -> Double {
        // Leaving within `time` unserved = 1 − P(still waiting at time) − P(served within time).
        // P(still waiting at time) = P(V > time) · e^{−θ·time}, V the virtual wait.
        let virtualWithin = tailProbabilities(depth: ahead + 1, rate: rate, killing: 0, time: time)[ahead]
        let stillWaiting = (1 - virtualWithin) * exp(-killing * time)
        return max(0, 1 - stillWaiting - servedBy)
    }

}
