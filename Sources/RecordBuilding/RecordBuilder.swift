import Archiving
import Classification
import Cleaning
import CorpusKit
import Foundation

/// Raw bytes with what is known about where they came from: the input of clean → classify → record.
public struct Capture: Sendable {
    /// Setting new bytes forgets `rawSHA256`, which was theirs.
    public var bytes: Data { didSet { rawSHA256 = nil } }
    public var format: any DocumentFormat
    public var source: SourceInfo
    /// The charset label from an HTTP Content-Type, which outranks the page's own meta.
    public var headerCharset: String?
    /// A name for errors and for ids of untitled documents.
    public var displayName: String
    /// The SHA-256 of `bytes` (hex), when the caller has it already: the bytes are not hashed
    /// again.
    public var rawSHA256: String?
    /// The videos archived with the page (`video.archived`), by the fetch or, on a rebuild, from
    /// the archive.
    public var archivedVideos: [ArchivedVideo] = []

    /// The SHA-256 of the raw capture: given, or of `bytes`.
    public var rawDigest: String { rawSHA256 ?? Digest.sha256Hex(bytes) }

    public init(
        bytes: Data, format: any DocumentFormat, source: SourceInfo, headerCharset: String?, displayName: String,
        rawSHA256: String? = nil
    ) {
        self.bytes = bytes
        self.format = format
        self.source = source
        self.headerCharset = headerCharset
        self.displayName = displayName
        self.rawSHA256 = rawSHA256
    }
}

/// Runs the pure stages (clean, classify) and assembles a sealed record. No I/O: the same
/// capture and config always give the same record, which is what `verify --rebuild` relies on.
public struct RecordBuilder: Sendable {
    public let config: CorpusConfig
    let cleaner: Cleaner
    let classifier: Classifier

    public init(config: CorpusConfig) {
        self.config = config
        cleaner = Cleaner(config: config.pipeline)
        classifier = Classifier(config: config)
    }

    public func build(_ capture: Capture, archive: ArchiveLocation) throws -> CorpusRecord {
        try buildWithFile(capture, archive: archive).record
    }

    /// The sealed record and the exact bytes of its file, converted to JSON once.
    public func buildWithFile(_ capture: Capture, archive: ArchiveLocation) throws -> (record: CorpusRecord, file: Data) {
        try unsealed(capture, archive: archive).sealedWithFile()
    }

    /// The record before sealing: cleaning and classifying, all the work that does not depend on
    /// where the capture is archived (`provenance.archive` can be set afterwards, then seal).
    public func unsealed(_ capture: Capture, archive: ArchiveLocation) throws -> CorpusRecord {
        let document = try cleaner.clean(
            capture.bytes, format: capture.format, source: capture.displayName,
            headerCharset: capture.headerCharset)
        let classified = classifier.classify(document, sourceName: capture.displayName)
        guard WriteSession.isSafeID(classified.id) else {
            throw CorpusError(
                file: capture.displayName, stage: .classify, reason: "derived id \"\(classified.id)\" is not a safe file name")
        }
        var source = capture.source
        source.charset = document.charset.rawValue
        source.canonicalURL = Self.canonicalURL(document.metadata.canonicalURL, base: source.url)
        var content = classified
        content.original = classified.original.map { OriginalLink(url: Self.originalURL($0.url, page: source), titleZH: $0.titleZH) }
        if !capture.archivedVideos.isEmpty {
            var video = content.video ?? VideoInfo(speaker: Bilingual(), durationSeconds: nil)
            video.archived = capture.archivedVideos
            content.video = video
        }
        let record = CorpusRecord(
            content: content,
            provenance: Provenance(
                source: source, rawSHA256: capture.rawDigest,
                textSHA256: Digest.sha256Hex(classified.text), archive: archive,
                pipeline: PipelineInfo(version: CorpusConfig.pipelineVersion, configSHA256: config.configSHA256)))
        return record
    }

    /// The original's address as an absolute http(s) URL: resolved against the page's own address
    /// when relative; nil for other schemes (`javascript:`, `file:`), for a relative link with
    /// nothing to resolve it against, and for a link back to the page itself.
    static func originalURL(_ link: String?, page: SourceInfo) -> String? {
        guard let resolved = canonicalURL(link, base: page.url) else { return nil }
        let own = Set([page.url, page.requestedURL, page.canonicalURL].compactMap { $0.flatMap { canonicalURL($0, base: nil) } })
        return own.contains(resolved) ? nil : resolved
    }

    /// The page's canonical link as an absolute http(s) URL (resolved against the capture's
    /// address when relative), without its fragment; nil when it is anything else.
    static func canonicalURL(_ link: String?, base: String?) -> String? {
        guard let link = link?.trimmingCharacters(in: .whitespaces), !link.isEmpty, link.utf8.count <= 2048 else { return nil }
        guard let resolved = URL(string: link, relativeTo: base.flatMap { URL(string: $0) })?.absoluteURL,
            let scheme = resolved.scheme?.lowercased(), scheme == "http" || scheme == "https", resolved.host != nil,
            var components = URLComponents(url: resolved, resolvingAgainstBaseURL: false)
        else { return nil }
        components.fragment = nil
        return components.string
    }
}
