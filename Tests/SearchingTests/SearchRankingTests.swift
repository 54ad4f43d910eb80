import CorpusKit
import Foundation
import GRDB
import TestSupport
import Testing

@testable import Searching

/// How the index ranks documents and picks their segments, and that a ranking depends on the
/// records only: not on the order they were indexed in, on recent rows, generations, merges or
/// removals, nor on what an older version left in the file.
@Suite struct SearchRankingTests {
    static func page(_ id: String, _ text: String, hash: String = "1", kind: DocumentKind = .other) -> CorpusRecord {
        Fixtures.record(id, kind: kind, title: Bilingual(en: "Page \(id)"), text: text, hash: hash)
    }

    static func index(_ folder: TemporaryFolder, _ name: String = "search.sqlite") throws -> SearchIndex {
        try SearchIndex(path: folder.url.appendingPathComponent(name).path)
    }

    /// FTS5's own check that its index holds exactly the tokens of the segments it reads its
    /// content from (throws when not).
    static func checkIntegrity(_ index: SearchIndex) throws {
        try index.database.write { db in
            try db.execute(sql: "INSERT INTO segments_fts(segments_fts, rank) VALUES ('integrity-check', 1)")
        }
    }

    /// Everything a query shows, scores included.
    static func shown(_ index: SearchIndex, _ queries: [String], limit: Int = 20) throws -> [[SearchHit]] {
        try queries.map { try index.search($0, limit: limit) }
    }

    @Test func documentsRankByBM25AndEqualScoresByID() throws {
        let folder = try TemporaryFolder("search-rank")
        let index = try Self.index(folder)
        let filler = Array(repeating: "Meadows and rivers run past the old mill.", count: 30).joined(separator: " ")
        try index.sync([
            Self.page("often", "The harbour, the harbour and the harbour again.\n\nA harbour wall."),
            Self.page("once", "\(filler) One harbour.\n\n\(filler)"),
            Self.page("twin-b", "Quiet harbour lanterns."),
            Self.page("twin-a", "Quiet harbour lanterns."),
            Self.page("none", "Nothing here.")
        ])
        let hits = try index.search("harbour", limit: 4)
        #expect(hits.map(\.id) == ["often", "twin-a", "twin-b", "once"])
        #expect(hits[1].score == hits[2].score, "identical documents score the same and are shown in id order")
        #expect(hits[0].score > hits[1].score && hits[2].score > hits[3].score)
        #expect(hits[0].snippet.contains("【harbour】"))
        // One hit per document first; with a higher limit than documents, further segments follow.
        #expect(Set(hits.map(\.id)).count == hits.count)
        let more = try index.search("harbour", limit: 20)
        #expect(more.count == 5 && more.last?.id == "often", "often's second paragraph comes after every document's best")
    }

    /// A large group of equal scores is read in id order only as far as needed, and further
    /// when its first part fails: here every document scores the same, and the only two whose
    /// paragraphs hold both words come last by id.
    @Test func aLargeTieGroupIsReadFurtherWhenItsFirstPartFails() throws {
        let folder = try TemporaryFolder("search-ties")
        let index = try Self.index(folder)
        var records = (0..<150).map { Self.page(String(format: "a-%03d", $0), "Silk east.\n\nRoad west.") }
        records += ["z-1", "z-2"].map { Self.page($0, "Silk road.\n\nEast west.") }
        try index.sync(records.shuffled())
        let hits = try index.search("silk road", limit: 5)
        #expect(hits.map(\.id) == ["z-1", "z-2"])
        #expect(Set(try index.search("silk", limit: 200).map(\.score)).count == 1, "one tie group")
        #expect(try index.search("silk", limit: 3).map(\.id) == ["a-000", "a-001", "a-002"])
    }

