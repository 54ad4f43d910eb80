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
    /// with the topic each belongs to.
    let needles: NeedleSet
    let owners: [Int]

    init(topics: [TopicClass]) {
        self.topics = topics
        var keywords: [String] = []
        var owners: [Int] = []
        for (index, topic) in topics.enumerated() {
            for keyword in topic.englishKeywords + topic.chineseKeywords where !keyword.isEmpty {
                keywords.append(keyword.lowercased())
                owners.append(index)
            }
        }
        needles = NeedleSet(keywords)
        self.owners = owners
    }

    func rank(title: String, synopsis: String, terms: String, body: SearchableText, lesson: Int?) -> [String] {
        let fields = [
            (SearchableText(lowercasing: title), 6.0), (SearchableText(lowercasing: synopsis), 3.0),
            (SearchableText(lowercasing: terms), 2.0), (body, 1.0)
        ]
        var scores = [Double](repeating: 0, count: topics.count)
        for (text, weight) in fields {
            for (index, count) in needles.counts(in: text, limit: 10).enumerated() where count > 0 {
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
