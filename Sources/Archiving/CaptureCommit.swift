import CorpusKit
import Foundation

extension WARCRecord {
    /// The `metadata` record that describes a capture (`fields`: the corpus id, what happened,
    /// digests, where it came from), referring to the capture's record. Every writer makes its
    /// metadata here; `CaptureHistory` reads them back.
    public static func captureMetadata(date: String, targetURI: String, refersTo: String, fields: CaptureFields) -> WARCRecord {
        WARCRecord.make(
            type: .metadata, date: date, contentType: WARCContentType.fields, block: fields.block,
            extra: [(.targetURI, targetURI), (.refersTo, refersTo)], payloadDigest: false)
    }
}

extension WriteSession {
    /// The one way a document enters the archive, whatever brought it (a file, a WARC record,
    /// a fetch, a reprocess): its WARC records (the capture's metadata last), the configuration
    /// that made its record, then the record itself, all in this session's commit.
    public func commitCapture(
        _ records: [PackedRecord], record: CorpusRecord, fileData: Data? = nil, stagedAhead: StagedFile? = nil, config: CorpusConfig
    ) throws {
        try append(records)
        try keepConfig(config)
        try put(record, fileData: fileData, stagedAhead: stagedAhead)
    }
}
