import CorpusKit
import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// One segment of a shown document.
struct SegmentText {
    var rowid: Int64
    var field: String
    var at: String?
    var text: String
    /// Its English tokens and Han characters (as indexed), and whether it has letters the
    /// tokenizer folds.
    var englishLength = 0
    var hanLength = 0
    var folds = true
    /// Where (UTF-8 offsets) the query first matches, once scored.
    var match: Range<Int>? = nil
}

/// Finds and ranks the segments of one document that match a query's groups, in the document's
/// own text: a term as FTS5 tokenizes it, a prefix, a phrase as consecutive tokens, Chinese as
/// the Han run the grams spell. Segments are ranked by BM25 within the document (its average
/// segment length as the norm). Running FTS5 once per shown document cost more than the rest of
/// a query (its bm25 reads every match of a term in the whole index to count them).
struct SegmentScorer {
    let groups: [SearchQuery.Group]
    let weights: [Double]
    let tokenizer: any FTS5Tokenizer
    /// Per group: the text a matching segment must contain, lower-cased ASCII (nil when no
    /// quick test is safe).
    private let needles: [String?]
    /// Per group: the Han text it stands for (nil for English groups).
    private let han: [String?]
    /// What every segment that holds all groups contains: each group's needle or Han text (nil
    /// when some group has neither, and no such test is safe). Made once, for `mayHoldAll`.
    private let required: [String]?
    /// The English terms of all groups (a prefix as a prefix), and per group its terms' indexes
    /// in order (one for a term or prefix, several for a phrase).
    private let terms: [(bytes: [UInt8], prefix: Bool)]
    private let termIndexes: [[Int]]

    init(groups: [SearchQuery.Group], weights: [Double], tokenizer: any FTS5Tokenizer) {
        self.groups = groups
        self.weights = weights
        self.tokenizer = tokenizer
        han = groups.map { group in
            switch group {
            case .term(let term) where TermColumn(of: term) != .english: term
            case .phrase(let grams) where TermColumn(of: grams[0]) != .english:
                grams.dropFirst().reduce(grams[0]) { $0 + String($1.unicodeScalars.last!) }
            default: nil
            }
        }
        var terms: [(bytes: [UInt8], prefix: Bool)] = []
        termIndexes = groups.map { group in
            func index(_ term: String, prefix: Bool) -> Int {
                let bytes = Array(term.utf8)
                if let found = terms.firstIndex(where: { $0.bytes == bytes && $0.prefix == prefix }) { return found }
                terms.append((bytes, prefix))
                return terms.count - 1
            }
            switch group {
            case .term(let term): return [index(term, prefix: false)]
            case .prefix(let term): return [index(term, prefix: true)]
            case .phrase(let words): return words.map { index($0, prefix: false) }
            }
        }
        self.terms = terms
        needles = groups.map { group in
            let word: String
            switch group {
            case .term(let term), .prefix(let term): word = term
            case .phrase(let terms): word = terms.max { $0.utf8.count < $1.utf8.count }!
            }
            return word.utf8.allSatisfy({ $0 < 0x80 }) && TermColumn(of: word) == .english ? word : nil
        }
        let wanted = zip(needles, han).map { $0 ?? $1 }
        required = wanted.contains(where: { $0 == nil }) ? nil : wanted.compactMap { $0 }
    }

    /// An SQL condition (and its arguments) that every segment holding all groups meets: it
    /// contains each group's Han text. (English needles are tested in `score`: SQLite's
    /// `lower` copies every segment and measured slower.)
    var filter: (sql: String, arguments: StatementArguments) {
        var sql = ""
        var arguments: StatementArguments = []
        for index in groups.indices {
            if let han = han[index] {
                sql += " AND instr(text, ?) > 0"
                arguments += [han]
            }
        }
        return (sql, arguments)
    }

