import Archiving
import CorpusKit
import Foundation
import Synchronization

/// `validate`: every record against the schema's rules and the corpus rules, all findings reported.
public struct Validator: Sendable {
    public let config: CorpusConfig

    public init(config: CorpusConfig) { self.config = config }

    public struct Report: Codable, Sendable {
        public var documents: Int
        public var errors: [Finding]
        public var warnings: [Finding]
    }

    public func validate(store: ArchiveStore, cache: FindingsCache? = nil) -> Report {
        let loaded = store.loadRecords()
        var report = validate(records: loaded.records, cache: cache)
        report.errors = loaded.errors.map { Finding(file: $0.file, rule: .decode, message: $0.reason) } + report.errors
        report.documents += loaded.errors.count
        return report
    }

    static let hex64 = try! NSRegularExpression(pattern: "^[0-9a-f]{64}$")
    static func isHex64(_ text: String) -> Bool {
        hex64.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
    static func isDate(_ text: String) -> Bool { CalendarDate.isValid(text) }
    static func hasHan(_ text: String) -> Bool { Han.occurs(in: text) }

    public func validate(records: [CorpusRecord]) -> Report {
        validate(records: records, cache: nil)
    }

    /// Per-record findings of earlier runs, by record hash: a long-running watcher re-checks
    /// only the records that changed, then the corpus-wide rules over all of them.
    public final class FindingsCache: Sendable {
        let entries = Mutex<[String: (errors: [Finding], warnings: [Finding])]>([:])
        public init() {}
    }

    public func validate(records: [CorpusRecord], cache: FindingsCache?) -> Report {
        var errors: [Finding] = []
        var warnings: [Finding] = []
        let topicSlugs = Set(config.lexicon.topics.map(\.slug))
        var lessonOwners: [String: String] = [:]
        var lessonsPresent = Set<Int>()
        var fresh: [String: (errors: [Finding], warnings: [Finding])] = [:]
        let known = cache?.entries.withLock { $0 } ?? [:]
        for record in records {
            let key = record.id + "#" + record.provenance.recordSHA256
            let findings = known[key] ?? recordFindings(record, topicSlugs: topicSlugs)
            fresh[key] = findings
            errors += findings.errors
            warnings += findings.warnings
            let file = "data/corpus/\(record.id).json"
            func error(_ rule: FindingRule, _ message: String) { errors.append(Finding(file: file, rule: rule, message: message)) }
            // Corpus rules.
            if let series = record.series {
                let key = "\(record.kind.rawValue)#\(series.lesson)"
                if let other = lessonOwners[key], other != record.id {
                    error(.duplicateLesson, "lesson \(series.lesson) (\(record.kind.rawValue)) is also claimed by \(other)")
                } else {
                    lessonOwners[key] = record.id
                }
                if record.kind == .lesson { lessonsPresent.insert(series.lesson) }
            }
        }
        cache?.entries.withLock { $0 = fresh }
        warnings += Self.pairFindings(records)
        warnings += Self.glossaryFindings(records)
        let missing = (1...max(1, config.lexicon.evidence.seriesLength)).filter { !lessonsPresent.contains($0) }
        if !missing.isEmpty && !records.isEmpty {
            warnings.append(
                Finding(
                    file: "data/corpus", rule: .lessonsMissing,
                    message: "no lesson record for \(missing.map(String.init).joined(separator: ", "))"))
        }
        return Report(documents: records.count, errors: errors, warnings: warnings)
    }

    /// A lesson and its Chinese original must agree on the lesson number, the Chinese title and
    /// the video's length (to a few seconds: one page rounds, the other does not).
    static func pairFindings(_ records: [CorpusRecord]) -> [Finding] {
        let byID = Dictionary(records.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var findings: [Finding] = []
        for lesson in records where lesson.kind == .lesson {
            guard let sourceID = lesson.translationOf, let source = byID[sourceID] else { continue }
            func warn(_ message: String) {
                findings.append(
                    Finding(
                        file: "data/corpus/\(lesson.id).json", rule: .pair,
                        message: "\(lesson.id) and \(source.id) \(message)"))
            }
            if source.originalOf != lesson.id { warn("are not paired both ways (\(source.id) names \(source.originalOf ?? "nothing"))") }
            if let a = lesson.series?.lesson, let b = source.series?.lesson, a != b { warn("disagree on the lesson number: \(a) and \(b)") }
            let english = lesson.original?.titleZH ?? lesson.title.zh
            if let a = english.map(comparableTitle), let b = source.title.zh.map(comparableTitle), !a.isEmpty, !b.isEmpty, a != b {
                warn("disagree on the Chinese title: “\(english ?? "")” and “\(source.title.zh ?? "")”")
            }
            if let a = lesson.video?.durationSeconds, let b = source.video?.durationSeconds, abs(a - b) > 2 {
                warn("disagree on the video's length: \(a) s and \(b) s")
            }
        }
        return findings
    }

    /// A term whose Chinese differs between the glossary and a lesson that uses it.
    static func glossaryFindings(_ records: [CorpusRecord]) -> [Finding] {
        var findings: [Finding] = []
        for glossary in records where glossary.kind == .glossary {
            let entries = Dictionary(glossary.terms.map { ($0.en.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
            for lesson in records where lesson.kind == .lesson {
                for term in lesson.terms {
                    guard let entry = entries[term.en.lowercased()], comparableTitle(entry.zh) != comparableTitle(term.zh) else { continue }
                    findings.append(
                        Finding(
                            file: "data/corpus/\(lesson.id).json", rule: .termMismatch,
                            message: "“\(term.en)” is \(term.zh) in \(lesson.id) but \(entry.zh) in \(glossary.id)"))
                }
            }
        }
        return findings
    }

    /// A Chinese title without white space and punctuation (pages differ in both).
    /// How far an archived video may run from the page's 时长 (which is given to the second;
    /// containers end a frame or an audio packet either side of it).
    public static let durationTolerance = 2.0

    /// Each archived video, and each of its streams, that runs more than the tolerance away from
    /// the length the page declares: a file can be whole while its audio is cut short.
    public static func durationMismatches(_ video: VideoInfo?) -> [String] {
        guard let video, let declared = video.durationSeconds else { return [] }
        var messages: [String] = []
        func format(_ seconds: Double) -> String { String(format: "%.1f", seconds) }
        for archived in video.archived {
            var short: [String] = []
            for stream in archived.streams {
                guard let seconds = stream.durationSeconds, abs(seconds - Double(declared)) > durationTolerance else { continue }
                short.append("its \(stream.kind) stream (\(stream.codec ?? "unknown codec")) runs \(format(seconds)) s")
            }
            if short.isEmpty, let seconds = archived.durationSeconds, abs(seconds - Double(declared)) > durationTolerance {
                short.append("it runs \(format(seconds)) s")
            }
            if !short.isEmpty {
                messages.append(
                    "archived video \(archived.url): \(short.joined(separator: "; ")), but the page says \(declared) s (时长)")
            }
        }
        return messages
    }

    static func comparableTitle(_ title: String) -> String {
        String(String.UnicodeScalarView(title.unicodeScalars.filter { $0.properties.isAlphabetic || $0.properties.numericType != nil }))
    }

    /// The rules that look at one record alone, for a record that is not (yet) in an archive.
    public func findings(for record: CorpusRecord) -> (errors: [Finding], warnings: [Finding]) {
        recordFindings(record, topicSlugs: Set(config.lexicon.topics.map(\.slug)))
    }

    /// The rules that look at one record alone.
    func recordFindings(_ record: CorpusRecord, topicSlugs: Set<String>) -> (errors: [Finding], warnings: [Finding]) {
        var errors: [Finding] = []
        var warnings: [Finding] = []
        let phrases = config.pipeline.boilerplatePhrases
        let file = "data/corpus/\(record.id).json"
        func error(_ rule: FindingRule, _ message: String) { errors.append(Finding(file: file, rule: rule, message: message)) }
        func warning(_ rule: FindingRule, _ message: String) { warnings.append(Finding(file: file, rule: rule, message: message)) }
        // Schema rules.
        if !WriteSession.isSafeID(record.id) { error(.schema, "id \"\(record.id)\" is not lower-case words joined by dashes") }
        if record.languages.isEmpty || !record.languages.allSatisfy({ $0 == "en" || $0 == "zh" }) {
            error(.schema, "languages must be a non-empty subset of [en, zh]")
        }
        if record.classification.kind != record.kind { error(.schema, "classification.kind differs from kind") }
        if !(0...1).contains(record.classification.confidence) { error(.schema, "classification.confidence outside 0…1") }
        if let published = record.published, !Self.isDate(published) { error(.schema, "published \"\(published)\" is not YYYY-MM-DD") }
        if let series = record.series, !(1...series.of).contains(series.lesson) {
            error(.schema, "series.lesson \(series.lesson) outside 1…\(series.of)")
        }
        if (record.kind == .lesson || record.kind == .lessonSource) && record.series == nil {
            error(.schema, "a \(record.kind.rawValue) needs series")
        }
        for topic in record.topics where !topicSlugs.contains(topic) { error(.schema, "unknown topic \"\(topic)\"") }
        let provenance = record.provenance
        for (name, value) in [
            ("raw_sha256", provenance.rawSHA256), ("text_sha256", provenance.textSHA256), ("record_sha256", provenance.recordSHA256)
        ]
        where !Self.isHex64(value) {
            error(.schema, "provenance.\(name) is not 64 lower-case hex digits")
        }
        // Provenance consistency.
        if Digest.sha256Hex(record.text) != provenance.textSHA256 { error(.provenance, "text_sha256 does not match text") }
        if let computed = try? record.computeRecordHash(), computed != provenance.recordSHA256 {
            error(.provenance, "record_sha256 does not match the record")
        }
        if provenance.source.url == nil && provenance.source.file == nil { error(.provenance, "source has neither url nor file") }
        if !provenance.archive.warc.hasPrefix("data/warc/") { error(.provenance, "archive.warc is not under data/warc/") }

        var previous = -1
        for block in record.transcript {
            if block.seconds <= previous { error(.transcriptOrder, "timestamp \(block.at) does not come after the one before it") }
            previous = block.seconds
            if let duration = record.video?.durationSeconds, block.seconds > duration {
                error(.transcriptLength, "timestamp \(block.at) is beyond the video length (\(duration) s)")
            }
            // An original Chinese page has no translation; a translated lesson needs both.
            if record.kind == .lesson, (block.en ?? "").isEmpty { error(.transcriptEnglish, "block at \(block.at) has no English") }
            if (block.zh ?? "").isEmpty { error(.transcriptChinese, "block at \(block.at) has no Chinese") }
        }
        for message in Self.durationMismatches(record.video) { warning(.videoDuration, message) }
        let footnoteNumbers = Set(record.footnotes.map(\.n))
        for term in record.terms {
            if term.en.isEmpty || !Self.hasHan(term.zh) {
                error(.termLanguages, "term \"\(term.en)\" / \"\(term.zh)\" lacks English or Chinese")
            }
            if let note = term.footnote, !footnoteNumbers.contains(note) {
                error(.termFootnote, "term \"\(term.en)\" cites footnote \(note), which does not exist")
            }
        }
        let searchable = SearchableText(lowercasing: record.text)
        for phrase in phrases where searchable.contains(phrase.lowercased()) {
            error(.boilerplate, "text still contains \"\(phrase)\"")
        }
        if record.kind == .lesson {
            if record.transcript.isEmpty { warning(.lessonIncomplete, "lesson has no transcript") }
            if record.terms.isEmpty { warning(.lessonIncomplete, "lesson has no terms") }
            if record.synopsis.en == nil && record.synopsis.zh == nil { warning(.lessonIncomplete, "lesson has no synopsis") }
        }
        // A saved text has no links; a page should link its original.
        if record.kind == .lesson, let original = record.original, original.url == nil,
            record.provenance.source.contentType?.lowercased().contains("html") == true
        {
            warning(
                .originalLink,
                "the post names its Chinese original (\(original.titleZH ?? "untitled")) but links to no other http(s) page")
        }
        if record.kind == .other && record.topics.isEmpty {
            let reason = record.classification.evidence.first ?? "no topics"
            warning(.offTopic, "not about Digital China: \(reason)")
        }
        return (errors, warnings)
    }
}
