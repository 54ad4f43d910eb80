import Archiving
import Cleaning
import CorpusKit
import Foundation

/// Turns WARC records (ours, or any crawler's) into captures: the one place that decides which
/// record holds a document and how its payload becomes the bytes the cleaner reads. `ingest`,
/// `verify --rebuild`, `reprocess` and `diff` all come through here, so a rebuild reads a
/// record exactly as its import did.
public enum WARCImport {
    /// The capture `record` holds, or nil when it holds no document (a request, an image, a
    /// redirect, a crawl log). `decodeLimit` bounds a body's decoded size
    /// (`limits.max_input_bytes`). A `revisit` holds no payload: see `RevisitResolver`.
    public static func capture(from record: WARCRecord, file: String, decodeLimit: Int) throws -> Capture? {
        let date = record[.date] ?? ""
        let uri = record.targetURI
        let scheme = uri.flatMap { URL(string: $0)?.scheme?.lowercased() }
        switch record.type {
        case .response:
            guard let response = record.httpHead else { return nil }
            guard let status = response.status, (200..<300).contains(status) else { return nil }
            let contentType = response.contentType ?? ""
            let raw = record.payload
            let body = try decodedBody(raw, head: response, limit: decodeLimit, source: uri ?? file)
            guard
                let format = DocumentFormats.resolve(
                    name: uri.flatMap { URL(string: $0)?.path }, contentType: contentType.isEmpty ? "text/html" : contentType, head: body)
            else { return nil }
            let source = SourceInfo(
                url: uri, file: (file as NSString).lastPathComponent, retrievedAt: date,
                httpStatus: status, contentType: contentType.isEmpty ? nil : contentType)
            var capture = Capture(
                bytes: body, format: format, source: source, headerCharset: Charset.label(inContentType: contentType),
                displayName: uri ?? file)
            // The raw digest is of the payload as archived (what the WARC's payload digest and
            // the capture index describe), also when decoding changed it.
            if body.count != raw.count || body != raw { capture.rawSHA256 = Digest.sha256Hex(raw) }
            return capture
        case .resource:
            // Documents only: crawler logs and manifests (metadata://, urn:…) are not pages.
            guard let scheme, ["http", "https", "file"].contains(scheme) else { return nil }
            let contentType = record[.contentType] ?? ""
            guard let format = DocumentFormats.resolve(name: uri, contentType: contentType, head: record.block.prefix(512)) else {
                return nil
            }
            let source = SourceInfo(
                url: uri?.hasPrefix("file:") == true ? nil : uri, file: uri.map { ($0 as NSString).lastPathComponent },
                retrievedAt: date, contentType: contentType)
            return Capture(
                bytes: record.block, format: format, source: source,
                headerCharset: Charset.label(inContentType: contentType), displayName: uri ?? file)
        default:
            return nil
        }
    }

    /// The body a browser would have shown: de-chunked when the head says chunked and the body
    /// is (a body that only claims to be is kept as it is, as warcio keeps it), then with its
    /// content codings undone.
    public static func decodedBody(_ payload: Data, head: HTTPResponseHead, limit: Int, source: String) throws -> Data {
        var body = payload
        if head.isChunked, let dechunked = try? HTTPResponseHead.dechunk(payload, source: source), !dechunked.isEmpty || payload.isEmpty {
            body = dechunked
        }
        let codings = head.contentEncodings
        guard !codings.isEmpty, !body.isEmpty else { return body }
        return try ContentDecoding.decode(body, codings: codings, limit: limit, source: source)
    }
}
