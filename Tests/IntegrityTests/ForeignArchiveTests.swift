import Archiving
import CorpusKit
import Foundation
import Ingestion
import TestSupport
import Testing

@testable import Integrity

/// The sample archives warcio and pywb test themselves with (Tests/Fixtures/foreign), ingested
/// as they are: every capture a reader would call a page comes in, what cannot be read costs
/// only itself, and the archive that results verifies and rebuilds.
@Suite struct ForeignArchiveTests {
    let config: CorpusConfig
    init() throws { config = try Fixtures.config() }

    func foreign(_ name: String) -> String { Fixtures.folder.appendingPathComponent("foreign/\(name)").path }

    /// Accepted outcomes (ingested, changed, unchanged) per file, in one batch.
    func accepted(_ outcomes: [IngestOutcome], _ name: String) -> Int {
        outcomes.filter { $0.file.hasPrefix(foreign(name) + "#") && !$0.status.isRefused }.count
    }

    @Test func everyPageCaptureOfTheSamplesComesInAndTheArchiveRebuilds() throws {
        let ingestor = Ingestor(archiveRoot: try temporaryArchive(), config: config)
        // The revisit file comes first: it resolves once its original is read, later in the batch.
        let names = [
            "pywb/dupes.warc.gz", "pywb/iana.warc.gz", "warcio/example-iana.org-chunked.warc", "pywb/example-wget-1-14.warc.gz",
            "pywb/example-wpull.warc.gz", "pywb/example.arc", "pywb/example.arc.gz", "warcio/example-space-in-url.arc",
            "pywb/example-extra.warc", "warcio/example-wrong-chunks.warc.gz", "warcio/example-wget-bad-target-uri.warc.gz",
            "pywb/example-url-agnostic-orig.warc.gz", "pywb/example-url-agnostic-revisit.warc.gz", "warcio/example-resource.warc.gz",
            "pywb/missing-status-text.warc", "warcio/example-trunc.warc"
        ]
        let outcomes = try ingestor.ingest(paths: names.map(foreign))
        let expected: [String: Int] = [
            "pywb/dupes.warc.gz": 3, "pywb/iana.warc.gz": 16, "warcio/example-iana.org-chunked.warc": 1,
            "pywb/example-wget-1-14.warc.gz": 1, "pywb/example-wpull.warc.gz": 1, "pywb/example.arc": 1, "pywb/example.arc.gz": 1,
            "warcio/example-space-in-url.arc": 1, "pywb/example-extra.warc": 3, "warcio/example-wrong-chunks.warc.gz": 1,
            "warcio/example-wget-bad-target-uri.warc.gz": 1, "pywb/example-url-agnostic-orig.warc.gz": 1,
            "pywb/example-url-agnostic-revisit.warc.gz": 1, "warcio/example-resource.warc.gz": 1,
            "pywb/missing-status-text.warc": 0, "warcio/example-trunc.warc": 0
        ]
        for (name, count) in expected {
            #expect(accepted(outcomes, name) == count, "\(name): \(outcomes.filter { $0.file.hasPrefix(foreign(name)) })")
        }

        // The chunked crawl gives the real pages' texts, not chunk sizes.
        let iana = try #require(outcomes.first { $0.file.hasSuffix("iana.warc.gz#http://www.iana.org/domains/root/db") }?.id)
        let record = try #require(try ingestor.store.loadRecord(id: iana))
        #expect(record.title.en == "Root Zone Database" || record.text.contains("Root Zone Database"), "\(record.title)")
        #expect(!record.text.contains("\r\n1f4"))

        // A revisit of a capture earlier in the batch (by digest, URL-agnostic by record id) is unchanged.
        let revisits = outcomes.filter { $0.file.hasPrefix(foreign("pywb/dupes.warc.gz#http://www.iana.org/")) }
        #expect(revisits.map(\.status) == [.unchanged] && revisits.first?.id != nil)
        #expect(outcomes.first { $0.file.hasPrefix(foreign("pywb/example-url-agnostic-revisit.warc.gz")) }?.status == .unchanged)

        // What was refused says why, in one line.
        let missing = try #require(outcomes.first { $0.file == foreign("pywb/missing-status-text.warc") })
        #expect(missing.status == .rejected && missing.error?.contains("no response, resource or revisit record") == true)
        let damaged = try #require(outcomes.first { $0.file.hasPrefix(foreign("warcio/example-trunc.warc#")) })
        #expect(damaged.status == .rejected && damaged.error?.contains("WARC-Block-Digest mismatch") == true)

        // The truncated ARC record is kept, marked as WARC marks it.
        var truncated = 0
        for path in ingestor.store.warcFiles() {
            try WARCFileReader(path: ingestor.store.root.appendingPathComponent(path).path, limit: 1 << 26).forEachRecord { record, _ in
                if record[.truncated] == "length" { truncated += 1 }
            }
        }
        #expect(truncated == 1)

        let report = Verifier(config: config).verify(store: ingestor.store, rebuild: true)
        #expect(report.ok, "\(report.problems)")
        #expect(report.rebuilt.values.allSatisfy { $0 == .matches }, "\(report.rebuilt)")
    }

