import Cleaning
import CorpusKit
import Foundation

/// A line of the document as the classifier reads it: a block split at its line breaks;
/// table rows stay whole with their cells.
struct Line {
    var text: String
    var role: BlockRole
    var cells: [String]
    /// The target of a link that makes up most of the block the line came from.
    var link: String? = nil
}

/// Turns a `CleanDocument` into a `RecordContent`. Rules and vocabularies come from
/// `Config/lexicon.toml` and `Config/pipeline.toml`; every decision lists its evidence.
public struct Classifier: Sendable {
    public let config: CorpusConfig
    public static let seriesName = "Digital China Construction Series"

    /// Built once per configuration: its keyword index is what makes ranking one pass per field.
    let ranker: TopicRanker

    /// The configuration's phrases lower-cased once (matching lower-cases them; doing it for
    /// every page cost more than the matching).
    let kindPhrases: [String]
    /// The kind rules matched anywhere in the text (their phrases are `kindPhrases`), and those
    /// matched in the headline or at a line's start, with their phrases lower-cased and folded.
    let textRules: [KindRule]
    let headRules: [(rule: KindRule, phrase: String)]
    /// The longest line-start phrase, in characters (0: no such rule).
    let lineStartLength: Int
    let seriesNames: [String]
    let publisherNames: [String]
    let subjectPhrases: [String]
    let contextPhrases: [String]
    let siteNames: Set<String>
    let boilerplateMarkers: [String]
    /// All of those phrases, then the field patterns' keywords (`PatternGate`), then the topics'
    /// keywords (`TopicRanker`): what is looked for in a page's text, found in one pass (three
    /// passes were half of classifying). The phrases come in this order: kind phrases, series
    /// names, publisher names, subject phrases, boilerplate markers.
    let bodyNeedles: NeedleSet
    let phraseCount: Int

    public init(config: CorpusConfig) {
        self.config = config
        ranker = TopicRanker(topics: config.lexicon.topics)
        textRules = config.lexicon.kindRules.filter { $0.zone == .text }
        headRules = config.lexicon.kindRules.filter { $0.zone != .text }.map { ($0, HanFold.folded($0.phrase.lowercased())) }
        kindPhrases = textRules.map { $0.phrase.lowercased() }
        lineStartLength = headRules.filter { $0.rule.zone == .lineStart }.map(\.phrase.count).max() ?? 0
        seriesNames = config.lexicon.evidence.seriesNames.map { $0.lowercased() }
        publisherNames = config.lexicon.evidence.publisherNames.map { $0.lowercased() }
        subjectPhrases = config.lexicon.evidence.subjectPhrases.map { $0.lowercased() }
        contextPhrases = config.lexicon.evidence.contextPhrases.map { $0.lowercased() }
        siteNames = Set(config.lexicon.evidence.siteNames.map { $0.lowercased() })
        boilerplateMarkers = config.pipeline.seriesBoilerplateMarkers.map { $0.lowercased() }
        let phrases = NeedleSet(kindPhrases + seriesNames + publisherNames + subjectPhrases + contextPhrases + boilerplateMarkers)
        phraseCount = phrases.needles.count
        bodyNeedles = NeedleSet(concatenating: [phrases, PatternGate.keywords.needles, ranker.needles])
    }

