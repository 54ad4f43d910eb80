import Archiving
import CorpusKit
import Foundation

/// The corpus as a static bilingual site for readers: an index of the thirteen lessons (what is
/// missing shows), a page per document (a lesson's synopsis and 简介 side by side, its terms,
/// its transcript as aligned rows, its notes, and where every byte came from), and the
/// glossary. Plain HTML and one stylesheet: no JavaScript, nothing loaded from elsewhere, so it
/// reads from `file://` and any static host. Deterministic: the same records give the same
/// bytes (nothing depends on the time of export). Every piece of corpus text is escaped.
public enum SiteExporter {
    /// Relative path → bytes, for every file of the site.
    /// `videos`: archived video files by their SHA-256 (`archivedVideoFiles`); each becomes
    /// `media/<sha256>.<container>`, played by the document page that archived it.
    public static func files(_ records: [CorpusRecord], seriesLength: Int = 13, videos: [String: Data] = [:]) -> [String: Data] {
        var site = Site(records: records, seriesLength: seriesLength)
        site.videoFiles = Set(videos.keys)
        var files: [String: Data] = [:]
        for record in site.records {
            for video in record.video?.archived ?? [] where videos[video.sha256] != nil {
                files[Site.mediaPath(video)] = videos[video.sha256]
            }
        }
        files["style.css"] = Data(stylesheet.utf8)
        files["index.html"] = Data(site.index().utf8)
        files["glossary.html"] = Data(site.glossary().utf8)
        for record in site.records {
            files["documents/\(record.id).html"] = Data(site.document(record).utf8)
        }
        return files
    }

    /// The payloads of the records' progressive videos (MP4, WebM), by SHA-256, read from the
    /// archive and checked against the digest the record names. HLS streams stay in the WARC
    /// files (a static page cannot play them without a script).
    public static func archivedVideoFiles(_ records: [CorpusRecord], store: ArchiveStore) -> [String: Data] {
        var wanted: [String: [(id: String, sha256: String)]] = [:]
        for record in records {
            for video in record.video?.archived ?? [] where video.container != "hls" {
                guard let id = video.recordIDs.first else { continue }
                wanted[video.warc, default: []].append((id, video.sha256))
            }
        }
        var found: [String: Data] = [:]
        for (warc, items) in wanted {
            let ids = Dictionary(items.map { ($0.id, $0.sha256) }, uniquingKeysWith: { first, _ in first })
            try? WARCFileReader(path: store.root.appendingPathComponent(warc).path, limit: 1 << 31).forEachRecord { record, _ in
                guard let sha256 = ids[record.recordID] else { return }
                let payload = record.payload
                if Digest.sha256Hex(payload) == sha256 { found[sha256] = payload }
            }
        }
        return found
    }

    /// Text safe in element content and in quoted attribute values.
    static func escape(_ text: String) -> String { Exporter.xml(text, html: true) }

    /// English text, escaped, with every run of Chinese inside it (a term quoted in a
    /// definition) marked `lang="zh-CN"`, so readers and screen readers switch for it.
    static func english(_ text: String) -> String {
        var out = ""
        var run = ""
        func flush() {
            guard !run.isEmpty else { return }
            out += "<span lang=\"zh-CN\">" + escape(run) + "</span>"
            run = ""
        }
        var plain = ""
        for character in text {
            if character.unicodeScalars.contains(where: isHan) || (!run.isEmpty && isCJKPunctuation(character)) {
                out += escape(plain)
                plain = ""
                run.append(character)
            } else {
                flush()
                plain.append(character)
            }
        }
        flush()
        return out + escape(plain)
    }

    static func isHan(_ scalar: Unicode.Scalar) -> Bool { Han.contains(scalar) }

    static func isCJKPunctuation(_ character: Character) -> Bool {
        character.unicodeScalars.allSatisfy { (0x3000...0x303F).contains($0.value) || (0xFF00...0xFFEF).contains($0.value) }
    }

    /// A passage of corpus text as element content: Chinese escaped, English with its Chinese marked.
    static func passage(_ text: String) -> String { isChinese(text) ? escape(text) : english(text) }

