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

    /// How many occurrences of one keyword count in one field (the body included).
    static let keywordLimit = 10

    /// `bodyCounts`: `needles`' counts in the body (at most `keywordLimit` each), which the
    /// classifier finds in its one pass over the page.
    /// `aboutSubject`: the page is about Digital China; when no class reaches `minimumScore`, its
    /// best-scored class counts, and with none at all it is about the whole (`overview`).
    func rank(title: String, synopsis: String, terms: String, bodyCounts: ArraySlice<Int>, lesson: Int?, aboutSubject: Bool = false)
        -> [String]
    {
        let fields = [(title, 6.0), (synopsis, 3.0), (terms, 2.0)]
        var scores = [Double](repeating: 0, count: topics.count)
        func add(_ counts: some Collection<Int>, weight: Double) {
            for (index, count) in counts.enumerated() where count > 0 { scores[owners[index]] += weight * Double(count) }
        }
        for (text, weight) in fields {
            add(needles.counts(in: SearchableText(matching: text), limit: Self.keywordLimit), weight: weight)
        }
        add(bodyCounts, weight: 1)
        var scored: [(slug: String, score: Double)] = []
        for (index, topic) in topics.enumerated() {
            var score = scores[index]
            if let lesson, lesson == topic.lesson { score += 1000 }
            if score >= Self.minimumScore { scored.append((topic.slug, score)) }
        }
        if scored.isEmpty, aboutSubject {
            if let best = scores.indices.filter({ scores[$0] > 0 }).max(by: {
                scores[$0] < scores[$1] || scores[$0] == scores[$1] && $0 > $1
            }) {
                return [topics[best].slug]
            }
            return topics.first { $0.lesson == 1 }.map { [$0.slug] } ?? []
        }
        return scored.sorted { $0.score != $1.score ? $0.score > $1.score : $0.slug < $1.slug }.map(\.slug)
    }
}