    public func classify(_ document: CleanDocument, sourceName: String) -> RecordContent {
        var lines = Self.lines(of: document)
        let text = document.text
        let searchable = SearchableText(matching: text)
        let (latinCount, hanCount) = Self.scriptCounts(searchable)
        let languages = Self.languages(latin: latinCount, han: hanCount)
        let chineseDominant = hanCount * 2 > latinCount

        // Kind, by weighted phrases plus the lesson markers.
        var scores: [DocumentKind: Double] = [:]
        var evidence: [DocumentKind: [String]] = [:]
        // Which configured phrases the text holds, in their order; and the counts of the field
        // patterns' and the topics' keywords, for later.
        let bodyCounts = bodyNeedles.counts(in: searchable, limit: TopicRanker.keywordLimit)
        let gateEnd = phraseCount + PatternGate.keywords.needles.needles.count
        var inText = bodyCounts[..<phraseCount].map { $0 > 0 }[...]
        func take(_ count: Int) -> ArraySlice<Bool> {
            defer { inText = inText.dropFirst(count) }
            return inText.prefix(count)
        }
        for (rule, found) in zip(textRules, take(kindPhrases.count)) where found {
            scores[rule.kind, default: 0] += rule.weight
            evidence[rule.kind, default: []].append(rule.phrase)
        }
        // The headline a reader sees first (the page's title and heading, else its first line
        // that reads as one) and the starts of lines: where a policy text, a translation or a
        // site's own page shows what it is.
        let headline = PageHead.headline(lines, siteNames: siteNames)
        for rule in matchedHeadRules(document.metadata, lines: lines) {
            scores[rule.kind, default: 0] += rule.weight
            evidence[rule.kind, default: []].append(rule.zone == .lineStart ? "line starts \(rule.phrase)" : "headline: \(rule.phrase)")
        }
        // The page title, its <h1> and the dateline under it are not main text, but they carry
        // the lesson number, the date and the source: the field parsers read them first.
        let metadataLines = [document.metadata.firstHeading, document.metadata.title, document.metadata.byline]
            .compactMap { $0 }.filter { !$0.isEmpty }
            .map { Line(text: $0, role: .paragraph, cells: []) }
        lines.insert(contentsOf: metadataLines, at: 0)
        // Evidence of this corpus, in the text and in the title, heading and dateline.
        let evidenceRules = config.lexicon.evidence
        let metadataText = SearchableText(matching: metadataLines.map(\.text).joined(separator: "\n"))
        func found(_ phrases: [String], lowered: [String]) -> [String] {
            zip(zip(phrases, lowered), take(lowered.count)).filter { $0.1 || metadataText.contains($0.0.1) }.map(\.0.0)
        }
        let corpus = CorpusEvidence(
            series: found(evidenceRules.seriesNames, lowered: seriesNames),
            publisher: found(evidenceRules.publisherNames, lowered: publisherNames),
            subjects: found(evidenceRules.subjectPhrases, lowered: subjectPhrases),
            context: found(evidenceRules.contextPhrases, lowered: contextPhrases),
            // The subject's own vocabulary: distinct topic keywords in the text.
            topicKeywords: bodyCounts[gateEnd...].filter { $0 > 0 }.count, rules: evidenceRules)
        let seriesFound = corpus.series
        let hasCorpusEvidence = corpus.isPresent
        let offTopic = corpus.offTopic
        // A lesson number counts only beside the series' name: "Lesson 1" alone is any course.
        // Every line is a piece of the text or a metadata line.
        let gate = PatternGate(textCounts: bodyCounts[phraseCount..<gateEnd], texts: [metadataText])
        var lessonMark = LessonFields.lessonNumber(lines: lines, seriesLength: evidenceRules.seriesLength, gate: gate)
        var markWithoutSeries: String? = nil
        if let mark = lessonMark, seriesFound.isEmpty {
            markWithoutSeries = mark.phrase
            lessonMark = nil
        }
        // A page that announces several lessons is about the series (a glossary, an overview),
        // unless its own title names the lesson it marks: a post whose printed or plain-text
        // copy kept the site's "related" and "recent posts" lists is still that lesson.
        let announced = lessonMark == nil ? [] : LessonFields.announcedLessons(lines: lines, seriesLength: evidenceRules.seriesLength)
        let titled = [document.metadata.title, document.metadata.firstHeading].compactMap { $0 }.compactMap {
            LessonFields.lessonNumber(lines: [Line(text: $0, role: .paragraph, cells: [])], seriesLength: evidenceRules.seriesLength)?
                .lesson
        }
        if announced.count >= 3, !(lessonMark.map { titled.contains($0.lesson) } ?? false) { lessonMark = nil }
        if let mark = lessonMark {
            if chineseDominant && mark.chinese {
                scores[.lessonSource, default: 0] += 5
                evidence[.lessonSource, default: []].append(mark.phrase)
            } else if !chineseDominant {
                scores[.lesson, default: 0] += 5
                evidence[.lesson, default: []].append(mark.phrase)
            }
        }
        if !chineseDominant { scores[.lessonSource] = nil }
        // The glossary is the series' own: without the series' or publisher's name its phrases
        // ("Glossary" in a saved page's menu) do not count, and the next kind may win.
        let glossaryWithoutSeries = (scores[.glossary] ?? 0) > 0 && seriesFound.isEmpty && corpus.publisher.isEmpty
        if glossaryWithoutSeries { scores[.glossary] = nil }
        var (kind, confidence, reasons) = Self.decide(scores: scores, evidence: evidence, hasLessonMark: lessonMark != nil, corpus: corpus)
        // An article about the subject that is not the policy text itself, a primer or a site's
        // own page is commentary: news, analysis, opinion, interpretation.
        if kind == .other, reasons == ["no kind rule matched"], hasCorpusEvidence, lessonMark == nil,
            hanCount >= 300 || text.split(whereSeparator: \.isWhitespace).count >= 120
        {
            kind = .commentary
            confidence = 0.6
            reasons = ["an article about the subject without policy-text, primer or site-page evidence"]
        }
        if kind == .other, glossaryWithoutSeries, reasons == ["no kind rule matched"] {
            reasons = ["glossary phrases (\(evidence[.glossary]?.joined(separator: ", ") ?? "")) without the series' or publisher's name"]
        }
        if kind == .other {
            if offTopic {
                reasons = [ClassificationInfo.offTopicMark + "no evidence of Digital China (series, publisher or subject phrases)"]
            } else if let phrase = markWithoutSeries, reasons == ["no kind rule matched"] {
                reasons = ["lesson mark \(phrase) without the series' name"]
            }
        }
        if kind != .other { reasons += corpus.named.filter { !reasons.contains($0) } }

        let fields = LessonFields(lines: lines, metadata: document.metadata, gate: gate)
        let isLessonKind = kind == .lesson || kind == .lessonSource
        let series = isLessonKind ? lessonMark.map { SeriesInfo(name: Self.seriesName, lesson: $0.lesson, of: $0.of) } : nil
        let boilerplateHits = zip(config.pipeline.seriesBoilerplateMarkers, take(boilerplateMarkers.count)).filter(\.1).map(\.0)
        if isLessonKind { reasons += boilerplateHits.map { "series boilerplate: \($0)" } }

        let (title, headlineField) = Self.titles(kind: kind, fields: fields, metadata: document.metadata, headline: headline)

        let lessonNumber = series?.lesson
        // An off-topic page has no topics, whatever words it shares with the lexicon ("5G").
        let topics =
            offTopic
            ? []
            : ranker.rank(
                title: [title.en, title.zh, headlineField].compactMap { $0 }.joined(separator: "\n"),
                synopsis: [fields.synopsis.en, fields.synopsis.zh].compactMap { $0 }.joined(separator: "\n"),
                terms: fields.terms.map { "\($0.en) \($0.zh)" }.joined(separator: "\n"),
                bodyCounts: bodyCounts[gateEnd...], lesson: lessonNumber, aboutSubject: hasCorpusEvidence)

        let id = Self.makeID(kind: kind, lesson: lessonNumber, title: title, sourceName: sourceName)
        let (original, translationOf, originalOf) = Self.pairing(kind: kind, lesson: lessonNumber, fields: fields, title: title)
        let chinese = fields.chineseMetadata()
        return RecordContent(
            id: id, kind: kind,
            classification: ClassificationInfo(kind: kind, confidence: confidence, evidence: reasons),
            languages: languages, title: title, headline: headlineField, series: series,
            // A lesson's date is its citation's; any other page's is its own (a citation there
            // names another piece): a 发布时间 field, the page's metadata, a date line or footer.
            published: isLessonKind
                ? fields.publishedDate() ?? chinese.published ?? document.metadata.published
                : chinese.published ?? document.metadata.published ?? PageHead.published(lines),
            publisher: isLessonKind ? fields.publisher(chinese: chinese) : nil,
            video: isLessonKind ? fields.video(chinese: chinese) : nil,
            synopsis: isLessonKind ? Bilingual(en: fields.synopsis.en, zh: fields.synopsis.zh ?? chinese.synopsis) : Bilingual(),
            terms: isLessonKind ? fields.terms : kind == .glossary ? glossaryTerms(fields) : [],
            transcript: isLessonKind ? fields.transcript() : [],
            footnotes: isLessonKind || kind == .glossary ? fields.footnotes() : [],
            topics: topics, text: text, original: original, editor: isLessonKind ? chinese.editor : nil,
            translationOf: translationOf, originalOf: originalOf)
    }

