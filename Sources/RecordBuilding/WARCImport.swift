import Archiving
import Cleaning
import CorpusKit
import Foundation

/// Turns records of foreign WARC files into captures.
public enum WARCImport {
    public static func capture(from record: WARCRecord, file: String) throws -> Capture? {
        let date = record["WARC-Date"] ?? ""
        // WARC 1.0 writers such as wget put the URI in angle brackets.
        let uri = record["WARC-Target-URI"].map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "<> ")) }
        let scheme = uri.flatMap { URL(string: $0)?.scheme?.lowercased() }
        switch record.type {
        case "response":
            guard let head = record.httpHeaderText else { return nil }
            let response = HTTPResponseHead(head)
            guard let status = response.status, (200..<300).contains(status) else { return nil }
            let contentType = response.header("content-type") ?? ""
            guard let format = Cleaner.format(forName: uri ?? "", contentType: contentType.isEmpty ? "text/html" : contentType) else {
                return nil
            }
            var body = Data(record.payload)
            if (response.header("transfer-encoding") ?? "").lowercased().contains("chunked") {
                body = try HTTPResponseHead.dechunk(body, source: file)
            }
            if let encoding = response.header("content-encoding")?.lowercased(), encoding != "identity" {
                throw CorpusError(
                    file: file, stage: .warc, reason: "record \(record.recordID) has Content-Encoding \(encoding), which is not supported")
            }
            let source = SourceInfo(
                url: uri, file: (file as NSString).lastPathComponent, retrievedAt: date,
                httpStatus: status, contentType: contentType.isEmpty ? nil : contentType)
            return Capture(
                bytes: body, format: format, source: source, headerCharset: Charset.label(inContentType: contentType),
                displayName: uri ?? file)
        case "resource":
            // Documents only: crawler logs and manifests (metadata://, urn:…) are not pages.
            guard let scheme, ["http", "https", "file"].contains(scheme) else { return nil }
            let contentType = record["Content-Type"] ?? ""
            guard let format = Cleaner.format(forName: uri ?? "", contentType: contentType) else { return nil }
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
}

/// The status line and headers of an archived HTTP response, in order, repeated ones kept.
public struct HTTPResponseHead: Sendable {
    public var status: Int?
    public var headers: [(name: String, value: String)] = []

    public init(_ text: String) {
        let lines = text.pieces(separatedBy: "\r\n")
        if let first = lines.first {
            let parts = first.split(separator: " ")
            if parts.count >= 2 { status = Int(parts[1]) }
        }
        headers = HeaderFields.parse(lines.dropFirst())
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name }?.value
    }

    /// Undoes `Transfer-Encoding: chunked`.
    public static func dechunk(_ body: Data, source: String) throws -> Data {
        var output = Data()
        var index = body.startIndex
        let crlf = Data("\r\n".utf8)
        while index < body.endIndex {
            guard let lineEnd = body.range(of: crlf, in: index..<body.endIndex) else { break }
            let sizeText = String(decoding: body[index..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
                throw CorpusError(file: source, stage: .warc, reason: "malformed chunked encoding")
            }
            if size == 0 { break }
            let start = lineEnd.upperBound
            guard body.endIndex - start >= size else {
                throw CorpusError(file: source, stage: .warc, reason: "truncated chunked body")
            }
            output.append(body[start..<(start + size)])
            index = start + size + 2
        }
        return output
    }
}
