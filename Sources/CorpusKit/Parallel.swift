import Dispatch
import Foundation
import Synchronization

/// Runs independent pieces of work on several threads and returns their results in order.
public enum Parallel {
    /// The number of CPU cores available to this process.
    public static var cores: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Calls `work(i)` for every `i` in `0..<count` on up to `jobs` threads; results keep their order.
    public static func map<Result: Sendable>(count: Int, jobs: Int, _ work: @Sendable (Int) -> Result) -> [Result] {
        guard count > 0 else { return [] }
        let workers = max(1, min(jobs, count))
        if workers == 1 { return (0..<count).map(work) }
        let slots = Slots<Result>(count: count)
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard index < count else { return }
                slots.store(work(index), at: index)
            }
        }
        return slots.collect()
    }

    /// Result storage written by many threads, each index exactly once.
    ///
    /// `@unchecked Sendable`: every index is written by one worker only (indices come from an
    /// atomic counter), and the buffer is read only after `concurrentPerform` has returned, which
    /// orders all writes before the read.
    private final class Slots<Element>: @unchecked Sendable {
        private let buffer: UnsafeMutableBufferPointer<Element?>

        init(count: Int) {
            buffer = .allocate(capacity: count)
            buffer.initialize(repeating: nil)
        }

        deinit {
            buffer.deinitialize()
            buffer.deallocate()
        }

        func store(_ value: Element, at index: Int) { buffer[index] = value }

        func collect() -> [Element] { buffer.map { $0! } }
    }
}