    /// What in a page ties it to this corpus: the series' and publisher's names, subject and
    /// context phrases (in the text or its title, heading and dateline), and topic keywords.
    struct CorpusEvidence {
        var series: [String]
        var publisher: [String]
        var subjects: [String]
        var context: [String]
        var topicKeywords: Int
        var rules: CorpusEvidenceRules

        /// Enough to call a page's policy, commentary or glossary phrases this corpus's.
        var isPresent: Bool {
            !series.isEmpty || !publisher.isEmpty
                || !subjects.isEmpty && subjects.count + context.count >= rules.minimumSubjectPhrases
                || !(subjects.isEmpty && context.isEmpty) && topicKeywords >= rules.minimumTopicKeywords
        }

        /// Nothing at all of the corpus: archived as `other`, with no topics.
        var offTopic: Bool { series.isEmpty && publisher.isEmpty && subjects.isEmpty && context.isEmpty }

        /// The evidence as a record's classification names it.
        var named: [String] {
            series.map { "series: \($0)" } + publisher.map { "publisher: \($0)" } + subjects.map { "subject: \($0)" }
                + context.map { "context: \($0)" }
        }
    }

    /// `en`, `zh` or both, by how many Latin letters and Han characters the text has.
    static func languages(latin: Int, han: Int) -> [String] {
        var languages: [String] = []
        if latin >= 40 { languages.append("en") }
        if han >= 10 { languages.append("zh") }
        return languages.isEmpty ? (han > latin / 4 ? ["zh"] : ["en"]) : languages
    }

