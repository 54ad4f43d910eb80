import CorpusKit
import Fetching
import Foundation
import Ingestion
import Watching

/// What one line of a writing command's output reports. Ingest, run, fetch, reprocess and watch
/// print their outcomes through `Report`: `--json` writes each as its JSON object, a terminal
/// gets the status in a column and the detail after it.
protocol ReportedOutcome: Encodable {
    var statusName: String { get }
    /// The human line after the status column.
    var humanDetail: String { get }
}

extension ReportedOutcome {
    var humanLine: String { "\(statusName.column(10)) \(humanDetail)" }
}

enum Report {
    static func outcomes<Outcome: ReportedOutcome>(_ outcomes: [Outcome], json: Bool) {
        for outcome in outcomes { line(outcome, json: json) }
    }

    static func line<Outcome: ReportedOutcome>(_ outcome: Outcome, json: Bool) {
        if json { Output.jsonLine(outcome) } else { Output.line(outcome.humanLine) }
    }

    /// `LABEL: 3 fetched, 0 changed, …`: a count for each status in `order` (status, the word
    /// the line uses for it).
    static func counts<Outcome: ReportedOutcome>(_ label: String, _ outcomes: [Outcome], _ order: [(status: String, word: String)])
        -> String
    {
        let counts = Dictionary(grouping: outcomes, by: \.statusName).mapValues(\.count)
        return "\(label): " + order.map { "\(counts[$0.status] ?? 0) \($0.word)" }.joined(separator: ", ")
    }

    /// An id and the input it came from, in two columns.
    static func detail(id: String?, subject: String) -> String { "\((id ?? "").column(28)) \(CorpusError.oneLine(subject))" }
}

extension IngestOutcome: ReportedOutcome {
    var statusName: String { status.rawValue }
    var humanDetail: String { status.isRefused ? error ?? file : Report.detail(id: id, subject: file) }
}

extension FetchOutcome: ReportedOutcome {
    var statusName: String { status.rawValue }
    var humanDetail: String {
        guard status != .failed && status != .conflict else { return error ?? url }
        let detail = Report.detail(id: id, subject: url)
        guard let requisites else { return detail }
        return detail + "  (\(requisites.archived) requisites archived\(requisites.skipped > 0 ? ", \(requisites.skipped) skipped" : ""))"
    }
}

extension ReprocessOutcome: ReportedOutcome {
    var statusName: String { status.rawValue }
    var humanDetail: String {
        switch status {
        case .unchanged: return id
        case .updated: return "\(id)  (\(fields.joined(separator: ", ")))"
        case .renamed: return "\(id) → \(newID ?? "?")  (\(fields.joined(separator: ", ")))"
        case .conflict, .failed: return error ?? id
        }
    }
}

extension WatchEvent: ReportedOutcome {
    var statusName: String { event.rawValue }
    var humanDetail: String {
        switch event {
        case .validated: return "\(errors ?? 0) errors, \(warnings ?? 0) warnings"
        case .note: return [file, error].compactMap { $0 }.joined(separator: ": ")
        case .rejected: return error ?? file ?? ""
        case .ingested, .changed, .unchanged, .conflict:
            return Report.detail(id: id, subject: file ?? "") + "  (\(ms.map { String(format: "%.1f", $0) } ?? "?") ms)"
        }
    }
}
