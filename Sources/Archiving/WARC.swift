import CorpusKit
import Foundation

/// One WARC 1.1 record: its type, its named fields in order, and its block.
public struct WARCRecord: Equatable, Sendable {
    public var headers: [(name: String, value: String)]
    public var block: Data

    public init(headers: [(name: String, value: String)], block: Data) {
        self.headers = headers
        self.block = block
    }

    public static func == (lhs: WARCRecord, rhs: WARCRecord) -> Bool {
        lhs.block == rhs.block && lhs.headers.map { "\($0.name):\($0.value)" } == rhs.headers.map { "\($0.name):\($0.value)" }
    }

    /// The first field with this name (WARC field names are case-insensitive).
    public subscript(name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name.lowercased() == lowered }?.value
    }

    public var type: String { self["WARC-Type"] ?? "" }
    public var recordID: String { self["WARC-Record-ID"] ?? "" }

    /// The payload: the block minus the HTTP status line and headers for `response`/`request`
    /// records with an `application/http` block; the whole block otherwise.
    public var payload: Data {
        guard type == "response" || type == "request" || type == "revisit",
            (self["Content-Type"] ?? "").lowercased().hasPrefix("application/http"),
            let end = block.range(of: Data("\r\n\r\n".utf8))
        else { return block }
        return block[end.upperBound...]
    }

    /// The HTTP header section of a `response` block, if it has one.
    public var httpHeaderText: String? {
        guard payload.count != block.count, let end = block.range(of: Data("\r\n\r\n".utf8)) else { return nil }
        return String(decoding: block[block.startIndex..<end.lowerBound], as: UTF8.self)
    }

    /// Serializes the record: version line, fields, blank line, block, two CRLFs.
    public func serialized() -> Data {
        var head = "WARC/1.1\r\n"
        for field in headers { head += "\(field.name): \(field.value)\r\n" }
        head += "\r\n"
        var out = Data(head.utf8)
        out.append(block)
        out.append(contentsOf: [13, 10, 13, 10])
        return out
    }

    public static func newRecordID() -> String { "<urn:uuid:\(UUID().uuidString.lowercased())>" }

    public static func digestField(_ data: Data) -> String { "sha256:" + Digest.sha256Hex(data) }

    /// Builds a record with the usual fields, digests and length filled in.
    public static func make(
        type: String, date: String, contentType: String?, block: Data,
        extra: [(name: String, value: String)] = [], recordID: String = newRecordID(),
        payloadDigest: Bool = true
    ) -> WARCRecord {
        var headers: [(name: String, value: String)] = [
            ("WARC-Type", type), ("WARC-Record-ID", recordID), ("WARC-Date", date)
        ]
        headers += extra
        if let contentType { headers.append(("Content-Type", contentType)) }
        let blockDigest = digestField(block)
        headers.append(("WARC-Block-Digest", blockDigest))
        var record = WARCRecord(headers: headers, block: block)
        if payloadDigest {
            // A payload that is the whole block (a `resource`) has the block's digest.
            let payload = record.payload
            let digest = payload.count == block.count ? blockDigest : digestField(payload)
            record.headers.append(("WARC-Payload-Digest", digest))
        }
        record.headers.append(("Content-Length", String(block.count)))
        return record
    }

    /// Parses every record in `data` (one gzip member or an uncompressed file); `source` names
    /// the file in errors, `baseOffset` is where `data` starts in it.
    public static func parseAll(_ data: Data, source: String, baseOffset: UInt64 = 0) throws -> [WARCRecord] {
        var records: [WARCRecord] = []
        var index = data.startIndex
        while index < data.endIndex {
            // Tolerate stray CR/LF between records.
            while index < data.endIndex, data[index] == 13 || data[index] == 10 { index += 1 }
            if index >= data.endIndex { break }
            let at = baseOffset + UInt64(index - data.startIndex)
            guard let headerEnd = data.range(of: headerTerminator, in: index..<data.endIndex) else {
                throw CorpusError(file: source, stage: .warc, reason: "record at offset \(at) has no end of header")
            }
            let (headers, length) = try parseHeader(data[index..<headerEnd.lowerBound], at: at, source: source)
            let blockStart = headerEnd.upperBound
            guard data.endIndex - blockStart >= length else {
                throw CorpusError(file: source, stage: .warc, reason: "record at offset \(at) is truncated (Content-Length \(length))")
            }
            records.append(WARCRecord(headers: headers, block: Data(data[blockStart..<(blockStart + length)])))
            index = blockStart + length
        }
        return records
    }

    static let headerTerminator = Data("\r\n\r\n".utf8)

    /// The fields of one record header (without its blank line) and its Content-Length.
    static func parseHeader(_ bytes: Data, at: UInt64, source: String) throws -> (headers: [(name: String, value: String)], length: Int) {
        let headerText = String(decoding: bytes, as: UTF8.self)
        var lines = headerText.pieces(separatedBy: "\r\n")
        let version = lines.removeFirst()
        guard version == "WARC/1.1" || version == "WARC/1.0" else {
            throw CorpusError(file: source, stage: .warc, reason: "record at offset \(at) does not start with WARC/1.x")
        }
        let headers = try HeaderFields.parse(lines) { line in
            throw CorpusError(file: source, stage: .warc, reason: "record at offset \(at) has a malformed field: \(line.prefix(60))")
        }
        guard let lengthText = WARCRecord(headers: headers, block: Data())["Content-Length"], let length = Int(lengthText), length >= 0
        else {
            throw CorpusError(file: source, stage: .warc, reason: "record at offset \(at) has no valid Content-Length")
        }
        return (headers, length)
    }

    /// Checks the record's block and payload digests; returns one message per mismatch.
    public func digestProblems() -> [String] {
        var problems: [String] = []
        if let declared = self["Content-Length"], Int(declared) != block.count {
            problems.append("Content-Length \(declared) but block has \(block.count) bytes")
        }
        for (field, bytes) in [("WARC-Block-Digest", block), ("WARC-Payload-Digest", payload)] {
            guard type != "revisit" || field == "WARC-Block-Digest", let declared = self[field] else { continue }
            let parts = declared.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "sha256" else { continue }
            if parts[1].lowercased() != Digest.sha256Hex(bytes) {
                problems.append("\(field) mismatch in record \(recordID)")
            }
        }
        return problems
    }
}

