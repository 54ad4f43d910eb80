import Foundation
import TOMLKit

/// Reads one TOML table and remembers which keys it used, so an unknown (misspelt) key is an
/// error naming the file and the key instead of being silently ignored.
struct TableReader {
    let file: String
    let path: String
    let members: [String: JSONValue]
    private var used = Set<String>()

    init(file: String, path: String, value: JSONValue?) throws {
        self.file = file
        self.path = path
        switch value {
        case .object(let members)?: self.members = members
        case nil: self.members = [:]
        default: throw CorpusError(file: file, stage: .config, reason: "\(path) must be a table")
        }
    }

    private func key(_ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }
    private func wrong(_ name: String, _ expected: String) -> CorpusError {
        CorpusError(file: file, stage: .config, reason: "\(key(name)) must be \(expected)")
    }

    mutating func int(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
        used.insert(name)
        guard let value = members[name] else { return fallback }
        guard case .int(let number) = value else { throw wrong(name, "an integer") }
        guard range.contains(Int(number)) else { throw wrong(name, "between \(range.lowerBound) and \(range.upperBound)") }
        return Int(number)
    }

    mutating func double(_ name: String, default fallback: Double, range: ClosedRange<Double>) throws -> Double {
        used.insert(name)
        let number: Double
        switch members[name] {
        case nil: return fallback
        case .int(let value)?: number = Double(value)
        case .double(let value)?: number = value
        default: throw wrong(name, "a number")
        }
        guard range.contains(number) else { throw wrong(name, "between \(range.lowerBound) and \(range.upperBound)") }
        return number
    }

    mutating func bool(_ name: String, default fallback: Bool) throws -> Bool {
        used.insert(name)
        guard let value = members[name] else { return fallback }
        guard case .bool(let flag) = value else { throw wrong(name, "true or false") }
        return flag
    }

    mutating func string(_ name: String, default fallback: String?) throws -> String {
        used.insert(name)
        switch members[name] {
        case nil:
            if let fallback { return fallback }
            throw CorpusError(file: file, stage: .config, reason: "\(key(name)) is required")
        case .string(let value)?: return value
        default: throw wrong(name, "a string")
        }
    }

    mutating func strings(_ name: String, default fallback: [String] = []) throws -> [String] {
        used.insert(name)
        guard let value = members[name] else { return fallback }
        guard case .array(let items) = value else { throw wrong(name, "an array of strings") }
        return try items.map {
            guard case .string(let text) = $0 else { throw wrong(name, "an array of strings") }
            return text
        }
    }

    mutating func table(_ name: String) throws -> TableReader {
        used.insert(name)
        return try TableReader(file: file, path: key(name), value: members[name])
    }

    mutating func tables(_ name: String) throws -> [TableReader] {
        used.insert(name)
        guard let value = members[name] else { return [] }
        guard case .array(let items) = value else { throw wrong(name, "an array of tables ([[\(key(name))]])") }
        return try items.enumerated().map { try TableReader(file: file, path: "\(key(name))[\($0.offset)]", value: $0.element) }
    }

    /// Fails on the first key that nothing asked for.
    func finish() throws {
        if let unknown = members.keys.sorted().first(where: { !used.contains($0) }) {
            throw CorpusError(file: file, stage: .config, reason: "unknown key \(key(unknown))")
        }
    }
}

/// Limits and cleaning rules from `Config/pipeline.toml`.
public struct PipelineConfig: Sendable, Equatable {
    public var maxInputBytes = 32 << 20
    public var maxBlocks = 100_000
    public var maxWARCRecordBytes = 64 << 20
    public var lockTimeoutSeconds = 120.0
    /// Phrases that mark a block as site furniture wherever they appear (case-insensitive).
    public var boilerplatePhrases: [String] = []
    /// Blocks that are exactly one of these words (case-insensitive, ignoring punctuation):
    /// interface labels such as "Advertisement" or "Close".
    public var boilerplateLines: [String] = []
    /// Class/id tokens that only ever name site furniture (comments, sharing, related posts…):
    /// what sits inside such an element is never the article.
    public var furnitureClassTokens: [String] = []
    /// Class/id tokens of layout that is usually furniture (header, nav, modal…) but that sites
    /// also use for wrappers of the article: dropped inside the article, never a veto on it.
    public var layoutClassTokens: [String] = []
    /// Sentences every lesson post repeats; the classifier marks them as series boilerplate.
    public var seriesBoilerplateMarkers: [String] = []
    public var userAgent = "dccorpus"
    public var fetch = FetchLimits()
    /// `[ingest] quarantine_off_topic`: a page with no evidence of this corpus goes to
    /// `Inbox/.rejected/` (ingest: rejected) instead of being archived as `other`.
    public var quarantineOffTopic = false

