import ArgumentParser
import Foundation

@main
struct DCCorpus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dccorpus",
        abstract: "Keep a verifiable bilingual corpus of the Digital China Construction Series.",
        discussion: "Exit codes: 0 success, 1 the command ran and found problems, 2 usage or configuration error.",
        version: "0.4.3",
        subcommands: [
            Init.self, Run.self, Fetch.self, Ingest.self, Watch.self, Clean.self, Validate.self, Verify.self, List.self, Show.self,
            History.self,
            Diff.self, Search.self, Reindex.self, Export.self, Status.self, Reprocess.self, Key.self
        ])

    /// ArgumentParser ends a usage error (unknown option, missing argument, a failed
    /// `validate()`) with 64; the contract says 2 for usage and configuration errors.
    /// What `dccorpus` alone prints before the list of commands: the three jobs in ten lines.
    static let tour = """
        dccorpus keeps a verifiable bilingual corpus of the Digital China Construction Series.

        A ten-line tour:
          dccorpus init ~/corpus && cd ~/corpus      Config/, Inbox/, Archive/
          dccorpus key init                           optional: sign every commit from now on
          dccorpus run                                nightly: fetch Config/sources.toml, ingest Inbox/, validate
          cp lesson-7.mhtml Inbox/ && dccorpus run --offline    add a saved lesson
          dccorpus status                             lessons 1–13: post, original, video, what is missing
          dccorpus search 数字丝绸之路                 English and Chinese full text
          dccorpus verify --rebuild                   every byte, every record re-derived, every signature
          dccorpus export --format site --out site/   a static bilingual site to read it
          dccorpus export --format wacz --sign        everything as a signed WACZ
        More: README.md and docs/ in the source, or `dccorpus COMMAND --help`.

        """

    static func main() {
        if CommandLine.arguments.count == 1 {
            print(tour)
            print(helpMessage())
            Foundation.exit(0)
        }
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
