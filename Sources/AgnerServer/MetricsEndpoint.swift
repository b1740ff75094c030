import AgnerProtocol
import NIOCore
import NIOHTTP1
import NIOPosix

/// A minimal HTTP endpoint: `GET /metrics` answers with whatever `render` returns (the
/// Prometheus text format in `agner serve`); anything else is 404. With `authorize`, a request
/// must carry a credential it accepts (`Authorization: Bearer TOKEN`), else it gets 401.
public final class MetricsEndpoint: @unchecked Sendable {
    let group: MultiThreadedEventLoopGroup
    var channel: Channel?

    public init() {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    @discardableResult
    public func start(host: String, port: Int, authorize: (@Sendable (String?) -> Bool)? = nil,
                      render: @escaping @Sendable () -> String) throws -> Int {
        let channel = try ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(MetricsHandler(authorize: authorize, render: render))
                }
            }
            .withBoundSocket(try ListeningSocket.make(host: host, port: port)).wait()
        self.channel = channel
        return channel.localAddress?.port ?? port
    }

    public func shutdown() {
        try? channel?.close().wait()
        try? group.syncShutdownGracefully()
    }
}

final class MetricsHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let render: @Sendable () -> String
    let authorize: (@Sendable (String?) -> Bool)?
    var path = ""
    var authorization: String?

    init(authorize: (@Sendable (String?) -> Bool)?, render: @escaping @Sendable () -> String) {
        self.authorize = authorize
        self.render = render
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(head):
            path = head.uri
            authorization = head.headers.first(name: "Authorization")
        case .body: break
        case .end:
            let allowed = authorize?(authorization) ?? true
            let found = path == "/metrics" || path.hasPrefix("/metrics?")
            let status: HTTPResponseStatus = !allowed ? .unauthorized : found ? .ok : .notFound
            let body = !allowed ? "a token is needed: Authorization: Bearer TOKEN\n" : found ? render() : "not found: try /metrics\n"
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: status == .ok ? "text/plain; version=0.0.4" : "text/plain")
            headers.add(name: "Content-Length", value: String(body.utf8.count))
            headers.add(name: "Connection", value: "close")
            if !allowed { headers.add(name: "WWW-Authenticate", value: "Bearer") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
        }
    }
}
