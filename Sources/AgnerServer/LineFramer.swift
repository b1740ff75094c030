import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// What the framer hands on: a line, or the news that a line was too long (and skipped).
public enum FramedLine {
    case line(ByteBuffer)
    case tooLong
}

/// Splits the byte stream into lines at `\n` (a `\r` before it is dropped). A line longer than
/// the limit is skipped up to its newline and reported once, so the connection stays usable.
public struct LineFramer: ByteToMessageDecoder {
    public typealias InboundOut = FramedLine

    let maximumLength: Int
    var discarding = false

    public init(maximumLength: Int) {
        self.maximumLength = maximumLength
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        // memchr over the readable bytes: the generic `firstIndex(of:)` on a buffer view goes
        // byte by byte through its subscript.
        let found = buffer.withUnsafeReadableBytes { bytes -> Int? in
            guard let base = bytes.baseAddress, let hit = memchr(base, Int32(UInt8(ascii: "\n")), bytes.count) else { return nil }
            return base.distance(to: UnsafeRawPointer(hit))
        }
        if let length = found {
            if discarding || length > maximumLength {
                buffer.moveReaderIndex(forwardBy: length + 1)
                if !discarding { context.fireChannelRead(wrapInboundOut(.tooLong)) }
                discarding = false
                return .continue
            }
            var line = buffer.readSlice(length: length)!
            buffer.moveReaderIndex(forwardBy: 1)
            if line.readableBytesView.last == UInt8(ascii: "\r") { line.moveWriterIndex(to: line.writerIndex - 1) }
            context.fireChannelRead(wrapInboundOut(.line(line)))
            return .continue
        }
        if buffer.readableBytes > maximumLength {
            // No newline within the limit: report now, drop what came, and skip to the next newline.
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            if !discarding { context.fireChannelRead(wrapInboundOut(.tooLong)) }
            discarding = true
        }
        return .needMoreData
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A last line without a newline is still a line.
        while try decode(context: context, buffer: &buffer) == .continue {}
        if buffer.readableBytes > 0 && !discarding {
            let line = buffer.readSlice(length: buffer.readableBytes)!
            context.fireChannelRead(wrapInboundOut(.line(line)))
        }
        return .needMoreData
    }
}