    /// Whether a segment's text (its UTF-8 bytes, as stored) can hold every group, so that it is
    /// worth reading as text and scoring: false only when some group's needle or Han text does
    /// not occur in it (ASCII case ignored). A segment with letters the tokenizer folds is always
    /// read. Most segments of a shown document hold no query word; they cost a String and a
    /// lower-cased copy each before this.
    func mayHoldAll(_ bytes: UnsafeRawBufferPointer, folds: Bool, scratch: inout [UInt8]) -> Bool {
        guard !folds, let wanted = required else { return true }
        if scratch.count < bytes.count { scratch = [UInt8](repeating: 0, count: bytes.count) }
        return scratch.withUnsafeMutableBytes { lowered in
            SearchableText.lowercase(bytes, into: lowered)
            let text = UnsafeRawBufferPointer(rebasing: lowered[..<bytes.count])
            for var needle in wanted {
                if needle.isEmpty { continue }
                if !needle.withUTF8({ SearchableText.offset(of: UnsafeRawBufferPointer($0), in: text) != nil }) { return false }
            }
            return true
        }
    }

    /// Whether a segment's text has letters the tokenizer folds to ASCII (U+00C0–U+027F,
    /// U+1E00–U+1EFF): such a segment may hold an English term its bytes do not show.
    static func folds(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool { bytes.contains { ($0 >= 0xC3 && $0 <= 0xC9) || $0 == 0xE1 } }

    /// The segments that hold every group (or, unless `requireAll`, any), best first, with
    /// their scores. `averages` are the document's mean segment lengths per column.
    func rank(_ segments: [SegmentText], requireAll: Bool, averages: [Double]) -> [(SegmentText, Double)] {
        var ranked: [(SegmentText, Double)] = []
        for var segment in segments {
            if let (score, match) = score(segment, requireAll: requireAll, averages: averages) {
                segment.match = match
                ranked.append((segment, score))
            }
        }
        return ranked.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.rowid < $1.0.rowid }
    }

    private func score(_ segment: SegmentText, requireAll: Bool, averages: [Double]) -> (Double, Range<Int>?)? {
        let text = segment.text
        let lowered = SearchableText(lowercasing: text)
        // A segment with letters the tokenizer folds is tokenized whatever its bytes.
        let foldable = segment.folds
        var tokens: TokenMatches? = nil
        var score = 0.0
        var matched = 0
        // Where each group first matches; the highlight is the earliest, joined with the next
        // ones that follow it with at most two bytes between (a query's words side by side).
        var places: [Range<Int>] = []
        func found(_ range: Range<Int>?) { if let range { places.append(range) } }
        for (index, _) in groups.enumerated() {
            var frequency = 0
            var length = 0
            let column: TermColumn
            if let han = han[index] {
                column = TermColumn(of: han.count == 1 ? han : String(han.prefix(2)))
                // Every start counts (a phrase may overlap itself, as FTS5 counts it).
                var offset = 0
                while let hit = lowered.offset(of: han, from: offset) {
                    if frequency == 0 { found(hit..<(hit + han.utf8.count)) }
                    frequency += 1
                    offset = hit + 1
                }
                if frequency > 0 {
                    length = column == .unigrams ? segment.hanLength : max(1, segment.hanLength - 1)
                }
            } else {
                column = .english
                length = segment.englishLength
                if let needle = needles[index], !foldable, !lowered.contains(needle) {
                    frequency = 0
                } else if let needle = needles[index], !foldable, termIndexes[index].count == 1,
                    let (count, range) = Self.tokenOccurrences(of: needle, in: lowered, prefix: terms[termIndexes[index][0]].prefix)
                {
                    // A word or prefix is counted where it stands as a token, without tokenizing.
                    frequency = count
                    found(range)
                } else {
                    if tokens == nil { tokens = TokenMatches(text, terms: terms, tokenizer: tokenizer) }
                    let (count, range) = tokens!.frequency(of: termIndexes[index])
                    frequency = count
                    if length == 0 { length = tokens!.count }
                    found(range)
                }
            }
            if frequency == 0 {
                if requireAll { return nil }
                continue
            }
            matched += 1
            let tf = Double(frequency)
            let norm = SearchIndex.k1 * (1 - SearchIndex.b + SearchIndex.b * Double(length) / averages[column.rawValue])
            score += weights[index] * tf * (SearchIndex.k1 + 1) / (tf + norm)
        }
        places.sort { $0.lowerBound < $1.lowerBound }
        var first = places.first
        for place in places.dropFirst() {
            guard let current = first, place.lowerBound >= current.lowerBound, place.lowerBound <= current.upperBound + 2 else { break }
            first = current.lowerBound..<max(current.upperBound, place.upperBound)
        }
        return matched > 0 || !requireAll ? (score, first) : nil
    }