    /// The kind the phrase scores point to, with its confidence and reasons: the best-scoring
    /// kind with at least 2, a lesson only with its mark, and a policy, commentary or glossary
    /// only with evidence of this corpus.
    static func decide(
        scores: [DocumentKind: Double], evidence: [DocumentKind: [String]], hasLessonMark: Bool, corpus: CorpusEvidence
    ) -> (kind: DocumentKind, confidence: Double, reasons: [String]) {
        let ranked = scores.filter { $0.value > 0 }.sorted {
            $0.value != $1.value ? $0.value > $1.value : $0.key.rawValue < $1.key.rawValue
        }
        var kind = DocumentKind.other
        var confidence = 0.5
        var reasons = ["no kind rule matched"]
        if let top = ranked.first, top.value >= 2 {
            kind = top.key
            let second = ranked.dropFirst().first?.value ?? 0
            confidence = (min(0.99, top.value / (top.value + second + 1)) * 100).rounded() / 100
            reasons = evidence[top.key] ?? []
        }
        if (kind == .lesson || kind == .lessonSource) && !hasLessonMark { kind = .other }
        if kind != .other && kind != .lesson && kind != .lessonSource && !corpus.isPresent {
            // Kind phrases ("Glossary", "we must", "by 2035") without this corpus's subject.
            reasons = ["\(kind.rawValue) phrases (\(reasons.joined(separator: ", "))) without evidence of Digital China"]
            kind = .other
            confidence = 0.5
        }
        return (kind, confidence, reasons)
    }

