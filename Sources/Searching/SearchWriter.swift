import CorpusKit
import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// The document-level postings are kept the way they are cheapest to write and still quick to
/// read (a small log-structured index inside the SQLite file):
///
/// - A write of a few documents stores each as one `recent` row: its terms, frequencies and
///   column lengths as text lines ("\nterm\tfrequency\tlength"). One row per document, where a
///   posting per term would dirty a page per term (about a thousand) in every commit.
/// - Once more documents are recent than `recentLimit` (or a write adds many), they are folded
///   into a generation: one `postings` row per term, its documents packed (varints of document
///   number delta, frequency, length). Rows are keyed by (generation, term), so a new generation
///   is appended at the B-tree's end.
/// - Generations are merged four at a time when four of one size class (powers of four, in
///   documents) accumulate, so a term is read from a few rows whatever the history.
/// - A removed document's number goes to `removed` (numbers are never reused); queries skip it
///   and merges drop its postings; when many accumulate, every generation is merged into one.
extension SearchIndex {
    /// How many documents may sit in `recent` before they are folded into a generation.
    static let recentLimit = 128
    /// A write folds what it added every this many documents: its memory stays bounded, and a
    /// batch indexer folds while the batch is still being built, not after it committed.
    static let foldEvery = 256
    /// Folded postings are held in memory until they are this many entries (some 16 MB) or the
    /// write ends, and written then as one generation: a batch of a thousand documents is one
    /// generation, not four written and then read back to be merged at the batch's end.
    static let unwrittenEntryLimit = 1_000_000
    /// How many generations of one size class are merged into one.
    static let mergeWidth = 4
    /// Removed documents that trigger merging every generation (which drops their postings),
    /// once they are also a quarter of the index.
    static let compactAfterRemoved = 512

    /// Folds the recent documents into a generation, for a writer with time on its hands (the
    /// watcher, when Inbox/ is quiet): queries then read no recent rows.
    public func settle() throws {
        try wrap {
            try database.write { db in
                guard try Int.fetchOne(db, sql: "SELECT count(*) FROM recent") ?? 0 > 0 else { return }
                let writer = try Writer(db)
                try writer.fold()
            }
        }
    }

    /// Adds and removes documents within one write: the statements and the tokenizer are made
    /// once, and postings are written when the write ends (`finish`, required before commit).
    final class Writer {
        let db: Database
        let tokenizer: any FTS5Tokenizer
        private let document: Statement
        private let segment: Statement
        private let searchable: Statement
        private let finishDocument: Statement
        /// Adds a document's count and column lengths to the totals (negated to take them away).
        private let addToTotals: Statement
        /// Documents added in this write whose postings are not written yet.
        private var pending: [(number: Int64, counts: TermCounts)] = []
        /// Postings of documents folded in this write and not written yet (documents ascending),
        /// how many documents they hold, and how many entries.
        private var unwritten = TermTable<Postings>()
        private var unwrittenDocuments = 0
        private var unwrittenEntries = 0
        /// Documents added in this write.
        private var inserted = 0
        /// Segment rows for FTS5 not inserted yet, and their size. They are inserted together:
        /// every other statement in between (one per document) made FTS5 flush what it holds in
        /// memory as a tiny segment of its own, and merging those was most of indexing's cost.
        private var searchableRows: [(rowid: Int64, text: String, unigrams: String, bigrams: String)] = []
        private var searchableBytes = 0
        /// Whether FTS5 must be rebuilt from `segments` before the write ends: an older binary's
        /// rows were removed, and what it gave FTS5 may not be what `segments` shows.
        private var rebuildSearchable = false

