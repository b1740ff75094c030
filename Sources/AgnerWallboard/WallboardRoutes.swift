import AgnerServer
import Foundation
import Hummingbird

/// The wallboard's routes, apart from the server that runs them (tests call them on a live
/// server on port 0).
enum WallboardRoutes {
    static func router(feed: LiveFeed, access: WallboardAccess, metrics: (@Sendable () -> String)?) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: AccessCheck(access: access))
        router.get("/") { _, _ in
            Response(status: .ok, headers: page, body: .init(byteBuffer: ByteBuffer(string: WallboardPage.html)))
        }
        router.get("/metrics") { _, _ in
            guard let metrics else { return Response(status: .notFound, headers: text, body: .init(byteBuffer: ByteBuffer(string: "no metrics\n"))) }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(string: metrics())))
        }
        router.get("/api/stats") { _, _ in
            guard let stats = await freshStats(feed) else {
                return Response(status: .serviceUnavailable, headers: text, body: .init(byteBuffer: ByteBuffer(string: "not ready\n")))
            }
            return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(string: stats + "\n")))
        }
        router.get("/events") { request, _ in
            let wanted = request.uri.queryParameters.get("events").map { list in
                Set(list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
            }
            guard let stream = feed.subscribe(events: wanted) else {
                return Response(status: .serviceUnavailable, headers: text, body: .init(byteBuffer: ByteBuffer(string: "stopping\n")))
            }
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream", .cacheControl: "no-store", .init("X-Accel-Buffering")!: "no"],
                body: ResponseBody { writer in
                    // Tells EventSource to come back after 2 s if the stream ends (a cut-off, a restart).
                    try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
                    for await message in stream {
                        try await writer.write(ByteBuffer(string: "event: \(message.name)\ndata: \(message.data)\n\n"))
                    }
                    try await writer.finish(nil)
                })
        }
        router.get("/login") { _, _ in
            Response(status: .ok, headers: page, body: .init(byteBuffer: ByteBuffer(string: WallboardPage.login(message: nil))))
        }
        router.post("/login") { request, _ in
            let body = try await request.body.collect(upTo: ServerLimits.httpLoginBody)
            let token = formValue(String(buffer: body), "token") ?? ""
            guard !access.isOpen, access.accepts(token: token) else {
                let message = access.isOpen ? "No token is needed here." : "That token does not open the wallboard (a supervisor's or an observer's does)."
                return Response(status: access.isOpen ? .ok : .unauthorized, headers: page,
                                body: .init(byteBuffer: ByteBuffer(string: WallboardPage.login(message: message))))
            }
            var response = Response(status: .seeOther, headers: [.location: "/"])
            response.setCookie(Cookie(name: WallboardAccess.cookieName, value: access.startSession(), maxAge: Int(access.sessionLifetime),
                                      path: "/", httpOnly: true, sameSite: .strict))
            return response
        }
        router.post("/logout") { request, _ in
            if let session = request.cookies[WallboardAccess.cookieName]?.value { access.endSession(session) }
            var response = Response(status: .seeOther, headers: [.location: "/login"])
            response.setCookie(Cookie(name: WallboardAccess.cookieName, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .strict))
            return response
        }
        return router
    }

    static let page: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                                   .init("Content-Security-Policy")!: "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; frame-ancestors 'none'"]
    static let text: HTTPFields = [.contentType: "text/plain; charset=utf-8"]

    /// The stats, no older than a second: when nobody watched, the router published none
    /// lately; asking marks the feed watched, and the router publishes within its interval.
    static func freshStats(_ feed: LiveFeed) async -> String? {
        var latest = feed.latestStats()
        let asked = Date().timeIntervalSince1970
        var waited = 0
        while (latest == nil || latest!.time < asked - 1) && waited < 40 {
            try? await Task.sleep(for: .milliseconds(25))
            waited += 1
            latest = feed.latestStats()
        }
        return latest?.json
    }

    /// A field of an `application/x-www-form-urlencoded` body.
    static func formValue(_ body: String, _ name: String) -> String? {
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0] == name else { continue }
            return String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        return nil
    }
}

/// Lets a request through only with a credential that may read the wallboard (see
/// `WallboardAccess`); the login form is always reachable. A page request without one is sent
/// to the login form, anything else gets 401.
struct AccessCheck: RouterMiddleware {
    typealias Context = BasicRequestContext
    let access: WallboardAccess

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if access.isOpen || path == "/login" || path == "/logout" || access.allows(request) {
            return try await next(request, context)
        }
        if path == "/" && request.method == .get {
            return Response(status: .seeOther, headers: [.location: "/login"])
        }
        return Response(status: .unauthorized, headers: [.wwwAuthenticate: "Bearer", .contentType: "text/plain; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: "a token is needed: Authorization: Bearer TOKEN (a supervisor's or an observer's), or log in at /login\n")))
    }
}
