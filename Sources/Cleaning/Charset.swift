import CorpusKit
import Foundation

/// Decides a page's character encoding and decodes it to a Swift string.
///
/// Order: the HTTP header's charset, a BOM, a `<meta charset>`/`http-equiv` in the first 4 KB,
/// then sniffing (valid UTF-8; else GB18030 if it decodes cleanly and looks Chinese; else
/// windows-1252). Every GB-family label is decoded as GB18030, a superset: pages labelled
/// gb2312 routinely contain GBK-only characters (镕, 喆). A decoding failure is an error with
/// the byte offset, never a silently shorter page. A legacy label on bytes that are UTF-8
/// beyond doubt gives way to UTF-8 (see `detect`).
///
/// A few sequences that cannot be decoded, no more than one per 1,000 bytes, become U+FFFD
/// where they stand, as a browser shows them: a character cut in two where an old system
/// truncated a title by bytes, a stray byte pasted into a template. The rest of the page is
/// read; the original bytes stay in the archive. More than that means the charset is wrong,
/// and the page is refused with the offset of the first.
public enum Charset: String, Sendable, Equatable {
    case utf8 = "utf-8"
    case utf16LE = "utf-16le"
    case utf16BE = "utf-16be"
    case gb18030 = "gb18030"
    case big5 = "big5"
    case shiftJIS = "shift_jis"
    case eucJP = "euc-jp"
    case eucKR = "euc-kr"
    case windows1252 = "windows-1252"

    /// Where the decision came from, recorded in provenance.
    public enum Evidence: String, Sendable {
        case header, bom, meta, sniffed
        /// The format has no charset of its own: the text came out of it as Unicode (a PDF's text layer).
        case format
    }

    /// Maps a label (WHATWG-style, case-insensitive) to a charset; nil for unknown labels.
    private static let labelPadding = CharacterSet(charactersIn: " \t\r\n\"'")

    public static func from(label raw: String) -> Charset? {
        let label = raw.trimmingCharacters(in: labelPadding).lowercased()
        switch label {
        case "utf-8", "utf8", "unicode-1-1-utf-8", "x-unicode20utf8": return .utf8
        case "gb2312", "gbk", "x-gbk", "chinese", "csgb2312", "gb_2312-80", "gb_2312", "gb18030", "iso-ir-58",
            "csiso58gb231280", "cp936", "ms936", "windows-936", "euc-cn", "x-euc-cn", "hz-gb-2312":
            return .gb18030
        case "big5", "big5-hkscs", "cn-big5", "csbig5", "x-x-big5": return .big5
        case "shift_jis", "shift-jis", "sjis", "ms_kanji", "csshiftjis", "windows-31j", "x-sjis": return .shiftJIS
        case "euc-jp", "cseucpkdfmtjapanese", "x-euc-jp": return .eucJP
        case "euc-kr", "cseuckr", "ks_c_5601-1987", "windows-949", "korean": return .eucKR
        case "utf-16le", "utf-16": return .utf16LE
        case "utf-16be": return .utf16BE
        case "windows-1252", "cp1252", "x-cp1252", "iso-8859-1", "iso8859-1", "latin1", "l1", "ascii", "us-ascii",
            "iso_8859-1", "cp819", "ibm819", "csisolatin1", "iso-ir-100", "ansi_x3.4-1968":
            return .windows1252
        default: return nil
        }
    }