    public init() {}
}

/// Limits and politeness for the fetcher, from `[fetch]` in `Config/pipeline.toml`.
public struct FetchLimits: Sendable, Equatable {
    public var connectTimeoutSeconds = 15.0
    public var timeoutSeconds = 60.0
    /// A transfer slower than this many bytes per second for `lowSpeedSeconds` is cut off.
    public var lowSpeedBytesPerSecond = 100
    public var lowSpeedSeconds = 20
    public var maxBodyBytes = 32 << 20
    public var maxRedirects = 10
    public var perHostDelaySeconds = 1.0
    public var perHostConcurrency = 2
    public var maxConcurrency = 8
    public var retries = 2
    public var retryBaseSeconds = 1.0
    public var retryAfterCapSeconds = 60.0
    public init() {}
}

/// One entry of `Config/sources.toml`.
public struct SourceEntry: Sendable, Equatable {
    public enum TLSPolicy: String, Sendable { case verify, recordInsecure = "record-insecure" }
    public var id: String
    public var url: String
    public var kind: DocumentKind?
    public var lesson: Int?
    public var tls: TLSPolicy
    public var enabled: Bool
    public var note: String?
    /// When this source's page is a lesson post, also capture the Chinese original it links to.
    public var followOriginal: Bool

    public init(id: String, url: String, kind: DocumentKind? = nil, lesson: Int? = nil, tls: TLSPolicy = .verify, enabled: Bool = true,
                note: String? = nil, followOriginal: Bool = true) {
        self.id = id; self.url = url; self.kind = kind; self.lesson = lesson; self.tls = tls; self.enabled = enabled; self.note = note
        self.followOriginal = followOriginal
    }

    /// Loads `Config/sources.toml` below `root` (an absent file means no sources).
    public static func load(root: URL) throws -> [SourceEntry] {
        let url = root.appendingPathComponent("Config/sources.toml")
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        let text = try CorpusConfig.readText(url)
        return try parse(text, file: url.path)
    }

    public static func parse(_ text: String, file: String) throws -> [SourceEntry] {
        var top = try TableReader(file: file, path: "", value: CorpusConfig.parseTOML(text, file: file))
        var entries: [SourceEntry] = []
        var seen = Set<String>()
        for var table in try top.tables("source") {
            let id = try table.string("id", default: nil)
            guard !id.isEmpty, !seen.contains(id) else {
                throw CorpusError(file: file, stage: .config, reason: "\(table.path).id \"\(id)\" is empty or used twice")
            }
            seen.insert(id)
            let address = try table.string("url", default: nil)
            guard let parsed = URL(string: address), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https", parsed.host != nil else {
                throw CorpusError(file: file, stage: .config, reason: "\(table.path).url must be an http or https URL")
            }
            let kindName = try table.string("kind", default: "")
            var kind: DocumentKind? = nil
            if !kindName.isEmpty {
                guard let known = DocumentKind(rawValue: kindName) else {
                    throw CorpusError(file: file, stage: .config, reason: "\(table.path).kind: unknown kind \"\(kindName)\"")
                }
                kind = known
            }
            let lesson = try table.int("lesson", default: 0, range: 0...13)
            let tlsName = try table.string("tls", default: "verify")
            guard let tls = TLSPolicy(rawValue: tlsName) else {
                throw CorpusError(file: file, stage: .config, reason: "\(table.path).tls must be \"verify\" or \"record-insecure\"")
            }
            let enabled = try table.bool("enabled", default: true)
            let note = try table.string("note", default: "")
            let follow = try table.bool("follow_original", default: true)
            try table.finish()
            entries.append(SourceEntry(id: id, url: address, kind: kind, lesson: lesson == 0 ? nil : lesson, tls: tls,
                                       enabled: enabled, note: note.isEmpty ? nil : note, followOriginal: follow))
        }
        _ = try top.tables("host")   // read by HostPolicy.parse
        try top.finish()
        return entries
    }
}

