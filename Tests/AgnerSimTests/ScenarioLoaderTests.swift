import AgnerCore
import Testing
@testable import AgnerSim

@Suite("Scenario files")
struct ScenarioLoaderTests {
    static let singleQueue = """
        name: single queue
        agents: [{count: 50}]
        demand: [{rate: 9.5/min}]
        handling: {default: 300s}
        patience: {default: 120s}
        """

    @Test("a single M/M/n+M queue takes five lines")
    func singleQueueIsShort() throws {
        let scenario = try ScenarioLoader.load(yaml: Self.singleQueue)
        #expect(scenario.agentGroups.map(\.count) == [50])
        #expect(scenario.demand.count == 1)
        #expect(abs(scenario.demand[0].ratePerInterval[0] - 9.5 / 60) < 1e-12)
        #expect(scenario.handling.standard == .exponential(mean: 300))
        #expect(scenario.patience.distribution(channel: .phone, segment: .regular) == .exponential(mean: 120))
        #expect(scenario.patience.distribution(channel: .email, segment: .regular) == nil)
        #expect(scenario.center.topics.map(\.name) == ["general"])
    }

    static func error(_ yaml: String, variant: String? = nil) -> String {
        do {
            _ = try ScenarioLoader.load(yaml: yaml, variant: variant)
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test("a proficiency out of range names the field path and the line")
    func proficiencyOutOfRange() {
        let yaml = """
            center:
              departments: [billing, sales]
              skills: [billing, orders]
            agents:
              - count: 3
                department: billing
              - count: 2
                department: sales
              - count: 1
                skills:
                  orders: 3
                  billing: 7
            demand: [{rate: 1/min}]
            """
        #expect(Self.error(yaml) == "agents[2].skills.billing: proficiency 7 is outside 1–5 (line 12)")
    }

    @Test("an unknown key is an error with a suggestion, not ignored")
    func unknownKey() {
        let yaml = """
            agents: [{count: 5, departmnt: sales}]
            demand: [{rate: 1/min}]
            """
        #expect(Self.error(yaml) == "agents[0].departmnt: unknown key 'departmnt'; did you mean 'department'? (line 1)")
    }

    @Test("an unknown name points at where it is used")
    func unknownName() {
        let yaml = """
            center:
              skills: [billing]
              topics: [{name: invoice, skills: [biling]}]
            agents: [{count: 5}]
            demand: [{rate: 1/min, topic: invoice}]
            """
        #expect(Self.error(yaml) == "center.topics[0].skills[0]: unknown skill 'biling'; did you mean 'billing'? (line 3)")
    }

    @Test("bad values say what was expected", arguments: [
        ("agents: [{count: 5}]\ndemand: [{rate: 9.5 per minute}]", "demand[0].rate: '9.5 per minute' is not a rate (write e.g. 570/h, 9.5/min, 0.2/s) (line 2)"),
        ("agents: [{count: 5}]\ndemand: [{daily: 100, rate: 1/s}]", "demand[0]: give only one of daily, rate and rates (line 2)"),
        ("agents: [{count: five}]\ndemand: [{rate: 1/s}]", "agents[0].count: expected a whole number from 0 to 100,000 (line 1)"),
        ("agents: [{count: 5}]\ndemand: [{rate: 1/s, segments: {regular: 50%, new: 30%}}]", "demand[0].segments: the segment shares add up to 80 %, not 100 % (line 2)"),
        ("agents: [{count: 5}]\ndemand: [{rate: 1/s}]\nrun: {interval: 20min}", "run.interval: the interval must be 15min, 30min or 1h (line 3)"),
        ("agents: [{count: 5}]\ndemand: [{rate: 1/s}]\nhours: {default: 20:00-08:00}", "hours.default: the window '20:00-08:00' ends before it starts (line 3)"),
        ("agents: [{count: 5}]\ndemand: [{rate: 1/s, channel: fax}]", "demand[0].channel: unknown channel 'fax' (known: phone, chat, email, clickToCall) (line 2)"),
        ("agents: []\ndemand: [{rate: 1/s}]", "agents: a scenario needs at least one agent group (line 1)"),
        ("agents: [{count: 5}\ndemand: [{rate: 1/s}]", "not valid YAML"),
    ])
    func badValues(yaml: String, expected: String) {
        #expect(Self.error(yaml).contains(expected))
    }

    static let withVariants = """
        hours: {default: 08:00-20:00}
        agents:
          - {name: day, count: 10, shift: 08:00-16:00}
          - {name: late, count: 8, shift: 12:00-20:00}
        demand: [{daily: 1000}]
        variants:
          standard: {}
          extended:
            hours: {default: 08:00-22:00}
            agents+:
              - {name: evening, count: 4, shift: 16:00-22:00}
        """

    @Test("a variant overrides parts of the scenario and can append to lists")
    func variantsOverlay() throws {
        let base = try ScenarioLoader.load(yaml: Self.withVariants)
        let extended = try ScenarioLoader.load(yaml: Self.withVariants, variant: "extended")
        #expect(base.variants == ["standard", "extended"])
        #expect(base.hours.days[0] == DailyWindow(start: 8 * 3600, end: 20 * 3600))
        #expect(extended.hours.days[0] == DailyWindow(start: 8 * 3600, end: 22 * 3600))
        #expect(extended.agentGroups.map(\.name) == ["day", "late", "evening"])
        #expect(extended.variant == "extended")
    }

    @Test("an unknown variant lists the known ones")
    func unknownVariant() {
        #expect(Self.error(Self.withVariants, variant: "weekend") == "variants: no variant named 'weekend' (known: standard, extended)")
        #expect(Self.error(Self.withVariants, variant: "extnded") == "variants: no variant named 'extnded' (did you mean 'extended'? known: standard, extended)")
    }

    @Test("a mistake inside a variant is found even when another variant is asked for")
    func variantErrorsFoundEarly() {
        let yaml = Self.withVariants + "\n  broken:\n    agents: [{count: -1}]"
        #expect(Self.error(yaml) == "variant 'broken': agents[0].count: -1 is outside 0–100,000 (line 13)")
    }

    @Test("a typo inside a variant names the variant, the key and the line")
    func variantTypoNamesVariant() {
        let yaml = Self.withVariants + "\n  late:\n    hours: {defualt: \"08:00-23:00\"}"
        #expect(Self.error(yaml, variant: "extended") == "variant 'late': hours.defualt: unknown key 'defualt'; did you mean 'default'? (line 13)")
    }

    @Test("a daily volume follows the intra-day profile and the weekday factor")
    func dailyProfile() throws {
        let yaml = """
            agents: [{count: 5}]
            demand: [{daily: 4800, profile: {"08:00": 1, "12:00": 3, "20:00": 0}, weekdays: {sat: 0.5}}]
            run: {interval: 1h}
            """
        let stream = try ScenarioLoader.load(yaml: yaml).demand[0]
        // 4 hours at weight 1 and 8 hours at weight 3: 28 weight-hours; 4800/28 per weight-hour.
        #expect(stream.ratePerInterval[7] == 0)
        #expect(abs(stream.ratePerInterval[8] * 3600 - 4800.0 / 28) < 1e-9)
        #expect(abs(stream.ratePerInterval[12] * 3600 - 3 * 4800.0 / 28) < 1e-9)
        #expect(abs(stream.ratePerInterval.reduce(0, +) * 3600 - 4800) < 1e-6)
        #expect(stream.weekdayFactor[Weekday.saturday.rawValue] == 0.5)
    }

    @Test("keys are found by their text: merge keys, keys that look like numbers or booleans, and keys a variant or --set adds")
    func keysMatchByText() throws {
        let yaml = """
            agents: [{count: 5}]
            demand:
              - &peak {daily: 1200, profile: {"08:00": 1, "12:00": 3, "20:00": 0}, weekdays: {sat: 0.5}}
              - {<<: *peak, daily: 600}
              - {"<<": *peak, daily: 300}
            run: {interval: 1h}
            variants:
              more:
                agents+: [{count: 2}]
            """
        // The key is YAML 1.1's sexagesimal 720 when typed, a string when quoted: both are found.
        let base = try ScenarioLoader.load(yaml: yaml)
        #expect(abs(base.demand[0].ratePerInterval.reduce(0, +) * 3600 - 1200) < 1e-6)
        #expect(base.demand[0].ratePerInterval[12] > base.demand[0].ratePerInterval[8])
        // The merge key brings the first stream's profile and weekdays to the second.
        #expect(abs(base.demand[1].ratePerInterval.reduce(0, +) * 3600 - 600) < 1e-6)
        #expect(abs(base.demand[1].ratePerInterval[12] * 2 - base.demand[0].ratePerInterval[12]) < 1e-12)
        #expect(base.demand[1].weekdayFactor[Weekday.saturday.rawValue] == 0.5)
        // A quoted "<<" merges too, as it always has here.
        #expect(base.demand[2].weekdayFactor[Weekday.saturday.rawValue] == 0.5)
        #expect(try ScenarioLoader.load(yaml: yaml, variant: "more").agentGroups.map(\.count) == [5, 2])
        // A section the file lacks, added by --set with a key of its own.
        let overridden = try ScenarioLoader.load(yaml: yaml, overrides: [ScenarioOverride(parsing: "hours.sat=closed")])
        #expect(overridden.hours.days[Weekday.saturday.rawValue] == nil)
        #expect(overridden.hours.days[Weekday.friday.rawValue] != nil)
        // Unknown keys are still refused, however they are spelt.
        #expect(Self.error("agents: [{count: 5}]\ndemand: [{rate: 1/min}]\n\"true\": 1") .contains("unknown key 'true'"))
    }

    @Test("a missing file says so")
    func missingFile() {
        #expect(throws: ScenarioError.self) { try ScenarioLoader.load(path: "/nonexistent/scenario.yaml") }
    }
}

extension ScenarioLoaderTests {
    @Test("overlapping breaks of one agent are refused, naming the group and the agent")
    func overlappingBreaks() {
        let yaml = """
            agents:
              - {name: sales, count: 4, shift: "08:00-16:00", breaks: [{at: "12:00", length: 30min}, {at: "12:15", length: 15min}]}
            demand: [{rate: 1/min}]
            """
        #expect(Self.error(yaml) == "agents[0].breaks[1]: in group 'sales', agent sales-1's break 12:15–12:30 overlaps its break 12:00–12:30 (breaks[0]); an agent's breaks must not overlap (line 2)")
    }

    @Test("breaks that a stagger keeps apart are accepted, and a shift may run past midnight")
    func staggeredBreaksAndOvernightShift() throws {
        let scenario = try ScenarioLoader.load(yaml: """
            agents:
              - {name: night, count: 2, shift: "22:00-06:00", breaks: [{at: "00:00", length: 15min}, {at: "03:00", length: 15min}]}
            demand: [{rate: 1/min}]
            """)
        let shift = try #require(scenario.agentGroups[0].shift)
        #expect(shift.start == 22 * 3600 && shift.length == 8 * 3600)
        let span = try #require(scenario.agentGroups[0].breaks[0].span(member: 0, of: 2, in: shift))
        #expect(span.start == 86_400.0)  // midnight after the shift began
        #expect(span.end == 86_400.0 + 900)
    }
}