    static func isChinese(_ text: String) -> Bool { Han.isChinese(text) }

    /// `lang` for a passage of corpus text.
    static func lang(_ text: String) -> String { isChinese(text) ? "zh-CN" : "en" }

    /// Only http(s) addresses become links; anything else (`javascript:`, `data:`) stays text.
    static func isWebAddress(_ text: String) -> Bool {
        let lower = text.lowercased()
        return (lower.hasPrefix("http://") || lower.hasPrefix("https://")) && !text.contains(where: { $0 == " " || $0 == "\n" })
    }
}

/// One export: the records in a fixed order and what pages are derived from them.
struct Site {
    let records: [CorpusRecord]
    /// The videos whose files the site carries (by SHA-256).
    var videoFiles: Set<String> = []

    static func mediaPath(_ video: ArchivedVideo) -> String { "media/\(video.sha256).\(video.container)" }
    let series: SeriesDocuments
    var seriesLength: Int { series.seriesLength }

    init(records: [CorpusRecord], seriesLength: Int) {
        self.records = records.sorted { $0.id < $1.id }
        series = SeriesDocuments(records, seriesLength: seriesLength)
    }

    typealias E = SiteExporter

    static let kindNames: [DocumentKind: String] = [
        .lesson: "Lesson", .lessonSource: "Chinese original of a lesson", .glossary: "Glossary", .overview: "Overview",
        .policy: "Policy text", .commentary: "Commentary", .other: "Other document"
    ]

    func lesson(_ n: Int) -> CorpusRecord? { series.post(n) }
    func source(_ n: Int) -> CorpusRecord? { series.original(n) }

    // MARK: Frame