/// Iterates the records of a `.warc.gz` (one record per gzip member, or several) or a plain `.warc`,
/// holding at most one member in memory.
public struct WARCFileReader {
    public let path: String
    public let limit: Int

    public init(path: String, limit: Int) {
        self.path = path
        self.limit = limit
    }

    /// Calls `body` for each record with its offset; throws at the first unreadable member.
    public func forEachRecord(_ body: (WARCRecord, UInt64) throws -> Void) throws {
        try forEachRecord(from: 0) { record, offset, _ in try body(record, offset) }
    }

    /// Calls `body` for each record from `start` on (a member boundary of a `.warc.gz`, e.g. the
    /// size a file had when it was last read) with its offset and stored length: for a
    /// `.warc.gz`, the gzip member that holds it (what a CDXJ index points at).
    public func forEachRecord(from start: UInt64, _ body: (WARCRecord, UInt64, UInt64) throws -> Void) throws {
        if Self.isGzip(path: path) {
            let reader = try GzipMemberReader(path: path, start: start)
            while let member = try reader.nextMember(limit: limit) {
                let records = try WARCRecord.parseAll(member, source: path, baseOffset: 0)
                for record in records {
                    // Several records in one member share it: each is served by reading the member.
                    try body(record, reader.offset, reader.end - reader.offset)
                }
            }
        } else {
            let reader = try PlainWARCReader(path: path, start: start)
            while let (record, offset) = try reader.next(limit: limit) { try body(record, offset, reader.consumed - offset) }
        }
    }

    /// The record that starts at `offset` (a member boundary of a `.warc.gz`), read alone.
    public func record(at offset: UInt64) throws -> WARCRecord? {
        if Self.isGzip(path: path) {
            guard let member = try GzipMemberReader(path: path, start: offset).nextMember(limit: limit) else { return nil }
            return try WARCRecord.parseAll(member, source: path, baseOffset: offset).first
        }
        return try PlainWARCReader(path: path, start: offset).next(limit: limit)?.0
    }

