import Foundation
import NIOCore

extension RoutingServer {
    /// Connects a feed to the router: events go to it as they are delivered, and every
    /// `interval`, while anyone watches (`LiveFeed.isWatched`), the router's wallboard figures
    /// are computed on the event loop and published. Nothing here waits for a reader.
    public func attach(_ feed: LiveFeed, statsEvery interval: TimeAmount = .milliseconds(250)) {
        loop.execute { [self] in
            router.feed = feed
            feed.publish(stats: router.wallboardStats())
        }
        loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [self] _ in
            guard feed.isWatched() else { return }
            feed.publish(stats: router.wallboardStats())
        }
    }
}
