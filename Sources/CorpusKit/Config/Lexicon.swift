import Foundation

/// A topic class of the "2522" layout with its keywords in both languages.
public struct TopicClass: Sendable, Equatable {
    public var slug: String
    public var zh: String
    public var lesson: Int
    public var englishKeywords: [String]
    public var chineseKeywords: [String]
}

/// A phrase that counts as evidence for a document kind.
public struct KindRule: Sendable, Equatable {
    public var kind: DocumentKind
    public var phrase: String
    public var weight: Double
    public var zone: Zone = .text

    /// Where a rule's phrase must stand to count.
    public enum Zone: String, Sendable, Equatable, CaseIterable {
        /// Anywhere in the text, the page title, its heading or dateline.
        case text
        /// Anywhere in the document's headline (its page title, first heading or title line).
        case title
        /// At the start of the headline ("Translation:").
        case titleStart = "title-start"
        /// At the start of a line of the text, after white space ("一、", "Article 1").
        case lineStart = "line-start"
    }

    public init(kind: DocumentKind, phrase: String, weight: Double, zone: Zone = .text) {
        self.kind = kind
        self.phrase = phrase
        self.weight = weight
        self.zone = zone
    }
}

/// What makes a page part of this corpus, from `[evidence]` in `Config/lexicon.toml`.
public struct CorpusEvidenceRules: Sendable, Equatable {
    /// Lessons in the series: a lesson mark "of N" must say this N.
    public var seriesLength = 13
    /// The series' own name (either language): needed for `lesson` and `lesson-source`.
    public var seriesNames = ["Digital China Construction Series", "数字中国建设系列"]
    /// The publisher of the series: evidence of the corpus for every other kind.
    public var publisherNames: [String] = []
    /// Phrases naming Digital China, the Chinese state's documents and bodies.
    public var subjectPhrases: [String] = []
    /// Phrases naming the Chinese state and Party (its bodies and leaders): context, which with the
    /// subject's own vocabulary says a page is about it.
    public var contextPhrases: [String] = []
    /// Distinct subject and context phrases a page needs, one of them a subject phrase, without the
    /// series or publisher, to be a glossary, overview, policy or commentary.
    public var minimumSubjectPhrases = 2
    /// Or: distinct topic keywords (`[[topics]]`) a page needs beside one context phrase.
    public var minimumTopicKeywords = 2
    /// Names of sites the corpus meets: a copied page's first line that is one is not its title.
    public var siteNames: [String] = []
    public init() {}
}

/// Topic classes, kind rules and corpus evidence from `Config/lexicon.toml`.
public struct Lexicon: Sendable, Equatable {
    public var topics: [TopicClass] = []
    public var kindRules: [KindRule] = []
    public var evidence = CorpusEvidenceRules()
    public init() {}
}

extension CorpusConfig {
    public static func parseLexicon(_ text: String, file: String) throws -> Lexicon {
        var top = try TableReader(file: file, path: "", value: parseTOML(text, file: file))
        var lexicon = Lexicon()
        func problem(_ reason: String) -> CorpusError { CorpusError(file: file, stage: .config, reason: reason) }
        for var entry in try top.tables("topics") {
            let topic = TopicClass(
                slug: try entry.string("slug", default: nil),
                zh: try entry.string("zh", default: nil),
                lesson: try entry.int("lesson", default: 0, range: 0...13),
                englishKeywords: try entry.strings("en"),
                chineseKeywords: try entry.strings("zh_keywords"))
            try entry.finish()
            // Slugs go into records and are checked against this list: lower-case words joined by dashes.
            guard !topic.slug.isEmpty, topic.slug.first != "-",
                topic.slug.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" })
            else {
                throw problem("\(entry.path).slug \"\(topic.slug)\" must be lower-case words joined by dashes")
            }
            if lexicon.topics.contains(where: { $0.slug == topic.slug }) {
                throw problem("\(entry.path).slug \"\(topic.slug)\" is used twice")
            }
            if topic.englishKeywords.isEmpty && topic.chineseKeywords.isEmpty {
                throw problem("\(entry.path) has no keywords (en, zh_keywords): it could never match")
            }
            if topic.englishKeywords.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty })
                || topic.chineseKeywords.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty })
            {
                throw problem("\(entry.path) has an empty keyword, which would match every document")
            }
            lexicon.topics.append(topic)
        }
        if lexicon.topics.isEmpty { throw problem("topics: no [[topics]] defined; documents could not be given topics") }
        for var entry in try top.tables("kind_rules") {
            let kindName = try entry.string("kind", default: nil)
            guard let kind = DocumentKind(rawValue: kindName) else {
                throw CorpusError(file: file, stage: .config, reason: "\(entry.path).kind: unknown kind \"\(kindName)\"")
            }
            let weight = try entry.double("weight", default: 1, range: -100...100)
            let zoneName = try entry.string("zone", default: KindRule.Zone.text.rawValue)
            guard let zone = KindRule.Zone(rawValue: zoneName) else {
                let known = KindRule.Zone.allCases.map(\.rawValue).joined(separator: ", ")
                throw problem("\(entry.path).zone: unknown zone \"\(zoneName)\" (one of \(known))")
            }
            let phrases = try entry.strings("phrases")
            if phrases.isEmpty || phrases.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                throw problem("\(entry.path).phrases must be a non-empty list of non-empty phrases")
            }
            for phrase in phrases {
                lexicon.kindRules.append(KindRule(kind: kind, phrase: phrase, weight: weight, zone: zone))
            }
            try entry.finish()
        }
        if lexicon.kindRules.isEmpty { throw problem("kind_rules: no [[kind_rules]] defined; documents could not be told apart") }
        var evidence = try top.table("evidence")
        var rules = CorpusEvidenceRules()
        rules.seriesLength = try evidence.int("series_length", default: rules.seriesLength, range: 1...40)
        rules.seriesNames = try evidence.strings("series", default: rules.seriesNames)
        rules.publisherNames = try evidence.strings("publisher")
        rules.subjectPhrases = try evidence.strings("subject")
        rules.contextPhrases = try evidence.strings("context")
        rules.siteNames = try evidence.strings("site_names")
        rules.minimumSubjectPhrases = try evidence.int("min_subject_phrases", default: rules.minimumSubjectPhrases, range: 1...50)
        rules.minimumTopicKeywords = try evidence.int("min_topic_keywords", default: rules.minimumTopicKeywords, range: 1...50)
        try evidence.finish()
        if rules.seriesNames.isEmpty { throw problem("evidence.series: no series name defined; no page could be a lesson") }
        for phrase in rules.seriesNames + rules.publisherNames + rules.subjectPhrases + rules.contextPhrases
        where phrase.trimmingCharacters(in: .whitespaces).isEmpty {
            throw problem("evidence has an empty phrase, which would match every document")
        }
        lexicon.evidence = rules
        try top.finish()
        return lexicon
    }
}
