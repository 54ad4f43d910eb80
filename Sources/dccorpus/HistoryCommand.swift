import Archiving
import ArgumentParser
import Foundation

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "List a document's captures: date, status, payload digest.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "Record id.") var id: String

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            let store = options.archive(config)
            // A renamed document's history goes on under its new id.
            let target = store.aliases()[id] ?? id
            let entries = try store.read { () throws -> [CaptureEntry] in
                var all: [CaptureEntry] = []
                for name in Set([id, target]).sorted() {
                    all += try CaptureHistory.entries(for: name, store: store, limit: config.pipeline.maxWARCRecordBytes)
                }
                return all.sorted { ($0.date, $0.warc) < ($1.date, $1.warc) }
            }
            if entries.isEmpty {
                Output.error("\(id): history: no captures (see `dccorpus list`)")
                throw Fail.problems
            }
            if options.json {
                Output.jsonDocument(entries)
            } else {
                for entry in entries {
                    Output.line(
                        "\(entry.date)  \(entry.status.rawValue.column(11))  \(entry.payloadSHA256.map { String($0.prefix(16)) } ?? "-")  \(entry.url ?? "")\(entry.note.map { "  \($0)" } ?? "")"
                    )
                }
            }
        }
    }
}
