import CorpusKit
import Foundation
import GRDB

/// Which of the three indexed columns a term belongs to. A term says it itself: English terms
/// hold no Han character (`TermCounts` leaves out the English column's Han-bearing tokens, which
/// no query can reach: Chinese is always searched as grams), unigrams are one Han character and
/// bigrams two.
enum TermColumn: Int, CaseIterable {
    case english = 0
    case unigrams = 1
    case bigrams = 2

    init(of term: String) {
        var scalars = term.unicodeScalars.makeIterator()
        guard let first = scalars.next(), Han.contains(first) else {
            self = .english
            return
        }
        self = scalars.next() == nil ? .unigrams : .bigrams
    }
}

/// A term of at most 15 UTF-8 bytes packed into two words: a dictionary key that costs no
/// allocation and hashes without Unicode normalization (most words and every gram fit).
struct ShortTerm: Hashable {
    var low: UInt64 = 0
    var high: UInt64 = 0

    init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count <= 15 else { return nil }
        for (index, byte) in bytes.enumerated() {
            if index < 8 {
                low |= UInt64(byte) << UInt64(index * 8)
            } else {
                high |= UInt64(byte) << UInt64((index - 8) * 8)
            }
        }
        high |= UInt64(bytes.count) << 56
    }

    var string: String {
        let count = Int(high >> 56)
        var words = (low, high)
        return withUnsafeBytes(of: &words) { String(decoding: UnsafeRawBufferPointer(rebasing: $0[0..<count]), as: UTF8.self) }
    }
}

/// A hash table keyed by terms: short ones (`ShortTerm`) in open addressing with a multiplicative
/// hash (Swift's `Hasher` was a fifth of indexing), longer ones in a dictionary.
struct TermTable<Value> {
    private(set) var shortKeys: [ShortTerm] = []
    private(set) var shortValues: [Value] = []
    private var slots = [Int32](repeating: -1, count: 256)
    private(set) var long: [String: Value] = [:]

    var count: Int { shortKeys.count + long.count }

    private static func hash(_ key: ShortTerm) -> Int {
        var mixed = key.low &* 0x9E37_79B9_7F4A_7C15 ^ (key.high &* 0xC2B2_AE3D_27D4_EB4F)
        mixed ^= mixed >> 29
        return Int(truncatingIfNeeded: mixed)
    }

    /// Changes the value of `key` (made with `initial` when new) with `body`.
    mutating func update(_ key: ShortTerm, initial: @autoclosure () -> Value, _ body: (inout Value) -> Void) {
        var mask = slots.count - 1
        var slot = Self.hash(key) & mask
        while true {
            let index = Int(slots[slot])
            if index < 0 { break }
            if shortKeys[index] == key {
                body(&shortValues[index])
                return
            }
            slot = (slot + 1) & mask
        }
        if (shortKeys.count + 1) * 2 > slots.count {
            slots = [Int32](repeating: -1, count: slots.count * 2)
            mask = slots.count - 1
            for (index, existing) in shortKeys.enumerated() {
                var free = Self.hash(existing) & mask
                while slots[free] >= 0 { free = (free + 1) & mask }
                slots[free] = Int32(index)
            }
            slot = Self.hash(key) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
        }
        slots[slot] = Int32(shortKeys.count)
        shortKeys.append(key)
        shortValues.append(initial())
        body(&shortValues[shortValues.count - 1])
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer, initial: @autoclosure () -> Value, _ body: (inout Value) -> Void) {
        if let key = ShortTerm(bytes) {
            update(key, initial: initial(), body)
        } else {
            body(&long[String(decoding: bytes, as: UTF8.self), default: initial()])
        }
    }

    mutating func update(_ term: String, initial: @autoclosure () -> Value, _ body: (inout Value) -> Void) {
        var term = term
        term.withUTF8 { update(UnsafeRawBufferPointer($0), initial: initial(), body) }
    }

    /// Every term and its value.
    func visit(_ body: (String, Value) throws -> Void) rethrows {
        for (key, value) in zip(shortKeys, shortValues) { try body(key.string, value) }
        for (key, value) in long { try body(key, value) }
    }
}

/// A document's terms and how often each occurs, over all its segments, with each column's
/// length in tokens: what the document-level postings (and BM25's length normalization) hold.
///
/// English terms come from FTS5's own `unicode61 remove_diacritics 2` tokenizer, the one the
/// segment index uses, so a document has a posting for every English term FTS5 would match in
/// it; Han text gives the same unigrams and bigrams as the segment index.
struct TermCounts {
    var table = TermTable<Int32>()
    var lengths = [0, 0, 0]

