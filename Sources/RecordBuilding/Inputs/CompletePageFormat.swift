import Archiving
import CorpusKit
import Foundation

/// A page a browser saved "complete" (Chrome, Edge and Firefox's "Webpage, Complete"):
/// `page.html` with the folder `page_files/` beside it holding its images, styles and scripts,
/// to which the saved page's links were rewritten. The page is the document, archived as a
/// `resource` record at its own address (Chrome and Edge note it in a `<!-- saved from
/// url=(…)… -->` comment; otherwise the file's `file:` address); each file of the folder is a
/// `resource` record beside it, at the address the page's rewritten links resolve to.
///
/// Refused whole: a folder of more than `maxFiles` files or more than
/// `limits.max_warc_record_bytes` x 64 bytes. Symbolic links in the folder are never followed.
public struct CompletePageFormat: ArchiveFormat {
    public init() {}
    public var name: String { "complete-page" }
    /// Claimed by `Inputs.kind(forPath:)` when the folder exists, never by a name alone.
    public var extensions: [String] { [] }
    public func sniff(_ head: Data) -> Bool { false }
    static let maxFiles = 10_000

    /// The companion folder of a saved page (`page.html` → `page_files`), if it exists.
    public static func folder(for path: String) -> URL? {
        // String work only: this is asked of every input, and Foundation's URLs cost more.
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        let ext = path[path.index(after: dot)...].lowercased()
        guard ext == "html" || ext == "htm" || ext == "xhtml" else { return nil }
        let candidate = String(path[..<dot]) + "_files"
        var info = stat()
        guard lstat(candidate, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return nil }
        return URL(fileURLWithPath: candidate)
    }

    /// The page a folder belongs to (`page_files` → `page.html` or `page.htm`), if it exists.
    public static func page(forFolder path: String) -> String? {
        var path = Substring(path)
        while path.count > 1, path.hasSuffix("/") { path = path.dropLast() }
        guard path.hasSuffix("_files") else { return nil }
        let base = String(path.dropLast("_files".count))
        return ["html", "htm", "xhtml"].map { base + "." + $0 }.first { FileManager.default.fileExists(atPath: $0) }
    }

    public func forEachRecord(
        path: String, config: PipelineConfig, onProblem: @escaping (WARCReadProblem) -> Void, _ body: (ArchiveEntry) throws -> Void
    ) throws {
        guard let folder = Self.folder(for: path) else {
            throw CorpusError(file: path, stage: .read, reason: "no _files folder beside the page")
        }
        let page = try FileIO.read(URL(fileURLWithPath: path), limit: config.maxInputBytes)
        var info = stat()
        let modified =
            stat(path, &info) == 0 ? Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec)) : Date(timeIntervalSince1970: 0)
        let date = WARCDate.string(modified)
        let pageURL = Self.savedFrom(page) ?? URL(fileURLWithPath: path).standardizedFileURL.absoluteString
        let files = try Self.files(in: folder, limit: config.maxWARCRecordBytes * 64, source: path)
        try body(
            ArchiveEntry(
                record: WARCRecord.make(type: .resource, date: date, contentType: "text/html", block: page, extra: [(.targetURI, pageURL)]),
                offset: 0))
        let base = URL(string: pageURL)
        for (index, relative) in files.enumerated() {
            let file = folder.deletingLastPathComponent().appendingPathComponent(relative)
            let bytes: Data
            do {
                bytes = try FileIO.read(file, limit: config.maxWARCRecordBytes)
            } catch let error as CorpusError {
                onProblem(WARCReadProblem(error: error, costsRecord: false))
                continue
            }
            let escaped = relative.split(separator: "/").map {
                String($0).addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? String($0)
            }.joined(separator: "/")
            let uri = URL(string: escaped, relativeTo: base)?.absoluteString ?? file.absoluteString
            let record = WARCRecord.make(
                type: .resource, date: date, contentType: MediaTypes.guess(relative), block: bytes, extra: [(.targetURI, uri)])
            try body(ArchiveEntry(record: record, offset: UInt64(index + 1), role: .requisite))
        }
    }

    /// When anything in the folder last changed (its own entries included), never following a
    /// link; nil when it cannot be read.
    public static func newestChange(in folder: URL) -> Date? {
        var newest: Int = 0
        var pending = [folder.path]
        var seen = 0
        while let path = pending.popLast(), seen < maxFiles * 2 {
            seen += 1
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            newest = max(newest, Int(info.st_mtim.tv_sec) * 1000 + Int(info.st_mtim.tv_nsec) / 1_000_000)
            if info.st_mode & S_IFMT == S_IFDIR {
                for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] { pending.append(path + "/" + name) }
            }
        }
        return newest == 0 ? nil : Date(timeIntervalSince1970: TimeInterval(newest) / 1000)
    }

    /// `<!-- saved from url=(0044)https://example.org/page.html -->` in the first KB, as
    /// Chrome, Edge and Internet Explorer write it.
    static func savedFrom(_ page: Data) -> String? {
        let head = String(decoding: page.prefix(1024), as: UTF8.self)
        guard let range = head.range(of: #"<!--\s*saved from url=\(\d+\)(\S+?)\s*-->"#, options: .regularExpression) else { return nil }
        let comment = head[range]
        guard let close = comment.firstIndex(of: ")") else { return nil }
        var url = comment[comment.index(after: close)...].prefix { !$0.isWhitespace }
        if url.hasSuffix("-->") { url = url.dropLast(3) }
        let scheme = url.split(separator: ":").first?.lowercased()
        return scheme == "http" || scheme == "https" ? String(url) : nil
    }

    /// The folder's regular files as paths relative to its parent (`page_files/a/b.png`),
    /// sorted; symbolic links and other special files are passed over.
    static func files(in folder: URL, limit: Int, source: String) throws -> [String] {
        var found: [String] = []
        var total = 0
        var pending = [folder.lastPathComponent]
        let parent = folder.deletingLastPathComponent()
        while let relative = pending.popLast() {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: parent.appendingPathComponent(relative).path)) ?? []
            for name in names.sorted() {
                let child = relative + "/" + name
                var info = stat()
                guard lstat(parent.appendingPathComponent(child).path, &info) == 0 else { continue }
                switch info.st_mode & S_IFMT {
                case S_IFDIR: pending.append(child)
                case S_IFREG:
                    found.append(child)
                    total += Int(info.st_size)
                    if found.count > maxFiles {
                        throw CorpusError(file: source, stage: .read, reason: "its _files folder holds more than \(maxFiles) files")
                    }
                    if total > limit {
                        throw CorpusError(
                            file: source, stage: .read,
                            reason: "its _files folder holds more than \(limit) bytes (64 x pipeline.toml limits.max_warc_record_bytes)")
                    }
                default: continue
                }
            }
        }
        return found.sorted()
    }
}

/// Media types by file name ending, for files that come without one.
enum MediaTypes {
    static let byExtension: [String: String] = [
        "html": "text/html", "htm": "text/html", "css": "text/css", "js": "application/javascript", "json": "application/json",
        "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp",
        "svg": "image/svg+xml", "ico": "image/x-icon", "avif": "image/avif", "woff": "font/woff", "woff2": "font/woff2",
        "ttf": "font/ttf", "otf": "font/otf", "mp4": "video/mp4", "webm": "video/webm", "mp3": "audio/mpeg", "txt": "text/plain",
        "pdf": "application/pdf", "xml": "application/xml"
    ]

    static func guess(_ name: String) -> String {
        byExtension[(name as NSString).pathExtension.lowercased()] ?? "application/octet-stream"
    }
}
