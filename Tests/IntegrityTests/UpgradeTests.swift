import Archiving
import CorpusKit
import Foundation
import Ingestion
import TestSupport
import Testing

@testable import Integrity

/// After an upgrade or a configuration change, `verify --rebuild` tells an outdated record from
/// a tampered one: the bag keeps every configuration that made a record.
@Suite struct UpgradeTests {
    let config: CorpusConfig
    init() throws { config = try Fixtures.config() }

    func archiveWithLessonOne() throws -> Ingestor {
        let ingestor = Ingestor(archiveRoot: try temporaryArchive(), config: config)
        _ = try ingestor.ingest(paths: [Fixtures.folder.appendingPathComponent("seeds/000_cab2845c5521bb26.txt").path])
        return ingestor
    }

    /// Rewrites a record through the archive's own write path (the manifest stays right), as an
    /// older release would have written it.
    func replace(_ record: CorpusRecord, in store: ArchiveStore) throws {
        try store.write { session in try session.put(try record.sealed()) }
    }

    @Test func theBagKeepsTheConfigurationThatMadeItsRecords() throws {
        let ingestor = try archiveWithLessonOne()
        let folder = ingestor.store.configURL(sha256: config.configSHA256)
        let kept = try CorpusConfig.load(folder: folder)
        #expect(kept.configSHA256 == config.configSHA256)
        let manifest = try ingestor.store.bag.readManifest()
        #expect(manifest["data/config/\(config.configSHA256)/pipeline.toml"] != nil)
        #expect(manifest["data/config/\(config.configSHA256)/lexicon.toml"] != nil)
    }

