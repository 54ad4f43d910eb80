import Archiving
import CorpusKit
import Foundation

/// Every export, as a value: what it is, where it goes, and how it is made. `export --format`
/// takes these (argument-parser lists and checks them), so a new export is one case here and
/// its writer.
public enum ExportFormat: String, CaseIterable, Sendable {
    case jsonl, tmx, csv, wacz, site

    /// Where an export's output goes.
    public enum Destination: Sendable {
        /// Bytes: to stdout, or to --out FILE.
        case stream
        /// One file, --out FILE or `defaultName`.
        case file(defaultName: String)
        /// A folder, --out DIR (required).
        case folder
    }

    public var summary: String {
        switch self {
        case .jsonl: return "the records, one canonical JSON object per line"
        case .tmx: return "an EN–ZH translation memory, TMX 1.4b"
        case .csv: return "the glossary, terms with their lessons"
        case .wacz: return "every capture as a WACZ package for replay tools"
        case .site: return "a static bilingual site to read the corpus"
        }
    }

    public var destination: Destination {
        switch self {
        case .jsonl, .tmx, .csv: return .stream
        case .wacz: return .file(defaultName: "dccorpus.wacz")
        case .site: return .folder
        }
    }

    /// What an export produced: bytes for stdout, or a line saying what was written.
    public enum Output {
        case bytes(Data)
        case written(String)
    }

    /// Makes the export of `records` (WACZ reads the archive's WARC files, under the shared lock).
    /// `sign`: a WACZ signed with the archive's key (the only format that carries a signature).
    public func export(
        records: [CorpusRecord], store: ArchiveStore, seriesLength: Int, out: String?, sign: Bool = false,
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> Output {
        var signer: SigningKey?
        if sign {
            guard self == .wacz else { throw CorpusError(file: "-", stage: .config, reason: "--sign is for --format wacz") }
            switch store.signer {
            case .key(let key): signer = key
            case .unavailable(let reason, _):
                throw CorpusError(file: IntegrityConfig.fileName, stage: .config, reason: "cannot sign: \(reason)")
            case .none:
                throw CorpusError(
                    file: IntegrityConfig.fileName, stage: .config, reason: "no signing key: `dccorpus key init` makes the archive's key")
            }
        }
        switch self {
        case .jsonl, .tmx, .csv:
            let data = try Exporter.export(records, format: Exporter.Format(rawValue: rawValue)!)
            guard let out else { return .bytes(data) }
            try FileIO.writeAtomically(data, to: URL(fileURLWithPath: out))
            return .written("\(rawValue): \(out): \(records.count) records")
        case .wacz:
            let path = out ?? "dccorpus.wacz"
            // Under the shared lock: no writer appends to a WARC file while it is packed.
            let summary = try store.read {
                try WACZExporter.write(store: store, records: records, to: URL(fileURLWithPath: path), signer: signer, progress: progress)
            }
            return .written(
                "wacz: \(path): \(summary.warcFiles) WARC files, \(summary.captures) captures, \(summary.pages) pages"
                    + (signer.map { ", signed with \($0.id)" } ?? ""))
        case .site:
            guard let out else { throw CorpusError(file: "-", stage: .config, reason: "--format site needs --out DIR") }
            // Each archived video file, read from its WARC record, so the site plays it offline.
            let videos = try store.read { SiteExporter.archivedVideoFiles(records, store: store) }
            let written = try SiteWriter.write(
                SiteExporter.files(records, seriesLength: seriesLength, videos: videos), to: URL(fileURLWithPath: out))
            return .written("site: \(written) files in \(out) (open \(out)/index.html)")
        }
    }
}
