import Archiving
import ArgumentParser
import CorpusKit
import Fetching
import Foundation
import Ingestion
import Integrity

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "The scheduled job: fetch all sources, ingest Inbox/, validate, print a summary.",
        discussion: """
            Exit 0 when everything succeeded, 1 when a source failed, an input was rejected or validation found errors.
            Files taken from Inbox/ leave it once their bytes are durably archived; rejected files move to
            Inbox/.rejected/ beside <name>.error.json.
            """)

    @OptionGroup var options: GlobalOptions
    @Flag(name: .long, help: "Skip fetching (no network): ingest Inbox/ and validate only.") var offline = false

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            var fetched: [FetchOutcome] = []
            if !offline {
                let targets = try FetchCommand.targets(root: options.rootURL, sourceIDs: [], urls: [])
                if !targets.isEmpty {
                    var job = FetchJob(
                        ingestor: SearchSync.indexing(Ingestor(archiveRoot: options.archiveURL, config: config), options),
                        limits: config.pipeline.fetch,
                        hostPolicies: try FetchCommand.hostPolicies(root: options.rootURL))
                    fetched = try job.run(targets)
                    for note in job.notes { Output.error("note: \(note)") }
                }
            }
            var ingestor = SearchSync.indexing(Ingestor(archiveRoot: options.archiveURL, config: config), options)
            ingestor.onWarning = { Output.error("warning: \($0.description)") }
            let inbox = InboxFolder(url: options.inboxURL)
            let (outcomes, notes) = try inbox.process(with: ingestor)
            for note in notes { Output.error(note) }
            let store = ingestor.store
            let report = try store.read { Validator(config: config).validate(store: store) }
            let coverage = try store.read {
                Coverage.build(
                    records: store.loadRecords().records,
                    captures: try CaptureHistory.latestByID(store: store, limit: config.pipeline.maxWARCRecordBytes),
                    fetchLog: offline ? nil : FetchLog.read(from: store), seriesLength: config.lexicon.evidence.seriesLength)
            }
            SearchSync.refresh(options, store: ingestor.store)
            LogTimestamping.stampHead(options, store: ingestor.store, config: config)
            let counts = Dictionary(grouping: outcomes, by: \.status).mapValues(\.count)
            let fetchCounts = Dictionary(grouping: fetched, by: \.status).mapValues(\.count)
            let summary = RunSummary(
                fetched: fetchCounts[.fetched] ?? 0, fetchChanged: fetchCounts[.changed] ?? 0,
                fetchUnchanged: fetchCounts[.unchanged] ?? 0, failed: (fetchCounts[.failed] ?? 0) + (fetchCounts[.conflict] ?? 0),
                ingested: counts[.ingested] ?? 0, changed: counts[.changed] ?? 0, unchanged: counts[.unchanged] ?? 0,
                rejected: counts[.rejected] ?? 0, conflicts: counts[.conflict] ?? 0, documents: report.documents,
                errors: report.errors.count, warnings: report.warnings.count, sources: fetched, inputs: outcomes,
                validation: report, lessonPosts: coverage.posts, lessonOriginals: coverage.originals,
                staleRecords: coverage.staleRecords)
            if options.json {
                Output.jsonDocument(summary)
            } else {
                Report.outcomes(fetched.filter { $0.status == .failed || $0.status == .conflict }, json: false)
                Report.outcomes(outcomes, json: false)
                for finding in report.errors { Output.line("error    \(finding)") }
                for finding in report.warnings { Output.line("warning  \(finding)") }
                if !offline {
                    Output.line(
                        "fetch: \(summary.fetched) fetched, \(summary.fetchChanged) changed, \(summary.fetchUnchanged) unchanged, \(summary.failed) failed"
                    )
                }
                Output.line(
                    "summary: \(summary.ingested) ingested, \(summary.changed) changed, \(summary.unchanged) unchanged, \(summary.rejected) rejected, \(summary.conflicts) conflicts; \(summary.documents) documents; validation: \(summary.errors) errors, \(summary.warnings) warnings"
                )
                Output.line(coverage.summaryLine)
                if let stale = coverage.staleLine { Output.line(stale) }
            }
            if summary.failed > 0 || summary.rejected > 0 || summary.conflicts > 0 || summary.errors > 0 { throw Fail.problems }
        }
    }
}

struct RunSummary: Encodable {
    var fetched, fetchChanged, fetchUnchanged, failed: Int
    var ingested, changed, unchanged, rejected, conflicts, documents, errors, warnings: Int
    var sources: [FetchOutcome]
    var inputs: [IngestOutcome]
    var validation: Validator.Report
    var lessonPosts, lessonOriginals: Int
    var staleRecords: [String: Int]

    enum CodingKeys: String, CodingKey {
        case fetched, failed, ingested, changed, unchanged, rejected, conflicts, documents, errors, warnings, sources, inputs, validation
        case fetchChanged = "fetch_changed"
        case fetchUnchanged = "fetch_unchanged"
        case lessonPosts = "lesson_posts"
        case lessonOriginals = "lesson_originals"
        case staleRecords = "stale_records"
    }
}
