import Foundation
import NIOCore
import NIOPosix

/// Sockets that do not outlive the server: NIO accepts connections without `SOCK_CLOEXEC`, so a
/// process the server starts (Swift's crash backtracer, which can outlive a killed server)
/// would inherit every client's connection and keep it open. Each accepted socket is marked
/// close-on-exec as soon as its channel is set up.
public enum CloseOnExec {
    /// Marks the socket behind a channel close-on-exec. On the channel's event loop.
    public static func mark(_ channel: Channel) {
        _ = try? channel.pipeline.syncOperations.withUnsafeTransportIfAvailable(of: NIOBSDSocket.Handle.self) { descriptor in
            let flags = fcntl(descriptor, F_GETFD)
            if flags >= 0 && flags & FD_CLOEXEC == 0 { _ = fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC) }
        }
    }

    /// A handler that marks its channel's socket close-on-exec when it is added, for servers
    /// that take extra handlers but no initializer of ours (the HTTP face's Hummingbird).
    public final class Handler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
        public typealias InboundIn = Any
        public init() {}
        public func handlerAdded(context: ChannelHandlerContext) {
            CloseOnExec.mark(context.channel)
        }
    }
}
