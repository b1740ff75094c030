import AgnerProtocol
import Foundation
import NIOCore
import NIOPosix

/// Listening sockets that do not outlive the server: made close-on-exec, so a process the
/// server starts (Swift's crash backtracer, say, which can outlive a killed server) never
/// inherits them and never keeps the port from the next start. NIO makes its sockets without
/// that flag; these are made here and handed to NIO bound and listening.
public enum ListeningSocket {
    /// Resolves `host`, binds a close-on-exec, non-blocking TCP socket to it and listens.
    /// - Returns: the socket's descriptor, for `ServerBootstrap.withBoundSocket`.
    /// - Throws: `IOError` with the errno of the step that failed (`EADDRINUSE`, …).
    public static func make(host: String, port: Int, backlog: Int32 = 256) throws -> CInt {
        let address = try SocketAddress.makeAddressResolvingHost(host, port: port)
        let descriptor = socket(address.protocol.rawValue, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard descriptor >= 0 else { throw IOError(errnoCode: errno, reason: "socket") }
        var one: CInt = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<CInt>.size))
        let bound = address.withSockAddr { pointer, size in bind(descriptor, pointer, socklen_t(size)) }
        guard bound == 0 else {
            let code = errno
            close(descriptor)
            throw IOError(errnoCode: code, reason: "bind")
        }
        guard listen(descriptor, backlog) == 0 else {
            let code = errno
            close(descriptor)
            throw IOError(errnoCode: code, reason: "listen")
        }
        return descriptor
    }

    /// Whether `host` is a loopback address once resolved (127.0.0.0/8 or ::1): a name that
    /// merely starts with "127." is not.
    public static func isLoopback(_ host: String) -> Bool {
        guard let address = try? SocketAddress.makeAddressResolvingHost(host, port: 0) else { return false }
        switch address {
        case let .v4(v4): return UInt32(bigEndian: v4.address.sin_addr.s_addr) >> 24 == 127
        case let .v6(v6):
            var loopback = in6addr_loopback
            var actual = v6.address.sin6_addr
            return memcmp(&actual, &loopback, MemoryLayout<in6_addr>.size) == 0
        default: return false
        }
    }
}
