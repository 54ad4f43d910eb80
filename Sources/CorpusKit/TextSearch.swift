import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Exact substring search on UTF-8 bytes (`memchr` + `memcmp`): the classifier and validator
/// look for many phrases in long texts, and Foundation's `range(of:)` folds characters one by
/// one (measured at 85% of an ingest before this existed).
public struct SearchableText: Sendable {
    public let bytes: [UInt8]

    /// Lower-cases the text's ASCII letters once (phrases and keywords are matched
    /// ASCII-case-insensitively; Chinese has no case); search for needles lower-cased the same way.
    public init(lowercasing text: String) {
        var text = text
        bytes = text.withUTF8 { source in
            [UInt8](unsafeUninitializedCapacity: source.count) { target, count in
                Self.lowercase(UnsafeRawBufferPointer(source), into: UnsafeMutableRawBufferPointer(target))
                count = source.count
            }
        }
    }

    /// Lower-cased as `init(lowercasing:)` does, and traditional Chinese characters folded to
    /// simplified ones (`HanFold`): what the classifier matches its simplified lexicon against.
    /// Pinyin glosses that some reprints leave inside the words (數(shù)字, "shù" after 數) are
    /// dropped first. Byte offsets into the text do not carry over to a text that had glosses.
    public init(matching text: String) {
        var folded = SearchableText(lowercasing: text).bytes
        HanFold.dropPinyinGlosses(&folded)
        HanFold.fold(&folded)
        bytes = folded
    }

    /// Lower-cases the ASCII letters of `source` into the first `source.count` bytes of `target`,
    /// as `init(lowercasing:)` does (for callers that hold bytes, not a String).
    public static func lowercase(_ source: UnsafeRawBufferPointer, into target: UnsafeMutableRawBufferPointer) {
        precondition(target.count >= source.count)
        // Branch-free, so the compiler vectorizes it: a byte in A…Z gains 0x20.
        for index in 0..<source.count {
            let byte = source[index]
            target[index] = byte &+ (byte &- 0x41 < 26 ? 0x20 : 0)
        }
    }

    /// Where `pattern` first occurs in `haystack` at or after byte `start` (`memchr` for its
    /// first byte, then `memcmp`); nil for an empty pattern.
    public static func offset(of pattern: UnsafeRawBufferPointer, in haystack: UnsafeRawBufferPointer, from start: Int = 0)
        -> Int?
    {
        guard let first = pattern.first, let wanted = pattern.baseAddress, let base = haystack.baseAddress,
            start >= 0, start + pattern.count <= haystack.count
        else { return nil }
        var offset = start
        while offset + pattern.count <= haystack.count,
            let hit = memchr(base + offset, Int32(first), haystack.count - offset - pattern.count + 1)
        {
            let position = base.distance(to: UnsafeRawPointer(hit))
            if memcmp(hit, wanted, pattern.count) == 0 { return position }
            offset = position + 1
        }
        return nil
    }

    public func contains(_ needle: String) -> Bool {
        count(needle, limit: 1) > 0
    }

    /// Non-overlapping occurrences of `needle` (already lower-case), stopping at `limit`.
    public func count(_ needle: String, limit: Int = .max) -> Int {
        let pattern = Self.lowercased(needle)
        var found = 0
        var start = 0
        while found < limit, let hit = offset(of: pattern, from: start) {
            found += 1
            start = hit + pattern.count
        }
        return found
    }

    /// Where `needle` (lower-cased the same way) first occurs at or after byte `start`.
    public func offset(of needle: String, from start: Int = 0) -> Int? {
        offset(of: Self.lowercased(needle), from: start)
    }

    private static func lowercased(_ needle: String) -> [UInt8] {
        needle.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
    }

    private func offset(of pattern: [UInt8], from start: Int) -> Int? {
        bytes.withUnsafeBytes { haystack in pattern.withUnsafeBytes { Self.offset(of: $0, in: haystack, from: start) } }
    }
}

/// Many needles found in one pass over a text, instead of one pass per needle. Needles are
/// lower-cased ASCII-wise, like `SearchableText`. At each position of the text, needles of four
/// bytes or more are looked up by a hash of the text's next four bytes and shorter ones by its
/// next two, each first in a bitmap of 8 KB (which stays in the first-level cache), where most
/// positions stop: a lexicon's keywords begin with most of English's common letter pairs, so
/// two bytes alone let half the positions of a page through to a bucket.
public struct NeedleSet: Sendable {
    public let needles: [[UInt8]]
    /// Needles of four bytes or more, by `hash` of their first four bytes: one bit per hash
    /// value, and buckets of 16 hash values (offsets into `longItems`, each item's exact first
    /// four bytes beside it).
    let longBits: [UInt64]
    let longStarts: [Int32]
    let longItems: [Int32]
    let longPrefixes: [UInt32]
    /// Needles of two or three bytes, by their first two bytes: one bit per key, and buckets.
    let shortBits: [UInt64]
    let shortStarts: [Int32]
    let shortItems: [Int32]
    /// One-byte needles, counted the simple way.
    let oneByteNeedles: [Int]

