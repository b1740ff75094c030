import AgnerProtocol
import AgnerCore

/// Adapters come and go: contacts and offers belong to an adapter by its name (its `hello`
/// name, or `connection-N` before one), not to a connection. When the last connection of a
/// name closes, its offers are withdrawn and its waiting contacts held; a `sync` from that name
/// resumes them; after `Settings.adapterGrace` a held real-time contact ends as abandoned.
extension LiveRouter {
    /// A connection of `name` is gone: if it was the last, the adapter is lost.
    func leave(name: String) {
        let left = (connectionsByName[name] ?? 1) - 1
        if left > 0 {
            connectionsByName[name] = left
            return
        }
        connectionsByName[name] = nil
        adapterLost(name)
    }

    /// Whether a connection of the adapter is open.
    public func isConnected(adapter name: String) -> Bool { connectionsByName[name] != nil }

    /// The adapter's last connection closed: its offers are withdrawn and its contacts held,
    /// journaled as one internal command so that a replay does the same. The grace runs from now.
    func adapterLost(_ name: String) {
        guard !replaying else { return }
        if journalFailure != nil {
            deferredLosses.append(name)
            return
        }
        advanceEngine(to: currentTime())
        let abandonAt = currentTime() + settings.adapterGrace
        guard !engine.holds(of: directory.contacts(of: name), until: abandonAt, includingHeld: false).isEmpty else { return }
        performInternal(.object([("op", .string(Operation.adapterLost.rawValue)), ("adapter", .string(name)),
                                 ("abandon_at", .double(abandonAt))]), origin: name)
    }

    /// After a restart no adapter is connected: every adapter's contacts are held until it says
    /// hello and syncs, with the whole grace from now (the time the service was down does not
    /// count against it). Applied at the moment the journal ends, before timers that fell due
    /// while the service was down fire: an offer that was out is withdrawn (its agent is free
    /// again), not timed out (which would leave its agent not responding). Call once the journal
    /// is replayed, before connections come.
    public func holdContactsOfAbsentAdapters() {
        let owners = Set(directory.contacts.values.map(\.owner)).filter { connectionsByName[$0] == nil }
        let restart = clock()
        let outer = requestClock
        requestClock = engine.now
        defer { requestClock = outer }
        let abandonAt = max(restart, engine.now) + settings.adapterGrace
        for owner in owners.sorted() where !engine.holds(of: directory.contacts(of: owner), until: abandonAt, includingHeld: true).isEmpty {
            performInternal(.object([("op", .string(Operation.adapterLost.rawValue)), ("adapter", .string(owner)),
                                     ("abandon_at", .double(abandonAt)),
                                     ("including_held", .bool(true))]), origin: owner)
        }
    }

    /// Applies `internal.adapter_lost`: holds the adapter's contacts until `abandonAt` (a waiting
    /// e-mail without end). Never fails once the first hold is applied (only holdable contacts).
    func holdContacts(of name: String, until abandonAt: Double, includingHeld: Bool, request: WireObject) throws(ProtocolError) {
        for hold in engine.holds(of: directory.contacts(of: name), until: abandonAt, includingHeld: includingHeld) {
            deliver(try apply(hold, request: request, origin: name))
        }
    }

    /// How many of the adapter's contacts are held.
    func heldCount(of name: String) -> Int {
        indexedLines().heldCounts[name] ?? 0
    }

    /// The adapter synced: its held contacts go back in line, by arrival order.
    func resumeHeldContacts(of name: String, request: WireObject) throws(ProtocolError) {
        guard heldCount(of: name) > 0 else { return }
        for resume in engine.resumes(of: directory.contacts(of: name)) {
            deliver(try apply(resume, request: request, origin: name))
        }
    }


    /// Performs a command the router makes itself (not a client's request), journaled like a
    /// request so that a replay makes it too. Its events go to the outbox.
    func performInternal(_ value: WireValue, origin: String) {
        // As for a request: what fell due first happens first (a replay does the same).
        advanceEngine(to: currentTime())
        var line = value.line()
        line.withUTF8 { buffer in
            let bytes = UnsafeRawBufferPointer(buffer)
            let outer = requestJournaled
            requestJournaled = false
            defer { requestJournaled = outer }
            do {
                let request = try WireObject(parsing: bytes)
                guard let operation = Operation(rawValue: try request.string("op")) else { throw ProtocolError(.unknownOp, "internal") }
                _ = try perform(try Request.decode(request, as: operation, center: settings.center), request, session: SessionID(-1), name: origin)
            } catch {
                // Only reached through a bug: internal commands are built to fit the state.
                assertionFailure("internal command \(String(decoding: bytes, as: UTF8.self)) refused: \(error)")
            }
        }
    }
}
