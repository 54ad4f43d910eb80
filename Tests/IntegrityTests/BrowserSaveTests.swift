import Archiving
import CorpusKit
import Foundation
import Ingestion
import TestSupport
import Testing

@testable import Integrity

/// What people have besides HTML: a page a browser saved as MHTML or printed to PDF (made by
/// headless Chromium from the fixture pages: Scripts/make-browser-saves.py), a WACZ package,
/// and hostile packages (Scripts/make-package-fixtures.py).
@Suite struct BrowserSaveTests {
    let config: CorpusConfig
    init() throws { config = try Fixtures.config() }

    func ingestOne(_ relative: String) throws -> (outcome: IngestOutcome, record: CorpusRecord?, store: ArchiveStore) {
        let ingestor = Ingestor(archiveRoot: try temporaryArchive(), config: config)
        let outcomes = try ingestor.ingest(paths: [Fixtures.folder.appendingPathComponent(relative).path])
        let outcome = try #require(outcomes.first)
        let record = try outcome.id.flatMap { try ingestor.store.loadRecord(id: $0) }
        let report = Verifier(config: config).verify(store: ingestor.store, rebuild: true)
        #expect(report.ok, "\(relative): \(report.problems)")
        #expect(report.rebuilt.values.allSatisfy { $0 == .matches }, "\(relative): \(report.rebuilt)")
        return (outcome, record, ingestor.store)
    }

    /// The fields a reader compares across the three shapes of one page.
    struct Gist: Equatable, CustomStringConvertible {
        var kind: DocumentKind
        var lesson: Int?
        var titleEN: String?
        var titleZH: String?
        var terms: [String]
        var description: String { "\(kind) \(lesson.map(String.init) ?? "-") \(titleEN ?? "-") \(titleZH ?? "-") \(terms)" }
        init(_ record: CorpusRecord) {
            kind = record.kind
            lesson = record.series?.lesson
            titleEN = record.title.en
            titleZH = record.title.zh
            terms = record.terms.map { "\($0.en)=\($0.zh)" }
        }
    }

    @Test(arguments: ["lesson-5.classic", "lesson-1.wordpress", "policy.wordpress", "lesson-12-source.gb2312"])
    func theSamePageAsHTMLMHTMLAndPDFIsTheSameDocument(page: String) throws {
        let html = try #require(try ingestOne("pages/\(page).html").record)
        let mhtml = try ingestOne("browser/\(page).mhtml")
        let pdf = try ingestOne("browser/\(page).pdf")
        #expect(mhtml.outcome.status == .ingested && pdf.outcome.status == .ingested, "\(mhtml.outcome) \(pdf.outcome)")
        let expected = Gist(html)
        #expect(Gist(try #require(mhtml.record)) == expected)
        #expect(Gist(try #require(pdf.record)) == expected)
        // The MHTML's document is the page at its own address, with the same text.
        #expect(mhtml.record?.provenance.source.url == "http://127.0.0.1:8765/\(page).html")
    }

    @Test func anMHTMLPageKeepsItsImagesAndStylesAsResources() throws {
        let (outcome, _, store) = try ingestOne("browser/lesson-5.classic.mhtml")
        #expect(outcome.status == .ingested)
        var resources: [String: String] = [:]
        for path in store.warcFiles() {
            try WARCFileReader(path: store.root.appendingPathComponent(path).path, limit: 1 << 26).forEachRecord { record, _ in
                if record.type == .resource, let uri = record.targetURI { resources[uri] = record[.contentType] }
            }
        }
        #expect(resources["http://127.0.0.1:8765/lesson-5.classic.html"] == "text/html")
        #expect(resources["http://127.0.0.1:8765/dot.png"] == "image/png")
        #expect(resources["http://127.0.0.1:8765/site.css"]?.hasPrefix("text/css") == true)
        // And the CDXJ index lists them, so a replay tool serves them.
        let index = try String(contentsOf: store.cdxjURL, encoding: .utf8)
        #expect(index.contains("\"url\":\"http://127.0.0.1:8765/dot.png\""))
    }

