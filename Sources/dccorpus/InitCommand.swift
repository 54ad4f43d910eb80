import ArgumentParser
import CorpusKit
import Foundation

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Make a new working root: Config/ (the shipped configuration), Inbox/ and Archive/.",
        discussion: "Files already in Config/ are kept. With --samples, the four sample documents go into Inbox/.")

    @Argument(help: "The folder to make (default: --root, $DCCORPUS_ROOT or the current folder).") var folder: String?
    @Flag(name: .long, help: "Put the four sample documents into Inbox/.") var samples = false
    @Flag(name: .long, help: "Write no Config/sources.toml: a root that fetches nothing (tests, benchmarks).") var noSources = false
    @OptionGroup var options: GlobalOptions

    func run() throws {
        try guarded {
            let root = folder.map { URL(fileURLWithPath: $0) } ?? options.rootURL
            let lines = try WorkingRoot.create(at: root, samples: samples, sources: !noSources)
            if options.json {
                Output.jsonLine(["root": root.path])
            } else {
                lines.forEach(Output.line)
            }
        }
    }
}