    public init(_ needles: [String]) {
        self.init(lowered: needles.map { needle in needle.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 } })
    }

    /// The needles of `sets`, in order: one pass over a text counts them all, and its counts
    /// are each set's counts one after the other.
    public init(concatenating sets: [NeedleSet]) {
        self.init(lowered: sets.flatMap(\.needles))
    }

    /// 16 bits of a four-byte word (little-endian), multiplicative.
    @inline(__always) static func hash(_ word: UInt32) -> Int { Int((word &* 0x9E37_79B1) >> 16) }

    @inline(__always) static func word(_ bytes: UnsafePointer<UInt8>) -> UInt32 {
        UnsafeRawPointer(bytes).loadUnaligned(as: UInt32.self).littleEndian
    }

    private init(lowered needles: [[UInt8]]) {
        self.needles = needles
        /// Bits and buckets of `keys` (needle index, key): buckets are `key >> shift`.
        func table(_ keys: [(Int, Int)], keySpace: Int, shift: Int) -> (bits: [UInt64], starts: [Int32], items: [Int32]) {
            var bits = [UInt64](repeating: 0, count: keySpace / 64)
            var starts = [Int32](repeating: 0, count: (keySpace >> shift) + 1)
            for (_, key) in keys {
                bits[key >> 6] |= 1 << UInt64(key & 63)
                starts[(key >> shift) + 1] += 1
            }
            for bucket in 0..<(keySpace >> shift) { starts[bucket + 1] += starts[bucket] }
            var fill = starts
            var items = [Int32](repeating: 0, count: keys.count)
            for (index, key) in keys {
                items[Int(fill[key >> shift])] = Int32(index)
                fill[key >> shift] += 1
            }
            return (bits, starts, items)
        }
        var long: [(Int, Int)] = []
        var short: [(Int, Int)] = []
        for (index, needle) in needles.enumerated() {
            if needle.count >= 4 {
                long.append((index, needle.withUnsafeBufferPointer { Self.hash(Self.word($0.baseAddress!)) }))
            } else if needle.count >= 2 {
                short.append((index, Int(needle[0]) << 8 | Int(needle[1])))
            }
        }
        (longBits, longStarts, longItems) = table(long, keySpace: 1 << 16, shift: 4)
        longPrefixes = longItems.map { index in needles[Int(index)].withUnsafeBufferPointer { Self.word($0.baseAddress!) } }
        (shortBits, shortStarts, shortItems) = table(short, keySpace: 1 << 16, shift: 0)
        oneByteNeedles = needles.indices.filter { needles[$0].count == 1 }
    }

    /// Non-overlapping occurrences of every needle in `text`, each stopping at `limit`: the
    /// same counts `SearchableText.count` gives needle by needle (an empty needle counts 0).
    public func counts(in text: SearchableText, limit: Int) -> [Int] {
        var found = [Int](repeating: 0, count: needles.count)
        var nextAllowed = [Int](repeating: 0, count: needles.count)
        let anyShort = !shortItems.isEmpty
        text.bytes.withUnsafeBufferPointer { bytes in
            guard bytes.count >= 2, let base = bytes.baseAddress else { return }
            found.withUnsafeMutableBufferPointer { found in
                nextAllowed.withUnsafeMutableBufferPointer { nextAllowed in
                    /// Counts needle `index` at `offset` when its bytes past the first `known` are there.
                    @inline(__always) func take(_ index: Int, at offset: Int, known: Int) {
                        if offset < nextAllowed[index] || found[index] >= limit { return }
                        let same = needles[index].withUnsafeBufferPointer { needle in
                            offset + needle.count <= bytes.count
                                && (needle.count <= known
                                    || memcmp(base + offset + known, needle.baseAddress! + known, needle.count - known) == 0)
                        }
                        if same {
                            found[index] += 1
                            nextAllowed[index] = offset + needles[index].count
                        }
                    }
                    longBits.withUnsafeBufferPointer { longBits in
                        longStarts.withUnsafeBufferPointer { longStarts in
                            longItems.withUnsafeBufferPointer { longItems in
                                longPrefixes.withUnsafeBufferPointer { longPrefixes in
                                    shortBits.withUnsafeBufferPointer { shortBits in
                                        for offset in 0..<(bytes.count - 1) {
                                            if offset + 4 <= bytes.count {
                                                let word = Self.word(base + offset)
                                                let hash = Self.hash(word)
                                                if longBits[hash >> 6] & (1 << UInt64(hash & 63)) != 0 {
                                                    for slot in Int(longStarts[hash >> 4])..<Int(longStarts[(hash >> 4) + 1])
                                                    where longPrefixes[slot] == word {
                                                        take(Int(longItems[slot]), at: offset, known: 4)
                                                    }
                                                }
                                            }
                                            guard anyShort else { continue }
                                            let key = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
                                            guard shortBits[key >> 6] & (1 << UInt64(key & 63)) != 0 else { continue }
                                            for slot in Int(shortStarts[key])..<Int(shortStarts[key + 1]) {
                                                take(Int(shortItems[slot]), at: offset, known: 2)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        for index in oneByteNeedles { found[index] = text.count(String(decoding: needles[index], as: UTF8.self), limit: limit) }
        return found
    }

    /// Whether each needle occurs in `text` at all.
    public func occurrences(in text: SearchableText) -> [Bool] { counts(in: text, limit: 1).map { $0 > 0 } }
}

/// Han characters (CJK Unified Ideographs, Extensions A to F, the compatibility ideographs and
/// their supplement): what "Chinese" means for language detection, term checks, the site and the
/// bigram search index.
public enum Han {
    public static func contains(_ scalar: Unicode.Scalar) -> Bool {
        (0x4E00...0x9FFF).contains(scalar.value) || (0x3400...0x4DBF).contains(scalar.value)
            || (0xF900...0xFAFF).contains(scalar.value) || (0x20000...0x2FA1F).contains(scalar.value)
    }

    public static func occurs(in text: String) -> Bool { text.unicodeScalars.contains(where: contains) }

    /// Whether a passage reads as Chinese: it has Han characters, at least half as many as
    /// Latin letters.
    public static func isChinese(_ text: String) -> Bool {
        var han = 0
        var latin = 0
        for scalar in text.unicodeScalars {
            if contains(scalar) {
                han += 1
            } else if scalar.properties.isAlphabetic && scalar.value < 0x0250 {
                latin += 1
            }
        }
        return han > 0 && han * 2 >= latin
    }
}

extension StringProtocol {
    /// Where `needle` first occurs, compared as UTF-8 bytes (`memchr`, then `memcmp`), or nil.
    /// Foundation's `range(of:)` converts both to UTF-16 first: on a page's JSON-LD that cost
    /// 2% of cleaning it.
    public func firstRange(ofBytes needle: String) -> Range<Index>? {
        var needle = needle
        let found = needle.withUTF8 { wanted in
            utf8.withContiguousStorageIfAvailable { bytes in
                SearchableText.offset(of: UnsafeRawBufferPointer(wanted), in: UnsafeRawBufferPointer(bytes))
            }
        }
        switch found {
        case .some(.some(let offset)):
            let lower = utf8.index(utf8.startIndex, offsetBy: offset)
            return lower..<utf8.index(lower, offsetBy: needle.utf8.count)
        case .some(.none):
            return nil
        case .none:
            return range(of: needle)
        }
    }

    /// Whether `needle` occurs, compared as UTF-8 bytes.
    public func containsBytes(_ needle: String) -> Bool { firstRange(ofBytes: needle) != nil }
}

extension String {
    /// The number of Unicode scalars, counted from the UTF-8 bytes (every byte but a
    /// continuation byte starts one): `unicodeScalars.count` decodes each scalar to count it.
    public var scalarCount: Int {
        var text = self
        return text.withUTF8 { bytes in
            var count = 0
            for byte in bytes where byte & 0xC0 != 0x80 { count += 1 }
            return count
        }
    }

    /// The pieces between non-overlapping occurrences of `separator`, left to right, empty pieces
    /// kept: `components(separatedBy:)` for a literal separator, compared as UTF-8 bytes.
    /// Foundation's compares character by character and cost 10% of an ingest in the search
    /// index alone.
    public func pieces(separatedBy separator: String) -> [String] {
        var text = self
        var separator = separator
        return text.withUTF8 { bytes in
            separator.withUTF8 { wanted in
                guard !wanted.isEmpty, let base = bytes.baseAddress else { return [self] }
                var pieces: [String] = []
                var start = 0
                var offset = 0
                let first = Int32(wanted[0])
                while offset + wanted.count <= bytes.count,
                    let hit = memchr(base + offset, first, bytes.count - offset - wanted.count + 1)
                {
                    let position = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    if memcmp(hit, wanted.baseAddress!, wanted.count) == 0 {
                        pieces.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self))
                        start = position + wanted.count
                        offset = start
                    } else {
                        offset = position + 1
                    }
                }
                pieces.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start...]), as: UTF8.self))
                return pieces
            }
        }
    }
}
