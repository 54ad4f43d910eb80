import CorpusKit
import Foundation

/// The fields of a capture's `metadata` record (`application/warc-fields`): written by ingest,
/// fetch and reprocess, read by the capture history, the digest index and conditional requests.
/// One list of names, so a writer and a reader can never disagree on one.
public enum CaptureField: String, CaseIterable, Sendable {
    case corpusID = "corpus-id"
    case captureStatus = "capture-status"
    case payloadSHA256 = "payload-sha256"
    // Local files and imported WARC records.
    case fileName = "file-name"
    case fileSize = "file-size"
    case fileModified = "file-modified"
    case importedFrom = "imported-from"
    // Fetches.
    case requestedURL = "requested-url"
    case httpStatus = "http-status"
    case attempts
    case sourceID = "source-id"
    case redirect
    case redirectRecord = "redirect-record"
    case tlsVerified = "tls-verified"
    case tlsVerifyResult = "tls-verify-result"
    case etag
    case lastModified = "last-modified"
    // A fetched page's requisites: `<record-id> <kind> <url>` for each one archived (its
    // response or revisit), `<kind> <url> <reason>` for each one skipped, and
    // `<media-url> <kind> <record-id>` for each record that holds a part of a video or audio
    // (the record with the bytes: a revisit's original), which `video.archived` is derived from.
    case requisite
    case requisiteSkipped = "requisite-skipped"
    case mediaRecord = "media-record"
    // Reprocessing.
    case reprocessedBy = "reprocessed-by"
    case previousPipeline = "previous-pipeline"
    case previousRecord = "previous-record"
    case renamedFrom = "renamed-from"
}

/// What a capture did to its document: the value of `capture-status`.
public enum CaptureStatus: String, Codable, Sendable, CaseIterable {
    /// A new document from a local file or an imported WARC record.
    case ingested
    /// A new document fetched from its URL.
    case fetched
    /// A new version of a known document.
    case changed
    /// The same bytes again: a revisit (fetch) or nothing new (ingest).
    case unchanged
    /// The record re-derived from its capture by a newer pipeline (`reprocess`).
    case reprocessed
    /// A capture whose metadata names no status (written by an early version).
    case captured

    /// Whether the capture brought new content (what conditional requests and diffs compare).
    public var hasNewContent: Bool { self != .unchanged && self != .reprocessed }
}

/// An ordered list of capture fields; repeated ones (one `redirect` per hop) are kept.
public struct CaptureFields: Sendable {
    public private(set) var entries: [(field: CaptureField, value: String)] = []

    public init() {}

    public mutating func add(_ field: CaptureField, _ value: String) {
        entries.append((field, Self.oneLine(value)))
    }

    public mutating func add(_ field: CaptureField, _ value: String?) {
        if let value { add(field, value) }
    }

    public mutating func add(_ status: CaptureStatus) {
        add(.captureStatus, status.rawValue)
    }

    /// The `name: value` lines of the block, CR LF terminated.
    public var block: Data {
        Data(entries.map { "\($0.field.rawValue): \($0.value)\r\n" }.joined().utf8)
    }

    /// WARC field values are one line of UTF-8.
    public static func oneLine(_ text: String) -> String {
        text.replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// Every value of one repeated field, in order (`requisite`, `media-record`, `redirect`).
    public static func values(of wanted: CaptureField, in block: Data) -> [String] {
        HeaderFields.parse(String(decoding: block, as: UTF8.self).pieces(separatedBy: "\r\n")).compactMap {
            $0.0 == wanted.rawValue ? $0.1 : nil
        }
    }

    /// The last value of each field in a block (unknown names are skipped).
    public static func parse(_ block: Data) -> [CaptureField: String] {
        var fields: [CaptureField: String] = [:]
        for (name, value) in HeaderFields.parse(String(decoding: block, as: UTF8.self).pieces(separatedBy: "\r\n")) {
            guard let field = CaptureField(rawValue: name) else { continue }
            fields[field] = value
        }
        return fields
    }
}
