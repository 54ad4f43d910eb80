import ArgumentParser
import Archiving
import Cleaning
import CorpusKit
import Foundation
import Integrity

struct Clean: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print (or write DIR/<name>.txt) the cleaner's main text of each file.",
        discussion: "Files are cleaned on --jobs threads (default: one per core); output keeps the order of the arguments.")

    @OptionGroup var options: GlobalOptions
    @Option(name: .long, help: "Write DIR/<name>.txt per file instead of printing.") var out: String?
    @Option(name: .long, help: "Charset to assume, as an HTTP header would give it.") var charset: String?
    @Option(name: .long, help: "Threads to clean on (default: the number of cores).") var jobs: Int?
    @Argument(help: "HTML or text files.") var files: [String]

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    /// One file's outcome: the text written or to print, or the error.
    enum Outcome: Sendable {
        case written
        case text(String)
        case json(CleanOutput)
        case failed(CorpusError)
    }

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            let cleaner = Cleaner(config: config.pipeline)
            if let out { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) }
            Cleaner.prepareForThreads()
            let (files, out, charset, json) = (self.files, self.out, self.charset, options.json)
            let limit = config.pipeline.maxInputBytes
            // Work in slices so printed output starts early and memory stays bounded.
            var failed = false
            let slice = 256
            for start in stride(from: 0, to: files.count, by: slice) {
                let batch = Array(files[start..<min(start + slice, files.count)])
                let outcomes = Parallel.map(count: batch.count, jobs: jobs ?? Parallel.cores) { index -> Outcome in
                    Clean.clean(batch[index], cleaner: cleaner, limit: limit, charset: charset, out: out, json: json)
                }
                for (file, outcome) in zip(batch, outcomes) {
                    switch outcome {
                    case .written: break
                    case .text(let text):
                        if files.count > 1 { Output.line("==> \(file) <==") }
                        Output.line(text)
                    case .json(let value): Output.jsonLine(value)
                    case .failed(let error):
                        Output.error(error.description)
                        failed = true
                    }
                }
            }
            if failed { throw Fail.problems }
        }
    }

    static func clean(_ file: String, cleaner: Cleaner, limit: Int, charset: String?, out: String?, json: Bool) -> Outcome {
        do {
            let bytes = try FileIO.read(URL(fileURLWithPath: file), limit: limit)
            let format = Cleaner.format(forName: file) ?? .html
            let document = try cleaner.clean(bytes, format: format, source: file, headerCharset: charset)
            if let out {
                var name = (file as NSString).lastPathComponent
                for suffix in [".html", ".htm", ".xhtml", ".txt"] where name.lowercased().hasSuffix(suffix) {
                    name = String(name.dropLast(suffix.count))
                    break
                }
                try FileIO.writeAtomically(Data((document.text + "\n").utf8), to: URL(fileURLWithPath: out).appendingPathComponent(name + ".txt"), durable: false)
                return .written
            }
            if json {
                return .json(CleanOutput(file: file, charset: document.charset.rawValue, title: document.metadata.title,
                                         blocks: document.blocks.map { .init(role: $0.role.name, text: $0.text, cells: $0.cells.isEmpty ? nil : $0.cells) }))
            }
            return .text(document.text)
        } catch let error as CorpusError {
            return .failed(error)
        } catch {
            return .failed(CorpusError(file: file, stage: .clean, reason: "\(error)"))
        }
    }

    struct CleanOutput: Encodable, Sendable {
        var file: String
        var charset: String
        var title: String?
        var blocks: [Block]
        struct Block: Encodable, Sendable { var role: String; var text: String; var cells: [String]? }
    }
}

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check every record against the schema and the corpus rules; exit 1 on any error.")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            let store = options.archive(config)
            let report = try store.read { Validator(config: config).validate(store: store) }
            if options.json {
                Output.jsonDocument(report)
            } else {
                for finding in report.errors { Output.line("error    \(finding)") }
                for finding in report.warnings { Output.line("warning  \(finding)") }
                Output.line("\(report.documents) documents: \(report.errors.count) errors, \(report.warnings.count) warnings")
            }
            if !report.errors.isEmpty { throw Fail.problems }
        }
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check the fixity of every archived file and record; --rebuild re-derives each record from its raw capture.")

    @OptionGroup var options: GlobalOptions
    @Flag(name: .long, help: "Re-run clean and classify on each capture and compare with the stored record.") var rebuild = false
    @Flag(name: .long, help: "Only the bag's fixity (manifests, Payload-Oxum): the fast pass for large archives.") var fixityOnly = false
    @Flag(name: .long, help: "With --rebuild: records made by another pipeline version are problems (exit 1), not warnings.") var strict = false

    func validate() throws {
        if rebuild && fixityOnly { throw ValidationError("--rebuild and --fixity-only exclude each other") }
    }

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            let store = options.archive(config)
            let report = try store.read { Verifier(config: config).verify(store: store, rebuild: rebuild, fixityOnly: fixityOnly, strict: strict) }
            if options.json {
                Output.jsonDocument(report)
            } else {
                for finding in report.problems { Output.line("problem  \(finding)") }
                if !strict { for finding in report.stale { Output.line("stale    \(finding)") } }
                let older = report.rebuilt.values.filter { $0 == Verifier.RebuildCase.matchesRecordedConfig.rawValue }.count
                if older > 0 { Output.line("note: \(older) records match the earlier configuration they were made with; `dccorpus reprocess` updates them") }
                Output.line(report.ok ? "ok: \(report.checked) items verified" + (report.stale.isEmpty ? "" : " (\(report.stale.count) stale records)")
                                      : "FAILED: \(report.problems.count) problems in \(report.checked) items")
            }
            if !report.ok { throw Fail.problems }
        }
    }
}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the documents in the corpus.")

    @OptionGroup var options: GlobalOptions

    struct Row: Encodable {
        var id: String
        var kind: String
        var lesson: Int?
        var title: String?
        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(kind, forKey: .kind)
            try container.encode(lesson, forKey: .lesson)
            try container.encode(title, forKey: .title)
        }
        enum CodingKeys: String, CodingKey { case id, kind, lesson, title }
    }

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            let store = options.archive(config)
            let loaded = try store.read { store.loadRecords() }
            for error in loaded.errors { Output.error(error.description) }
            let rows = loaded.records
                .sorted { ($0.series?.lesson ?? 99, $0.id) < ($1.series?.lesson ?? 99, $1.id) }
                .map { Row(id: $0.id, kind: $0.kind.rawValue, lesson: $0.series?.lesson, title: $0.title.en ?? $0.title.zh) }
            if options.json {
                Output.jsonDocument(rows)
            } else {
                // Ids are never cut: the column is as wide as the longest one.
                let width = max(rows.map(\.id.count).max() ?? 0, 12)
                for row in rows {
                    Output.line("\(row.id.padding(toLength: width, withPad: " ", startingAt: 0)) \(row.kind.padding(toLength: 13, withPad: " ", startingAt: 0)) \(row.lesson.map { String($0) } ?? "-")\t\(row.title ?? "")")
                }
                Output.line("\(rows.count) documents")
            }
            if !loaded.errors.isEmpty { throw Fail.problems }
        }
    }
}

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print one record.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "Record id, e.g. lesson-5.") var id: String

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            let store = options.archive(config)
            guard WriteSession.isSafeID(id) else { throw Fail.usage("\(id): show: not a record id") }
            // A document that `reprocess` gave a new id is still found by its old one.
            let alias = store.aliases()[id]
            guard let record = try store.read({ try store.loadRecord(id: id) ?? alias.flatMap { try store.loadRecord(id: $0) } }) else {
                Output.error("\(id): show: no such record (see `dccorpus list`)")
                throw Fail.problems
            }
            if let alias, record.id == alias { Output.error("note: \(id) is now \(alias) (renamed by reprocess)") }
            if options.json {
                FileHandle.standardOutput.write(try record.fileData())
                return
            }
            Output.line("\(record.id)  [\(record.kind.rawValue), confidence \(record.classification.confidence)]")
            if let en = record.title.en { Output.line("title:     \(en)") }
            if let zh = record.title.zh { Output.line("标题:      \(zh)") }
            if let headline = record.headline { Output.line("headline:  \(headline)") }
            if let series = record.series { Output.line("series:    \(series.name), lesson \(series.lesson) of \(series.of)") }
            if let published = record.published { Output.line("published: \(published)") }
            if let publisher = record.publisher { Output.line("publisher: \([publisher.en, publisher.zh].compactMap { $0 }.joined(separator: " / "))") }
            if let video = record.video {
                Output.line("video:     \([video.speaker.en, video.speaker.zh].compactMap { $0 }.joined(separator: " / "))\(video.durationSeconds.map { ", \($0 / 60):\(String(format: "%02d", $0 % 60))" } ?? "")")
            }
            Output.line("topics:    \(record.topics.joined(separator: ", "))")
            if let original = record.original {
                Output.line("original:  \(original.url ?? "(no address)")\(original.titleZH.map { "  \($0)" } ?? "")")
            }
            if let pair = record.translationOf ?? record.originalOf { Output.line("pair:      \(pair)") }
            if let editor = record.editor { Output.line("责任编辑:  \(editor)") }
            Output.line("contents:  \(record.terms.count) terms, \(record.transcript.count) transcript blocks, \(record.footnotes.count) footnotes, \(record.text.count) characters")
            Output.line("evidence:  \(record.classification.evidence.joined(separator: "; "))")
            Output.line("source:    \(record.provenance.source.url ?? record.provenance.source.file ?? "?") at \(record.provenance.source.retrievedAt)")
            Output.line("raw:       sha256 \(record.provenance.rawSHA256) in \(record.provenance.archive.warc)")
        }
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Coverage of the series: for each lesson, the English post and the Chinese original, their parts and what is missing.",
        discussion: "Also lists the sources that failed in the last fetch. Exit 0; the report is the answer.")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            let store = options.archive(config)
            let coverage = try store.read {
                Coverage.build(records: store.loadRecords().records,
                               captures: try CaptureHistory.latestByID(store: store, limit: config.pipeline.maxWARCRecordBytes),
                               fetchLog: FetchLog.read(from: store), seriesLength: config.lexicon.evidence.seriesLength)
            }
            if options.json {
                Output.jsonDocument(coverage)
                return
            }
            Output.line("lesson  post                    original                transcript  terms  notes  missing")
            for row in coverage.lessons {
                func cell(_ half: Coverage.Half) -> String {
                    let text = half.present ? String((half.lastCapture ?? "").prefix(10)) + (half.lastFetch.map { " " + $0 } ?? "") : "—" + (half.lastFetch.map { " " + $0 } ?? "")
                    return text.padding(toLength: 22, withPad: " ", startingAt: 0)
                }
                let number = String(row.lesson).padding(toLength: 6, withPad: " ", startingAt: 0)
                let counts = [String(row.transcriptBlocks).padding(toLength: 10, withPad: " ", startingAt: 0),
                              String(row.terms).padding(toLength: 5, withPad: " ", startingAt: 0),
                              String(row.footnotes).padding(toLength: 5, withPad: " ", startingAt: 0)].joined(separator: "  ")
                Output.line("\(number)  \(cell(row.post))  \(cell(row.original))  \(counts)  \(row.missing.joined(separator: ", "))")
            }
            for failed in coverage.failedSources {
                Output.line("failed in the last fetch (\(coverage.lastFetch ?? "?")): \(failed.source.map { "\($0) " } ?? "")\(failed.url): \(failed.error ?? failed.status)")
            }
            Output.line(coverage.summaryLine)
            if let stale = coverage.staleLine { Output.line(stale) }
        }
    }
}