        init(_ db: Database) throws {
            self.db = db
            tokenizer = try db.makeTokenizer(.unicode61(diacritics: .remove))
            document = try db.cachedStatement(
                sql: "INSERT INTO documents(id, record_sha256, kind, lesson, ranked) VALUES (?, ?, ?, ?, 1)")
            segment = try db.cachedStatement(
                sql: """
                    INSERT INTO segments(
                        record, kind, lesson, field, at, ordinal, text, document, folds, english_length, han_length, unigrams,
                        bigrams)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            )
            searchable = try db.cachedStatement(sql: "INSERT INTO segments_fts(rowid, english, unigrams, bigrams) VALUES (?, ?, ?, ?)")
            addToTotals = try db.cachedStatement(
                sql: """
                    UPDATE totals SET documents = documents + ?, english = english + ?, unigrams = unigrams + ?,
                        bigrams = bigrams + ?
                    """)
            finishDocument = try db.cachedStatement(
                sql: """
                    UPDATE documents SET first_segment = ?, last_segment = ?, english_length = ?, unigram_length = ?,
                        bigram_length = ? WHERE number = ?;
                    """)
        }

        /// Indexes `record`, which the index does not hold.
        func insert(_ record: CorpusRecord) throws {
            let kind = record.kind.rawValue
            let lesson = record.series?.lesson
            try document.execute(arguments: [record.id, record.provenance.recordSHA256, kind, lesson])
            let number = db.lastInsertedRowID
            var counts = TermCounts()
            var ordinal = 0
            var first: Int64 = 0
            var last: Int64 = -1
            func add(_ field: String, _ text: String?, at: String? = nil) throws {
                guard let text, !text.isEmpty else { return }
                ordinal += 1
                var bytes = text
                let folds = bytes.withUTF8(SegmentScorer.folds)
                let before = counts.lengths
                let grams = counts.add(text, tokenizer: tokenizer)
                try segment.execute(arguments: [
                    record.id, kind, lesson, field, at, ordinal, text, number, folds, counts.lengths[0] - before[0],
                    counts.lengths[1] - before[1], grams.unigrams, grams.bigrams
                ])
                let rowid = db.lastInsertedRowID
                if ordinal == 1 { first = rowid }
                last = rowid
                searchableRows.append((rowid, text, grams.unigrams, grams.bigrams))
                searchableBytes += text.utf8.count + grams.unigrams.utf8.count + grams.bigrams.utf8.count
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
            let lengths = counts.lengths
            try finishDocument.execute(arguments: [first, last, lengths[0], lengths[1], lengths[2], number])
            try addToTotals.execute(arguments: [1, lengths[0], lengths[1], lengths[2]])
            pending.append((number, counts))
            inserted += 1
            // Inserted every 2 MB: FTS5 still writes a segment per few dozen documents, and the work
            // keeps pace with a writer that puts records quickly (fetch puts all of its at the end).
            if searchableBytes > 2 << 20 { try insertSearchable() }
            if pending.count >= SearchIndex.foldEvery {
                try gather()
                if unwrittenEntries >= SearchIndex.unwrittenEntryLimit { try writeUnwritten() }
            }
        }

        private func insertSearchable() throws {
            for row in searchableRows { try searchable.execute(arguments: [row.rowid, row.text, row.unigrams, row.bigrams]) }
            searchableRows = []
            searchableBytes = 0
        }

        /// Drops a document: its segments, postings and share of the totals.
        func remove(_ id: String) throws {
            // Cached: a batch indexer asks this of every record it adds.
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT number, first_segment, last_segment, english_length, unigram_length, bigram_length, ranked
                            FROM documents WHERE id = ?
                            """), arguments: [id])
            else { return }
            let number: Int64 = row[0]
            if row[6] as Int == 1 {
                // FTS5 removes a row's tokens by reading it from `segments`: a row it was not given
                // yet must not be removed from it, so such rows are given to it first.
                let segments = (row[1] as Int64)...max(row[1] as Int64, row[2] as Int64)
                if searchableRows.contains(where: { segments.contains($0.rowid) }) { try insertSearchable() }
                try db.execute(sql: "DELETE FROM segments_fts WHERE rowid BETWEEN ? AND ?", arguments: [row[1], row[2]])
                try db.execute(sql: "DELETE FROM segments WHERE rowid BETWEEN ? AND ?", arguments: [row[1], row[2]])
                try addToTotals.execute(arguments: [-1, -(row[3] as Int64), -(row[4] as Int64), -(row[5] as Int64)])
                if let index = pending.firstIndex(where: { $0.number == number }) {
                    pending.remove(at: index)
                } else {
                    try db.execute(sql: "DELETE FROM recent WHERE document = ?", arguments: [number])
                    if db.changesCount == 0 {
                        try db.execute(sql: "INSERT OR IGNORE INTO removed(document) VALUES (?)", arguments: [number])
                    }
                }
            } else {
                // Indexed by an older binary: its segments are found by the record's id, and FTS5
                // is rebuilt from `segments` once the write is done (what the older binary gave
                // it is not known exactly).
                try db.execute(sql: "DELETE FROM segments WHERE record = ?", arguments: [id])
                rebuildSearchable = true
            }
            try db.execute(sql: "DELETE FROM documents WHERE number = ?", arguments: [number])
        }

