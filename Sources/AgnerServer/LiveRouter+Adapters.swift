import AgnerCore

/// Adapters come and go: contacts and offers belong to an adapter by its name (its `hello`
/// name, or `connection-N` before one), not to a connection. When the last connection of a
/// name closes, its offers are withdrawn and its waiting contacts held; a `sync` from that name
/// resumes them; after `Settings.adapterGrace` a held real-time contact ends as abandoned.
extension LiveRouter {
    /// Longest id or name accepted (UTF-8 bytes): contact ids, agent names, adapter names.
    public static let maximumNameLength = 200

    /// Refuses an empty id, one longer than `maximumNameLength`, or one with control characters.
    static func checkName(_ name: String, field: String) throws(ProtocolError) {
        guard !name.isEmpty else { throw ProtocolError(.badField, "\(field): must not be empty") }
        guard name.utf8.count <= maximumNameLength else {
            throw ProtocolError(.badField, "\(field): \(name.utf8.count) bytes; at most \(maximumNameLength)")
        }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw ProtocolError(.badField, "\(field): control characters are not allowed")
        }
    }

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

    /// The adapter's contacts that wait or ring and are not held yet: waiting ones first (so an
    /// agent whose offer is withdrawn is not offered another of them), each by arrival order.
    func holdableContacts(of name: String) -> [ContactID] {
        var waiting: [ContactSnapshot] = []
        var offered: [ContactSnapshot] = []
        for (id, entry) in contacts where entry.owner == name {
            guard let contact = engine.contact(ContactID(id)), !contact.held else { continue }
            if contact.state.isWaiting { waiting.append(contact) } else if contact.state == .offered { offered.append(contact) }
        }
        let byArrival: (ContactSnapshot, ContactSnapshot) -> Bool = { ($0.arrival, $0.id) < ($1.arrival, $1.id) }
        return waiting.sorted(by: byArrival).map(\.id) + offered.sorted(by: byArrival).map(\.id)
    }

    /// The adapter's last connection closed: its offers are withdrawn and its waiting contacts
    /// held, journaled as one internal command so that a replay does the same.
    func adapterLost(_ name: String) {
        guard !replaying else { return }
        advanceEngine(to: currentTime())
        guard !holdableContacts(of: name).isEmpty else { return }
        performInternal(.object([("op", .string(Self.adapterLostOp)), ("adapter", .string(name)),
                                 ("grace_s", .double(settings.adapterGrace))]), origin: name)
    }

    /// After a restart no adapter is connected: every adapter's contacts are held until it
    /// says hello and syncs. Call once the journal is replayed, before connections come.
    public func holdContactsOfAbsentAdapters() {
        let owners = Set(contacts.values.map(\.owner)).filter { connectionsByName[$0] == nil }
        for owner in owners.sorted() { adapterLost(owner) }
    }

    /// Applies `internal.adapter_lost`: holds the adapter's contacts, real-time ones until the
    /// grace ends. Never fails once the first hold is applied (only holdable contacts are held).
    func holdContacts(of name: String, grace: Double, request: WireObject) throws(ProtocolError) {
        let now = currentTime()
        for id in holdableContacts(of: name) {
            let channel = contacts[id.rawValue]?.channel ?? .phone
            let abandonAt: Double? = channel.isRealTime ? now + grace : nil
            deliver(try apply(.hold(id, abandonAt: abandonAt), request: request, origin: name))
        }
    }

    /// The adapter synced: its held contacts go back in line, by arrival order.
    func resumeHeldContacts(of name: String, request: WireObject) throws(ProtocolError) {
        var held: [ContactSnapshot] = []
        for (id, entry) in contacts where entry.owner == name {
            if let contact = engine.contact(ContactID(id)), contact.held { held.append(contact) }
        }
        for contact in held.sorted(by: { ($0.arrival, $0.id) < ($1.arrival, $1.id) }) {
            deliver(try apply(.resume(contact.id), request: request, origin: name))
        }
    }

    static let adapterLostOp = "internal.adapter_lost"
    static let openingHoursOp = "internal.opening_hours"

    /// Performs a command the router makes itself (not a client's request), journaled like a
    /// request so that a replay makes it too. Its events go to the outbox.
    func performInternal(_ value: WireValue, origin: String) {
        // As for a request: what fell due first happens first (a replay does the same).
        advanceEngine(to: currentTime())
        var line = value.line()
        line.withUTF8 { buffer in
            let bytes = UnsafeRawBufferPointer(buffer)
            let outer = (currentLine, requestJournaled)
            currentLine = bytes
            requestJournaled = false
            defer { (currentLine, requestJournaled) = outer }
            do {
                let request = try WireObject(parsing: bytes)
                _ = try perform(try request.string("op"), request, session: SessionID(-1), name: origin)
            } catch {
                // Only reached through a bug: internal commands are built to fit the state.
                assertionFailure("internal command \(String(decoding: bytes, as: UTF8.self)) refused: \(error)")
            }
        }
    }
}
