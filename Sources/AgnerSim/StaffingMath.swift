import AgnerCore
import Foundation

/// Which contacts count as "answered within the target".
public enum ServiceLevelDefinition: String, CaseIterable, Sendable, Codable {
    /// Answered within the target ÷ all offered (arriving) contacts. The strictest, and the default.
    case offered
    /// Answered within the target ÷ answered contacts (abandons do not count at all).
    case answered
    /// Answered within the target ÷ (offered − abandoned within 5 s): short abandons are forgiven.
    case shortAbandonsExcluded
    /// The probability that the wait a customer *would* have (if infinitely patient) is within
    /// the target. Analytic only (`agner staff`); a simulation cannot observe it.
    case virtual

    /// Abandons within this many seconds are "short" for `shortAbandonsExcluded`.
    public static let shortAbandon: Seconds = 5

    public var label: String {
        switch self {
        case .offered: "answered within target ÷ offered"
        case .answered: "answered within target ÷ answered"
        case .shortAbandonsExcluded: "answered within target ÷ (offered − abandons within 5 s)"
        case .virtual: "P(virtual wait ≤ target)"
        }
    }
}

/// The queueing model of one pool of identical agents.
public struct QueueModel: Sendable, Equatable {
    /// Poisson arrival rate, per second.
    public var arrivalRate: Double
    /// Mean of an exponential handle time, seconds.
    public var meanHandleTime: Seconds
    /// Mean of an exponential patience, seconds; nil: nobody abandons (Erlang C).
    public var meanPatience: Seconds?

    public init(arrivalRate: Double, meanHandleTime: Seconds, meanPatience: Seconds? = nil) {
        self.arrivalRate = arrivalRate
        self.meanHandleTime = meanHandleTime
        self.meanPatience = meanPatience
    }

    /// Offered load in Erlangs.
    public var load: Double { arrivalRate * meanHandleTime }

    public var name: String { meanPatience == nil ? "erlangC" : "erlangA" }
}

/// What a queue model predicts for a number of agents.
public struct StaffingFigures: Sendable, Equatable {
    public var agents: Int
    /// Probability that an arriving contact waits at all.
    public var probabilityOfWaiting: Double
    /// Share (0–1) by the chosen definition.
    public var serviceLevel: Double
    /// Mean wait of answered contacts (those answered at once included), seconds; infinite when
    /// the queue is unstable.
    public var averageSpeedOfAnswer: Double
    /// Abandoned ÷ arriving.
    public var abandonRate: Double
    /// Answered load ÷ agents.
    public var occupancy: Double
}

/// Erlang C (M/M/n) and Erlang A (M/M/n+M, Palm) for staffing, exact and fast at any scale.
///
/// Erlang A follows the closed forms of Mandelbaum and Zeltyn ("The M/M/n+G queue: summary of
/// performance measures", Technion, 2009; after Palm 1946 and Garnett, Mandelbaum and Reiman,
/// "Designing a call center with impatient customers", M&SOM 2002). With x = nμ/θ and
/// y = λ/θ, a customer who finds j waiting ahead has e^(−θV) ~ Beta(x, j+1) for its virtual
/// wait V, which turns the sums over j into regularized incomplete gamma functions P(·, ·):
///
/// - P(wait) = S ÷ (R + S), with R = Σ_{k<n} π_k/π_n (from Erlang B) and S = e^y y^−x Γ(x+1) P(x, y);
/// - P(answered | waited) = x P(x+1, y) ÷ (y P(x, y));
/// - P(answered within t | waited) = x [P(x+1, y) − P(x+1, y e^(−θt))] ÷ (y P(x, y));
/// - P(virtual wait ≤ t | waited) = 1 − P(x, y e^(−θt)) ÷ P(x, y).
///
/// The mean wait of answered contacts sums the few terms of j that matter (a window around
/// the most likely queue length, O(√y) terms). Incomplete gamma functions are evaluated by
/// their series or continued fraction (Abramowitz and Stegun 6.5.29 and 6.5.31) in logarithms,
/// so a million agents cost milliseconds. Erlang C is Erlang A without abandonment.
public enum StaffingMath {
    /// Agents above which Erlang B comes from the incomplete gamma function instead of its
    /// recursion (both are exact; the recursion costs one step per agent).
    static let recursionLimit = 10_000

