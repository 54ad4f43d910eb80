import CorpusKit
import Foundation
import GRDB
import Synchronization

/// Indexes a writer's records while its batch is still being built, on a thread of its own, in
/// one open transaction that commits only once the archive has committed them (`finish(true)`),
/// and is rolled back otherwise: on two cores the index costs the batch almost nothing, where
/// indexing after the commit added a third to an ingest.
///
/// Each record comes with its staged file's size and modification time, which the committed
/// file keeps (a rename): the index notes them as the file's stamp, so the `sync` that follows
/// every command finds nothing to do — and finds any file a later writer replaced. The indexer
/// is only a shortcut: on any error it rolls back and that `sync` does the work.
///
/// Start it only while holding the archive's exclusive lock (its transaction takes SQLite's
/// write lock, which `sync` under a shared archive lock also wants).
///
/// In the `background`, `finish` does not wait: the index commits while the writer goes on
/// (the watcher emits its event and takes the next drop; a fold of recent documents is not in
/// any drop's latency). The background indexers of one process run in the order they were
/// started, and `waitForBackground` waits for them all (before a refresh, and when the writer
/// stops).
public final class BatchIndexer: RecordIndexing {
    /// The background indexer started last in this process: the next one waits for it.
    private static let last = Mutex<DispatchGroup?>(nil)
    private static let outstanding = DispatchGroup()

    private struct Pending {
        var records: [(CorpusRecord, size: Int64, mtime: Int64)] = []
        var complete = false
        var decision: Bool? = nil
    }
    private let pending = Mutex(Pending())
    private let signal = DispatchSemaphore(value: 0)
    private let done = DispatchGroup()
    private let failure = Mutex<String?>(nil)

    private let background: Bool

    public init(path: String, background: Bool = false) {
        self.background = background
        done.enter()
        Self.outstanding.enter()
        // Only background indexers are chained: a waiting writer's own indexer never waits for
        // another writer's.
        let before: DispatchGroup? =
            background
            ? Self.last.withLock { last in
                defer { last = done }
                return last
            } : nil
        Thread.detachNewThread { [self] in
            defer {
                done.leave()
                Self.outstanding.leave()
            }
            before?.wait()
            do {
                try run(SearchIndex(path: path))
            } catch {
                failure.withLock { $0 = "\(error)" }
                drain()
            }
        }
    }

    /// Indexes `record`, whose staged file has this size and modification time (nanoseconds).
    public func add(_ record: CorpusRecord, size: Int64, mtime: Int64) {
        pending.withLock { $0.records.append((record, size, mtime)) }
        signal.signal()
    }

    /// Nothing more will be added: the postings are written now, while the archive commits,
    /// and only the transaction's end waits for `finish`.
    public func allAdded() {
        pending.withLock { $0.complete = true }
        signal.signal()
    }

    /// Commits what was added (when `commit`, after the archive committed it) or rolls it back,
    /// and waits for the thread (unless in the background). Returns why the index was not
    /// updated, or nil.
    @discardableResult
    public func finish(commit: Bool) -> String? {
        pending.withLock { $0.decision = commit }
        signal.signal()
        if background { return nil }
        done.wait()
        return failure.withLock { $0 }
    }

    /// Waits until every indexer this process started has finished.
    public static func waitForBackground() { outstanding.wait() }

    /// After a failure: keeps taking work until the decision, so `finish` returns.
    private func drain() {
        while true {
            if pending.withLock({
                $0.records.removeAll()
                return $0.decision != nil
            }) {
                return
            }
            signal.wait()
        }
    }

    private func run(_ index: SearchIndex) throws {
        try index.database.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            do {
                let writer = try SearchIndex.Writer(db)
                let stamp = try db.cachedStatement(sql: "UPDATE documents SET size = ?, mtime = ? WHERE id = ?")
                var finished = false
                while true {
                    signal.wait()
                    let (records, complete, decision) = pending.withLock { state in
                        defer { state.records.removeAll() }
                        return (state.records, state.complete, state.decision)
                    }
                    for (record, size, mtime) in records {
                        try writer.remove(record.id)
                        try writer.insert(record)
                        try stamp.execute(arguments: [size, mtime, record.id])
                    }
                    if !records.isEmpty { finished = false }
                    if complete && !finished && decision != false {
                        try writer.finish()
                        finished = true
                    }
                    guard let decision else { continue }
                    if decision && !finished { try writer.finish() }
                    try db.execute(sql: decision ? "COMMIT" : "ROLLBACK")
                    return
                }
            } catch {
                try? db.execute(sql: "ROLLBACK")
                throw error
            }
        }
    }
}
