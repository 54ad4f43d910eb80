import ArgumentParser
import Foundation
import Integrity

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check every record against the schema and the corpus rules; exit 1 on any error.")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            let store = options.archive(config)
            let report = try store.read { Validator(config: config).validate(store: store) }
            if options.json {
                Output.jsonDocument(report)
            } else {
                for finding in report.errors { Output.line("error    \(finding)") }
                for finding in report.warnings { Output.line("warning  \(finding)") }
                Output.line("\(report.documents) documents: \(report.errors.count) errors, \(report.warnings.count) warnings")
            }
            if !report.errors.isEmpty { throw Fail.problems }
        }
    }
}
