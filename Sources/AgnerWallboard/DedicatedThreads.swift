import Foundation

/// A task executor with threads of its own. The HTTP face's tasks (Hummingbird's connections
/// and requests) run here rather than on the process's shared task threads, so that it answers
/// even while those are all busy with other work (blocking work, long computations), as they
/// can be in a process that embeds it or in a test run. Jobs run in the order they came, on
/// whichever thread is free.
final class DedicatedThreads: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopped = false

    /// - Parameter count: threads (at least 1).
    init(count: Int = 2, name: String = "agner.http") {
        for index in 0..<max(1, count) {
            let thread = Thread { [self] in run() }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Lets the threads end once no job is left.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopped { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
