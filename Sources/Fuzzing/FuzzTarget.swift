import Archiving
import Classification
import Cleaning
import CorpusKit
import Foundation
import Integrity
import RecordBuilding
import ZIPFoundation

/// A broken promise found by a fuzz target: the input was handled without a crash, but the
/// result breaks a rule the rest of the pipeline relies on.
public struct FuzzFailure: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The fuzz targets: each takes arbitrary bytes, must never crash, and either rejects them with a
/// one-line `CorpusError` or returns a result that keeps the stage's promises. The libFuzzer
/// driver (`dccorpus-fuzz`, built by `Scripts/fuzz.sh`) and the regression tests share them.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// Charset detection and decoding, then the HTML and text cleaners.
    case cleaner
    /// Clean as text or HTML, classify, build and seal the record, validate it.
    case classifier
    /// The WARC reader: plain records, and gzip members through the streaming reader.
    case warc
    /// The TOML loaders for pipeline.toml, lexicon.toml and sources.toml.
    case config
    /// The archive readers other than WARC, by the first byte: ARC, MHTML, a WACZ file as
    /// given, a WACZ whose datapackage.json is the input; each record they yield through
    /// `WARCImport`.
    case archive
    /// PDF through poppler: text, layout, running lines.
    case pdf

    /// Runs one input. Throws `FuzzFailure` when a promise is broken; never throws anything else.
    public func run(_ data: Data, context: FuzzContext) throws {
        switch self {
        case .cleaner: try Self.cleaner(data, context)
        case .classifier: try Self.classifier(data, context)
        case .warc: try Self.warc(data, context)
        case .config: try Self.config(data)
        case .archive: try Self.archive(data, context)
        case .pdf: try Self.pdf(data, context)
        }
    }

    /// An expected rejection must be a `CorpusError` whose message is one line.
    static func expectRejection(_ error: Error, stages: Set<Stage>, what: String) throws {
        guard let error = error as? CorpusError else {
            throw FuzzFailure("\(what) threw a \(type(of: error)), not a CorpusError: \(error)")
        }
        guard stages.contains(error.stage) else {
            throw FuzzFailure("\(what) failed in stage \(error.stage.rawValue): \(error)")
        }
        if error.description.contains(where: \.isNewline) {
            throw FuzzFailure("\(what) error is more than one line: \(error.description.debugDescription)")
        }
    }

    static func cleaner(_ data: Data, _ context: FuzzContext) throws {
        // The first byte picks the format and a header charset, so one corpus covers both paths.
        let selector = data.first ?? 0
        let format = DocumentFormats.all[Int(selector) % DocumentFormats.all.count]
        let header: String? = [nil, "utf-8", "gb2312", "windows-1252", "utf-16", "nonsense"][Int(selector >> 1) % 6]
        let page = data.dropFirst()
        let detected = Charset.detect(Data(page), headerLabel: header)
        let cleaner = Cleaner(config: context.config.pipeline)
        let first: CleanDocument
        do {
            first = try cleaner.clean(Data(page), format: format, source: "fuzz", headerCharset: header)
        } catch {
            try expectRejection(error, stages: [.read, .decode, .clean], what: "clean")
            return
        }
        if first.charset != detected.charset { throw FuzzFailure("charset \(first.charset) but detect says \(detected.charset)") }
        for block in first.blocks {
            if block.text.isEmpty { throw FuzzFailure("empty block") }
            // Preformatted blocks keep their indentation; nothing keeps trailing blanks.
            if block.text.last!.isWhitespace || block.role != .preformatted && block.text.first!.isWhitespace
                || block.text.allSatisfy(\.isWhitespace)
            {
                throw FuzzFailure("block not trimmed: \(block.text.prefix(80).debugDescription)")
            }
            if let control = block.text.unicodeScalars.first(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\t" }) {
                throw FuzzFailure(
                    "control character U+\(String(control.value, radix: 16)) in block: \(block.text.prefix(80).debugDescription)")
            }
        }
        let second = try cleaner.clean(Data(page), format: format, source: "fuzz", headerCharset: header)
        if second != first { throw FuzzFailure("cleaning the same bytes twice gave different documents") }
    }

    static func classifier(_ data: Data, _ context: FuzzContext) throws {
        let format = DocumentFormats.all[(Int(data.first ?? 0) + 1) % DocumentFormats.all.count]
        let page = Data(data.dropFirst())
        let capture = Capture(
            bytes: page, format: format,
            source: SourceInfo(file: "Inbox/fuzz.txt", retrievedAt: "2026-01-01T00:00:00Z", fileSize: page.count),
            headerCharset: nil, displayName: "fuzz.txt")
        let location = ArchiveLocation(warc: "data/warc/fuzz.warc.gz", recordID: "<urn:uuid:00000000-0000-0000-0000-000000000000>")
        let built: (record: CorpusRecord, file: Data)
        do {
            built = try context.builder.buildWithFile(capture, archive: location)
        } catch {
            try expectRejection(error, stages: [.read, .decode, .clean], what: "build")
            return
        }
        let decoded: CorpusRecord
        do {
            decoded = try CorpusRecord.decode(built.file, file: "fuzz")
        } catch {
            throw FuzzFailure("the record file does not decode: \(error)")
        }
        if decoded != built.record { throw FuzzFailure("the record file decodes to another record") }
        if try decoded.fileData() != built.file { throw FuzzFailure("re-encoding the record changes its bytes") }
        let findings = context.validator.findings(for: built.record)
        if let broken = findings.errors.first(where: { $0.rule == .schema || $0.rule == .provenance }) {
            throw FuzzFailure("the built record breaks a rule: \(broken.rule): \(broken.message)")
        }
        let again = try context.builder.buildWithFile(capture, archive: location)
        if again.file != built.file { throw FuzzFailure("building the same bytes twice gave different records") }
        // This corpus's precision: only pages with the series' own markers (its name, or its
        // publisher for a glossary) become lessons, lesson sources or the glossary.
        let record = built.record
        if [.lesson, .lessonSource, .glossary].contains(record.kind) {
            let evidence = context.builder.config.lexicon.evidence
            let markers = evidence.seriesNames + (record.kind == .glossary ? evidence.publisherNames : [])
            let searchable = SearchableText(
                lowercasing: [record.text, record.title.en ?? "", record.title.zh ?? "", record.headline ?? ""]
                    .joined(separator: "\n"))
            if !markers.contains(where: { searchable.contains($0.lowercased()) }) {
                throw FuzzFailure("a page without the series' markers became \(record.kind.rawValue) \(record.id)")
            }
        }
    }

    static func warc(_ data: Data, _ context: FuzzContext) throws {
        let limit = 1 << 20
        // Plain records straight from memory…
        var plain: [WARCRecord] = []
        do {
            plain = try WARCRecord.parseAll(data, source: "fuzz")
        } catch {
            try expectRejection(error, stages: [.warc, .read], what: "parse")
        }
        for record in plain {
            if let declared = record[.contentLength], Int(declared) != record.block.count {
                throw FuzzFailure("block of \(record.block.count) bytes but Content-Length \(declared)")
            }
            _ = record.digestProblems()
            _ = record.payload
            _ = record.httpHeaderText
        }
        if !plain.isEmpty {
            let again = try? WARCRecord.parseAll(Data(plain.map { $0.serialized() }.joined()), source: "fuzz")
            if again != plain { throw FuzzFailure("serializing and re-reading the records changes them") }
        }
        // …and through the file reader, which streams plain records and inflates gzip members
        // one at a time. On a plain file it must agree with the in-memory parser.
        try data.write(to: context.scratchFile)
        var streamed: [WARCRecord] = []
        var complete = false
        do {
            try WARCFileReader(path: context.scratchFile.path, limit: limit).forEachRecord { record, _ in
                if record.block.count > limit { throw FuzzFailure("a record over the limit was returned") }
                streamed.append(record)
            }
            complete = true
        } catch let failure as FuzzFailure {
            throw failure
        } catch {
            try expectRejection(error, stages: [.warc, .read], what: "read")
        }
        if complete, !data.starts(with: [0x1f, 0x8b]), !plain.isEmpty, streamed != plain {
            throw FuzzFailure("the streaming reader read \(streamed.count) records, the parser \(plain.count)")
        }
    }

    static func archive(_ data: Data, _ context: FuzzContext) throws {
        let selector = Int(data.first ?? 0) % 4
        let body = Data(data.dropFirst())
        let formats: [(any ArchiveFormat, String)] = [
            (ARCArchiveFormat(), "arc"), (MHTMLArchiveFormat(), "mhtml"), (WACZArchiveFormat(), "wacz"), (WACZArchiveFormat(), "wacz")
        ]
        let (format, suffix) = formats[selector]
        let file = context.scratchFile.deletingPathExtension().appendingPathExtension(suffix)
        defer { try? FileManager.default.removeItem(at: file) }
        try (selector == 3 ? try FuzzPackage.wacz(manifest: body) : body).write(to: file)
        var config = context.config.pipeline
        config.maxWARCRecordBytes = 1 << 20
        var problems: [WARCReadProblem] = []
        let collect: (WARCReadProblem) -> Void = { problems.append($0) }
        do {
            try format.forEachRecord(path: file.path, config: config, onProblem: collect) { entry in
                let record = entry.record
                if record.block.count > config.maxWARCRecordBytes, entry.role == .candidate, selector == 0 {
                    throw FuzzFailure("an ARC record over the limit was returned")
                }
                let again = try? WARCRecord.parseAll(record.serialized(), source: "fuzz")
                if again != [record] {
                    let read = again?.first?.headers.map { "\($0.name): \($0.value)" } ?? []
                    let written = record.headers.map { "\($0.name): \($0.value)" }
                    let differs = zip(written, read).first { $0 != $1 }.map {
                        "\($0.0.debugDescription) read back as \($0.1.debugDescription)"
                    }
                    throw FuzzFailure(
                        "a \(suffix) record does not survive being written and read: \(differs ?? "\(written.count) fields, \(read.count) read back")"
                    )
                }
                do {
                    _ = try WARCImport.capture(from: record, file: "fuzz", decodeLimit: 1 << 20)
                } catch {
                    try expectRejection(error, stages: [.warc, .decode, .read], what: "capture")
                }
            }
        } catch let failure as FuzzFailure {
            throw failure
        } catch {
            try expectRejection(error, stages: [.warc, .read, .decode], what: suffix)
        }
        for problem in problems where problem.error.description.contains(where: \.isNewline) {
            throw FuzzFailure("a \(suffix) problem is more than one line: \(problem.error.description.debugDescription)")
        }
    }

    static func pdf(_ data: Data, _ context: FuzzContext) throws {
        let cleaner = Cleaner(config: context.config.pipeline)
        let first: CleanDocument
        do {
            first = try cleaner.clean(data, format: PDFFormat(), source: "fuzz.pdf")
        } catch {
            try expectRejection(error, stages: [.read, .clean], what: "pdf")
            return
        }
        for block in first.blocks where block.text.isEmpty || block.text.first!.isWhitespace || block.text.last!.isWhitespace {
            throw FuzzFailure("pdf block not trimmed: \(block.text.prefix(80).debugDescription)")
        }
        if try cleaner.clean(data, format: PDFFormat(), source: "fuzz.pdf") != first {
            throw FuzzFailure("cleaning the same PDF twice gave different documents")
        }
    }

    static func config(_ data: Data) throws {
        let text = String(decoding: data, as: UTF8.self)
        let loaders: [(String, (String) throws -> Void)] = [
            ("pipeline.toml", { _ = try CorpusConfig.parsePipeline($0, file: "pipeline.toml") }),
            ("lexicon.toml", { _ = try CorpusConfig.parseLexicon($0, file: "lexicon.toml") }),
            ("sources.toml", { _ = try SourceEntry.parse($0, file: "sources.toml") }),
            ("sources.toml", { _ = try HostPolicy.parse($0, file: "sources.toml") })
        ]
        for (name, load) in loaders {
            do {
                try load(text)
            } catch {
                try expectRejection(error, stages: [.config], what: name)
                if (error as! CorpusError).file != name { throw FuzzFailure("\(name) error names another file: \(error)") }
            }
        }
    }
}

