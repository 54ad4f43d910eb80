import Foundation

/// Pure scanners that find the addresses a page needs to be archived whole (its "page requisites", as
/// wget, ArchiveBox and Heritrix call them): what a stylesheet imports and points at, the candidates of
/// a `srcset`, and the media and image URLs that player configurations mention in inline scripts.
///
/// Each scans the UTF-8 bytes of its input once, never backtracks, and accepts anything: truncated or
/// binary input yields fewer results, never a trap.
public enum RequisiteScanners {

    // MARK: - CSS

    /// The URLs a stylesheet (or a <style> element, or a style="" attribute) pulls in: `@import "x.css"`, `@import url(x.css) screen;`,
    /// and every `url(...)` (fonts in @font-face src, backgrounds, cursors…), in order of appearance, de-duplicated, raw (unresolved) strings.
    /// Handles: comments /* … */ (URLs inside comments are ignored), single/double-quoted and unquoted url(), escapes (`\"`, `\)`, CSS hex escapes like `\2f` → "/"), whitespace inside url( … ),
    /// `image-set()`/`-webkit-image-set()` string entries, and ignores `data:` URIs, empty urls and `#fragment`-only urls (SVG filter refs like url(#a)).
    /// Also returns which were @import (those are stylesheets to parse in turn).
    ///
    /// Strings are tokenized, so `content: "url(x)"` yields nothing; the strings of `local()`, `format()` and
    /// `type()` are not addresses and are skipped; so is the namespace name of `@namespace url(…)`. A string or
    /// `url(` left unterminated at the end of the text (a truncated download) is dropped rather than guessed at.
    /// A URL met both as an @import and elsewhere keeps its first position and counts as an import.
    public static func css(_ text: String) -> [(url: String, isImport: Bool)] {
        let bytes = Array(text.utf8)
        let count = bytes.count
        var results: [(url: String, isImport: Bool)] = []
        var positions: [String: Int] = [:]

        func add(_ value: [UInt8], isImport: Bool) {
            let raw = trimmed(value)
            guard let first = raw.first, first != UInt8(ascii: "#"), !hasPrefix(raw, Prefix.data) else { return }
            let url = String(decoding: raw, as: UTF8.self)
            if let position = positions[url] {
                if isImport { results[position].isImport = true }
            } else {
                positions[url] = results.count
                results.append((url: url, isImport: isImport))
            }
        }

        var index = 0
        var importPending = false  // after `@import`, before its URL
        var inNamespace = false  // after `@namespace`, up to its `;`
        var depth = 0  // open parentheses in the current declaration
        var imageSetDepths: [Int] = []  // the depth just inside each open image-set(

        while index < count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "/"):
                if index + 1 < count && bytes[index + 1] == UInt8(ascii: "*") {
                    index = endOfComment(bytes, from: index + 2)
                } else {
                    index += 1
                }
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                let (value, end) = cssString(bytes, from: index)
                index = end
                guard let value else { break }
                if importPending {
                    add(value, isImport: true)
                    importPending = false
                } else if !inNamespace, let last = imageSetDepths.last, last == depth {
                    add(value, isImport: false)
                }
            case UInt8(ascii: "("):
                depth += 1
                index += 1
            case UInt8(ascii: ")"):
                if let last = imageSetDepths.last, last == depth { imageSetDepths.removeLast() }
                depth = max(0, depth - 1)
                index += 1
            case UInt8(ascii: ";"), UInt8(ascii: "{"), UInt8(ascii: "}"):
                // The end of a statement or declaration: whatever was left open is abandoned.
                importPending = false
                inNamespace = false
                depth = 0
                imageSetDepths.removeAll(keepingCapacity: true)
                index += 1
            case UInt8(ascii: "@"):
                let end = endOfName(bytes, from: index + 1)
                if equalsIgnoringCase(bytes[(index + 1)..<end], Prefix.importRule) {
                    importPending = true
                } else if equalsIgnoringCase(bytes[(index + 1)..<end], Prefix.namespaceRule) {
                    inNamespace = true
                }
                index = max(end, index + 1)
            case UInt8(ascii: "\\"):
                index = min(count, index + 2)  // an escaped character in a name: never a quote or a bracket
            default:
                guard isNameByte(byte) else {
                    index += 1
                    break
                }
                let end = endOfName(bytes, from: index)
                guard end < count && bytes[end] == UInt8(ascii: "(") else {
                    index = end
                    break
                }
                let name = bytes[index..<end]
                if equalsIgnoringCase(name, Prefix.url) {
                    let (value, next, isFunction) = cssURL(bytes, from: end + 1)
                    index = next
                    if isFunction { depth += 1 }
                    if let value {
                        if importPending {
                            add(value, isImport: true)
                            importPending = false
                        } else if !inNamespace {
                            add(value, isImport: false)
                        }
                    }
                } else if equalsIgnoringCase(name, Prefix.imageSet) || equalsIgnoringCase(name, Prefix.webkitImageSet) {
                    depth += 1
                    imageSetDepths.append(depth)
                    index = end + 1
                } else {
                    index = end  // the "(" counts as an ordinary parenthesis
                }
            }
        }
        return results
    }

    // MARK: - srcset

    /// The candidate URLs of a `srcset` attribute (img/source): "a.jpg 1x, b.jpg 2x", "a.jpg 480w, b.jpg 800w", URLs that contain commas (e.g. "https://x/img,w_200/a.jpg 200w" — per the HTML spec a URL runs to the next whitespace; a trailing comma ends it), data: candidates skipped.
    ///
    /// Follows the HTML spec's parse-a-srcset-attribute steps (descriptors run to the next comma outside
    /// parentheses); the result is de-duplicated, in order.
    public static func srcset(_ value: String) -> [String] {
        let bytes = Array(value.utf8)
        let count = bytes.count
        var results: [String] = []
        var seen: Set<String> = []
        var index = 0
        while index < count {
            // Skip whitespace and commas before a candidate.
            while index < count && (isHTMLWhitespace(bytes[index]) || bytes[index] == UInt8(ascii: ",")) { index += 1 }
            guard index < count else { break }
            let start = index
            while index < count && !isHTMLWhitespace(bytes[index]) { index += 1 }
            var end = index
            var hasDescriptors = true
            while end > start && bytes[end - 1] == UInt8(ascii: ",") {
                end -= 1
                hasDescriptors = false
            }
            if hasDescriptors {
                // Descriptors ("2x", "480w", future ones with parentheses) run to the next comma outside parentheses.
                var inParentheses = false
                while index < count {
                    let byte = bytes[index]
                    if inParentheses {
                        if byte == UInt8(ascii: ")") { inParentheses = false }
                    } else if byte == UInt8(ascii: "(") {
                        inParentheses = true
                    } else if byte == UInt8(ascii: ",") {
                        break
                    }
                    index += 1
                }
            }
            let candidate = bytes[start..<end]
            guard !candidate.isEmpty, !hasPrefix(candidate, Prefix.data) else { continue }
            let url = String(decoding: candidate, as: UTF8.self)
            if seen.insert(url).inserted { results.append(url) }
        }
        return results
    }

    // MARK: - Scripts

    /// URL-like strings in inline JavaScript (a <script> element's text, or a JSON blob) that end in a media or image or playlist extension,
    /// as Heritrix's speculative JS extractor does: string literals in '…', "…" or `…` whose content looks like a URL or path
    /// (http://, https://, //host/…, /path, ./path, ../path, or a bare relative path with a slash) and whose path (before ? or #) ends in one of
    /// .mp4 .m4v .webm .mov .m3u8 .mpd .mp3 .m4a .aac .ogg .oga .ogv .wav .flac .jpg .jpeg .png .gif .webp .avif .svg .vtt .srt (case-insensitive).
    /// JSON-style escaped slashes (`https:\/\/cdn.x\/v.mp4`) and \u002F are unescaped. No javascript:, data:, blob:. De-duplicated, in order.
    ///
    /// Like Heritrix's extractor, it does not parse JavaScript: a literal is a quote, then characters that may
    /// stand in a URL (no whitespace, no other quote, none of `<>{}|^`), then the same quote. Because no phase is
    /// carried across a literal that was not kept (its closing quote may open the next one), a regular
    /// expression or an apostrophe in a comment cannot throw the rest of a minified script out of step. A quote
    /// escaped N times (`\"` in JSON inside a string) is closed by the same quote escaped N times, and `\/`, `\\/`,
    /// `\uXXXX` and `\xXX` are unescaped; any other escape ends the literal. So URLs with spaces or template
    /// substitutions (`${…}`) are not found, and URLs in comments are.
    public static func script(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        let count = bytes.count
        var results: [String] = []
        var seen: Set<String> = []
        var content: [UInt8] = []
        var index = 0
        while index < count {
            // An opening quote, possibly escaped by a run of backslashes.
            let quote: UInt8
            let level: Int
            let byte = bytes[index]
            if isQuote(byte) {
                quote = byte
                level = 0
            } else if byte == UInt8(ascii: "\\") {
                let run = backslashRun(bytes, from: index)
                guard index + run < count, isQuote(bytes[index + run]) else {
                    index += run
                    continue
                }
                quote = bytes[index + run]
                level = run
            } else {
                index += 1
                continue
            }
            content.removeAll(keepingCapacity: true)
            var position = index + level + 1
            var closer: (start: Int, end: Int)? = nil
            scanning: while position < count {
                let next = bytes[position]
                if next == quote && level == 0 {
                    closer = (position, position + 1)
                    break
                }
                if next == UInt8(ascii: "\\") {
                    let run = backslashRun(bytes, from: position)
                    guard position + run < count else { break }
                    let escaped = bytes[position + run]
                    if escaped == quote && run == level {
                        closer = (position, position + run + 1)
                        break
                    }
                    switch escaped {
                    case UInt8(ascii: "/"):
                        content.append(escaped)
                        position += run + 1
                    case UInt8(ascii: "u"), UInt8(ascii: "x"):
                        guard let (scalar, end) = jsEscape(bytes, at: position), scalar.value > 0x20,
                            scalar.value >= 0x80 || !isScriptStop(UInt8(scalar.value))
                        else { break scanning }
                        content.append(contentsOf: Array(String(Character(scalar)).utf8))
                        position = end
                    default:
                        break scanning
                    }
                    continue
                }
                if isScriptStop(next) { break }
                content.append(next)
                position += 1
            }
            guard let closer else {
                index = position  // the byte that ended it may open the next literal
                continue
            }
            if looksLikeMediaURL(content) {
                let url = String(decoding: content, as: UTF8.self)
                if seen.insert(url).inserted { results.append(url) }
                index = closer.end
            } else {
                index = closer.start  // perhaps this was no literal, and its closing quote opens one
            }
        }
        return results
    }

    // MARK: - Resolution

    /// Resolves a raw reference against a base URL: trims HTML whitespace, drops the fragment, refuses schemes other than http/https
    /// (returns nil for javascript:, data:, mailto:, file:, blob:, about:, and for empty strings), resolves scheme-relative `//host/x`
    /// and relative paths (URL(string:relativeTo:)), percent-encodes spaces and other characters URL(string:) rejects (non-ASCII paths, e.g. Chinese file names → percent-encoded UTF-8), and returns the absolute string.
    ///
    /// Also as browsers do: tabs and line breaks inside the reference are removed, `\` before the query counts
    /// as `/`, scheme and host are lower-cased, dot segments are removed, and a reference that is only a fragment
    /// (`#top`, the page itself) gives nil. The result must be http(s) with a host, so a relative reference
    /// against a non-http base gives nil too.
    public static func resolve(_ raw: String, against base: URL) -> String? {
        var bytes = Array(raw.utf8).filter { $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
        if let hash = bytes.firstIndex(of: UInt8(ascii: "#")) { bytes.removeSubrange(hash...) }
        let start = bytes.firstIndex { $0 > 0x20 } ?? bytes.endIndex
        let end = (bytes.lastIndex { $0 > 0x20 }).map { $0 + 1 } ?? start
        guard start < end else { return nil }
        var reference = Array(bytes[start..<end])

        // The scheme, if any: letters, digits, "+-." up to the first ":" before any "/?".
        let colon = reference.firstIndex { $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }
        var scheme: String? = nil
        if let colon, reference[colon] == UInt8(ascii: ":"), colon > 0, isASCIILetter(reference[0]),
            reference[..<colon].allSatisfy({ isASCIILetter($0) || isASCIIDigit($0) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E })
        {
            let name = String(decoding: reference[..<colon], as: UTF8.self).lowercased()
            guard name == "http" || name == "https" else { return nil }
            scheme = name
            reference.removeSubrange(...colon)
        }

        // "\" is "/" in the path of an http(s) URL.
        let queryStart = reference.firstIndex(of: UInt8(ascii: "?")) ?? reference.endIndex
        for position in reference.startIndex..<queryStart where reference[position] == UInt8(ascii: "\\") {
            reference[position] = UInt8(ascii: "/")
        }

        if let name = scheme {
            let slashes = reference.prefix { $0 == UInt8(ascii: "/") }.count
            if slashes < 2 && name == base.scheme?.lowercased() {
                scheme = nil  // "http:img/a.png" against an http page: a relative reference
            } else {
                reference.replaceSubrange(..<slashes, with: Array("//".utf8))
            }
        }

        // Lower-case the host; percent-encode what a URL may not hold in the path and query.
        var encoded: [UInt8] = Array((scheme.map { $0 + ":" } ?? "").utf8)
        var rest = reference.startIndex
        if reference.count >= 2 && reference[0] == UInt8(ascii: "/") && reference[1] == UInt8(ascii: "/") {
            let authorityEnd = reference[2...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? reference.endIndex
            let authority = reference[2..<authorityEnd]
            let hostStart = authority.lastIndex(of: UInt8(ascii: "@")).map { $0 + 1 } ?? authority.startIndex
            encoded.append(contentsOf: reference[..<hostStart])
            encoded.append(contentsOf: authority[hostStart...].map(lowered))
            rest = authorityEnd
        } else if scheme == nil, let colon, reference[colon] == UInt8(ascii: ":") {
            encoded.append(contentsOf: Prefix.current)  // "a b:c.png" is a path, not a scheme
        }
        for position in rest..<reference.endIndex {
            let byte = reference[position]
            if byte == UInt8(ascii: "%"), position + 2 < reference.endIndex, isHexDigit(reference[position + 1]),
                isHexDigit(reference[position + 2])
            {
                encoded.append(byte)
            } else if isURLByte(byte) {
                encoded.append(byte)
            } else {
                encoded.append(contentsOf: [UInt8(ascii: "%"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]])
            }
        }

        guard let url = URL(string: String(decoding: encoded, as: UTF8.self), relativeTo: base)?.absoluteURL.standardized,
            let resolvedScheme = url.scheme?.lowercased(), resolvedScheme == "http" || resolvedScheme == "https",
            let host = url.host, !host.isEmpty
        else { return nil }
        return url.absoluteString
    }

    // MARK: - CSS tokens

    /// The index just past the `*/` that closes a comment whose text starts at `start` (or the end).
    private static func endOfComment(_ bytes: [UInt8], from start: Int) -> Int {
        var index = start
        while index + 1 < bytes.count {
            if bytes[index] == UInt8(ascii: "*") && bytes[index + 1] == UInt8(ascii: "/") { return index + 2 }
            index += 1
        }
        return bytes.count
    }

    /// A quoted CSS string starting at its quote: its unescaped value and the index after it, or a nil value
    /// when a line break or the end of the text comes first (it is then left at the line break).
    private static func cssString(_ bytes: [UInt8], from start: Int) -> ([UInt8]?, Int) {
        let quote = bytes[start]
        var value: [UInt8] = []
        var index = start + 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == quote { return (value, index + 1) }
            if isCSSNewline(byte) { return (nil, index) }
            if byte == UInt8(ascii: "\\") {
                guard index + 1 < bytes.count else { return (nil, bytes.count) }
                if isCSSNewline(bytes[index + 1]) {  // a line continuation
                    index += bytes[index + 1] == 0x0D && index + 2 < bytes.count && bytes[index + 2] == 0x0A ? 3 : 2
                } else {
                    index = cssEscape(bytes, at: index, into: &value)
                }
                continue
            }
            value.append(byte)
            index += 1
        }
        return (nil, bytes.count)
    }

    /// The argument of `url(`, scanning from just after the "(": the value (nil when empty of meaning, bad or
    /// unterminated), the index to go on from, and whether it was a quoted `url("…")`, whose ")" is still ahead.
    private static func cssURL(_ bytes: [UInt8], from start: Int) -> ([UInt8]?, Int, Bool) {
        let count = bytes.count
        var index = start
        while index < count && isCSSWhitespace(bytes[index]) { index += 1 }
        guard index < count else { return (nil, count, false) }
        if bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") {
            let (value, end) = cssString(bytes, from: index)
            return (value, end, true)
        }
        var value: [UInt8] = []
        while index < count {
            let byte = bytes[index]
            if byte == UInt8(ascii: ")") { return (value, index + 1, false) }
            if isCSSWhitespace(byte) {
                while index < count && isCSSWhitespace(bytes[index]) { index += 1 }
                if index < count && bytes[index] == UInt8(ascii: ")") { return (value, index + 1, false) }
                break
            }
            if byte == UInt8(ascii: "\\") {
                guard index + 1 < count, !isCSSNewline(bytes[index + 1]) else { break }
                index = cssEscape(bytes, at: index, into: &value)
                continue
            }
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "(") || isNonPrintable(byte) { break }
            value.append(byte)
            index += 1
        }
        // A bad url (or the end of the text): skip to its ")" and keep nothing.
        while index < count && bytes[index] != UInt8(ascii: ")") {
            index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
        }
        return (nil, min(count, index + 1), false)
    }

    /// Decodes the CSS escape whose backslash is at `start` (a character follows it, not a line break),
    /// appending its UTF-8; returns the index after it.
    private static func cssEscape(_ bytes: [UInt8], at start: Int, into value: inout [UInt8]) -> Int {
        var index = start + 1
        guard isHexDigit(bytes[index]) else {
            value.append(bytes[index])  // the first byte of the escaped character; the rest follow as they are
            return index + 1
        }
        var code: UInt32 = 0
        let limit = min(bytes.count, index + 6)
        while index < limit && isHexDigit(bytes[index]) {
            code = code << 4 | UInt32(hexValue(bytes[index]))
            index += 1
        }
        let scalar = code == 0 ? nil : Unicode.Scalar(code)
        value.append(contentsOf: Array(String(Character(scalar ?? "\u{FFFD}")).utf8))
        if index < bytes.count && isCSSWhitespace(bytes[index]) {
            index += bytes[index] == 0x0D && index + 1 < bytes.count && bytes[index + 1] == 0x0A ? 2 : 1
        }
        return index
    }

    /// The end of a run of name bytes (letters, digits, "-", "_", non-ASCII) starting at `start`.
    private static func endOfName(_ bytes: [UInt8], from start: Int) -> Int {
        var index = start
        while index < bytes.count && isNameByte(bytes[index]) { index += 1 }
        return index
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        isASCIILetter(byte) || isASCIIDigit(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte >= 0x80
    }

    private static func isCSSNewline(_ byte: UInt8) -> Bool { byte == 0x0A || byte == 0x0D || byte == 0x0C }

    private static func isCSSWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || isCSSNewline(byte) }

    private static func isNonPrintable(_ byte: UInt8) -> Bool {
        byte <= 0x08 || byte == 0x0B || (byte >= 0x0E && byte <= 0x1F) || byte == 0x7F
    }

    // MARK: - Script literals

    private static let mediaExtensions: [[UInt8]] = [
        "mp4", "m4v", "webm", "mov", "m3u8", "mpd", "mp3", "m4a", "aac", "ogg", "oga", "ogv", "wav", "flac",
        "jpg", "jpeg", "png", "gif", "webp", "avif", "svg", "vtt", "srt"
    ].map { Array($0.utf8) }

    private static func isQuote(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "`")
    }

    /// A byte that cannot stand, unescaped, in a URL in a script literal: it ends the literal unkept.
    private static func isScriptStop(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x00...0x20, 0x7F, UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "`"), UInt8(ascii: "<"), UInt8(ascii: ">"),
            UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "|"), UInt8(ascii: "^"), UInt8(ascii: "\\"):
            return true
        default:
            return false
        }
    }

    private static func backslashRun(_ bytes: [UInt8], from start: Int) -> Int {
        var index = start
        while index < bytes.count && bytes[index] == UInt8(ascii: "\\") { index += 1 }
        return index - start
    }

    /// A JavaScript `\uXXXX` (with its surrogate pair, if any) or `\xXX` escape, its backslashes starting at `start`.
    private static func jsEscape(_ bytes: [UInt8], at start: Int) -> (Unicode.Scalar, Int)? {
        func unit(at start: Int) -> (UInt32, Int)? {
            let letter = start + backslashRun(bytes, from: start)
            guard letter > start, letter < bytes.count else { return nil }
            let digits = bytes[letter] == UInt8(ascii: "u") ? 4 : bytes[letter] == UInt8(ascii: "x") ? 2 : 0
            guard digits > 0, letter + digits < bytes.count else { return nil }
            var code: UInt32 = 0
            for index in (letter + 1)...(letter + digits) {
                guard isHexDigit(bytes[index]) else { return nil }
                code = code << 4 | UInt32(hexValue(bytes[index]))
            }
            return (code, letter + digits + 1)
        }
        guard let (code, end) = unit(at: start) else { return nil }
        if (0xD800...0xDBFF).contains(code) {
            guard let (low, lowEnd) = unit(at: end), (0xDC00...0xDFFF).contains(low),
                let scalar = Unicode.Scalar(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00))
            else { return nil }
            return (scalar, lowEnd)
        }
        guard let scalar = Unicode.Scalar(code) else { return nil }
        return (scalar, end)
    }

    /// Whether a literal's content is an http(s), scheme-relative, rooted or relative address whose path
    /// ends in a media, image, playlist or subtitle extension.
    private static func looksLikeMediaURL(_ value: [UInt8]) -> Bool {
        let count = value.count
        var pathStart = 0
        if hasPrefix(value, Prefix.http) || hasPrefix(value, Prefix.https) || hasPrefix(value, Prefix.schemeRelative) {
            let hostStart = value[0] == UInt8(ascii: "/") ? 2 : (hasPrefix(value, Prefix.http) ? 7 : 8)
            guard hostStart < count, isASCIILetter(value[hostStart]) || isASCIIDigit(value[hostStart]) || value[hostStart] >= 0x80
            else { return false }
            pathStart =
                value[hostStart...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? count
        } else if hasPrefix(value, Prefix.root) || hasPrefix(value, Prefix.current) || hasPrefix(value, Prefix.parent) {
            pathStart = 0
        } else {
            // A bare relative path: a name, a slash somewhere, no scheme, nothing that reads as code.
            guard let first = value.first, isASCIILetter(first) || isASCIIDigit(first) || first == UInt8(ascii: "_") || first >= 0x80
            else { return false }
            let pathEnd = value.firstIndex { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? count
            let path = value[..<pathEnd]
            guard let slash = path.firstIndex(of: UInt8(ascii: "/")), !path[..<slash].contains(UInt8(ascii: ":")),
                !path.contains(where: { Prefix.codeBytes.contains($0) })
            else { return false }
        }
        let pathEnd = value[pathStart...].firstIndex { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? count
        let path = value[pathStart..<pathEnd]
        for suffix in mediaExtensions {
            let dot = pathEnd - suffix.count - 1
            guard dot - 1 >= path.startIndex, value[dot] == UInt8(ascii: "."), value[dot - 1] != UInt8(ascii: "/") else { continue }
            if equalsIgnoringCase(value[(dot + 1)..<pathEnd], suffix) { return true }
        }
        return false
    }

    // MARK: - Bytes

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    private static func isASCIILetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") }

    private static func isASCIIUpper(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") }

    private static func isASCIIDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isASCIIDigit(byte) || ((byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "f"))
    }

    private static func hexValue(_ byte: UInt8) -> UInt8 {
        isASCIIDigit(byte) ? byte - UInt8(ascii: "0") : (byte | 0x20) - UInt8(ascii: "a") + 10
    }

    private static func isHTMLWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0C || byte == 0x0D
    }

    /// The bytes a URL may hold as they are outside its host: RFC 3986's unreserved and reserved characters
    /// but for "#", "[" and "]" ("%" is checked by the caller).
    private static func isURLByte(_ byte: UInt8) -> Bool {
        if isASCIILetter(byte) || isASCIIDigit(byte) { return true }
        switch byte {
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: ":"), UInt8(ascii: "/"),
            UInt8(ascii: "?"), UInt8(ascii: "@"), UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"),
            UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"),
            UInt8(ascii: "="):
            return true
        default:
            return false
        }
    }

    private static func trimmed(_ bytes: [UInt8]) -> ArraySlice<UInt8> {
        let start = bytes.firstIndex { !isCSSWhitespace($0) } ?? bytes.endIndex
        let end = (bytes.lastIndex { !isCSSWhitespace($0) }).map { $0 + 1 } ?? start
        return bytes[start..<end]
    }

    /// Byte strings the scanners compare against, lower-case.
    private enum Prefix {
        static let data = Array("data:".utf8)
        static let http = Array("http://".utf8)
        static let https = Array("https://".utf8)
        static let schemeRelative = Array("//".utf8)
        static let root = Array("/".utf8)
        static let current = Array("./".utf8)
        static let parent = Array("../".utf8)
        static let importRule = Array("import".utf8)
        static let namespaceRule = Array("namespace".utf8)
        static let url = Array("url".utf8)
        static let imageSet = Array("image-set".utf8)
        static let webkitImageSet = Array("-webkit-image-set".utf8)
        /// What a bare relative path in a script holds only when it is code, not a path.
        static let codeBytes = Array("()=;!*$[],+:".utf8)
    }

    private static func lowered(_ byte: UInt8) -> UInt8 { isASCIIUpper(byte) ? byte + 0x20 : byte }

    /// Whether `bytes` starts with `prefix` (lower-case), ignoring ASCII case.
    private static func hasPrefix(_ bytes: some Collection<UInt8>, _ prefix: [UInt8]) -> Bool {
        bytes.count >= prefix.count && zip(bytes, prefix).allSatisfy { lowered($0.0) == $0.1 }
    }

    private static func equalsIgnoringCase(_ bytes: some Collection<UInt8>, _ other: some Collection<UInt8>) -> Bool {
        bytes.count == other.count && zip(bytes, other).allSatisfy { lowered($0.0) == lowered($0.1) }
    }
}
