import CorpusKit
import Foundation

/// A kind of document the cleaner reads: the names and media types it goes by, how its bytes
/// are recognised, and how they become a `CleanDocument`. Every way in (`ingest`, `clean`,
/// `fetch`, WARC import, `verify --rebuild`, the fuzz targets) asks `DocumentFormats`, so a new
/// format is one file and one line in `DocumentFormats.all`.
public protocol DocumentFormat: Sendable {
    /// Its stable name (`html`, `text`): what `--json` outputs and errors call it.
    var name: String { get }
    /// File name endings, lower-case, with their dot, preferred first.
    var extensions: [String] { get }
    /// Whether an HTTP or WARC `Content-Type` (lower-cased, parameters included) names it.
    func claims(contentType: String) -> Bool
    /// The media type a local file of this format is archived under (its `resource` record).
    var archivedMediaType: String { get }
    /// Whether the first bytes of a file say it is this format whatever its name.
    func sniff(_ head: Data) -> Bool
    /// Turns the bytes into blocks and metadata. The cleaner has already refused empty and
    /// over-size inputs, and refuses a document without blocks afterwards.
    func clean(_ bytes: Data, source: String, headerCharset: String?, cleaner: Cleaner) throws -> CleanDocument
}

extension DocumentFormat {
    public func sniff(_ head: Data) -> Bool { false }
    /// Whether `name` (a file name or a URL path) ends in one of this format's extensions.
    public func claims(fileName name: String) -> Bool {
        let lowered = name.lowercased()
        return extensions.contains { lowered.hasSuffix($0) }
    }
}

extension DocumentFormat where Self == HTMLFormat { public static var html: HTMLFormat { HTMLFormat() } }
extension DocumentFormat where Self == TextFormat { public static var text: TextFormat { TextFormat() } }

/// The registry of document formats.
public enum DocumentFormats {
    /// Every format, in the order a content type or a name is matched against them.
    public static let all: [any DocumentFormat] = [HTMLFormat(), TextFormat(), PDFFormat()]

    public static func named(_ name: String) -> (any DocumentFormat)? { all.first { $0.name == name } }

    /// Every file name ending some format claims.
    public static var extensions: [String] { all.flatMap(\.extensions) }

    /// The format of a document, from what is known of it: a `Content-Type` first (a server or a
    /// WARC record said so), then the file name or URL path, then its first bytes.
    public static func resolve(name: String? = nil, contentType: String? = nil, head: Data? = nil) -> (any DocumentFormat)? {
        if let contentType, !contentType.isEmpty {
            let lowered = contentType.lowercased()
            if let format = all.first(where: { $0.claims(contentType: lowered) }) { return format }
        }
        if let name, let format = all.first(where: { $0.claims(fileName: name) }) { return format }
        if let head, let format = all.first(where: { $0.sniff(head) }) { return format }
        return nil
    }

    /// Whether two formats are the same one.
    public static func same(_ a: any DocumentFormat, _ b: any DocumentFormat) -> Bool { a.name == b.name }
}
