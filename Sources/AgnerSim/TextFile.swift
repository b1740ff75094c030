import Foundation

/// Reads a text file a person wrote (a scenario, a reference table), saying plainly what is
/// wrong when it cannot: missing, a directory, not readable, too large, binary, not UTF-8.
public enum TextFile {
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// - Parameters:
    ///   - limit: the largest size accepted, in bytes.
    ///   - kind: what the file should be, for the messages ("a scenario").
    /// - Throws: `Failure` with a message for a person.
    public static func read(_ path: String, limit: Int, kind: String) throws(Failure) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw Failure(description: "no such file")
        }
        guard !isDirectory.boolValue else { throw Failure(description: "is a directory, not \(kind) file") }
        guard FileManager.default.isReadableFile(atPath: path), let handle = FileHandle(forReadingAtPath: path) else {
            throw Failure(description: "cannot be read (permission denied)")
        }
        defer { try? handle.close() }
        // Read one byte past the limit: enough to know the file is too large, without reading it all.
        let data: Data
        do { data = try handle.read(upToCount: limit + 1) ?? Data() } catch {
            throw Failure(description: "cannot be read: \(error.localizedDescription)")
        }
        guard data.count <= limit else {
            throw Failure(description: "is larger than \(limit) bytes; \(kind) file is at most \(limit / 1024) KiB")
        }
        guard !data.contains(0) else {
            throw Failure(description: "is not a text file (it holds binary data), so it cannot be \(kind) file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Failure(description: "is not UTF-8 text; save it as UTF-8")
        }
        return text
    }
}