/// How to fetch from a host that no source names (a lesson's Chinese original, reached by its
/// link): `[[host]]` tables in `Config/sources.toml`.
public struct HostPolicy: Sendable, Equatable {
    public var host: String
    public var tls: SourceEntry.TLSPolicy

    public init(host: String, tls: SourceEntry.TLSPolicy) { self.host = host; self.tls = tls }

    public static func load(root: URL) throws -> [HostPolicy] {
        let url = root.appendingPathComponent("Config/sources.toml")
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        return try parse(try CorpusConfig.readText(url), file: url.path)
    }

    public static func parse(_ text: String, file: String) throws -> [HostPolicy] {
        var top = try TableReader(file: file, path: "", value: CorpusConfig.parseTOML(text, file: file))
        var policies: [HostPolicy] = []
        for var table in try top.tables("host") {
            let host = try table.string("name", default: nil).lowercased()
            guard !host.isEmpty, !host.contains("/"), !host.contains(" ") else {
                throw CorpusError(file: file, stage: .config, reason: "\(table.path).name must be a host name, like www.bjcc.gov.cn")
            }
            let tlsName = try table.string("tls", default: "verify")
            guard let tls = SourceEntry.TLSPolicy(rawValue: tlsName) else {
                throw CorpusError(file: file, stage: .config, reason: "\(table.path).tls must be \"verify\" or \"record-insecure\"")
            }
            try table.finish()
            policies.append(HostPolicy(host: host, tls: tls))
        }
        return policies
    }

    /// The policy for `url`'s host: configured, else verify.
    public static func tls(for url: String, in policies: [HostPolicy]) -> SourceEntry.TLSPolicy {
        guard let host = URL(string: url)?.host?.lowercased() else { return .verify }
        return policies.first { $0.host == host }?.tls ?? .verify
    }
}

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
    /// Distinct subject phrases a page needs, without the series or publisher, to be a glossary,
    /// overview, policy or commentary.
    public var minimumSubjectPhrases = 2
    public init() {}
}

/// Topic classes, kind rules and corpus evidence from `Config/lexicon.toml`.
public struct Lexicon: Sendable, Equatable {
    public var topics: [TopicClass] = []
    public var kindRules: [KindRule] = []
    public var evidence = CorpusEvidenceRules()
    public init() {}
}

/// Everything under `Config/` that shapes a record, with the hash that records carry.
public struct CorpusConfig: Sendable {
    public var pipeline: PipelineConfig
    public var lexicon: Lexicon
    /// SHA-256 over the exact bytes of pipeline.toml and lexicon.toml: a record built under
    /// another configuration says so.
    public var configSHA256: String
    /// The exact text of the files the hash is over (name, text), for keeping a copy in the bag.
    public var files: [(name: String, text: String)] = []

    /// The version of the code that turns captures into records. Raise it with every change
    /// that can change a record: `verify --rebuild` then calls older records stale, not
    /// tampered, and `reprocess` brings them up to date.
    public static let pipelineVersion = "0.2.0"

    public static let fileNames = ["pipeline.toml", "lexicon.toml"]

    public init(pipeline: PipelineConfig, lexicon: Lexicon, configSHA256: String) {
        self.pipeline = pipeline; self.lexicon = lexicon; self.configSHA256 = configSHA256
    }

    /// Loads `Config/pipeline.toml` and `Config/lexicon.toml` below `root`.
    public static func load(root: URL) throws -> CorpusConfig {
        try load(folder: root.appendingPathComponent("Config"))
    }

