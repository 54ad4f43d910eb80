import CorpusKit
import Foundation
import GRDB
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One search hit: where it sits and a highlighted snippet.
public struct SearchHit: Codable, Equatable, Sendable {
    public var id: String
    public var kind: String
    public var lesson: Int?
    /// title / synopsis / transcript / term / footnote / text
    public var field: String
    /// The transcript timestamp, for transcript hits.
    public var at: String?
    public var snippet: String
    public var score: Double

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(kind, forKey: .kind)
        try container.encode(lesson, forKey: .lesson)
        try container.encode(field, forKey: .field)
        try container.encode(at, forKey: .at)
        try container.encode(snippet, forKey: .snippet)
        try container.encode(score, forKey: .score)
    }
    enum CodingKeys: String, CodingKey { case id, kind, lesson, field, at, snippet, score }
}

/// A derived, rebuildable full-text index of the corpus in SQLite (FTS5, through GRDB), kept in
/// `Archive/.search.sqlite`: beside the bag's payload, never part of it.
///
/// English goes through FTS5's `unicode61` tokenizer (prefix queries, phrases). Chinese has no
/// spaces, and FTS5's trigram tokenizer cannot find the one- and two-character words that most
/// of Chinese is made of; so Han text is also indexed as space-separated unigrams and bigrams,
/// and a Chinese query of n characters becomes the phrase of its n−1 bigrams (or its unigram).
public final class SearchIndex {
    let database: DatabaseQueue
    public let path: String

