import CorpusKit
import Foundation
import GRDB

/// The documents that hold a term group, in ascending document number, each with how often it
/// holds the group and the length of the group's column in it.
struct Postings {
    var documents: [Int64] = []
    var frequencies: [Int32] = []
    var lengths: [Int32] = []

    var count: Int { documents.count }
    var isEmpty: Bool { documents.isEmpty }

    /// The same entries in ascending document order (stable).
    func sortedByDocument() -> Postings {
        let order = documents.indices.sorted { (documents[$0], $0) < (documents[$1], $1) }
        var result = Postings()
        for index in order { result.append(documents[index], frequencies[index], lengths[index]) }
        return result
    }

    mutating func append(_ document: Int64, _ frequency: Int32, _ length: Int32) {
        documents.append(document)
        frequencies.append(frequency)
        lengths.append(length)
    }

    /// The documents in both, counted as the smaller frequency (a phrase's terms).
    func intersection(_ other: Postings) -> Postings {
        var result = Postings()
        let most = min(count, other.count)
        result.documents.reserveCapacity(most)
        result.frequencies.reserveCapacity(most)
        result.lengths.reserveCapacity(most)
        documents.withUnsafeBufferPointer { mine in
            other.documents.withUnsafeBufferPointer { theirs in
                var i = 0
                var j = 0
                while i < mine.count && j < theirs.count {
                    if mine[i] < theirs[j] {
                        i += 1
                    } else if mine[i] > theirs[j] {
                        j += 1
                    } else {
                        result.append(mine[i], min(frequencies[i], other.frequencies[j]), lengths[i])
                        i += 1
                        j += 1
                    }
                }
            }
        }
        return result
    }
}

extension SearchIndex {
    /// BM25's term-frequency saturation and length normalization, at their usual values.
    static let k1 = 1.2
    static let b = 0.75
    /// Documents whose segments fail the query, tried before the exact set of matching documents
    /// is asked of FTS5 (a conjunctive query's documents hold every term, but not always in one
    /// segment or in order).
    static let missesBeforeExactMatch = 32

    /// Ranked hits for `query`. Documents are ranked by BM25 over their postings and shown best
    /// first, each by its best-matching segment (BM25 within the document, `SegmentScorer`);
    /// when fewer documents than `limit` match, their further segments follow, document by
    /// document. Equal scores are ordered by document id.
    public func search(_ query: String, kind: String? = nil, lesson: Int? = nil, limit: Int = 20) throws -> [SearchHit] {
        try wrap {
            try database.read { db in
                let tokenizer = try db.makeTokenizer(.unicode61(diacritics: .remove))
                let tokens: (String) -> [String] = { text in
                    var tokens: [String] = []
                    TermCounts.englishTokens(text, tokenizer: tokenizer, for: .query) { tokens.append($0) }
                    return tokens
                }
                guard let parsed = SearchQuery(query, tokens: tokens) else { return [] }
                // FTS5 reads the query against an empty table of the same columns: a syntax error
                // is reported whatever the postings hold, and nothing is evaluated (a prefix
                // query on the segments merges every matching term's postings first).
                _ = try Row.fetchAll(db, sql: "SELECT rowid FROM syntax WHERE syntax MATCH ?", arguments: [parsed.fts])
                return try Ranking(db: db, query: parsed, kind: kind, lesson: lesson).hits(
                    limit: limit, snippetFor: query, tokenizer: tokenizer)
            }
        }
    }
}

/// One query's ranking, inside one read transaction.
private struct Ranking {
    let db: Database
    let query: SearchQuery
    let kind: String?
    let lesson: Int?
    let documents: Double
    let averageLengths: [Double]
    let state: IndexState

    /// What every term's postings are read against.
    struct IndexState {
        var generations: [Int64]
        var removed: Set<Int64>
        var recent: [(Int64, String)]
    }