        /// Writes the postings of what this write added: as `recent` rows while few documents are
        /// recent, folded into a generation otherwise; and compacts when removals piled up.
        func finish() throws {
            try insertSearchable()
            if rebuildSearchable {
                try db.execute(sql: "INSERT INTO segments_fts(segments_fts) VALUES ('rebuild')")
                rebuildSearchable = false
            }
            if unwrittenDocuments > 0 {
                try fold()
            } else if !pending.isEmpty {
                let recent = try Int.fetchOne(db, sql: "SELECT count(*) FROM recent") ?? 0
                // A large write leaves no recent rows behind (every query reads them all).
                if recent + pending.count > SearchIndex.recentLimit || inserted > SearchIndex.recentLimit {
                    try fold()
                } else {
                    let insert = try db.cachedStatement(sql: "INSERT INTO recent(document, terms) VALUES (?, ?)")
                    for (number, counts) in pending { try insert.execute(arguments: [number, counts.recentText]) }
                    pending = []
                }
            }
            // Every generation is merged once removed documents are both many and a quarter of the
            // index: rewriting all postings then costs little per removal, at any size.
            let removed = try Int.fetchOne(db, sql: "SELECT count(*) FROM removed") ?? 0
            let documents = try Int.fetchOne(db, sql: "SELECT documents FROM totals") ?? 0
            if removed >= max(SearchIndex.compactAfterRemoved, documents / 4) {
                try merge(try Int64.fetchAll(db, sql: "SELECT generation FROM generations ORDER BY generation"))
            }
        }

        /// Moves the recent documents and those pending into a new generation, then merges.
        func fold() throws {
            try gather()
            try writeUnwritten()
        }

        /// Moves the recent documents and those pending into the unwritten postings. Recent
        /// documents are numbered below pending ones, and pending ones below any added later,
        /// so every term's documents stay in ascending order.
        private func gather() throws {
            var documents = 0
            var entries = 0
            for row in try Row.fetchAll(db, sql: "SELECT document, terms FROM recent ORDER BY document") {
                let number: Int64 = row[0]
                RecentTerms.each(in: row[1]) { term, frequency, length in
                    unwritten.update(term, initial: Postings()) { $0.append(number, frequency, length) }
                    entries += 1
                }
                documents += 1
            }
            if documents > 0 { try db.execute(sql: "DELETE FROM recent") }
            for (number, counts) in pending {
                let lengths = counts.lengths.map { Int32($0) }
                let table = counts.table
                for (key, frequency) in zip(table.shortKeys, table.shortValues) {
                    let length = lengths[key.column.rawValue]
                    unwritten.update(key, initial: Postings()) { $0.append(number, frequency, length) }
                }
                for (term, frequency) in table.long {
                    unwritten.update(term, initial: Postings()) { $0.append(number, frequency, counts.length(of: term)) }
                }
                entries += table.shortKeys.count + table.long.count
            }
            documents += pending.count
            pending = []
            unwrittenDocuments += documents
            unwrittenEntries += entries
        }

        /// Writes the unwritten postings as a new generation, then merges.
        private func writeUnwritten() throws {
            guard unwrittenDocuments > 0 else { return }
            var sorted: [(String, Postings)] = []
            sorted.reserveCapacity(unwritten.count)
            unwritten.visit { sorted.append(($0, $1)) }
            let documents = unwrittenDocuments
            unwritten = TermTable<Postings>()
            (unwrittenDocuments, unwrittenEntries) = (0, 0)
            try write(sorted.sorted { $0.0 < $1.0 }, documents: documents)
            try mergeIfDue()
        }

        /// Appends a generation.
        private func write(_ postings: [(String, Postings)], documents: Int) throws {
            try db.execute(sql: "INSERT INTO generations(documents) VALUES (?)", arguments: [documents])
            let generation = db.lastInsertedRowID
            let insert = try db.cachedStatement(sql: "INSERT INTO postings(generation, term, data) VALUES (?, ?, ?)")
            for (term, list) in postings { try insert.execute(arguments: [generation, term, list.packed]) }
        }

        /// Merges the newest generations while `mergeWidth` of them share a size class.
        private func mergeIfDue() throws {
            while true {
                let newest = try Row.fetchAll(
                    db, sql: "SELECT generation, documents FROM generations ORDER BY generation DESC LIMIT ?",
                    arguments: [SearchIndex.mergeWidth])
                guard newest.count == SearchIndex.mergeWidth else { return }
                let classes = Set(newest.map { Self.sizeClass($0[1]) })
                guard classes.count == 1 else { return }
                try merge(newest.map { $0[0] as Int64 }.reversed())
            }
        }

