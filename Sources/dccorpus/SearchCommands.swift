import ArgumentParser
import Archiving
import CorpusKit
import Exporting
import Foundation
import Searching

/// The search index beside the bag, refreshed after every command that writes.
enum SearchSync {
    static func indexPath(_ options: GlobalOptions) -> String {
        options.archiveURL.appendingPathComponent(".search.sqlite").path
    }

    /// Brings the index up to date; a failure is reported, never fatal: the index is derived.
    static func refresh(_ options: GlobalOptions, store: ArchiveStore) {
        guard FileManager.default.fileExists(atPath: store.bag.declarationURL.path) else { return }
        do {
            let records = try store.read { store.loadRecords().records }
            try SearchIndex(path: indexPath(options)).sync(records)
        } catch let error as CorpusError {
            Output.error("\(error.description) (the archive is fine; run `dccorpus reindex`)")
        } catch {
            Output.error("\(indexPath(options)): search: \(error)")
        }
    }
}

struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Full-text search in English and Chinese.",
        discussion: """
            English: words, prefixes (digit*), phrases ("Digital Silk Road"), AND/OR/NOT. Chinese: any length, \
            one character (数) included. Hits are ranked (bm25) and show where they sit.
            """)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "What to look for.") var query: String
    @Option(name: .long, help: "Only this kind (lesson, policy, …).") var kind: String?
    @Option(name: .long, help: "Only this lesson number.") var lesson: Int?
    @Option(name: .long, help: "At most this many hits.") var limit = 20
    @Flag(name: .long, help: "Search the index as it is, without first bringing it up to date.") var noRefresh = false
    @Flag(name: .long, help: "Print the query's own time (excluding start-up) on stderr.") var stats = false

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let kind, DocumentKind(rawValue: kind) == nil { throw ValidationError("--kind must be one of \(DocumentKind.allCases.map(\.rawValue).joined(separator: ", "))") }
    }

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            let store = options.archive(config)
            if !noRefresh { SearchSync.refresh(options, store: store) }
            let index = try SearchIndex(path: SearchSync.indexPath(options))
            let start = DispatchTime.now()
            let hits = try index.search(query, kind: kind, lesson: lesson, limit: limit)
            if stats {
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1_000_000
                FileHandle.standardError.write(Data(String(format: "query: %.3f ms\n", elapsed).utf8))
            }
            if options.json {
                Output.jsonDocument(hits)
                return
            }
            for hit in hits {
                let place = hit.field + (hit.at.map { " at \($0)" } ?? "")
                Output.line("\(hit.id) (\(place))  \(hit.snippet)")
            }
            Output.line("\(hits.count) hit\(hits.count == 1 ? "" : "s")")
        }
    }
}

struct Reindex: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Rebuild the search index from the records.")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            let store = options.archive(config)
            let records = try store.read { store.loadRecords().records }
            try SearchIndex(path: SearchSync.indexPath(options)).rebuild(records)
            Output.line("indexed \(records.count) documents")
        }
    }
}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export the corpus: jsonl (the records), tmx (EN–ZH translation memory), csv (glossary).")

    @OptionGroup var options: GlobalOptions
    @Option(name: .long, help: "jsonl, tmx or csv.") var format: String
    @Option(name: .long, help: "Write to FILE instead of stdout.") var out: String?

    func validate() throws {
        if Exporter.Format(rawValue: format) == nil { throw ValidationError("--format must be jsonl, tmx or csv") }
    }

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            let store = options.archive(config)
            let loaded = try store.read { store.loadRecords() }
            for error in loaded.errors { Output.error(error.description) }
            let data = try Exporter.export(loaded.records, format: Exporter.Format(rawValue: format)!)
            if let out {
                try FileIO.writeAtomically(data, to: URL(fileURLWithPath: out))
            } else {
                FileHandle.standardOutput.write(data)
            }
            if !loaded.errors.isEmpty { throw Fail.problems }
        }
    }
}
