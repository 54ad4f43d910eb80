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
public final class BatchIndexer: RecordIndexing {
    private struct Pending {
        var records: [(CorpusRecord, size: Int64, mtime: Int64)] = []
        var decision: Bool? = nil
    }
    private let pending = Mutex(Pending())
    private let signal = DispatchSemaphore(value: 0)
    private let done = DispatchGroup()
    private let failure = Mutex<String?>(nil)

    public init(path: String) {
        done.enter()
        Thread.detachNewThread { [self] in
            defer { done.leave() }
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

    /// Commits what was added (when `commit`, after the archive committed it) or rolls it back,
    /// and waits for the thread. Returns why the index was not updated, or nil.
    @discardableResult
    public func finish(commit: Bool) -> String? {
        pending.withLock { $0.decision = commit }
        signal.signal()
        done.wait()
        return failure.withLock { $0 }
    }

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
                while true {
                    signal.wait()
                    let (records, decision) = pending.withLock { state in
                        defer { state.records.removeAll() }
                        return (state.records, state.decision)
                    }
                    for (record, size, mtime) in records {
                        try writer.remove(record.id)
                        try writer.insert(record)
                        try db.execute(
                            sql: "UPDATE documents SET size = ?, mtime = ? WHERE id = ?", arguments: [size, mtime, record.id])
                    }
                    guard let decision else { continue }
                    if decision { try writer.finish() }
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
