import Cleaning
import CorpusKit
import Foundation

/// A compiled pattern with the few operations the field parsers need.
struct Pattern: @unchecked Sendable {
    // NSRegularExpression is immutable after creation and documented as thread-safe.
    let regex: NSRegularExpression
    /// Lower-case ASCII/UTF-8 needles of which a line must contain one before the regex runs:
    /// most lines of a page hold none of a pattern's keywords, and the regex engine is slow.
    let required: [[UInt8]]

    /// The needles by their first byte, so a line is scanned once whatever their number.
    let byFirstByte: [[[UInt8]]]

    init(_ pattern: String, caseInsensitive: Bool = true, requires: [String] = []) {
        regex = try! NSRegularExpression(pattern: pattern, options: caseInsensitive ? [.caseInsensitive] : [])
        required = requires.map { Array($0.lowercased().utf8) }.filter { !$0.isEmpty }
        var table = [[[UInt8]]](repeating: [], count: 256)
        for needle in required { table[Int(needle[0])].append(needle) }
        byFirstByte = table
    }

    /// Whether the line contains one of the required keywords (ASCII letters compared without
    /// case): one pass over the line, comparing needles only where their first byte occurs.
    func mayMatch(_ text: String) -> Bool {
        guard !required.isEmpty else { return true }
        return text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            for index in 0..<bytes.count {
                var byte = bytes[index]
                if byte >= 0x41 && byte <= 0x5A { byte += 0x20 }
                let candidates = byFirstByte[Int(byte)]
                if candidates.isEmpty { continue }
                for needle in candidates where index + needle.count <= bytes.count {
                    var offset = 1
                    while offset < needle.count {
                        var other = bytes[index + offset]
                        if other >= 0x41 && other <= 0x5A { other += 0x20 }
                        if other != needle[offset] { break }
                        offset += 1
                    }
                    if offset == needle.count { return true }
                }
            }
            return false
        } ?? true
    }

    /// Capture groups of the first match (nil for a group that did not take part).
    func firstMatch(_ text: String) -> [String?]? {
        guard mayMatch(text), let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else { return nil }
        return groups(match, in: text)
    }

    /// The same, or nil at once when the gate says none of the keywords occurs on the page.
    func firstMatch(_ text: String, _ gate: PatternGate) -> [String?]? {
        gate.allows(self) ? firstMatch(text) : nil
    }

    func allMatches(_ text: String) -> [[String?]] {
        guard mayMatch(text) else { return [] }
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { groups($0, in: text) }
    }

    private func groups(_ match: NSTextCheckingResult, in text: String) -> [String?] {
        (0..<match.numberOfRanges).map { index in
            Range(match.range(at: index), in: text).map { String(text[$0]) }
        }
    }
}

/// Which field patterns can match a line of this page at all: a pattern none of whose keywords
/// occurs anywhere on the page is skipped for every line. One pass over the page finds every
/// keyword of every pattern (`NeedleSet`), where the per-line check scanned each line once per
/// pattern (a tenth of an ingest).
struct PatternGate {
    /// Every pattern may match (a single line, a pattern built on the fly).
    static let open = PatternGate(possible: nil)

    /// The gated patterns (the ones with keywords), their keywords and whose each is.
    static let patterns: [Pattern] =
        (LessonFields.englishMarks + LessonFields.chineseMarks + [
            LessonFields.citationTitle, LessonFields.chineseTitle, LessonFields.synopsisEN, LessonFields.synopsisZH,
            LessonFields.speakerEN, LessonFields.speakerZH, LessonFields.lengthLine, LessonFields.citationPublisher,
            LessonFields.sourceZH, LessonFields.sourceEN, LessonFields.dateZH, LessonFields.termsHeader,
            LessonFields.transcriptHeader, LessonFields.footnotesHeader
        ]).filter { !$0.required.isEmpty }
    static let gated = Set(patterns.map { ObjectIdentifier($0.regex) })
    static let keywords: (needles: NeedleSet, owners: [Int]) = {
        var needles: [String] = []
        var owners: [Int] = []
        for (index, pattern) in patterns.enumerated() {
            for needle in pattern.required {
                needles.append(String(decoding: needle, as: UTF8.self))
                owners.append(index)
            }
        }
        return (NeedleSet(needles), owners)
    }()

