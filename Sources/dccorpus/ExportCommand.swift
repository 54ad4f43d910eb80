import ArgumentParser
import CorpusKit
import Exporting
import Foundation

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export the corpus: jsonl (the records), tmx (EN–ZH translation memory), csv (glossary).")

    @OptionGroup var options: GlobalOptions
    @Option(name: .long, help: "jsonl, tmx or csv.") var format: String
    @Option(name: .long, help: "Write to FILE instead of stdout.") var out: String?

    func validate() throws {
        if Exporter.Format(rawValue: format) == nil { throw ValidationError("--format must be jsonl, tmx or csv") }
    }

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            let store = options.archive(config)
            let loaded = try store.read { store.loadRecords() }
            for error in loaded.errors { Output.error(error.description) }
            let data = try Exporter.export(loaded.records, format: Exporter.Format(rawValue: format)!)
            if let out {
                try FileIO.writeAtomically(data, to: URL(fileURLWithPath: out))
            } else {
                FileHandle.standardOutput.write(data)
            }
            if !loaded.errors.isEmpty { throw Fail.problems }
        }
    }
}
