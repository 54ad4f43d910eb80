import ArgumentParser
import Foundation
import Searching

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
