import CorpusKit
import Foundation

/// Ranks the topic classes of `lexicon.toml` by weighted keyword evidence: a keyword in the
/// title counts 6, in the synopsis 3, in the terminology 2, in the body 1 per occurrence
/// (capped, so one long page cannot drown the rest). A lesson's own class (by its series number)
/// counts as title evidence twice over.
struct TopicRanker {
    let topics: [TopicClass]
    static let minimumScore = 3.0

    func rank(title: String, synopsis: String, terms: String, body: String, lesson: Int?) -> [String] {
        let fields = [
            (SearchableText(lowercasing: title), 6.0), (SearchableText(lowercasing: synopsis), 3.0),
            (SearchableText(lowercasing: terms), 2.0), (SearchableText(lowercasing: body), 1.0)
        ]
        var scored: [(slug: String, score: Double)] = []
        for topic in topics {
            var score = 0.0
            for keyword in topic.englishKeywords + topic.chineseKeywords {
                let needle = keyword.lowercased()
                guard !needle.isEmpty else { continue }
                for (text, weight) in fields {
                    score += weight * Double(text.count(needle, limit: 10))
                }
            }
            if let lesson, lesson == topic.lesson { score += 1000 }
            if score >= Self.minimumScore { scored.append((topic.slug, score)) }
        }
        return scored.sorted { $0.score != $1.score ? $0.score > $1.score : $0.slug < $1.slug }.map(\.slug)
    }

}
