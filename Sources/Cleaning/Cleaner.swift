import CLibXML2
import CorpusKit
import Foundation

/// The cleaning stage: raw bytes in, a `CleanDocument` out. HTML goes through libxml2; plain
/// text is cut into paragraphs. Never touches the network.
public struct Cleaner: Sendable {
    public enum Format: Sendable, Equatable { case html, text }

    public let config: PipelineConfig

    public init(config: PipelineConfig) { self.config = config }

    /// libxml2 sets up its global state on first use; do it once before cleaning on several threads.
    public static func prepareForThreads() {
        xmlInitParser()
    }

    /// The format implied by a file name, or nil if unsupported.
    public static func format(forName name: String, contentType: String? = nil) -> Format? {
        if let contentType {
            let type = contentType.lowercased()
            if type.contains("html") || type.contains("xhtml") { return .html }
            if type.hasPrefix("text/plain") { return .text }
        }
        let lowered = name.lowercased()
        if lowered.hasSuffix(".html") || lowered.hasSuffix(".htm") || lowered.hasSuffix(".xhtml") { return .html }
        if lowered.hasSuffix(".txt") || lowered.hasSuffix(".text") { return .text }
        return nil
    }

    /// Cleans one page. `source` names it in errors; `headerCharset` is the HTTP charset when fetched.
    public func clean(_ bytes: Data, format: Format, source: String, headerCharset: String? = nil) throws -> CleanDocument {
        if bytes.isEmpty { throw CorpusError(file: source, stage: .read, reason: "empty file") }
        if bytes.count > config.maxInputBytes {
            throw CorpusError(
                file: source, stage: .read,
                reason: "\(bytes.count) bytes is over the \(config.maxInputBytes)-byte limit (pipeline.toml limits.max_input_bytes)")
        }
        try Self.rejectBinary(bytes, source: source)
        let detected = Charset.detect(bytes, headerLabel: headerCharset)
        if format == .text, detected.evidence == .sniffed, detected.charset == .windows1252 {
            throw CorpusError(
                file: source, stage: .decode, reason: "text in an unknown encoding (neither UTF-8 nor GB18030; save it as UTF-8)")
        }
        var document: CleanDocument
        switch format {
        case .html:
            let parsed: HTMLDocument
            if detected.charset == .utf8 {
                // Checked (the check's copy dropped at once), then parsed from the bytes themselves.
                _ = try detected.charset.decode(bytes, source: source)
                let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...]
                try body.withUnsafeBytes { raw in
                    try Self.refuseOversizedTree(raw.bindMemory(to: UInt8.self), limit: Self.elementLimit(config), source: source)
                }
                parsed = try HTMLDocument(validUTF8: body, source: source)
            } else {
                var text = try detected.charset.decode(bytes, source: source)
                try text.withUTF8 { try Self.refuseOversizedTree($0, limit: Self.elementLimit(config), source: source) }
                parsed = try HTMLDocument(utf8: text, source: source)
            }
            var extractor = HTMLExtractor(config: config, source: source)
            let extracted = try extractor.extract(parsed)
            if extracted.blocks.isEmpty, parsed.parserError == Int32(XML_ERR_INTERNAL_ERROR.rawValue) {
                throw CorpusError(
                    file: source, stage: .clean,
                    reason: "libxml2 stopped parsing (elements nested deeper than it allows); no text extracted")
            }
            document = CleanDocument(
                blocks: extracted.blocks, metadata: extracted.metadata,
                charset: detected.charset, charsetEvidence: detected.evidence)
        case .text:
            document = CleanDocument(
                blocks: textBlocks(try detected.charset.decode(bytes, source: source)), metadata: PageMetadata(),
                charset: detected.charset, charsetEvidence: detected.evidence)
        }
        if document.blocks.count > config.maxBlocks {
            throw CorpusError(
                file: source, stage: .clean, reason: "page has more than \(config.maxBlocks) blocks (pipeline.toml limits.max_blocks)")
        }
        guard !document.blocks.isEmpty else {
            throw CorpusError(file: source, stage: .clean, reason: "no text content found")
        }
        return document
    }

    /// Start tags a page may have: five times `limits.max_blocks` (500,000 by default, thirty
    /// times the most any of 1,678 real benchmark pages has). libxml2 builds the whole tree before
    /// the walk can count blocks, and a tree of millions of elements takes 15–25x the page in
    /// memory: such a page is refused by a byte scan before the parse, with one clear line.
    static func elementLimit(_ config: PipelineConfig) -> Int { 5 * config.maxBlocks }

    static func refuseOversizedTree(_ bytes: UnsafeBufferPointer<UInt8>, limit: Int, source: String) throws {
        let count = { () -> Int in
            guard bytes.count > limit * 3 else { return 0 }  // a start tag takes at least three bytes
            var found = 0
            var index = 0
            while index + 1 < bytes.count {
                if bytes[index] == 0x3C {
                    let next = bytes[index + 1] | 0x20
                    if next >= 0x61 && next <= 0x7A {
                        found += 1
                        if found > limit { return found }
                    }
                }
                index += 1
            }
            return found
        }()
        if count > limit {
            throw CorpusError(
                file: source, stage: .clean,
                reason: "page has more than \(limit) elements (5 x pipeline.toml limits.max_blocks); refused before parsing")
        }
    }

    /// NUL bytes, or mostly control bytes, in the first 8 KB mean this is not a text document.
    static func rejectBinary(_ bytes: Data, source: String) throws {
        let head = bytes.prefix(8192)
        let isUTF16 = head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0xFE, 0xFF])
        if isUTF16 { return }
        let (nul, control) = head.withUnsafeBytes { raw -> (Bool, Int) in
            var control = 0
            for byte in raw {
                if byte == 0 { return (true, 0) }
                if byte < 0x09 || (byte > 0x0D && byte < 0x20) { control += 1 }
            }
            return (false, control)
        }
        if nul { throw CorpusError(file: source, stage: .read, reason: "binary content (NUL bytes), not a text or HTML document") }
        if control * 10 > head.count {
            throw CorpusError(file: source, stage: .read, reason: "binary content (control bytes), not a text or HTML document")
        }
    }

    /// Paragraphs of a plain-text document: each line is a block, unless the text is
    /// hard-wrapped (most lines 50–80 characters, paragraphs separated by blank lines), in which
    /// case the lines of a paragraph are joined.
    func textBlocks(_ text: String) -> [TextBlock] {
        let unified = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        let lines = unified.split(separator: "\n", omittingEmptySubsequences: false)
        let nonEmpty = lines.filter { !$0.allSatisfy(\.isWhitespace) }
        let wrapped = nonEmpty.filter { (50...80).contains($0.count) }.count
        let hasBlankLines = nonEmpty.count < lines.count - 1
        let hardWrapped = hasBlankLines && nonEmpty.count >= 4 && wrapped * 10 >= nonEmpty.count * 7
        var paragraphs: [String] = []
        if hardWrapped {
            var current: [Substring] = []
            for line in lines {
                if line.allSatisfy(\.isWhitespace) {
                    if !current.isEmpty {
                        paragraphs.append(current.joined(separator: " "))
                        current = []
                    }
                } else {
                    current.append(line)
                }
            }
            if !current.isEmpty { paragraphs.append(current.joined(separator: " ")) }
        } else {
            paragraphs = nonEmpty.map(String.init)
        }
        let phrases = config.boilerplatePhrases.map { $0.lowercased() }
        var blocks: [TextBlock] = []
        for paragraph in paragraphs {
            let clean = TextNormalizer.normalize(paragraph)
            guard !clean.isEmpty else { continue }
            if HTMLExtractor.isBoilerplatePhrase(clean, phrases) { continue }
            blocks.append(TextBlock(role: Self.textRole(Substring(paragraph)), text: clean))
        }
        return blocks
    }

    static func textRole(_ line: Substring) -> BlockRole {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        if let first = trimmed.first, "•-*·▪".contains(first), trimmed.dropFirst().first == " " { return .listItem }
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        if !digits.isEmpty, digits.count <= 3, trimmed.dropFirst(digits.count).first == ".",
            trimmed.dropFirst(digits.count + 1).first == " ", line.first == " " || line.first == "\t"
        {
            return .listItem
        }
        return .paragraph
    }
}
