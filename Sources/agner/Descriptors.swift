import Foundation

/// Marks every open descriptor of the process close-on-exec, so that no child process (the
/// runtime's crash backtracer, say) inherits a listening socket and holds the port after we
/// are gone. For sockets made by libraries that do not set the flag themselves (the HTTP
/// face's, made by Hummingbird); the router's own listening socket has it from the start.
func markDescriptorsCloseOnExec() {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return }
    for entry in entries {
        guard let descriptor = Int32(entry), descriptor > 2 else { continue }
        let flags = fcntl(descriptor, F_GETFD)
        if flags >= 0 && flags & FD_CLOEXEC == 0 { _ = fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC) }
    }
}