    func page(title: String, root: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="\(E.lang(title))">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(E.escape(title))</title>
        <link rel="stylesheet" href="\(root)style.css">
        </head>
        <body>
        <header class="site" lang="en"><nav><a href="\(root)index.html">Digital China Construction Series · corpus</a> <span aria-hidden="true">·</span> <a href="\(root)glossary.html">Glossary</a></nav></header>
        <main lang="en">
        \(body)
        </main>
        <footer class="site" lang="en"><p>Exported by <code>dccorpus export --format site</code> from \(records.count) record\(records.count == 1 ? "" : "s"). Every record can be checked against its raw capture with <code>dccorpus verify --rebuild</code>.</p></footer>
        </body>
        </html>

        """
    }

    /// A paragraph of corpus text with its language.
    func paragraph(_ text: String, className: String? = nil) -> String {
        let attribute = className.map { " class=\"\($0)\"" } ?? ""
        return "<p lang=\"\(E.lang(text))\"\(attribute)>\(E.passage(text))</p>"
    }

    func missing(_ text: String) -> String { "<span class=\"missing\">\(E.escape(text))</span>" }

    func link(to record: CorpusRecord, from root: String, text: String? = nil) -> String {
        let label = text ?? record.title.en ?? record.title.zh ?? record.id
        return "<a href=\"\(root)documents/\(E.escape(record.id)).html\" lang=\"\(E.lang(label))\">\(E.passage(label))</a>"
    }

    func date(_ record: CorpusRecord) -> String { String(record.provenance.source.retrievedAt.prefix(10)) }

    // MARK: Index

    func index() -> String {
        var rows = ""
        for n in 1...seriesLength {
            let post = lesson(n)
            let original = source(n)
            let title = post.map { link(to: $0, from: "") } ?? missing("missing")
            var originalCell = missing("missing")
            if let original {
                originalCell = link(to: original, from: "", text: original.title.zh ?? original.title.en ?? original.id)
            } else if let url = post?.original?.url, E.isWebAddress(url) {
                originalCell = "<a href=\"\(E.escape(url))\">not captured (link)</a>"
            }
            let transcript = post.map { $0.transcript.isEmpty ? missing("none") : "\($0.transcript.count) rows" } ?? missing("–")
            let terms = post.map { $0.terms.isEmpty ? missing("none") : "\($0.terms.count)" } ?? missing("–")
            let captures = [post, original].compactMap { $0?.provenance.source.retrievedAt }.sorted()
            let last =
                captures.last.map { "<time datetime=\"\(E.escape($0))\">\(E.escape(String($0.prefix(10))))</time>" } ?? missing("never")
            let absent = post == nil && original == nil ? " class=\"absent\"" : ""
            rows += """
                <tr\(absent)><th scope="row" data-label="Lesson">\(n)</th><td data-label="English post">\(title)</td><td data-label="Chinese original">\(originalCell)</td><td data-label="Transcript">\(transcript)</td><td data-label="Terms">\(terms)</td><td data-label="Last capture">\(last)</td></tr>

                """
        }
        let (lessons, originals) = (series.postCount, series.originalCount)
        var body = """
            <h1>Digital China Construction Series <span lang="zh-CN">数字中国建设系列</span></h1>
            <p>Thirteen video lessons published by the Beijing Party Member Education Network, their annotated English translations, and the policy texts and commentary around them. This archive holds \(lessons) of \(seriesLength) English posts and \(originals) of \(seriesLength) Chinese originals.</p>
            <h2>Lessons</h2>
            <table class="lessons">
            <colgroup><col class="n"><col class="post"><col class="original"><col class="count"><col class="count"><col class="when"></colgroup>
            <thead><tr><th scope="col">Lesson</th><th scope="col">English post</th><th scope="col">Chinese original</th><th scope="col">Transcript</th><th scope="col">Terms</th><th scope="col">Last capture</th></tr></thead>
            <tbody>
            \(rows)</tbody>
            </table>

            """
        let sections: [(String, [DocumentKind])] = [
            ("Policy texts", [.policy]), ("Commentary", [.commentary]), ("Glossary", [.glossary]), ("Overviews", [.overview]),
            ("Other documents", [.other])
        ]
        for (heading, kinds) in sections {
            let members = records.filter { kinds.contains($0.kind) }
            if members.isEmpty && heading != "Glossary" { continue }
            body += "<h2>\(heading)</h2>\n<ul class=\"documents\">\n"
            if heading == "Glossary" {
                body += "<li><a href=\"glossary.html\">Every term, with its Chinese, definition and lessons</a></li>\n"
            }
            for record in members {
                let published = record.published.map { " <span class=\"date\">\(E.escape($0))</span>" } ?? ""
                body += "<li>\(link(to: record, from: ""))\(published)</li>\n"
            }
            body += "</ul>\n"
        }
        return page(title: "Digital China Construction Series · corpus", root: "", body: body)
    }

    // MARK: Documents

    func document(_ record: CorpusRecord) -> String {
        if record.kind == .lesson { return lessonPage(record) }
        var body = "<article>\n"
        body +=
            "<p class=\"kind\">\(Self.kindNames[record.kind] ?? "Document")\(record.series.map { " · lesson \($0.lesson) of \($0.of)" } ?? "")</p>\n"
        let title = record.title.en ?? record.title.zh ?? record.id
        body += "<h1 lang=\"\(E.lang(title))\">\(E.passage(title))</h1>\n"
        if let zh = record.title.zh, record.title.en != nil { body += "<p class=\"title-zh\" lang=\"zh-CN\">\(E.escape(zh))</p>\n" }
        body += facts(record, root: "../")
        if !record.terms.isEmpty { body += termsTable(record) }
        if !record.text.isEmpty {
            body += "<section class=\"text\">\n<h2>Text</h2>\n"
            for paragraph in record.text.pieces(separatedBy: "\n\n") where !paragraph.isEmpty {
                body += self.paragraph(paragraph) + "\n"
            }
            body += "</section>\n"
        }
        if !record.footnotes.isEmpty { body += notes(record) }
        body += provenance(record)
        body += "</article>"
        return page(title: title, root: "../", body: body)
    }

    func lessonPage(_ record: CorpusRecord) -> String {
        let n = record.series?.lesson
        let original = n.flatMap(source)
        var body = "<article>\n"
        if let series = record.series {
            body += "<p class=\"kind\">\(E.escape(series.name)) · Lesson \(series.lesson) of \(series.of)</p>\n"
        }
        let title = record.title.en ?? record.id
        body += "<h1 lang=\"\(E.lang(title))\">\(E.passage(title))</h1>\n"
        if let zh = record.title.zh ?? record.original?.titleZH ?? original?.title.zh {
            body += "<p class=\"title-zh\" lang=\"zh-CN\">\(E.escape(zh))</p>\n"
        }
        body += facts(record, root: "../")
        let synopsisZH = record.synopsis.zh ?? original?.synopsis.zh
        if record.synopsis.en != nil || synopsisZH != nil {
            body += "<section class=\"pair\">\n<div lang=\"en\"><h2>Synopsis</h2>"
            body += record.synopsis.en.map { "<p>\(E.english($0))</p>" } ?? "<p>\(missing("no synopsis"))</p>"
            body += "</div>\n<div lang=\"zh-CN\"><h2>简介</h2>"
            body += synopsisZH.map { "<p>\(E.escape($0))</p>" } ?? "<p>\(missing("无"))</p>"
            body += "</div>\n</section>\n"
        }
        if !record.terms.isEmpty { body += termsTable(record) }
        if !record.transcript.isEmpty {
            body += """
                <section>
                <h2>Transcript</h2>
                <table class="transcript">
                <colgroup><col class="at"><col><col></colgroup>
                <thead><tr><th scope="col">Time</th><th scope="col">English</th><th scope="col" lang="zh-CN">中文</th></tr></thead>
                <tbody>

                """
            for row in record.transcript {
                let english = row.en.map { "<td lang=\"en\">\(E.english($0))</td>" } ?? "<td>\(missing("—"))</td>"
                let chinese = row.zh.map { "<td lang=\"zh-CN\">\(E.escape($0))</td>" } ?? "<td>\(missing("—"))</td>"
                body += "<tr><td class=\"at\">\(E.escape(row.at))</td>\(english)\(chinese)</tr>\n"
            }
            body += "</tbody>\n</table>\n</section>\n"
        }
        if !record.footnotes.isEmpty { body += notes(record) }
        body += provenance(record)
        if let original { body += provenance(original, heading: "Provenance of the Chinese original") }
        body += "</article>"
        return page(title: title, root: "../", body: body)
    }

    /// Date, speaker, duration, publisher, the Chinese original and its translation.
    func facts(_ record: CorpusRecord, root: String) -> String {
        var items: [(String, String)] = []
        if let published = record.published { items.append(("Published", E.escape(published))) }
        if let speaker = record.video?.speaker, speaker.en != nil || speaker.zh != nil {
            let parts = [
                speaker.en.map { "<span lang=\"en\">\(E.english($0))</span>" },
                speaker.zh.map { "<span lang=\"zh-CN\">\(E.escape($0))</span>" }
            ]
            items.append(("Speaker", parts.compactMap { $0 }.joined(separator: " · ")))
        }
        if let seconds = record.video?.durationSeconds {
            let text =
                seconds >= 3600
                ? String(format: "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
                : String(format: "%d:%02d", seconds / 60, seconds % 60)
            items.append(("Duration", text))
        }
        for video in record.video?.archived ?? [] {
            let seconds = video.durationSeconds.map { String(format: "%.1f s", $0) } ?? "length unknown"
            var text =
                "\(video.container.uppercased()), \(seconds), \(video.bytes) bytes, SHA-256 <code>\(video.sha256.prefix(16))…</code>, "
                + "from <a href=\"\(E.escape(video.url))\">\(E.escape(video.url))</a>, in <code>\(E.escape(video.warc))</code>"
            if videoFiles.contains(video.sha256) {
                let type = video.container == "webm" ? "video/webm" : "video/mp4"
                text =
                    "<video controls preload=\"metadata\"><source src=\"\(root)\(Self.mediaPath(video))\" type=\"\(type)\"></video><br>"
                    + text
            }
            items.append(("Archived video", text))
        }
        if let publisher = record.publisher, publisher.en != nil || publisher.zh != nil {
            let parts = [
                publisher.en.map { "<span lang=\"en\">\(E.english($0))</span>" },
                publisher.zh.map { "<span lang=\"zh-CN\">\(E.escape($0))</span>" }
            ]
            items.append(("Publisher", parts.compactMap { $0 }.joined(separator: " · ")))
        }
        if let editor = record.editor { items.append(("Editor", "<span lang=\"\(E.lang(editor))\">\(E.passage(editor))</span>")) }
        if record.kind == .lesson, let n = record.series?.lesson {
            if let original = source(n) {
                items.append(("Chinese original", link(to: original, from: root, text: original.title.zh ?? original.id)))
            } else if let url = record.original?.url, E.isWebAddress(url) {
                items.append(("Chinese original", "<a href=\"\(E.escape(url))\">\(E.escape(url))</a> \(missing("(not captured)"))"))
            } else {
                items.append(("Chinese original", missing("not known")))
            }
        }
        if record.kind == .lessonSource, let n = record.series?.lesson {
            items.append(("English translation", lesson(n).map { link(to: $0, from: root) } ?? missing("not captured")))
        }
        guard !items.isEmpty else { return "" }
        return "<dl class=\"facts\">\n" + items.map { "<dt>\($0.0)</dt><dd>\($0.1)</dd>\n" }.joined() + "</dl>\n"
    }

    func termsTable(_ record: CorpusRecord) -> String {
        var out = """
            <section>
            <h2>Terms</h2>
            <table class="terms">
            <colgroup><col class="en"><col class="zh"><col class="note"></colgroup>
            <thead><tr><th scope="col">English</th><th scope="col" lang="zh-CN">中文</th><th scope="col">Note</th></tr></thead>
            <tbody>

            """
        let notes = Set(record.footnotes.map(\.n))
        for term in record.terms {
            var note = term.definition.map { "<span lang=\"\(E.lang($0))\">\(E.passage($0))</span>" } ?? ""
            if let n = term.footnote {
                let mark = notes.contains(n) ? "<a href=\"#note-\(n)\">[\(n)]</a>" : "[\(n)]"
                note = note.isEmpty ? mark : note + " " + mark
            }
            out += "<tr><td lang=\"en\">\(E.english(term.en))</td><td lang=\"zh-CN\">\(E.escape(term.zh))</td><td>\(note)</td></tr>\n"
        }
        return out + "</tbody>\n</table>\n</section>\n"
    }

    func notes(_ record: CorpusRecord) -> String {
        var out = "<section class=\"notes\">\n<h2>Notes</h2>\n<ol>\n"
        var seen = Set<Int>()
        for note in record.footnotes {
            // An id only once per page, even when a page numbers two notes alike.
            let id = seen.insert(note.n).inserted ? " id=\"note-\(note.n)\"" : ""
            out += "<li value=\"\(note.n)\"\(id) lang=\"\(E.lang(note.text))\">\(E.passage(note.text))</li>\n"
        }
        return out + "</ol>\n</section>\n"
    }

    /// Where the record's bytes came from, and how to check them.
    func provenance(_ record: CorpusRecord, heading: String = "Provenance") -> String {
        let source = record.provenance.source
        var place = missing("unknown")
        if let url = source.url {
            place = E.isWebAddress(url) ? "<a href=\"\(E.escape(url))\">\(E.escape(url))</a>" : E.escape(url)
        } else if let file = source.file {
            place = "local file <code>\(E.escape(file))</code>"
        }
        var tls = "not applicable (no HTTPS)"
        if source.url?.lowercased().hasPrefix("https:") == true {
            switch source.tlsVerified {
            case true?: tls = "certificate verified"
            case false?: tls = "<strong>not verified</strong>" + (source.tlsVerifyResult.map { " (verify result \($0))" } ?? "")
            case nil: tls = missing("not recorded")
            }
        }
        let rows: [(String, String)] = [
            ("Record", "<code>\(E.escape(record.id))</code>"),
            ("Source", place),
            ("Captured", E.escape(source.retrievedAt)),
            ("TLS", tls),
            ("Raw SHA-256", "<code>\(E.escape(record.provenance.rawSHA256))</code>"),
            ("WARC file", "<code>\(E.escape(record.provenance.archive.warc))</code>"),
            ("WARC record", "<code>\(E.escape(record.provenance.archive.recordID))</code>"),
            ("Record SHA-256", "<code>\(E.escape(record.provenance.recordSHA256))</code>"),
            (
                "Pipeline",
                "\(E.escape(record.provenance.pipeline.version)), config <code>\(E.escape(String(record.provenance.pipeline.configSHA256.prefix(12))))</code>"
            )
        ]
        var out = "<section class=\"provenance\">\n<h2>\(heading)</h2>\n<dl>\n"
        for (name, value) in rows { out += "<dt>\(name)</dt><dd>\(value)</dd>\n" }
        out +=
            "</dl>\n<p>Check it in the archive: <code>dccorpus verify --rebuild</code> re-reads every byte and re-derives this record from its raw capture; <code>dccorpus history \(E.escape(record.id))</code> lists its captures.</p>\n</section>\n"
        return out
    }

    // MARK: Glossary

    func glossary() -> String {
        let entries = Exporter.glossaryEntries(records)
        var body = "<h1>Glossary <span lang=\"zh-CN\">术语表</span></h1>\n"
        body +=
            "<p>Every term of the glossary post and of the lessons' term tables, once, with its Chinese, its definition and the lessons that use it.</p>\n"
        if entries.isEmpty {
            body += "<p>\(missing("No terms in this archive yet."))</p>\n"
            return page(title: "Glossary", root: "", body: body)
        }
        body += """
            <table class="glossary">
            <colgroup><col class="en"><col class="zh"><col class="definition"><col class="lessons"></colgroup>
            <thead><tr><th scope="col">Term</th><th scope="col" lang="zh-CN">中文</th><th scope="col">Definition</th><th scope="col">Lessons</th></tr></thead>
            <tbody>

            """
        for entry in entries {
            let lessons = entry.lessons.sorted().map { n in
                lesson(n).map { "<a href=\"documents/\(E.escape($0.id)).html\">\(n)</a>" } ?? "\(n)"
            }
            let definition =
                entry.definition.isEmpty ? missing("—") : "<span lang=\"\(E.lang(entry.definition))\">\(E.passage(entry.definition))</span>"
            body +=
                "<tr><td lang=\"en\" data-label=\"Term\">\(E.english(entry.en))</td><td lang=\"zh-CN\" data-label=\"中文\">\(E.escape(entry.zh))</td><td data-label=\"Definition\">\(definition)</td><td data-label=\"Lessons\">\(lessons.isEmpty ? missing("—") : lessons.joined(separator: ", "))</td></tr>\n"
        }
        body += "</tbody>\n</table>\n"
        return page(title: "Glossary", root: "", body: body)
    }
}

/// Writes a site into a folder: each file atomically (a reader never sees half a page), and
/// pages of documents that are no longer in the corpus removed from `documents/` (the only
/// folder the export owns), so no page links to a record that is gone.
public enum SiteWriter {
    @discardableResult
    public static func write(_ files: [String: Data], to folder: URL) throws -> Int {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), !isFolder.boolValue {
            throw CorpusError(file: folder.path, stage: .archive, reason: "exists and is not a folder")
        }
        for (path, data) in files.sorted(by: { $0.key < $1.key }) {
            let url = folder.appendingPathComponent(path)
            if let existing = FileManager.default.contents(atPath: url.path), existing == data { continue }
            try FileIO.writeAtomically(data, to: url, durable: false)
        }
        let documents = folder.appendingPathComponent("documents")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: documents.path)) ?? []
        where name.hasSuffix(".html") && files["documents/\(name)"] == nil {
            try? FileManager.default.removeItem(at: documents.appendingPathComponent(name))
        }
        return files.count
    }
}
