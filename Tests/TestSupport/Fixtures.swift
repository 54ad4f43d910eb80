import CorpusKit
import Foundation

/// The repository's Tests/Fixtures folder and Config folder, found from this file's path: one
/// copy for every test target that reads fixtures.
public enum Fixtures {
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    public static let folder = repository.appendingPathComponent("Tests/Fixtures")

    public static func data(_ relative: String) throws -> Data {
        try Data(contentsOf: folder.appendingPathComponent(relative))
    }

    public static func config() throws -> CorpusConfig {
        try CorpusConfig.load(root: repository)
    }
}

/// A folder under the system's temporary directory, removed with everything in it when the
/// test lets go of it.
public final class TemporaryFolder {
    public let url: URL

    public init(_ label: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("dccorpus-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A subfolder, created.
    public func folder(_ name: String) throws -> URL {
        let sub = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        return sub
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

extension Fixtures {
    /// A small sealed-looking record for tests that need records, not pages (search, exports).
    public static func record(
        _ id: String, kind: DocumentKind, lesson: Int? = nil, title: Bilingual, text: String, hash: String = "h",
        configure: (inout CorpusRecord) -> Void = { _ in }
    ) -> CorpusRecord {
        var info = SourceInfo(url: "https://example.org/\(id)", file: nil, retrievedAt: "2026-01-02T03:04:05Z")
        info.charset = "utf-8"
        info.tlsVerified = true
        var provenance = Provenance(
            source: info, rawSHA256: String(repeating: "a", count: 64), textSHA256: String(repeating: "b", count: 64),
            archive: ArchiveLocation(warc: "data/warc/x.warc.gz", recordID: "<urn:uuid:x>"),
            pipeline: PipelineInfo(version: "0.2.0", configSHA256: String(repeating: "c", count: 64)))
        provenance.recordSHA256 = hash
        var record = CorpusRecord(
            id: id, kind: kind, languages: ["en", "zh"], title: title, headline: nil,
            classification: ClassificationInfo(kind: kind, confidence: 0.9, evidence: []),
            series: lesson.map { SeriesInfo(name: "Digital China Construction Series", lesson: $0, of: 13) }, published: nil,
            publisher: nil, video: nil, synopsis: Bilingual(), terms: [], transcript: [], footnotes: [], topics: [], text: text,
            provenance: provenance)
        configure(&record)
        return record
    }
}
