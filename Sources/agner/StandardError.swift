import Foundation

/// Writes to standard error with `write(2)`: a closed or broken stream (a log pipe that went
/// away) makes the write fail quietly, where `FileHandle.write(_:)` traps. (With SIGPIPE
/// ignored, as `agner serve` does; otherwise the signal ends the process as usual.)
func writeToStandardError(_ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let written = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { return }
        bytes = bytes.dropFirst(written)
    }
}
