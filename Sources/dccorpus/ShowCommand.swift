import Archiving
import ArgumentParser
import Foundation

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Print one record.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "Record id, e.g. lesson-5.") var id: String

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            let store = options.archive(config)
            guard WriteSession.isSafeID(id) else { throw Fail.usage("\(id): show: not a record id") }
            // A document that `reprocess` gave a new id is still found by its old one.
            let alias = store.aliases()[id]
            guard let record = try store.read({ try store.loadRecord(id: id) ?? alias.flatMap { try store.loadRecord(id: $0) } }) else {
                Output.error("\(id): show: no such record (see `dccorpus list`)")
                throw Fail.problems
            }
            if let alias, record.id == alias { Output.error("note: \(id) is now \(alias) (renamed by reprocess)") }
            if options.json {
                FileHandle.standardOutput.write(try record.fileData())
                return
            }
            Output.line("\(record.id)  [\(record.kind.rawValue), confidence \(record.classification.confidence)]")
            if let en = record.title.en { Output.line("title:     \(en)") }
            if let zh = record.title.zh { Output.line("标题:      \(zh)") }
            if let headline = record.headline { Output.line("headline:  \(headline)") }
            if let series = record.series { Output.line("series:    \(series.name), lesson \(series.lesson) of \(series.of)") }
            if let published = record.published { Output.line("published: \(published)") }
            if let publisher = record.publisher {
                Output.line("publisher: \([publisher.en, publisher.zh].compactMap { $0 }.joined(separator: " / "))")
            }
            if let video = record.video {
                Output.line(
                    "video:     \([video.speaker.en, video.speaker.zh].compactMap { $0 }.joined(separator: " / "))\(video.durationSeconds.map { ", \($0 / 60):\(String(format: "%02d", $0 % 60))" } ?? "")"
                )
            }
            Output.line("topics:    \(record.topics.joined(separator: ", "))")
            if let original = record.original {
                Output.line("original:  \(original.url ?? "(no address)")\(original.titleZH.map { "  \($0)" } ?? "")")
            }
            if let pair = record.translationOf ?? record.originalOf { Output.line("pair:      \(pair)") }
            if let editor = record.editor { Output.line("责任编辑:  \(editor)") }
            Output.line(
                "contents:  \(record.terms.count) terms, \(record.transcript.count) transcript blocks, \(record.footnotes.count) footnotes, \(record.text.count) characters"
            )
            Output.line("evidence:  \(record.classification.evidence.joined(separator: "; "))")
            Output.line(
                "source:    \(record.provenance.source.url ?? record.provenance.source.file ?? "?") at \(record.provenance.source.retrievedAt)"
            )
            Output.line("raw:       sha256 \(record.provenance.rawSHA256) in \(record.provenance.archive.warc)")
        }
    }
}