    /// The charset parameter of a Content-Type value, if any.
    public static func label(inContentType value: String) -> String? {
        for part in value.split(separator: ";").dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "charset" {
                return String(pair[1])
            }
        }
        return nil
    }

    /// Detects the charset of `bytes`. `headerLabel` is the HTTP Content-Type charset when fetched.
    ///
    /// A legacy label (GBK, Big5, windows-1252…) on bytes that are UTF-8 beyond doubt is a label
    /// the bytes contradict: a page decoded and saved again as UTF-8 by a scraper or a save tool
    /// keeps its old `<meta charset=gb2312>`, and a server's default header can say ISO-8859-1
    /// for a UTF-8 page. Read by the label, such a page is either refused (an invalid GB18030
    /// sequence) or turned into mojibake; it is read as UTF-8 instead, with the evidence
    /// `sniffed`. "Beyond doubt" is valid UTF-8 with at least eight bytes above ASCII: text in a
    /// legacy charset that long is never valid UTF-8 by chance.
    public static func detect(_ bytes: Data, headerLabel: String? = nil) -> (charset: Charset, evidence: Evidence) {
        let found = detectChecked(bytes, headerLabel: headerLabel)
        return (found.charset, found.evidence)
    }

    /// `detect`, and whether it has found the bytes to be valid UTF-8 on the way (sniffing them,
    /// or overruling a label): a reader of UTF-8 need not check them again.
    static func detectChecked(_ bytes: Data, headerLabel: String?) -> (charset: Charset, evidence: Evidence, validUTF8: Bool) {
        if let headerLabel, let charset = from(label: headerLabel) { return overruled(charset, .header, bytes) }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return (.utf8, .bom, false) }
        if bytes.starts(with: [0xFF, 0xFE]) { return (.utf16LE, .bom, false) }
        if bytes.starts(with: [0xFE, 0xFF]) { return (.utf16BE, .bom, false) }
        if let label = metaLabel(bytes.prefix(4096)), let charset = from(label: label) {
            // A page that says UTF-16 in an ASCII-compatible meta cannot be UTF-16 (HTML spec).
            return overruled(charset == .utf16LE || charset == .utf16BE ? .utf8 : charset, .meta, bytes)
        }
        let sniffed = sniff(bytes)
        return (sniffed.charset, .sniffed, sniffed.validUTF8)
    }

    /// `declared`, unless it is a legacy charset and `bytes` are UTF-8 beyond doubt.
    private static func overruled(_ declared: Charset, _ evidence: Evidence, _ bytes: Data) -> (
        charset: Charset, evidence: Evidence, validUTF8: Bool
    ) {
        guard declared != .utf8, declared != .utf16LE, declared != .utf16BE else { return (declared, evidence, false) }
        let isUTF8 = bytes.withUnsafeBytes { raw in
            var above = 0
            for byte in raw where byte >= 0x80 {
                above += 1
                if above == 8 { break }
            }
            return above == 8 && isValidUTF8(raw)
        }
        return isUTF8 ? (.utf8, .sniffed, true) : (declared, evidence, false)
    }

    /// Finds `<meta charset=…>` or `<meta http-equiv="content-type" content="…charset=…">`.
    /// Works on bytes: the prefix is ASCII-compatible in every charset we accept. Letters are
    /// lowered and other bytes than ASCII read as spaces.
    static func metaLabel(_ head: Data) -> String? {
        let bytes = [UInt8](head).map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 < 0x80 ? $0 : 0x20 }
        return bytes.withUnsafeBufferPointer { bytes -> String? in
            let meta = Array("<meta".utf8)
            var index = 0
            while let open = find(meta, in: bytes, from: index, to: bytes.count) {
                let start = open + meta.count
                let close = find([UInt8(ascii: ">")], in: bytes, from: start, to: bytes.count) ?? bytes.count
                index = close
                let tag = UnsafeBufferPointer(rebasing: bytes[start..<close])
                if let value = attribute("charset", in: tag) { return value }
                if let equiv = attribute("http-equiv", in: tag), equiv == "content-type",
                    let content = attribute("content", in: tag), let range = content.firstRange(ofBytes: "charset=")
                {
                    return String(content[range.upperBound...].prefix { $0 != ";" && $0 != " " })
                }
            }
            return nil
        }
    }

    private static func find(_ needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int? {
        guard needle.count <= end, start <= end - needle.count else { return nil }
        var index = start
        while index <= end - needle.count {
            if haystack[index] == needle[0] && haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }

    /// An attribute's value in a tag's bytes (lowered ASCII): the first `name` not preceded by
    /// a letter or "-" and followed by "="; quoted (trimmed of spaces and tabs) or up to a space,
    /// "/", ">" or ";". Nil when the tag ends right after the "=".
    private static func attribute(_ name: StaticString, in tag: UnsafeBufferPointer<UInt8>) -> String? {
        let wanted = Array(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        let space = UInt8(ascii: " ")
        var search = 0
        while let found = find(wanted, in: tag, from: search, to: tag.count) {
            search = found + wanted.count
            if found > 0 {
                let before = tag[found - 1]
                if (before >= 0x61 && before <= 0x7A) || before == UInt8(ascii: "-") { continue }
            }
            var index = search
            while index < tag.count, tag[index] == space { index += 1 }
            guard index < tag.count, tag[index] == UInt8(ascii: "=") else { continue }
            index += 1
            while index < tag.count, tag[index] == space { index += 1 }
            guard index < tag.count else { return nil }
            if tag[index] == UInt8(ascii: "\"") || tag[index] == UInt8(ascii: "'") {
                let quote = tag[index]
                let start = index + 1
                var end = start
                while end < tag.count, tag[end] != quote { end += 1 }
                var (from, to) = (start, end)
                while from < to, tag[from] == space || tag[from] == 0x09 { from += 1 }
                while to > from, tag[to - 1] == space || tag[to - 1] == 0x09 { to -= 1 }
                return String(decoding: tag[from..<to], as: UTF8.self)
            }
            var end = index
            while end < tag.count, tag[end] != space, tag[end] != UInt8(ascii: "/"), tag[end] != UInt8(ascii: ">"),
                tag[end] != UInt8(ascii: ";")
            {
                end += 1
            }
            return String(decoding: tag[index..<end], as: UTF8.self)
        }
        return nil
    }

    /// Clean decodes first (UTF-8, then GB18030 that reads as Chinese), then nearly clean ones
    /// (a few sequences repaired, as `decode` allows), then windows-1252, which takes any byte.
    static func sniff(_ bytes: Data) -> (charset: Charset, validUTF8: Bool) {
        if bytes.withUnsafeBytes(isValidUTF8) { return (.utf8, true) }
        func readsAsChinese(_ text: String) -> Bool {
            var han = 0
            var total = 0
            for scalar in text.unicodeScalars where scalar.value > 0x7F && scalar.value != 0xFFFD {
                total += 1
                if (0x4E00...0x9FFF).contains(scalar.value) || (0x3000...0x303F).contains(scalar.value)
                    || (0xFF00...0xFFEF).contains(scalar.value)
                {
                    han += 1
                }
            }
            return total > 0 && han * 10 >= total * 6
        }
        if let text = try? Iconv.decode(bytes, from: "GB18030", source: "-", repairs: false), readsAsChinese(text) {
            return (.gb18030, false)
        }
        if isRepairable(repairedUTF8(bytes[...]).repairs, of: bytes.count) { return (.utf8, false) }
        if let text = try? Iconv.decode(bytes, from: "GB18030", source: "-"), readsAsChinese(text) { return (.gb18030, false) }
        return (.windows1252, false)
    }

    /// Whether `repairs` undecodable sequences in `count` bytes are few enough to mend.
    static func isRepairable(_ repairs: Int, of count: Int) -> Bool { repairs * 1000 <= count }

    /// UTF-8 with each invalid sequence replaced by U+FFFD, and how many were replaced (not
    /// counting U+FFFD the page itself holds).
    static func repairedUTF8(_ body: Data.SubSequence) -> (text: String, repairs: Int) {
        let text = String(decoding: body, as: UTF8.self)
        var replaced = 0
        for scalar in text.unicodeScalars where scalar.value == 0xFFFD { replaced += 1 }
        var written = 0
        body.withUnsafeBytes { raw in
            guard raw.count >= 3 else { return }
            for index in 0..<(raw.count - 2) where raw[index] == 0xEF && raw[index + 1] == 0xBF && raw[index + 2] == 0xBD {
                written += 1
            }
        }
        return (text, replaced - written)
    }

    /// Decodes `bytes` (a BOM is dropped). `source` names the file in errors.
    public func decode(_ bytes: Data, source: String) throws -> String {
        switch self {
        case .utf8:
            let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...]
            if let text = String(validating: body, as: UTF8.self) { return text }
            let repaired = Charset.repairedUTF8(body)
            if Charset.isRepairable(repaired.repairs, of: body.count) { return repaired.text }
            let offset = Charset.firstInvalidUTF8Offset(body) + (body.startIndex - bytes.startIndex)
            throw CorpusError(file: source, stage: .decode, reason: "invalid UTF-8 at byte offset \(offset)")
        case .windows1252:
            return Charset.decodeWindows1252(bytes)
        case .utf16LE, .utf16BE:
            let hasBOM = bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF])
            return try Iconv.decode(
                hasBOM ? Data(bytes.dropFirst(2)) : bytes, from: self == .utf16LE ? "UTF-16LE" : "UTF-16BE", source: source)
        case .gb18030: return try Iconv.decode(bytes, from: "GB18030", source: source)
        case .big5: return try Iconv.decode(bytes, from: "BIG5-HKSCS", source: source)
        case .shiftJIS: return try Iconv.decode(bytes, from: "CP932", source: source)
        case .eucJP: return try Iconv.decode(bytes, from: "EUC-JP", source: source)
        case .eucKR: return try Iconv.decode(bytes, from: "CP949", source: source)
        }
    }

    /// Whether `bytes` are well-formed UTF-8 (the rules `String(validating:)` applies: no
    /// overlong forms, no surrogates, nothing past U+10FFFF), without making a String of them.
    /// Runs of ASCII are passed eight bytes at a time.
    static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return true }
        let count = bytes.count
        var index = 0
        while index < count {
            while index + 8 <= count,
                UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0
            {
                index += 8
            }
            guard index < count else { return true }
            let lead = base[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            @inline(__always) func continuation(_ offset: Int) -> UInt8? {
                guard index + offset < count else { return nil }
                let byte = base[index + offset]
                return byte & 0xC0 == 0x80 ? byte : nil
            }
            switch lead {
            case 0xC2...0xDF:
                guard continuation(1) != nil else { return false }
                index += 2
            case 0xE0...0xEF:
                guard let second = continuation(1), continuation(2) != nil else { return false }
                if lead == 0xE0 && second < 0xA0 || lead == 0xED && second > 0x9F { return false }
                index += 3
            case 0xF0...0xF4:
                guard let second = continuation(1), continuation(2) != nil, continuation(3) != nil else { return false }
                if lead == 0xF0 && second < 0x90 || lead == 0xF4 && second > 0x8F { return false }
                index += 4
            default:
                return false
            }
        }
        return true
    }

    /// The byte offset of the first invalid UTF-8 sequence (or the end, if there is none).
    static func firstInvalidUTF8Offset<C: Collection>(_ bytes: C) -> Int where C.Element == UInt8 {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): offset += encoded.count
            case .emptyInput, .error: return offset
            }
        }
    }

    /// windows-1252 as WHATWG defines it: 0x80–0x9F by the table, undefined ones as C1 controls.
    static func decodeWindows1252(_ bytes: Data) -> String {
        let high: [UInt32] = [
            0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
            0x2039, 0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013,
            0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178
        ]
        var scalars = String.UnicodeScalarView()
        for byte in bytes {
            let value = (0x80...0x9F).contains(byte) ? high[Int(byte) - 0x80] : UInt32(byte)
            scalars.append(Unicode.Scalar(value)!)
        }
        return String(scalars)
    }
}

