import Foundation
import Logging
import Synchronization

/// Where the live service's log lines go: a bounded buffer that a thread of its own writes to a
/// descriptor (standard error). Writing a line never blocks the caller: with the reader of the
/// log gone quiet (a pipe nobody reads, a full disk), lines that do not fit are dropped and
/// counted, and once the writer gets going again it says how many ("N log lines dropped").
/// The router's event loop logs; it must never wait for a log reader.
public final class LogSink: Sendable {
    struct State {
        var buffer: [UInt8] = []
        /// Dropped since the writer last said so.
        var dropped = 0
        /// Dropped since the start.
        var droppedInAll = 0
        /// Lines written so far (for `flush`).
        var accepted = 0
        var written = 0
    }

    let descriptor: Int32
    let capacity: Int
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)

    /// Standard error, with `ServerLimits.logBuffer` bytes of room.
    public static let standardError = LogSink(descriptor: 2)

    /// - Parameters:
    ///   - descriptor: where lines are written (by a thread of the sink's own); a write that
    ///     fails (a closed pipe) drops the rest of that chunk quietly.
    ///   - capacity: bytes of lines waiting to be written, at most; a line that does not fit is
    ///     dropped and counted.
    public init(descriptor: Int32, capacity: Int = ServerLimits.logBuffer) {
        self.descriptor = descriptor
        self.capacity = capacity
        let thread = Thread { [self] in run() }
        thread.name = "agner.log"
        thread.start()
    }

    /// Queues a line (its newline included), or drops it when the buffer is full. Never blocks.
    public func write(_ text: String) {
        let bytes = text.utf8
        let queued = state.withLock { state -> Bool in
            guard state.buffer.count + bytes.count <= capacity else {
                state.dropped += 1
                state.droppedInAll += 1
                return false
            }
            state.buffer += bytes
            state.accepted += 1
            return true
        }
        if queued { wake.signal() }
    }

    /// Lines dropped since the sink was made (the writer's reports do not reset it).
    public var dropped: Int { state.withLock { $0.droppedInAll } }

    /// Waits (at most `timeout` seconds) until every line queued so far is written: before the
    /// process exits. - Returns: whether they were.
    @discardableResult
    public func flush(timeout: Double) -> Bool {
        let target = state.withLock { $0.accepted }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if state.withLock({ $0.written >= target && $0.buffer.isEmpty }) { return true }
            wake.signal()
            Thread.sleep(forTimeInterval: 0.005)
        }
        return false
    }

    private func run() {
        while true {
            wake.wait()
            while true {
                let (chunk, lines, dropped) = state.withLock { state -> ([UInt8], Int, Int) in
                    defer {
                        state.buffer.removeAll(keepingCapacity: state.buffer.capacity <= 1 << 16)
                        state.dropped = 0
                    }
                    return (state.buffer, state.accepted - state.written, state.dropped)
                }
                if chunk.isEmpty && dropped == 0 { break }
                writeAll(chunk)
                if dropped > 0 {
                    // Said where it is read: after the lines that did get through.
                    writeAll(Array("agner: \(dropped) log line\(dropped == 1 ? "" : "s") dropped (the log was not being read fast enough)\n".utf8))
                }
                state.withLock { $0.written += lines }
            }
        }
    }

    /// Blocking writes, on this thread only; a closed or broken descriptor drops the rest quietly.
    private func writeAll(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }
}

/// swift-log's handler for the live service: lines formatted as swift-log's `StreamLogHandler`
/// formats them, handed to a `LogSink` (so logging never blocks).
public struct SinkLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let sink: LogSink

    public init(label: String, sink: LogSink = .standardError, level: Logger.Level = .info) {
        self.label = label
        self.sink = sink
        logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { _, new in new } }
        if let extra = event.metadata { all.merge(extra) { _, new in new } }
        let rendered = all.isEmpty ? "" : " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        sink.write("\(Self.timestamp()) \(event.level) \(label):\(rendered) [\(event.source)] \(event.message)\n")
    }

    static func timestamp() -> String {
        var buffer = [Int8](repeating: 0, count: 32)
        var now = time(nil)
        var local = tm()
        localtime_r(&now, &local)
        let length = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &local)
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
