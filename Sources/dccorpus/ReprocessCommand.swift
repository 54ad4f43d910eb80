import Archiving
import ArgumentParser
import CorpusKit
import Foundation
import Ingestion

struct Reprocess: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reprocess",
        abstract: "Re-derive records from their raw captures with the current pipeline and configuration.",
        discussion: """
            One line per record: unchanged, updated (with the fields that changed), renamed (old id → new id) or \
            conflict. The previous record stays in the WARC files and `history` shows "reprocessed by pipeline X"; \
            `show OLD-ID` still finds a renamed document. One journalled write: a killed run changes nothing.
            """)

    @OptionGroup var options: GlobalOptions
    @Flag(name: .long, help: "Say what would change; write nothing.") var dryRun = false
    @Argument(help: "Record ids (default: every record).") var ids: [String] = []

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            for id in ids where !WriteSession.isSafeID(id) { throw Fail.usage("\(id): reprocess: not a record id") }
            let ingestor = Ingestor(archiveRoot: options.archiveURL, config: config)
            let progress = ProgressLine("reprocess", options: options)
            var reprocessor = Reprocessor(ingestor: ingestor)
            reprocessor.onProgress = { progress.update($0, of: $1) }
            let outcomes = try reprocessor.reprocess(ids: ids, dryRun: dryRun)
            progress.finish()
            if !dryRun {
                SearchSync.refresh(options, store: ingestor.store)
                LogTimestamping.stampHead(options, store: ingestor.store, config: config)
            }
            Report.outcomes(outcomes, json: options.json)
            if !options.json {
                Output.line(
                    Report.counts(
                        "reprocess\(dryRun ? " (dry run)" : "")", outcomes,
                        [
                            ("unchanged", "unchanged"), ("updated", "updated"), ("renamed", "renamed"), ("conflict", "conflicts"),
                            ("failed", "failed")
                        ])
                        + "; pipeline \(CorpusConfig.pipelineVersion)")
            }
            if outcomes.contains(where: { $0.status == .conflict || $0.status == .failed }) { throw Fail.problems }
        }
    }
}
