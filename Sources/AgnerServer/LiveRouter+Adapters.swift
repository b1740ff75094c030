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

    /// The adapter's contacts that can be held: waiting, in conversation, then ringing (so an
    /// agent whose offer is withdrawn is not offered another of them), each by arrival order.
    /// Those already held only with `includingHeld` (a restart extends their grace).
    func holdableContacts(of name: String, includingHeld: Bool = false) -> [ContactID] {
        var waiting: [ContactSnapshot] = []
        var talking: [ContactSnapshot] = []
        var offered: [ContactSnapshot] = []
        for id in directory.contacts(of: name) {
            guard let contact = engine.contact(ContactID(id)), includingHeld || !contact.held else { continue }
            switch contact.state {
            case .queued, .callbackScheduled: waiting.append(contact)
            case .connected: talking.append(contact)
            case .offered: offered.append(contact)
            default: break
            }
        }
        let byArrival: (ContactSnapshot, ContactSnapshot) -> Bool = { ($0.arrival, $0.id) < ($1.arrival, $1.id) }
        return (waiting.sorted(by: byArrival) + talking.sorted(by: byArrival) + offered.sorted(by: byArrival)).map(\.id)
    }

    /// The adapter's last connection closed: its offers are withdrawn and its contacts held,
    /// journaled as one internal command so that a replay does the same. The grace runs from now.
    func adapterLost(_ name: String) {
        guard !replaying else { return }
        if journalFailure != nil {
            deferredLosses.append(name)
            return
        }
        advanceEngine(to: currentTime())
        guard !holdableContacts(of: name).isEmpty else { return }
        performInternal(.object([("op", .string(Operation.adapterLost.rawValue)), ("adapter", .string(name)),
                                 ("abandon_at", .double(currentTime() + settings.adapterGrace))]), origin: name)
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
        for owner in owners.sorted() where !holdableContacts(of: owner, includingHeld: true).isEmpty {
            performInternal(.object([("op", .string(Operation.adapterLost.rawValue)), ("adapter", .string(owner)),
                                     ("abandon_at", .double(max(restart, engine.now) + settings.adapterGrace)),
                                     ("including_held", .bool(true))]), origin: owner)
        }
    }

    /// Applies `internal.adapter_lost`: holds the adapter's contacts until `abandonAt` (a waiting
    /// e-mail without end). Never fails once the first hold is applied (only holdable contacts).
    func holdContacts(of name: String, until abandonAt: Double, includingHeld: Bool, request: WireObject) throws(ProtocolError) {
        for id in holdableContacts(of: name, includingHeld: includingHeld) {
            let contact = engine.contact(id)
            let waitingEmail = contact?.channel == .email && contact?.state != .connected
            deliver(try apply(.hold(id, abandonAt: waitingEmail ? nil : abandonAt), request: request, origin: name))
        }
    }

    /// How many of the adapter's contacts are held.
    func heldCount(of name: String) -> Int {
        indexedLines().heldCounts[name] ?? 0
    }

    /// The adapter synced: its held contacts go back in line, by arrival order.
    func resumeHeldContacts(of name: String, request: WireObject) throws(ProtocolError) {
        guard heldCount(of: name) > 0 else { return }
        var held: [ContactSnapshot] = []
        for id in directory.contacts(of: name) {
            if let contact = engine.contact(ContactID(id)), contact.held { held.append(contact) }
        }
        for contact in held.sorted(by: { ($0.arrival, $0.id) < ($1.arrival, $1.id) }) {
            deliver(try apply(.resume(contact.id), request: request, origin: name))
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
