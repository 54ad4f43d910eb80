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
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    public subscript(field: WARCField) -> String? { self[field.name] }

    /// The record's type; nil when the field is missing or names no WARC 1.1 type.
    public var type: WARCRecordType? { self[.type].flatMap { WARCRecordType(rawValue: $0.lowercased()) } }
    public var recordID: String { self[.recordID] ?? "" }

    /// `WARC-Target-URI` as readers use it: without the angle brackets and spaces some writers
    /// (wget 1.14, WARC 1.0's grammar) put around it.
    public var targetURI: String? {
        self[.targetURI].map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "<> \t")) }
    }

    /// Where the HTTP head of an `application/http` block ends (its blank line), if it is one.
    private var httpHeadEnd: Range<Data.Index>? {
        guard type?.carriesHTTP == true, (self[.contentType] ?? "").lowercased().hasPrefix("application/http") else { return nil }
        return HTTPResponseHead.headEnd(in: block)
    }

    /// The payload: the block minus the HTTP status line and headers for `response`/`request`
    /// records with an `application/http` block; the whole block otherwise.
    public var payload: Data {
        guard let end = httpHeadEnd else { return block }
        return block[end.upperBound...]
    }

    /// The HTTP header section of a `response` block, if it has one.
    public var httpHeaderText: String? {
        guard let end = httpHeadEnd else { return nil }
        return String(decoding: block[block.startIndex..<end.lowerBound], as: UTF8.self)
    }

    /// The parsed HTTP head of a `response`/`revisit` block (a revisit's block may be the head alone).
    public var httpHead: HTTPResponseHead? {
        if let text = httpHeaderText { return HTTPResponseHead(text) }
        guard type == .revisit, !block.isEmpty else { return nil }
        return HTTPResponseHead(String(decoding: block, as: UTF8.self))
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
        type: WARCRecordType, date: String, contentType: String?, block: Data,
        extra: [(field: WARCField, value: String)] = [], recordID: String = newRecordID(),
        payloadDigest: Bool = true
    ) -> WARCRecord {
        var headers: [(name: String, value: String)] = [
            (WARCField.type.name, type.rawValue), (WARCField.recordID.name, recordID), (WARCField.date.name, date)
        ]
        // Values as a reader will read them back: one line, no white space at either end
        // (what other tools' headers and MHTML parts hand over may have either).
        headers += extra.map { ($0.field.name, fieldValue($0.value)) }
        if let contentType { headers.append((WARCField.contentType.name, fieldValue(contentType))) }
        let blockDigest = digestField(block)
        headers.append((WARCField.blockDigest.name, blockDigest))
        var record = WARCRecord(headers: headers, block: block)
        if payloadDigest {
            // A payload that is the whole block (a `resource`) has the block's digest.
            let payload = record.payload
            let digest = payload.count == block.count ? blockDigest : digestField(payload)
            record.headers.append((WARCField.payloadDigest.name, digest))
        }
        record.headers.append((WARCField.contentLength.name, String(block.count)))
        return record
    }

    /// A field value that survives being written and read: line breaks become spaces, white
    /// space at the ends is dropped.
    static func fieldValue(_ value: String) -> String {
        // Most values pass untouched (a record is written for every capture): only edges and
        // line breaks are looked at.
        guard value.first?.isWhitespace == true || value.last?.isWhitespace == true || value.contains(where: \.isNewline) else {
            return value
        }
        return value.map { $0.isNewline ? " " : String($0) }.joined().trimmingCharacters(in: .whitespaces)
    }

    /// Inserts `field` just before `Content-Length` (the last field `make` writes).
    public mutating func insertBeforeLength(_ field: WARCField, _ value: String) {
        headers.insert((field.name, value), at: max(0, headers.count - 1))
    }

    /// Parses every record in `data` (one gzip member or an uncompressed file); `source` names
    /// the file in errors, `baseOffset` is where `data` starts in it. With `onProblem`, reading
    /// is as lenient as warcio's: bytes that are not a record are skipped to the next line that
    /// starts a record, a malformed record costs itself, a truncated last record is reported;
    /// each problem is one call. Without it the first problem throws (our own files).
    public static func parseAll(
        _ data: Data, source: String, baseOffset: UInt64 = 0, onProblem: ((WARCReadProblem) -> Void)? = nil
    ) throws -> [WARCRecord] {
        try parse(data, source: source, baseOffset: baseOffset, onProblem: onProblem, keepIncompleteTail: false).records
    }

    /// `parseAll`, which with `keepIncompleteTail` stops at a last record whose header or block
    /// is cut off and returns where it starts, so that a caller whose next gzip member goes on
    /// with it (a crawler that compressed the file in arbitrary pieces) can read on.
    static func parse(
        _ data: Data, source: String, baseOffset: UInt64, onProblem: ((WARCReadProblem) -> Void)?, keepIncompleteTail: Bool
    ) throws -> (records: [WARCRecord], incompleteFrom: Data.Index?) {
        var records: [WARCRecord] = []
        var index = data.startIndex
        func problem(_ reason: String, costsRecord: Bool = true) throws {
            let error = CorpusError(file: source, stage: .warc, reason: reason)
            guard let onProblem else { throw error }
            onProblem(WARCReadProblem(error: error, costsRecord: costsRecord))
        }
        while index < data.endIndex {
            // Tolerate stray CR/LF between records.
            while index < data.endIndex, data[index] == 13 || data[index] == 10 { index += 1 }
            if index >= data.endIndex { break }
            let at = baseOffset + UInt64(index - data.startIndex)
            guard startsRecord(data[index...]) else {
                let next = nextRecordStart(in: data, after: index)
                try problem(
                    "record at offset \(at) does not start with WARC/1.x; \((next ?? data.endIndex) - index) bytes skipped",
                    costsRecord: false)
                guard let next else { break }
                index = next
                continue
            }
            guard let headerEnd = HTTPResponseHead.headEnd(in: data[index...]) else {
                if keepIncompleteTail { return (records, index) }
                try problem("record at offset \(at) has no end of header")
                break
            }
            let parsed: (headers: [(name: String, value: String)], length: Int)
            do {
                parsed = try parseHeader(data[index..<headerEnd.lowerBound], at: at, source: source)
            } catch let error as CorpusError {
                let next = nextRecordStart(in: data, after: index)
                try problem("\(error.reason); \((next ?? data.endIndex) - index) bytes skipped")
                guard let next else { break }
                index = next
                continue
            }
            let blockStart = headerEnd.upperBound
            guard data.endIndex - blockStart >= parsed.length else {
                if keepIncompleteTail { return (records, index) }
                try problem(
                    "record at offset \(at) is truncated (Content-Length \(parsed.length), \(data.endIndex - blockStart) bytes present)")
                break
            }
            records.append(WARCRecord(headers: parsed.headers, block: Data(data[blockStart..<(blockStart + parsed.length)])))
            index = blockStart + parsed.length
        }
        return (records, nil)
    }

    static let headerTerminator = Data("\r\n\r\n".utf8)
    static let versionPrefix = Data("WARC/".utf8)

    /// Whether `bytes` begin with a WARC version line's `WARC/`.
    static func startsRecord(_ bytes: Data) -> Bool { bytes.starts(with: versionPrefix) }

    /// The start of the next line after `index` that begins with `WARC/`, if any.
    static func nextRecordStart(in data: Data, after index: Data.Index) -> Data.Index? {
        data.range(of: Data("\nWARC/".utf8), in: index..<data.endIndex).map { $0.lowerBound + 1 }
    }

    /// The fields of one record header (without its blank line) and its Content-Length. Lines
    /// may end in LF, CRLF or CR CR LF; versions WARC/0.17 to WARC/1.1 are read.
    static func parseHeader(_ bytes: Data, at: UInt64, source: String) throws -> (headers: [(name: String, value: String)], length: Int) {
        let headerText = String(decoding: bytes, as: UTF8.self)
        var lines = HTTPResponseHead.lines(headerText)
        let version = lines.removeFirst()
        guard isVersionLine(version) else {
            throw CorpusError(file: source, stage: .warc, reason: "record at offset \(at) does not start with WARC/1.x")
        }
        let headers = try HeaderFields.parse(lines) { line in
            throw CorpusError(file: source, stage: .warc, reason: "record at offset \(at) has a malformed field: \(line.prefix(60))")
        }
        guard let lengthText = WARCRecord(headers: headers, block: Data())[.contentLength], let length = Int(lengthText), length >= 0
        else {
            throw CorpusError(file: source, stage: .warc, reason: "record at offset \(at) has no valid Content-Length")
        }
        return (headers, length)
    }

    /// `WARC/1.1`, `WARC/1.0`, `WARC/0.18`, `WARC/0.17` (the drafts Heritrix 1 wrote).
    static func isVersionLine(_ line: Substring) -> Bool {
        guard line.hasPrefix("WARC/") else { return false }
        let number = line.dropFirst(5).trimmingCharacters(in: .whitespaces)
        let parts = number.split(separator: ".")
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
            && (parts[0] == "0" || parts[0] == "1")
    }

    /// Checks the record's block and payload digests; returns one message per mismatch.
    public func digestProblems() -> [String] {
        var problems: [String] = []
        if let declared = self[.contentLength], Int(declared) != block.count {
            problems.append("Content-Length \(declared) but block has \(block.count) bytes")
        }
        for (field, bytes) in [(WARCField.blockDigest, block), (.payloadDigest, payload)] {
            guard type != .revisit || field == .blockDigest, let declared = self[field] else { continue }
            // Any algorithm and encoding crawlers write (sha1 in base32 mostly); one this cannot
            // read is not judged.
            if LabelledDigest(declared)?.matches(bytes) == false {
                problems.append("\(field.name) mismatch in record \(recordID)")
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
    /// Set for files other tools wrote: problems are reported here and reading goes on (see
    /// `WARCRecord.parseAll`); a record over `limit` is skipped, not read. Unset, the first
    /// problem throws: what dccorpus writes is read strictly.
    public var onProblem: ((WARCReadProblem) -> Void)?

    public init(path: String, limit: Int, onProblem: ((WARCReadProblem) -> Void)? = nil) {
        self.path = path
        self.limit = limit
        self.onProblem = onProblem
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
            var pending = Data()
            var pendingOffset: UInt64 = 0
            while true {
                let member: Data?
                do {
                    member = try reader.nextMember(limit: limit, skipOversize: onProblem != nil)
                } catch let error as CorpusError {
                    // A corrupt or truncated member ends what can be read of a foreign file.
                    guard let onProblem else { throw error }
                    onProblem(WARCReadProblem(error: error, costsRecord: true))
                    return
                }
                guard let member else { break }
                if let skipped = reader.skippedOversize {
                    pending = Data()
                    onProblem?(
                        WARCReadProblem(
                            error: CorpusError(
                                file: path, stage: .warc,
                                reason:
                                    "gzip member at offset \(reader.offset) holds \(skipped) bytes, over the \(limit)-byte record limit (skipped; pipeline.toml limits.max_warc_record_bytes)"
                            ), costsRecord: true))
                    continue
                }
                // A record cut off at the end of one member goes on in the next (other tools'
                // files only: each record of ours is one member).
                let startsPending = !pending.isEmpty
                let data = startsPending ? pending + member : member
                let offset = startsPending ? pendingOffset : reader.offset
                let (records, incomplete) = try WARCRecord.parse(
                    data, source: path, baseOffset: 0, onProblem: onProblem, keepIncompleteTail: onProblem != nil)
                for record in records {
                    // Several records in one member share it: each is served by reading the member.
                    try body(record, offset, reader.end - offset)
                }
                if let incomplete {
                    pending = Data(data[incomplete...])
                    pendingOffset = records.isEmpty ? offset : reader.offset
                    if pending.count > limit {
                        onProblem?(
                            WARCReadProblem(
                                error: CorpusError(
                                    file: path, stage: .warc,
                                    reason: "record at offset \(pendingOffset) is over the \(limit)-byte record limit (skipped)"),
                                costsRecord: true))
                        pending = Data()
                    }
                } else {
                    pending = Data()
                }
            }
            if !pending.isEmpty {
                _ = try WARCRecord.parse(pending, source: path, baseOffset: pendingOffset, onProblem: onProblem, keepIncompleteTail: false)
            }
        } else {
            let reader = try PlainWARCReader(path: path, start: start, onProblem: onProblem)
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

    public static func isGzip(path: String) -> Bool {
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
    private let onProblem: ((WARCReadProblem) -> Void)?
    private var buffer = Data()
    private var start = 0  // index in `buffer` where unread bytes begin
    private var bufferOffset: UInt64 = 0  // file offset of buffer[0]
    private var atEOF = false
    static let maxHeaderBytes = 1 << 20

    /// File offset just past the record `next` returned last (with its two CRLFs when present).
    var consumed: UInt64 { bufferOffset + UInt64(start) }

    init(path: String, start: UInt64 = 0, onProblem: ((WARCReadProblem) -> Void)? = nil) throws {
        self.path = path
        self.onProblem = onProblem
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

    /// Throws `reason` (strict), or reports it and returns (lenient).
    private func problem(_ reason: String, costsRecord: Bool = true) throws {
        let error = CorpusError(file: path, stage: .warc, reason: reason)
        guard let onProblem else { throw error }
        onProblem(WARCReadProblem(error: error, costsRecord: costsRecord))
    }

    /// Skips to the next line that starts with `WARC/` after the unread bytes' first byte;
    /// false at the end of the file.
    private func resynchronize(from at: UInt64, because reason: String, costsRecord: Bool) throws -> Bool {
        let skippedFrom = consumed
        var searchFrom = start + 1
        while true {
            if let found = buffer.range(of: Data("\nWARC/".utf8), in: min(searchFrom, buffer.count)..<buffer.count) {
                start = found.lowerBound + 1
                try problem("\(reason); \(consumed - skippedFrom) bytes skipped to the next record", costsRecord: costsRecord)
                return true
            }
            searchFrom = max(start, buffer.count - 6)
            let before = start
            if try !fill() {
                start = buffer.count
                try problem("\(reason); \(consumed - skippedFrom) bytes skipped to the end of the file", costsRecord: costsRecord)
                return false
            }
            searchFrom -= before - start
        }
    }

    /// Discards `count` bytes from the unread ones, reading through the file.
    private func skip(_ count: Int) throws -> Bool {
        var left = count
        while left > 0 {
            if start >= buffer.count, try !fill() { return false }
            let step = min(left, buffer.count - start)
            start += step
            left -= step
        }
        return true
    }

    func next(limit: Int) throws -> (WARCRecord, UInt64)? {
        while true {
            while true {
                while start < buffer.count, buffer[start] == 13 || buffer[start] == 10 { start += 1 }
                if start < buffer.count { break }
                if try !fill() { return nil }
            }
            while buffer.count - start < 5, try fill() {}
            let at = bufferOffset + UInt64(start)
            guard WARCRecord.startsRecord(buffer[start...]) else {
                let reason = "record at offset \(at) does not start with WARC/1.x"
                guard onProblem != nil else { throw CorpusError(file: path, stage: .warc, reason: reason) }
                if try !resynchronize(from: at, because: reason, costsRecord: false) { return nil }
                continue
            }
            var searchFrom = start
            var headerEnd: Range<Data.Index>? = nil
            while headerEnd == nil {
                headerEnd = HTTPResponseHead.headEnd(in: buffer[searchFrom..<buffer.count])
                if headerEnd != nil { break }
                if buffer.count - start > Self.maxHeaderBytes {
                    throw CorpusError(
                        file: path, stage: .warc, reason: "record at offset \(at) has a header over \(Self.maxHeaderBytes) bytes")
                }
                searchFrom = max(start, buffer.count - 8)
                let before = start
                if try !fill() {
                    try problem("record at offset \(at) has no end of header")
                    start = buffer.count
                    return nil
                }
                searchFrom -= before - start  // fill() may have moved the unread bytes to the front
            }
            let parsed: (headers: [(name: String, value: String)], length: Int)
            do {
                parsed = try WARCRecord.parseHeader(buffer[start..<headerEnd!.lowerBound], at: at, source: path)
            } catch let error as CorpusError {
                guard onProblem != nil else { throw error }
                if try !resynchronize(from: at, because: error.reason, costsRecord: true) { return nil }
                continue
            }
            let headerLength = headerEnd!.upperBound - start
            if parsed.length > limit {
                let reason =
                    "record at offset \(at) has a \(parsed.length)-byte block, over the \(limit)-byte record limit (pipeline.toml limits.max_warc_record_bytes)"
                guard onProblem != nil else { throw CorpusError(file: path, stage: .warc, reason: reason) }
                try problem(reason + " (skipped)")
                if try !skip(headerLength + parsed.length) { return nil }
                continue
            }
            while buffer.count - start < headerLength + parsed.length {
                if try !fill() {
                    try problem(
                        "record at offset \(at) is truncated (Content-Length \(parsed.length), \(buffer.count - start - headerLength) bytes present)"
                    )
                    start = buffer.count
                    return nil
                }
            }
            let blockStart = start + headerLength
            let record = WARCRecord(headers: parsed.headers, block: Data(buffer[blockStart..<(blockStart + parsed.length)]))
            start = blockStart + parsed.length
            // The record's closing CRLF CRLF belongs to it (its stored length ends after them).
            while buffer.count - start < 4, try fill() {}
            if buffer.count - start >= 4, buffer[start..<(start + 4)].elementsEqual([13, 10, 13, 10]) { start += 4 }
            return (record, at)
        }
    }
}

/// What a lenient reader passed over: why, and whether a record was lost with it (a truncated,
/// malformed or over-size record) or only bytes that were no record (between records).
public struct WARCReadProblem: Sendable {
    public var error: CorpusError
    public var costsRecord: Bool

    public init(error: CorpusError, costsRecord: Bool) {
        self.error = error
        self.costsRecord = costsRecord
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
