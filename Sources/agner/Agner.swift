import ArgumentParser

@main
struct Agner: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agner",
        abstract: "A contact-center router and simulator.",
        discussion: """
            Agner routes phone, chat, e-mail and click-to-call contacts to agents by skill and by \
            the department that owns the topic, and holds the one-minute answer target by widening \
            the pool of eligible agents step by step. The same engine runs live and in simulation.
            """,
        version: AgnerVersion.current,
        subcommands: [Simulate.self, Compare.self, Sweep.self, Optimise.self, Merge.self, Staff.self, Validate.self, Serve.self, Load.self, WhatIf.self, Replay.self]
    )
}

enum AgnerVersion {
    static let current = "0.1.0"
}
