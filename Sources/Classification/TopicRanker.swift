import CorpusKit
import Foundation

/// Ranks the topic classes of `lexicon.toml` by weighted keyword evidence: a keyword in the
/// title counts 6, in the synopsis 3, in the terminology 2, in the body 1 per occurrence
/// (capped, so one long page cannot drown the rest). A lesson's own class (by its series number)
/// counts as title evidence twice over.
struct TopicRanker: Sendable {
    let topics: [TopicClass]
    static let minimumScore = 3.0

    /// Every topic's keywords (English and Chinese, duplicates kept, as the scores count them),
    /// lower-cased bytes, with the topic each belongs to.
    let needles: [[UInt8]]
    let owners: [Int]
    /// Needles of two bytes or more by their first two bytes, as offsets into `bucketItems`
    /// (65,537 starts): one pass over a field finds every keyword, instead of one pass per keyword.
    let bucketStarts: [Int32]
    let bucketItems: [Int32]
    /// One-byte needles, counted the simple way.
    let shortNeedles: [Int]

    init(topics: [TopicClass]) {
        self.topics = topics
        var needles: [[UInt8]] = []
        var owners: [Int] = []
        for (index, topic) in topics.enumerated() {
            for keyword in topic.englishKeywords + topic.chineseKeywords {
                let needle = keyword.lowercased().utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
                guard !needle.isEmpty else { continue }
                needles.append(needle)
                owners.append(index)
            }
        }
        var counts = [Int32](repeating: 0, count: 65_537)
        for needle in needles where needle.count >= 2 { counts[Int(needle[0]) << 8 | Int(needle[1])] += 1 }
        var starts = [Int32](repeating: 0, count: 65_537)
        var running: Int32 = 0
        for key in 0..<65_536 {
            starts[key] = running
            running += counts[key]
        }
        starts[65_536] = running
        var items = [Int32](repeating: 0, count: Int(running))
        var fill = starts
        for (index, needle) in needles.enumerated() where needle.count >= 2 {
            let key = Int(needle[0]) << 8 | Int(needle[1])
            items[Int(fill[key])] = Int32(index)
            fill[key] += 1
        }
        self.needles = needles
        self.owners = owners
        bucketStarts = starts
        bucketItems = items
        shortNeedles = needles.indices.filter { needles[$0].count < 2 }
    }

    /// Non-overlapping occurrences of every needle in `text`, each stopping at `limit`: the
    /// same counts `SearchableText.count` gives needle by needle.
    func counts(in text: SearchableText, limit: Int) -> [Int] {
        var found = [Int](repeating: 0, count: needles.count)
        var nextAllowed = [Int](repeating: 0, count: needles.count)
        text.bytes.withUnsafeBufferPointer { bytes in
            guard bytes.count >= 2, let base = bytes.baseAddress else { return }
            for offset in 0..<(bytes.count - 1) {
                let key = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
                let start = Int(bucketStarts[key])
                let end = Int(bucketStarts[key + 1])
                if start == end { continue }
                for slot in start..<end {
                    let index = Int(bucketItems[slot])
                    if offset < nextAllowed[index] || found[index] >= limit { continue }
                    let needle = needles[index]
                    guard offset + needle.count <= bytes.count else { continue }
                    let same = needle.withUnsafeBufferPointer { memcmp(base + offset, $0.baseAddress!, needle.count) == 0 }
                    if same {
                        found[index] += 1
                        nextAllowed[index] = offset + needle.count
                    }
                }
            }
        }
        for index in shortNeedles { found[index] = text.count(String(decoding: needles[index], as: UTF8.self), limit: limit) }
        return found
    }

    func rank(title: String, synopsis: String, terms: String, body: String, lesson: Int?) -> [String] {
        let fields = [
            (SearchableText(lowercasing: title), 6.0), (SearchableText(lowercasing: synopsis), 3.0),
            (SearchableText(lowercasing: terms), 2.0), (SearchableText(lowercasing: body), 1.0)
        ]
        var scores = [Double](repeating: 0, count: topics.count)
        for (text, weight) in fields {
            for (index, count) in counts(in: text, limit: 10).enumerated() where count > 0 {
                scores[owners[index]] += weight * Double(count)
            }
        }
        var scored: [(slug: String, score: Double)] = []
        for (index, topic) in topics.enumerated() {
            var score = scores[index]
            if let lesson, lesson == topic.lesson { score += 1000 }
            if score >= Self.minimumScore { scored.append((topic.slug, score)) }
        }
        return scored.sorted { $0.score != $1.score ? $0.score > $1.score : $0.slug < $1.slug }.map(\.slug)
    }
}