    /// Gated patterns with a keyword on the page; nil: every pattern is allowed.
    let possible: Set<ObjectIdentifier>?

    init(possible: Set<ObjectIdentifier>?) { self.possible = possible }

    init(lines: [Line]) {
        // Joined by line feeds, which no keyword holds: a keyword across two lines is only a
        // false "possible", and the per-line check still runs.
        self.init(texts: [SearchableText(lowercasing: lines.map(\.text).joined(separator: "\n"))])
    }

    /// From texts that hold every line (the page's text and its metadata lines).
    init(texts: [SearchableText]) { self.init(textCounts: [], texts: texts) }

    /// The same, with the keywords' counts in one of the texts already found (`textCounts`,
    /// in `keywords`' order; empty when none was).
    init(textCounts: ArraySlice<Int>, texts: [SearchableText]) {
        var possible = Set<ObjectIdentifier>()
        func add(_ counts: some Collection<Int>) {
            for (index, count) in counts.enumerated() where count > 0 {
                possible.insert(ObjectIdentifier(Self.patterns[Self.keywords.owners[index]].regex))
            }
        }
        add(textCounts)
        for text in texts { add(Self.keywords.needles.counts(in: text, limit: 1)) }
        self.possible = possible
    }

    func allows(_ pattern: Pattern) -> Bool {
        guard let possible else { return true }
        let id = ObjectIdentifier(pattern.regex)
        return possible.contains(id) || !Self.gated.contains(id)
    }
}

/// Extracts the lesson-specific fields from a page's lines, whatever their shape: paragraphs,
/// `<br>`-separated lines, list items or table rows.
struct LessonFields {
    let lines: [Line]
    let metadata: PageMetadata
    let synopsis: Bilingual
    let terms: [Term]
    /// Which patterns can match a line of this page at all.
    let gate: PatternGate

    init(lines: [Line], metadata: PageMetadata, gate: PatternGate? = nil) {
        self.lines = lines
        self.metadata = metadata
        let gate = gate ?? PatternGate(lines: lines)
        self.gate = gate
        var english: String? = nil
        var chinese: String? = nil
        for line in lines {
            if english == nil, let match = Self.synopsisEN.firstMatch(line.text, gate) { english = match[1] }
            if chinese == nil, let match = Self.synopsisZH.firstMatch(line.text, gate) { chinese = match[1] }
        }
        synopsis = Bilingual(en: english, zh: chinese)
        terms = Self.parseTerms(lines, gate: gate)
    }

    struct LessonMark {
        var lesson: Int
        var of: Int
        var phrase: String
        var chinese: Bool
    }

    static let numberWord = "(\\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen)"
    static let englishMarks: [Pattern] = [
        Pattern("lesson\\s+\(numberWord)\\s+of\\s+(\\d{1,2})", requires: ["lesson"]),
        Pattern("series\\s+(\\d{1,2})\\s*/\\s*(\\d{1,2})", requires: ["series"]),
        Pattern("\\((\\d{1,2})\\s*/\\s*(\\d{1,2})\\)", requires: ["/"]),
        // A bare "Lesson 6" — but not the "Lesson 6" of a "Lesson 6 of 10" the first pattern refused.
        Pattern("\\blesson\\s+\(numberWord)\\b(?!\\s+of\\s+\\d)()", requires: ["lesson"])
    ]
    static let chineseMarks: [Pattern] = [
        Pattern("系列之([一二三四五六七八九十]+|\\d{1,2})", requires: ["系列之"]),
        Pattern("第([一二三四五六七八九十]+|\\d{1,2})讲", requires: ["讲"])
    ]

