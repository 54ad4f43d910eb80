import Archiving
import CorpusKit
import Foundation

/// The Internet Archive's ARC format (versions 1 and 2), plain or gzipped: what Wayback
/// downloads and older crawls still come as. Each ARC record becomes the WARC record a WARC
/// writer would have made of the same exchange, and is archived as that:
///
/// | ARC header field | WARC record |
/// |---|---|
/// | URL | `WARC-Target-URI` |
/// | IP-address | `WARC-IP-Address` |
/// | Archive-date (14 digits) | `WARC-Date` |
/// | Content-type | the payload's type: `Content-Type` of a `resource` record |
/// | Archive-length | `Content-Length` (of the block) |
/// | the block | a `response` (`application/http`) when it starts with an HTTP status line, else a `resource` |
/// | `filedesc://` header | a `warcinfo` record (not archived: it describes the ARC file) |
///
/// Version 2's extra fields (result code, checksum, location, offset, filename) are not
/// carried: the block holds what they summarise. A record whose header cannot be read is
/// skipped to the next line that reads as one; a length past the end of the file costs its
/// record; each is one problem.
public struct ARCArchiveFormat: ArchiveFormat {
    public init() {}
    public var name: String { "arc" }
    public var extensions: [String] { [".arc", ".arc.gz"] }
    public func sniff(_ head: Data) -> Bool { head.starts(with: Data("filedesc://".utf8)) }

    public func forEachRecord(
        path: String, config: PipelineConfig, onProblem: @escaping (WARCReadProblem) -> Void, _ body: (ArchiveEntry) throws -> Void
    ) throws {
        let reader = try ARCReader(path: path, limit: config.maxWARCRecordBytes, onProblem: onProblem)
        while let (record, offset) = try reader.next() { try body(ArchiveEntry(record: record, offset: offset)) }
    }
}

/// Reads ARC records from a plain or gzipped file through a bounded buffer.
final class ARCReader {
    let path: String
    let limit: Int
    let onProblem: (WARCReadProblem) -> Void
    private var source: ByteSource
    private var buffer = Data()
    private var start = 0
    /// Offset (in the uncompressed stream) of buffer[0].
    private var bufferOffset: UInt64 = 0
    private var atEnd = false
    /// 1 or 2, from the `filedesc` record; 1 until then.
    private var version = 1

    init(path: String, limit: Int, onProblem: @escaping (WARCReadProblem) -> Void) throws {
        self.path = path
        self.limit = limit
        self.onProblem = onProblem
        source = try ByteSource(path: path, limit: limit)
    }

    private func fill() throws -> Bool {
        if atEnd { return false }
        if start > 0 && start >= buffer.count / 2 {
            buffer = Data(buffer[start...])
            bufferOffset += UInt64(start)
            start = 0
        }
        let chunk: Data?
        do {
            chunk = try source.next()
        } catch let error as CorpusError {
            // A corrupt or cut-off gzip member ends what can be read; what came before is kept.
            onProblem(WARCReadProblem(error: error, costsRecord: true))
            chunk = nil
        }
        guard let chunk else {
            atEnd = true
            return false
        }
        buffer.append(chunk)
        return true
    }

    private func problem(_ reason: String, costsRecord: Bool = true) {
        onProblem(WARCReadProblem(error: CorpusError(file: path, stage: .warc, reason: reason), costsRecord: costsRecord))
    }

