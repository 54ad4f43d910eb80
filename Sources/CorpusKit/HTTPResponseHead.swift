import Foundation

/// The status line and header fields of an HTTP response as it was sent or archived, in order,
/// repeated fields kept. Read leniently, as warcio and pywb read archives: a status line without
/// a reason phrase (`HTTP/1.0 302`), lines ended by LF, CRLF or CR CR LF, folded fields.
public struct HTTPResponseHead: Sendable, Equatable {
    public var version: String?
    public var status: Int?
    public var reason: String?
    public var fields: [HeaderField] = []

    public struct HeaderField: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    public init(status: Int?, fields: [(name: String, value: String)]) {
        self.status = status
        self.fields = fields.map { HeaderField(name: $0.name, value: $0.value) }
    }

    /// Parses the head's text (without the blank line that ends it).
    public init(_ text: String) {
        let lines = Self.lines(text)
        if let first = lines.first, first.hasPrefix("HTTP/") {
            let parts = first.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
            version = parts.first.map(String.init)
            if parts.count >= 2 { status = Int(parts[1]) }
            if parts.count == 3 { reason = String(parts[2]) }
            fields = HeaderFields.parse(lines.dropFirst()).map { HeaderField(name: $0.name, value: $0.value) }
        } else {
            // A revisit's head may be fields only; a status line that is not one leaves status nil.
            fields = HeaderFields.parse(lines.dropFirst(lines.first?.contains(":") == false ? 1 : 0)).map {
                HeaderField(name: $0.name, value: $0.value)
            }
        }
    }

    /// Parses the head at the start of `message` (bytes up to its blank line); nil when there is
    /// no blank line.
    public init?(message: Data) {
        guard let end = Self.headEnd(in: message) else { return nil }
        self.init(String(decoding: message[message.startIndex..<end.lowerBound], as: UTF8.self))
    }

    /// The first field with this name (case-insensitive).
    public func header(_ name: String) -> String? {
        fields.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// Every value of the field, comma-separated lists split (`Content-Encoding: gzip, br`), in order.
    public func listValues(_ name: String) -> [String] {
        fields.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }
            .flatMap { $0.value.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            .filter { !$0.isEmpty }
    }

    public var contentType: String? { header("content-type") }
    public var isChunked: Bool { listValues("transfer-encoding").contains("chunked") }
    /// Content codings in the order they were applied (`identity` left out).
    public var contentEncodings: [String] { listValues("content-encoding").filter { $0 != "identity" } }

    /// Lines of a head, whatever ends them (LF, CRLF, or CR CR LF as some old tools wrote).
    /// Split on scalars: to `String`, CR LF is one character.
    public static func lines(_ text: String) -> [Substring] {
        let scalars = text.unicodeScalars
        var result: [Substring] = []
        var start = scalars.startIndex
        func close(_ end: String.UnicodeScalarView.Index) {
            var end = end
            while end > start, scalars[scalars.index(before: end)] == "\r" { end = scalars.index(before: end) }
            result.append(Substring(scalars[start..<end]))
        }
        var index = start
        while index < scalars.endIndex {
            if scalars[index] == "\n" {
                close(index)
                start = scalars.index(after: index)
            }
            index = scalars.index(after: index)
        }
        close(scalars.endIndex)
        return result
    }

    /// Where the head ends: the range of the blank line's terminator, from the end of the last
    /// field's text to the first byte of the body. A blank line is LF, optionally preceded by any
    /// number of CRs, right after another LF (`\r\n\r\n`, `\n\n`, `\r\r\n\r\r\n`).
    public static func headEnd(in data: Data) -> Range<Data.Index>? {
        data.withUnsafeBytes { raw -> Range<Int>? in
            guard let base = raw.bindMemory(to: UInt8.self).baseAddress else { return nil }
            var index = 0
            let count = raw.count
            while index < count {
                guard let found = memchr(base + index, 0x0A, count - index) else { return nil }
                let newline = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                var next = newline + 1
                while next < count, base[next] == 0x0D { next += 1 }
                if next < count, base[next] == 0x0A {
                    // The head's text ends before the CRs that precede the first LF.
                    var textEnd = newline
                    while textEnd > 0, base[textEnd - 1] == 0x0D { textEnd -= 1 }
                    return textEnd..<(next + 1)
                }
                index = newline + 1
            }
            return nil
        }.map { (data.startIndex + $0.lowerBound)..<(data.startIndex + $0.upperBound) }
    }

    /// Undoes `Transfer-Encoding: chunked`, as leniently as browsers: chunk extensions ignored,
    /// a missing last chunk or trailer tolerated. A size line that is not hex, or a chunk cut
    /// short, throws (the caller may then keep the body as it is, as warcio does).
    public static func dechunk(_ body: Data, source: String) throws -> Data {
        var output = Data()
        var index = body.startIndex
        while index < body.endIndex {
            guard let lineEnd = body[index...].firstIndex(of: 0x0A) else { break }
            let sizeText = String(decoding: body[index..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            let trimmed = sizeText.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty {
                index = lineEnd + 1  // a stray blank line between chunks
                continue
            }
            guard let size = Int(trimmed, radix: 16), size >= 0 else {
                throw CorpusError(file: source, stage: .warc, reason: "malformed chunked encoding")
            }
            if size == 0 { break }
            let start = lineEnd + 1
            guard body.endIndex - start >= size else {
                throw CorpusError(file: source, stage: .warc, reason: "truncated chunked body")
            }
            output.append(body[start..<(start + size)])
            index = start + size
            // The CRLF (or LF) after the chunk's data.
            if index < body.endIndex, body[index] == 0x0D { index += 1 }
            if index < body.endIndex, body[index] == 0x0A { index += 1 }
        }
        return output
    }
}
