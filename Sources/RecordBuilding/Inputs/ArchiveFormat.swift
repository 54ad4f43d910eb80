import Archiving
import Cleaning
import CorpusKit
import Foundation

/// A file that holds WARC records rather than one document: WARC, ARC, WACZ, MHTML (each
/// yields the records it is archived as). Each record is then read by `WARCImport`, exactly as
/// `verify --rebuild` will read it again.
public protocol ArchiveFormat: Sendable {
    /// Its stable name (`warc`).
    var name: String { get }
    /// File name endings, lower-case, with their dot.
    var extensions: [String] { get }
    /// Whether a file's first bytes say it is this format whatever its name.
    func sniff(_ head: Data) -> Bool
    /// Calls `body` with each record of the file, in order. A problem that costs one record
    /// (truncated, malformed, over the record limit) goes to `onProblem` and reading goes on;
    /// what makes the whole file unreadable (or untrustworthy) throws.
    func forEachRecord(
        path: String, config: PipelineConfig, onProblem: @escaping (WARCReadProblem) -> Void, _ body: (ArchiveEntry) throws -> Void
    ) throws
}

/// One record of an archive file, with what it is to the import.
public struct ArchiveEntry {
    public enum Role: Sendable {
        /// A document if it holds one (`WARCImport` decides by its type, status and media type).
        case candidate
        /// Kept in the archive beside the document before it (an MHTML page's image or style),
        /// never a document itself.
        case requisite
    }
    public var record: WARCRecord
    /// Where it starts in the file (in its uncompressed stream), for messages.
    public var offset: UInt64
    public var role: Role

    public init(record: WARCRecord, offset: UInt64, role: Role = .candidate) {
        self.record = record
        self.offset = offset
        self.role = role
    }
}

extension ArchiveFormat {
    public func claims(fileName name: String) -> Bool {
        let lowered = name.lowercased()
        return extensions.contains { lowered.hasSuffix($0) }
    }
}

/// WARC 0.17 to 1.1, plain or gzipped (per record or whole), from any crawler: read as leniently
/// as warcio reads them (see `WARCRecord.parseAll`).
public struct WARCArchiveFormat: ArchiveFormat {
    public init() {}
    public var name: String { "warc" }
    public var extensions: [String] { [".warc", ".warc.gz"] }
    public func sniff(_ head: Data) -> Bool { head.starts(with: Data("WARC/".utf8)) }

    public func forEachRecord(
        path: String, config: PipelineConfig, onProblem: @escaping (WARCReadProblem) -> Void, _ body: (ArchiveEntry) throws -> Void
    ) throws {
        try WARCFileReader(path: path, limit: config.maxWARCRecordBytes, onProblem: onProblem).forEachRecord { record, offset in
            try body(ArchiveEntry(record: record, offset: offset))
        }
    }
}

/// What an input is: one document of a format, or a file of records.
public enum InputKind: Sendable {
    case document(any DocumentFormat)
    case archive(any ArchiveFormat)

    public var isDocument: Bool {
        if case .document = self { return true }
        return false
    }

    public var name: String {
        switch self {
        case .document(let format): return format.name
        case .archive(let format): return format.name
        }
    }
}

/// The registry of everything `ingest`, `watch` and `clean` accept. Adding a way in is one file
/// (a `DocumentFormat` or an `ArchiveFormat`) and one line here or in `DocumentFormats.all`.
public enum Inputs {
    public static let archives: [any ArchiveFormat] = [WARCArchiveFormat(), ARCArchiveFormat(), WACZArchiveFormat(), MHTMLArchiveFormat()]

    /// Every accepted file name ending, archives first.
    public static var extensions: [String] { archives.flatMap(\.extensions) + DocumentFormats.extensions }

    /// What a file is: by its name (archive endings first, so `.warc.gz` is not taken for
    /// something else), then by its first bytes.
    public static func kind(forName name: String, head: Data? = nil) -> InputKind? {
        if let archive = archives.first(where: { $0.claims(fileName: name) }) { return .archive(archive) }
        if let format = DocumentFormats.all.first(where: { $0.claims(fileName: name) }) { return .document(format) }
        guard let head, !head.isEmpty else { return nil }
        if let archive = archives.first(where: { $0.sniff(head) }) { return .archive(archive) }
        if let format = DocumentFormats.all.first(where: { $0.sniff(head) }) { return .document(format) }
        return nil
    }

    /// What the file at `path` is: a saved "complete" page when its `_files` folder is beside
    /// it, else by its name and then its first bytes.
    public static func kind(forPath path: String) -> InputKind? {
        if CompletePageFormat.folder(for: path) != nil { return .archive(CompletePageFormat()) }
        let name = (path as NSString).lastPathComponent
        return kind(forName: name) ?? kind(forName: name, head: head(ofFile: path))
    }

    /// The first bytes of a file, for `kind(forName:head:)`; empty when unreadable.
    public static func head(ofFile path: String, count: Int = 512) -> Data {
        guard let handle = FileHandle(forReadingAtPath: path) else { return Data() }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: count)) ?? Data()
    }

    /// The refusal of a file no format claims.
    public static func unsupported(_ path: String) -> CorpusError {
        CorpusError(file: path, stage: .read, reason: "unsupported file type (expected \(extensions.joined(separator: ", ")))")
    }
}
