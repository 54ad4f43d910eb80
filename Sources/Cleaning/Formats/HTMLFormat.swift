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
        let detected = Charset.detect(bytes, headerLabel: headerCharset)
        let parsed: HTMLDocument
        if detected.charset == .utf8 {
            // Checked (the check's copy dropped at once), then parsed from the bytes themselves.
            _ = try detected.charset.decode(bytes, source: source)
            let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...]
            try body.withUnsafeBytes { raw in
                try Cleaner.refuseOversizedTree(raw.bindMemory(to: UInt8.self), limit: Cleaner.elementLimit(config), source: source)
            }
            parsed = try HTMLDocument(validUTF8: body, source: source)
        } else {
            var text = try detected.charset.decode(bytes, source: source)
            try text.withUTF8 { try Cleaner.refuseOversizedTree($0, limit: Cleaner.elementLimit(config), source: source) }
            parsed = try HTMLDocument(utf8: text, source: source)
        }
        var extractor = HTMLExtractor(config: config, source: source)
        let extracted = try extractor.extract(parsed)
        if extracted.blocks.isEmpty, parsed.parserError == Int32(XML_ERR_INTERNAL_ERROR.rawValue) {
            throw CorpusError(
                file: source, stage: .clean,
                reason: "libxml2 stopped parsing (elements nested deeper than it allows); no text extracted")
        }
        return CleanDocument(
            blocks: extracted.blocks, metadata: extracted.metadata, charset: detected.charset, charsetEvidence: detected.evidence)
    }
}