    @Test func aConjunctionOrPhraseMatchesWithinOneSegment() throws {
        let folder = try TemporaryFolder("search-phrase")
        let index = try Self.index(folder)
        // Many documents hold both words, apart: more than the ranking tries before it asks
        // FTS5 which documents match at all.
        var records = (0..<(SearchIndex.missesBeforeExactMatch + 8)).map {
            Self.page("apart-\($0)", "Silk silk silk from the east.\n\nThe road road road runs west.")
        }
        records.append(Self.page("together", "Trade went along the silk road for centuries, in long paragraphs of text."))
        records.append(Self.page("reversed", "A road of silk, they said, in long paragraphs of text and more text."))
        try index.sync(records)
        #expect(try index.search("\"silk road\"").map(\.id) == ["together"])
        #expect(try index.search("silk road").map(\.id).sorted() == ["reversed", "together"])
        let together = try index.search("road silk").first { $0.id == "together" }
        #expect(together?.snippet.contains("【silk road】") == true, "words side by side are highlighted together")
        #expect(try index.search("silk OR nothingness", limit: 100).count == records.count)
        #expect(
            try index.search("silk NOT road", limit: 100).map(\.id).sorted()
                == records.filter { $0.id.hasPrefix("apart") }.map(\.id).sorted())
        #expect(try index.search("roa*", limit: 100).count == records.count)
        #expect(throws: CorpusError.self) { try index.search("\"unterminated") }
    }

    @Test func chineseMatchesItsRunAndFiltersApply() throws {
        let folder = try TemporaryFolder("search-han")
        let index = try Self.index(folder)
        try index.sync([
            Fixtures.record("lesson-3", kind: .lesson, lesson: 3, title: Bilingual(en: "Lesson 3"), text: "推进数字政务建设。数字政务惠民。"),
            Self.page("apart", "数字化的政务服务。"),
            Self.page("mixed", "数字政务 and e-government services.")
        ])
        // The characters of "apart" are there, but not as one run.
        #expect(try index.search("数字政务").map(\.id).sorted() == ["lesson-3", "mixed"])
        #expect(try index.search("数字政务", kind: "lesson").map(\.id) == ["lesson-3"])
        #expect(try index.search("数字政务", lesson: 3).first?.snippet.contains("【数字政务】") == true)
        #expect(try index.search("数字政务 services").map(\.id) == ["mixed"])
        #expect(try index.search("政").count == 3)
    }

    /// The same final records, reached by different histories (single-document writes that stay
    /// recent, batches folded into generations and merged, re-indexed and removed documents),
    /// rank exactly as an index built from them at once.
    @Test func aRankingDependsOnTheRecordsNotTheHistory() throws {
        let folder = try TemporaryFolder("search-history")
        let words = ["harbour", "lantern", "meadow", "quartz", "ribbon", "silk", "road", "river", "mill", "barley"]
        func text(_ n: Int, _ version: Int) -> String {
            (0..<6).map { paragraph in
                (0..<(5 + (n * 7 + paragraph) % 9)).map { words[(n * 3 + paragraph * 5 + $0 * (version + 1)) % words.count] }
                    .joined(separator: " ")
            }.joined(separator: "\n\n")
        }
        let final = (0..<150).filter { $0 % 7 != 3 }.map { n in
            Self.page("p-\(n)", text(n, n % 5 == 0 ? 1 : 0), hash: "v\(n % 5 == 0 ? 1 : 0)")
        }
        let grown = try Self.index(folder, "grown.sqlite")
        var current: [CorpusRecord] = []
        // One document per write (recent rows, then folds), then batches, then changes and removals.
        for n in 0..<40 {
            current.append(Self.page("p-\(n)", text(n, 0), hash: "v0"))
            try grown.sync(current)
        }
        for start in stride(from: 40, to: 150, by: 37) {
            current += (start..<min(150, start + 37)).map { Self.page("p-\($0)", text($0, 0), hash: "v0") }
            try grown.sync(current)
        }
        try grown.sync(final)
        try Self.checkIntegrity(grown)
        let fresh = try Self.index(folder, "fresh.sqlite")
        try fresh.rebuild(final.reversed())
        let queries = ["harbour", "silk road", "\"silk road\"", "mea*", "river OR mill", "quartz NOT barley"]
        #expect(try Self.shown(grown, queries, limit: 30) == Self.shown(fresh, queries, limit: 30))
        #expect(try grown.search("harbour", limit: 200).allSatisfy { hit in final.contains { $0.id == hit.id } })
        let generations = try grown.database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM generations") ?? 0 }
        #expect(generations >= 1 && generations < 8, "generations are merged: \(generations)")
    }

    /// A write of more documents than are folded at once keeps their postings in memory and
    /// writes one generation; documents it folded already and then changed or dropped in the
    /// same write are left out of every answer, as an index built from the final records says.
    @Test func aLargeWriteIsOneGenerationWithItsChanges() throws {
        let folder = try TemporaryFolder("search-large-write")
        let path = folder.url.appendingPathComponent("grown.sqlite").path
        let words = ["harbour", "lantern", "meadow", "quartz", "ribbon", "silk", "road", "river", "mill", "barley"]
        func page(_ n: Int, _ version: Int) -> CorpusRecord {
            let text = (0..<(4 + n % 7)).map { words[(n * 3 + $0 * (version + 2)) % words.count] }.joined(separator: " ")
            return Self.page("p-\(n)", text + " word\(n)v\(version)", hash: "v\(version)")
        }
        // Two documents in `recent` before the write: they join its generation.
        let before = (0..<2).map { page(1_000 + $0, 0) }
        try SearchIndex(path: path).sync(before)
        let indexer = BatchIndexer(path: path)
        let count = SearchIndex.foldEvery * 2 + 88
        for n in 0..<count { indexer.add(page(n, 0), size: 1, mtime: 1) }
        // New versions of documents folded already (the first fold), in the same write.
        let changed = (0..<40).map { page($0 * 5, 1) }
        for record in changed { indexer.add(record, size: 1, mtime: 1) }
        indexer.allAdded()
        #expect(indexer.finish(commit: true) == nil)
        var final = (0..<count).map { page($0, 0) }
        for record in changed { final[Int(record.id.dropFirst(2))!] = record }
        let index = try SearchIndex(path: path)
        let generations = try index.database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM generations") ?? 0 }
        #expect(generations == 1, "one generation for the whole write: \(generations)")
        try Self.checkIntegrity(index)
        let fresh = try Self.index(folder, "fresh.sqlite")
        try fresh.rebuild(before + final)
        let queries = ["harbour", "word0v0", "word0v1", "word5v0", "word7v0", "mea*", "\"silk road\"", "river OR mill"]
        #expect(try Self.shown(index, queries, limit: 50) == Self.shown(fresh, queries, limit: 50))
        #expect(try index.search("word0v0").isEmpty && index.search("word0v1").map(\.id) == ["p-0"])
    }

    /// Documents written one at a time stay recent rows until a quiet writer settles them into
    /// a generation; either way they are found and ranked the same.
    @Test func settlingFoldsRecentDocuments() throws {
        let folder = try TemporaryFolder("search-settle")
        let index = try Self.index(folder)
        var records: [CorpusRecord] = []
        for n in 0..<5 {
            records.append(Self.page("p-\(n)", String(repeating: "harbour ", count: n + 1) + "lantern \(n)."))
            try index.sync(records)
        }
        func counts() throws -> (recent: Int, generations: Int) {
            try index.database.read { db in
                (
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM recent") ?? -1,
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM generations") ?? -1
                )
            }
        }
        #expect(try counts().recent == 5 && counts().generations == 0)
        let before = try Self.shown(index, ["harbour", "lan*", "\"harbour lantern\""])
        #expect(before[0].map(\.id) == ["p-4", "p-3", "p-2", "p-1", "p-0"])
        try index.settle()
        #expect(try counts().recent == 0 && counts().generations == 1)
        #expect(try Self.shown(index, ["harbour", "lan*", "\"harbour lantern\""]) == before)
    }

    @Test func manyRemovalsAreCompactedAway() throws {
        let folder = try TemporaryFolder("search-compact")
        let index = try Self.index(folder)
        let all = (0..<(SearchIndex.compactAfterRemoved + 40)).map { Self.page("p-\($0)", "Harbour number \($0).") }
        try index.sync(all)
        let kept = Array(all.suffix(20))
        try index.sync(kept)
        #expect(try index.search("harbour", limit: 100).map(\.id).sorted() == kept.map(\.id).sorted())
        let (removed, generations) = try index.database.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT count(*) FROM removed") ?? -1,
                try Int.fetchOne(db, sql: "SELECT count(*) FROM generations") ?? -1
            )
        }
        #expect(removed == 0 && generations <= 1, "every generation merged once, removed documents dropped")
    }

    /// An index file of the earlier layout is set up again; documents an older binary indexes
    /// into the new layout (unranked, without postings) are indexed again, and the postings of
    /// documents it removed no longer count.
    @Test func olderIndexesAndOlderBinariesAreMended() throws {
        let folder = try TemporaryFolder("search-older")
        let path = folder.url.appendingPathComponent("search.sqlite").path
        let old = try DatabaseQueue(path: path)
        try old.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE documents(id TEXT PRIMARY KEY, record_sha256 TEXT NOT NULL);
                    CREATE TABLE segments(rowid INTEGER PRIMARY KEY, record TEXT NOT NULL, kind TEXT NOT NULL, lesson INTEGER,
                        field TEXT NOT NULL, at TEXT, ordinal INTEGER NOT NULL, text TEXT NOT NULL);
                    INSERT INTO documents VALUES ('stale', 'x');
                    """)
        }
        try old.close()
        let index = try SearchIndex(path: path)
        #expect(index.setUpAgain, "an index of the earlier layout is emptied and set up again")
        #expect(try !SearchIndex(path: path).setUpAgain)
        let records = [Self.page("a", "Harbour lanterns."), Self.page("b", "Harbour ribbons."), Self.page("c", "Quartz.")]
        #expect(try index.sync(records) == 3)
        // What an older binary does on this file: removes b its own way, adds d unranked.
        try index.database.write { db in
            try db.execute(
                sql: """
                    DELETE FROM segments_fts WHERE rowid IN (SELECT rowid FROM segments WHERE record = 'b');
                    DELETE FROM segments WHERE record = 'b';
                    DELETE FROM documents WHERE id = 'b';
                    INSERT INTO documents(id, record_sha256) VALUES ('d', '1');
                    INSERT INTO segments(record, kind, lesson, field, ordinal, text) VALUES ('d', 'other', NULL, 'text', 1, 'Harbour d.');
                    INSERT INTO segments_fts(rowid, english, unigrams, bigrams) VALUES (last_insert_rowid(), 'Harbour d.', '', '');
                    INSERT INTO documents(id, record_sha256) VALUES ('e', '1');
                    INSERT INTO segments(record, kind, lesson, field, ordinal, text) VALUES ('e', 'other', NULL, 'text', 1, '数字港口');
                    INSERT INTO segments_fts(rowid, english, unigrams, bigrams)
                        VALUES (last_insert_rowid(), '数字港口', '数 字 港 口', '数字 字港 港口');
                    """)
        }
        let now = [records[0], records[2], Self.page("d", "Harbour quays."), Self.page("e", "数字港口。")]
        #expect(try index.sync(now) == 2, "d and e, which the older binary added, are indexed again")
        // The older binary gave FTS5 Han grams that `segments` does not show: FTS5 was rebuilt
        // from `segments`, and agrees with it exactly.
        try Self.checkIntegrity(index)
        let fresh = try SearchIndex(path: folder.url.appendingPathComponent("fresh.sqlite").path)
        try fresh.rebuild(now)
        #expect(try Self.shown(index, ["harbour", "quartz", "数字", "港"]) == Self.shown(fresh, ["harbour", "quartz", "数字", "港"]))
    }
}
