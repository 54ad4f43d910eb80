import CLibXML2
import CorpusKit
import Foundation

/// The cleaning stage: raw bytes in, a `CleanDocument` out, by the document's format (see
/// `DocumentFormats`): HTML through libxml2, plain text cut into paragraphs. Never touches the network.
public struct Cleaner: Sendable {
    public let config: PipelineConfig
    /// The HTML extractor's tables, made from `config` once.
    let rules: HTMLExtractor.Rules

    public init(config: PipelineConfig) {
        self.config = config
        rules = HTMLExtractor.Rules(config: config)
    }

    /// Cleans one page. `source` names it in errors; `headerCharset` is the HTTP charset when fetched.
    public func clean(_ bytes: Data, format: any DocumentFormat, source: String, headerCharset: String? = nil) throws -> CleanDocument {
        if bytes.isEmpty { throw CorpusError(file: source, stage: .read, reason: "empty file") }
        if bytes.count > config.maxInputBytes {
            throw CorpusError(
                file: source, stage: .read,
                reason: "\(bytes.count) bytes is over the \(config.maxInputBytes)-byte limit (pipeline.toml limits.max_input_bytes)")
        }
        let document = try format.clean(bytes, source: source, headerCharset: headerCharset, cleaner: self)
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
        let phrases = rules.boilerplate.phrases
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
