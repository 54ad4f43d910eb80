import ArgumentParser
import CorpusKit
import Foundation
import Ingestion
import RecordBuilding

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff", abstract: "Show what changed between a document's last two versions.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "Record id.") var id: String

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            let store = options.archive(config)
            let diff: VersionDiff
            do {
                diff = try store.read { try VersionDiff.latest(id: id, store: store, builder: RecordBuilder(config: config)) }
            } catch let error as CorpusError {
                Output.error(error.description)
                throw Fail.problems
            }
            if options.json {
                Output.jsonDocument(diff)
                return
            }
            guard let from = diff.from else {
                Output.line("\(id) has one version (\(diff.to.date)); there is nothing to compare it with yet")
                return
            }
            Output.line("--- \(id) \(from.date) (\(from.payloadSHA256.map { String($0.prefix(12)) } ?? "?"))")
            Output.line("+++ \(id) \(diff.to.date) (\(diff.to.payloadSHA256.map { String($0.prefix(12)) } ?? "?"))")
            if diff.changes.isEmpty { Output.line("(the clean text is the same; only markup changed)") }
            for change in diff.changes {
                Output.line("\(change.op == .removed ? "-" : "+") [\(change.paragraph)] \(change.text)")
            }
        }
    }
}