    /// Erlang B blocking probability of `agents` servers offered `load` Erlangs.
    public static func erlangB(agents: Int, load: Double) -> Double {
        if agents == 0 { return 1 }
        if agents <= recursionLimit {
            var b = 1.0
            for k in 1...agents { b = load * b / (Double(k) + load * b) }
            return b
        }
        // 1/B = e^a a^−n n! Q(n+1, a)
        return exp(-(load - Double(agents) * log(load) + lgamma(Double(agents) + 1) + logGammaQ(Double(agents) + 1, load)))
    }

    /// log R, R = Σ_{k<n} π_k/π_n = 1/B − 1: how much likelier it is to find an agent free
    /// than all n busy, in the loss system.
    static func logFreeOverBusy(agents n: Int, load a: Double) -> Double {
        if n <= recursionLimit {
            let b = erlangB(agents: n, load: a)
            return log1p(-b) - log(b)
        }
        // 1/B − 1 = e^a a^−n n! Q(n, a)
        return a - Double(n) * log(a) + lgamma(Double(n) + 1) + logGammaQ(Double(n), a)
    }

    /// Erlang C: probability of waiting in M/M/n; 1 when the load reaches the agents.
    public static func erlangC(agents: Int, load: Double) -> Double {
        guard Double(agents) > load else { return 1 }
        let b = erlangB(agents: agents, load: load)
        return Double(agents) * b / (Double(agents) - load * (1 - b))
    }

    public static func figures(_ model: QueueModel, agents: Int, target: Seconds, definition: ServiceLevelDefinition = .offered) -> StaffingFigures {
        if let patience = model.meanPatience {
            return erlangA(model, agents: agents, patience: patience, target: target, definition: definition)
        }
        return erlangCFigures(model, agents: agents, target: target, definition: definition)
    }

    static func erlangCFigures(_ model: QueueModel, agents: Int, target: Seconds, definition: ServiceLevelDefinition) -> StaffingFigures {
        let load = model.load
        let n = Double(agents)
        guard n > load else {
            return StaffingFigures(agents: agents, probabilityOfWaiting: 1, serviceLevel: 0, averageSpeedOfAnswer: .infinity,
                                   abandonRate: 0, occupancy: 1)
        }
        let c = erlangC(agents: agents, load: load)
        let drain = (n - load) / model.meanHandleTime
        // Nobody abandons, so every definition of service level is the same.
        let serviceLevel = 1 - c * exp(-drain * target)
        return StaffingFigures(agents: agents, probabilityOfWaiting: c, serviceLevel: serviceLevel,
                               averageSpeedOfAnswer: c / drain, abandonRate: 0, occupancy: load / n)
    }