    /// The lesson number from the first line that states it. A mark that says "of N" counts
    /// only when N is the series' length: "(6/10)" on a review is no lesson of a 13-part series.
    static func lessonNumber(lines: [Line], seriesLength: Int = 13, gate: PatternGate = .open) -> LessonMark? {
        for pattern in englishMarks {
            for line in lines.prefix(400) {
                guard let match = pattern.firstMatch(line.text, gate), let word = match[1], let lesson = Numerals.english(word) else {
                    continue
                }
                let of = match[2].flatMap { Int($0) } ?? seriesLength
                guard of == seriesLength, (1...of).contains(lesson) else { continue }
                return LessonMark(lesson: lesson, of: of, phrase: match[0] ?? word, chinese: false)
            }
        }
        for pattern in chineseMarks {
            for line in lines.prefix(400) {
                guard let match = pattern.firstMatch(line.text, gate), let word = match[1], let lesson = Numerals.chinese(word),
                    (1...seriesLength).contains(lesson)
                else { continue }
                return LessonMark(lesson: lesson, of: seriesLength, phrase: match[0] ?? word, chinese: true)
            }
        }
        return nil
    }

    /// Lesson numbers that lines of their own announce (headings and short lines): a page with
    /// several is about the series (a glossary, an overview), not one lesson.
    static func announcedLessons(lines: [Line], seriesLength: Int) -> Set<Int> {
        var found = Set<Int>()
        for line in lines.prefix(2000) where line.text.count <= 120 {
            if let mark = lessonNumber(lines: [line], seriesLength: seriesLength) { found.insert(mark.lesson) }
        }
        return found
    }

    /// "From “Digital China Construction Series (Lesson 1 of 13)”", "— Lesson 5", "(Source: …)":
    /// a line that names where the text above it came from.
    static func isAttribution(_ text: String) -> Bool {
        let start = text.drop { $0.isWhitespace || $0 == "*" || $0 == "_" }.lowercased()
        return ["from ", "source", "—", "–", "(", "（", "出自", "摘自", "来源", "选自"].contains { start.hasPrefix($0) }
    }

    /// A glossary entry: "English term (中文)", then optionally a separator and the definition.
    static let glossaryEntry = Pattern(
        "^\\s*(?:[-•*·▪]\\s*)?([A-Za-z][^()（）:：\\n]{1,90}?)\\s*[(（]\\s*([^()（）]*\\p{Han}[^()（）]*?)\\s*[)）]\\s*(?:[:：–—-]\\s*(.*))?$")

