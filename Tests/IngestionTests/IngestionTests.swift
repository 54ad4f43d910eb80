import Archiving
import CorpusKit
import Foundation
import TestSupport
import Testing

@testable import Ingestion

/// Ingest outcomes, the Inbox's quarantine and version diffs, on a real archive in a temporary
/// folder (no binary, no process: the end-to-end tests do that).
@Suite struct IngestorTests {
    let config: CorpusConfig
    let folder: TemporaryFolder
    let ingestor: Ingestor

    init() throws {
        config = try Fixtures.config()
        folder = try TemporaryFolder("ingestion")
        ingestor = Ingestor(archiveRoot: try folder.folder("Archive"), config: config)
    }

    func copy(_ relative: String, as name: String? = nil) throws -> String {
        let target = folder.url.appendingPathComponent(name ?? (relative as NSString).lastPathComponent)
        try? FileManager.default.removeItem(at: target)
        try FileManager.default.copyItem(at: Fixtures.folder.appendingPathComponent(relative), to: target)
        return target.path
    }

    @Test func newSameAndChangedBytesAreIngestedUnchangedAndChanged() throws {
        let page = try copy("pages/lesson-5.classic.html")
        #expect(try ingestor.ingest(paths: [page]).map(\.status) == [.ingested])
        #expect(try ingestor.ingest(paths: [page]).map(\.status) == [.unchanged])
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: page))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("<!-- saved again -->".utf8))
        try handle.close()
        let changed = try ingestor.ingest(paths: [page])
        #expect(changed.map(\.status) == [.changed] && changed.first?.id == "lesson-5")
        let history = try CaptureHistory.entries(for: "lesson-5", store: ingestor.store, limit: 1 << 26)
        #expect(history.map(\.status) == [.ingested, .changed], "the same bytes again write no capture")
    }

    @Test func manyPagesInSeveralChunksKeepTheirOrderAndCopiesAreUnchanged() throws {
        // 150 paths: three parallel chunks; every tenth is a copy of the first page.
        var paths: [String] = []
        for index in 0..<150 {
            let page = folder.url.appendingPathComponent("page-\(index).txt")
            let text =
                index % 10 == 0 ? "A note on harbours\n\nShips come in.\n" : "Note \(index) on rivers\n\nWater number \(index) flows.\n"
            try Data(text.utf8).write(to: page)
            paths.append(page.path)
        }
        paths.append(folder.url.appendingPathComponent("missing.html").path)
        let outcomes = try ingestor.ingest(paths: paths)
        #expect(outcomes.map(\.file) == paths, "one outcome per path, in order")
        #expect(outcomes[0].status == .ingested)
        for index in stride(from: 10, to: 150, by: 10) {
            #expect(outcomes[index].status == .unchanged && outcomes[index].id == outcomes[0].id)
        }
        #expect(outcomes.filter { $0.status == .ingested }.count == 136)
        #expect(outcomes.last?.status == .rejected && outcomes.last?.problem?.stage == .read)
        let again = try ingestor.ingest(paths: Array(paths.prefix(150)))
        #expect(again.allSatisfy { $0.status == .unchanged })
    }

    @Test func theCaptureDigestIndexIsDerivedAndRebuiltWhenLostOrBroken() throws {
        let page = try copy("pages/lesson-5.news.html")
        #expect(try ingestor.ingest(paths: [page]).map(\.status) == [.ingested])
        // The next session reads the new WARC file once and keeps what it holds.
        #expect(try ingestor.ingest(paths: [page]).map(\.status) == [.unchanged])
        let index = ingestor.store.root.appendingPathComponent(".capture-digests.json")
        #expect(FileManager.default.fileExists(atPath: index.path))
        for damage in [Data(), Data("{not json".utf8), Data(#"{"version":1,"files":{}}"#.utf8)] {
            try damage.write(to: index)
            // A fresh store (another process) has only the file on disk to go by.
            let again = Ingestor(archiveRoot: ingestor.store.root, config: config)
            #expect(try again.ingest(paths: [page]).map(\.status) == [.unchanged], "index \(String(decoding: damage, as: UTF8.self))")
        }
        try FileManager.default.removeItem(at: index)
        #expect(try Ingestor(archiveRoot: ingestor.store.root, config: config).ingest(paths: [page]).map(\.status) == [.unchanged])
    }

    @Test func aHandEditedDigestIndexNeverMakesANewPageLookArchived() throws {
        let first = try copy("pages/lesson-5.news.html")
        #expect(try ingestor.ingest(paths: [first]).map(\.status) == [.ingested])
        // The index (derived, outside the manifest) edited to claim a page the archive lacks,
        // pointing at a record that holds other bytes, or at no record at all.
        let second = try copy("pages/policy.wordpress.html")
        let digest = Digest.sha256Hex(try Data(contentsOf: URL(fileURLWithPath: second)))
        let url = ingestor.store.root.appendingPathComponent(".capture-digests.json")
        for offset in [0, 1] {
            var index = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
            var files = index["files"] as! [String: Any]
            let path = files.keys.first!
            var file = files[path] as! [String: Any]
            file["digests"] = (file["digests"] as! [String: Any]).merging([digest: "lesson-5"]) { $1 }
            let held = (file["locations"] as! [String: Int]).values.min()!
            file["locations"] = (file["locations"] as! [String: Any]).merging([digest: held + offset]) { $1 }
            files[path] = file
            index["files"] = files
            try JSONSerialization.data(withJSONObject: index).write(to: url)
            let fresh = Ingestor(archiveRoot: ingestor.store.root, config: config)
            let outcome = try fresh.ingest(paths: [second])
            #expect(outcome.map(\.status) != [.unchanged], "offset +\(offset): \(outcome)")
            if offset == 0 { #expect(outcome.first?.status == .ingested) }
        }
    }

    @Test func theManifestStaysExactWhenAnotherWriterCommitsBetweenSessions() throws {
        // Two stores over one archive, as two processes: each remembers the manifest it wrote.
        let other = Ingestor(archiveRoot: ingestor.store.root, config: config)
        _ = try ingestor.ingest(paths: [try copy("pages/lesson-5.news.html")])
        _ = try other.ingest(paths: [try copy("pages/lesson-1.wordpress.html")])
        _ = try ingestor.ingest(paths: [try copy("pages/policy.wordpress.html")])
        let manifest = try ingestor.store.bag.readManifest()
        for id in ["lesson-5", "lesson-1", "policy-overall-layout-planning-digital-china-construction"] {
            #expect(manifest["data/corpus/\(id).json"] != nil, "\(id) is in the manifest")
        }
        let data = ingestor.store.root.appendingPathComponent("data")
        let files = try FileManager.default.subpathsOfDirectory(atPath: data.path).filter { path in
            var isFolder: ObjCBool = false
            return FileManager.default.fileExists(atPath: data.appendingPathComponent(path).path, isDirectory: &isFolder)
                && !isFolder.boolValue
        }
        #expect(Set(manifest.keys) == Set(files.map { "data/\($0)" }), "the manifest lists exactly the payload files")
        let oxum = try ingestor.store.bag.readBagInfo()["Payload-Oxum"]
        let total = try files.reduce(0) { sum, path in
            sum + ((try FileManager.default.attributesOfItem(atPath: data.appendingPathComponent(path).path)[.size] as? Int) ?? 0)
        }
        #expect(oxum == "\(total).\(files.count)", "Payload-Oxum counts every byte and file")
    }

    @Test func anotherTalkUnderALessonsIdIsATypedConflict() throws {
        _ = try ingestor.ingest(paths: [try copy("pages/lesson-1.wordpress.html")])
        let stray = folder.url.appendingPathComponent("stray.html")
        try Data(
            """
            <html><head><title>Digital China Construction Series (Lesson 1 of 13): Soil Science Today</title></head>
            <body><h1>Digital China Construction Series (Lesson 1 of 13): Soil Science Today</h1>
            <p>Earthworms aerate the soil and their tunnels carry rain water deep below the roots of wheat.</p>
            <p>Farmers who rotate beans and barley keep nitrogen in the ground without fertiliser.</p></body></html>
            """.utf8
        ).write(to: stray)
        let outcome = try #require(try ingestor.ingest(paths: [stray.path]).first)
        #expect(outcome.status == .conflict)
        #expect(outcome.id == "lesson-1")
        #expect(outcome.problem?.stage == .classify)
        #expect(outcome.error == outcome.problem?.description)
        #expect(try ingestor.store.loadRecord(id: "lesson-1")?.title.en?.contains("Soil") == false)
    }

    @Test func theInboxQuarantinesUnderTheProblemsOwnStage() throws {
        let inbox = InboxFolder(url: try folder.folder("Inbox"))
        try Data([0xFF, 0xFE, 0x00, 0x01, 0x02]).write(to: inbox.url.appendingPathComponent("noise.html"))
        try Data("An ordinary page with a colon: in a file name".utf8).write(to: inbox.url.appendingPathComponent("a: b.txt"))
        let (outcomes, _) = try inbox.process(with: ingestor)
        let refused = outcomes.filter { $0.status == .rejected }
        #expect(!refused.isEmpty)
        for outcome in refused {
            let problem = try #require(outcome.problem)
            let name = (outcome.file as NSString).lastPathComponent
            let reason =
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: inbox.rejectedURL.appendingPathComponent(name + ".error.json"))) as! [String: Any]
            #expect(reason["stage"] as? String == problem.stage.rawValue, "the stage comes from the error, not its text")
            #expect(reason["reason"] as? String == problem.description)
            #expect(FileManager.default.fileExists(atPath: inbox.rejectedURL.appendingPathComponent(name).path))
        }
    }

    @Test func aDiffNeedsTwoVersionsAndSaysWhenThereIsOne() throws {
        let page = try copy("pages/lesson-5.classic.html")
        _ = try ingestor.ingest(paths: [page])
        let builder = ingestor.builder
        let one = try ingestor.store.read { try VersionDiff.latest(id: "lesson-5", store: ingestor.store, builder: builder) }
        #expect(one.versions == 1 && one.from == nil && one.changes.isEmpty)
        var text = try String(contentsOfFile: page, encoding: .utf8)
        text = text.replacingOccurrences(
            of: "<div class=\"entry-content\">",
            with:
                "<div class=\"entry-content\"><p>A paragraph added by the second version of the page, a sentence long enough to count.</p>")
        try text.write(toFile: page, atomically: true, encoding: .utf8)
        _ = try ingestor.ingest(paths: [page])
        let two = try ingestor.store.read { try VersionDiff.latest(id: "lesson-5", store: ingestor.store, builder: builder) }
        #expect(two.versions == 2 && two.from != nil)
        #expect(two.changes.contains { $0.op == .added && $0.text.contains("added by the second version") }, "\(two.changes)")
        #expect(throws: CorpusError.self) {
            try ingestor.store.read { try VersionDiff.latest(id: "lesson-9", store: ingestor.store, builder: builder) }
        }
    }
}