        static func sizeClass(_ documents: Int) -> Int {
            var size = max(1, documents / SearchIndex.recentLimit)
            var sizeClass = 0
            while size >= SearchIndex.mergeWidth {
                size /= SearchIndex.mergeWidth
                sizeClass += 1
            }
            return sizeClass
        }

        /// Rewrites `generations` (oldest first) as one new generation, without removed documents.
        private func merge(_ generations: [Int64]) throws {
            guard !generations.isEmpty else { return }
            let removed = Set(try Int64.fetchAll(db, sql: "SELECT document FROM removed"))
            var postings: [String: Postings] = [:]
            var documents = Set<Int64>()
            let rows = try db.cachedStatement(sql: "SELECT term, data FROM postings WHERE generation = ?")
            for generation in generations {
                let cursor = try Row.fetchCursor(rows, arguments: [generation])
                while let row = try cursor.next() {
                    let term: String = row[0]
                    var list = postings[term] ?? Postings()
                    try row.withUnsafeData(atIndex: 1) { data in
                        let before = list.count
                        _ = list.append(packed: data ?? Data(), removed: removed)
                        for index in before..<list.count { documents.insert(list.documents[index]) }
                    }
                    postings[term] = list.isEmpty ? nil : list
                }
            }
            for generation in generations {
                try db.execute(sql: "DELETE FROM postings WHERE generation = ?", arguments: [generation])
                try db.execute(sql: "DELETE FROM generations WHERE generation = ?", arguments: [generation])
            }
            // Once every generation is merged, no postings of a removed document are left.
            if try Int.fetchOne(db, sql: "SELECT count(*) FROM generations") == 0 { try db.execute(sql: "DELETE FROM removed") }
            if !documents.isEmpty { try write(postings.sorted { $0.key < $1.key }, documents: documents.count) }
        }
    }
}

extension TermCounts {
    /// The length of `term`'s column in this document.
    func length(of term: String) -> Int32 { Int32(lengths[TermColumn(of: term).rawValue]) }

