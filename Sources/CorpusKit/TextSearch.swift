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

/// Many needles found in one pass over a text: the needles are bucketed by their first two
/// bytes (65,537 starts), so each position of the text looks only at the needles that begin
/// there, instead of one pass per needle. Needles are lower-cased ASCII-wise, like
/// `SearchableText`.
public struct NeedleSet: Sendable {
    public let needles: [[UInt8]]
    /// Needles of two bytes or more by their first two bytes, as offsets into `bucketItems`.
    let bucketStarts: [Int32]
    let bucketItems: [Int32]
    /// One bit per two-byte key that begins a needle: 8 KB, which stays in the first-level cache
    /// where `bucketStarts` (256 KB) does not; most positions of a text stop here.
    let bigrams: [UInt64]
    /// Each bucket item's first four bytes (little-endian, zero beyond a shorter needle) and the
    /// mask of the bytes it has: one comparison rejects most candidates before `memcmp`.
    let itemPrefixes: [UInt32]
    let itemMasks: [UInt32]
    /// One-byte needles, counted the simple way.
    let shortNeedles: [Int]

    public init(_ needles: [String]) {
        self.init(lowered: needles.map { needle in needle.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 } })
    }

    /// The needles of `sets`, in order: one pass over a text counts them all, and its counts
    /// are each set's counts one after the other.
    public init(concatenating sets: [NeedleSet]) {
        self.init(lowered: sets.flatMap(\.needles))
    }

    private init(lowered needles: [[UInt8]]) {
        var counts = [Int32](repeating: 0, count: 65_537)
        for needle in needles where needle.count >= 2 { counts[Int(needle[0]) << 8 | Int(needle[1])] += 1 }
        var starts = [Int32](repeating: 0, count: 65_537)
        var bigrams = [UInt64](repeating: 0, count: 1_024)
        var running: Int32 = 0
        for key in 0..<65_536 {
            starts[key] = running
            running += counts[key]
            if counts[key] > 0 { bigrams[key >> 6] |= 1 << UInt64(key & 63) }
        }
        starts[65_536] = running
        var items = [Int32](repeating: 0, count: Int(running))
        var prefixes = [UInt32](repeating: 0, count: Int(running))
        var masks = [UInt32](repeating: 0, count: Int(running))
        var fill = starts
        for (index, needle) in needles.enumerated() where needle.count >= 2 {
            let key = Int(needle[0]) << 8 | Int(needle[1])
            let slot = Int(fill[key])
            items[slot] = Int32(index)
            for (place, byte) in needle.prefix(4).enumerated() {
                prefixes[slot] |= UInt32(byte) << (8 * UInt32(place))
                masks[slot] |= 0xFF << (8 * UInt32(place))
            }
            fill[key] += 1
        }
        self.needles = needles
        bucketStarts = starts
        bucketItems = items
        self.bigrams = bigrams
        itemPrefixes = prefixes
        itemMasks = masks
        shortNeedles = needles.indices.filter { !needles[$0].isEmpty && needles[$0].count < 2 }
    }

    /// Non-overlapping occurrences of every needle in `text`, each stopping at `limit`: the
    /// same counts `SearchableText.count` gives needle by needle (an empty needle counts 0).
    public func counts(in text: SearchableText, limit: Int) -> [Int] {
        var found = [Int](repeating: 0, count: needles.count)
        var nextAllowed = [Int](repeating: 0, count: needles.count)
        text.bytes.withUnsafeBufferPointer { bytes in
            guard bytes.count >= 2, let base = bytes.baseAddress else { return }
            bigrams.withUnsafeBufferPointer { bigrams in
                bucketStarts.withUnsafeBufferPointer { starts in
                    bucketItems.withUnsafeBufferPointer { items in
                        itemPrefixes.withUnsafeBufferPointer { prefixes in
                            itemMasks.withUnsafeBufferPointer { masks in
                                found.withUnsafeMutableBufferPointer { found in
                                    nextAllowed.withUnsafeMutableBufferPointer { nextAllowed in
                                        for offset in 0..<(bytes.count - 1) {
                                            let key = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
                                            guard bigrams[key >> 6] & (1 << UInt64(key & 63)) != 0 else { continue }
                                            // The text's next four bytes (fewer at its end).
                                            var word: UInt32 = 0
                                            if offset + 4 <= bytes.count {
                                                word = UnsafeRawPointer(base + offset).loadUnaligned(as: UInt32.self).littleEndian
                                            } else {
                                                for place in 0..<(bytes.count - offset) {
                                                    word |= UInt32(bytes[offset + place]) << (8 * UInt32(place))
                                                }
                                            }
                                            for slot in Int(starts[key])..<Int(starts[key + 1]) {
                                                guard word & masks[slot] == prefixes[slot] else { continue }
                                                let index = Int(items[slot])
                                                if offset < nextAllowed[index] || found[index] >= limit { continue }
                                                let same = needles[index].withUnsafeBufferPointer { needle in
                                                    offset + needle.count <= bytes.count
                                                        && (needle.count <= 4
                                                            || memcmp(base + offset + 4, needle.baseAddress! + 4, needle.count - 4) == 0)
                                                }
                                                if same {
                                                    found[index] += 1
                                                    nextAllowed[index] = offset + needles[index].count
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
        }
        for index in shortNeedles { found[index] = text.count(String(decoding: needles[index], as: UTF8.self), limit: limit) }
        return found
    }

    /// Whether each needle occurs in `text` at all.
    public func occurrences(in text: SearchableText) -> [Bool] { counts(in: text, limit: 1).map { $0 > 0 } }
}

/// Han characters (CJK Unified Ideographs and Extensions A and B): what "Chinese" means for
/// language detection, term checks and the bigram search index.
public enum Han {
    public static func contains(_ scalar: Unicode.Scalar) -> Bool {
        (0x4E00...0x9FFF).contains(scalar.value) || (0x3400...0x4DBF).contains(scalar.value) || (0x20000...0x2A6DF).contains(scalar.value)
    }

    public static func occurs(in text: String) -> Bool { text.unicodeScalars.contains(where: contains) }
}

extension String {
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
