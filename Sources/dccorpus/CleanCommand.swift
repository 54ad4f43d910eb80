import ArgumentParser
import Cleaning
import CorpusKit
import Foundation
import Integrity

struct Clean: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clean",
        abstract: "Print (or write DIR/<name>.txt) the cleaner's main text of each file.",
        discussion: "Files are cleaned on --jobs threads (default: one per core); output keeps the order of the arguments.")

    @OptionGroup var options: GlobalOptions
    @Option(name: .long, help: "Write DIR/<name>.txt per file instead of printing.") var out: String?
    @Option(name: .long, help: "Charset to assume, as an HTTP header would give it.") var charset: String?
    @Option(name: .long, help: "Threads to clean on (default: the number of cores).") var jobs: Int?
    @Argument(help: "HTML or text files.") var files: [String]

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    /// One file's outcome: the text written or to print, or the error.
    enum Outcome: Sendable {
        case written
        case text(String)
        case json(CleanOutput)
        case failed(CorpusError)
    }

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            let cleaner = Cleaner(config: config.pipeline)
            if let out { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) }
            Cleaner.prepareForThreads()
            let (files, out, charset, json) = (self.files, self.out, self.charset, options.json)
            let limit = config.pipeline.maxInputBytes
            // Work in slices so printed output starts early and memory stays bounded.
            var failed = false
            let slice = 256
            for start in stride(from: 0, to: files.count, by: slice) {
                let batch = Array(files[start..<min(start + slice, files.count)])
                let outcomes = Parallel.map(count: batch.count, jobs: jobs ?? Parallel.cores) { index -> Outcome in
                    Clean.clean(batch[index], cleaner: cleaner, limit: limit, charset: charset, out: out, json: json)
                }
                for (file, outcome) in zip(batch, outcomes) {
                    switch outcome {
                    case .written: break
                    case .text(let text):
                        if files.count > 1 { Output.line("==> \(file) <==") }
                        Output.line(text)
                    case .json(let value): Output.jsonLine(value)
                    case .failed(let error):
                        Output.error(error.description)
                        failed = true
                    }
                }
            }
            if failed { throw Fail.problems }
        }
    }

    static func clean(_ file: String, cleaner: Cleaner, limit: Int, charset: String?, out: String?, json: Bool) -> Outcome {
        do {
            let bytes = try FileIO.read(URL(fileURLWithPath: file), limit: limit)
            let format = Cleaner.format(forName: file) ?? .html
            let document = try cleaner.clean(bytes, format: format, source: file, headerCharset: charset)
            if let out {
                var name = (file as NSString).lastPathComponent
                for suffix in [".html", ".htm", ".xhtml", ".txt"] where name.lowercased().hasSuffix(suffix) {
                    name = String(name.dropLast(suffix.count))
                    break
                }
                try FileIO.writeAtomically(
                    Data((document.text + "\n").utf8), to: URL(fileURLWithPath: out).appendingPathComponent(name + ".txt"), durable: false)
                return .written
            }
            if json {
                return .json(
                    CleanOutput(
                        file: file, charset: document.charset.rawValue, title: document.metadata.title,
                        blocks: document.blocks.map { .init(role: $0.role.name, text: $0.text, cells: $0.cells.isEmpty ? nil : $0.cells) }))
            }
            return .text(document.text)
        } catch let error as CorpusError {
            return .failed(error)
        } catch {
            return .failed(CorpusError(file: file, stage: .clean, reason: "\(error)"))
        }
    }

    struct CleanOutput: Encodable, Sendable {
        var file: String
        var charset: String
        var title: String?
        var blocks: [Block]
        struct Block: Encodable, Sendable {
            var role: String
            var text: String
            var cells: [String]?
        }
    }
}
