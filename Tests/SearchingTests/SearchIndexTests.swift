import CorpusKit
import Foundation
import TestSupport
import Testing

@testable import Searching

/// The search index: how text becomes FTS5 rows and queries, and a real index on disk kept in
/// line with the records it is given.
@Suite struct SearchIndexTests {
    @Test func hanTextBecomesUnigramsAndBigrams() {
        let grams = SearchIndex.hanGrams("数据资源 and 体系")
        #expect(grams.unigrams == "数 据 资 源 体 系")
        #expect(grams.bigrams == "数据 据资 资源 体系")
    }

    @Test(arguments: [
        ("数", "unigrams: \"数\""), ("数据", "bigrams: \"数据\""), ("数据资源", "bigrams: \"数据 据资 资源\""),
        ("digit*", "english: (digit*)"), ("\"Digital Silk Road\"", "english: (\"Digital Silk Road\")"),
        ("数据 security", "bigrams: \"数据\" AND english: (\"security\")")
    ])
    func queriesBecomeFTS5(query: String, expected: String) {
        #expect(SearchQuery(query, tokens: Self.tokens)?.fts == expected)
    }

    /// Splits like FTS5's unicode61 for ASCII text.
    static func tokens(_ text: String) -> [String] {
        text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
    }

    /// A plain list of words, prefixes and phrases ranks documents by its groups and is matched
    /// by them alone; anything else leaves matching to FTS5, and what follows NOT does not rank.
    @Test(arguments: [
        ("governance", [SearchQuery.Group.term("governance")], true),
        ("digit* AND \"Silk Road\"", [.prefix("digit"), .phrase(["silk", "road"])], true),
        ("数字政务 data", [.phrase(["数字", "字政", "政务"]), .term("data")], true),
        ("数", [.term("数")], true),
        ("silk OR road", [.term("silk"), .term("road")], false),
        ("silk NOT road", [.term("silk")], false),
        ("silk NOT (road OR sea) canal", [.term("silk"), .term("canal")], false),
        ("NEAR(silk road)", [.term("silk"), .term("road")], false),
        ("english: silk", [.term("silk")], false)
    ])
    func queriesBecomeGroups(query: String, groups: [SearchQuery.Group], conjunctive: Bool) throws {
        let parsed = try #require(SearchQuery(query, tokens: Self.tokens))
        #expect(parsed.groups == groups)
        #expect(parsed.conjunctive == conjunctive)
    }

    @Test func snippetsMarkTheMatch() {
        #expect(SearchIndex.snippet("The Digital Silk Road is long.", query: "\"silk road\"") == "The Digital 【Silk Road】 is long.")
    }

    @Test func anIndexOnDiskFindsEnglishAndChineseAndFollowsTheRecords() throws {
        let folder = try TemporaryFolder("search")
        let index = try SearchIndex(path: folder.url.appendingPathComponent("search.sqlite").path)
        let silk = Fixtures.record(
            "lesson-9", kind: .lesson, lesson: 9, title: Bilingual(en: "The Digital Silk Road"),
            text: "The Digital Silk Road links data centres.\n\n数字丝绸之路连接数据中心。", hash: "1")
        let farm = Fixtures.record(
            "other-farm", kind: .other, title: Bilingual(en: "Farming"), text: "Wheat and barley in rotation.", hash: "2")
        #expect(try index.sync([silk, farm]) == 2)
        #expect(try index.sync([silk, farm]) == 0, "unchanged records are not indexed again")
        let english = try index.search("\"digital silk road\"")
        #expect(english.first?.id == "lesson-9")
        #expect(english.allSatisfy { $0.id == "lesson-9" })
        #expect(try index.search("丝绸").first?.id == "lesson-9")
        #expect(try index.search("barley", kind: "lesson").isEmpty, "filtered by kind")
        #expect(try index.search("digit*", lesson: 9).first?.lesson == 9)
        // A changed record is re-indexed and a vanished one dropped.
        var moved = silk
        moved.text = "Now about satellites."
        moved.provenance.recordSHA256 = "3"
        #expect(try index.sync([moved]) == 1)
        #expect(try index.search("丝绸").isEmpty)
        #expect(try index.search("barley").isEmpty)
        #expect(try index.search("satellites").first?.id == "lesson-9")
    }