    /// The document's own title and, when the page's headline differs, that headline. A lesson's
    /// or original's title comes from its fields (the citation, the Chinese title line); any
    /// other page's from its heading or title, without the site's name, in the field of its script.
    static func titles(kind: DocumentKind, fields: LessonFields, metadata: PageMetadata, headline pageHead: String?) -> (
        title: Bilingual, headline: String?
    ) {
        var title = Bilingual()
        var headline: String? = nil
        // A page's title is never a date, a menu or a caption.
        let pageTitle = [metadata.firstHeading, metadata.ogTitle, metadata.title].compactMap { $0 }.first {
            !PageHead.isDateLine($0) && !PageHead.isFurniture($0)
        }
        if kind == .lesson || kind == .lessonSource {
            title = Bilingual(en: fields.englishTitle(), zh: fields.chineseTitle())
            if kind == .lessonSource, title.zh == nil { title.zh = pageTitle.map(Self.stripSiteSuffix) }
            if let pageTitle, pageTitle != title.en, pageTitle != title.zh { headline = Self.stripSiteSuffix(pageTitle) }
        } else if let candidate = pageTitle.map(Self.stripSiteSuffix) ?? pageHead {
            if candidate.unicodeScalars.contains(where: Self.isHan)
                && !candidate.unicodeScalars.contains(where: { ("a"..."z").contains($0) })
            {
                title.zh = candidate
            } else {
                title.en = candidate
            }
        }
        return (title, headline)
    }

    /// The kind rules whose phrase stands in the headline (any of the page's title, heading and
    /// headline line) or at the start of one of the first lines.
    func matchedHeadRules(_ metadata: PageMetadata, lines: [Line]) -> [KindRule] {
        guard !headRules.isEmpty else { return [] }
        // The first few lines of the head that read as headlines: a saved page's site name or
        // section label may stand before its own title.
        let marked = [metadata.title.map(Self.stripSiteSuffix), metadata.firstHeading, metadata.ogTitle].compactMap { $0 }
        let titles = (marked.isEmpty ? Array(PageHead.headCandidates(lines, siteNames: siteNames).prefix(3)) : marked)
            .map { HanFold.folded($0.lowercased()).trimmingCharacters(in: .whitespaces) }
        // Only a line's first characters can start with a phrase: fold those, not whole lines.
        let startLength = lineStartLength
        let starts =
            startLength == 0
            ? [] : lines.prefix(400).map { HanFold.folded(String($0.text.drop(while: \.isWhitespace).prefix(startLength)).lowercased()) }
        return headRules.filter { rule, phrase in
            switch rule.zone {
            case .text: return false
            case .title: return titles.contains { $0.contains(phrase) }
            case .titleStart: return titles.contains { $0.hasPrefix(phrase) }
            case .lineStart: return starts.contains { $0.hasPrefix(phrase) }
            }
        }.map(\.rule)
    }

    /// The pair of a lesson and its Chinese original (each names the other's id), and the
    /// post's link to the original.
    static func pairing(kind: DocumentKind, lesson: Int?, fields: LessonFields, title: Bilingual) -> (
        original: OriginalLink?, translationOf: String?, originalOf: String?
    ) {
        guard let lesson else { return (nil, nil, nil) }
        if kind == .lesson {
            let citation = fields.chineseTitleLine()
            let original =
                citation != nil || title.zh != nil ? OriginalLink(url: citation?.link, titleZH: citation?.title ?? title.zh) : nil
            return (original, DocumentID.source(lesson), nil)
        }
        return (nil, nil, kind == .lessonSource ? DocumentID.lesson(lesson) : nil)
    }

