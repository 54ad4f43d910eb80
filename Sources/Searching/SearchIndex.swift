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
/// Two indexes in one file. Segments (a title, a transcript block, a paragraph, …) are rows of
/// an FTS5 table, which decides what matches a query and where in a document it sits. Documents
/// are ranked with BM25 from postings of their own (term, document, frequency, column length),
/// so that a query reads only the postings of its terms and runs FTS5 only inside the few
/// documents it shows: ranking every matching segment in FTS5 took 100–200 ms for a common
/// word over 10,000 documents. Scores depend on the records only (document frequencies and
/// average lengths are the index's current totals), never on the order they were indexed in.
///
/// English goes through FTS5's `unicode61` tokenizer (prefix queries, phrases). Chinese has no
/// spaces, and FTS5's trigram tokenizer cannot find the one- and two-character words that most
/// of Chinese is made of; so Han text is also indexed as space-separated unigrams and bigrams,
/// and a Chinese query of n characters becomes the phrase of its n−1 bigrams (or its unigram).
public final class SearchIndex {
    let database: DatabaseQueue
    public let path: String

    /// The tables' layout. An index file of another layout (made by an older version) is emptied
    /// and set up again; the sync that follows fills it from the record files. Layout 3: FTS5
    /// keeps no copy of the segments' text (its content is `segments`, through a view), which
    /// was a third of the file and of an ingest's index writes, and no column sizes (only its
    /// own bm25 read them; passages are ranked in Swift).
    static let layout = 3