    /// Every term with its frequency.
    var terms: [(term: String, frequency: Int32)] {
        var terms: [(term: String, frequency: Int32)] = []
        table.visit { terms.append(($0, $1)) }
        return terms
    }

    private mutating func count(_ bytes: UnsafeRawBufferPointer) { table.update(bytes, initial: 0) { $0 += 1 } }

    /// Counts `text`'s terms (English ones as `tokenizer` finds them) and returns its Han
    /// unigrams and bigrams as the segment index's columns hold them, space-separated.
    mutating func add(_ text: String, tokenizer: (any FTS5Tokenizer)?) -> (unigrams: String, bigrams: String) {
        var text = text
        var unigrams: [UInt8] = []
        var bigrams: [UInt8] = []
        text.withUTF8 { bytes in
            // Han text (U+3400 and up) is three or four bytes a character; nothing to do without.
            guard bytes.contains(where: { $0 >= 0xE3 }) else { return }
            var previous: Range<Int>? = nil
            var offset = 0
            for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
                let width = UTF8.width(scalar)
                defer { offset += width }
                guard Han.contains(scalar) else {
                    previous = nil
                    continue
                }
                let current = offset..<(offset + width)
                if !unigrams.isEmpty { unigrams.append(0x20) }
                unigrams.append(contentsOf: bytes[current])
                count(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[current]))
                lengths[TermColumn.unigrams.rawValue] += 1
                if let previous {
                    if !bigrams.isEmpty { bigrams.append(0x20) }
                    bigrams.append(contentsOf: bytes[previous.lowerBound..<current.upperBound])
                    count(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[previous.lowerBound..<current.upperBound]))
                    lengths[TermColumn.bigrams.rawValue] += 1
                }
                previous = current
            }
        }
        if let tokenizer {
            Self.englishTokenBytes(text, tokenizer: tokenizer, for: .document) { token in
                count(token)
                lengths[TermColumn.english.rawValue] += 1
            }
        }
        return (String(decoding: unigrams, as: UTF8.self), String(decoding: bigrams, as: UTF8.self))
    }

    /// Calls `body` with each English token of `text` that holds no Han character, as FTS5's
    /// tokenizer gives it for `tokenization`.
    static func englishTokens(
        _ text: String, tokenizer: any FTS5Tokenizer, for tokenization: FTS5Tokenization, _ body: (String) -> Void
    ) {
        englishTokenBytes(text, tokenizer: tokenizer, for: tokenization) { body(String(decoding: $0, as: UTF8.self)) }
    }

    /// `englishTokens` as bytes, valid during the call.
    static func englishTokenBytes(
        _ text: String, tokenizer: any FTS5Tokenizer, for tokenization: FTS5Tokenization,
        _ body: (UnsafeRawBufferPointer) -> Void
    ) {
        englishTokenBytes(text, tokenizer: tokenizer, for: tokenization, keepingHan: false) { token, _ in body(token) }
    }

    /// Each token with its place in the text (UTF-8 offsets); tokens holding Han are left out
    /// unless `keepingHan` (a segment's token positions count them, as FTS5's do).
    static func englishTokenBytes(
        _ text: String, tokenizer: any FTS5Tokenizer, for tokenization: FTS5Tokenization, keepingHan: Bool,
        _ body: (UnsafeRawBufferPointer, Range<Int>) -> Void
    ) {
        final class Collector {
            var bytes: [UInt8] = []
            var ends: [Int] = []
            var places: [Range<Int>] = []
        }
        var text = text
        if text.withUTF8({ bytes in QuickTokens.scan(bytes, keepingHan: keepingHan, body) }) { return }
        let collector = Collector()
        text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return }
            _ = withExtendedLifetime(collector) {
                tokenizer.tokenize(
                    context: Unmanaged.passUnretained(collector).toOpaque(), tokenization: tokenization,
                    pText: UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self), nText: CInt(bytes.count)
                ) { context, _, token, length, start, end in
                    guard let context, let token else { return 0 }
                    let collector = Unmanaged<Collector>.fromOpaque(context).takeUnretainedValue()
                    collector.bytes.append(contentsOf: UnsafeRawBufferPointer(start: token, count: Int(length)))
                    collector.ends.append(collector.bytes.count)
                    collector.places.append(Int(start)..<Int(max(start, end)))
                    return 0
                }
            }
        }
        collector.bytes.withUnsafeBytes { all in
            var start = 0
            for (end, place) in zip(collector.ends, collector.places) {
                let token = UnsafeRawBufferPointer(rebasing: all[start..<end])
                start = end
                if !keepingHan && token.contains(where: { $0 >= 0xE3 }) && Han.occurs(in: String(decoding: token, as: UTF8.self)) {
                    continue
                }
                body(token, place)
            }
        }
    }
}

