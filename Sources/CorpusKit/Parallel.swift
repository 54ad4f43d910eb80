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

    /// Runs `produce(i)` for every `i` in `0..<count` on a background thread, in order and at
    /// most `ahead` results ahead of `consume(i, result)`, which runs on the calling thread in
    /// order: a serial stage (committing) overlaps the parallel stage of the next piece of work
    /// instead of leaving the other cores idle. When `consume` throws, production stops after
    /// the piece under way, and this returns only once the background thread has finished.
    public static func pipeline<Item: Sendable>(
        count: Int, ahead: Int = 1, produce: @escaping @Sendable (Int) -> Item, consume: (Int, Item) throws -> Void
    ) throws {
        guard count > 0 else { return }
        let queue = Handoff<Item>(count: count)
        // Created empty and signalled: libdispatch traps when a semaphore is released with a
        // value below the one it was created with.
        let free = DispatchSemaphore(value: 0)
        for _ in 0..<max(1, ahead) { free.signal() }
        let filled = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        done.enter()
        Thread.detachNewThread {
            defer { done.leave() }
            for index in 0..<count {
                free.wait()
                if queue.isCancelled { return }
                queue.store(produce(index), at: index)
                filled.signal()
            }
        }
        defer {
            queue.cancel()
            free.signal()  // a producer waiting for room sees the cancellation
            done.wait()
        }
        for index in 0..<count {
            filled.wait()
            let item = queue.take(at: index)
            free.signal()
            try consume(index, item)
        }
    }

    /// Results handed from the producer thread to the consumer, each index exactly once.
    private final class Handoff<Element: Sendable>: Sendable {
        private let slots: Mutex<[Element?]>
        private let cancelled = Atomic<Bool>(false)

        init(count: Int) { slots = Mutex([Element?](repeating: nil, count: count)) }

        var isCancelled: Bool { cancelled.load(ordering: .acquiring) }
        func cancel() { cancelled.store(true, ordering: .releasing) }
        func store(_ value: Element, at index: Int) { slots.withLock { $0[index] = value } }
        func take(at index: Int) -> Element {
            slots.withLock { slots in
                defer { slots[index] = nil }
                return slots[index]!
            }
        }
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

/// Takes the records a write session stages while the session goes on (the search index's
/// `BatchIndexer`), and keeps them only once the archive has committed them.
public protocol RecordIndexing: Sendable {
    /// A staged record, with its staged file's size and modification time (nanoseconds).
    func add(_ record: CorpusRecord, size: Int64, mtime: Int64)
    /// Nothing more will be added: the indexer may do its final work while the archive
    /// commits (it still keeps nothing until `finish`).
    func allAdded()
    /// Keeps (`commit`) or drops what was added; returns why it could not, or nil.
    @discardableResult func finish(commit: Bool) -> String?
}
