import ArgumentParser
import CorpusKit
import Foundation
import Searching

struct Reindex: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Rebuild the search index from the records.")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            let store = options.archive(config)
            let indexed = try store.read {
                let index = try SearchIndex(path: SearchSync.indexPath(options))
                try index.rebuild([])
                return try index.sync(folder: store.corpusURL, decode: CorpusRecord.decode)
            }
            Output.line("indexed \(indexed) documents")
        }
    }
}