/// Tokenizes text exactly as FTS5's `unicode61` does when every character is one whose class
/// it knows here: ASCII (letters and digits make tokens, lower-cased; the rest separates), Han
/// (a letter: part of a token, which then holds Han and is left out), and common punctuation
/// and spaces (U+00A0, U+00AB, U+00B7, U+00BB, U+2000–U+206F, CJK and fullwidth punctuation).
/// Any other character, for which folding or a letter class could matter, makes it give up and
/// the caller asks FTS5's tokenizer. Indexing tokenized every segment twice (FTS5 and the
/// postings), and this pass is several times cheaper for English and Chinese text.
enum QuickTokens {
    /// Calls `body` with each token (lower-cased bytes, valid during the call) that holds no
    /// Han character; false, with `body` not called, when the text needs the full tokenizer.
    static func scan(_ text: UnsafeBufferPointer<UInt8>, _ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
        scan(text, keepingHan: false) { token, _ in body(token) }
    }

    /// `scan`, with each token's place (UTF-8 offsets), and tokens holding Han when `keepingHan`.
    static func scan(
        _ text: UnsafeBufferPointer<UInt8>, keepingHan: Bool, _ body: (UnsafeRawBufferPointer, Range<Int>) -> Void
    ) -> Bool {
        // First pass: is every character known? (So that `body` is never called for a text the
        // caller then tokenizes again.)
        var offset = 0
        while offset < text.count {
            let byte = text[offset]
            if byte < 0x80 {
                offset += 1
                continue
            }
            guard let (scalar, width) = decode(text, at: offset), kind(of: scalar) != nil else { return false }
            offset += width
        }
        // Second pass: a token is a run of the text itself, copied only to lower-case it.
        var scratch: [UInt8] = []
        var start = -1
        var upper = false
        var poisoned = false
        let raw = UnsafeRawBufferPointer(text)
        func flush(_ end: Int) {
            defer {
                start = -1
                upper = false
                poisoned = false
            }
            guard start >= 0, keepingHan || !poisoned else { return }
            let token = UnsafeRawBufferPointer(rebasing: raw[start..<end])
            if upper {
                scratch.removeAll(keepingCapacity: true)
                for byte in token { scratch.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) }
                scratch.withUnsafeBytes { body($0, start..<end) }
            } else {
                body(token, start..<end)
            }
        }
        offset = 0
        while offset < text.count {
            let byte = text[offset]
            if byte < 0x80 {
                if byte >= 0x61 && byte <= 0x7A || byte >= 0x30 && byte <= 0x39 {
                    if start < 0 { start = offset }
                } else if byte >= 0x41 && byte <= 0x5A {
                    if start < 0 { start = offset }
                    upper = true
                } else {
                    flush(offset)
                }
                offset += 1
                continue
            }
            let (scalar, width) = decode(text, at: offset)!
            if kind(of: scalar) == .han {
                if start < 0 { start = offset }
                poisoned = true
            } else {
                flush(offset)
            }
            offset += width
        }
        flush(offset)
        return true
    }

    enum Kind { case han, separator }

    /// The kind of the character starting at `offset` (nil when unknown or not UTF-8).
    static func kind(at offset: Int, in text: UnsafeBufferPointer<UInt8>) -> Kind? {
        guard let (scalar, _) = decode(text, at: offset) else { return nil }
        return kind(of: scalar)
    }

    static func kind(of scalar: Unicode.Scalar) -> Kind? {
        if Han.contains(scalar) { return .han }
        switch scalar.value {
        case 0xA0, 0xAB, 0xB7, 0xBB, 0x2000...0x2064, 0x2066...0x206F, 0x3000...0x3004, 0x3008...0x3020, 0xFF01...0xFF0F,
            0xFF1A...0xFF20, 0xFF3B...0xFF40, 0xFF5B...0xFF65:
            return .separator
        default:
            return nil
        }
    }

    private static func decode(_ text: UnsafeBufferPointer<UInt8>, at offset: Int) -> (Unicode.Scalar, Int)? {
        let lead = text[offset]
        let width = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
        guard width > 1, offset + width <= text.count else { return nil }
        var value = UInt32(lead) & (0xFF >> (width + 1))
        for index in 1..<width {
            let byte = text[offset + index]
            guard byte & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        guard let scalar = Unicode.Scalar(value) else { return nil }
        return (scalar, width)
    }
}

extension ShortTerm {
    /// The column of the term (see `TermColumn`), read from its bytes: a Han character is three
    /// or four bytes, so one is a unigram, two a bigram; anything else is English.
    var column: TermColumn {
        let count = Int(high >> 56)
        guard count >= 3, count <= 8, low & 0xFF >= 0xE3 else { return .english }
        return TermColumn(of: string)
    }
}