    /// Whether opening found an index of an earlier layout and set it up again, empty: it holds
    /// nothing until the next sync.
    public private(set) var setUpAgain = false

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
            if try database.read({ db in try Int.fetchOne(db, sql: "PRAGMA user_version") }) != Self.layout {
                setUpAgain = try database.write { db in
                    guard try Int.fetchOne(db, sql: "PRAGMA user_version") != Self.layout else { return false }
                    let older = try db.tableExists("documents")
                    try Self.createTables(db)
                    return older
                }
            }
        } catch let error as DatabaseError {
            throw CorpusError(file: path, stage: .read, reason: "search index: \(error.message ?? "\(error)")")
        }
    }

    /// The layout, from scratch. `segments` keeps the columns earlier versions wrote, so that an
    /// older binary on the same archive still works; what it indexes is unranked (`ranked` 0, no
    /// postings), and the next sync here indexes it again. `segments_fts` reads its content from
    /// `segments` (through `segments_content`), so FTS5 must be given exactly the values that
    /// view shows: an older binary gives it Han grams the view does not hold, and removing what
    /// it indexed rebuilds `segments_fts` from the view (`Writer.finish`).
    private static func createTables(_ db: Database) throws {
        try db.execute(
            sql: """
                DROP TABLE IF EXISTS segments_fts; DROP TABLE IF EXISTS segments; DROP TABLE IF EXISTS documents;
                DROP TABLE IF EXISTS postings; DROP TABLE IF EXISTS generations; DROP TABLE IF EXISTS recent;
                DROP TABLE IF EXISTS removed; DROP TABLE IF EXISTS totals; DROP TABLE IF EXISTS syntax;
                DROP VIEW IF EXISTS segments_content;
                CREATE TABLE documents(
                    number INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, record_sha256 TEXT NOT NULL,
                    size INTEGER NOT NULL DEFAULT -1, mtime INTEGER NOT NULL DEFAULT -1,
                    kind TEXT NOT NULL DEFAULT '', lesson INTEGER,
                    first_segment INTEGER NOT NULL DEFAULT 0, last_segment INTEGER NOT NULL DEFAULT -1,
                    english_length INTEGER NOT NULL DEFAULT 0, unigram_length INTEGER NOT NULL DEFAULT 0,
                    bigram_length INTEGER NOT NULL DEFAULT 0, ranked INTEGER NOT NULL DEFAULT 0);
                CREATE INDEX documents_unranked ON documents(number) WHERE ranked = 0;
                CREATE TABLE segments(
                    rowid INTEGER PRIMARY KEY, record TEXT NOT NULL, kind TEXT NOT NULL, lesson INTEGER,
                    field TEXT NOT NULL, at TEXT, ordinal INTEGER NOT NULL, text TEXT NOT NULL, document INTEGER,
                    folds INTEGER NOT NULL DEFAULT 1, english_length INTEGER NOT NULL DEFAULT 0,
                    han_length INTEGER NOT NULL DEFAULT 0, unigrams TEXT NOT NULL DEFAULT '',
                    bigrams TEXT NOT NULL DEFAULT '');
                CREATE VIEW segments_content AS SELECT rowid AS segment, text AS english, unigrams, bigrams FROM segments;
                CREATE VIRTUAL TABLE segments_fts USING fts5(
                    english, unigrams, bigrams, content='segments_content', content_rowid='segment', columnsize=0,
                    tokenize='unicode61 remove_diacritics 2');
                CREATE VIRTUAL TABLE syntax USING fts5(english, unigrams, bigrams, tokenize='unicode61 remove_diacritics 2');
                CREATE TABLE postings(
                    generation INTEGER NOT NULL, term TEXT NOT NULL, data BLOB NOT NULL,
                    PRIMARY KEY(generation, term)) WITHOUT ROWID;
                CREATE TABLE generations(generation INTEGER PRIMARY KEY, documents INTEGER NOT NULL);
                CREATE TABLE recent(document INTEGER PRIMARY KEY, terms TEXT NOT NULL);
                CREATE TABLE removed(document INTEGER PRIMARY KEY);
                CREATE TABLE totals(
                    one INTEGER PRIMARY KEY CHECK (one = 0), documents INTEGER NOT NULL, english INTEGER NOT NULL,
                    unigrams INTEGER NOT NULL, bigrams INTEGER NOT NULL);
                INSERT INTO totals VALUES (0, 0, 0, 0, 0);
                """)
        try db.execute(sql: "PRAGMA user_version = \(layout)")
    }

    /// A record file's size and modification time (nanoseconds): what says it may have changed.
    struct Stamp: Equatable {
        var size: Int64
        var mtime: Int64
    }

    /// What the index holds for one document.
    private struct Known {
        var hash: String
        var stamp: Stamp
        var ranked: Bool
    }

    /// Every indexed document. Also mends what an older binary did to the index: the documents
    /// it indexed are unranked (the caller indexes them again), and postings and totals of the
    /// documents it removed no longer count.
    private func known(_ db: Database) throws -> [String: Known] {
        let (known, consistent) = try knownAsIs(db)
        if !consistent {
            try db.execute(
                sql: """
                    DELETE FROM recent WHERE document NOT IN (SELECT number FROM documents WHERE ranked = 1);
                    WITH RECURSIVE numbers(n) AS (
                        SELECT 1 UNION ALL SELECT n + 1 FROM numbers
                        WHERE n < (SELECT seq FROM sqlite_sequence WHERE name = 'documents'))
                    INSERT OR IGNORE INTO removed
                        SELECT n FROM numbers WHERE n NOT IN (SELECT number FROM documents WHERE ranked = 1);
                    UPDATE totals SET (documents, english, unigrams, bigrams) = (
                        SELECT count(*), total(english_length), total(unigram_length), total(bigram_length)
                        FROM documents WHERE ranked = 1);
                    """)
        }
        return known
    }

    /// Every indexed document, and whether the totals count exactly the ranked ones (false after
    /// an older binary removed some: `known` mends that). Read through one cursor: at 10,000
    /// documents this is most of what a search does when nothing changed.
    private func knownAsIs(_ db: Database) throws -> (known: [String: Known], consistent: Bool) {
        var known: [String: Known] = [:]
        known.reserveCapacity(try Int.fetchOne(db, sql: "SELECT count(*) FROM documents") ?? 0)
        var ranked = 0
        let rows = try Row.fetchCursor(db, sql: "SELECT id, record_sha256, size, mtime, ranked FROM documents")
        while let row = try rows.next() {
            let entry = Known(hash: row[1], stamp: Stamp(size: row[2], mtime: row[3]), ranked: row[4] as Int == 1)
            known[row[0]] = entry
            if entry.ranked { ranked += 1 }
        }
        return (known, try Int.fetchOne(db, sql: "SELECT documents FROM totals") == ranked)
    }

    /// The documents whose files are gone, and the files whose stamp the index does not hold.
    private static func differences(known: [String: Known], onDisk: [String: Stamp]) -> (gone: [String], changed: [(String, Stamp)]) {
        let gone = known.keys.filter { onDisk[$0] == nil }
        var changed: [(String, Stamp)] = []
        for (id, stamp) in onDisk where known[id].map({ $0.stamp != stamp || !$0.ranked }) ?? true { changed.append((id, stamp)) }
        return (gone, changed.sorted { $0.0 < $1.0 })
    }

    /// Brings the index in line with the record files in `folder` (`data/corpus/`), reading and
    /// decoding only files whose size or modification time differ from what the index noted:
    /// after one new record, one file is read, not every record (a command stays fast at 10,000
    /// documents). A file whose stamp changed but whose `record_sha256` did not is only
    /// re-stamped. Returns how many documents were (re)indexed. `decode` turns a file into a
    /// record (a file that does not decode is left out; `verify` reports it).
    @discardableResult
    /// `progress`: (done, total) as changed files are indexed.
    public func sync(
        folder: URL, decode: @escaping (Data, String) throws -> CorpusRecord, progress: ((Int, Int) -> Void)? = nil
    ) throws -> Int {
        var onDisk: [String: Stamp] = [:]
        // Each file is stat'ed relative to the folder (one path step, not the whole path).
        let directory = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { if directory >= 0 { close(directory) } }
        let base = folder.path + "/"
        for name in FileIO.names(in: folder)
        where name.hasSuffix(".json") && !name.hasPrefix(".") {
            var info = stat()
            let found = directory >= 0 ? fstatat(directory, name, &info, 0) == 0 : stat(base + name, &info) == 0
            guard found else { continue }
            let mtime = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
            onDisk[String(name.dropLast(5))] = Stamp(size: Int64(info.st_size), mtime: mtime)
        }
        return try wrap {
            // Most commands find nothing to do: that is found in a read transaction, and only a
            // difference takes the write lock (and makes a writer).
            let unchanged = try database.read { db in
                let (known, consistent) = try knownAsIs(db)
                let (gone, changed) = Self.differences(known: known, onDisk: onDisk)
                return consistent && gone.isEmpty && changed.isEmpty
            }
            if unchanged { return 0 }
            return try database.write { db in
                let known = try known(db)
                let writer = try Writer(db)
                let (gone, changedFiles) = Self.differences(known: known, onDisk: onDisk)
                for id in gone { try writer.remove(id) }
                var changed = 0
                // Only files whose stamp changed are read, in id order.
                for (number, (id, stamp)) in changedFiles.enumerated() {
                    progress?(number + 1, changedFiles.count)
                    let name = "\(id).json"
                    guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path),
                        let record = try? decode(data, "data/corpus/\(name)"), record.id == id
                    else {
                        if known[id] != nil { try writer.remove(id) }
                        continue
                    }
                    if known[id].map({ $0.hash != record.provenance.recordSHA256 || !$0.ranked }) ?? true {
                        if known[id] != nil { try writer.remove(id) }
                        try writer.insert(record)
                        changed += 1
                    }
                    try db.execute(
                        sql: "UPDATE documents SET size = ?, mtime = ? WHERE id = ?", arguments: [stamp.size, stamp.mtime, id])
                }
                try writer.finish()
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
                let known = try known(db)
                var changed = 0
                let current = Set(records.map(\.id))
                let writer = try Writer(db)
                for id in known.keys where !current.contains(id) { try writer.remove(id) }
                for record in records
                where known[record.id].map({ $0.hash != record.provenance.recordSHA256 || !$0.ranked }) ?? true {
                    if known[record.id] != nil { try writer.remove(record.id) }
                    try writer.insert(record)
                    changed += 1
                }
                try writer.finish()
                return changed
            }
        }
    }

    /// Empties the index and indexes `records` again.
    public func rebuild(_ records: [CorpusRecord]) throws {
        try wrap {
            try database.write { db in
                try Self.createTables(db)
                let writer = try Writer(db)
                for record in records { try writer.insert(record) }
                try writer.finish()
            }
        }
    }

    static func isHan(_ scalar: Unicode.Scalar) -> Bool { Han.contains(scalar) }

    /// The Han unigrams and bigrams of a text, space-separated (bigrams do not cross non-Han
    /// text).
    static func hanGrams(_ text: String) -> (unigrams: String, bigrams: String) {
        var counts = TermCounts()
        return counts.add(text, tokenizer: nil)
    }

    /// About 40 characters either side of `match` (UTF-8 offsets), the match in 【】.
    static func snippet(_ text: String, at match: Range<Int>) -> String {
        let utf8 = text.utf8
        guard match.upperBound <= utf8.count,
            let lower = utf8.index(utf8.startIndex, offsetBy: match.lowerBound).samePosition(in: text),
            let upper = utf8.index(utf8.startIndex, offsetBy: match.upperBound).samePosition(in: text)
        else { return snippet(text, query: "") }
        let start = text.index(lower, offsetBy: -40, limitedBy: text.startIndex) ?? text.startIndex
        let end = text.index(upper, offsetBy: 40, limitedBy: text.endIndex) ?? text.endIndex
        return (start > text.startIndex ? "…" : "") + text[start..<lower] + "【" + text[lower..<upper] + "】" + text[upper..<end]
            + (end < text.endIndex ? "…" : "")
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

    func wrap<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            throw CorpusError(file: path, stage: .read, reason: "search: \(error.message ?? "\(error)")")
        }
    }
}
