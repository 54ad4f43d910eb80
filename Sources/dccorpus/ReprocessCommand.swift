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
            let outcomes = try Reprocessor(ingestor: ingestor).reprocess(ids: ids, dryRun: dryRun)
            if !dryRun { SearchSync.refresh(options, store: ingestor.store) }
            for outcome in outcomes {
                if options.json {
                    Output.jsonLine(outcome)
                    continue
                }
                let status = outcome.status.rawValue.column(10)
                switch outcome.status {
                case .unchanged: Output.line("\(status) \(outcome.id)")
                case .updated: Output.line("\(status) \(outcome.id)  (\(outcome.fields.joined(separator: ", ")))")
                case .renamed: Output.line("\(status) \(outcome.id) → \(outcome.newID ?? "?")  (\(outcome.fields.joined(separator: ", ")))")
                case .conflict, .failed: Output.line("\(status) \(outcome.error ?? outcome.id)")
                }
            }
            if !options.json {
                let counts = Dictionary(grouping: outcomes, by: \.status).mapValues(\.count)
                Output.line(
                    "reprocess\(dryRun ? " (dry run)" : ""): \(counts[.unchanged] ?? 0) unchanged, \(counts[.updated] ?? 0) updated, \(counts[.renamed] ?? 0) renamed, \(counts[.conflict] ?? 0) conflicts, \(counts[.failed] ?? 0) failed; pipeline \(CorpusConfig.pipelineVersion)"
                )
            }
            if outcomes.contains(where: { $0.status == .conflict || $0.status == .failed }) { throw Fail.problems }
        }
    }
}
