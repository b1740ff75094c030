/// What happens to the contacts of a source that went away (an adapter whose last connection
/// closed, in the live router and in both replays), written once so that live, the journal's
/// playback and the simulated replay hold and resume in the same order. Which contacts belong
/// to whom is the caller's business: the engine knows contacts, not adapters.
extension RoutingEngine {
    /// The holds to apply to `contacts` (engine ids) when their source is lost, in order:
    /// waiting (queued or awaiting a callback), in conversation, then ringing (so an agent whose
    /// offer is withdrawn is not offered another of them first), each by arrival. A waiting
    /// e-mail is held without end; every other contact until `abandonAt` (seconds on the
    /// engine's clock). Contacts already held only with `includingHeld` (a restart extends their
    /// grace); ended contacts and those in wrap-up are left out.
    public func holds(of contacts: some Sequence<UInt64>, until abandonAt: Seconds, includingHeld: Bool) -> [Command] {
        var waiting: [ContactSnapshot] = [], talking: [ContactSnapshot] = [], offered: [ContactSnapshot] = []
        for id in contacts {
            guard let contact = contact(ContactID(id)), includingHeld || !contact.held else { continue }
            switch contact.state {
            case .queued, .callbackScheduled: waiting.append(contact)
            case .connected: talking.append(contact)
            case .offered: offered.append(contact)
            default: break
            }
        }
        return (waiting.sorted(by: Self.byArrival) + talking.sorted(by: Self.byArrival) + offered.sorted(by: Self.byArrival)).map { contact in
            let waitingEmail = contact.channel == .email && contact.state != .connected
            return .hold(contact.id, abandonAt: waitingEmail ? nil : abandonAt)
        }
    }

    /// The resumes when the source of `contacts` is back: its held contacts, by arrival.
    public func resumes(of contacts: some Sequence<UInt64>) -> [Command] {
        contacts.compactMap { contact(ContactID($0)) }.filter(\.held).sorted(by: Self.byArrival).map { .resume($0.id) }
    }

    private static func byArrival(_ a: ContactSnapshot, _ b: ContactSnapshot) -> Bool { (a.arrival, a.id) < (b.arrival, b.id) }
}
