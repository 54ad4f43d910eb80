import ArgumentParser
import CorpusKit
import Foundation
import Searching

struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Full-text search in English and Chinese.",
        discussion: """
            English: words, prefixes (digit*), phrases ("Digital Silk Road"), AND/OR/NOT. Chinese: any length, \
            one character (数) included. Documents are ranked (BM25) and each is shown by its best passage, with \
            where it sits; when fewer documents match than --limit, their further passages follow.
            """)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "What to look for.") var query: String
    @Option(name: .long, help: "Only this kind (lesson, policy, …).") var kind: String?
    @Option(name: .long, help: "Only this lesson number.") var lesson: Int?
    @Option(name: .long, help: "At most this many hits.") var limit = 20
    @Flag(name: .long, help: "Search the index as it is, without first bringing it up to date.") var noRefresh = false
    @Flag(name: .long, help: "Print the query's own time (excluding start-up) on stderr.") var stats = false

    func validate() throws {
        if query.allSatisfy(\.isWhitespace) {
            throw ValidationError("the query is empty: give words, a \"phrase\", a prefix* or Chinese text to look for")
        }
        if limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let kind, DocumentKind(rawValue: kind) == nil {
            throw ValidationError("--kind must be one of \(DocumentKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            let store = options.archive(config)
            if !noRefresh { SearchSync.refresh(options, store: store) }
            let index = try SearchIndex(path: SearchSync.indexPath(options))
            if noRefresh && index.setUpAgain {
                // An index of an earlier version was emptied on opening: searching it as it is
                // would find nothing.
                Output.error("note: the search index was made by an earlier version; rebuilding it first")
                SearchSync.refresh(options, store: store)
            }
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