    /// Loads `pipeline.toml` and `lexicon.toml` from `folder` (a project's `Config/`, or a copy
    /// the bag keeps of the configuration that made a record).
    public static func load(folder: URL) throws -> CorpusConfig {
        let pipelineURL = folder.appendingPathComponent("pipeline.toml")
        let lexiconURL = folder.appendingPathComponent("lexicon.toml")
        let pipelineText = try readText(pipelineURL)
        let lexiconText = try readText(lexiconURL)
        let pipeline = try parsePipeline(pipelineText, file: pipelineURL.path)
        let lexicon = try parseLexicon(lexiconText, file: lexiconURL.path)
        var config = CorpusConfig(pipeline: pipeline, lexicon: lexicon, configSHA256: hash(pipeline: pipelineText, lexicon: lexiconText))
        config.files = [("pipeline.toml", pipelineText), ("lexicon.toml", lexiconText)]
        return config
    }

    static func hash(pipeline: String, lexicon: String) -> String {
        Digest.sha256Hex(Data(("pipeline.toml\n" + pipeline + "\nlexicon.toml\n" + lexicon).utf8))
    }

    public static func readText(_ url: URL) throws -> String {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw CorpusError(file: url.path, stage: .config, reason: "missing or unreadable")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CorpusError(file: url.path, stage: .config, reason: "not valid UTF-8")
        }
        return text
    }

    public static func parseTOML(_ text: String, file: String) throws -> JSONValue {
        if let problem = TOMLLexicalCheck.firstProblem(text) {
            throw CorpusError(file: file, stage: .config, reason: "line \(problem.line), column \(problem.column): \(problem.reason)")
        }
        do {
            let table = try TOMLTable(string: text)
            return try JSONValue.parse(Data(table.convert(to: .json).utf8))
        } catch let error as TOMLParseError {
            throw CorpusError(file: file, stage: .config,
                              reason: "line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)")
        } catch {
            throw CorpusError(file: file, stage: .config, reason: "\(error)")
        }
    }

    public static func parsePipeline(_ text: String, file: String) throws -> PipelineConfig {
        var top = try TableReader(file: file, path: "", value: parseTOML(text, file: file))
        var config = PipelineConfig()
        var limits = try top.table("limits")
        config.maxInputBytes = try limits.int("max_input_bytes", default: config.maxInputBytes, range: 1...(1 << 34))
        config.maxBlocks = try limits.int("max_blocks", default: config.maxBlocks, range: 1...10_000_000)
        config.maxWARCRecordBytes = try limits.int("max_warc_record_bytes", default: config.maxWARCRecordBytes, range: 1...(1 << 34))
        config.lockTimeoutSeconds = try limits.double("lock_timeout_seconds", default: config.lockTimeoutSeconds, range: 0...86_400)
        try limits.finish()
        var cleaning = try top.table("cleaning")
        config.boilerplatePhrases = try cleaning.strings("boilerplate_phrases")
        config.boilerplateLines = try cleaning.strings("boilerplate_lines")
        config.furnitureClassTokens = try cleaning.strings("furniture_class_tokens")
        config.layoutClassTokens = try cleaning.strings("layout_class_tokens")
        try cleaning.finish()
        var classification = try top.table("classification")
        config.seriesBoilerplateMarkers = try classification.strings("series_boilerplate_markers")
        try classification.finish()
        var fetch = try top.table("fetch")
        config.userAgent = try fetch.string("user_agent", default: "dccorpus/\(pipelineVersion)")
        var limits2 = FetchLimits()
        limits2.connectTimeoutSeconds = try fetch.double("connect_timeout_seconds", default: limits2.connectTimeoutSeconds, range: 0.1...600)
        limits2.timeoutSeconds = try fetch.double("timeout_seconds", default: limits2.timeoutSeconds, range: 0.1...3600)
        limits2.lowSpeedBytesPerSecond = try fetch.int("low_speed_bytes_per_second", default: limits2.lowSpeedBytesPerSecond, range: 0...(1 << 30))
        limits2.lowSpeedSeconds = try fetch.int("low_speed_seconds", default: limits2.lowSpeedSeconds, range: 1...3600)
        limits2.maxBodyBytes = try fetch.int("max_body_bytes", default: limits2.maxBodyBytes, range: 1...(1 << 34))
        limits2.maxRedirects = try fetch.int("max_redirects", default: limits2.maxRedirects, range: 0...50)
        limits2.perHostDelaySeconds = try fetch.double("per_host_delay_seconds", default: limits2.perHostDelaySeconds, range: 0...3600)
        limits2.perHostConcurrency = try fetch.int("per_host_concurrency", default: limits2.perHostConcurrency, range: 1...64)
        limits2.maxConcurrency = try fetch.int("max_concurrency", default: limits2.maxConcurrency, range: 1...256)
        limits2.retries = try fetch.int("retries", default: limits2.retries, range: 0...10)
        limits2.retryBaseSeconds = try fetch.double("retry_base_seconds", default: limits2.retryBaseSeconds, range: 0...600)
        limits2.retryAfterCapSeconds = try fetch.double("retry_after_cap_seconds", default: limits2.retryAfterCapSeconds, range: 0...3600)
        config.fetch = limits2
        try fetch.finish()
        var ingest = try top.table("ingest")
        config.quarantineOffTopic = try ingest.bool("quarantine_off_topic", default: false)
        try ingest.finish()
        try top.finish()
        return config
    }

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
                  topic.slug.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }) else {
                throw problem("\(entry.path).slug \"\(topic.slug)\" must be lower-case words joined by dashes")
            }
            if lexicon.topics.contains(where: { $0.slug == topic.slug }) { throw problem("\(entry.path).slug \"\(topic.slug)\" is used twice") }
            if topic.englishKeywords.isEmpty && topic.chineseKeywords.isEmpty {
                throw problem("\(entry.path) has no keywords (en, zh_keywords): it could never match")
            }
            if topic.englishKeywords.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty })
                || topic.chineseKeywords.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
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
            let phrases = try entry.strings("phrases")
            if phrases.isEmpty || phrases.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                throw problem("\(entry.path).phrases must be a non-empty list of non-empty phrases")
            }
            for phrase in phrases {
                lexicon.kindRules.append(KindRule(kind: kind, phrase: phrase, weight: weight))
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
        rules.minimumSubjectPhrases = try evidence.int("min_subject_phrases", default: rules.minimumSubjectPhrases, range: 1...50)
        try evidence.finish()
        if rules.seriesNames.isEmpty { throw problem("evidence.series: no series name defined; no page could be a lesson") }
        for phrase in rules.seriesNames + rules.publisherNames + rules.subjectPhrases where phrase.trimmingCharacters(in: .whitespaces).isEmpty {
            throw problem("evidence has an empty phrase, which would match every document")
        }
        lexicon.evidence = rules
        try top.finish()
        return lexicon
    }
}

