import AgnerCore
import Foundation

/// The least staffing that keeps every promise: the fewest agents (or the least cost) per agent
/// group, or per group and interval of the day, whose simulated service level meets every
/// channel's goal and whose abandonment stays within a cap (`agner optimise`).
///
/// **Method.** Marginal analysis with common random numbers, a local search over integer
/// staffing vectors in the manner of the simulation-based staffing heuristics of Cezik and
/// L'Ecuyer ("Staffing multiskill call centers via linear programming and simulation",
/// *Management Science* 54(2), 2008, §5: add agents where the constraints fail, then remove
/// agents while they hold) and of Atlason, Epelman and Henderson ("Call center staffing with
/// simulation and cutting plane methods", *Annals of Operations Research* 127, 2004, whose
/// per-period service-level constraints and finite differences under common random numbers the
/// per-interval search follows):
///
/// 1. **Start** from the Erlang requirements (`IntradayRequirements`): per channel, the agent-hours
///    Erlang C/A asks for over the agent-hours on duty today; each group is scaled by the largest
///    ratio among the channels it serves (per interval of the day with `.interval`).
/// 2. **Goals that staffing cannot meet** are found first: a goal missed even with every group
///    doubled (say e-mail's 8-hour promise for mail that arrives after closing) is set aside and
///    reported, so that the search does not add agents for nothing.
/// 3. **Add** while some goal is not met: every one-agent increase of a group that serves a
///    failing channel is simulated, all with the same random numbers, and the one that closes
///    the most shortfall per unit of cost is taken.
/// 4. **Remove** while possible: every one-agent decrease is simulated, and the cheapest-saving
///    one that keeps every goal is taken; the search ends when no single agent can go.
/// 5. **Confirm** the answer with independent random numbers (the next seed), since the search
///    chose it among many on one set of numbers.
///
/// A goal counts as met only when its 95 % interval clears it: the service level's lower bound
/// at or above the goal, the abandon rate's upper bound at or below the cap.
///
/// **Limits.** The answer is a local optimum: no single agent can be added usefully or removed
/// safely, but a move of several agents at once might do better (with overlapping skills the
/// problem is a non-convex integer program; Cezik and L'Ecuyer's cutting planes give bounds this
/// search does not). Every judgement is statistical: with few replications the intervals are
/// wide and the answer conservative (it may need an agent more than the true optimum); a goal
/// whose interval straddles it counts as missed. Per interval (`.interval`) the agents of the
/// same interval of every working day are equal, the groups' shifts and breaks are set aside
/// (the profile counts agents on duty), and intervals are improved together: each combined step
/// is checked by a simulation and undone where it fails.
public struct StaffingSearch: Sendable {
    public enum Granularity: String, Sendable, CaseIterable {
        /// One count per agent group.
        case group
        /// One count per agent group and interval of the day.
        case interval
    }

    public enum Objective: String, Sendable, CaseIterable {
        /// The fewest agents (per interval: the fewest agent-intervals on duty).
        case agents
        /// The least agent cost (`costs.agentHour`, with the extended-hours premium).
        case cost
    }

    public struct Settings: Sendable {
        public var granularity: Granularity
        public var objective: Objective
        /// Most abandoned ÷ offered on each real-time channel (0–1); nil: no cap.
        public var maxAbandon: Double?
        /// Most evaluations (simulations of one staffing, each of `replications` replications).
        public var budget: Int
        public var replications: Int
        public var seed: UInt64?
        public var days: Int?
        public var threads: Int?

        public init(granularity: Granularity = .group, objective: Objective = .agents, maxAbandon: Double? = nil, budget: Int = 300,
                    replications: Int = 10, seed: UInt64? = nil, days: Int? = nil, threads: Int? = nil) {
            self.granularity = granularity
            self.objective = objective
            self.maxAbandon = maxAbandon
            self.budget = budget
            self.replications = replications
            self.seed = seed
            self.days = days
            self.threads = threads
        }
    }

    /// A staffing: per group, one count (`.group`) or one count per interval of the day.
    public struct Staffing: Hashable, Sendable {
        public var counts: [[Int]]

        public init(_ counts: [[Int]]) { self.counts = counts }

