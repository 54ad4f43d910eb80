import ArgumentParser
import Archiving
import CorpusKit
import Foundation
import Ingestion
import Integrity

struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add local files (.html, .htm, .txt, .warc, .warc.gz) to the archive and corpus.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "Files to ingest.") var paths: [String]

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            let ingestor = Ingestor(archiveRoot: options.archiveURL, config: config)
            let outcomes = try ingestor.ingest(paths: paths)
            Report.outcomes(outcomes, json: options.json)
            if outcomes.contains(where: { $0.status == .rejected }) { throw Fail.problems }
        }
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The scheduled job: ingest Inbox/, validate, print a summary.",
        discussion: "Files taken from Inbox/ leave it once their bytes are durably archived; rejected files move to Inbox/.rejected/ beside <name>.error.json.")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            let ingestor = Ingestor(archiveRoot: options.archiveURL, config: config)
            let inbox = InboxFolder(url: options.inboxURL)
            let (outcomes, notes) = try inbox.process(with: ingestor)
            for note in notes { Output.error(note) }
            let report = try ingestor.store.read { Validator(config: config).validate(store: ingestor.store) }
            let counts = Dictionary(grouping: outcomes, by: \.status).mapValues(\.count)
            let summary = RunSummary(
                ingested: counts[.ingested] ?? 0, changed: counts[.changed] ?? 0, unchanged: counts[.unchanged] ?? 0,
                rejected: counts[.rejected] ?? 0, documents: report.documents,
                errors: report.errors.count, warnings: report.warnings.count, inputs: outcomes)
            if options.json {
                Output.jsonDocument(summary)
            } else {
                Report.outcomes(outcomes, json: false)
                for finding in report.errors { Output.line("error    \(finding)") }
                for finding in report.warnings { Output.line("warning  \(finding)") }
                Output.line("summary: \(summary.ingested) ingested, \(summary.changed) changed, \(summary.unchanged) unchanged, \(summary.rejected) rejected; \(summary.documents) documents; validation: \(summary.errors) errors, \(summary.warnings) warnings")
            }
            if summary.rejected > 0 || summary.errors > 0 { throw Fail.problems }
        }
    }
}

struct RunSummary: Encodable {
    var ingested, changed, unchanged, rejected, documents, errors, warnings: Int
    var inputs: [IngestOutcome]
}

enum Report {
    static func outcomes(_ outcomes: [IngestOutcome], json: Bool) {
        for outcome in outcomes {
            if json {
                Output.jsonLine(outcome)
            } else if outcome.status == .rejected {
                Output.line("rejected   \(outcome.error ?? outcome.file)")
            } else {
                Output.line("\(outcome.status.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \((outcome.id ?? "").padding(toLength: 28, withPad: " ", startingAt: 0)) \(outcome.file)")
            }
        }
    }
}
