import ArgumentParser
import CorpusKit
import Exporting
import Foundation

extension ExportFormat: ExpressibleByArgument {}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the corpus: " + ExportFormat.allCases.map { "\($0.rawValue) (\($0.summary))" }.joined(separator: ", ") + ".")

    @OptionGroup var options: GlobalOptions
    @Option(name: .long, help: ArgumentHelp("What to export.", valueName: ExportFormat.allCases.map(\.rawValue).joined(separator: "|")))
    var format: ExportFormat
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Write to FILE instead of stdout; "
                + ExportFormat.allCases.compactMap { format -> String? in
                    switch format.destination {
                    case .stream: return nil
                    case .file(let name): return "\(format.rawValue): the file (default \(name))"
                    case .folder: return "\(format.rawValue): the folder to write (required)"
                    }
                }.joined(separator: "; ") + "."))
    var out: String?
    @Flag(name: .long, help: "With --format wacz: sign datapackage-digest.json with the archive's key (WACZ signing, anonymous mode).")
    var sign = false

    func validate() throws {
        if case .folder = format.destination, out == nil { throw ValidationError("--format \(format.rawValue) needs --out DIR") }
        if sign && format != .wacz { throw ValidationError("--sign is for --format wacz") }
    }

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            let store = options.archive(config)
            let loaded = try store.read { store.loadRecords() }
            // WACZ packs the captures: records that do not load do not stop it.
            if format != .wacz { for error in loaded.errors { Output.error(error.description) } }
            let progress = ProgressLine("export \(format.rawValue)", options: options)
            let result = try format.export(
                records: loaded.records, store: store, seriesLength: config.lexicon.evidence.seriesLength, out: out, sign: sign
            ) { progress.update($0, of: $1) }
            progress.finish()
            switch result {
            case .bytes(let data): FileHandle.standardOutput.write(data)
            case .written(let line): if format.destination.isStream == false { Output.line(line) }
            }
            if format != .wacz, !loaded.errors.isEmpty { throw Fail.problems }
        }
    }
}

extension ExportFormat.Destination {
    var isStream: Bool {
        if case .stream = self { return true }
        return false
    }
}