    @Test func aPDFKeepsChineseAndDropsThePrintedHeadersAndFooters() throws {
        let record = try #require(try ingestOne("browser/lesson-12-source.gb2312.pdf").record)
        #expect(record.text.contains("朱镕基同志曾强调对外开放的重要性,陶喆等文艺工作者"))
        #expect(!record.text.contains("12/2/26"), "the print stamp")
        #expect(!record.text.contains("http://127.0.0.1:8765/"), "the printed address")
        #expect(!record.text.contains("1/1"), "the page number")
        #expect(record.video?.durationSeconds == 553)
        let lesson = try #require(try ingestOne("browser/lesson-1.wordpress.pdf").record)
        // A sentence that runs over a page break is one paragraph again.
        #expect(lesson.text.contains("engine behind the National Governance System"))
    }

    @Test func aWACZPackageGivesItsListedPagesOnly() throws {
        let (outcome, record, _) = try ingestOne("packages/lesson-5.wacz")
        #expect(outcome.status == .ingested && record?.id == "lesson-5")
        let ingestor = Ingestor(archiveRoot: try temporaryArchive(), config: config)
        let outcomes = try ingestor.ingest(paths: [Fixtures.folder.appendingPathComponent("packages/lesson-5.wacz").path])
        #expect(outcomes.count == 1, "the frame is not in pages.jsonl: \(outcomes)")
        let pywb = try ingestor.ingest(paths: [Fixtures.folder.appendingPathComponent("foreign/pywb/valid_example_1.wacz").path])
        #expect(pywb.map(\.status) == [.ingested])
    }

    @Test(arguments: [
        ("packages/tampered.wacz", "WACZ: archive/data.warc.gz does not match its SHA-256 in datapackage.json"),
        ("packages/escape.wacz", "WACZ: entry \"../../outside.txt\" leaves the package"),
        ("packages/bomb.wacz", "inflates more than 200-fold"),
        ("foreign/pywb/invalid_example_1.wacz", "WACZ: data/indexes/index.cdx.gz is missing"),
        ("packages/encrypted.pdf", "read: PDF is encrypted (a password is needed)"),
        ("packages/pages-bomb.pdf", "read: PDF has 2501 pages, more than 2000"),
        ("packages/scan.pdf", "clean: PDF has no text layer (a scanned document?); dccorpus does no OCR"),
        ("packages/damaged.pdf", "read: PDF cannot be read")
    ])
    func hostilePackagesAreRefusedWholeQuicklyWithTheReason(file: String, reason: String) throws {
        let ingestor = Ingestor(archiveRoot: try temporaryArchive(), config: config)
        let started = Date()
        let page = Fixtures.folder.appendingPathComponent("pages/lesson-5.classic.html").path
        let outcomes = try ingestor.ingest(paths: [Fixtures.folder.appendingPathComponent(file).path, page])
        #expect(Date().timeIntervalSince(started) < 2)
        #expect(outcomes.count == 2)
        #expect(outcomes[0].status == .rejected)
        #expect(outcomes[0].error?.contains(reason) == true, "\(outcomes[0].error ?? "")")
        #expect(outcomes[0].error?.contains("\n") == false)
        #expect(outcomes[1].status == .ingested, "nothing else in the batch is lost")
    }