    /// The next record as a WARC record, with its offset in the uncompressed stream.
    func next() throws -> (WARCRecord, UInt64)? {
        while true {
            // Newlines between records.
            while true {
                while start < buffer.count, buffer[start] == 0x0A || buffer[start] == 0x0D { start += 1 }
                if start < buffer.count { break }
                if try !fill() { return nil }
            }
            var lineEnd = buffer[start...].firstIndex(of: 0x0A)
            while lineEnd == nil {
                if buffer.count - start > 64 << 10 {
                    problem("bytes at offset \(bufferOffset + UInt64(start)) are not an ARC record header (skipped to the end)")
                    return nil
                }
                if try !fill() { break }
                lineEnd = buffer[start...].firstIndex(of: 0x0A)
            }
            let at = bufferOffset + UInt64(start)
            let end = lineEnd ?? buffer.count
            let line = String(decoding: buffer[start..<end], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let header = Self.header(line, version: version) else {
                problem("line at offset \(at) is not an ARC record header: \(line.prefix(60)) (skipped)", costsRecord: false)
                start = min(end + 1, buffer.count)
                continue
            }
            start = min(end + 1, buffer.count)
            if header.length > limit {
                problem(
                    "record at offset \(at) has a \(header.length)-byte block, over the \(limit)-byte record limit (skipped; pipeline.toml limits.max_warc_record_bytes)"
                )
                var left = header.length
                while left > 0 {
                    if start >= buffer.count, try !fill() { break }
                    let step = min(left, buffer.count - start)
                    start += step
                    left -= step
                }
                continue
            }
            var truncated = false
            while buffer.count - start < header.length {
                if try !fill() {
                    // A last record cut short (a crawl that was stopped): what is there is kept,
                    // marked as WARC marks it (`WARC-Truncated: length`), as warcio reads it.
                    guard buffer.count > start else {
                        problem("record at offset \(at) is truncated (length \(header.length), no bytes present)")
                        return nil
                    }
                    problem(
                        "record at offset \(at) is truncated (length \(header.length), \(buffer.count - start) bytes present); kept as WARC-Truncated",
                        costsRecord: false)
                    truncated = true
                    break
                }
            }
            let blockEnd = min(start + header.length, buffer.count)
            let block = Data(buffer[start..<blockEnd])
            start = blockEnd
            if header.url.hasPrefix("filedesc:") {
                // Its second line says the version: "1 0 …" or "2 0 …".
                if let second = String(decoding: block.prefix(64), as: UTF8.self).split(separator: "\n").first,
                    second.hasPrefix("2 ")
                {
                    version = 2
                }
                continue
            }
            return (Self.warcRecord(header, block: block, truncated: truncated), at)
        }
    }

    struct Header {
        var url: String
        var ip: String
        var date: String
        var contentType: String
        var length: Int
    }

    /// A header line. Fields are read from the right (a URL may hold spaces, as some crawlers
    /// wrote them): version 1 `URL IP date type length`, version 2 `URL IP date type code
    /// checksum location offset filename length`.
    static func header(_ line: String, version: Int) -> Header? {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        let trailing = version == 2 && fields.count >= 10 ? 9 : 4
        guard fields.count >= trailing + 1 else { return nil }
        let tail = fields.suffix(trailing)
        let url = fields.dropLast(trailing).joined(separator: " ")
        let ip = String(tail[tail.startIndex])
        let date = String(tail[tail.startIndex + 1])
        let type = String(tail[tail.startIndex + 2])
        guard let length = Int(tail[tail.endIndex - 1]), length >= 0, date.count >= 8, date.count <= 14,
            date.allSatisfy({ $0.isASCII && $0.isNumber }), url.contains(":")
        else { return nil }
        return Header(url: url, ip: ip, date: date, contentType: type, length: length)
    }

    /// `20140216050221` → `2014-02-16T05:02:21Z` (missing digits are zeros).
    static func warcDate(_ digits: String) -> String {
        let padded = Array(digits.padding(toLength: 14, withPad: "0", startingAt: 0))
        func part(_ from: Int, _ count: Int) -> String { String(padded[from..<(from + count)]) }
        return "\(part(0, 4))-\(part(4, 2))-\(part(6, 2))T\(part(8, 2)):\(part(10, 2)):\(part(12, 2))Z"
    }

    static func warcRecord(_ header: Header, block: Data, truncated: Bool = false) -> WARCRecord {
        var extra: [(field: WARCField, value: String)] = [(.targetURI, header.url)]
        if truncated { extra.append((.truncated, "length")) }
        if !header.ip.isEmpty, header.ip != "-" { extra.append((.ipAddress, header.ip)) }
        let isHTTP = block.starts(with: Data("HTTP/".utf8))
        return WARCRecord.make(
            type: isHTTP ? .response : .resource, date: warcDate(header.date),
            contentType: isHTTP ? WARCContentType.httpResponse : (header.contentType == "-" ? nil : header.contentType),
            block: block, extra: extra)
    }
}

/// A file's bytes in pieces: a plain file 256 KB at a time, a gzipped one member by member
/// (an ARC or a WARC may be one member or many).
final class ByteSource {
    private let gzip: GzipMemberReader?
    private let descriptor: Int32
    private let limit: Int

    init(path: String, limit: Int) throws {
        self.limit = limit
        if WARCFileReader.isGzip(path: path) {
            gzip = try GzipMemberReader(path: path)
            descriptor = -1
        } else {
            gzip = nil
            descriptor = try FileIO.openForReading(path, at: 0)
        }
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    func next() throws -> Data? {
        if let gzip { return try gzip.nextMember(limit: limit) }
        var chunk = [UInt8](repeating: 0, count: 1 << 18)
        let count = read(descriptor, &chunk, chunk.count)
        if count < 0 { throw CorpusError(file: "-", stage: .read, reason: String(cString: strerror(errno))) }
        return count == 0 ? nil : Data(chunk[0..<count])
    }
}