    @Test func whatWarcioWritesAndAnARCWithALyingLengthComeIn() throws {
        let ingestor = Ingestor(archiveRoot: try temporaryArchive(), config: config)
        let outcomes = try ingestor.ingest(paths: [
            foreign("written/warcio-gzip-chunked-revisit.warc.gz"), foreign("written/lying-length.arc")
        ])
        #expect(outcomes.map(\.status) == [.ingested, .unchanged, .ingested, .ingested], "\(outcomes)")
        #expect(outcomes[0].id == "lesson-5" && outcomes[1].id == "lesson-5", "the revisit repeats the capture it names")
        let lesson = try #require(try ingestor.store.loadRecord(id: "lesson-5"))
        #expect(lesson.series?.lesson == 5 && lesson.text.contains("Digital Government"), "gzip and chunking undone")
        // The lying length cost the first record its last 40 bytes, not the second record.
        #expect(outcomes[3].file.hasSuffix("#http://example.org/second"))
        let report = Verifier(config: config).verify(store: ingestor.store, rebuild: true)
        #expect(report.ok, "\(report.problems)")
    }

    @Test func aGzipEncodedResponseIsCleanedDecodedAndArchivedAsSent() throws {
        let ingestor = Ingestor(archiveRoot: try temporaryArchive(), config: config)
        let folder = try TemporaryFolder("encoded")
        var warc = Data()
        for (coding, suffix) in [("gzip", "gz"), ("br", "br")] {
            let body = try Fixtures.data("encoded/lesson-5.classic.html.\(suffix)")
            var block = Data(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Encoding: \(coding)\r\nContent-Length: \(body.count)\r\n\r\n"
                    .utf8)
            block.append(body)
            let record = WARCRecord.make(
                type: .response, date: "2025-04-11T00:00:00Z", contentType: WARCContentType.httpResponse, block: block,
                extra: [(.targetURI, "https://digitalchinawinsthefuture.com/lesson-5-\(suffix)/")])
            warc.append(record.serialized())
        }
        let path = folder.url.appendingPathComponent("encoded.warc").path
        try warc.write(to: URL(fileURLWithPath: path))
        let outcomes = try ingestor.ingest(paths: [path])
        #expect(outcomes.map(\.status) == [.ingested, .changed], "\(outcomes)")
        let record = try #require(try ingestor.store.loadRecord(id: "lesson-5"))
        #expect(record.kind == .lesson && record.series?.lesson == 5)
        // The raw digest is of the payload as archived (brotli bytes), which the WARC keeps.
        let brotli = try Fixtures.data("encoded/lesson-5.classic.html.br")
        #expect(record.provenance.rawSHA256 == Digest.sha256Hex(brotli))
        let report = Verifier(config: config).verify(store: ingestor.store, rebuild: true)
        #expect(report.ok, "\(report.problems)")
    }
}