    @Test func aFolderSyncReadsOnlyRecordFilesThatChanged() throws {
        let folder = try TemporaryFolder("search-folder")
        let corpus = try folder.folder("corpus")
        let index = try SearchIndex(path: folder.url.appendingPathComponent("search.sqlite").path)
        var decoded = 0
        let decode: (Data, String) throws -> CorpusRecord = { data, file in
            decoded += 1
            return try CorpusRecord.decode(data, file: file)
        }
        func write(_ record: CorpusRecord) throws {
            try record.fileData().write(to: corpus.appendingPathComponent("\(record.id).json"))
        }
        for n in 1...5 {
            try write(
                Fixtures.record("other-\(n)", kind: .other, title: Bilingual(en: "Page \(n)"), text: "Harbour number \(n).", hash: "h\(n)"))
        }
        #expect(try index.sync(folder: corpus, decode: decode) == 5)
        decoded = 0
        #expect(try index.sync(folder: corpus, decode: decode) == 0)
        #expect(decoded == 0, "nothing changed: no file is read")
        try write(Fixtures.record("other-2", kind: .other, title: Bilingual(en: "Page 2"), text: "Now about lanterns.", hash: "h2b"))
        try FileManager.default.removeItem(at: corpus.appendingPathComponent("other-5.json"))
        #expect(try index.sync(folder: corpus, decode: decode) == 1)
        #expect(decoded == 1)
        #expect(try index.search("lanterns").first?.id == "other-2")
        #expect(try index.search("harbour").map(\.id).sorted() == ["other-1", "other-3", "other-4"])
        // Rewritten with the same record: re-stamped, not re-indexed.
        try write(Fixtures.record("other-3", kind: .other, title: Bilingual(en: "Page 3"), text: "Harbour number 3.", hash: "h3"))
        decoded = 0
        #expect(try index.sync(folder: corpus, decode: decode) == 0)
        #expect(decoded == 1, "the rewritten file is read once")
        // The new stamp was kept: the next sync finds nothing to do.
        #expect(try index.sync(folder: corpus, decode: decode) == 0)
        #expect(decoded == 1)
    }

    /// Records indexed during a batch are kept with their files' stamps when the batch commits
    /// (the sync after it reads nothing), and are not in the index when it does not commit.
    @Test func aBatchIndexerKeepsOnlyWhatWasCommitted() throws {
        let folder = try TemporaryFolder("search-batch")
        let corpus = try folder.folder("corpus")
        let path = folder.url.appendingPathComponent("search.sqlite").path
        var decoded = 0
        let decode: (Data, String) throws -> CorpusRecord = { data, file in
            decoded += 1
            return try CorpusRecord.decode(data, file: file)
        }
        func stamp(_ id: String) throws -> (Int64, Int64) {
            var info = stat()
            #expect(stat(corpus.appendingPathComponent("\(id).json").path, &info) == 0)
            return (Int64(info.st_size), Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
        }
        let first = Fixtures.record("other-1", kind: .other, title: Bilingual(en: "One"), text: "Harbour lanterns.", hash: "h1")
        let second = Fixtures.record("other-2", kind: .other, title: Bilingual(en: "Two"), text: "Quartz meadow.", hash: "h2")
        for record in [first, second] { try record.fileData().write(to: corpus.appendingPathComponent("\(record.id).json")) }

        let dropped = BatchIndexer(path: path)
        let (size2, mtime2) = try stamp("other-2")
        dropped.add(second, size: size2, mtime: mtime2)
        // Its postings are written once all is added, and still rolled back with the rest.
        dropped.allAdded()
        #expect(dropped.finish(commit: false) == nil)
        #expect(try SearchIndex(path: path).search("quartz").isEmpty)

        let kept = BatchIndexer(path: path)
        let (size1, mtime1) = try stamp("other-1")
        kept.add(first, size: size1, mtime: mtime1)
        // A second version in the same batch replaces the first one's segments.
        var changed = first
        changed.text = "Harbour ribbons."
        changed.provenance.recordSHA256 = "h1b"
        kept.add(changed, size: size1, mtime: mtime1)
        kept.allAdded()
        #expect(kept.finish(commit: true) == nil)
        let index = try SearchIndex(path: path)
        // The first version's segments were given to FTS5 before they were removed from it.
        try SearchRankingTests.checkIntegrity(index)
        #expect(try index.search("ribbons").map(\.id) == ["other-1"])
        #expect(try index.search("lanterns").isEmpty)
        // other-1 is stamped: only other-2, which the dropped batch never kept, is read.
        #expect(try index.sync(folder: corpus, decode: decode) == 1)
        #expect(decoded == 1)
        #expect(try index.search("quartz").map(\.id) == ["other-2"])
    }

    /// Background indexers do not make the writer wait, and commit in the order they started:
    /// the later version of a record is what the index holds.
    @Test func backgroundIndexersCommitInOrder() throws {
        let folder = try TemporaryFolder("search-background")
        let path = folder.url.appendingPathComponent("search.sqlite").path
        var versions: [CorpusRecord] = []
        for n in 0..<6 {
            versions.append(
                Fixtures.record("other-1", kind: .other, title: Bilingual(en: "One"), text: "Version word\(n) harbour.", hash: "h\(n)"))
        }
        for version in versions {
            let indexer = BatchIndexer(path: path, background: true)
            indexer.add(version, size: 1, mtime: 1)
            #expect(indexer.finish(commit: true) == nil)
        }
        BatchIndexer.waitForBackground()
        let index = try SearchIndex(path: path)
        #expect(try index.search("word5").map(\.id) == ["other-1"])
        #expect(try index.search("word4").isEmpty)
        #expect(try index.search("harbour").count == 1)
    }
}
