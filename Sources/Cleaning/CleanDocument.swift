import CorpusKit
import Foundation

/// What a block of text is, so the classifier can see the page's structure.
public enum BlockRole: Equatable, Sendable, Codable {
    case heading(level: Int)
    case paragraph
    case listItem
    case tableRow
    case quote
    case preformatted

    public var name: String {
        switch self {
        case .heading(let level): return "h\(level)"
        case .paragraph: return "p"
        case .listItem: return "li"
        case .tableRow: return "tr"
        case .quote: return "quote"
        case .preformatted: return "pre"
        }
    }
}

/// One block of clean text, in document order. `text` is NFC with whitespace collapsed;
/// lines split by `<br>` are joined with "\n". Table rows also carry their cells.
public struct TextBlock: Equatable, Sendable {
    public var role: BlockRole
    public var text: String
    public var cells: [String]
    /// The target (`href`, as written) of a link that makes up most of the block, if any.
    public var link: String?

    public init(role: BlockRole, text: String, cells: [String] = [], link: String? = nil) {
        self.role = role
        self.text = text
        self.cells = cells
        self.link = link
    }
}

/// Page-level facts found in the markup, whatever the main text turns out to be.
public struct PageMetadata: Equatable, Sendable {
    public var title: String?
    public var ogTitle: String?
    public var firstHeading: String?
    public var language: String?
    public var canonicalURL: String?
    public var description: String?
    /// ISO date (YYYY-MM-DD) from JSON-LD, `article:published_time` or `<time datetime>`.
    public var published: String?
    /// A short dateline/source line right under the page's `<h1>`, if there is one.
    public var byline: String?
    /// `og:type`, as the page declares it.
    public var ogType: String?
    /// What kind of page it is, from its structure (`PageType`); nil for text and PDF.
    public var pageType: PageType?

    public init() {}
}

/// The cleaner's output: a page reduced to its author's text.
public struct CleanDocument: Equatable, Sendable {
    public var blocks: [TextBlock]
    public var metadata: PageMetadata
    public var charset: Charset
    public var charsetEvidence: Charset.Evidence

    public init(blocks: [TextBlock], metadata: PageMetadata, charset: Charset, charsetEvidence: Charset.Evidence) {
        self.blocks = blocks
        self.metadata = metadata
        self.charset = charset
        self.charsetEvidence = charsetEvidence
    }

    /// The whole clean text: blocks separated by a blank line.
    public var text: String { blocks.map(\.text).joined(separator: "\n\n") }
}

/// Text helpers shared by the HTML and plain-text paths.
public enum TextNormalizer {
    /// Collapses runs of white space (including NBSP and ideographic space) to one space inside
    /// each line, trims lines, drops empty lines, and normalizes to NFC. One pass over the UTF-8
    /// bytes: ASCII is copied as it is, other scalars are decoded only to be classified;
    /// Foundation's NFC runs only when a scalar could change under it.
    public static func normalize(_ raw: String, lineSeparator: Unicode.Scalar = "\n") -> String {
        var raw = raw
        return raw.withUTF8 { normalize(utf8: $0, lineSeparator: lineSeparator) }
    }

    public static func normalize(utf8 bytes: UnsafeBufferPointer<UInt8>, lineSeparator: Unicode.Scalar = "\n") -> String {
        // Written straight into the String's storage: the output is never longer than the input
        // (a space or break stands for at least one byte of white space read).
        var mayNeedNFC = false
        let result = String(unsafeUninitializedCapacity: bytes.count) { out in
            normalize(utf8: bytes, lineSeparator: lineSeparator, into: out, mayNeedNFC: &mayNeedNFC)
        }
        return mayNeedNFC ? result.precomposedStringWithCanonicalMapping : result
    }

    private static func normalize(
        utf8 bytes: UnsafeBufferPointer<UInt8>, lineSeparator: Unicode.Scalar, into out: UnsafeMutableBufferPointer<UInt8>,
        mayNeedNFC: inout Bool
    ) -> Int {
        var written = 0
        var lineHasText = false
        var pendingSpace = false
        var pendingBreak = false
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            var scalarValue = UInt32(lead)
            var width = 1
            if lead >= 0x80 {
                // Decode one scalar (the input is valid UTF-8: it came from a Swift String).
                if lead >= 0xF0, index + 3 < count {
                    width = 4
                    scalarValue =
                        (UInt32(lead & 0x07) << 18) | (UInt32(bytes[index + 1] & 0x3F) << 12) | (UInt32(bytes[index + 2] & 0x3F) << 6)
                        | UInt32(bytes[index + 3] & 0x3F)
                } else if lead >= 0xE0, index + 2 < count {
                    width = 3
                    scalarValue = (UInt32(lead & 0x0F) << 12) | (UInt32(bytes[index + 1] & 0x3F) << 6) | UInt32(bytes[index + 2] & 0x3F)
                } else if index + 1 < count {
                    width = 2
                    scalarValue = (UInt32(lead & 0x1F) << 6) | UInt32(bytes[index + 1] & 0x3F)
                }
            }
            defer { index += width }
            guard let scalar = Unicode.Scalar(scalarValue) else { continue }
            if scalar == lineSeparator {
                if lineHasText { pendingBreak = true }
                pendingSpace = false
                lineHasText = false
                continue
            }
            if scalarValue < 0x80 {
                if scalarValue <= 0x20 || scalarValue == 0x7F {
                    if isSpace(scalar) { pendingSpace = lineHasText }
                    continue
                }
            } else {
                if isSpace(scalar) {
                    pendingSpace = lineHasText
                    continue
                }
                let category = scalar.properties.generalCategory
                if category == .control || (category == .format && scalarValue != 0x200D) { continue }
                // A combining mark or a zero-width joiner with nothing but white space (or the
                // line's start) before it has no letter to attach to: kept, it would fuse with the
                // space into one character that is white space at a block's edge.
                if pendingSpace || !lineHasText,
                    category == .nonspacingMark || category == .enclosingMark || category == .spacingMark || scalarValue == 0x200D
                {
                    continue
                }
                if scalarValue >= 0x300, !mayNeedNFC, couldChangeUnderNFC(scalar) { mayNeedNFC = true }
            }
            if pendingBreak {
                out[written] = 0x0A
                written += 1
                pendingBreak = false
                pendingSpace = false
            }
            if pendingSpace {
                out[written] = 0x20
                written += 1
                pendingSpace = false
            }
            for offset in 0..<width { out[written + offset] = bytes[index + offset] }
            written += width
            lineHasText = true
        }
        return written
    }

    /// Combining marks, Hangul jamo and CJK compatibility ideographs are what NFC rewrites.
    @inline(__always)
    static func couldChangeUnderNFC(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x1100...0x11FF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0x2F800...0x2FA1F, 0x0340, 0x0341, 0x0343, 0x0344, 0x0374,
            0x037E, 0x0387, 0x1F71...0x1FFD, 0x2000, 0x2001, 0x2126, 0x212A, 0x212B, 0x2329, 0x232A:
            return true
        default:
            return scalar.properties.canonicalCombiningClass != .notReordered
        }
    }

    @inline(__always)
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20, 0x09, 0x0A, 0x0D, 0x0C, 0xA0, 0x3000, 0x2000...0x200A, 0x202F, 0x205F, 0x1680, 0x2028, 0x2029: return true
        default: return false
        }
    }
}
