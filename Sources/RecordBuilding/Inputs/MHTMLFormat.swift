import Archiving
import CorpusKit
import Foundation

/// A page a browser saved as one file (Chrome and Edge's "Webpage, Single File"): MHTML, a MIME
/// `multipart/related` message (RFC 2557) whose parts are the page and what it embeds, each
/// with its `Content-Location`, in quoted-printable, base64 or binary. The main part (the one at
/// `Snapshot-Content-Location`, else the first HTML part) is the document, archived as a
/// `resource` record at the page's own address; every other part is a `resource` record at its
/// own address beside it, so a replay tool can show the page with its images and styles.
///
/// Refused whole: no boundary, more than `maxParts` parts, a file over
/// `limits.max_warc_record_bytes`. A closing boundary that never comes costs nothing but a
/// warning: the last part runs to the end of the file.
public struct MHTMLArchiveFormat: ArchiveFormat {
    public init() {}
    public var name: String { "mhtml" }
    public var extensions: [String] { [".mhtml", ".mht"] }
    static let maxParts = 10_000

    public func sniff(_ head: Data) -> Bool {
        let text = String(decoding: head.prefix(2048), as: UTF8.self).lowercased()
        return text.contains("multipart/related") && (text.contains("mime-version:") || text.contains("snapshot-content-location:"))
    }

    public func forEachRecord(
        path: String, config: PipelineConfig, onProblem: @escaping (WARCReadProblem) -> Void, _ body: (ArchiveEntry) throws -> Void
    ) throws {
        let data = try FileIO.read(URL(fileURLWithPath: path), limit: config.maxWARCRecordBytes)
        var info = stat()
        let modified =
            stat(path, &info) == 0 ? Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec)) : Date(timeIntervalSince1970: 0)
        let message = try MHTMLMessage(data, source: path, maxParts: Self.maxParts) { reason in
            onProblem(WARCReadProblem(error: CorpusError(file: path, stage: .read, reason: reason), costsRecord: false))
        }
        guard let main = message.mainPart else {
            throw CorpusError(file: path, stage: .read, reason: "MHTML holds no HTML part")
        }
        let date = message.date.map(WARCDate.string) ?? WARCDate.string(modified)
        let fallback = URL(fileURLWithPath: path).standardizedFileURL.absoluteString
        let pageURL = message.parts[main].location ?? message.snapshotLocation ?? fallback
        for (index, part) in message.parts.enumerated() {
            let uri = index == main ? pageURL : part.location
            guard let uri, !uri.isEmpty else { continue }
            let record = WARCRecord.make(
                type: .resource, date: date, contentType: part.contentType, block: part.body, extra: [(.targetURI, uri)])
            try body(ArchiveEntry(record: record, offset: UInt64(part.offset), role: index == main ? .candidate : .requisite))
        }
    }
}

/// A parsed MHTML file: its header fields and its decoded parts.
struct MHTMLMessage {
    struct Part {
        var contentType: String
        var location: String?
        var body: Data
        /// Where the part starts in the file.
        var offset: Int
    }
    var snapshotLocation: String?
    var date: Date?
    var parts: [Part] = []

    /// The index of the page: the part at the snapshot's address, else the first HTML part.
    var mainPart: Int? {
        if let snapshotLocation, let index = parts.firstIndex(where: { $0.location == snapshotLocation && Self.isHTML($0.contentType) }) {
            return index
        }
        return parts.firstIndex { Self.isHTML($0.contentType) }
    }

    static func isHTML(_ type: String) -> Bool { type.lowercased().contains("html") }

