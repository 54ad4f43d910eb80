import Foundation

/// What the extractor never reads, cut from the page's bytes before libxml2 sees them: the
/// bodies of `<script>` and `<style>` elements (except JSON-LD, which dates and types the page)
/// and HTML comments. On real pages these are about half the bytes, and libxml2 reads raw text
/// one character at a time into nodes the walk then skips: parsing a page without them takes
/// about two thirds of the time, and the tree the walk sees is the same, less those text nodes.
/// A `</body>` or `</html>` with markup after it is cut too: a browser ignores it, libxml2 2.9
/// makes a second root element of the rest.
///
/// The scan follows libxml2 2.9's tokenizer where it matters: a start tag ends at the first `>`
/// outside a quoted attribute value; a script or style body ends at the first `</script` or
/// `</style` in any case (what libxml2's recovery mode does); a comment ends at `-->`. The end
/// tag itself is kept, so libxml2 closes the element exactly as it would have.
enum UnusedText {
    /// The page without the text nobody reads, or nil when that would drop less than a tenth of
    /// it (the page is then parsed where it is, without a copy).
    ///
    /// With `elidingValues`, the values of the attributes the extractor reads are taken out too
    /// where libxml2 would give them back byte for byte (quoted, no `&`, no control byte): each
    /// is replaced by a marker, byte 0x01 and the value's number (`class="\u{1}4"`), which the
    /// tree builder reads back and replaces by the value from the page (see `Restoration`). A
    /// page that holds byte 0x01 anywhere keeps its values. libxml2 reads an attribute value a
    /// character at a time, at about a hundred instructions a byte; class and link values are a
    /// tenth of a page.
    /// (`always`: whatever it saves, for the tests that compare trees with and without elisions.)
    static func removed(from bytes: UnsafeBufferPointer<UInt8>, elidingValues: Bool = true, always: Bool = false) -> Kept? {
        var elisions: [Elision] = []
        let eliding = elidingValues && bytes.count > 0 && memchr(bytes.baseAddress!, Int32(marker), bytes.count) == nil
        let (cuts, premature) = eliding ? ranges(in: bytes, elisions: &elisions) : ranges(in: bytes, elisions: nil)
        let dropped = cuts.reduce(0) { $0 + $1.count }
        guard always || dropped * 10 >= bytes.count || premature, dropped > 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count - dropped + 4 * elisions.count)
        var start = 0
        var next = 0
        for cut in cuts {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<cut.lowerBound]))
            start = cut.upperBound
            // Elided values are cuts too, in the same order: each leaves its marker.
            if next < elisions.count, elisions[next].value == cut {
                out.append(marker)
                var number = next
                repeat {
                    out.append(markerDigitBase + UInt8(number % markerRadix))
                    number /= markerRadix
                } while number > 0
                next += 1
            }
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        return Kept(bytes: out, elisions: elisions)
    }

    /// The byte that starts an elided value's marker; its number follows, least significant
    /// digit first, in the 87 characters "(" to "~" (which libxml2 reads as they are), so that
    /// the parser reads as little as it can.
    static let marker: UInt8 = 0x01
    static let markerDigitBase: UInt8 = 0x28
    static let markerRadix = 87

    /// The bytes the parser is given, and the attribute values taken out of them.
    struct Kept {
        var bytes: [UInt8]
        var elisions: [Elision]
    }

    /// An attribute value taken out of a start tag: the attribute's name and its value, as
    /// ranges of the page. Its number in the list is what its marker says.
    struct Elision: Equatable {
        var name: Range<Int>
        var value: Range<Int>
    }

    /// The attributes whose values are elided: read by the extractor, never by libxml2 (a
    /// meta's `content`, `charset` and `http-equiv` can switch its decoding, and stay).
    static let elidedAttributes: [StaticString] = [
        "class", "id", "href", "style", "role", "itemprop", "itemtype", "rel", "type", "name", "property", "lang", "datetime"
    ]

    /// Shorter values are left for the parser: taking them out saves less than it costs.
    static let shortestElided = 6

    /// Whether libxml2 would give the value back as it is: no character reference to decode, no
    /// control byte, no U+FFC0…U+FFFF (U+FFFE and U+FFFF it reports as errors). The bytes are
    /// valid UTF-8, so everything else it decodes and writes again unchanged.
    static func returnsVerbatim(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        var previous: UInt8 = 0
        for byte in value {
            if byte < 0x20 || byte == UInt8(ascii: "&") || (previous == 0xEF && byte == 0xBF) { return false }
            previous = byte
        }
        return true
    }

    /// The byte ranges to drop, in order: script and style bodies, whole comments, and, when an
    /// element starts after one (`premature`: the cut must then be made, however little it
    /// saves), the `</body>` and `</html>` end tags. A browser reads what follows those into the
    /// body; libxml2 2.9 can drop it.
    static func ranges(in bytes: UnsafeBufferPointer<UInt8>, elisions: UnsafeMutablePointer<[Elision]>? = nil) -> (
        cuts: [Range<Int>], premature: Bool
    ) {
        var cuts: [Range<Int>] = []
        let count = bytes.count
        var index = 0
        var endTags: [Range<Int>] = []
        var premature = false
        while let next = next(UInt8(ascii: "<"), in: bytes, from: index) {
            index = next
            if matches(bytes, at: index, "<!--") {
                let end = find(bytes, "-->", from: index + 4).map { $0 + 3 } ?? count
                cuts.append(index..<end)
                index = end
                continue
            }
            if matches(bytes, at: index, "</body") && isNameEnd(bytes, at: index + 6)
                || matches(bytes, at: index, "</html") && isNameEnd(bytes, at: index + 6)
            {
                let end = startTagEnd(bytes, from: index + 6)
                endTags.append(index..<min(count, end + 1))
                index = end + 1
                continue
            }
            guard index + 1 < count, isLetter(bytes[index + 1]) else {
                index += 1
                continue
            }
            if !endTags.isEmpty { premature = true }
            // A start tag is passed whole, so a "<script" inside an attribute value is not one.
            let element: String?
            if matches(bytes, at: index + 1, "script"), isNameEnd(bytes, at: index + 7) {
                element = "script"
            } else if matches(bytes, at: index + 1, "style"), isNameEnd(bytes, at: index + 6) {
                element = "style"
            } else {
                element = nil
            }
            let tagEnd = startTagEnd(bytes, from: index + 1)
            guard tagEnd < count else { break }
            unreadAttributes(bytes, tag: index + 1, end: tagEnd, into: &cuts, elisions: elisions)
            guard let element else {
                index = tagEnd + 1
                continue
            }
            let bodyStart = tagEnd + 1
            let bodyEnd = find(bytes, "</" + element, from: bodyStart) ?? count
            if element == "style" || !isJSONLD(UnsafeBufferPointer(rebasing: bytes[index..<tagEnd])) {
                if bodyEnd > bodyStart { cuts.append(bodyStart..<bodyEnd) }
            }
            index = bodyEnd
        }
        // At the end of the page those end tags change nothing, and are kept.
        guard premature else { return (cuts, false) }
        return ((cuts + endTags).sorted { $0.lowerBound < $1.lowerBound }, true)
    }

    /// The index of the `>` that ends the start tag whose attributes begin at `from` (quoted
    /// values may hold `>`), or the end of the bytes.
    private static func startTagEnd(_ bytes: UnsafeBufferPointer<UInt8>, from: Int) -> Int {
        var index = from
        var afterEquals = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: ">") { return index }
            if afterEquals && (byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")) {
                // A quoted value is passed whole: `memchr` finds where it closes.
                guard let close = next(byte, in: bytes, from: index + 1) else { return bytes.count }
                index = close + 1
                afterEquals = false
                continue
            }
            if byte == UInt8(ascii: "=") {
                afterEquals = true
            } else if !isSpace(byte) {
                afterEquals = false
            }
            index += 1
        }
        return index
    }

    /// Attributes no reader of the tree asks for: the extractor's (class, id, role, hidden,
    /// aria-hidden, style, microdata, link and meta fields, lang, datetime) and libxml2's own
    /// (a meta's charset, http-equiv and content, which can switch its decoding). The rest
    /// (data-*, srcset, inline event handlers, sizes, alt…) are a fifth of a page's markup,
    /// and libxml2 copies each value a character at a time into a string nobody reads.
    static let readAttributes: [StaticString] = [
        "class", "id", "role", "hidden", "aria-hidden", "style", "itemprop", "itemscope", "itemtype", "property", "name",
        "content", "rel", "href", "type", "lang", "datetime", "charset", "http-equiv"
    ]

    /// Cuts the attributes of the start tag `<…>` (its name at `tag`, its `>` at `end`) that
    /// `readAttributes` does not name, each with the white space before it, so the rest reads
    /// as libxml2 would have read it. A tag whose attributes do not read as libxml2 2.9's
    /// `htmlParseStartTag` reads them without error (a name it would not take, an unclosed
    /// quote, a name over its 100-character buffer) is left whole.
    private static func unreadAttributes(
        _ bytes: UnsafeBufferPointer<UInt8>, tag: Int, end: Int, into cuts: inout [Range<Int>],
        elisions: UnsafeMutablePointer<[Elision]>?
    ) {
        // libxml2 ends a tag's attributes at a NUL byte: such a tag does not read cleanly.
        if memchr(bytes.baseAddress! + tag, 0, end - tag) != nil { return }
        var index = tag
        while index < end, isNameByte(bytes[index]) { index += 1 }
        // This tag's cuts go straight into `cuts`, and come out again if the tag is left whole.
        let kept = cuts.count
        let keptElisions = elisions?.pointee.count ?? 0
        func leaveWhole() {
            cuts.removeSubrange(kept...)
            elisions?.pointee.removeSubrange(keptElisions...)
        }
        while true {
            let start = index
            while index < end, isBlank(bytes[index]) { index += 1 }
            if index == end || bytes[index] == UInt8(ascii: "/") && index + 1 == end { break }
            // An attribute name as libxml2 reads one: a letter, "_", ":" or "." first.
            let first = bytes[index]
            guard isLetter(first) || first == UInt8(ascii: "_") || first == UInt8(ascii: ":") || first == UInt8(ascii: ".")
            else { return leaveWhole() }
            let nameStart = index
            while index < end, isNameByte(bytes[index]) { index += 1 }
            let name = nameStart..<index
            guard name.count < 100, start < nameStart else { return leaveWhole() }
            var elidedValue: Range<Int>? = nil
            var after = index
            while after < end, isBlank(bytes[after]) { after += 1 }
            if after < end, bytes[after] == UInt8(ascii: "=") {
                after += 1
                while after < end, isBlank(bytes[after]) { after += 1 }
                guard after < end else { return leaveWhole() }
                let opening = bytes[after]
                if opening == UInt8(ascii: "\"") || opening == UInt8(ascii: "'") {
                    guard let close = next(opening, in: bytes, from: after + 1), close < end else { return leaveWhole() }
                    index = close + 1
                    let value = (after + 1)..<close
                    if let elisions, value.count >= shortestElided,
                        elidedAttributes.contains(where: { equalsIgnoringCase(UnsafeBufferPointer(rebasing: bytes[name]), $0) }),
                        returnsVerbatim(UnsafeBufferPointer(rebasing: bytes[value]))
                    {
                        elisions.pointee.append(Elision(name: name, value: value))
                        elidedValue = value
                    }
                } else {
                    while after < end, !isBlank(bytes[after]) { after += 1 }
                    index = after
                }
            }
            let wanted = UnsafeBufferPointer(rebasing: bytes[name])
            if !readAttributes.contains(where: { equalsIgnoringCase(wanted, $0) }) {
                cuts.append(start..<index)
            } else if let elidedValue {
                cuts.append(elidedValue)
            }
        }
    }

    @inline(__always) private static func isNameByte(_ byte: UInt8) -> Bool {
        isLetter(byte) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "-")
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
    }

    /// libxml2's blank: space, tab, line feed, carriage return (not form feed).
    @inline(__always) private static func isBlank(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private static func equalsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ word: StaticString) -> Bool {
        guard bytes.count == word.utf8CodeUnitCount else { return false }
        return matches(bytes, at: 0, word)
    }

    /// Whether a script start tag's `type` names JSON-LD.
    private static func isJSONLD(_ tag: UnsafeBufferPointer<UInt8>) -> Bool {
        (0..<tag.count).contains { matches(tag, at: $0, "ld+json") }
    }

    @inline(__always) private static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }

    @inline(__always) private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0C || byte == 0x0D
    }

    /// Whether a tag name ends at `index`: libxml2 reads a name as far as its characters go
    /// (letters, digits, ":", "-", "_", "."), so `<script#x>` is a script.
    private static func isNameEnd(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        index >= bytes.count || !isNameByte(bytes[index])
    }

    /// Whether `word` (lowercase ASCII) is at `index`, in any case.
    @inline(__always) private static func matches(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, _ word: StaticString) -> Bool {
        matches(bytes, at: index, UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount))
    }

    private static func matches(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, _ word: UnsafeBufferPointer<UInt8>) -> Bool {
        guard index + word.count <= bytes.count else { return false }
        for offset in 0..<word.count {
            let byte = bytes[index + offset]
            let lower = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
            if lower != word[offset] { return false }
        }
        return true
    }

    /// The first index at or after `from` where `word` (lowercase ASCII, starting with a
    /// character that has no case) starts, in any case. `memchr` finds the first character.
    private static func find(_ bytes: UnsafeBufferPointer<UInt8>, _ word: String, from: Int) -> Int? {
        var word = word
        return word.withUTF8 { needle -> Int? in
            guard let first = needle.first else { return from }
            var index = from
            while let found = next(first, in: bytes, from: index) {
                if matches(bytes, at: found, needle) { return found }
                index = found + 1
            }
            return nil
        }
    }

    /// The first index at or after `from` holding `byte`.
    @inline(__always) private static func next(_ byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard from < bytes.count, let base = bytes.baseAddress else { return nil }
        guard let found = memchr(base + from, Int32(byte), bytes.count - from) else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }
}
