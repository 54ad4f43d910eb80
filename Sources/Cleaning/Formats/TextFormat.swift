import CorpusKit
import Foundation

/// Plain text in UTF-8, UTF-16 or the GB family: each line a block, or each paragraph of a
/// hard-wrapped text (`Cleaner.textBlocks`).
public struct TextFormat: DocumentFormat {
    public init() {}
    public var name: String { "text" }
    public var extensions: [String] { [".txt", ".text"] }
    public var archivedMediaType: String { "text/plain" }

    public func claims(contentType: String) -> Bool { contentType.hasPrefix("text/plain") }

    public func clean(_ bytes: Data, source: String, headerCharset: String?, cleaner: Cleaner) throws -> CleanDocument {
        try Cleaner.rejectBinary(bytes, source: source)
        let detected = Charset.detect(bytes, headerLabel: headerCharset)
        if detected.evidence == .sniffed, detected.charset == .windows1252 {
            throw CorpusError(
                file: source, stage: .decode, reason: "text in an unknown encoding (neither UTF-8 nor GB18030; save it as UTF-8)")
        }
        return CleanDocument(
            blocks: cleaner.textBlocks(try detected.charset.decode(bytes, source: source)), metadata: PageMetadata(),
            charset: detected.charset, charsetEvidence: detected.evidence)
    }
}
