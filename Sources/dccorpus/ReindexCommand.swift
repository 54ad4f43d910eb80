import ArgumentParser
import CorpusKit
import Foundation
import Searching

struct Reindex: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reindex",
        abstract: "Rebuild the derived indexes: search (from the records), capture digests and index.cdxj (from the WARC files).")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            let store = options.archive(config)
            let progress = ProgressLine("reindex", options: options)
            let indexed = try store.read {
                let index = try SearchIndex(path: SearchSync.indexPath(options))
                try index.rebuild([])
                let documents = try index.sync(folder: store.corpusURL, decode: CorpusRecord.decode) { progress.update($0, of: $1) }
                progress.finish()
                store.rebuildIndexes()
                return documents
            }
            let captures = (try? String(contentsOf: store.cdxjURL, encoding: .utf8))?.split(separator: "\n").count ?? 0
            Output.line("indexed \(indexed) documents; \(captures) captures in \(store.cdxjURL.path)")
        }
    }
}
