import Archiving
import ArgumentParser
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

    func validate() throws {
        // A web address is not a file: say which command captures it, not "No such file".
        if let address = paths.first(where: { ["http://", "https://"].contains(where: $0.lowercased().hasPrefix) }) {
            throw ValidationError("\(address): ingest takes files; to capture a web address run `dccorpus fetch --url \(address)`")
        }
    }

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
            let outcomes = try ingestor.ingest(paths: paths)
            Report.outcomes(outcomes, json: options.json)
            SearchSync.refresh(options, store: ingestor.store)
            LogTimestamping.stampHead(options, store: ingestor.store, config: config)
            if outcomes.contains(where: { $0.status.isRefused }) { throw Fail.problems }
        }
    }
}