    /// The glossary's entries, in every shape the page uses: "Term (中文): definition" on one
    /// line, "Term (中文)" (a heading, term or list item) with the definition on the next line,
    /// or table rows (English, Chinese, definition). A line that announces a lesson ("Lesson 5",
    /// "(5/13)", 第五讲) files the entries after it under that lesson; a line that attributes the
    /// section above it to a lesson ("From “… (Lesson 1 of 13)”") files that section's entries.
    /// A section may list its terms as one run-on line ("Key Terminology …: term¹ (中文), …").
    func glossaryTerms(seriesLength: Int) -> [Term] {
        var terms: [Term] = []
        var lesson: Int? = nil
        var pending: (en: String, zh: String)? = nil
        func add(_ en: String, _ zh: String, _ definition: String?) {
            let english = en.trimmingCharacters(in: CharacterSet(charactersIn: " •-–:;,."))
            let chinese = zh.trimmingCharacters(in: .whitespaces)
            guard !english.isEmpty, !chinese.isEmpty, !terms.contains(where: { $0.en == english && $0.zh == chinese }) else { return }
            let text = definition?.trimmingCharacters(in: .whitespaces)
            terms.append(Term(en: english, zh: chinese, footnote: nil, definition: text?.isEmpty == false ? text : nil, lesson: lesson))
        }
        // Where the entries of the current section begin (since the last lesson line).
        var sectionStart = 0
        for line in lines {
            let isHeading: Bool = { if case .heading = line.role { return true } else { return false } }()
            let runOn = Self.termsHeader.firstMatch(line.text, gate) != nil
            if line.text.count <= 160, !runOn, Self.glossaryEntry.firstMatch(line.text, gate) == nil,
                let mark = Self.lessonNumber(lines: [line], seriesLength: seriesLength)
            {
                if let pending { add(pending.en, pending.zh, nil) }
                pending = nil
                if Self.isAttribution(line.text) {
                    // The section above came from this lesson; what follows waits for its own.
                    for index in sectionStart..<terms.count where terms[index].lesson == nil { terms[index].lesson = mark.lesson }
                    lesson = nil
                } else {
                    lesson = mark.lesson
                }
                sectionStart = terms.count
                continue
            }
            if runOn {
                if let pending { add(pending.en, pending.zh, nil) }
                pending = nil
                for term in Self.parseTerms([line], gate: gate) { add(term.en, term.zh, nil) }
                continue
            }
            if line.role == .tableRow, line.cells.count >= 2 {
                let han = line.cells.firstIndex {
                    $0.unicodeScalars.contains(where: Classifier.isHan)
                        && !$0.unicodeScalars.contains(where: { ("a"..."z").contains($0) || ("A"..."Z").contains($0) })
                }
                let latin = line.cells.firstIndex { cell in
                    cell.unicodeScalars.contains(where: { ("a"..."z").contains($0) || ("A"..."Z").contains($0) })
                        && !cell.unicodeScalars.contains(where: Classifier.isHan)
                }
                if let han, let latin, latin != han {
                    let rest = line.cells.indices.filter { $0 != han && $0 != latin }.map { line.cells[$0] }.filter { !$0.isEmpty }
                    add(line.cells[latin], line.cells[han], rest.joined(separator: " "))
                }
                continue
            }
            if let match = Self.glossaryEntry.firstMatch(line.text, gate), let en = match[1], let zh = match[2] {
                if let pending { add(pending.en, pending.zh, nil) }
                if let definition = match[3], !definition.isEmpty {
                    add(en, zh, definition)
                    pending = nil
                } else {
                    pending = (en, zh)
                }
                continue
            }
            if let term = pending, !isHeading, line.text.count >= 10 {
                add(term.en, term.zh, line.text)
                pending = nil
            }
        }
        if let pending { add(pending.en, pending.zh, nil) }
        return terms
    }

    static let citationTitle = Pattern(
        "Digital China Construction Series\\s*(?:\\(\\s*Lesson\\s+\\w+\\s+of\\s+\\d+\\s*\\)|\\d{1,2}\\s*/\\s*\\d{1,2}|\\d{1,2})\\s*[:：]\\s*(.+?)\\s*(?:[,，]?\\s*[”\"]|[(（]\\s*数字中国|$)",
        requires: ["digital china construction series"])
    static let chineseTitle = Pattern("数字中国建设系列之[一二三四五六七八九十\\d]+\\s*[:：]?\\s*([^)）,，“”\"]+)", requires: ["数字中国建设系列之"])
    static let synopsisEN = Pattern("^\\s*Synopsis\\s*[:：]\\s*(.+)$", requires: ["synopsis"])
    static let synopsisZH = Pattern("^\\s*简介\\s*[:：]\\s*(.+)$", requires: ["简介"])
    static let speakerEN = Pattern(
        "^\\s*(?:Speaker|Presenter|Lecturer)\\s*[:：]\\s*(.+?)\\s*(?:[(（]([^)）]+)[)）])?\\s*$", requires: ["speaker", "presenter", "lecturer"]
    )
    static let speakerZH = Pattern("^\\s*(?:主讲人?|主讲单位|讲师)\\s*[:：]\\s*(.+)$", requires: ["主讲", "讲师"])
    static let lengthLine = Pattern(
        "^\\s*(?:Length|Duration|Video length|时长|视频时长)\\s*[:：]\\s*(.+)$", requires: ["length", "duration", "时长"])
    static let months = "(January|February|March|April|May|June|July|August|September|October|November|December)"
    static let citationPublisher = Pattern(
        "[”\"]\\s*,?\\s*([A-Z][^,(（”\"]{3,80}?)\\s*(?:[(（]([^)）]+)[)）])?\\s*,\\s*\(months)\\s+(\\d{1,2}),\\s*(\\d{4})",
        caseInsensitive: false,
        requires: [
            "january", "february", "march", "april", "may ", "june", "july", "august", "september", "october", "november", "december"
        ])
    static let sourceZH = Pattern("来源\\s*[:：]\\s*([^\\s|｜]+)", requires: ["来源"])
    static let sourceEN = Pattern("^\\s*Source\\s*[:：]\\s*(.+)$", requires: ["source"])
    static let dateZH = Pattern("(?:发布时间|发布日期|时间)\\s*[:：]\\s*(\\d{4})[-年./](\\d{1,2})[-月./](\\d{1,2})", requires: ["时间", "日期"])

