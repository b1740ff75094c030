import AgnerProtocol
import AgnerServer
import Foundation
import Hummingbird
import Synchronization

/// Who may read the wallboard. Without tokens everyone may (the command line then allows only
/// a loopback address, as for the TCP face). With tokens a request needs a supervisor's or an
/// observer's token: as `Authorization: Bearer TOKEN`, or through the login form, which sets
/// a cookie naming a session (a random 128-bit id, kept in memory; the token itself is never
/// stored in the browser). Adapter tokens do not open the wallboard.
public final class WallboardAccess: Sendable {
    public static let cookieName = "agner_session"

    let tokens: [String: Grant]?
    /// Seconds a login lasts.
    let sessionLifetime: Double
    let sessions = Mutex([String: Double]())  // session id → expiry (Unix seconds)

    /// - Parameters:
    ///   - tokens: the tokens file's tokens and what each grants; nil for none (everyone may read).
    ///   - sessionLifetime: seconds a login lasts.
    public init(tokens: [String: Grant]?, sessionLifetime: Double = ServerLimits.httpSessionLifetime) {
        self.tokens = tokens
        self.sessionLifetime = sessionLifetime
    }

    public var isOpen: Bool { tokens == nil }

    /// Whether a token may read the wallboard: a supervisor's or an observer's.
    public func accepts(token: String) -> Bool {
        guard let tokens else { return true }
        guard let grant = Grant.matching(token, in: tokens) else { return false }
        return grant.role == .supervisor || grant.role == .observer
    }

    /// Whether the request carries a credential that may read the wallboard.
    func allows(_ request: Request, now: Double = Date().timeIntervalSince1970) -> Bool {
        allows(headers: request.headers, now: now)
    }

    /// Whether request headers carry a credential that may read the wallboard: a bearer token
    /// that does, or the cookie of a session that has not expired.
    func allows(headers: HTTPFields, now: Double = Date().timeIntervalSince1970) -> Bool {
        guard tokens != nil else { return true }
        if let header = headers[.authorization], let token = Self.bearerToken(header) {
            return accepts(token: token)
        }
        if let session = headers[.cookie].flatMap({ Self.cookie(Self.cookieName, in: $0) }) {
            return sessions.withLock { sessions in
                guard let expiry = sessions[session] else { return false }
                if expiry < now {
                    sessions[session] = nil
                    return false
                }
                return true
            }
        }
        return false
    }

    /// The token of an `Authorization: Bearer TOKEN` header. The scheme's name is
    /// case-insensitive (RFC 7235, 2.1): `bearer`, `BEARER` do as well; spaces may follow it.
    static func bearerToken(_ header: String) -> String? {
        let trimmed = header.drop { $0 == " " }
        guard trimmed.count > 7, trimmed.prefix(6).lowercased() == "bearer", trimmed.dropFirst(6).first == " " else { return nil }
        let token = trimmed.dropFirst(7).drop { $0 == " " }
        return token.isEmpty ? nil : String(token)
    }

    /// The value of cookie `name` in a `Cookie` header (`a=1; agner_session=…`).
    static func cookie(_ name: String, in header: String) -> String? {
        for pair in header.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    /// A new session for a login; forgets expired ones. - Returns: its id.
    func startSession(now: Double = Date().timeIntervalSince1970) -> String {
        var generator = SystemRandomNumberGenerator()
        let id = (0..<2).map { _ in String(generator.next() as UInt64, radix: 16).leftPadded(to: 16) }.joined()
        sessions.withLock { sessions in
            sessions = sessions.filter { $0.value >= now }
            sessions[id] = now + sessionLifetime
        }
        return id
    }

    func endSession(_ id: String) {
        _ = sessions.withLock { $0.removeValue(forKey: id) }
    }
}

extension String {
    func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
