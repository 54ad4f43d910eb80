import ArgumentParser
import Foundation

@main
struct DCCorpus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dccorpus",
        abstract: "Keep a verifiable bilingual corpus of the Digital China Construction Series.",
        discussion: "Exit codes: 0 success, 1 the command ran and found problems, 2 usage or configuration error.",
        version: "0.2.0",
        subcommands: [
            Run.self, Fetch.self, Ingest.self, Watch.self, Clean.self, Validate.self, Verify.self, List.self, Show.self, History.self,
            Diff.self, Search.self, Reindex.self, Export.self, Status.self, Reprocess.self
        ])
}