/// glibc's iconv, which reports the exact byte offset of the first sequence it cannot decode.
/// With `repairs`, each such sequence becomes U+FFFD and decoding goes on, as long as they are
/// few (see `Charset.isRepairable`); otherwise the first one is the error.
enum Iconv {
    static func decode(_ bytes: Data, from encoding: String, source: String, repairs: Bool = true) throws -> String {
        let converter = iconv_open("UTF-8", encoding)
        guard converter != iconv_t(bitPattern: -1) else {
            throw CorpusError(file: source, stage: .decode, reason: "no converter for \(encoding)")
        }
        defer { iconv_close(converter) }
        var input = [CChar](repeating: 0, count: max(bytes.count, 1))
        bytes.withUnsafeBytes { raw in
            if let base = raw.baseAddress {
                input.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(start: base, count: raw.count)) }
            }
        }
        // Every input byte gives at most four output bytes, U+FFFD (three) included.
        var output = [CChar](repeating: 0, count: bytes.count * 4 + 16)
        let total = bytes.count
        var first: (offset: Int, truncated: Bool)? = nil
        var repaired = 0
        let produced: Int = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                var inPointer: UnsafeMutablePointer<CChar>? = inBuffer.baseAddress
                var inLeft = total
                var outPointer: UnsafeMutablePointer<CChar>? = outBuffer.baseAddress
                var outLeft = outBuffer.count
                while inLeft > 0 {
                    let result = iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
                    if result != Int(bitPattern: UInt(bitPattern: -1)) && inLeft == 0 { break }
                    let code = result == Int(bitPattern: UInt(bitPattern: -1)) ? errno : 0
                    if first == nil { first = (total - inLeft, code == EINVAL || code == 0) }
                    repaired += 1
                    guard repairs, code == EILSEQ || code == EINVAL, outLeft >= 3 else { break }
                    for byte: UInt8 in [0xEF, 0xBF, 0xBD] {
                        outPointer!.pointee = CChar(bitPattern: byte)
                        outPointer! += 1
                    }
                    outLeft -= 3
                    // A cut sequence at the end is the last; an invalid one is skipped a byte at a time.
                    if code == EINVAL { break }
                    inPointer! += 1
                    inLeft -= 1
                }
                return outBuffer.count - outLeft
            }
        }
        if let first, !repairs || !Charset.isRepairable(repaired, of: total) {
            let what = first.truncated ? "truncated \(encoding) sequence" : "invalid \(encoding) sequence"
            throw CorpusError(file: source, stage: .decode, reason: "\(what) at byte offset \(first.offset)")
        }
        return output.withUnsafeBufferPointer { buffer in
            String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress, count: produced).bindMemory(to: UInt8.self), as: UTF8.self)
        }
    }
}
