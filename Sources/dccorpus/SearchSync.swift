import Archiving
import ArgumentParser
import CorpusKit
import Foundation
import Ingestion
import Searching

/// The search index beside the bag, refreshed after every command that writes.
enum SearchSync {
    static func indexPath(_ options: GlobalOptions) -> String {
        options.archiveURL.appendingPathComponent(".search.sqlite").path
    }

    /// An ingestor whose batches index their records while they are built (see `BatchIndexer`);
    /// `refresh` afterwards finds them indexed.
    /// In the `background` (the watcher), a batch does not wait for its index to commit.
    static func indexing(_ ingestor: Ingestor, _ options: GlobalOptions, background: Bool = false) -> Ingestor {
        var ingestor = ingestor
        let path = indexPath(options)
        ingestor.makeIndexer = { BatchIndexer(path: path, background: background) }
        return ingestor
    }

    /// Waits for indexers still committing in the background.
    static func waitForBackground() { BatchIndexer.waitForBackground() }

    /// Brings the index up to date; a failure is reported, never fatal: the index is derived.
    /// `settle` also folds recently indexed documents into the postings (see `SearchIndex.settle`).
    static func refresh(_ options: GlobalOptions, store: ArchiveStore, settle: Bool = false) {
        guard FileManager.default.fileExists(atPath: store.bag.declarationURL.path) else { return }
        BatchIndexer.waitForBackground()
        do {
            // Only record files that changed since the index noted them are read.
            _ = try store.read {
                let index = try SearchIndex(path: indexPath(options))
                try index.sync(folder: store.corpusURL, decode: CorpusRecord.decode)
                if settle { try index.settle() }
            }
        } catch let error as CorpusError {
            Output.error("\(error.description) (the archive is fine; run `dccorpus reindex`)")
        } catch {
            Output.error("\(indexPath(options)): search: \(error)")
        }
    }
}