    init(db: Database, query: SearchQuery, kind: String?, lesson: Int?) throws {
        self.db = db
        self.query = query
        self.kind = kind
        self.lesson = lesson
        let totals = try Row.fetchOne(db, sql: "SELECT documents, english, unigrams, bigrams FROM totals")
        let count = Double(totals?[0] as Int64? ?? 0)
        documents = count
        averageLengths = (1...3).map { column in count > 0 ? max(1, Double(totals?[column] as Int64? ?? 0) / count) : 1 }
        state = IndexState(
            generations: try Int64.fetchAll(db, sql: "SELECT generation FROM generations ORDER BY generation"),
            removed: Set(try Int64.fetchAll(db, sql: "SELECT document FROM removed")),
            recent: try Row.fetchAll(db, sql: "SELECT document, terms FROM recent ORDER BY document").map { ($0[0], $0[1]) })
    }

    /// The postings of one term, or of every term in `[from, to)` (entries of one document
    /// stay apart), from every generation and the recent documents, without removed documents.
    private func postings(from: String, to: String? = nil) throws -> Postings {
        var result = Postings()
        let statement =
            to == nil
            ? try db.cachedStatement(sql: "SELECT data FROM postings WHERE generation = ? AND term = ?")
            : try db.cachedStatement(sql: "SELECT data FROM postings WHERE generation = ? AND term >= ? AND term < ?")
        var sorted = true
        for generation in state.generations {
            let rows = try Row.fetchCursor(statement, arguments: to == nil ? [generation, from] : [generation, from, to])
            while let row = try rows.next() {
                try row.withUnsafeData(atIndex: 0) { data in
                    if !result.append(packed: data ?? Data(), removed: state.removed) { sorted = false }
                }
            }
        }
        for (number, terms) in state.recent {
            RecentTerms.find(from, prefix: to != nil, in: terms) { frequency, length in
                if let last = result.documents.last, last > number { sorted = false }
                result.append(number, frequency, length)
            }
        }
        // A prefix's terms interleave; its caller merges them by document in any order.
        return sorted || to != nil ? result : result.sortedByDocument()
    }

    /// The postings of a group.
    private func postings(_ group: SearchQuery.Group) throws -> Postings {
        switch group {
        case .term(let term):
            return try postings(from: term)
        case .prefix(let prefix):
            // Every term that begins with the prefix, one document summed over its terms.
            let rows = try postings(from: prefix, to: prefix + "\u{10FFFF}")
            guard let last = rows.documents.max() else { return rows }
            var frequencies = [Int32](repeating: 0, count: Int(last) + 1)
            var lengths = [Int32](repeating: 0, count: Int(last) + 1)
            for index in 0..<rows.count {
                frequencies[Int(rows.documents[index])] += rows.frequencies[index]
                lengths[Int(rows.documents[index])] = rows.lengths[index]
            }
            var merged = Postings()
            for document in frequencies.indices where frequencies[document] > 0 {
                merged.append(Int64(document), frequencies[document], lengths[document])
            }
            return merged
        case .phrase(let terms):
            var lists = try terms.map { try postings(from: $0) }
            lists.sort { $0.count < $1.count }
            return lists.dropFirst().reduce(lists[0]) { $0.intersection($1) }
        }
    }

    private func column(_ group: SearchQuery.Group) -> TermColumn {
        switch group {
        case .term(let term), .prefix(let term): TermColumn(of: term)
        case .phrase(let terms): TermColumn(of: terms[0])
        }
    }

    /// The BM25 score of every document that holds all groups (of every document in `within`,
    /// when given), and each group's weight (its idf).
    private func scores(within: Set<Int64>?) throws -> (scores: [(number: Int64, score: Double)], weights: [Double]) {
        let lists = try query.groups.map { try postings($0) }
        let size = Int(max(lists.compactMap { $0.documents.max() }.max() ?? 0, within?.max() ?? 0)) + 1
        var scores = [Double](repeating: 0, count: size)
        var holders = [Int](repeating: 0, count: size)
        var weights: [Double] = []
        for (group, list) in zip(query.groups, lists) {
            let frequency = Double(list.count)
            let idf = log(1 + (documents - frequency + 0.5) / (frequency + 0.5))
            weights.append(idf)
            let average = averageLengths[column(group).rawValue]
            for index in 0..<list.count {
                let document = Int(list.documents[index])
                let tf = Double(list.frequencies[index])
                let norm = SearchIndex.k1 * (1 - SearchIndex.b + SearchIndex.b * Double(list.lengths[index]) / average)
                scores[document] += idf * tf * (SearchIndex.k1 + 1) / (tf + norm)
                holders[document] += 1
            }
        }
        if let within { return (within.map { ($0, scores[Int($0)]) }, weights) }
        let required = query.groups.count
        return (holders.indices.lazy.filter { holders[$0] == required }.map { (Int64($0), scores[$0]) }, weights)
    }

