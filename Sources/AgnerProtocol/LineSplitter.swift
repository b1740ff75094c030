import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// Splits a byte stream into lines at `\n` (a `\r` before it is dropped). A line longer than
/// the limit is skipped up to its newline and reported once, so the connection stays usable.
///
/// A handler calls it directly with each read, and gets each line as bytes valid for the
/// duration of the callback: no message per line travels the channel pipeline, and no buffer is
/// sliced or copied for a line that arrived whole.
public struct LineSplitter {
    public enum Piece {
        /// A line's bytes, without its newline; valid only during the callback.
        case line(UnsafeRawBufferPointer)
        case tooLong
    }

    let maximumLength: Int
    /// The start of a line whose end has not arrived yet.
    var pending: ByteBuffer?
    /// Skipping the rest of a line already reported too long.
    var discarding = false

    public init(maximumLength: Int) {
        self.maximumLength = maximumLength
    }

    /// Splits what came (after what was pending) into lines.
    public mutating func feed(_ buffer: inout ByteBuffer, _ body: (Piece) -> Void) {
        _ = process(&buffer) { piece -> Bool in
            body(piece)
            return true
        }
    }

    /// Splits what came (after what was pending) into lines, for as long as `body` returns true.
    /// When it returns false, the rest (whole lines included) is kept, and `resume(_:)` goes on
    /// with it later: a connection can stop taking requests while its output drains.
    /// - Returns: false when `body` stopped it (lines may be left), true when every whole line was taken.
    public mutating func process(_ buffer: inout ByteBuffer, while body: (Piece) -> Bool) -> Bool {
        if var start = pending {
            pending = nil
            start.writeBuffer(&buffer)
            return split(&start, body)
        }
        return split(&buffer, body)
    }

    /// Keeps what came without splitting it (while stopped), for `resume(_:)`.
    public mutating func keep(_ buffer: inout ByteBuffer) {
        if pending == nil {
            pending = buffer.readSlice(length: buffer.readableBytes)
        } else {
            pending!.writeBuffer(&buffer)
        }
    }

    /// Goes on with what was kept, for as long as `body` returns true.
    /// - Returns: false when `body` stopped it again, true when every whole line was taken.
    public mutating func resume(_ body: (Piece) -> Bool) -> Bool {
        guard var start = pending else { return true }
        pending = nil
        return split(&start, body)
    }

    /// Bytes received and not yet taken as lines (a line still incomplete, or lines kept while stopped).
    public var pendingBytes: Int { pending?.readableBytes ?? 0 }

    /// At the end of the stream: a last line without a newline is still a line.
    public mutating func finish(_ body: (Piece) -> Void) {
        guard let rest = pending, rest.readableBytes > 0, !discarding else { return }
        pending = nil
        rest.withUnsafeReadableBytes { body(.line(Self.trimmed($0))) }
    }

    private mutating func split(_ buffer: inout ByteBuffer, _ body: (Piece) -> Bool) -> Bool {
        while true {
            // memchr: the generic `firstIndex(of:)` on a buffer view goes byte by byte.
            let found = buffer.withUnsafeReadableBytes { bytes -> Int? in
                guard let base = bytes.baseAddress, let hit = memchr(base, Int32(UInt8(ascii: "\n")), bytes.count) else { return nil }
                return base.distance(to: UnsafeRawPointer(hit))
            }
            guard let length = found else { break }
            var going = true
            if discarding || length > maximumLength {
                if !discarding { going = body(.tooLong) }
                discarding = false
            } else {
                going = buffer.withUnsafeReadableBytes { bytes in
                    body(.line(Self.trimmed(UnsafeRawBufferPointer(rebasing: bytes[0..<length]))))
                }
            }
            buffer.moveReaderIndex(forwardBy: length + 1)
            if !going {
                // Stopped: the rest waits, whole lines and all, for `resume`.
                if buffer.readableBytes > 0 { pending = buffer.readSlice(length: buffer.readableBytes) }
                return false
            }
        }
        // No newline in what is left.
        if discarding || buffer.readableBytes > maximumLength {
            if !discarding { _ = body(.tooLong) }
            discarding = true
        } else if buffer.readableBytes > 0 {
            pending = buffer.readSlice(length: buffer.readableBytes)
        }
        return true
    }

    private static func trimmed(_ line: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        guard let last = line.last, last == UInt8(ascii: "\r") else { return line }
        return UnsafeRawBufferPointer(rebasing: line[0..<(line.count - 1)])
    }
}
