import Archiving
import ArgumentParser
import Fetching
import Foundation
import Integrity

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Coverage of the series: for each lesson, the English post and the Chinese original, their parts and what is missing.",
        discussion: "Also lists the sources that failed in the last fetch. Exit 0; the report is the answer.")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            let store = options.archive(config)
            let coverage = try store.read {
                Coverage.build(
                    records: store.loadRecords().records,
                    captures: try CaptureHistory.latestByID(store: store, limit: config.pipeline.maxWARCRecordBytes),
                    fetchLog: FetchLog.read(from: store), seriesLength: config.lexicon.evidence.seriesLength)
            }
            if options.json {
                Output.jsonDocument(coverage)
                return
            }
            Output.line("lesson  post                            original                        transcript  terms  notes  missing")
            for row in coverage.lessons {
                func cell(_ half: Coverage.Half) -> String {
                    let text =
                        half.present
                        ? String((half.lastCapture ?? "").prefix(10)) + (half.lastFetch.map { " " + $0 } ?? "")
                            + (half.video.map { ", " + $0.cell } ?? "")
                        : "—" + (half.lastFetch.map { " " + $0 } ?? "")
                    return text.column(30)
                }
                let number = String(row.lesson).column(6)
                let counts = [
                    String(row.transcriptBlocks).column(10),
                    String(row.terms).column(5),
                    String(row.footnotes).column(5)
                ].joined(separator: "  ")
                Output.line("\(number)  \(cell(row.post))  \(cell(row.original))  \(counts)  \(row.missing.joined(separator: ", "))")
            }
            for failed in coverage.failedSources {
                Output.line(
                    "failed in the last fetch (\(coverage.lastFetch ?? "?")): \(failed.source.map { "\($0) " } ?? "")\(failed.url): \(failed.error ?? failed.status.rawValue)"
                )
            }
            Output.line(coverage.summaryLine)
            if let stale = coverage.staleLine { Output.line(stale) }
        }
    }
}