    static func erlangA(_ model: QueueModel, agents: Int, patience: Seconds, target: Seconds, definition: ServiceLevelDefinition) -> StaffingFigures {
        let lambda = model.arrivalRate
        let mu = 1 / model.meanHandleTime
        let theta = 1 / patience
        guard agents > 0 else {
            return StaffingFigures(agents: 0, probabilityOfWaiting: 1, serviceLevel: 0, averageSpeedOfAnswer: .nan, abandonRate: 1, occupancy: 0)
        }
        let x = Double(agents) * mu / theta
        let y = lambda / theta
        let logP0 = logGammaP(x, y)  // log P(x, y)
        let logS = y - x * log(y) + lgamma(x + 1) + logP0
        let pWait = 1 / (1 + exp(logFreeOverBusy(agents: agents, load: lambda / mu) - logS))
        let pImmediate = 1 - pWait
        // P(x+1, z) ÷ P(x, y) for the served-within terms, kept in logs.
        func servedShare(within z: Double) -> Double { x / y * gammaPDifference(x + 1, from: z, to: y, over: logP0) }
        let servedIfWaited = x / y * exp(logGammaP(x + 1, y) - logP0)
        let answered = pImmediate + pWait * servedIfWaited
        let abandonRate = pWait * (1 - servedIfWaited)
        let decay = exp(-theta * target)
        let answeredWithin = pImmediate + pWait * servedShare(within: y * decay)

        let serviceLevel: Double
        switch definition {
        case .offered:
            serviceLevel = answeredWithin
        case .answered:
            serviceLevel = answered > 0 ? answeredWithin / answered : 0
        case .shortAbandonsExcluded:
            // Abandoned within s, given a wait: ∫ P(x, y c) dc over c ∈ [e^−θs, 1] ÷ P(x, y),
            // with ∫ P(x, z) dz = z P(x, z) − x P(x+1, z).
            let c0 = exp(-theta * ServiceLevelDefinition.shortAbandon)
            func primitive(_ z: Double) -> Double { z * exp(logGammaP(x, z)) - x * exp(logGammaP(x + 1, z)) }
            let shortIfWaited = max(0, (primitive(y) - primitive(y * c0)) / (y * exp(logP0)))
            serviceLevel = answeredWithin / max(1e-300, 1 - pWait * shortIfWaited)
        case .virtual:
            serviceLevel = 1 - pWait * exp(logGammaP(x, y * decay) - logP0)
        }
        let waitIfServed = meanWaitOfServed(x: x, y: y, theta: theta)  // E[W; served | waited]
        return StaffingFigures(
            agents: agents, probabilityOfWaiting: pWait, serviceLevel: min(1, max(0, serviceLevel)),
            averageSpeedOfAnswer: answered > 0 ? pWait * waitIfServed / answered : 0,
            abandonRate: min(1, max(0, abandonRate)), occupancy: min(1, lambda * answered * model.meanHandleTime / Double(agents)))
    }

    /// E[W · 1{served}] for a customer who finds every agent busy: Σ_j w_j · x/(x+j+1) ·
    /// (ψ(x+j+2) − ψ(x+1))/θ, with w_j ∝ y^j/(x+1)…(x+j) the chance of finding j ahead.
    /// Only the terms within 1e-18 of the largest are summed.
    static func meanWaitOfServed(x: Double, y: Double, theta: Double) -> Double {
        let peak = max(0, (y - x).rounded(.down))
        let peakIndex = Int(min(peak, 1e12))
        var total = 0.0, weighted = 0.0
        // Upwards from the peak.
        var logTerm = 0.0
        var harmonic = digamma(x + Double(peakIndex) + 2) - digamma(x + 1)
        var j = peakIndex
        while true {
            let w = exp(logTerm)
            total += w
            weighted += w * x / (x + Double(j) + 1) * harmonic
            if w < 1e-18 && j > peakIndex { break }
            logTerm += log(y) - log(x + Double(j) + 1)
            j += 1
            harmonic += 1 / (x + Double(j) + 1)
            if j - peakIndex > 100_000_000 { break }
        }
        // Downwards from the peak.
        logTerm = 0
        harmonic = digamma(x + Double(peakIndex) + 2) - digamma(x + 1)
        j = peakIndex
        while j > 0 {
            logTerm -= log(y) - log(x + Double(j))
            harmonic -= 1 / (x + Double(j) + 1)
            j -= 1
            let w = exp(logTerm)
            total += w
            weighted += w * x / (x + Double(j) + 1) * harmonic
            if w < 1e-18 { break }
        }
        return weighted / total / theta
    }

    /// (P(a, to) − P(a, from)) ÷ e^logDivisor, for from ≤ to, computed on whichever side (P or
    /// Q = 1 − P) keeps its digits.
    static func gammaPDifference(_ a: Double, from: Double, to: Double, over logDivisor: Double) -> Double {
        guard to > from else { return 0 }
        if from >= a + 1 {
            return max(0, exp(logGammaQ(a, from) - logDivisor) - exp(logGammaQ(a, to) - logDivisor))
        }
        return max(0, exp(logGammaP(a, to) - logDivisor) - exp(logGammaP(a, from) - logDivisor))
    }