    func englishTitle() -> String? {
        for line in lines.prefix(400) {
            if let match = Self.citationTitle.firstMatch(line.text, gate), var title = match[1] {
                title = title.trimmingCharacters(in: CharacterSet(charactersIn: " ,，”\"“"))
                if title.count >= 4 { return title }
            }
        }
        return nil
    }

    /// The line that gives the Chinese title (数字中国建设系列之N:…), with the link it carries:
    /// on the English posts that line links to the Chinese original.
    func chineseTitleLine() -> (title: String, link: String?)? {
        for line in lines.prefix(400) {
            if let match = Self.chineseTitle.firstMatch(line.text, gate), let title = match[1]?.trimmingCharacters(in: .whitespaces),
                !title.isEmpty
            {
                return (title, line.link)
            }
        }
        return nil
    }

    /// What a Chinese page says about itself in "label:value" fields, one per line or several on
    /// one line ("发布时间:2025-04-11  来源:北京党员教育网  主讲:…  时长:09:13  责任编辑:…").
    struct ChineseMetadata: Equatable {
        var published: String?
        var source: String?
        var speaker: String?
        var durationSeconds: Int?
        var editor: String?
        var synopsis: String?
    }

    enum ChineseField: Sendable { case published, source, speaker, duration, editor, synopsis, ignored }

    /// Labels, longer first so that 主讲人 is not read as 主讲 and 责任编辑 not as 编辑.
    static let chineseLabels: [(label: String, field: ChineseField)] = [
        ("发布时间", .published), ("发布日期", .published), ("来源", .source), ("主讲单位", .speaker), ("主讲人", .speaker),
        ("主讲", .speaker), ("视频时长", .duration), ("时长", .duration), ("责任编辑", .editor), ("内容简介", .synopsis),
        ("简介", .synopsis), ("点击数", .ignored), ("浏览次数", .ignored), ("作者", .ignored)
    ]

    static let chineseLabelBytes: [(label: String, bytes: [UInt8])] = chineseLabels.map { ($0.label, Array($0.label.utf8)) }

