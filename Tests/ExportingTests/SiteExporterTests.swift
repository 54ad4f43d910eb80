import CorpusKit
import Foundation
import TestSupport
import Testing

@testable import Exporting

/// The static site: what a reader sees, escaped and labelled by language, the same every time.
@Suite struct SiteExporterTests {
    static let lesson = Fixtures.record(
        "lesson-5", kind: .lesson, lesson: 5,
        title: Bilingual(en: "Develop Efficient and Collaborative Digital Government Affairs", zh: "发展高效协同的数字政务"),
        text: "Text."
    ) { record in
        record.synopsis = Bilingual(en: "Government services go online (数字政务).", zh: "数字政务持续提升。")
        record.terms = [Term(en: "Digital Government Affairs", zh: "数字政务", footnote: 1)]
        record.footnotes = [Footnote(n: 1, text: "The use of digital technology across government.")]
        record.transcript = [TranscriptBlock(at: "00:25", seconds: 25, en: "The survey shows progress.", zh: "调查显示进步。")]
        record.video = VideoInfo(speaker: Bilingual(en: "A speaker", zh: "主讲人"), durationSeconds: 536)
    }
    static let original = Fixtures.record(
        "lesson-5-source", kind: .lessonSource, lesson: 5, title: Bilingual(zh: "发展高效协同的数字政务"), text: "正文。")
    static let hostile = Fixtures.record(
        "other-notes", kind: .other, title: Bilingual(en: "Notes <script>alert(\"t\")</script>"),
        text: "Quoted: <script>alert(\"x\")</script> and \"><img src=x onerror=alert(1)> as text.")

    static func page(_ path: String, _ records: [CorpusRecord] = [lesson, original, hostile]) -> String {
        String(decoding: SiteExporter.files(records)[path] ?? Data(), as: UTF8.self)
    }

    @Test func anArchivedVideoPlaysFromTheSiteAndAStreamIsDescribed() {
        var record = Self.original
        let file = ArchivedVideo(
            url: "https://example.cn/v/lesson5.mp4", container: "mp4", warc: "data/warc/a.warc.gz",
            recordIDs: ["<urn:uuid:00000000-0000-0000-0000-000000000001>"], bytes: 4, sha256: String(repeating: "a", count: 64),
            durationSeconds: 536.04, streams: [])
        let stream = ArchivedVideo(
            url: "https://example.cn/v/master.m3u8\"><script>", container: "hls", warc: "data/warc/a.warc.gz",
            recordIDs: ["<urn:uuid:00000000-0000-0000-0000-000000000002>"], bytes: 9, sha256: String(repeating: "b", count: 64),
            durationSeconds: nil, streams: [])
        record.video = VideoInfo(speaker: Bilingual(), durationSeconds: 536, archived: [file, stream])
        let files = SiteExporter.files([record], videos: [file.sha256: Data("mp4!".utf8)])
        #expect(files["media/\(file.sha256).mp4"] == Data("mp4!".utf8))
        let page = String(decoding: files["documents/lesson-5-source.html"] ?? Data(), as: UTF8.self)
        #expect(page.contains("<video controls preload=\"metadata\"><source src=\"../media/\(file.sha256).mp4\" type=\"video/mp4\">"))
        #expect(page.contains("MP4, 536.0 s, 4 bytes"))
        #expect(page.contains("HLS, length unknown, 9 bytes"))
        #expect(!page.contains("<script>"))
        // Without the file (not readable from the archive), the page says where it is instead.
        let described = String(decoding: SiteExporter.files([record])["documents/lesson-5-source.html"] ?? Data(), as: UTF8.self)
        #expect(!described.contains("<video") && described.contains("in <code>data/warc/a.warc.gz</code>"))
    }

    @Test func markupInCorpusTextIsShownAsText() {
        let page = Self.page("documents/other-notes.html")
        #expect(!page.contains("<script"))
        #expect(!page.contains("<img"))
        #expect(page.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"))
        #expect(page.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"))
        #expect(page.contains("<title>Notes &lt;script&gt;"))
    }

    @Test func theIndexListsThirteenLessonsAndShowsWhatIsMissing() {
        let index = Self.page("index.html")
        #expect(index.components(separatedBy: "<th scope=\"row\"").count - 1 == 13)
        #expect(index.contains("href=\"documents/lesson-5.html\""))
        #expect(index.contains("href=\"documents/lesson-5-source.html\""))
        #expect(index.components(separatedBy: "<tr class=\"absent\">").count - 1 == 12)
        #expect(index.contains("1 of 13 English posts and 1 of 13 Chinese originals"))
    }

    @Test func aLessonPageIsBilingualWithTranscriptRowsNotesAndProvenance() {
        let page = Self.page("documents/lesson-5.html")
        #expect(page.contains("<p class=\"title-zh\" lang=\"zh-CN\">发展高效协同的数字政务</p>"))
        #expect(page.contains("<div lang=\"zh-CN\"><h2>简介</h2><p>数字政务持续提升。</p>"))
        #expect(page.contains("(<span lang=\"zh-CN\">数字政务</span>)"), "Chinese inside English is marked")
        #expect(
            page.contains(
                "<tr><td class=\"at\">00:25</td><td lang=\"en\">The survey shows progress.</td><td lang=\"zh-CN\">调查显示进步。</td></tr>"))
        #expect(page.contains("<a href=\"#note-1\">[1]</a>") && page.contains("id=\"note-1\""))
        #expect(page.contains("<dt>Duration</dt><dd>8:56</dd>"))
        #expect(page.contains("Provenance of the Chinese original"))
        #expect(page.contains("<dt>TLS</dt><dd>certificate verified</dd>"))
        #expect(page.contains("dccorpus verify --rebuild"))
    }

    @Test func theSameCorpusGivesTheSameBytesAndEveryLinkResolves() throws {
        let records = [Self.lesson, Self.original, Self.hostile]
        let files = SiteExporter.files(records)
        #expect(files == SiteExporter.files(records.reversed()), "record order does not matter")
        let link = try Regex(##"(?:href|src)="([^"#:]+)(#[^"]*)?""##)
        for (path, data) in files where path.hasSuffix(".html") {
            let folder = (path as NSString).deletingLastPathComponent
            for match in String(decoding: data, as: UTF8.self).matches(of: link) {
                let target = String(match.output[1].substring ?? "")
                let resolved = String(
                    URL(fileURLWithPath: "/site/" + folder).appendingPathComponent(target).standardized.path.dropFirst("/site/".count))
                #expect(files[resolved] != nil, "\(path) links to \(target), which the site does not have")
            }
        }
    }

    @Test func javascriptAddressesAreNeverLinks() {
        let lesson = Fixtures.record("lesson-2", kind: .lesson, lesson: 2, title: Bilingual(en: "Two"), text: "x") { record in
            record.original = OriginalLink(url: "javascript:alert(1)", titleZH: nil)
            record.provenance.source.url = "javascript:alert(2)"
        }
        let page = Self.page("documents/lesson-2.html", [lesson])
        #expect(!page.contains("href=\"javascript"))
    }
}
