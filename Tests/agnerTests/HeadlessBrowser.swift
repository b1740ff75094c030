import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Debian's chromium, headless, driven over the DevTools protocol on a pipe
/// (`--remote-debugging-pipe`: JSON messages separated by NUL bytes, on descriptors 3 and 4),
/// so a test can load a page, read its DOM, see its script errors and take a screenshot.
final class HeadlessBrowser {
    struct Failure: Error, CustomStringConvertible { var description: String }

    /// The browser, if installed.
    static var executable: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static var skipReason: Comment {
        "chromium is not installed (make deps installs Debian's chromium; it could not be installed here), so the browser tests are skipped"
    }

    let pid: pid_t
    let toBrowser: Int32
    let fromBrowser: Int32
    let profile: URL
    var buffer: [UInt8] = []
    var nextID = 1
    var session: String?
    /// Uncaught exceptions and console errors seen so far.
    private(set) var scriptErrors: [String] = []
    /// Events not yet consumed (method, params).
    private(set) var events: [(String, [String: Any])] = []

    init(width: Int = 1280, height: Int = 900) throws {
        guard let executable = Self.executable else { throw Failure(description: "no chromium") }
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("agner-chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        var input: [Int32] = [0, 0], output: [Int32] = [0, 0]
        guard pipe(&input) == 0, pipe(&output) == 0 else { throw Failure(description: "no pipes") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // The browser reads commands on 3 and writes replies on 4.
        posix_spawn_file_actions_adddup2(&actions, input[0], 3)
        posix_spawn_file_actions_adddup2(&actions, output[1], 4)
        let null = Glibc.open("/dev/null", O_WRONLY)
        posix_spawn_file_actions_adddup2(&actions, null, 1)
        posix_spawn_file_actions_adddup2(&actions, null, 2)
        let arguments = [executable, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                         "--disable-extensions", "--hide-scrollbars", "--mute-audio", "--remote-debugging-pipe",
                         "--user-data-dir=\(profile.path)", "--window-size=\(width),\(height)", "about:blank"]
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, executable, &actions, nil, &argv, environ)
        Glibc.close(input[0])
        Glibc.close(output[1])
        Glibc.close(null)
        guard spawned == 0 else { throw Failure(description: "could not start \(executable): \(spawned)") }
        pid = child
        toBrowser = input[1]
        fromBrowser = output[0]
        let targets = try call("Target.getTargets")
        guard let page = (targets["targetInfos"] as? [[String: Any]])?.first(where: { $0["type"] as? String == "page" }),
              let target = page["targetId"] as? String else { throw Failure(description: "no page in the browser") }
        session = try call("Target.attachToTarget", ["targetId": target, "flatten": true], inSession: false)["sessionId"] as? String
        _ = try call("Page.enable")
        _ = try call("Runtime.enable")
        _ = try call("Log.enable")
    }

    deinit { close() }

    func close() {
        guard toBrowser >= 0 else { return }
        _ = try? call("Browser.close", inSession: false, timeout: 2)
        Glibc.close(toBrowser)
        Glibc.close(fromBrowser)
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(5)
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() > deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                break
            }
            usleep(20_000)
        }
        try? FileManager.default.removeItem(at: profile)
    }

    // MARK: - Pages

    /// Loads a page and waits (bounded) for its load event.
    func open(_ url: String, timeout: Double = 20) throws {
        events.removeAll { $0.0 == "Page.loadEventFired" }
        _ = try call("Page.navigate", ["url": url])
        _ = try waitForEvent("Page.loadEventFired", timeout: timeout)
    }

    /// The value of a JavaScript expression (awaited if it is a promise), as JSON turns it.
    func evaluate(_ expression: String, timeout: Double = 20) throws -> Any? {
        let result = try call("Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true], timeout: timeout)
        if let exception = result["exceptionDetails"] as? [String: Any] {
            throw Failure(description: "\(expression) threw: \((exception["exception"] as? [String: Any])?["description"] ?? exception)")
        }
        return (result["result"] as? [String: Any])?["value"]
    }

    /// Evaluates `expression` until it is true, every 50 ms, for at most `seconds`.
    /// - Returns: how long it took, or nil if it never held.
    func waitUntil(_ expression: String, within seconds: Double) throws -> Double? {
        let start = Date()
        while Date().timeIntervalSince(start) < seconds {
            if try evaluate(expression) as? Bool == true { return Date().timeIntervalSince(start) }
            usleep(50_000)
        }
        return nil
    }

    /// A PNG of the page (the viewport, or the whole page).
    func screenshot(fullPage: Bool = false) throws -> Data {
        var parameters: [String: Any] = ["format": "png"]
        if fullPage { parameters["captureBeyondViewport"] = true }
        let result = try call("Page.captureScreenshot", parameters, timeout: 30)
        guard let text = result["data"] as? String, let data = Data(base64Encoded: text) else { throw Failure(description: "no screenshot") }
        return data
    }

    /// The share of a PNG's pixels that differ from its top-left pixel (the page's background)
    /// and how many distinct colours it has, decoded by the browser itself, on a blank page (a
    /// page's own content policy may refuse images from data: addresses): leaves the page.
    func inkCoverage(of png: Data) throws -> (share: Double, colours: Int) {
        try open("about:blank")
        let script = """
            (async () => {
              const image = new Image();
              image.src = "data:image/png;base64,\(png.base64EncodedString())";
              await image.decode();
              const canvas = document.createElement("canvas");
              canvas.width = image.width; canvas.height = image.height;
              const context = canvas.getContext("2d");
              context.drawImage(image, 0, 0);
              const pixels = context.getImageData(0, 0, image.width, image.height).data;
              const background = [pixels[0], pixels[1], pixels[2]];
              let ink = 0; const colours = new Set();
              for (let i = 0; i < pixels.length; i += 4) {
                if (pixels[i] !== background[0] || pixels[i + 1] !== background[1] || pixels[i + 2] !== background[2]) ink++;
                if (colours.size < 5000) colours.add((pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2]);
              }
              return [ink / (pixels.length / 4), colours.size];
            })()
            """
        guard let values = try evaluate(script, timeout: 30) as? [Any], values.count == 2,
              let share = (values[0] as? NSNumber)?.doubleValue, let colours = (values[1] as? NSNumber)?.intValue else {
            throw Failure(description: "could not decode the screenshot")
        }
        return (share, colours)
    }

    // MARK: - The protocol

    /// Sends a command and waits (bounded) for its reply, keeping the events that come meanwhile.
    @discardableResult
    func call(_ method: String, _ parameters: [String: Any] = [:], inSession: Bool = true, timeout: Double = 20) throws -> [String: Any] {
        let id = nextID
        nextID += 1
        var message: [String: Any] = ["id": id, "method": method, "params": parameters]
        if inSession, let session { message["sessionId"] = session }
        var bytes = Array(try JSONSerialization.data(withJSONObject: message))
        bytes.append(0)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { write(toBrowser, $0.baseAddress, $0.count) }
            guard n > 0 else { throw Failure(description: "the browser closed its pipe") }
            sent += n
        }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let message = try nextMessage(until: deadline)
            if message["id"] as? Int == id {
                if let error = message["error"] as? [String: Any] { throw Failure(description: "\(method): \(error["message"] ?? error)") }
                return message["result"] as? [String: Any] ?? [:]
            }
        }
    }

    func waitForEvent(_ method: String, timeout: Double) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let index = events.firstIndex(where: { $0.0 == method }) { return events.remove(at: index).1 }
            _ = try nextMessage(until: deadline)
        }
    }

    /// Reads one message; events are recorded (script errors apart) and returned too.
    private func nextMessage(until deadline: Date) throws -> [String: Any] {
        while true {
            if let end = buffer.firstIndex(of: 0) {
                let data = Data(buffer[..<end])
                buffer.removeFirst(end + 1)
                guard let message = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { continue }
                if let method = message["method"] as? String {
                    let params = message["params"] as? [String: Any] ?? [:]
                    record(method, params)
                    events.append((method, params))
                    if events.count > 500 { events.removeFirst(events.count - 500) }
                }
                return message
            }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw Failure(description: "the browser did not answer in time") }
            var poller = pollfd(fd: fromBrowser, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(min(remaining, 1) * 1000)) >= 0 else { throw Failure(description: "poll failed") }
            guard poller.revents != 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let n = read(fromBrowser, &chunk, chunk.count)
            guard n > 0 else { throw Failure(description: "the browser closed its pipe") }
            buffer += chunk[..<n]
        }
    }

    private func record(_ method: String, _ params: [String: Any]) {
        switch method {
        case "Runtime.exceptionThrown":
            let details = params["exceptionDetails"] as? [String: Any]
            scriptErrors.append("\((details?["exception"] as? [String: Any])?["description"] ?? details?["text"] ?? "exception")")
        case "Runtime.consoleAPICalled" where params["type"] as? String == "error":
            scriptErrors.append("console.error: \(params["args"] ?? "")")
        case "Log.entryAdded":
            if let entry = params["entry"] as? [String: Any], entry["level"] as? String == "error", entry["source"] as? String != "network" {
                scriptErrors.append("\(entry["source"] ?? ""): \(entry["text"] ?? "")")
            }
        default:
            break
        }
    }
}
