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
        #expect(SearchIndex.ftsQuery(query) == expected)
    }

    @Test func snippetsMarkTheMatch() {
        #expect(SearchIndex.snippet("The Digital Silk Road is long.", query: "\"silk road\"") == "The Digital 【Silk Road】 is long.")
    }

    static func record(_ id: String, kind: DocumentKind, lesson: Int? = nil, title: String, text: String, hash: String) -> CorpusRecord {
        var info = SourceInfo(url: nil, file: "\(id).html", retrievedAt: "2026-01-01T00:00:00Z")
        info.charset = "utf-8"
        var provenance = Provenance(
            source: info, rawSHA256: String(repeating: "a", count: 64), textSHA256: String(repeating: "b", count: 64),
            archive: ArchiveLocation(warc: "data/warc/x.warc.gz", recordID: "<urn:uuid:x>"),
            pipeline: PipelineInfo(version: "0.2.0", configSHA256: "c"))
        provenance.recordSHA256 = hash
        return CorpusRecord(
            id: id, kind: kind, languages: ["en", "zh"], title: Bilingual(en: title), headline: nil,
            classification: ClassificationInfo(kind: kind, confidence: 0.9, evidence: []),
            series: lesson.map { SeriesInfo(name: "Digital China Construction Series", lesson: $0, of: 13) }, published: nil,
            publisher: nil, video: nil, synopsis: Bilingual(), terms: [], transcript: [], footnotes: [], topics: [], text: text,
            provenance: provenance)
    }

    @Test func anIndexOnDiskFindsEnglishAndChineseAndFollowsTheRecords() throws {
        let folder = try TemporaryFolder("search")
        let index = try SearchIndex(path: folder.url.appendingPathComponent("search.sqlite").path)
        let silk = Self.record(
            "lesson-9", kind: .lesson, lesson: 9, title: "The Digital Silk Road",
            text: "The Digital Silk Road links data centres.\n\n数字丝绸之路连接数据中心。", hash: "1")
        let farm = Self.record("other-farm", kind: .other, title: "Farming", text: "Wheat and barley in rotation.", hash: "2")
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
}