    init(_ data: Data, source: String, maxParts: Int, warn: (String) -> Void) throws {
        guard let headEnd = HTTPResponseHead.headEnd(in: data) else {
            throw CorpusError(file: source, stage: .read, reason: "MHTML has no end of its header")
        }
        let head = HTTPResponseHead(String(decoding: data[data.startIndex..<headEnd.lowerBound], as: UTF8.self))
        snapshotLocation = head.header("snapshot-content-location")
        date = head.header("date").flatMap(Self.parseDate)
        let contentType = head.header("content-type") ?? ""
        guard contentType.lowercased().contains("multipart/"), let boundary = Self.parameter("boundary", in: contentType), !boundary.isEmpty
        else {
            // A single-part message: the body is the page.
            let body = try Self.decode(data[headEnd.upperBound...], encoding: head.header("content-transfer-encoding"), source: source)
            parts = [
                Part(
                    contentType: contentType.isEmpty ? "text/html" : contentType,
                    location: head.header("content-location") ?? snapshotLocation, body: body, offset: headEnd.upperBound)
            ]
            return
        }
        let delimiter = Data(("--" + boundary).utf8)
        var index = headEnd.upperBound
        // The first delimiter (anything before it is a preamble).
        guard let first = data.range(of: delimiter, in: index..<data.endIndex) else {
            throw CorpusError(file: source, stage: .read, reason: "MHTML boundary \"\(boundary.prefix(40))\" never occurs")
        }
        index = first.upperBound
        var closed = false
        while index < data.endIndex {
            // "--" after a delimiter closes the message.
            if data[index...].starts(with: [0x2D, 0x2D]) {
                closed = true
                break
            }
            // The rest of the delimiter line.
            guard let lineEnd = data[index...].firstIndex(of: 0x0A) else { break }
            let partStart = lineEnd + 1
            let next = Self.nextDelimiter(delimiter, in: data, from: partStart)
            let partEnd = next?.lowerBound ?? data.endIndex
            if parts.count >= maxParts {
                throw CorpusError(file: source, stage: .read, reason: "MHTML has more than \(maxParts) parts")
            }
            parts.append(try Self.part(data[partStart..<partEnd], source: source))
            guard let next else { break }
            index = next.upperBound
        }
        if !closed { warn("MHTML boundary \"\(boundary.prefix(40))\" is never closed; the last part runs to the end of the file") }
    }

    /// The next delimiter line: the boundary at the start of a line; the range runs from the
    /// line break before it (which belongs to the delimiter) to its end.
    static func nextDelimiter(_ delimiter: Data, in data: Data, from start: Data.Index) -> Range<Data.Index>? {
        var from = start
        while let found = data.range(of: delimiter, in: from..<data.endIndex) {
            if found.lowerBound == start { return found }
            if data[found.lowerBound - 1] == 0x0A {
                var lower = found.lowerBound - 1
                if lower > start, data[lower - 1] == 0x0D { lower -= 1 }
                return lower..<found.upperBound
            }
            from = found.upperBound
        }
        return nil
    }

    static func part(_ bytes: Data, source: String) throws -> Part {
        guard let end = HTTPResponseHead.headEnd(in: bytes) else {
            return Part(contentType: "text/plain", location: nil, body: Data(), offset: bytes.startIndex)
        }
        let head = HTTPResponseHead(String(decoding: bytes[bytes.startIndex..<end.lowerBound], as: UTF8.self))
        let body = try decode(bytes[end.upperBound...], encoding: head.header("content-transfer-encoding"), source: source)
        return Part(
            contentType: head.header("content-type") ?? "text/plain", location: head.header("content-location"), body: body,
            offset: bytes.startIndex)
    }

    static func decode(_ bytes: Data, encoding: String?, source: String) throws -> Data {
        switch encoding?.lowercased().trimmingCharacters(in: .whitespaces) {
        case "base64":
            let text = bytes.filter { !($0 == 0x0A || $0 == 0x0D || $0 == 0x20 || $0 == 0x09) }
            guard let decoded = Data(base64Encoded: Data(text), options: .ignoreUnknownCharacters) else {
                throw CorpusError(file: source, stage: .decode, reason: "MHTML part is not valid base64")
            }
            return decoded
        case "quoted-printable": return quotedPrintable(bytes)
        default: return Data(bytes)
        }
    }

    /// RFC 2045 quoted-printable: `=XX` is a byte, `=` at a line's end joins it to the next.
    static func quotedPrintable(_ bytes: Data) -> Data {
        var out = Data()
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        func hex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case 0x30...0x39: return byte - 0x30
            case 0x41...0x46: return byte - 0x41 + 10
            case 0x61...0x66: return byte - 0x61 + 10
            default: return nil
            }
        }
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == 0x3D {
                let next = index + 1
                if next < bytes.endIndex, bytes[next] == 0x0A {
                    index = next + 1
                    continue
                }
                if next + 1 < bytes.endIndex, bytes[next] == 0x0D, bytes[next + 1] == 0x0A {
                    index = next + 2
                    continue
                }
                if next + 1 < bytes.endIndex, let high = hex(bytes[next]), let low = hex(bytes[next + 1]) {
                    out.append(high << 4 | low)
                    index = next + 2
                    continue
                }
            }
            out.append(byte)
            index += 1
        }
        return out
    }

    /// A parameter of a header value (`boundary="…"`), unquoted.
    static func parameter(_ name: String, in value: String) -> String? {
        for piece in value.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespacesAndNewlines).lowercased() == name else { continue }
            return pair[1].trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return nil
    }

    static func parseDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        for format in ["EEE, d MMM yyyy HH:mm:ss Z", "d MMM yyyy HH:mm:ss Z", "EEE, d MMM yyyy HH:mm:ss zzz"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text.trimmingCharacters(in: .whitespaces)) { return date }
        }
        return nil
    }
}
