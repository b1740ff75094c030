import AgnerServer
import Foundation
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Keeps connections without a credential from holding the HTTP face's slots.
///
/// The face takes `maximumConnections` at once; a connection counts as *unproven* from its
/// accept until it sends a request whose headers carry a credential that opens the wallboard
/// (`WallboardAccess.allows(headers:)`; without tokens, any request). At most
/// `maximumUnproven` connections are unproven at once: one more closes the oldest of them.
/// An unproven connection is closed after `timeout`. So a crowd of silent sockets, or of
/// requests without a token, holds at most `maximumUnproven` slots for at most `timeout`, and a
/// supervisor's or an observer's request always finds room (the TCP face does the same for
/// connections that have not said hello).
final class HTTPAdmission: Sendable {
    let access: WallboardAccess
    let maximumUnproven: Int
    let timeout: TimeAmount

    private struct Unproven {
        var order: UInt64
        var channel: any Channel
    }
    private let unproven = Mutex<(entries: [ObjectIdentifier: Unproven], next: UInt64)>(([:], 0))

    init(access: WallboardAccess, maximumUnproven: Int, timeout: TimeAmount) {
        self.access = access
        self.maximumUnproven = max(1, maximumUnproven)
        self.timeout = timeout
    }

    /// Counts a new connection as unproven. - Returns: the connections to close to make room
    /// (the oldest unproven ones past the limit), already forgotten.
    func admit(_ channel: any Channel) -> [any Channel] {
        unproven.withLock { state in
            state.next += 1
            state.entries[ObjectIdentifier(channel)] = Unproven(order: state.next, channel: channel)
            let excess = state.entries.count - maximumUnproven
            guard excess > 0 else { return [] }
            let oldest = state.entries.sorted { $0.value.order < $1.value.order }.prefix(excess)
            for (key, _) in oldest { state.entries[key] = nil }
            return oldest.map(\.value.channel)
        }
    }

    /// Forgets a connection (proven, or closed). - Returns: whether it was unproven.
    @discardableResult
    func forget(_ channel: any Channel) -> Bool {
        unproven.withLock { $0.entries.removeValue(forKey: ObjectIdentifier(channel)) != nil }
    }

    /// Connections unproven now.
    var unprovenCount: Int { unproven.withLock { $0.entries.count } }

    /// The handler on each connection, after the HTTP codec: admits the connection when it
    /// becomes active, proves it on the first request head with a credential, forgets it when
    /// it closes.
    final class Gate: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
        typealias InboundIn = HTTPRequestPart
        typealias InboundOut = HTTPRequestPart

        let admission: HTTPAdmission
        private var admitted = false
        private var proven = false

        init(_ admission: HTTPAdmission) {
            self.admission = admission
        }

        func handlerAdded(context: ChannelHandlerContext) {
            if context.channel.isActive { admit(context) }
        }

        func channelActive(context: ChannelHandlerContext) {
            admit(context)
            context.fireChannelActive()
        }

        private func admit(_ context: ChannelHandlerContext) {
            guard !admitted else { return }
            admitted = true
            for other in admission.admit(context.channel) { other.close(promise: nil) }
            let channel = context.channel, admission = self.admission
            context.eventLoop.scheduleTask(in: admission.timeout) {
                if admission.forget(channel) { channel.close(promise: nil) }
            }
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if !proven, case let .head(request) = unwrapInboundIn(data), admission.access.allows(headers: request.headerFields) {
                proven = true
                admission.forget(context.channel)
            }
            context.fireChannelRead(data)
        }

        func channelInactive(context: ChannelHandlerContext) {
            admission.forget(context.channel)
            context.fireChannelInactive()
        }
    }
}