    public init(path: String) throws {
        self.path = path
        do {
            // Several commands may sync the derived index at once (watch, run and ingests on
            // one root): a writer waits for another instead of failing with "database is locked".
            var configuration = Configuration()
            configuration.busyMode = .timeout(30)
            // The rollback journal is kept between transactions (zeroed, not deleted): every
            // write command commits to the index, and creating and removing the journal file
            // each time cost more than the commit on this machine's disk.
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA journal_mode = PERSIST") }
            database = try DatabaseQueue(path: path, configuration: configuration)
            try database.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE IF NOT EXISTS documents(
                            id TEXT PRIMARY KEY, record_sha256 TEXT NOT NULL, size INTEGER NOT NULL DEFAULT -1,
                            mtime INTEGER NOT NULL DEFAULT -1);
                        CREATE TABLE IF NOT EXISTS segments(
                            rowid INTEGER PRIMARY KEY, record TEXT NOT NULL, kind TEXT NOT NULL, lesson INTEGER,
                            field TEXT NOT NULL, at TEXT, ordinal INTEGER NOT NULL, text TEXT NOT NULL);
                        CREATE INDEX IF NOT EXISTS segments_record ON segments(record);
                        CREATE VIRTUAL TABLE IF NOT EXISTS segments_fts USING fts5(
                            english, unigrams, bigrams, tokenize='unicode61 remove_diacritics 2');
                        """)
                // An index made before files were stamped gains the columns (every stamp unknown).
                let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(documents)").map { $0["name"] as String }
                if !columns.contains("size") {
                    try db.execute(
                        sql: """
                            ALTER TABLE documents ADD COLUMN size INTEGER NOT NULL DEFAULT -1;
                            ALTER TABLE documents ADD COLUMN mtime INTEGER NOT NULL DEFAULT -1;
                            """)
                }
            }
        } catch let error as DatabaseError {
            throw CorpusError(file: path, stage: .read, reason: "search index: \(error.message ?? "\(error)")")
        }
    }

    /// A record file's size and modification time (nanoseconds): what says it may have changed.
    struct Stamp: Equatable {
        var size: Int64
        var mtime: Int64
    }

    /// Brings the index in line with the record files in `folder` (`data/corpus/`), reading and
    /// decoding only files whose size or modification time differ from what the index noted:
    /// after one new record, one file is read, not every record (a command stays fast at 10,000
    /// documents). A file whose stamp changed but whose `record_sha256` did not is only
    /// re-stamped. Returns how many documents were (re)indexed. `decode` turns a file into a
    /// record (a file that does not decode is left out; `verify` reports it).
    @discardableResult
    public func sync(folder: URL, decode: @escaping (Data, String) throws -> CorpusRecord) throws -> Int {
        var onDisk: [String: Stamp] = [:]
        let base = folder.path + "/"
        for name in FileIO.names(in: folder)
        where name.hasSuffix(".json") && !name.hasPrefix(".") {
            var info = stat()
            guard stat(base + name, &info) == 0 else { continue }
            let mtime = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
            onDisk[String(name.dropLast(5))] = Stamp(size: Int64(info.st_size), mtime: mtime)
        }
        return try wrap {
            try database.write { db in
                var known: [String: (hash: String, stamp: Stamp)] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT id, record_sha256, size, mtime FROM documents") {
                    known[row["id"]] = (row["record_sha256"], Stamp(size: row["size"], mtime: row["mtime"]))
                }
                for id in known.keys where onDisk[id] == nil { try remove(id, db) }
                var changed = 0
                for (id, stamp) in onDisk.sorted(by: { $0.key < $1.key }) where known[id]?.stamp != stamp {
                    let name = "\(id).json"
                    guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path),
                        let record = try? decode(data, "data/corpus/\(name)"), record.id == id
                    else {
                        if known[id] != nil { try remove(id, db) }
                        continue
                    }
                    if known[id]?.hash != record.provenance.recordSHA256 {
                        if known[id] != nil { try remove(id, db) }
                        try insert(record, db)
                        changed += 1
                    }
                    try db.execute(
                        sql: "UPDATE documents SET size = ?, mtime = ? WHERE id = ?", arguments: [stamp.size, stamp.mtime, id])
                }
                return changed
            }
        }
    }

    /// Brings the index in line with `records`: re-indexes changed ones, drops vanished ones.
    /// Returns how many documents were (re)indexed.
    @discardableResult
    public func sync(_ records: [CorpusRecord]) throws -> Int {
        try wrap {
            try database.write { db in
                var known: [String: String] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT id, record_sha256 FROM documents") { known[row["id"]] = row["record_sha256"] }
                var changed = 0
                let current = Set(records.map(\.id))
                for id in known.keys where !current.contains(id) { try remove(id, db) }
                for record in records where known[record.id] != record.provenance.recordSHA256 {
                    if known[record.id] != nil { try remove(record.id, db) }
                    try insert(record, db)
                    changed += 1
                }
                return changed
            }
        }
    }

    /// Empties the index and indexes `records` again.
    public func rebuild(_ records: [CorpusRecord]) throws {
        try wrap {
            try database.write { db in
                try db.execute(sql: "DELETE FROM segments_fts; DELETE FROM segments; DELETE FROM documents;")
                for record in records { try insert(record, db) }
            }
        }
    }

    fileprivate func remove(_ id: String, _ db: Database) throws {
        try db.execute(sql: "DELETE FROM segments_fts WHERE rowid IN (SELECT rowid FROM segments WHERE record = ?)", arguments: [id])
        try db.execute(sql: "DELETE FROM segments WHERE record = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM documents WHERE id = ?", arguments: [id])
    }

    fileprivate func insert(_ record: CorpusRecord, _ db: Database) throws {
        var ordinal = 0
        // Compiled once per connection, not once per segment (a record has dozens).
        let segment = try db.cachedStatement(
            sql: "INSERT INTO segments(record, kind, lesson, field, at, ordinal, text) VALUES (?, ?, ?, ?, ?, ?, ?)")
        let searchable = try db.cachedStatement(sql: "INSERT INTO segments_fts(rowid, english, unigrams, bigrams) VALUES (?, ?, ?, ?)")
        func add(_ field: String, _ text: String?, at: String? = nil) throws {
            guard let text, !text.isEmpty else { return }
            ordinal += 1
            try segment.execute(arguments: [record.id, record.kind.rawValue, record.series?.lesson, field, at, ordinal, text])
            let rowid = db.lastInsertedRowID
            let grams = Self.hanGrams(text)
            try searchable.execute(arguments: [rowid, text, grams.unigrams, grams.bigrams])
        }
        try add("title", [record.title.en, record.title.zh, record.headline].compactMap { $0 }.joined(separator: " / "))
        try add("synopsis", record.synopsis.en)
        try add("synopsis", record.synopsis.zh)
        for term in record.terms { try add("term", "\(term.en) (\(term.zh))") }
        for block in record.transcript {
            try add("transcript", block.en, at: block.at)
            try add("transcript", block.zh, at: block.at)
        }
        for note in record.footnotes { try add("footnote", note.text) }
        if record.transcript.isEmpty {
            // Documents without a transcript are searched paragraph by paragraph.
            for paragraph in record.text.pieces(separatedBy: "\n\n") { try add("text", paragraph) }
        }
        try db.execute(
            sql: "INSERT INTO documents(id, record_sha256) VALUES (?, ?)", arguments: [record.id, record.provenance.recordSHA256])
    }

    static func isHan(_ scalar: Unicode.Scalar) -> Bool { Han.contains(scalar) }

    /// Space-separated Han unigrams and bigrams of `text` (bigrams do not cross non-Han text).
    static func hanGrams(_ text: String) -> (unigrams: String, bigrams: String) {
        var unigrams: [String] = []
        var bigrams: [String] = []
        var previous: Unicode.Scalar? = nil
        for scalar in text.unicodeScalars {
            if isHan(scalar) {
                unigrams.append(String(scalar))
                if let previous { bigrams.append(String(previous) + String(scalar)) }
                previous = scalar
            } else {
                previous = nil
            }
        }
        return (unigrams.joined(separator: " "), bigrams.joined(separator: " "))
    }

    /// The FTS5 query for what the user typed: Chinese runs become bigram phrases (or a unigram),
    /// everything else is passed to FTS5 as typed (prefix `word*`, `"phrases"`, AND/OR/NOT).
    static func ftsQuery(_ query: String) -> String? {
        let trimmed = query.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        let han = trimmed.unicodeScalars.filter(isHan)
        if han.isEmpty { return "english: (\(trimmed))" }
        var parts: [String] = []
        var run: [Unicode.Scalar] = []
        func flush() {
            guard !run.isEmpty else { return }
            if run.count == 1 {
                parts.append("unigrams: \"\(String(run[0]))\"")
            } else {
                let grams = (0..<(run.count - 1)).map { String(run[$0]) + String(run[$0 + 1]) }
                parts.append("bigrams: \"\(grams.joined(separator: " "))\"")
            }
            run = []
        }
        var latin = ""
        for scalar in trimmed.unicodeScalars {
            if isHan(scalar) {
                run.append(scalar)
            } else {
                flush()
                latin.unicodeScalars.append(scalar)
            }
        }
        flush()
        let words = latin.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map { "\"\($0)\"" }
        if !words.isEmpty { parts.append("english: (\(words.joined(separator: " ")))") }
        return parts.joined(separator: " AND ")
    }

    public func search(_ query: String, kind: String? = nil, lesson: Int? = nil, limit: Int = 20) throws -> [SearchHit] {
        guard let fts = Self.ftsQuery(query) else { return [] }
        return try wrap {
            try database.read { db in
                // FTS5 ranks inside its own table fastest ("ORDER BY rank LIMIT n" never leaves
                // the FTS module); filters join first, since they shrink what is ranked.
                var sql: String
                var arguments: StatementArguments = [fts]
                if kind == nil && lesson == nil {
                    sql = """
                        SELECT s.record, s.kind, s.lesson, s.field, s.at, s.text, hits.rank AS rank
                        FROM (SELECT rowid, rank FROM segments_fts WHERE segments_fts MATCH ? ORDER BY rank LIMIT ?) AS hits
                        JOIN segments s ON s.rowid = hits.rowid
                        ORDER BY hits.rank, s.record, s.ordinal
                        """
                    arguments += [limit]
                } else {
                    sql = """
                        SELECT s.record, s.kind, s.lesson, s.field, s.at, s.text, segments_fts.rank AS rank
                        FROM segments_fts JOIN segments s ON s.rowid = segments_fts.rowid
                        WHERE segments_fts MATCH ?
                        """
                    if let kind {
                        sql += " AND s.kind = ?"
                        arguments += [kind]
                    }
                    if let lesson {
                        sql += " AND s.lesson = ?"
                        arguments += [lesson]
                    }
                    sql += " ORDER BY rank, s.record, s.ordinal LIMIT ?"
                    arguments += [limit]
                }
                return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                    let text: String = row["text"]
                    let rank: Double = row["rank"]
                    return SearchHit(
                        id: row["record"], kind: row["kind"], lesson: row["lesson"], field: row["field"], at: row["at"],
                        snippet: Self.snippet(text, query: query), score: (-rank * 1000).rounded() / 1000)
                }
            }
        }
    }

    /// About 40 characters either side of the first match, the match in 【】.
    static func snippet(_ text: String, query: String) -> String {
        let terms = query.replacingOccurrences(of: "\"", with: " ").split(separator: " ")
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "*()")) }
            .filter { !$0.isEmpty && !["AND", "OR", "NOT"].contains($0) }
        let candidates = [query.replacingOccurrences(of: "\"", with: "")] + terms
        for candidate in candidates where !candidate.isEmpty {
            guard let range = text.range(of: candidate, options: [.caseInsensitive, .diacriticInsensitive]) else { continue }
            let start = text.index(range.lowerBound, offsetBy: -40, limitedBy: text.startIndex) ?? text.startIndex
            let end = text.index(range.upperBound, offsetBy: 40, limitedBy: text.endIndex) ?? text.endIndex
            return (start > text.startIndex ? "…" : "") + text[start..<range.lowerBound] + "【" + text[range] + "】"
                + text[range.upperBound..<end] + (end < text.endIndex ? "…" : "")
        }
        return String(text.prefix(80)) + (text.count > 80 ? "…" : "")
    }

    private func wrap<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            throw CorpusError(file: path, stage: .read, reason: "search: \(error.message ?? "\(error)")")
        }
    }
}

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
                while true {
                    signal.wait()
                    let (records, decision) = pending.withLock { state in
                        defer { state.records.removeAll() }
                        return (state.records, state.decision)
                    }
                    for (record, size, mtime) in records {
                        // Only a document indexed before has segments to drop (an FTS5 delete
                        // that finds nothing still costs a scan).
                        if try Bool.fetchOne(db, sql: "SELECT 1 FROM documents WHERE id = ?", arguments: [record.id]) != nil {
                            try index.remove(record.id, db)
                        }
                        try index.insert(record, db)
                        try db.execute(
                            sql: "UPDATE documents SET size = ?, mtime = ? WHERE id = ?", arguments: [size, mtime, record.id])
                    }
                    guard let decision else { continue }
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
