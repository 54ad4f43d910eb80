import Archiving
import ArgumentParser
import CorpusKit
import Foundation
import Ingestion
import RecordBuilding

struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Add local files (\(Inputs.extensions.joined(separator: ", "))) to the archive and corpus.")

    @OptionGroup var options: GlobalOptions
    @Option(
        name: .customLong("replace"),
        help: ArgumentHelp(
            "Make the inputs the new version of this document even though they differ from it (a conflict otherwise).",
            valueName: "ID"))
    var replacing: String?
    @Argument(help: "Files to ingest.") var paths: [String]

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            var ingestor = SearchSync.indexing(Ingestor(archiveRoot: options.archiveURL, config: config), options)
            if let replacing {
                guard WriteSession.isSafeID(replacing) else {
                    throw Fail.usage("\(replacing): ingest: --replace takes a document id (lower-case words joined by dashes)")
                }
                guard try ingestor.store.loadRecord(id: replacing) != nil else {
                    throw Fail.usage("\(replacing): ingest: --replace names no document in the archive (see `dccorpus list`)")
                }
                ingestor.replacing = replacing
            }
            ingestor.onWarning = { Output.error("warning: \($0.description)") }
            let progress = ProgressLine("ingest", options: options)
            ingestor.onProgress = { progress.update($0, of: $1) }
            ingestor.stopsOnInterrupt = true
            Interruption.install()
            let grouped = try ingestor.ingestGrouped(paths: paths)
            progress.finish()
            let outcomes = grouped.flatMap { $0 }
            Report.outcomes(outcomes, json: options.json)
            if grouped.count < paths.count {
                Output.error(
                    "stopped (Ctrl-C) after \(grouped.count) of \(paths.count) inputs: what is listed above is committed; "
                        + "the other \(paths.count - grouped.count) were not taken (run the command again)")
            }
            let stopped = grouped.count < paths.count
            SearchSync.refresh(options, store: ingestor.store)
            LogTimestamping.stampHead(options, store: ingestor.store, config: config)
            if stopped || outcomes.contains(where: { $0.status.isRefused }) { throw Fail.problems }
        }
    }
}
