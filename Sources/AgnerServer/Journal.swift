import AgnerProtocol

/// Where accepted commands go before their replies and events are sent. The server commits the
/// appended entries once per batch of requests (group commit), then writes the replies.
public protocol CommandJournal: AnyObject, Sendable {
    /// Called on the event loop, with the request line as received (copy what is kept).
    func append(time: Double, origin: String, line: UnsafeRawBufferPointer) throws
    /// Makes everything appended so far durable; called on the event loop.
    /// - Returns: the sequence number of the last committed entry (entries count from 1).
    func commit() throws -> Int64
    /// Stores a snapshot of the router's state after entry `sequence`, replacing older ones.
    /// Called off the event loop, while appends and commits go on.
    func saveSnapshot(_ data: [UInt8], through sequence: Int64) throws
}
