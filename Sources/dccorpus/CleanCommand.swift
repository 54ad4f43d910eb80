import Archiving
import ArgumentParser
import Cleaning
import CorpusKit
import Foundation
import Integrity
import RecordBuilding

struct Clean: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clean",
        abstract: "Print (or write DIR/<name>.txt) the cleaner's main text of each file.",
        discussion: """
            Files are cleaned on --jobs threads (default: one per core); output keeps the order of the arguments. \
            Every input ingest accepts is accepted; each document an archive holds is cleaned as `FILE#URL`.
            """)

    @OptionGroup var options: GlobalOptions
    @Option(name: .long, help: "Write DIR/<name>.txt per file instead of printing.") var out: String?
    @Option(name: .long, help: "Charset to assume, as an HTTP header would give it.") var charset: String?
    @Option(name: .long, help: "Threads to clean on (default: the number of cores).") var jobs: Int?
    @Argument(help: "Files of any input format ingest accepts (HTML, text, WARC …).") var files: [String]

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    /// One file's outcome: the text written or to print, or the error.
    enum Outcome: Sendable {
        case written
        case text([(name: String, text: String)])
        case json([CleanOutput])
        case failed(CorpusError)
    }

    func run() throws {
        try guarded {
            let pipeline = try options.loadPipeline()
            let cleaner = Cleaner(config: pipeline)
            if let out { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) }
            let (files, out, charset, json) = (self.files, self.out, self.charset, options.json)
            let limit = pipeline.maxInputBytes
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
                    case .text(let documents):
                        for (name, text) in documents {
                            if files.count > 1 || documents.count > 1 || name != file { Output.line("==> \(name) <==") }
                            Output.line(text)
                        }
                    case .json(let values):
                        for value in values { Output.jsonLine(value) }
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
            // A name no format claims is read as HTML, unless its first bytes say otherwise.
            let kind = Inputs.kind(forPath: file) ?? .document(HTMLFormat())
            var documents: [(name: String, document: CleanDocument)] = []
            switch kind {
            case .document(let format):
                let bytes = try FileIO.read(URL(fileURLWithPath: file), limit: limit)
                documents = [(file, try cleaner.clean(bytes, format: format, source: file, headerCharset: charset))]
            case .archive(let format):
                documents = try cleanArchive(file, format: format, cleaner: cleaner)
            }
            if let out {
                let base = Self.baseName(file)
                for (index, (_, document)) in documents.enumerated() {
                    let name = documents.count == 1 && kind.isDocument ? base : "\(base)-\(index + 1)"
                    try FileIO.writeAtomically(
                        Data((document.text + "\n").utf8),
                        to: URL(fileURLWithPath: out, isDirectory: true).appendingPathComponent(name + ".txt", isDirectory: false),
                        durable: false)
                }
                return .written
            }
            if json {
                return .json(
                    documents.map { name, document in
                        CleanOutput(
                            file: name, charset: document.charset.rawValue, title: document.metadata.title,
                            pageType: document.metadata.pageType?.rawValue,
                            blocks: document.blocks.map {
                                .init(role: $0.role.name, text: $0.text, cells: $0.cells.isEmpty ? nil : $0.cells)
                            })
                    })
            }
            return .text(documents.map { ($0.name, $0.document.text) })
        } catch let error as CorpusError {
            return .failed(error)
        } catch {
            return .failed(CorpusError(file: file, stage: .clean, reason: "\(error)"))
        }
    }

    /// Every document an archive holds, cleaned, named `FILE#URL`; a record that holds none is
    /// passed over, one that fails fails the file.
    static func cleanArchive(_ file: String, format: any ArchiveFormat, cleaner: Cleaner) throws -> [(
        name: String, document: CleanDocument
    )] {
        var documents: [(name: String, document: CleanDocument)] = []
        var problems: [CorpusError] = []
        let collect: (WARCReadProblem) -> Void = { if $0.costsRecord { problems.append($0.error) } }
        try format.forEachRecord(path: file, config: cleaner.config, onProblem: collect) { entry in
            let (record, offset) = (entry.record, entry.offset)
            guard entry.role == .candidate,
                let capture = try WARCImport.capture(from: record, file: file, decodeLimit: cleaner.config.maxInputBytes)
            else { return }
            let name = "\(file)#\(record.targetURI ?? "offset \(offset)")"
            documents.append(
                (name, try cleaner.clean(capture.bytes, format: capture.format, source: name, headerCharset: capture.headerCharset)))
        }
        if let problem = problems.first { throw problem }
        if documents.isEmpty { throw CorpusError(file: file, stage: .warc, reason: "holds no HTML or text document") }
        return documents
    }

    /// The file's name without the ending its format claims.
    static func baseName(_ file: String) -> String {
        let name = (file as NSString).lastPathComponent
        let lowered = name.lowercased()
        let suffix = Inputs.extensions.filter { lowered.hasSuffix($0) }.max { $0.count < $1.count }
        return suffix.map { String(name.dropLast($0.count)) } ?? name
    }

    struct CleanOutput: Encodable, Sendable {
        var file: String
        var charset: String
        var title: String?
        var pageType: String?
        var blocks: [Block]
        enum CodingKeys: String, CodingKey {
            case file, charset, title, blocks
            case pageType = "page_type"
        }
        struct Block: Encodable, Sendable {
            var role: String
            var text: String
            var cells: [String]?
        }
    }
}
