import Archiving
import CorpusKit
import Foundation
import Ingestion
import TestSupport
import Testing

@testable import Integrity

func temporaryArchive() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("dccorpus-integrity-\(UUID().uuidString)/Archive")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite struct ValidatorTests {
    let config: CorpusConfig
    init() throws { config = try Fixtures.config() }

    func lesson(_ shape: String) throws -> CorpusRecord {
        let archive = try temporaryArchive()
        let ingestor = Ingestor(archiveRoot: archive, config: config)
        let outcomes = try ingestor.ingest(paths: [Fixtures.folder.appendingPathComponent(shape).path])
        let id = try #require(outcomes.first?.id)
        return try #require(try ingestor.store.loadRecord(id: id))
    }

    @Test func theSeedCorpusIsValid() throws {
        let records = try [
            "seeds/000_cab2845c5521bb26.txt", "seeds/001_e888cff12df4c64b.txt", "seeds/002_33b4e771621f73b9.txt",
            "seeds/004_39c44c1376242463.txt", "pages/lesson-12-source.gb2312.html"
        ].map(lesson)
        let report = Validator(config: config).validate(records: records)
        #expect(report.errors.isEmpty, "\(report.errors)")
        #expect(report.warnings.map(\.rule.rawValue) == ["lessons-missing"])
        #expect(report.warnings.first?.message == "no lesson record for 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13")
    }

    @Test func everyRuleViolationIsReported() throws {
        var broken = try lesson("seeds/001_e888cff12df4c64b.txt")
        broken.transcript[3].seconds = broken.transcript[2].seconds  // not increasing
        broken.transcript[5].zh = nil  // missing Chinese
        broken.transcript[6].en = ""  // missing English
        broken.transcript[16].seconds = 9_999  // beyond the video
        broken.terms.append(Term(en: "Orphan", zh: "孤儿", footnote: 9))  // footnote that does not exist
        broken.terms.append(Term(en: "No Chinese", zh: "none", footnote: nil))
        broken.text += "\n\nPHP Code Snippets Powered By : XYZScripts.com"
        broken.published = "April 2025"
        broken = try broken.sealed()
        var tampered = try lesson("seeds/000_cab2845c5521bb26.txt")
        tampered.title.en = "Changed after sealing"  // record hash no longer matches
        var twin = try lesson("pages/lesson-12.words.txt")
        twin.id = "lesson-12-copy"  // claims lesson 12 twice
        twin = try twin.sealed()
        let original12 = try lesson("pages/lesson-12.words.txt")
        let report = Validator(config: config).validate(records: [broken, tampered, twin, original12])
        let rules = Set(report.errors.map(\.rule.rawValue))
        for rule in [
            "transcript-order", "transcript-chinese", "transcript-english", "transcript-length", "term-footnote",
            "term-languages", "boilerplate", "schema", "provenance", "duplicate-lesson"
        ] {
            #expect(rules.contains(rule), "missing \(rule) in \(report.errors)")
        }
        #expect(report.errors.contains { $0.file == "data/corpus/lesson-1.json" && $0.message.contains("record_sha256") })
    }

    @Test func aLessonWithoutPartsIsWarnedAbout() throws {
        var bare = try lesson("seeds/001_e888cff12df4c64b.txt")
        bare.transcript = []
        bare.terms = []
        bare.synopsis = Bilingual()
        let report = Validator(config: config).validate(records: [try bare.sealed()])
        #expect(report.warnings.filter { $0.rule.rawValue == "lesson-incomplete" }.count == 3)
    }
}

@Suite struct VerifierTests {
    let config: CorpusConfig
    init() throws { config = try Fixtures.config() }

    func populatedArchive() throws -> Ingestor {
        let ingestor = Ingestor(archiveRoot: try temporaryArchive(), config: config)
        _ = try ingestor.ingest(
            paths: ["seeds/000_cab2845c5521bb26.txt", "pages/lesson-5.classic.html", "pages/lesson-12-source.gb2312.html"]
                .map { Fixtures.folder.appendingPathComponent($0).path })
        return ingestor
    }

    @Test func aFreshArchiveVerifiesAndRebuilds() throws {
        let ingestor = try populatedArchive()
        let report = Verifier(config: config).verify(store: ingestor.store, rebuild: true)
        #expect(report.ok, "\(report.problems)")
        #expect(report.checked >= 3 + 3 + 7)
    }

    @Test func tamperingIsNamedFileByFile() throws {
        let ingestor = try populatedArchive()
        let root = ingestor.store.root
        func flip(_ relative: String, at offset: Int) throws {
            let url = root.appendingPathComponent(relative)
            var data = try Data(contentsOf: url)
            let index = offset >= 0 ? offset : data.count + offset
            data[index] ^= 0x01
            try data.write(to: url)
        }
        let warc = try #require(ingestor.store.warcFiles().first)
        try flip("data/corpus/lesson-5.json", at: 200)
        try flip(warc, at: -40)
        try flip("bag-info.txt", at: 5)
        let report = Verifier(config: config).verify(store: ingestor.store, rebuild: false)
        #expect(!report.ok)
        let files = Set(report.problems.map(\.file))
        #expect(files.contains("data/corpus/lesson-5.json"))
        #expect(files.contains(warc))
        #expect(files.contains("bag-info.txt"))
    }

    @Test func anUnlistedPayloadFileIsFound() throws {
        let ingestor = try populatedArchive()
        try Data("{}".utf8).write(to: ingestor.store.root.appendingPathComponent("data/corpus/intruder.json"))
        let report = Verifier(config: config).verify(store: ingestor.store, rebuild: false)
        #expect(report.problems.contains { $0.file == "data/corpus/intruder.json" && $0.rule.rawValue == "fixity" })
        #expect(report.problems.contains { $0.rule.rawValue == "oxum" })
    }

    @Test func rebuildNamesTheFieldThatDiffers() throws {
        let ingestor = try populatedArchive()
        let url = ingestor.store.recordURL(id: "lesson-1")
        var record = try CorpusRecord.decode(try Data(contentsOf: url), file: "x")
        record.title.en = "Edited by hand"
        record = try record.sealed()
        try record.fileData().write(to: url)
        let report = Verifier(config: config).verify(store: ingestor.store, rebuild: true)
        #expect(report.problems.contains { $0.rule.rawValue == "rebuild" && $0.message.contains("title.en") })
    }
}