    /// The offset of the first occurrence of `needle` in `bytes` at or after `from`.
    static func firstOffset(of needle: [UInt8], in bytes: [UInt8], from: Int) -> Int? {
        guard let first = needle.first, bytes.count >= needle.count else { return nil }
        var index = from
        while index <= bytes.count - needle.count {
            if bytes[index] == first && bytes[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }

    func chineseMetadata() -> ChineseMetadata {
        var found = ChineseMetadata()
        func set(_ slot: inout String?, _ value: String) { if slot == nil, !value.isEmpty { slot = value } }
        for line in lines.prefix(400) {
            // labelledFields returns at once for a line with no Chinese.
            for (label, value) in Self.labelledFields(line.text) {
                switch Self.chineseLabels.first(where: { $0.label == label })?.field {
                case .published?:
                    if found.published == nil, let match = Self.dateZH.firstMatch("发布时间:" + value),
                        let year = match[1].flatMap({ Int($0) }), let month = match[2].flatMap({ Int($0) }),
                        let day = match[3].flatMap({ Int($0) })
                    {
                        found.published = CalendarDate.string(year: year, month: month, day: day)
                    }
                case .source?: set(&found.source, value)
                case .speaker?: set(&found.speaker, value)
                case .duration?: if found.durationSeconds == nil { found.durationSeconds = Numerals.duration(value) }
                case .editor?: set(&found.editor, value)
                case .synopsis?: set(&found.synopsis, value)
                case .ignored?, nil: continue
                }
            }
        }
        return found
    }

    /// The "label:value" fields of one line, in order. A label counts where it starts the line or
    /// follows white space or punctuation, and is followed by a colon; a value runs to the next.
    static func labelledFields(_ text: String) -> [(label: String, value: String)] {
        // Every label is Chinese: a line without a CJK lead byte has none (most lines of an
        // English page, where this used to be a quarter of the time spent classifying).
        // Labels are found by their UTF-8 bytes: a label starts with a lead byte, which never
        // occurs inside another character, so a byte match is a character match.
        let bytes = Array(text.utf8)
        guard bytes.contains(where: { $0 >= 0xE3 }) else { return [] }
        var starts: [(range: Range<String.Index>, label: String)] = []
        for (label, needle) in chineseLabelBytes {
            var from = 0
            while let offset = firstOffset(of: needle, in: bytes, from: from) {
                from = offset + needle.count
                let lower = text.utf8.index(text.utf8.startIndex, offsetBy: offset)
                let range = lower..<text.utf8.index(lower, offsetBy: needle.count)
                if starts.contains(where: { $0.range.overlaps(range) }) { continue }
                if range.lowerBound > text.startIndex {
                    let before = text[text.index(before: range.lowerBound)]
                    guard before.isWhitespace || before.isPunctuation || before == "|" || before == "｜" else { continue }
                }
                let after = text[range.upperBound...].drop { $0 == " " }
                guard let colon = after.first, colon == ":" || colon == "：" else { continue }
                starts.append((range, label))
            }
        }
        starts.sort { $0.range.lowerBound < $1.range.lowerBound }
        var fields: [(String, String)] = []
        for (index, start) in starts.enumerated() {
            let end = index + 1 < starts.count ? starts[index + 1].range.lowerBound : text.endIndex
            let value = text[start.range.upperBound..<end].drop { $0 == " " || $0 == ":" || $0 == "：" }
            fields.append((start.label, value.trimmingCharacters(in: CharacterSet(charactersIn: " |｜,，;；"))))
        }
        return fields
    }

    func chineseTitle() -> String? {
        for line in lines.prefix(400) {
            if let match = Self.chineseTitle.firstMatch(line.text, gate), let title = match[1]?.trimmingCharacters(in: .whitespaces),
                !title.isEmpty
            {
                return title
            }
        }
        return nil
    }

    func publisher(chinese: ChineseMetadata) -> Bilingual? {
        var found = publisher()
        if found?.zh == nil, let source = chinese.source {
            found = Bilingual(en: found?.en, zh: source)
        }
        return found
    }

    func publisher() -> Bilingual? {
        for line in lines.prefix(400) {
            if let match = Self.citationPublisher.firstMatch(line.text, gate), let name = match[1] {
                var zh = match[2]
                if zh == nil {
                    let named = Pattern("\(NSRegularExpression.escapedPattern(for: name))\\s*[(（]([^)）]+)[)）]")
                    zh = lines.lazy.compactMap { named.firstMatch($0.text)?[1] }.first
                }
                return Bilingual(en: name.trimmingCharacters(in: .whitespaces), zh: zh)
            }
        }
        let en = lines.lazy.compactMap { Self.sourceEN.firstMatch($0.text, gate)?[1] }.first
        let zh = lines.lazy.compactMap { Self.sourceZH.firstMatch($0.text, gate)?[1] }.first
        if en == nil && zh == nil { return nil }
        return Bilingual(en: en, zh: zh)
    }

    func publishedDate() -> String? {
        let monthNumbers = [
            "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
            "august": 8, "september": 9, "october": 10, "november": 11, "december": 12
        ]
        for line in lines.prefix(400) {
            if let match = Self.citationPublisher.firstMatch(line.text, gate),
                let month = match[3].flatMap({ monthNumbers[$0.lowercased()] }),
                let day = match[4].flatMap({ Int($0) }), let year = match[5].flatMap({ Int($0) }),
                let date = CalendarDate.string(year: year, month: month, day: day)
            {
                return date
            }
            if let match = Self.dateZH.firstMatch(line.text, gate), let year = match[1].flatMap({ Int($0) }),
                let month = match[2].flatMap({ Int($0) }), let day = match[3].flatMap({ Int($0) }),
                let date = CalendarDate.string(year: year, month: month, day: day)
            {
                return date
            }
        }
        return nil
    }

    func video(chinese: ChineseMetadata) -> VideoInfo? {
        var found = video() ?? VideoInfo(speaker: Bilingual(), durationSeconds: nil)
        if found.speaker.zh == nil { found.speaker.zh = chinese.speaker }
        if found.durationSeconds == nil { found.durationSeconds = chinese.durationSeconds }
        if found.speaker.en == nil && found.speaker.zh == nil && found.durationSeconds == nil { return nil }
        return found
    }

    func video() -> VideoInfo? {
        var speaker = Bilingual()
        var duration: Int? = nil
        for line in lines {
            if speaker.en == nil, speaker.zh == nil, let match = Self.speakerEN.firstMatch(line.text, gate) {
                speaker.en = match[1]
                speaker.zh = match[2]
            }
            if speaker.zh == nil, let match = Self.speakerZH.firstMatch(line.text, gate) { speaker.zh = match[1] }
            if duration == nil, let match = Self.lengthLine.firstMatch(line.text, gate), let value = match[1] {
                duration = Numerals.duration(value)
            }
        }
        if speaker.en == nil && speaker.zh == nil && duration == nil { return nil }
        return VideoInfo(speaker: speaker, durationSeconds: duration)
    }

    static let termsHeader = Pattern(
        "^\\s*(?:Terminology shortlist[^:：]*|Key Terminology[^:：]*|Key terms[^:：]*|术语[^:：]*)[:：]\\s*(.*)$",
        requires: ["terminolog", "key term", "术语"])
    static let termItem = Pattern("\\s*(?:and\\s+)?([^,，;；()（）]+?)()\\s*[(（]([^)）]+)[)）]")

    /// The terminology shortlist: on the header line itself, or as the list items under it.
    static func parseTerms(_ lines: [Line], gate: PatternGate = .open) -> [Term] {
        guard let headerIndex = lines.firstIndex(where: { termsHeader.firstMatch($0.text, gate) != nil }) else { return [] }
        let rest = termsHeader.firstMatch(lines[headerIndex].text)?[1] ?? ""
        var sources: [String] = []
        if rest.contains("(") || rest.contains("（") {
            sources = [rest]
        } else {
            for line in lines[(headerIndex + 1)...] {
                guard termItem.firstMatch(line.text) != nil, line.text.count < 200 else { break }
                sources.append(line.text)
            }
        }
        var terms: [Term] = []
        for source in sources {
            for match in termItem.allMatches(source) {
                guard var english = match[1]?.trimmingCharacters(in: .whitespaces),
                    let chinese = match[3]?.trimmingCharacters(in: .whitespaces)
                else { continue }
                var footnote = match[2].flatMap { Int($0) }
                // Superscript footnote digits: "System¹²" → "System", 12.
                let superscripts = english.reversed().prefix { Self.superscriptDigits[$0] != nil }
                if footnote == nil, !superscripts.isEmpty, superscripts.count <= 2 {
                    footnote = Int(String(superscripts.reversed().compactMap { Self.superscriptDigits[$0] }))
                    english = String(english.dropLast(superscripts.count))
                }
                // Footnote digits fused to the words: "System1" → "System", 1.
                if footnote == nil, let last = english.last, last.isASCII, last.isNumber {
                    let digits = String(english.reversed().prefix { $0.isASCII && $0.isNumber }.reversed())
                    let head = english.dropLast(digits.count)
                    if digits.count <= 2, let lastLetter = head.last, lastLetter.isLetter {
                        footnote = Int(digits)
                        english = String(head)
                    }
                }
                english = english.trimmingCharacters(in: CharacterSet(charactersIn: " •-–:;,."))
                if english.lowercased().hasPrefix("and ") { english = String(english.dropFirst(4)) }
                guard !english.isEmpty, chinese.unicodeScalars.contains(where: Classifier.isHan) else { continue }
                terms.append(Term(en: english, zh: chinese, footnote: footnote))
            }
        }
        return terms
    }

    static let superscriptDigits: [Character: Character] = [
        "⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8", "⁹": "9"
    ]

    static let transcriptHeader = Pattern(
        "^\\s*(?:Video\\s+)?Transcript(?:\\s+and\\s+Translation)?\\s*[:：]?\\s*$|^\\s*(?:视频)?文字稿\\s*[:：]?\\s*$",
        requires: ["transcript", "文字稿"])
    static let stampLine = Pattern("^\\s*\\[?(\\d{1,2}:\\d{2}(?::\\d{2})?)\\]?\\s*(.*)$")
    static let footnotesHeader = Pattern("^\\s*(?:Footnotes|Notes|Endnotes|注释)\\s*[:：]?\\s*$", requires: ["note", "注释"])

    func transcript() -> [TranscriptBlock] {
        let start = lines.firstIndex { Self.transcriptHeader.firstMatch($0.text, gate) != nil }.map { $0 + 1 } ?? 0
        var blocks: [TranscriptBlock] = []
        var current: TranscriptBlock? = nil
        func finish() {
            if let block = current { blocks.append(block) }
            current = nil
        }
        func add(_ text: String) {
            guard current != nil, !text.isEmpty else { return }
            if Han.isChinese(text) {
                current!.zh = current!.zh.map { $0 + "\n" + text } ?? text
            } else {
                current!.en = current!.en.map { $0 + "\n" + text } ?? text
            }
        }
        for line in lines[start...] {
            if Self.footnotesHeader.firstMatch(line.text, gate) != nil { break }
            if case .heading = line.role, current != nil { break }
            if line.role == .tableRow, let first = line.cells.first,
                let stamp = Numerals.timestamp(first.trimmingCharacters(in: .whitespaces))
            {
                finish()
                current = TranscriptBlock(at: stamp.at, seconds: stamp.seconds, en: nil, zh: nil)
                for cell in line.cells.dropFirst() { add(cell) }
                continue
            }
            if let match = Self.stampLine.firstMatch(line.text, gate), let raw = match[1], let stamp = Numerals.timestamp(raw),
                (match[2] ?? "").isEmpty || line.text.count > 20
            {
                finish()
                current = TranscriptBlock(at: stamp.at, seconds: stamp.seconds, en: nil, zh: nil)
                add(match[2] ?? "")
                continue
            }
            if current != nil {
                if line.role == .tableRow { line.cells.forEach(add) } else { add(line.text) }
            }
        }
        finish()
        return blocks
    }

    static let numberedFootnote = Pattern("^\\s*\\[?(\\d{1,3})[.)\\]]\\s*(.+)$")

    func footnotes() -> [Footnote] {
        guard let header = lines.lastIndex(where: { Self.footnotesHeader.firstMatch($0.text, gate) != nil }) else { return [] }
        var notes: [Footnote] = []
        for line in lines[(header + 1)...] {
            if case .heading = line.role { break }
            var text = line.text
            var number: Int? = nil
            if let match = Self.numberedFootnote.firstMatch(text), let value = match[1].flatMap({ Int($0) }), let rest = match[2] {
                number = value
                text = rest
            } else if line.role != .listItem {
                if let last = notes.popLast() {  // a continuation paragraph of the previous note
                    notes.append(Footnote(n: last.n, text: last.text + "\n" + text))
                    continue
                }
                break
            }
            text = Self.stripBackLinks(Self.stripListMarker(text))
            guard !text.isEmpty else { continue }
            notes.append(Footnote(n: number ?? (notes.last?.n ?? 0) + 1, text: text))
        }
        return notes
    }

    static func stripListMarker(_ text: String) -> String {
        guard let first = text.first, "•-*·▪◦".contains(first) else { return text }
        return String(text.dropFirst()).trimmingCharacters(in: .whitespaces)
    }

    static func stripBackLinks(_ text: String) -> String {
        var result = text.trimmingCharacters(in: .whitespaces)
        while let last = result.unicodeScalars.last, last == "↩" || last == "\u{FE0E}" || last == "\u{FE0F}" || last == " " {
            result.unicodeScalars.removeLast()
        }
        return result
    }
}