    static func isGzip(path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return path.hasSuffix(".gz") }
        defer { try? handle.close() }
        let magic = handle.readData(ofLength: 2)
        return magic == Data([0x1f, 0x8b])
    }
}

/// Reads an uncompressed WARC file record by record: one record (at most `limit` bytes of
/// block) in memory at a time, so a large file of small records imports in small memory.
final class PlainWARCReader {
    private let descriptor: Int32
    private let path: String
    private var buffer = Data()
    private var start = 0  // index in `buffer` where unread bytes begin
    private var bufferOffset: UInt64 = 0  // file offset of buffer[0]
    private var atEOF = false
    static let maxHeaderBytes = 1 << 20

    /// File offset just past the record `next` returned last (with its two CRLFs when present).
    var consumed: UInt64 { bufferOffset + UInt64(start) }

    init(path: String, start: UInt64 = 0) throws {
        self.path = path
        descriptor = try FileIO.openForReading(path, at: start)
        bufferOffset = start
    }

    deinit { close(descriptor) }

    /// Reads more bytes; false at the end of the file.
    private func fill() throws -> Bool {
        if atEOF { return false }
        if start > 0 && start >= buffer.count / 2 {
            buffer = Data(buffer[start...])  // a new buffer indexed from 0
            bufferOffset += UInt64(start)
            start = 0
        }
        var chunk = [UInt8](repeating: 0, count: 1 << 18)
        let count = read(descriptor, &chunk, chunk.count)
        if count < 0 { throw CorpusError(file: path, stage: .read, reason: String(cString: strerror(errno))) }
        if count == 0 {
            atEOF = true
            return false
        }
        buffer.append(contentsOf: chunk[0..<count])
        return true
    }

    func next(limit: Int) throws -> (WARCRecord, UInt64)? {
        while true {
            while start < buffer.count, buffer[start] == 13 || buffer[start] == 10 { start += 1 }
            if start < buffer.count { break }
            if try !fill() { return nil }
        }
        let at = bufferOffset + UInt64(start)
        var searchFrom = start
        var headerEnd: Range<Data.Index>? = nil
        while headerEnd == nil {
            headerEnd = buffer.range(of: WARCRecord.headerTerminator, in: searchFrom..<buffer.count)
            if headerEnd != nil { break }
            if buffer.count - start > Self.maxHeaderBytes {
                throw CorpusError(file: path, stage: .warc, reason: "record at offset \(at) has a header over \(Self.maxHeaderBytes) bytes")
            }
            searchFrom = max(start, buffer.count - 3)
            let before = start
            if try !fill() {
                throw CorpusError(file: path, stage: .warc, reason: "record at offset \(at) has no end of header")
            }
            searchFrom -= before - start  // fill() may have moved the unread bytes to the front
        }
        let (headers, length) = try WARCRecord.parseHeader(buffer[start..<headerEnd!.lowerBound], at: at, source: path)
        if length > limit {
            throw CorpusError(
                file: path, stage: .warc,
                reason:
                    "record at offset \(at) has a \(length)-byte block, over the \(limit)-byte record limit (pipeline.toml limits.max_warc_record_bytes)"
            )
        }
        let headerLength = headerEnd!.upperBound - start
        while buffer.count - start < headerLength + length {
            if try !fill() {
                throw CorpusError(file: path, stage: .warc, reason: "record at offset \(at) is truncated (Content-Length \(length))")
            }
        }
        let blockStart = start + headerLength
        let record = WARCRecord(headers: headers, block: Data(buffer[blockStart..<(blockStart + length)]))
        start = blockStart + length
        // The record's closing CRLF CRLF belongs to it (its stored length ends after them).
        while buffer.count - start < 4, try fill() {}
        if buffer.count - start >= 4, buffer[start..<(start + 4)].elementsEqual([13, 10, 13, 10]) { start += 4 }
        return (record, at)
    }
}

/// WARC-Date values: UTC, second precision, ISO 8601 with Z.
public enum WARCDate {
    public static func string(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }
}