    @Test func aConfigurationChangeIsNotTampering() throws {
        let ingestor = try archiveWithLessonOne()
        // A new boilerplate phrase that lesson 1's text contains changes the rebuilt record.
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dccorpus-upgrade-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: Fixtures.repository.appendingPathComponent("Config"), to: root.appendingPathComponent("Config"))
        defer { try? FileManager.default.removeItem(at: root) }
        let pipeline = root.appendingPathComponent("Config/pipeline.toml")
        let text = try String(contentsOf: pipeline, encoding: .utf8)
            .replacingOccurrences(
                of: "  \"All rights reserved\",\n", with: "  \"All rights reserved\",\n  \"Community of Common Destiny for Mankind\",\n")
        try text.write(to: pipeline, atomically: true, encoding: .utf8)
        let changed = try CorpusConfig.load(root: root)
        #expect(changed.configSHA256 != config.configSHA256)
        let report = Verifier(config: changed).verify(store: ingestor.store, rebuild: true)
        #expect(report.ok, "\(report.problems)")
        #expect(report.rebuilt["lesson-1"] == .matchesRecordedConfig)
        #expect(report.stale.isEmpty)
    }

    @Test func aRecordOfAnotherPipelineVersionIsStaleNotTampered() throws {
        let ingestor = try archiveWithLessonOne()
        var old = try #require(try ingestor.store.loadRecord(id: "lesson-1"))
        old.provenance.pipeline.version = "0.1.0"
        old.title.en = "As the old release titled it"
        try replace(old, in: ingestor.store)
        let report = Verifier(config: config).verify(store: ingestor.store, rebuild: true)
        #expect(report.ok, "\(report.problems)")
        #expect(report.rebuilt["lesson-1"] == .stale)
        #expect(report.stale.map(\.message) == ["made by pipeline 0.1.0, not \(CorpusConfig.pipelineVersion): run `dccorpus reprocess`"])
        let strict = Verifier(config: config).verify(store: ingestor.store, rebuild: true, strict: true)
        #expect(!strict.ok)
    }

    @Test func aRecordTheSamePipelineCannotReproduceIsTampered() throws {
        let ingestor = try archiveWithLessonOne()
        var edited = try #require(try ingestor.store.loadRecord(id: "lesson-1"))
        edited.title.en = "Edited by hand"
        try replace(edited, in: ingestor.store)
        let report = Verifier(config: config).verify(store: ingestor.store, rebuild: true)
        #expect(!report.ok)
        #expect(report.rebuilt["lesson-1"] == .tampered)
        #expect(report.problems.contains { $0.message.contains("title.en") })
    }

    /// `reprocess` brings an old record to the current pipeline; the previous record stays in
    /// the WARC files; the history says so; `verify --rebuild` passes again.
    @Test func reprocessUpdatesStaleRecordsAndKeepsThePreviousOnes() throws {
        let ingestor = try archiveWithLessonOne()
        var old = try #require(try ingestor.store.loadRecord(id: "lesson-1"))
        old.provenance.pipeline.version = "0.1.0"
        old.title.en = "As the old release titled it"
        try replace(old, in: ingestor.store)
        let dry = try Reprocessor(ingestor: ingestor).reprocess(ids: [], dryRun: true)
        #expect(dry == [ReprocessOutcome(id: "lesson-1", status: .updated, fields: ["title", "provenance.pipeline"])])
        #expect(try ingestor.store.loadRecord(id: "lesson-1")?.title.en == "As the old release titled it")
        let outcomes = try Reprocessor(ingestor: ingestor).reprocess(ids: ["lesson-1"], dryRun: false)
        #expect(outcomes.map(\.status) == [.updated])
        let record = try #require(try ingestor.store.loadRecord(id: "lesson-1"))
        #expect(record.provenance.pipeline.version == CorpusConfig.pipelineVersion)
        #expect(record.title.en == "Why Should We Accelerate Digital China Construction?")
        let report = Verifier(config: config).verify(store: ingestor.store, rebuild: true)
        #expect(report.ok && report.stale.isEmpty, "\(report.problems) \(report.stale)")
        let history = try CaptureHistory.entries(for: "lesson-1", store: ingestor.store, limit: 1 << 26)
        #expect(history.contains { $0.note == "reprocessed by pipeline \(CorpusConfig.pipelineVersion) (was 0.1.0)" }, "\(history)")
        // The previous record, whole, in a resource record.
        var kept: [Data] = []
        for path in ingestor.store.warcFiles() {
            try WARCFileReader(path: ingestor.store.root.appendingPathComponent(path).path, limit: 1 << 26).forEachRecord { record, _ in
                if record.type == .resource, record["WARC-Target-URI"]?.hasPrefix("urn:dccorpus:record:lesson-1:") == true {
                    kept.append(record.block)
                }
            }
        }
        #expect(kept.count == 1)
        #expect(try CorpusRecord.decode(try #require(kept.first), file: "kept").title.en == "As the old release titled it")
        #expect(try Reprocessor(ingestor: ingestor).reprocess(ids: [], dryRun: false).map(\.status) == [.unchanged])
    }

    /// A record the current pipeline files under another id moves there; its old id still finds it.
    @Test func reprocessRenamesAndTheOldIDStillFindsTheDocument() throws {
        let ingestor = try archiveWithLessonOne()
        var old = try #require(try ingestor.store.loadRecord(id: "lesson-1"))
        old.id = "commentary-why-accelerate"
        old.provenance.pipeline.version = "0.1.0"
        try ingestor.store.write { session in
            try session.remove(id: "lesson-1")
            try session.put(try old.sealed())
        }
        let outcomes = try Reprocessor(ingestor: ingestor).reprocess(ids: [], dryRun: false)
        #expect(outcomes.map(\.status) == [.renamed])
        #expect(outcomes.first?.newID == "lesson-1")
        #expect(try ingestor.store.loadRecord(id: "commentary-why-accelerate") == nil)
        #expect(try ingestor.store.loadRecord(id: "lesson-1") != nil)
        #expect(ingestor.store.aliases() == ["commentary-why-accelerate": "lesson-1"])
        let report = Verifier(config: config).verify(store: ingestor.store, rebuild: true)
        #expect(report.ok, "\(report.problems)")
    }
}