    @Test func aCompletePageTakesItsFolderAlongInIngestAndInTheInbox() throws {
        let (outcome, record, store) = try ingestOne("browser/complete/lesson-5.classic.html")
        #expect(outcome.status == .ingested && record?.id == "lesson-5")
        #expect(record?.provenance.source.url == "https://digitalchinawinsthefuture.com/lesson-5/", "the saved-from address")
        var uris: [String] = []
        for path in store.warcFiles() {
            try WARCFileReader(path: store.root.appendingPathComponent(path).path, limit: 1 << 26).forEachRecord { record, _ in
                if record.type == .resource, let uri = record.targetURI { uris.append(uri) }
            }
        }
        #expect(uris.contains("https://digitalchinawinsthefuture.com/lesson-5/lesson-5.classic_files/dot.png"))
        #expect(uris.contains("https://digitalchinawinsthefuture.com/lesson-5/lesson-5.classic_files/site.css"))

        // Dropped in the Inbox: the pair is one input; both leave when it is archived, and a
        // rejected page goes to quarantine with its folder.
        let folder = try TemporaryFolder("complete-inbox")
        let inbox = try folder.folder("Inbox")
        let source = Fixtures.folder.appendingPathComponent("browser/complete")
        for name in ["lesson-5.classic.html", "lesson-5.classic_files"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: inbox.appendingPathComponent(name))
        }
        try Data().write(to: inbox.appendingPathComponent("empty.html"))
        try FileManager.default.createDirectory(at: inbox.appendingPathComponent("empty_files"), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: inbox.appendingPathComponent("empty_files/a.css"))
        let ingestor = Ingestor(archiveRoot: try folder.folder("Archive"), config: config)
        let (outcomes, notes) = try InboxFolder(url: inbox).process(with: ingestor)
        #expect(notes.isEmpty, "\(notes)")
        #expect(outcomes.map(\.status) == [.rejected, .ingested], "\(outcomes)")
        let left = try FileManager.default.contentsOfDirectory(atPath: inbox.path).sorted()
        #expect(left == [".rejected"], "\(left)")
        let quarantined = try FileManager.default.contentsOfDirectory(atPath: inbox.appendingPathComponent(".rejected").path).sorted()
        #expect(quarantined == ["empty.html", "empty.html.error.json", "empty_files", "empty_files.error.json"])
    }

    @Test func mhtmlEdgesAreReadOrRefusedInOneLine() throws {
        let folder = try TemporaryFolder("mhtml")
        // A boundary that never closes: the last part runs to the end, with a warning.
        let open = """
            From: <Saved by Blink>\r
            Snapshot-Content-Location: https://example.org/a\r
            MIME-Version: 1.0\r
            Content-Type: multipart/related; type="text/html"; boundary="b"\r
            \r
            --b\r
            Content-Type: text/html\r
            Content-Transfer-Encoding: quoted-printable\r
            Content-Location: https://example.org/a\r
            \r
            <html><body><h1>A t=\r
            itle</h1><p>Caf=C3=A9 text of a saved page that never closes.</p></body></html>\r

            """
        let openPath = folder.url.appendingPathComponent("open.mhtml")
        try Data(open.utf8).write(to: openPath)
        // 10,001 parts: refused.
        var many = "MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"b\"\r\n\r\n"
        for _ in 0...10_000 { many += "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n" }
        many += "--b--\r\n"
        let manyPath = folder.url.appendingPathComponent("many.mhtml")
        try Data(many.utf8).write(to: manyPath)
        let ingestor = Ingestor(archiveRoot: try temporaryArchive(), config: config)
        let warnings = WarningLog()
        var warned = ingestor
        warned.onWarning = { warnings.add($0.description) }
        let started = Date()
        let outcomes = try warned.ingest(paths: [openPath.path, manyPath.path])
        #expect(Date().timeIntervalSince(started) < 2)
        #expect(outcomes[0].status == .ingested, "\(outcomes[0])")
        let id = try #require(outcomes[0].id)
        let record = try #require(try ingestor.store.loadRecord(id: id))
        #expect(record.text.contains("Café text") && record.title.en == "A title")
        #expect(warnings.lines.contains { $0.contains("is never closed") })
        #expect(outcomes[1].status == .rejected && outcomes[1].error?.contains("more than 10000 parts") == true, "\(outcomes[1])")
    }
}

/// Warnings collected from a `@Sendable` callback.
final class WarningLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func add(_ line: String) { lock.withLock { stored.append(line) } }
    var lines: [String] { lock.withLock { stored } }
}