    /// The best `count` of `candidates` (more when the last ties with others), best first: score
    /// descending, then document number (ties are put in id order later).
    static func best(_ count: Int, of candidates: [(number: Int64, score: Double)]) -> [(number: Int64, score: Double)] {
        func before(_ a: (number: Int64, score: Double), _ b: (number: Int64, score: Double)) -> Bool {
            a.score != b.score ? a.score > b.score : a.number < b.number
        }
        guard candidates.count > count else { return candidates.sorted(by: before) }
        // A min-heap of the best `count` so far (its root is the worst of them).
        var heap: [(number: Int64, score: Double)] = []
        heap.reserveCapacity(count)
        func siftDown(_ start: Int) {
            var parent = start
            while true {
                let left = 2 * parent + 1
                guard left < heap.count else { return }
                var worst = left
                if left + 1 < heap.count && before(heap[worst], heap[left + 1]) { worst = left + 1 }
                guard before(heap[parent], heap[worst]) else { return }
                heap.swapAt(parent, worst)
                parent = worst
            }
        }
        for candidate in candidates {
            if heap.count < count {
                heap.append(candidate)
                var child = heap.count - 1
                while child > 0 {
                    let parent = (child - 1) / 2
                    guard before(heap[parent], heap[child]) else { break }
                    heap.swapAt(parent, child)
                    child = parent
                }
            } else if before(candidate, heap[0]) {
                heap[0] = candidate
                siftDown(0)
            }
        }
        let cut = heap[0].score
        var chosen = heap
        let taken = Set(heap.map(\.number))
        for candidate in candidates where candidate.score == cut && !taken.contains(candidate.number) { chosen.append(candidate) }
        return chosen.sorted(by: before)
    }

