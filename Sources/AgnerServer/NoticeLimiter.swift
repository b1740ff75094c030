import Foundation
import Logging
import NIOCore

/// Repetitive notices, rate-limited per kind: at most `perWindow` lines of one kind (its
/// message) per `window`; the rest are counted and summed up in one line ("… and N more") when
/// the window ends. Anyone can make the router log a line at will (a connection that never
/// says hello, one reset by its peer): without this, a flood of them would be a flood of log.
/// Used on the server's event loop only.
final class NoticeLimiter {
    struct Kind {
        var level: Logger.Level
        var start: Double
        var logged = 0
        var suppressed = 0
    }

    let logger: Logger
    let perWindow: Int
    let window: Double
    let clock: () -> Double
    /// Runs a closure on the loop after some seconds (the summary of a window that ended quietly).
    let later: ((Double, @escaping () -> Void) -> Void)?
    var kinds: [String: Kind] = [:]
    var summaryScheduled = false

    init(logger: Logger, perWindow: Int = ServerLimits.noticesPerWindow, window: Double = ServerLimits.noticeWindow, clock: @escaping () -> Double = { Date().timeIntervalSince1970 },
         later: ((Double, @escaping () -> Void) -> Void)? = nil) {
        self.logger = logger
        self.perWindow = perWindow
        self.window = window
        self.clock = clock
        self.later = later
    }

    /// Logs the line, unless its kind has had its share of this window.
    func log(_ level: Logger.Level, _ message: String, metadata: Logger.Metadata = [:]) {
        let now = clock()
        var kind = kinds[message] ?? Kind(level: level, start: now)
        if now - kind.start >= window {
            summarise(message, kind)
            kind = Kind(level: level, start: now)
        }
        if kind.logged < perWindow {
            kind.logged += 1
            logger.log(level: level, "\(message)", metadata: metadata)
        } else {
            kind.suppressed += 1
            scheduleSummary()
        }
        kinds[message] = kind
    }

    /// Sums up the windows that ended with lines left out.
    func flush() {
        let now = clock()
        for (message, kind) in kinds where now - kind.start >= window {
            summarise(message, kind)
            kinds[message] = nil
        }
        if kinds.values.contains(where: { $0.suppressed > 0 }) { scheduleSummary() }
    }

    private func summarise(_ message: String, _ kind: Kind) {
        guard kind.suppressed > 0 else { return }
        logger.log(level: kind.level, "\(message) … and \(kind.suppressed) more", metadata: [
            "more": "\(kind.suppressed)", "within_s": "\(window)"])
    }

    private func scheduleSummary() {
        guard !summaryScheduled, let later else { return }
        summaryScheduled = true
        later(window) { [self] in
            summaryScheduled = false
            flush()
        }
    }
}