        /// Agents (per group) or agent-intervals (per interval).
        public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }
    }

    /// One promise: a channel's service-level goal or its abandonment cap, over the whole run or
    /// in one interval of the day.
    public struct Constraint: Hashable, Sendable {
        public enum Kind: Hashable, Sendable {
            case serviceLevel, abandonment
            /// A goal set aside (no staffing in reach meets it) is held where it is today: the
            /// service level not clearly lower, the abandon rate not clearly higher (the paired
            /// 95 % interval of the difference from today does not lie wholly on the wrong side).
            case serviceLevelNotBelowToday, abandonmentNotAboveToday
        }
        public var channel: Channel
        public var kind: Kind
        /// The interval of the day, or nil for the whole run.
        public var interval: Int?
        /// The goal (service level: at least) or the cap (abandonment: at most).
        public var bound: Double

        /// `phone service level ≥ 80 % at 08:30`, with intervals of `intervalLength` seconds.
        public func label(intervalLength: Seconds) -> String {
            let at = interval.map { " at \(SimulationSummary.clock(Double($0) * intervalLength))" } ?? ""
            switch kind {
            case .serviceLevel: return "\(channel.name) service level ≥ \(Quantities.trim(bound * 100)) %\(at)"
            case .abandonment: return "\(channel.name) abandonment ≤ \(Quantities.trim(bound * 100)) %\(at)"
            case .serviceLevelNotBelowToday: return "\(channel.name) service level not below today's\(at)"
            case .abandonmentNotAboveToday: return "\(channel.name) abandonment not above today's\(at)"
            }
        }
    }

    /// A constraint judged on one evaluation.
    public struct Check: Sendable {
        public var constraint: Constraint
        public var estimate: Estimate
        /// Met only when the 95 % interval clears the bound.
        public var met: Bool
        /// How far the interval is from clearing the bound (0 when met).
        public var shortfall: Double
        /// How far the interval clears the bound (negative when it does not).
        public var margin: Double

        /// Missed by the mean, not only by the interval: for a goal set aside, out of reach
        /// rather than too close to call.
        public var isOutOfReach: Bool {
            constraint.kind == .abandonment ? estimate.mean > constraint.bound : estimate.mean < constraint.bound
        }
    }

    /// What a simulation of one staffing showed.
    public struct Evaluation: Sendable {
        public var staffing: Staffing
        public var checks: [Check]
        public var outcome: SimulationOutcome
        public var feasible: Bool { checks.allSatisfy(\.met) }
        public var shortfall: Double { checks.reduce(0) { $0 + $1.shortfall } }
        public var margin: Double { checks.map(\.margin).min() ?? 0 }
    }

    public struct Result: Sendable {
        public var settings: Settings
        public var scenario: Scenario
        /// Today's staffing (the file's, or the variant's).
        public var today: Staffing
        public var start: Staffing
        /// The least staffing found that meets every constraint kept, or nil when none was found
        /// within the budget.
        public var best: Evaluation?
        public var todayEvaluation: Evaluation
        public var startEvaluation: Evaluation
        /// The constraints searched for.
        public var constraints: [Constraint]
        /// Constraints missed even with every group doubled, with what that staffing reached.
        public var setAside: [Check]
        /// The answer simulated with independent random numbers (the next seed).
        public var confirmation: Evaluation?
        public var evaluations: Int
        /// Why the search stopped.
        public var stop: String
        /// Cost of one unit of each group's staffing (per agent, or per agent and interval).
        public var unitCosts: [[Double]]
    }

    public enum Failure: Error, CustomStringConvertible {
        case invalid(String)
        case simulation(Simulator.Failure)

        public var description: String {
            switch self {
            case let .invalid(message): message
            case let .simulation(failure): failure.description
            }
        }
    }

    let base: Scenario
    let settings: Settings
    let intervalsPerDay: Int
    var cache: [Staffing: Evaluation] = [:]
    var evaluations = 0
    var constraints: [Constraint] = []
    /// Per floor constraint (a goal set aside), today's value in each replication.
    var baselines: [Constraint: [Double]] = [:]
    /// Per group: the channels it serves.
    let serves: [[Channel]]
    /// Per group and unit (one unit per group, or per interval): whether the unit may hold agents.
    let domain: [[Bool]]
    let unitCosts: [[Double]]

    /// - Throws: `Failure.invalid` for settings out of range (fewer than 2 replications: a goal
    ///   needs an interval), `--cost` without an hourly cost, a scenario with no agent group, or
    ///   a search per group over a group with a staffing profile.
    public init(scenario: Scenario, settings: Settings) throws(Failure) {
        guard settings.replications >= 2 else { throw .invalid("a goal is judged by its 95 % interval, which needs at least 2 replications per evaluation (10 is a good start)") }
        guard settings.budget >= 3 else { throw .invalid("the budget must allow at least 3 evaluations") }
        if let cap = settings.maxAbandon, !(0...1).contains(cap) { throw .invalid("the abandonment cap must be 0–100 %") }
        if settings.objective == .cost, scenario.costs.agentHour <= 0 {
            throw .invalid("--cost needs the scenario's costs.agentHour (it is 0); without it the least cost is the fewest agents")
        }
        guard !scenario.agentGroups.isEmpty else { throw .invalid("the scenario has no agent group") }
        if settings.granularity == .group, let profiled = scenario.agentGroups.first(where: { $0.staffing != nil }) {
            throw .invalid("agent group '\(profiled.name)' gives a staffing profile, which a count per group cannot change; optimise it with --by interval")
        }
        base = scenario
        self.settings = settings
        intervalsPerDay = scenario.run.intervalsPerDay
        serves = scenario.agentGroups.map { group in Channel.allCases.filter { group.capacity[$0] > 0 } }
        let perDay = scenario.run.intervalsPerDay
        switch settings.granularity {
        case .group:
            domain = scenario.agentGroups.map { _ in [true] }
        case .interval:
            // A group may be on duty in an interval when the center is open then on a day it works.
            domain = scenario.agentGroups.map { group in
                (0..<perDay).map { interval in
                    let start = Double(interval) * scenario.run.interval
                    return (0..<min(7, scenario.run.days)).contains { day in
                        let weekday = scenario.run.weekday(ofDay: day)
                        guard group.days.contains(weekday), let window = scenario.hours.window(weekday: weekday, day: day) else { return false }
                        return window.contains(start)
                    }
                }
            }
        }
        unitCosts = Self.unitCosts(scenario, granularity: settings.granularity, objective: settings.objective)
    }

    // MARK: - Searching

    /// Runs the search. - Throws: `Failure.simulation` when a simulation fails (an overloaded
    /// center: the start staffing far too low for the demand).
    public mutating func run(progress: (@Sendable (String) -> Void)? = nil) throws(Failure) -> Result {
        let today = currentStaffing()
        let start = erlangStart()
        constraints = makeConstraints()
        let doubled = Staffing(zip(start.counts, today.counts).map { pair in
            zip(pair.0, pair.1).map { max(2 * $0, 2 * $1, $0 + 1) }
        }.enumerated().map { group, counts in counts.enumerated().map { domain[group][$0] ? $1 : 0 } })
        let first: [Evaluation]
        do { first = try evaluate([today, start, doubled], keepDetail: true) } catch {
            // Today's staffing, the start or its double, simulated before the search can begin.
            throw .invalid("today's staffing, the Erlang start or the start doubled could not be simulated: \(error.description); "
                + "give the groups more agents, or start from a variant that has them (--variant)")
        }
        // Per interval, today's staffing is searched as a profile of agents on duty; today as
        // scheduled (shifts, breaks) is what the answer is compared with and set-aside goals are
        // held to, on the same random numbers.
        let scheduled = settings.granularity == .interval ? try evaluateAsScheduled(today) : nil
        // Goals that even the doubled staffing misses are set aside.
        let setAside = first[2].checks.filter { !$0.met }
        let kept = Set(constraints).subtracting(setAside.map(\.constraint))
        var floors: [Constraint] = []
        for check in setAside {
            var floor = check.constraint
            floor.kind = check.constraint.kind == .serviceLevel ? .serviceLevelNotBelowToday : .abandonmentNotAboveToday
            floor.bound = 0
            baselines[floor] = values(of: check.constraint, in: (scheduled ?? first[0]).outcome)
            floors.append(floor)
        }
        constraints = constraints.filter { kept.contains($0) } + floors
        cache = cache.mapValues { evaluation in
            var judged = judge(evaluation.staffing, evaluation.outcome)
            judged.outcome = Self.withoutDetail(judged.outcome)
            return judged
        }
        let todayEvaluation = scheduled.map { evaluation in
            var judged = judge(today, evaluation.outcome)
            judged.outcome = Self.withoutDetail(judged.outcome)
            return judged
        } ?? cache[today]!
        let startEvaluation = cache[start]!
        var current = startEvaluation
        var stop = ""
        var best: Evaluation? = current.feasible ? current : nil
        progress?("start: \(current.staffing.total) \(unitName), \(current.feasible ? "meets" : "misses") the goals")

        switch settings.granularity {
        case .group:
            (current, stop) = try addByGroup(from: current, progress: progress)
            if current.feasible {
                best = current
                (current, stop) = try removeByGroup(from: current, progress: progress)
                best = current
            }
        case .interval:
            (current, stop) = try addByInterval(from: current, progress: progress)
            if current.feasible {
                best = current
                (current, stop) = try removeByInterval(from: current, progress: progress)
                best = current
            }
        }
        // The search did not get to a staffing that keeps every goal, but today's does: it is
        // the answer, no worse than what the center has.
        if best == nil, todayEvaluation.feasible {
            best = todayEvaluation
            stop += "; today's staffing keeps every goal, so it is the answer"
        }
        var confirmation: Evaluation? = nil
        if let best, evaluations < settings.budget {
            let seed = (settings.seed ?? base.run.seed) &+ 1
            confirmation = try evaluate([best.staffing], seed: seed).first
        }
        return Result(settings: settings, scenario: base, today: today, start: start, best: best, todayEvaluation: todayEvaluation,
                      startEvaluation: startEvaluation, constraints: constraints, setAside: setAside, confirmation: confirmation,
                      evaluations: evaluations, stop: stop, unitCosts: unitCosts)
    }

    var unitName: String { settings.granularity == .group ? "agents" : "agent-intervals" }

    func cost(_ staffing: Staffing) -> Double {
        var total = 0.0
        for (group, counts) in staffing.counts.enumerated() {
            for (unit, count) in counts.enumerated() { total += Double(count) * unitCosts[group][unit] }
        }
        return total
    }

    /// Adds agents to the group whose one-agent increase closed the most shortfall per unit of
    /// cost. While far from the goals it adds as many as that gain says are missing (at most
    /// three at a time: gains shrink as agents are added, so this stays below what is needed).
    mutating func addByGroup(from start: Evaluation, progress: (@Sendable (String) -> Void)?) throws(Failure) -> (Evaluation, String) {
        var current = start
        // Each constraint's shortfall counts as the share of its gap at the start that remains,
        // so that a goal missed by many points does not drown one missed by a few.
        let scale = Dictionary(start.checks.map { ($0.constraint, max($0.shortfall, 0.001)) }, uniquingKeysWith: { a, _ in a })
        func gap(_ evaluation: Evaluation) -> Double {
            evaluation.checks.reduce(0) { $0 + $1.shortfall / (scale[$1.constraint] ?? 0.001) }
        }
        while !current.feasible {
            let failing = Set(current.checks.filter { !$0.met }.map(\.constraint.channel))
            let groups = base.agentGroups.indices.filter { group in serves[group].contains { failing.contains($0) } }
            guard !groups.isEmpty else { return (current, "no group serves the channels that miss their goals") }
            guard evaluations + groups.count + 1 <= settings.budget else { return (current, "the budget ran out before every goal was met") }
            let candidates = groups.map { group in
                var counts = current.staffing.counts
                counts[group][0] += 1
                return Staffing(counts)
            }
            let results = try evaluate(candidates)
            var chosen = 0
            var bestScore = -Double.infinity
            for (index, result) in results.enumerated() {
                let gain = gap(current) - gap(result)
                let score = gain / max(1e-9, unitCosts[groups[index]][0])
                if score > bestScore { bestScore = score; chosen = index }
            }
            let gain = gap(current) - gap(results[chosen])
            let steps = gain > 0 ? max(1, min(3, Int(gap(current) / gain))) : 1
            if steps > 1 {
                var counts = current.staffing.counts
                counts[groups[chosen]][0] += steps
                current = try evaluate([Staffing(counts)])[0]
            } else {
                current = results[chosen]
            }
            progress?("added \(steps) to \(base.agentGroups[groups[chosen]].name): \(current.staffing.total) agents, shortfall \(Quantities.trim(current.shortfall * 100)) points")
        }
        return (current, "")
    }

    /// Removes agents, the largest saving first, while every goal holds: every one-agent
    /// decrease is simulated; all those that held are then tried together, and if the
    /// combination fails, the single one with the largest saving is taken.
    mutating func removeByGroup(from start: Evaluation, progress: (@Sendable (String) -> Void)?) throws(Failure) -> (Evaluation, String) {
        var current = start
        while true {
            let groups = base.agentGroups.indices.filter { current.staffing.counts[$0][0] > 0 }
            guard !groups.isEmpty else { return (current, "no agent left to remove") }
            guard evaluations + groups.count <= settings.budget else { return (current, "the budget ran out while removing agents") }
            let candidates = groups.map { group in
                var counts = current.staffing.counts
                counts[group][0] -= 1
                return Staffing(counts)
            }
            let results = try evaluate(candidates)
            let held = results.indices.filter { results[$0].feasible }.sorted { a, b in
                let sa = unitCosts[groups[a]][0], sb = unitCosts[groups[b]][0]
                if abs(sa - sb) > 1e-9 { return sa > sb }
                if results[a].margin != results[b].margin { return results[a].margin > results[b].margin }
                return a < b
            }
            guard let best = held.first else { return (current, "no single agent can be removed without missing a goal") }
            if held.count > 1, evaluations < settings.budget {
                var counts = current.staffing.counts
                for index in held { counts[groups[index]][0] -= 1 }
                let combined = try evaluate([Staffing(counts)])[0]
                if combined.feasible {
                    current = combined
                    progress?("removed one from each of \(held.count) groups: \(current.staffing.total) agents")
                    continue
                }
            }
            current = results[best]
            progress?("removed one from \(base.agentGroups[groups[best]].name): \(current.staffing.total) agents")
        }
    }

    /// Per interval: in every failing interval, adds one agent of the group whose addition
    /// closed that interval's shortfall most per unit of cost (each group tried in all failing
    /// intervals at once), then checks the combination.
    mutating func addByInterval(from start: Evaluation, progress: (@Sendable (String) -> Void)?) throws(Failure) -> (Evaluation, String) {
        var current = start
        while !current.feasible {
            let failing = current.checks.filter { !$0.met }
            // Per interval, the channels that fail there (whole-run constraints fail everywhere the channel is served).
            var failingAt: [Int: Set<Channel>] = [:]
            for check in failing {
                if let interval = check.constraint.interval {
                    failingAt[interval, default: []].insert(check.constraint.channel)
                } else {
                    for interval in 0..<intervalsPerDay { failingAt[interval, default: []].insert(check.constraint.channel) }
                }
            }
            var candidates: [Staffing] = []
            var candidateGroups: [Int] = []
            for group in base.agentGroups.indices {
                var counts = current.staffing.counts
                var changed = false
                for (interval, channels) in failingAt where domain[group][interval] && serves[group].contains(where: channels.contains) {
                    counts[group][interval] += 1
                    changed = true
                }
                if changed { candidates.append(Staffing(counts)); candidateGroups.append(group) }
            }
            guard !candidates.isEmpty else { return (current, "no group may work the intervals that miss their goals") }
            guard evaluations + candidates.count + 1 <= settings.budget else { return (current, "the budget ran out before every goal was met") }
            let results = try evaluate(candidates)
            var combined = current.staffing.counts
            for interval in failingAt.keys.sorted() {
                let before = shortfall(current, at: interval)
                var chosen: Int? = nil
                var bestScore = -Double.infinity
                for (index, group) in candidateGroups.enumerated() where results[index].staffing.counts[group][interval] > current.staffing.counts[group][interval] {
                    let score = (before - shortfall(results[index], at: interval)) / max(1e-9, unitCosts[group][interval])
                    if score > bestScore { bestScore = score; chosen = group }
                }
                if let chosen { combined[chosen][interval] += 1 }
            }
            guard Staffing(combined) != current.staffing else { return (current, "no addition helps the intervals that miss their goals") }
            current = try evaluate([Staffing(combined)])[0]
            progress?("added agents in \(failingAt.count) intervals: \(current.staffing.total) agent-intervals, shortfall \(Quantities.trim(current.shortfall * 100)) points")
        }
        return (current, "")
    }

    /// Per interval: tries one agent less of each group in every interval that has slack, keeps
    /// per interval the largest saving that held there, checks the combination, and undoes the
    /// removals around intervals that then fail.
    mutating func removeByInterval(from start: Evaluation, progress: (@Sendable (String) -> Void)?) throws(Failure) -> (Evaluation, String) {
        var current = start
        var refused = Set<[Int]>()  // (group, interval, count) removals that failed in a combination
        while true {
            var candidates: [Staffing] = []
            var candidateGroups: [Int] = []
            for group in base.agentGroups.indices {
                var counts = current.staffing.counts
                var changed = false
                for interval in 0..<intervalsPerDay where counts[group][interval] > 0 && !refused.contains([group, interval, counts[group][interval]]) {
                    counts[group][interval] -= 1
                    changed = true
                }
                if changed { candidates.append(Staffing(counts)); candidateGroups.append(group) }
            }
            guard !candidates.isEmpty else { return (current, "no agent left to remove") }
            guard evaluations + candidates.count + 1 <= settings.budget else { return (current, "the budget ran out while removing agents") }
            let results = try evaluate(candidates)
            var combined = current.staffing.counts
            var removed: [(group: Int, interval: Int)] = []
            for interval in 0..<intervalsPerDay {
                var chosen: Int? = nil
                for (index, group) in candidateGroups.enumerated()
                where results[index].staffing.counts[group][interval] < current.staffing.counts[group][interval] && holds(results[index], around: interval) {
                    guard let best = chosen else { chosen = group; continue }
                    if unitCosts[group][interval] > unitCosts[best][interval] + 1e-9 { chosen = group }
                }
                if let chosen {
                    combined[chosen][interval] -= 1
                    removed.append((chosen, interval))
                }
            }
            if removed.isEmpty {
                // Nothing held on its own: every tried removal is refused at its level.
                for (index, group) in candidateGroups.enumerated() {
                    for interval in 0..<intervalsPerDay where results[index].staffing.counts[group][interval] < current.staffing.counts[group][interval] {
                        refused.insert([group, interval, current.staffing.counts[group][interval]])
                    }
                }
                return (current, "no single agent can be removed in any interval without missing a goal")
            }
            // Check the combination; undo removals next to intervals that fail, until it holds.
            while !removed.isEmpty {
                guard evaluations < settings.budget else { return (current, "the budget ran out while removing agents") }
                let result = try evaluate([Staffing(combined)])[0]
                if result.feasible {
                    current = result
                    progress?("removed \(removed.count) agent-intervals: \(current.staffing.total) agent-intervals")
                    break
                }
                let failing = Set(result.checks.filter { !$0.met }.flatMap { check in
                    check.constraint.interval.map { [$0, $0 - 1] } ?? Array(0..<intervalsPerDay)
                })
                var kept: [(group: Int, interval: Int)] = []
                for removal in removed {
                    if failing.contains(removal.interval) {
                        combined[removal.group][removal.interval] += 1
                        refused.insert([removal.group, removal.interval, combined[removal.group][removal.interval]])
                    } else {
                        kept.append(removal)
                    }
                }
                if kept.count == removed.count {
                    // The failure is not next to any removal: undo them all.
                    for removal in kept {
                        combined[removal.group][removal.interval] += 1
                        refused.insert([removal.group, removal.interval, combined[removal.group][removal.interval]])
                    }
                    kept = []
                }
                removed = kept
            }
        }
    }

    /// The shortfall of the constraints of one interval (and of the whole-run ones).
    func shortfall(_ evaluation: Evaluation, at interval: Int) -> Double {
        evaluation.checks.reduce(0) { $0 + (($1.constraint.interval ?? interval) == interval ? $1.shortfall : 0) }
    }

    /// Whether the constraints of `interval`, the next one and the whole run hold.
    func holds(_ evaluation: Evaluation, around interval: Int) -> Bool {
        evaluation.checks.allSatisfy { check in
            guard let at = check.constraint.interval else { return check.met }
            return (at != interval && at != interval + 1) || check.met
        }
    }

    // MARK: - Evaluating

    /// Simulates staffings not seen before (all in one batch, with the same random numbers),
    /// counting each as one evaluation.
    /// - Parameter keepDetail: keep each replication's per-interval and per-agent tallies
    ///   (otherwise let go once judged: a long search would hold hundreds of megabytes).
    mutating func evaluate(_ staffings: [Staffing], seed: UInt64? = nil, keepDetail: Bool = false) throws(Failure) -> [Evaluation] {
        let fresh = seed != nil ? staffings : Array(Set(staffings.filter { cache[$0] == nil })).sorted { $0.counts.lexicographicallyPrecedes($1.counts) { $0.lexicographicallyPrecedes($1) } }
        if !fresh.isEmpty {
            var scenarios: [Scenario] = []
            for staffing in fresh {
                do { scenarios.append(try scenario(with: staffing)) } catch { throw .invalid(error.description) }
            }
            let options = simulatorOptions(seed: seed)
            let outcomes: [SimulationOutcome]
            do { outcomes = try Simulator.runBatch(scenarios, options: options) } catch { throw .simulation(error) }
            evaluations += fresh.count
            if seed != nil {
                return zip(fresh, outcomes).map { judge($0, $1) }
            }
            for (staffing, outcome) in zip(fresh, outcomes) {
                var evaluation = judge(staffing, outcome)
                if !keepDetail { evaluation.outcome = Self.withoutDetail(outcome) }
                cache[staffing] = evaluation
            }
        }
        return staffings.map { cache[$0]! }
    }

    /// Every evaluation's replications, days and threads; `seed` nil: the search's own.
    func simulatorOptions(seed: UInt64?) -> Simulator.Options {
        Simulator.Options(replications: settings.replications, seed: seed ?? settings.seed, days: settings.days, threads: settings.threads)
    }

    /// The scenario as it is (its shifts and breaks), simulated like any evaluation: per
    /// interval, the staffing searched is a profile of agents on duty, which only approximates
    /// the schedule it stands for.
    mutating func evaluateAsScheduled(_ today: Staffing) throws(Failure) -> Evaluation {
        let outcome: SimulationOutcome
        do { outcome = try Simulator.run(base, options: simulatorOptions(seed: nil)) } catch { throw .simulation(error) }
        evaluations += 1
        return judge(today, outcome)
    }

    /// The outcome without the per-interval and per-agent tallies of its replications: what the
    /// reports need (every figure of `SimulationOutcome.figures()`) and no more.
    static func withoutDetail(_ outcome: SimulationOutcome) -> SimulationOutcome {
        var light = outcome
        for index in light.replications.indices {
            light.replications[index].intervals = []
            light.replications[index].intervalWorkload = []
            light.replications[index].agents = []
        }
        return light
    }

    func judge(_ staffing: Staffing, _ outcome: SimulationOutcome) -> Evaluation {
        var checks: [Check] = []
        for constraint in constraints {
            let figures = values(of: constraint, in: outcome)
            if let baseline = baselines[constraint] {
                // Paired with today's replications (the same customers): the difference.
                let differences = zip(figures, baseline).map { $0 - $1 }
                checks.append(Self.check(constraint, Estimate(differences)))
            } else {
                checks.append(Self.check(constraint, Estimate(figures, range: Estimate.share)))
            }
        }
        return Evaluation(staffing: staffing, checks: checks, outcome: outcome)
    }

    /// The constraint's figure in each replication: the service level or abandon rate of its
    /// channel, over the run or over one interval of the day (pooled over the days).
    func values(of constraint: Constraint, in outcome: SimulationOutcome) -> [Double] {
        let definition = outcome.scenario.run.serviceLevel
        return outcome.replications.map { result in
            let tally: Tally
            if let interval = constraint.interval {
                var sum = Tally()
                var index = interval
                while index * 4 < result.intervals.count {
                    sum.add(result.intervals[index * 4 + constraint.channel.rawValue])
                    index += intervalsPerDay
                }
                tally = sum
            } else {
                tally = result.channels[constraint.channel.rawValue]
            }
            switch constraint.kind {
            case .serviceLevel, .serviceLevelNotBelowToday: return tally.serviceLevel(definition)
            case .abandonment, .abandonmentNotAboveToday: return tally.abandonRate
            }
        }
    }

    static func check(_ constraint: Constraint, _ estimate: Estimate) -> Check {
        // No contacts in any replication: nothing to promise.
        guard estimate.mean.isFinite else { return Check(constraint: constraint, estimate: estimate, met: true, shortfall: 0, margin: 1) }
        let lower = estimate.lower ?? estimate.mean, upper = estimate.upper ?? estimate.mean
        let margin: Double = switch constraint.kind {
        case .serviceLevel: lower - constraint.bound
        case .abandonment: constraint.bound - upper
        // Not clearly worse than today: the difference's interval reaches the right side of zero.
        case .serviceLevelNotBelowToday: upper
        case .abandonmentNotAboveToday: -lower
        }
        return Check(constraint: constraint, estimate: estimate, met: margin >= 0, shortfall: max(0, -margin), margin: margin)
    }

    func makeConstraints() -> [Constraint] {
        var list: [Constraint] = []
        let perInterval = settings.granularity == .interval
        for channel in base.usedChannels {
            let settingsOfChannel = base.center.channels[channel]
            // Deferred work (e-mail) is judged over the run: its answer may come hours after the interval.
            let intervals: [Int?] = perInterval && channel.isRealTime ? Array(0..<intervalsPerDay) : [nil]
            for interval in intervals {
                if let interval, !arrivals(channel, interval: interval) { continue }
                list.append(Constraint(channel: channel, kind: .serviceLevel, interval: interval, bound: settingsOfChannel.serviceLevelGoal))
                if channel.isRealTime, let cap = settings.maxAbandon {
                    list.append(Constraint(channel: channel, kind: .abandonment, interval: interval, bound: cap))
                }
            }
        }
        return list
    }

    /// Whether contacts of `channel` arrive in `interval` of the day while the center is open on some day.
    func arrivals(_ channel: Channel, interval: Int) -> Bool {
        let start = Double(interval) * base.run.interval
        let open = (0..<min(7, base.run.days)).contains { day in
            let weekday = base.run.weekday(ofDay: day)
            return base.hours.window(weekday: weekday, day: day)?.contains(start) ?? false
        }
        return open && base.demand.contains { $0.channel == channel && $0.ratePerInterval[interval] > 0 }
    }

    // MARK: - Staffings and scenarios

    func currentStaffing() -> Staffing {
        switch settings.granularity {
        case .group:
            return Staffing(base.agentGroups.map { [$0.count] })
        case .interval:
            let onDuty = Self.onDutyByGroup(base)
            return Staffing(onDuty.enumerated().map { group, row in
                row.enumerated().map { domain[group][$0] ? Int($1.rounded()) : 0 }
            })
        }
    }

    /// The scenario with `staffing` in place of the groups' counts (or shifts).
    func scenario(with staffing: Staffing) throws(ScenarioError) -> Scenario {
        var scenario = base
        for (group, counts) in staffing.counts.enumerated() {
            switch settings.granularity {
            case .group:
                scenario.agentGroups[group].count = counts[0]
            case .interval:
                scenario.agentGroups[group].staffing = counts
                scenario.agentGroups[group].count = counts.max() ?? 0
                scenario.agentGroups[group].shift = nil
                scenario.agentGroups[group].breaks = []
            }
        }
        do { scenario.roster = try Roster(groups: scenario.agentGroups.map { ($0.name, $0.count) }) } catch {
            throw ScenarioError(path: [.key("agents")], message: error.description)
        }
        return scenario
    }

    /// The Erlang requirements laid on today's staffing: per channel, the ratio of the agents
    /// Erlang C/A requires to those on duty (per group: the mean of every interval's ratio,
    /// weighted by its requirement; per interval of the day: summed over the days); each group
    /// scaled by the largest ratio among the channels it serves, rounded up.
    ///
    /// A channel that needs agents where today nobody is on duty for it (a group of 0, a shift
    /// that misses its hours) cannot be scaled: there, its largest requirement is shared among
    /// the groups that serve it, so the start never leaves such demand without agents.
    func erlangStart() -> Staffing {
        let rows = IntradayRequirements.rows(base, maxAbandon: settings.maxAbandon)
        let perDay = intervalsPerDay
        // [channel][interval of the day or 0]: required and on duty, summed over days.
        let slots = settings.granularity == .group ? 1 : perDay
        var required = Array(repeating: Array(repeating: 0.0, count: slots), count: Channel.allCases.count)
        var onDuty = required
        // [channel][slot]: the most agents required in an interval where nobody is on duty.
        var requiredUncovered = required
        let clock = (0..<perDay).map { SimulationSummary.clock(Double($0) * base.run.interval) }
        for row in rows {
            guard let channel = Channel(name: row.channel), let needed = row.required, row.model == "erlangA" || row.model == "erlangC",
                  let interval = clock.firstIndex(of: row.start) else { continue }
            let slot = slots == 1 ? 0 : interval
            if row.scheduled <= 0 { requiredUncovered[channel.rawValue][slot] = max(requiredUncovered[channel.rawValue][slot], Double(needed)) }
            if slots == 1 {
                // Per group: the ratio of each interval weighted by its requirement, so that the busy
                // intervals, which a fixed shift must cover, count most.
                guard row.scheduled > 0 else { continue }
                required[channel.rawValue][0] += Double(needed) * Double(needed) / row.scheduled
                onDuty[channel.rawValue][0] += Double(needed)
            } else {
                required[channel.rawValue][interval] += Double(needed)
                onDuty[channel.rawValue][interval] += row.scheduled
            }
        }
        let today = Self.onDutyByGroup(base)
        return Staffing(base.agentGroups.enumerated().map { group, info in
            (0..<slots).map { slot in
                guard domain[group][slot] else { return 0 }
                var ratio = 0.0
                var share = 0.0
                for channel in serves[group] {
                    let c = channel.rawValue
                    if onDuty[c][slot] > 0 { ratio = max(ratio, required[c][slot] / onDuty[c][slot]) }
                    // Per group, only a channel nobody serves at any time today: one whose
                    // shifts miss some of its hours is covered by the search, not the start.
                    if requiredUncovered[c][slot] > 0 && onDuty[c][slot] == 0 {
                        let groups = serves.indices.filter { domain[$0][slot] && serves[$0].contains(channel) }.count
                        share = max(share, requiredUncovered[c][slot] / Double(max(1, groups)))
                    }
                }
                let now = slots == 1 ? Double(info.count) : today[group][slot]
                // Within the roster's limit: a sliver of an agent on duty against a large
                // requirement gives a huge ratio, which must not overflow an Int.
                let agents = min(max(now * ratio, share), Double(DomainLimits.agents.upperBound))
                return Int((agents - 1e-9).rounded(.up))
            }
        })
    }

    /// Mean agents of each group on duty in each interval of the day, over the days it works.
    static func onDutyByGroup(_ scenario: Scenario) -> [[Double]] {
        let perDay = scenario.run.intervalsPerDay
        let length = scenario.run.interval
        return scenario.agentGroups.map { group in
            var sums = Array(repeating: 0.0, count: perDay)
            var days = 0
            for day in 0..<min(7, scenario.run.days) {
                guard let worked = scenario.workedShift(of: group, day: day) else { continue }
                days += 1
                if let staffing = group.staffing {
                    for (interval, agents) in staffing.enumerated() { sums[interval] += Double(agents) }
                    continue
                }
                func add(_ from: Seconds, _ to: Seconds, _ agents: Double) {
                    for interval in 0..<perDay {
                        let start = Double(interval) * length
                        // Time of day, folding a shift past midnight onto the next morning.
                        for offset in [0.0, 86_400] {
                            let overlap = min(to, start + length + offset) - max(from, start + offset)
                            if overlap > 0 { sums[interval] += agents * overlap / length }
                        }
                    }
                }
                add(worked.start, worked.end, Double(group.count))
                for member in 0..<group.count {
                    for rule in group.breaks {
                        guard let planned = rule.span(member: member, of: group.count, in: worked.shift),
                              let span = worked.clip(planned) else { continue }
                        add(span.start, span.end, -1)
                    }
                }
            }
            return sums.map { days > 0 ? $0 / Double(days) : 0 }
        }
    }

    /// The cost of one unit of staffing: per agent of a group (its shifts over the run), or per
    /// agent of a group in one interval of the day (over the days it works); 1 per unit with
    /// `.agents`.
    static func unitCosts(_ scenario: Scenario, granularity: Granularity, objective: Objective) -> [[Double]] {
        let perDay = scenario.run.intervalsPerDay
        let length = scenario.run.interval
        return scenario.agentGroups.map { group in
            guard objective == .cost else { return Array(repeating: 1, count: granularity == .group ? 1 : perDay) }
            switch granularity {
            case .group:
                var total = 0.0
                for day in -1..<scenario.run.days {
                    guard let worked = scenario.workedShift(of: group, day: day) else { continue }
                    let dayStart = Double(day) * 86_400
                    total += scenario.shiftCost(dayStart + worked.start, dayStart + worked.end, dayStart: dayStart)
                }
                return [max(total, 1e-6)]
            case .interval:
                return (0..<perDay).map { interval in
                    var total = 0.0
                    for day in 0..<scenario.run.days where scenario.shift(of: group, day: day) != nil {
                        let start = Double(day) * 86_400 + Double(interval) * length
                        total += scenario.shiftCost(start, start + length, dayStart: Double(day) * 86_400)
                    }
                    return max(total, 1e-6)
                }
            }
        }
    }
}

extension Scenario {
    /// The cost of one agent's time on shift from `start` to `stop` (seconds of the run) after
    /// the warm-up, with the premium for time outside standard hours (of the day the shift
    /// starts and, past midnight, of the next).
    func shiftCost(_ start: Seconds, _ stop: Seconds, dayStart: Seconds) -> Double {
        let from = max(start, run.warmup)
        let to = min(stop, run.duration)
        guard to > from else { return 0 }
        let standard = costs.standardHours
        var inside = 0.0
        for day in [dayStart, dayStart + 86_400] {
            inside += max(0, min(to, day + standard.end) - max(from, day + standard.start))
        }
        let outside = (to - from) - inside
        let hourly = costs.agentHour / 3600
        return hourly * (inside + outside * (1 + costs.extendedHoursPremium))
    }
}