/// What the targets share between inputs: the repository's configuration and a scratch file.
public final class FuzzContext: @unchecked Sendable {
    public let config: CorpusConfig
    let builder: RecordBuilder
    let validator: Validator
    let scratchFile: URL

    /// `root` holds `Config/`; the scratch file goes to /dev/shm when there is one.
    public init(root: URL) throws {
        config = try CorpusConfig.load(root: root)
        builder = RecordBuilder(config: config)
        validator = Validator(config: config)
        let shm = URL(fileURLWithPath: "/dev/shm")
        let folder = FileManager.default.fileExists(atPath: shm.path) ? shm : FileManager.default.temporaryDirectory
        scratchFile = folder.appendingPathComponent("dccorpus-fuzz-\(getpid()).warc")
    }

    deinit { try? FileManager.default.removeItem(at: scratchFile) }
}

/// A WACZ package around a given datapackage.json (the fuzz input), with a small WARC and page
/// list whose digests it may or may not name.
enum FuzzPackage {
    static func wacz(manifest: Data) throws -> Data {
        let archive = try ZIPFoundation.Archive(data: Data(), accessMode: .create)
        let warc = WARCRecord.make(
            type: .resource, date: "2025-04-11T00:00:00Z", contentType: "text/html", block: Data("<p>fuzz</p>".utf8),
            extra: [(.targetURI, "https://example.org/")], recordID: "<urn:uuid:00000000-0000-0000-0000-000000000001>"
        ).serialized()
        let entries: [(String, Data)] = [
            ("archive/data.warc", warc), ("pages/pages.jsonl", Data("{\"url\": \"https://example.org/\"}\n".utf8)),
            ("datapackage.json", manifest)
        ]
        for (path, bytes) in entries {
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count)) { position, size in
                bytes.subdata(in: Int(position)..<(Int(position) + size))
            }
        }
        return archive.data ?? Data()
    }
}