    // MARK: - Special functions

    /// log P(a, z), the regularized lower incomplete gamma function, for a > 0, z ≥ 0.
    static func logGammaP(_ a: Double, _ z: Double) -> Double {
        if z <= 0 { return -.infinity }
        if z < a + 1 { return logGammaSeries(a, z) }
        return log1p(-exp(logGammaContinuedFraction(a, z)))
    }

    /// log Q(a, z) = log(1 − P(a, z)).
    static func logGammaQ(_ a: Double, _ z: Double) -> Double {
        if z <= 0 { return 0 }
        if z < a + 1 { return log1p(-exp(logGammaSeries(a, z))) }
        return logGammaContinuedFraction(a, z)
    }

    /// log P(a, z) by its series (A&S 6.5.29): e^−z z^a/Γ(a+1) · Σ_k z^k/((a+1)…(a+k)).
    /// Converges in O(√a) terms for z near a.
    static func logGammaSeries(_ a: Double, _ z: Double) -> Double {
        var term = 1.0, sum = 1.0, k = 1.0
        while true {
            term *= z / (a + k)
            sum += term
            if term < sum * 1e-17 || k > 1e9 { break }
            k += 1
        }
        return -z + a * log(z) - lgamma(a + 1) + log(sum)
    }

    /// log Q(a, z) by its continued fraction (A&S 6.5.31), evaluated by the modified Lentz
    /// method; for z ≥ a + 1.
    static func logGammaContinuedFraction(_ a: Double, _ z: Double) -> Double {
        let tiny = 1e-300
        var b = z + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        var i = 1.0
        while i < 1e9 {
            let an = -i * (i - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-15 { break }
            i += 1
        }
        return -z + a * log(z) - lgamma(a) + log(h)
    }

    /// The digamma function ψ(z) for z > 0: recurrence up to z ≥ 10, then its asymptotic series.
    static func digamma(_ z: Double) -> Double {
        var z = z, result = 0.0
        while z < 10 {
            result -= 1 / z
            z += 1
        }
        let r = 1 / (z * z)
        return result + log(z) - 0.5 / z - r * (1.0 / 12 - r * (1.0 / 120 - r * (1.0 / 252 - r * (1.0 / 240 - r / 132))))
    }

    // MARK: - Required agents

    /// The fewest agents that meet the goal (and, with `maxAbandon`, abandon no more than it):
    /// nil when no number of agents up to `maximumAgents` does. Service level grows and
    /// abandonment falls with agents, so an exponential search brackets the answer and a
    /// binary search finds it.
    public static func requiredAgents(_ model: QueueModel, target: Seconds, goal: Double, definition: ServiceLevelDefinition = .offered,
                                      maxAbandon: Double? = nil) -> Int? {
        func meets(_ agents: Int) -> Bool {
            let f = figures(model, agents: agents, target: target, definition: definition)
            return f.serviceLevel >= goal && (maxAbandon.map { f.abandonRate <= $0 } ?? true)
        }
        guard goal < 1 else { return nil }  // with random arrivals some contact always waits
        // With patience, some customer always hangs up while every agent is busy: no cap of 0 is met.
        if let maxAbandon, maxAbandon <= 0, model.meanPatience != nil { return nil }
        guard model.load.isFinite, model.load < Double(maximumAgents) else { return nil }
        // Erlang C needs more agents than the load.
        let lowest = model.meanPatience == nil ? max(1, Int(model.load.rounded(.down)) + 1) : 1
        guard lowest <= maximumAgents else { return nil }
        var low = lowest - 1  // fails (or nothing below `lowest`)
        var step = 1
        var high = lowest
        while !meets(high) {
            low = high
            guard high < maximumAgents else { return nil }
            high = min(maximumAgents, high + step)
            step *= 2
        }
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if meets(middle) { high = middle } else { low = middle }
        }
        return high
    }

    /// The largest staffing `requiredAgents` looks at: a billion agents.
    public static let maximumAgents = 1_000_000_000
}