    /// How often ASCII `needle` occurs in lower-cased `text` as a token of its own (or, for a
    /// prefix, at a token's start), and where first; nil when a neighbouring character is one
    /// `QuickTokens` does not know (the caller then tokenizes).
    static func tokenOccurrences(of needle: String, in lowered: SearchableText, prefix: Bool) -> (Int, Range<Int>?)? {
        let text = lowered.bytes
        let size = needle.utf8.count
        func isWordByte(_ byte: UInt8) -> Bool { byte >= 0x61 && byte <= 0x7A || byte >= 0x30 && byte <= 0x39 }
        /// Whether the character ending before `end` (or starting at `start`) separates tokens.
        func separates(before end: Int) -> Bool? {
            guard end > 0 else { return true }
            if text[end - 1] < 0x80 { return !isWordByte(text[end - 1]) }
            var start = end - 1
            while start > 0 && text[start] & 0xC0 == 0x80 { start -= 1 }
            return separates(at: start)
        }
        func separates(at start: Int) -> Bool? {
            guard start < text.count else { return true }
            if text[start] < 0x80 { return !isWordByte(text[start]) }
            return text.withUnsafeBufferPointer { bytes in
                QuickTokens.kind(at: start, in: bytes).map { $0 == .separator }
            }
        }
        var count = 0
        var first: Range<Int>? = nil
        var offset = 0
        while let hit = lowered.offset(of: needle, from: offset) {
            offset = hit + 1
            guard let left = separates(before: hit) else { return nil }
            guard left else { continue }
            if !prefix {
                guard let right = separates(at: hit + size) else { return nil }
                guard right else { continue }
            }
            if first == nil {
                var end = hit + size
                while prefix && end < text.count && isWordByte(text[end]) { end += 1 }
                first = hit..<end
            }
            count += 1
        }
        return (count, first)
    }
}

/// A segment's English tokens as the tokenizer gives them, each as the set of query terms it
/// matches (a bit per term, up to 64; no token is copied into a string).
struct TokenMatches {
    private(set) var masks: [UInt64] = []
    /// Each token's place in the text (UTF-8 offsets).
    private(set) var places: [Range<Int>] = []
    var count: Int { masks.count }

    init(_ text: String, terms: [(bytes: [UInt8], prefix: Bool)], tokenizer: any FTS5Tokenizer) {
        let terms = Array(terms.prefix(64))
        var masks: [UInt64] = []
        var places: [Range<Int>] = []
        TermCounts.englishTokenBytes(text, tokenizer: tokenizer, for: .document, keepingHan: true) { token, place in
            var mask: UInt64 = 0
            for (index, term) in terms.enumerated() {
                let size = term.bytes.count
                guard term.prefix ? token.count >= size : token.count == size else { continue }
                if term.bytes.withUnsafeBytes({ memcmp(token.baseAddress!, $0.baseAddress!, size) }) == 0 { mask |= 1 << UInt64(index) }
            }
            masks.append(mask)
            places.append(place)
        }
        self.masks = masks
        self.places = places
    }

    /// How often the terms `indexes` occur one after another (a term's occurrences, for one),
    /// and where they first do.
    func frequency(of indexes: [Int]) -> (Int, Range<Int>?) {
        guard let first = indexes.first, indexes.allSatisfy({ $0 < 64 }), masks.count >= indexes.count else { return (0, nil) }
        var count = 0
        var place: Range<Int>? = nil
        for start in 0...(masks.count - indexes.count) where masks[start] & (1 << UInt64(first)) != 0 {
            var whole = true
            for (offset, index) in indexes.enumerated().dropFirst() where masks[start + offset] & (1 << UInt64(index)) == 0 {
                whole = false
                break
            }
            if whole {
                if count == 0 { place = places[start].lowerBound..<places[start + indexes.count - 1].upperBound }
                count += 1
            }
        }
        return (count, place)
    }
}
