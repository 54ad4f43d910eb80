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
            Init.self, Run.self, Fetch.self, Ingest.self, Watch.self, Clean.self, Validate.self, Verify.self, List.self, Show.self,
            History.self,
            Diff.self, Search.self, Reindex.self, Export.self, Status.self, Reprocess.self, Key.self
        ])

    /// ArgumentParser ends a usage error (unknown option, missing argument, a failed
    /// `validate()`) with 64; the contract says 2 for usage and configuration errors.
    static func main() {
        do {
            var command = try LongArgumentLists.parse(Array(CommandLine.arguments.dropFirst()))
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