    /// The document's `recent` row: "\nterm\tfrequency\tlength" per term, terms in UTF-8 byte
    /// order (found by binary search), and a final newline.
    var recentText: String {
        var bytes: [UInt8] = []
        for (term, frequency) in terms.sorted(by: { $0.term.utf8.lexicographicallyPrecedes($1.term.utf8) }) {
            bytes.append(0x0A)
            bytes.append(contentsOf: term.utf8)
            bytes.append(0x09)
            bytes.append(contentsOf: String(frequency).utf8)
            bytes.append(0x09)
            bytes.append(contentsOf: String(length(of: term)).utf8)
        }
        bytes.append(0x0A)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Reading a `recent` row.
enum RecentTerms {
    /// Calls `body` with the frequency and length of `term` (of every term beginning with it,
    /// when `prefix`) in a `recent` row, found by binary search over its sorted lines.
    static func find(_ term: String, prefix: Bool, in text: String, _ body: (Int32, Int32) -> Void) {
        var text = text
        let wanted = Array(term.utf8)
        text.withUTF8 { bytes in
            guard let final = bytes.lastIndex(of: 0x0A), bytes.first == 0x0A else { return }
            /// The line's term: from after its newline to its first tab (or the next newline).
            func termEnd(_ start: Int) -> Int {
                var end = start + 1
                while end < bytes.count && bytes[end] != 0x09 && bytes[end] != 0x0A { end += 1 }
                return end
            }
            func nextLine(_ start: Int) -> Int {
                var end = start + 1
                while end < final && bytes[end] != 0x0A { end += 1 }
                return end
            }
            func compare(_ start: Int) -> Int {
                let term = UnsafeBufferPointer(rebasing: bytes[(start + 1)..<termEnd(start)])
                let shared = min(term.count, wanted.count)
                let order = shared == 0 ? 0 : memcmp(term.baseAddress!, wanted, shared)
                if order != 0 { return Int(order) }
                return term.count - wanted.count
            }
            // The first line whose term is not below `term`.
            var low = 0
            var high = final
            while low < high {
                var middle = (low + high) / 2
                while middle > low && bytes[middle] != 0x0A { middle -= 1 }
                if compare(middle) < 0 { low = nextLine(middle) } else { high = middle }
            }
            var line = low
            while line < final {
                let end = termEnd(line)
                let length = end - line - 1
                guard prefix ? length >= wanted.count : length == wanted.count,
                    wanted.isEmpty || memcmp(bytes.baseAddress! + line + 1, wanted, wanted.count) == 0
                else { return }
                // The line's two numbers: frequency, then length.
                var numbers: [Int32] = [0, 0]
                var field = -1
                var position = end
                while position < bytes.count && bytes[position] != 0x0A {
                    let byte = bytes[position]
                    if byte == 0x09 {
                        field += 1
                    } else if field >= 0 && field < 2 && byte >= 0x30 && byte <= 0x39 {
                        numbers[field] = numbers[field] &* 10 &+ Int32(byte - 0x30)
                    }
                    position += 1
                }
                if field == 1 { body(numbers[0], numbers[1]) }
                line = position
            }
        }
    }

    static func each(in text: String, _ body: (String, Int32, Int32) -> Void) {
        for line in text.pieces(separatedBy: "\n") where !line.isEmpty {
            let fields = line.pieces(separatedBy: "\t")
            guard fields.count == 3, let frequency = Int32(fields[1]), let length = Int32(fields[2]) else { continue }
            body(fields[0], frequency, length)
        }
    }
}

extension Postings {
    /// Varints of (document − previous document, frequency, length), documents ascending.
    var packed: Data {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count * 4)
        var previous: Int64 = 0
        func put(_ value: UInt64) {
            var value = value
            while value >= 0x80 {
                bytes.append(UInt8(value & 0x7F) | 0x80)
                value >>= 7
            }
            bytes.append(UInt8(value))
        }
        for index in 0..<count {
            put(UInt64(documents[index] - previous))
            previous = documents[index]
            put(UInt64(frequencies[index]))
            put(UInt64(lengths[index]))
        }
        return Data(bytes)
    }

    /// Appends packed postings, leaving out `removed` documents; false when the documents did
    /// not follow those already here in ascending order. Decoded a chunk at a time into small
    /// scratch buffers and appended whole: a common term's postings are most of a query's time;
    /// appending entry by entry to three arrays was half of it, and scratch buffers as large as
    /// the whole list cost as much again in fresh pages.
    mutating func append(packed data: Data, removed: Set<Int64>) -> Bool {
        var ascending = true
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            guard bytes.count >= 3 else { return }
            // Each entry takes at least three bytes. (Reserved only when empty: reserving the
            // exact size on every append to a growing list would copy it every time.)
            if documents.isEmpty {
                documents.reserveCapacity(bytes.count / 3)
                frequencies.reserveCapacity(bytes.count / 3)
                lengths.reserveCapacity(bytes.count / 3)
            }
            let chunk = 1_024
            let newDocuments = UnsafeMutableBufferPointer<Int64>.allocate(capacity: chunk)
            let newFrequencies = UnsafeMutableBufferPointer<Int32>.allocate(capacity: chunk)
            let newLengths = UnsafeMutableBufferPointer<Int32>.allocate(capacity: chunk)
            defer {
                newDocuments.deallocate()
                newFrequencies.deallocate()
                newLengths.deallocate()
            }
            var offset = 0
            @inline(__always) func next() -> UInt64? {
                var value: UInt64 = 0
                var shift: UInt64 = 0
                while offset < bytes.count {
                    let byte = bytes[offset]
                    offset += 1
                    value |= UInt64(byte & 0x7F) << shift
                    if byte < 0x80 { return value }
                    shift += 7
                    if shift > 63 { return nil }
                }
                return nil
            }
            func flush(_ decoded: Int) {
                documents.append(contentsOf: newDocuments[..<decoded])
                frequencies.append(contentsOf: newFrequencies[..<decoded])
                lengths.append(contentsOf: newLengths[..<decoded])
            }
            var document: Int64 = 0
            var decoded = 0
            var first = true
            let skipping = !removed.isEmpty
            while offset < bytes.count {
                guard let delta = next(), let frequency = next(), let length = next() else { break }
                document &+= Int64(truncatingIfNeeded: delta)
                if first {
                    ascending = documents.last.map { document > $0 } ?? true
                    first = false
                }
                if skipping && removed.contains(document) { continue }
                newDocuments[decoded] = document
                newFrequencies[decoded] = Int32(clamping: frequency)
                newLengths[decoded] = Int32(clamping: length)
                decoded += 1
                if decoded == chunk {
                    flush(decoded)
                    decoded = 0
                }
            }
            flush(decoded)
        }
        return ascending
    }
}