/// Checks toml++ (inside TOMLKit) relies on without making them itself: it aborts the process
/// (an assertion; undefined behaviour in release builds) on a table header that does not start
/// with a key (`[中]`, `[#`), an array that meets a brace (`[}`) or a date-time without a time
/// (`1979-05-27T:`). TOML allows non-ASCII characters only inside strings and comments,
/// so those are refused too. A small lexer: the four string forms, escapes, comments, brackets.
enum TOMLLexicalCheck {
    struct Problem: Equatable { var line: Int; var column: Int; var reason: String }

    static func firstProblem(_ text: String) -> Problem? {
        enum State { case code, comment, basic, literal, multiBasic, multiLiteral }
        let scalars = Array(text.unicodeScalars)
        var state = State.code
        var line = 1, column = 0
        var index = 0
        var open: [Unicode.Scalar] = []  // brackets and braces open inside a value
        var atLineStart = true    // only blanks so far on this line
        var inValue = false       // after the `=` of a key-value pair
        func isDate(_ slice: ArraySlice<Unicode.Scalar>) -> Bool {
            slice.enumerated().allSatisfy { offset, scalar in
                offset == 4 || offset == 7 ? scalar == "-" : ("0"..."9").contains(scalar)
            }
        }
        func starts(_ literal: String, at position: Int) -> Bool {
            var offset = position
            for scalar in literal.unicodeScalars {
                guard offset < scalars.count, scalars[offset] == scalar else { return false }
                offset += 1
            }
            return true
        }
        func isKeyStart(_ scalar: Unicode.Scalar) -> Bool {
            ("0"..."9").contains(scalar) || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                || scalar == "_" || scalar == "-" || scalar == "\"" || scalar == "'" || scalar == "]"
        }
        while index < scalars.count {
            let scalar = scalars[index]
            column += 1
            if scalar == "\n" {
                line += 1; column = 0; atLineStart = true
                if open.isEmpty && state != .multiBasic && state != .multiLiteral { inValue = false }
                if state == .comment || state == .basic || state == .literal { state = .code }
                index += 1
                continue
            }
            switch state {
            case .code:
                if !scalar.isASCII {
                    return Problem(line: line, column: column,
                                   reason: "a character outside a quoted string or comment that TOML does not allow in keys (quote the key)")
                }
                let wasLineStart = atLineStart
                if scalar != " " && scalar != "\t" && scalar != "\r" { atLineStart = false }
                if scalar == "[" && wasLineStart && open.isEmpty {
                    // A table header: `[` or `[[`, blanks, then a key.
                    var next = index + 1
                    if next < scalars.count, scalars[next] == "[" { next += 1 }
                    while next < scalars.count, scalars[next] == " " || scalars[next] == "\t" { next += 1 }
                    if next < scalars.count, !isKeyStart(scalars[next]) {
                        return Problem(line: line, column: column + next - index, reason: "a table header must start with a key")
                    }
                    column += next - index - 1; index = next
                    continue
                }
                if scalar == "=" { inValue = true }
                // toml++ asserts on a date followed by T and no time (`1979-05-27T:`).
                if inValue, scalar == "T" || scalar == "t", index >= 10, index + 1 < scalars.count,
                   !("0"..."9").contains(scalars[index + 1]), isDate(scalars[(index - 10)..<index]) {
                    return Problem(line: line, column: column, reason: "a date-time needs a time after 'T'")
                }
                if scalar == "#" { state = .comment }
                else if starts("\"\"\"", at: index) { state = .multiBasic; index += 2; column += 2 }
                else if starts("'''", at: index) { state = .multiLiteral; index += 2; column += 2 }
                else if scalar == "\"" { state = .basic }
                else if scalar == "'" { state = .literal }
                else if scalar == "[" || scalar == "{" { open.append(scalar) }
                else if scalar == "]" || scalar == "}" {
                    // toml++ asserts on `[}`; a closing bracket must match the one it closes.
                    if let last = open.popLast(), (last == "[") != (scalar == "]") {
                        return Problem(line: line, column: column, reason: "'\(scalar)' does not close the '\(last)' before it")
                    }
                }
            case .comment:
                break
            case .basic, .multiBasic:
                if scalar == "\\" {
                    // The escaped character is never a delimiter (a line-ending backslash keeps its newline).
                    if index + 1 < scalars.count, scalars[index + 1] != "\n" { index += 1; column += 1 }
                } else if state == .multiBasic, starts("\"\"\"", at: index) {
                    // A closing delimiter may be followed by up to two more quotes that belong to the string.
                    var end = index + 3
                    while end < scalars.count, scalars[end] == "\"", end < index + 5 { end += 1 }
                    column += end - index - 1; index = end; state = .code
                    continue
                } else if state == .basic, scalar == "\"" {
                    state = .code
                }
            case .literal:
                if scalar == "'" { state = .code }
            case .multiLiteral:
                if starts("'''", at: index) {
                    var end = index + 3
                    while end < scalars.count, scalars[end] == "'", end < index + 5 { end += 1 }
                    column += end - index - 1; index = end; state = .code
                    continue
                }
            }
            index += 1
        }
        return nil
    }
}
