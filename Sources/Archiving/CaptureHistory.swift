import CorpusKit
import Foundation

/// One capture of a document, as its `metadata` record in the WARC files tells it.
public struct CaptureEntry: Codable, Equatable, Sendable {
    public var date: String
    public var status: CaptureStatus
    public var payloadSHA256: String?
    public var warc: String
    /// The `response`, `resource` or `revisit` record this capture wrote.
    public var recordID: String
    public var url: String?
    /// "reprocessed by pipeline 0.2.0 (was 0.1.0)", for a record that `reprocess` re-derived.
    public var note: String? = nil

    enum CodingKeys: String, CodingKey {
        case date, status, warc, url, note
        case payloadSHA256 = "payload_sha256"
        case recordID = "record_id"
    }
}

/// Reads the capture history of documents from the archive's WARC files.
public enum CaptureHistory {
    /// Calls `body` with every capture `metadata` record of the archive: the WARC file, the
    /// record it refers to, its fields and the record itself.
    static func forEachCaptureMetadata(
        store: ArchiveStore, limit: Int,
        _ body: (_ warc: String, _ refersTo: String, _ fields: [CaptureField: String], _ record: WARCRecord) -> Void
    ) throws {
        for path in store.warcFiles() {
            try WARCFileReader(path: store.root.appendingPathComponent(path).path, limit: limit).forEachRecord { record, _ in
                guard record.type == .metadata, let refersTo = record[.refersTo] else { return }
                body(path, refersTo, CaptureFields.parse(record.block), record)
            }
        }
    }

    static func entry(warc: String, refersTo: String, fields: [CaptureField: String], record: WARCRecord) -> CaptureEntry {
        var entry = CaptureEntry(
            date: record[.date] ?? "", status: fields[.captureStatus].flatMap(CaptureStatus.init(rawValue:)) ?? .captured,
            payloadSHA256: fields[.payloadSHA256], warc: warc, recordID: refersTo,
            url: record[.targetURI])
        if let version = fields[.reprocessedBy] {
            entry.note =
                "reprocessed by pipeline \(version)" + (fields[.previousPipeline].map { " (was \($0))" } ?? "")
                + (fields[.renamedFrom].map { ", renamed from \($0)" } ?? "")
        }
        return entry
    }

    /// Every capture of `id`, oldest first.
    public static func entries(for id: String, store: ArchiveStore, limit: Int) throws -> [CaptureEntry] {
        var entries: [CaptureEntry] = []
        try forEachCaptureMetadata(store: store, limit: limit) { warc, refersTo, fields, record in
            if fields[.corpusID] == id { entries.append(entry(warc: warc, refersTo: refersTo, fields: fields, record: record)) }
        }
        return entries.sorted { ($0.date, $0.warc) < ($1.date, $1.warc) }
    }

    /// The latest capture of every document, in one pass over the WARC files.
    public static func latestByID(store: ArchiveStore, limit: Int) throws -> [String: CaptureEntry] {
        var latest: [String: CaptureEntry] = [:]
        try forEachCaptureMetadata(store: store, limit: limit) { warc, refersTo, fields, record in
            guard let id = fields[.corpusID] else { return }
            let found = entry(warc: warc, refersTo: refersTo, fields: fields, record: record)
            if let known = latest[id], (known.date, known.warc) > (found.date, found.warc) { return }
            latest[id] = found
        }
        return latest
    }

    /// The latest content capture (not a revisit) of each requested URL, from fetch metadata:
    /// what conditional requests and revisit records refer to.
    public struct LastCapture: Sendable {
        public var corpusID: String
        public var recordID: String
        public var date: String
        public var url: String
        public var payloadSHA256: String
        public var etag: String?
        public var lastModified: String?
    }

    public static func latestByRequestedURL(store: ArchiveStore, limit: Int) throws -> [String: LastCapture] {
        var latest: [String: LastCapture] = [:]
        try forEachCaptureMetadata(store: store, limit: limit) { _, refersTo, fields, record in
            guard let requested = fields[.requestedURL], let corpusID = fields[.corpusID], let payload = fields[.payloadSHA256],
                let status = fields[.captureStatus].flatMap(CaptureStatus.init(rawValue:)), status.hasNewContent
            else { return }
            let date = record[.date] ?? ""
            if let known = latest[requested], known.date > date { return }
            latest[requested] = LastCapture(
                corpusID: corpusID, recordID: refersTo, date: date, url: record[.targetURI] ?? requested,
                payloadSHA256: payload, etag: fields[.etag], lastModified: fields[.lastModified])
        }
        return latest
    }

    /// The record with this WARC-Record-ID in `warc`, if present.
    public static func record(id: String, in warc: String, store: ArchiveStore, limit: Int) throws -> WARCRecord? {
        var found: WARCRecord? = nil
        try WARCFileReader(path: store.root.appendingPathComponent(warc).path, limit: limit).forEachRecord { record, _ in
            if found == nil, record.recordID == id { found = record }
        }
        return found
    }
}
