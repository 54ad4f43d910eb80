import CLibXML2
import CorpusKit
import Foundation

/// HTML and XHTML, through libxml2's HTML parser (never the network, never external entities).
public struct HTMLFormat: DocumentFormat {
    public init() {}
    public var name: String { "html" }
    public var extensions: [String] { [".html", ".htm", ".xhtml", ".shtml"] }
    public var archivedMediaType: String { "text/html" }

    public func claims(contentType: String) -> Bool { contentType.contains("html") || contentType.contains("xhtml") }

    public func sniff(_ head: Data) -> Bool {
        let prefix = String(decoding: head.prefix(512), as: UTF8.self).lowercased()
        let start = prefix.drop { $0.isWhitespace || $0 == "\u{FEFF}" }
        return start.hasPrefix("<!doctype html") || start.hasPrefix("<html")
    }

    public func clean(_ bytes: Data, source: String, headerCharset: String?, cleaner: Cleaner) throws -> CleanDocument {
        try Cleaner.rejectBinary(bytes, source: source)
        let config = cleaner.config
        let detected = Charset.detectChecked(bytes, headerLabel: headerCharset)
        let parsed: HTMLDocument
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...]
        if detected.charset == .utf8, detected.validUTF8 || body.withUnsafeBytes(Charset.isValidUTF8) {
            // Checked without a copy (once: detection may have checked already), then parsed
            // from the bytes themselves.
            parsed = try body.withUnsafeBytes { raw in
                try Self.parse(raw.bindMemory(to: UInt8.self), config: config, source: source)
            }
        } else {
            // Another charset, or UTF-8 with a few sequences to repair (or too many: an error
            // naming the offset of the first).
            var text = try detected.charset.decode(bytes, source: source)
            parsed = try text.withUTF8 { try Self.parse($0, config: config, source: source) }
        }
        var extractor = HTMLExtractor(config: config, source: source, rules: cleaner.rules)
        let extracted = try extractor.extract(parsed)
        if extracted.blocks.isEmpty, parsed.parserError == Int32(XML_ERR_INTERNAL_ERROR.rawValue) {
            throw CorpusError(
                file: source, stage: .clean,
                reason: "libxml2 stopped parsing (elements nested deeper than it allows); no text extracted")
        }
        return CleanDocument(
            blocks: extracted.blocks, metadata: extracted.metadata, charset: detected.charset, charsetEvidence: detected.evidence)
    }

    /// Parses valid UTF-8 without the text the extractor never reads (see `UnusedText`), after
    /// refusing a page with too many elements.
    static func parse(_ utf8: UnsafeBufferPointer<UInt8>, config: PipelineConfig, source: String) throws -> HTMLDocument {
        try Cleaner.refuseOversizedTree(utf8, limit: Cleaner.elementLimit(config), source: source)
        if let kept = UnusedText.removed(from: utf8) {
            let restoration = Restoration(page: utf8, elisions: kept.elisions)
            return try kept.bytes.withUnsafeBytes { try HTMLDocument(validUTF8: $0, source: source, restoring: restoration) }
        }
        return try HTMLDocument(validUTF8: UnsafeRawBufferPointer(utf8), source: source)
    }
}
