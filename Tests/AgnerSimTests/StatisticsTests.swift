import Testing
@testable import AgnerSim

@Suite("Intervals and their levels")
struct StatisticsTests {
    @Test("Student's t quantiles agree with the printed table and with published values at other levels")
    func studentQuantiles() {
        for df in 1...30 {
            #expect(abs(StudentT.quantile(0.975, degreesOfFreedom: df) - Estimate.tQuantile975(degreesOfFreedom: df)) < 1e-3, "df \(df)")
        }
        // Abramowitz and Stegun, table 26.10.
        #expect(abs(StudentT.quantile(0.995, degreesOfFreedom: 10) - 3.169) < 1e-3)
        #expect(abs(StudentT.quantile(0.999, degreesOfFreedom: 10) - 4.144) < 1e-3)
        #expect(abs(StudentT.quantile(0.9995, degreesOfFreedom: 5) - 6.869) < 1e-3)
        #expect(abs(StudentT.quantile(0.025, degreesOfFreedom: 9) + 2.262) < 1e-3)
        #expect(abs(StudentT.cumulative(0, degreesOfFreedom: 7) - 0.5) < 1e-12)
    }

    @Test("a check judged with its family: a miss at 95 % that chance explains passes, a wrong value fails")
    func familyOfChecks() {
        // Ten replications, mean 0.59, 95 % half-width 0.003: 0.5875 is just outside.
        let simulated = Estimate(mean: 0.5906, halfWidth: 0.0030, range: Estimate.share)
        let nearMiss = Validation.Check(metric: "P(wait)", analytic: 0.5875, simulated: simulated, allowedHalfWidth: 0.01, replications: 10)
        #expect(!nearMiss.inside)
        #expect(nearMiss.passed(amongChecks: 37))
        let wrong = Validation.Check(metric: "P(wait)", analytic: 0.57, simulated: simulated, allowedHalfWidth: 0.01, replications: 10)
        #expect(!wrong.passed(amongChecks: 37))
        // One check alone is judged at 95 %.
        #expect(!nearMiss.passed(amongChecks: 1))
    }
}