    /// A glossary's entries; the terminology-shortlist shape when the page has no other.
    func glossaryTerms(_ fields: LessonFields) -> [Term] {
        let entries = fields.glossaryTerms(seriesLength: config.lexicon.evidence.seriesLength)
        return entries.isEmpty ? fields.terms : entries
    }

    static func lines(of document: CleanDocument) -> [Line] {
        var lines: [Line] = []
        for block in document.blocks {
            if block.role == .tableRow {
                lines.append(Line(text: block.text, role: block.role, cells: block.cells, link: block.link))
            } else {
                // Bytes, not characters: the cleaner leaves no carriage return, and a line feed
                // is always a character of its own (the character-wise split cost 7% of an ingest).
                for part in block.text.pieces(separatedBy: "\n") where !part.isEmpty {
                    lines.append(Line(text: part, role: block.role, cells: [], link: block.link))
                }
            }
        }
        return lines
    }

    static func isHan(_ scalar: Unicode.Scalar) -> Bool { Han.contains(scalar) }

    /// How many ASCII letters and Han characters a text holds, from its (valid) UTF-8 bytes:
    /// only Han's three- and four-byte characters are decoded (iterating the text's scalars was
    /// a tenth of classifying).
    static func scriptCounts(_ text: SearchableText) -> (latin: Int, han: Int) {
        var latin = 0
        var han = 0
        text.bytes.withUnsafeBufferPointer { bytes in
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte < 0x80 {
                    // Lower-cased already: A–Z are a–z here, and nothing else is.
                    if byte &- 0x61 < 26 { latin += 1 }
                    index += 1
                    continue
                }
                let width = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
                if width >= 3, index + width <= bytes.count {
                    var value = UInt32(byte) & (width == 3 ? 0x0F : 0x07)
                    for offset in 1..<width { value = value << 6 | UInt32(bytes[index + offset] & 0x3F) }
                    if let scalar = Unicode.Scalar(value), Han.contains(scalar) { han += 1 }
                }
                index += width
            }
        }
        return (latin, han)
    }

    /// "Title | Site" / "Title – Site" / "Title_北京党员教育网" → "Title".
    static func stripSiteSuffix(_ title: String) -> String {
        let bytes = SearchableText(lowercasing: title)
        for separator in [" | ", " – ", " — ", " - ", "_", "｜"] {
            // Foundation's search is slow for what it is asked here most of the time; no text
            // equals one of these separators unless it holds its very bytes (none has another
            // canonically equivalent form), so a byte test answers "not there".
            guard bytes.contains(separator) else { continue }
            if let range = title.range(of: separator, options: .backwards), range.lowerBound > title.startIndex {
                let head = String(title[..<range.lowerBound]).trimmingCharacters(in: .whitespaces)
                if head.count >= 8 { return head }
            }
        }
        return title
    }

    static let stopWords: Set<String> = ["the", "of", "a", "an", "and", "for", "in", "on", "to", "with", "by", "at", "its", "is"]

    /// Stable, readable ids: "lesson-12", "lesson-12-source", "policy-overall-layout-planning-…".
    static func makeID(kind: DocumentKind, lesson: Int?, title: Bilingual, sourceName: String) -> String {
        if let lesson, kind == .lesson { return DocumentID.lesson(lesson) }
        if let lesson, kind == .lessonSource { return DocumentID.source(lesson) }
        let base =
            slug(title.en ?? "") ?? slug(((sourceName as NSString).lastPathComponent as NSString).deletingPathExtension) ?? "untitled"
        if kind == .glossary, base.contains("glossary") || base.contains("key-terms") { return DocumentID.glossary }
        return "\(kind.rawValue)-\(base)"
    }

    static func slug(_ text: String) -> String? {
        let words = text.lowercased().folding(options: [.diacriticInsensitive], locale: nil)
            .split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }
            .map(String.init)
            .filter { !stopWords.contains($0) }
        let kept = words.prefix(6).joined(separator: "-")
        return kept.count >= 3 ? String(kept.prefix(80)) : nil
    }
}
