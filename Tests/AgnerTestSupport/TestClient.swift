import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking line client for tests: loopback only, every read bounded by a timeout.
public final class TestClient {
    let socket: Int32
    var buffer: [UInt8] = []

    /// - Parameter receiveBuffer: a kernel receive buffer size, to make a slow reader quickly.
    public init(port: Int, timeout: Double = 5, receiveBuffer: Int32? = nil) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer { setsockopt(socket, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    deinit { close(socket) }

    /// Sends give up after this long (a peer that stops reading makes them block).
    public func setSendTimeout(_ seconds: Double) {
        var limit = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1e6))
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    }

    /// The next bytes received (those already buffered first), or nil on timeout or close.
    public func receiveChunk() -> [UInt8]? {
        if !buffer.isEmpty {
            defer { buffer = [] }
            return buffer
        }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = recv(socket, &chunk, chunk.count, 0)
        return n > 0 ? Array(chunk[..<n]) : nil
    }

    /// Reads at most `count` bytes (nothing buffered by an earlier read is counted), as a
    /// reader that trickles does. - Returns: the bytes, an empty array on timeout, nil once the
    /// peer has closed or reset the connection.
    public func receive(atMost count: Int) -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: count)
        let n = recv(socket, &chunk, count, 0)
        if n > 0 { return Array(chunk[..<n]) }
        if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { return [] }
        return nil
    }

    /// Makes closing (when the client goes) send a reset (SO_LINGER 0) rather than a FIN: the
    /// peer sees "connection reset by peer".
    public func resetOnClose() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(socket, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
    }

    /// Sends without waiting for a reply. - Returns: false once the peer has closed.
    @discardableResult
    public func sendRaw(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } > 0
    }

    public func send(_ text: String) {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            sent += n
        }
    }

    public func send(json: [String: Any]) {
        send(String(decoding: try! JSONSerialization.data(withJSONObject: json), as: UTF8.self) + "\n")
    }

    /// The next line as a JSON object, or nil on timeout or close.
    public func readLine() -> [String: Any]? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<newline])
                buffer.removeFirst(newline + 1)
                return try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any]
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = recv(socket, &chunk, chunk.count, 0)
            if n <= 0 { return nil }
            buffer += chunk[..<n]
        }
    }

    /// Reads lines until one matches (bounded by the read timeout).
    public func read(where match: ([String: Any]) -> Bool) -> [String: Any]? {
        while let line = readLine() { if match(line) { return line } }
        return nil
    }

    public func reply(to req: Int) -> [String: Any]? { read { ($0["re"] as? Int) == req } }

    public func request(_ json: [String: Any], req: Int) -> [String: Any]? {
        var json = json
        json["req"] = req
        send(json: json)
        return reply(to: req)
    }

    /// Every open contact, page by page (`contacts` with `after`); nil when a page fails.
    public func allContacts(limit: Int = 1000) -> [[String: Any]]? {
        var all: [[String: Any]] = []
        var after: String? = nil
        for page in 0..<10_000 {
            var request: [String: Any] = ["op": "contacts", "limit": limit]
            if let after { request["after"] = after }
            guard let result = self.request(request, req: 900_000 + page)?["result"] as? [String: Any],
                  let contacts = result["contacts"] as? [[String: Any]] else { return nil }
            all += contacts
            guard let next = result["next"] as? String else { return all }
            after = next
        }
        return nil
    }

    /// Everything the peer sends until it closes (or the read times out), as text.
    public func readRaw() -> String {
        var bytes = buffer
        buffer = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(socket, &chunk, chunk.count, 0)
            if n <= 0 { break }
            bytes += chunk[..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
