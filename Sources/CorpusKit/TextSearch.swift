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
        bytes = text.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
    }

    public func contains(_ needle: String) -> Bool {
        count(needle, limit: 1) > 0
    }

    /// Non-overlapping occurrences of `needle` (already lower-case), stopping at `limit`.
    public func count(_ needle: String, limit: Int = .max) -> Int {
        let pattern = needle.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
        guard !pattern.isEmpty, pattern.count <= bytes.count else { return 0 }
        return bytes.withUnsafeBytes { haystack in
            pattern.withUnsafeBytes { wanted in
                var found = 0
                var offset = 0
                let first = Int32(pattern[0])
                let base = haystack.baseAddress!
                while found < limit, offset + wanted.count <= haystack.count,
                    let hit = memchr(base + offset, first, haystack.count - offset - wanted.count + 1)
                {
                    let position = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(hit, wanted.baseAddress!, wanted.count) == 0 {
                        found += 1
                        offset = position + wanted.count
                    } else {
                        offset = position + 1
                    }
                }
                return found
            }
        }
    }
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
