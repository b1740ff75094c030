import Testing
@testable import AgnerCore
@testable import AgnerSim

/// The figures docs/architecture.md and docs/performance.md give for how many pools the
/// bundled centers' criteria fall into once their agents are added.
@Suite("Pools of the bundled centers")
struct PoolCountTests {
    static func engineWithAgents(_ name: String) throws -> RoutingEngine {
        Replication.startingEngine(for: try ScenarioLoader.load(path: BundledScenarios.path(name)))
    }

    @Test("the retail center's 64 criteria fall into 36 pools, about 13 per agent; the single queue's agents share one pool")
    func bundledCentersSharePools() throws {
        let retail = try Self.engineWithAgents("retail")
        #expect(retail.criteria.count == 64)
        #expect(retail.pools.count == 36)
        var memberships = 0, live = 0
        for slot in retail.agents.indices where retail.agents[slot].live {
            live += 1
            for channel in Channel.allCases { memberships += retail.agentPools.memberships(Int32(slot), channel).count }
        }
        #expect((12...14).contains(memberships / live))
        let single = try Self.engineWithAgents("single-queue")
        // Three distinct criteria per channel (skill at 3, skill at 1, anyone), one pool each.
        #expect(single.agentPools.memberships(0, .phone).count == 1)
        #expect(Set(single.topicPools[Channel.phone.rawValue]).count == 1)
        #expect(single.integrityViolation() == nil && retail.integrityViolation() == nil)
    }
}