    /// The documents whose segments match the FTS5 query.
    private func exactMatches() throws -> Set<Int64> {
        Set(
            try Int64.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT s.document FROM segments_fts JOIN segments s ON s.rowid = segments_fts.rowid
                    WHERE segments_fts MATCH ? AND s.document IS NOT NULL
                    """, arguments: [query.fts]))
    }

    /// The documents that pass the kind and lesson filters (nil: every document).
    private func allowed() throws -> Set<Int64>? {
        guard kind != nil || lesson != nil else { return nil }
        var sql = "SELECT number FROM documents WHERE ranked = 1"
        var arguments: StatementArguments = []
        if let kind {
            sql += " AND kind = ?"
            arguments += [kind]
        }
        if let lesson {
            sql += " AND lesson = ?"
            arguments += [lesson]
        }
        return Set(try Int64.fetchAll(db, sql: sql, arguments: arguments))
    }

    private struct Document {
        var number: Int64
        var id: String
        var kind: String
        var lesson: Int?
        var score: Double
        var segments: ClosedRange<Int64>
        /// Mean segment length per column.
        var averages: [Double]
    }

    /// The documents numbered `numbers` (a few), with their scores.
    private func documents(_ numbers: [Int64], scores: [Int64: Double]) throws -> [Document] {
        // One cached statement, asked once per document: an `IN` list of varying length was
        // compiled anew for every group of documents.
        let statement = try db.cachedStatement(
            sql: """
                SELECT number, id, kind, lesson, first_segment, last_segment, english_length, unigram_length, bigram_length
                FROM documents WHERE number = ? AND ranked = 1
                """)
        var found: [Document] = []
        for number in numbers {
            // Read from the cursor's row in place (no copy of the row), while the cursor lives.
            let cursor = try Row.fetchCursor(statement, arguments: [number])
            try withExtendedLifetime(cursor) {
                guard let row = try cursor.next() else { return }
                let segments: ClosedRange<Int64> = row[4]...max(row[4], row[5])
                let count = Double(segments.count)
                found.append(
                    Document(
                        number: row[0], id: row[1], kind: row[2], lesson: row[3], score: scores[row[0]] ?? 0, segments: segments,
                        averages: (6...8).map { max(1, Double(row[$0] as Int64) / count) }))
            }
        }
        return found
    }

    /// `numbers` in the order of their documents' ids (one scan of the table when they are many),
    /// or only the first `first` of them, and whether that is all of them. A group that is a
    /// good part of the index (a common word in near-identical pages) is read in id order
    /// through the index on ids, only as far as it needs: no reading and sorting every id.
    private func idOrder(_ numbers: [Int64], first: Int) throws -> (order: [Int64], complete: Bool) {
        if numbers.count > first && numbers.count * 4 >= Int(documents) {
            let wanted = Set(numbers)
            var order: [Int64] = []
            let rows = try Int64.fetchCursor(
                db.cachedStatement(sql: "SELECT number FROM documents WHERE ranked = 1 ORDER BY id"))
            while order.count < first, let number = try rows.next() {
                if wanted.contains(number) { order.append(number) }
            }
            return (order, false)
        }
        return (try idOrder(numbers), true)
    }

    /// `numbers` in the order of their documents' ids (one scan of the table when they are many).
    private func idOrder(_ numbers: [Int64]) throws -> [Int64] {
        var pairs: [(id: String, number: Int64)] = []
        if numbers.count > 64 {
            let wanted = Set(numbers)
            for row in try Row.fetchAll(db, sql: "SELECT number, id FROM documents WHERE ranked = 1") where wanted.contains(row[0]) {
                pairs.append((row[1], row[0]))
            }
        } else {
            let marks = Array(repeating: "?", count: numbers.count).joined(separator: ", ")
            for row in try Row.fetchAll(
                db, sql: "SELECT number, id FROM documents WHERE number IN (\(marks)) AND ranked = 1",
                arguments: StatementArguments(numbers))
            {
                pairs.append((row[1], row[0]))
            }
        }
        return pairs.sorted { $0.id < $1.id }.map(\.number)
    }

    func hits(limit: Int, snippetFor text: String, tokenizer: any FTS5Tokenizer) throws -> [SearchHit] {
        let conjunctive = query.conjunctive && !query.groups.isEmpty
        var exact = conjunctive ? nil : try exactMatches()
        var (scores, weights) = try scores(within: exact)
        if let allowed = try allowed() { scores = scores.filter { allowed.contains($0.number) } }
        // Only the best few are put in order; more when documents fail (rarely).
        var wanted = max(64, limit * 3)
        var ranked = Self.best(wanted, of: scores)
        let scorer = SegmentScorer(groups: query.groups, weights: weights, tokenizer: tokenizer)
        // Only segments that can hold every group are read (`SegmentScorer.filter`).
        let filter = conjunctive ? scorer.filter : (sql: "", arguments: StatementArguments())
        let segments = try db.cachedStatement(
            sql: "SELECT rowid, field, at, text, english_length, han_length, folds FROM segments WHERE rowid BETWEEN ? AND ?"
                + filter.sql)
        let matching = try db.cachedStatement(
            sql: "SELECT rowid FROM segments_fts WHERE segments_fts MATCH ? AND rowid BETWEEN ? AND ?")
        var shown: [(document: Document, segments: [SegmentText])] = []
        var prefetched: [Int64: Document] = [:]
        var scoreOf: [Int64: Double] = [:]
        for candidate in ranked { scoreOf[candidate.number] = candidate.score }
        var misses = 0
        var scratch: [UInt8] = []
        var start = 0
        while start < ranked.count && shown.count < limit {
            // Documents of equal score are taken together, in id order.
            var end = start + 1
            while end < ranked.count && ranked[end].score == ranked[start].score { end += 1 }
            // A tie group is taken in id order, and only as far as the limit needs: the ids of a
            // large group are read (two columns), its documents' rows a few at a time.
            let tied = end - start == 1 ? [ranked[start].number] : ranked[start..<end].map(\.number)
            var (order, complete) = tied.count == 1 ? (tied, true) : try idOrder(tied, first: max(64, 2 * limit))
            var position = 0
            var group: [Document] = []
            while (position < order.count || !group.isEmpty || !complete) && shown.count < limit {
                if group.isEmpty {
                    // Past the first part of a large tie group (many of its documents failed).
                    if position == order.count && !complete {
                        order = try idOrder(tied)
                        complete = true
                    }
                    let want = max(8, limit - shown.count + 4)
                    // Singletons: read the next few documents' rows with this one.
                    let numbers =
                        end - start == 1
                        ? ranked[start..<min(ranked.count, start + want)].map(\.number)
                        : Array(order[position..<min(order.count, position + want)])
                    let missing = numbers.filter { prefetched[$0] == nil }
                    if !missing.isEmpty {
                        for document in try documents(missing, scores: scoreOf) { prefetched[document.number] = document }
                    }
                    group = order[position..<min(order.count, position + want)].compactMap { prefetched[$0] }.reversed()
                    position = min(order.count, position + want)
                }
                guard let document = group.popLast() else { continue }
                if let exact, !exact.contains(document.number) { continue }
                let bounds: StatementArguments = [document.segments.lowerBound, document.segments.upperBound]
                var texts: [SegmentText] = []
                let rows = try Row.fetchCursor(segments, arguments: bounds + filter.arguments)
                while let row = try rows.next() {
                    // A segment that cannot hold every group is not read as text.
                    if conjunctive,
                        !(try row.withUnsafeData(atIndex: 3) { data in
                            (data ?? Data()).withUnsafeBytes {
                                scorer.mayHoldAll($0, folds: row[6] as Bool, scratch: &scratch)
                            }
                        })
                    {
                        continue
                    }
                    texts.append(
                        SegmentText(
                            rowid: row[0], field: row[1], at: row[2], text: row[3], englishLength: row[4], hanLength: row[5],
                            folds: row[6]))
                }
                if !conjunctive {
                    // Which segments match is FTS5's to say; the scorer only orders them.
                    let matches = Set(try Int64.fetchAll(matching, arguments: [query.fts] + bounds))
                    texts = texts.filter { matches.contains($0.rowid) }
                }
                let best = scorer.rank(texts, requireAll: conjunctive, averages: document.averages).map(\.0)
                if !best.isEmpty {
                    shown.append((document, best))
                } else if conjunctive {
                    // The document holds every term, but no segment holds them all (or the
                    // phrase): after a few such, FTS5 says which documents match.
                    misses += 1
                    if exact == nil && misses > SearchIndex.missesBeforeExactMatch { exact = try exactMatches() }
                }
            }
            start = end
            if start == ranked.count && ranked.count < scores.count && shown.count < limit {
                wanted *= 4
                ranked = Self.best(wanted, of: scores)
                for candidate in ranked { scoreOf[candidate.number] = candidate.score }
            }
        }
        // The best segment of each document, then (when fewer documents than the limit match)
        // the further ones, document by document.
        var picked = shown.map { ($0.document, $0.segments[0]) }
        for (document, segments) in shown {
            for segment in segments.dropFirst() where picked.count < limit { picked.append((document, segment)) }
        }
        return picked.prefix(limit).map { document, segment in
            SearchHit(
                id: document.id, kind: document.kind, lesson: document.lesson, field: segment.field, at: segment.at,
                snippet: segment.match.map { SearchIndex.snippet(segment.text, at: $0) } ?? SearchIndex.snippet(segment.text, query: text),
                score: (document.score * 1000).rounded() / 1000)
        }
    }
}
