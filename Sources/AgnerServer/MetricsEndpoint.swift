import NIOCore
import NIOHTTP1
import NIOPosix

/// A minimal HTTP endpoint: `GET /metrics` answers with whatever `render` returns (the
/// Prometheus text format in `agner serve`); anything else is 404.
public final class MetricsEndpoint: @unchecked Sendable {
    let group: MultiThreadedEventLoopGroup
    var channel: Channel?

    public init() {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    @discardableResult
    public func start(host: String, port: Int, render: @escaping @Sendable () -> String) throws -> Int {
        let channel = try ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(MetricsHandler(render: render))
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
    var path = ""

    init(render: @escaping @Sendable () -> String) { self.render = render }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(head): path = head.uri
        case .body: break
        case .end:
            let found = path == "/metrics" || path.hasPrefix("/metrics?")
            let body = found ? render() : "not found: try /metrics\n"
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: found ? "text/plain; version=0.0.4" : "text/plain")
            headers.add(name: "Content-Length", value: String(body.utf8.count))
            headers.add(name: "Connection", value: "close")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: found ? .ok : .notFound, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
        }
    }
}
