import ArgumentParser
import CorpusKit
import Exporting
import Foundation

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Export the corpus: jsonl (the records), tmx (EN–ZH translation memory), csv (glossary), site (a static bilingual site in --out DIR)."
    )

    @OptionGroup var options: GlobalOptions
    @Option(name: .long, help: "jsonl, tmx, csv or site.") var format: String
    @Option(name: .long, help: "Write to FILE instead of stdout (site: the folder to write, required).") var out: String?

    func validate() throws {
        if format == "site" {
            if out == nil { throw ValidationError("--format site needs --out DIR") }
            return
        }
        if Exporter.Format(rawValue: format) == nil { throw ValidationError("--format must be jsonl, tmx, csv or site") }
    }

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            let store = options.archive(config)
            let loaded = try store.read { store.loadRecords() }
            for error in loaded.errors { Output.error(error.description) }
            if format == "site", let out {
                let written = try SiteWriter.write(
                    SiteExporter.files(loaded.records, seriesLength: config.lexicon.evidence.seriesLength),
                    to: URL(fileURLWithPath: out))
                Output.line("site: \(written) files in \(out) (open \(out)/index.html)")
                if !loaded.errors.isEmpty { throw Fail.problems }
                return
            }
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
