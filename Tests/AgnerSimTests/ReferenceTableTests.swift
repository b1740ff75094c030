import Testing
@testable import AgnerSim

@Suite("Reference table")
struct ReferenceTableTests {
    @Test("the Erlang reference table is read in full (a parameterised test over no rows would pass silently)")
    func tableIsRead() {
        #expect(ReferenceRow.all.count == 9)
    }
}
