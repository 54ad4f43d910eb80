import ArgumentParser
import CorpusKit
import Exporting
import Foundation

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract:
            "Export the corpus: jsonl (the records), tmx (EN–ZH translation memory), csv (glossary), wacz (every capture as a WACZ package for replay tools), site (a static bilingual site in --out DIR)."
    )

    @OptionGroup var options: GlobalOptions
    @Option(name: .long, help: "jsonl, tmx, csv, wacz or site.") var format: String
    @Option(name: .long, help: "Write to FILE instead of stdout (site: the folder to write, required; wacz: default dccorpus.wacz).")
    var out: String?

    func validate() throws {
        if format == "site" {
            if out == nil { throw ValidationError("--format site needs --out DIR") }
            return
        }
        if format == "wacz" { return }
        if Exporter.Format(rawValue: format) == nil { throw ValidationError("--format must be jsonl, tmx, csv, wacz or site") }
    }

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            let store = options.archive(config)
            if format == "wacz" {
                // Under the shared lock: no writer appends to a WARC file while it is packed.
                let path = out ?? "dccorpus.wacz"
                let summary = try store.read {
                    try WACZExporter.write(store: store, records: store.loadRecords().records, to: URL(fileURLWithPath: path))
                }
                Output.line("wacz: \(path): \(summary.warcFiles) WARC files, \(summary.captures) captures, \(summary.pages) pages")
                return
            }
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
