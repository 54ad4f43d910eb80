import CPoppler
import CorpusKit
import Foundation

/// PDF, through poppler-glib (Debian's `libpoppler-glib-dev`): the poppler that `pdftotext` and
/// most Linux viewers use, maintained, with a small C API that gives each page's text in
/// reading order and every character's box, which is what finding paragraphs, headings and
/// running headers takes (MuPDF's API is larger and its licence AGPL; pdfium is not packaged).
///
/// Text becomes blocks by the layout: lines are grouped into a paragraph while the gap to the
/// next line stays within the line height and the size stays the same; a larger size is a
/// heading; a line starting with a bullet or a number is a list item. Words split by a hyphen
/// at a line's end are joined; Chinese lines are joined without a space. Lines repeated at the
/// top or bottom of most pages (running headers and footers, a browser's date, title, address
/// and page numbers) and lone page numbers are removed. The title and date come from the
/// document's metadata. Refused: encrypted, damaged, more than `maxPages` pages, or no text
/// layer at all (a scan: dccorpus does no OCR).
public struct PDFFormat: DocumentFormat {
    public init() {}
    public var name: String { "pdf" }
    public var extensions: [String] { [".pdf"] }
    public var archivedMediaType: String { "application/pdf" }
    public static let maxPages = 2_000

    public func claims(contentType: String) -> Bool {
        contentType.hasPrefix("application/pdf") || contentType.hasPrefix("application/x-pdf")
    }
    public func sniff(_ head: Data) -> Bool { head.prefix(1024).range(of: Data("%PDF-".utf8)) != nil }

    public func clean(_ bytes: Data, source: String, headerCharset: String?, cleaner: Cleaner) throws -> CleanDocument {
        let pages = try PDFText.read(bytes, source: source, maxPages: Self.maxPages)
        var lines = PDFText.withoutRunningLines(pages.pages, title: pages.title)
        lines.removeAll { PDFText.isPageNumber($0.text) }
        guard !lines.isEmpty else {
            throw CorpusError(
                file: source, stage: .clean, reason: "PDF has no text layer (a scanned document?); dccorpus does no OCR")
        }
        let phrases = cleaner.rules.boilerplate.phrases
        let blocks = PDFText.blocks(lines).compactMap { block -> TextBlock? in
            let text = TextNormalizer.normalize(block.text)
            guard !text.isEmpty, !HTMLExtractor.isBoilerplatePhrase(text, phrases) else { return nil }
            return TextBlock(role: block.role, text: text)
        }
        var metadata = PageMetadata()
        metadata.title = pages.title
        metadata.firstHeading = blocks.first { if case .heading = $0.role { return true } else { return false } }?.text
        metadata.published = pages.created
        return CleanDocument(blocks: blocks, metadata: metadata, charset: .utf8, charsetEvidence: .format)
    }
}

/// Lines of text with their place on the page, read through poppler.
enum PDFText {
    struct Line {
        var text: String
        var page: Int
        var top: Double
        var bottom: Double
        var left: Double
        var right: Double
        /// The median height of its characters (a superscript footnote number does not make a
        /// line look like a heading).
        var height: Double
    }

    struct Document {
        var pages: [[Line]]
        var title: String?
        /// The creation date, `YYYY-MM-DD`.
        var created: String?
    }

    /// poppler-glib, loaded on first use (Swift initializes a static once, thread-safely).
    static let poppler = cpoppler_load()

    static func read(_ bytes: Data, source: String, maxPages: Int) throws -> Document {
        let api = poppler
        guard api.loaded != 0 else {
            throw CorpusError(
                file: source, stage: .read, reason: "reading PDF needs poppler-glib (Debian: libpoppler-glib8), which is not installed")
        }
        let gbytes = bytes.withUnsafeBytes { api.bytes_new($0.baseAddress, $0.count) }
        defer { api.bytes_unref(gbytes) }
        var error: UnsafeMutablePointer<cpoppler_error>? = nil
        guard let document = api.document_new_from_bytes(gbytes, nil, &error) else {
            defer { if let error { api.error_free(error) } }
            if let error, error.pointee.domain == api.error_quark(), error.pointee.code == Int32(CPOPPLER_ERROR_ENCRYPTED) {
                throw CorpusError(file: source, stage: .read, reason: "PDF is encrypted (a password is needed); save an unprotected copy")
            }
            let message = error.flatMap { $0.pointee.message.map { String(cString: $0) } } ?? "unknown error"
            throw CorpusError(file: source, stage: .read, reason: "PDF cannot be read: \(message)")
        }
        defer { api.object_unref(UnsafeMutableRawPointer(document)) }
        let count = Int(api.document_get_n_pages(document))
        guard count <= maxPages else {
            throw CorpusError(file: source, stage: .read, reason: "PDF has \(count) pages, more than \(maxPages)")
        }
        var pages: [[Line]] = []
        for index in 0..<count {
            guard let page = api.document_get_page(document, Int32(index)) else { continue }
            defer { api.object_unref(UnsafeMutableRawPointer(page)) }
            pages.append(lines(of: page, number: index, api: api))
        }
        var title: String? = nil
        if let raw = api.document_get_title(document) {
            title = String(cString: raw).trimmingCharacters(in: .whitespacesAndNewlines)
            api.free(raw)
            if title?.isEmpty == true { title = nil }
        }
        let time = api.document_get_creation_date(document)
        let created = time > 0 ? String(WARCDateText.day(Date(timeIntervalSince1970: TimeInterval(time)))) : nil
        return Document(pages: pages, title: title, created: created)
    }

    /// A page's lines: its text split at line breaks, each placed by the boxes of its characters.
    static func lines(of page: OpaquePointer, number: Int, api: cpoppler_api) -> [Line] {
        guard let raw = api.page_get_text(page) else { return [] }
        defer { api.free(raw) }
        let text = String(cString: raw)
        var rectangles: UnsafeMutablePointer<cpoppler_rectangle>? = nil
        var count: UInt32 = 0
        let placed = api.page_get_text_layout(page, &rectangles, &count) != 0
        defer { if let rectangles { api.free(rectangles) } }
        var lines: [Line] = []
        var current = String.UnicodeScalarView()
        var box: (top: Double, bottom: Double, left: Double, right: Double)? = nil
        var heights: [Double] = []
        func close() {
            let line = String(current).trimmingCharacters(in: .whitespaces)
            if !line.isEmpty {
                let b = box ?? (Double(lines.count), Double(lines.count) + 1, 0, 0)
                heights.sort()
                let height = heights.isEmpty ? b.bottom - b.top : heights[heights.count / 2]
                lines.append(Line(text: line, page: number, top: b.top, bottom: b.bottom, left: b.left, right: b.right, height: height))
            }
            current = String.UnicodeScalarView()
            box = nil
            heights = []
        }
        for (index, scalar) in text.unicodeScalars.enumerated() {
            if scalar == "\n" {
                close()
                continue
            }
            current.append(scalar)
            guard placed, index < Int(count), let rectangle = rectangles?[index], scalar != " " else { continue }
            let (top, bottom) = (min(rectangle.y1, rectangle.y2), max(rectangle.y1, rectangle.y2))
            let (left, right) = (min(rectangle.x1, rectangle.x2), max(rectangle.x1, rectangle.x2))
            heights.append(bottom - top)
            if let b = box {
                box = (min(b.top, top), max(b.bottom, bottom), min(b.left, left), max(b.right, right))
            } else {
                box = (top, bottom, left, right)
            }
        }
        close()
        return lines
    }

    /// The lines without the running headers and footers in the first or last two lines of each
    /// page: a line repeated there on at least half the pages (two at least, digits ignored), the
    /// document's own title, a lone web address, a print stamp (`12/2/26, 11:26 AM`, which a
    /// browser also puts before the title on the same line).
    static func withoutRunningLines(_ pages: [[Line]], title: String?) -> [Line] {
        func key(_ text: String) -> String { String(text.map { $0.isNumber ? "#" : $0 }) }
        var pages = pages
        for number in pages.indices {
            for index in pages[number].indices where index < 2 || index >= pages[number].count - 2 {
                pages[number][index].text = withoutPrintStamp(pages[number][index].text)
            }
        }
        var seen: [String: Set<Int>] = [:]
        for (number, lines) in pages.enumerated() {
            for line in lines.prefix(2) + lines.suffix(2) { seen[key(line.text), default: []].insert(number) }
        }
        let threshold = max(2, (pages.count + 1) / 2)
        let running = Set(seen.filter { $0.value.count >= threshold }.keys)
        let ownTitle = title.map { TextNormalizer.normalize($0) }
        return pages.flatMap { lines in
            lines.enumerated().filter { index, line in
                guard index < 2 || index >= lines.count - 2 else { return true }
                let text = line.text
                if text.isEmpty || running.contains(key(text)) { return false }
                if let ownTitle, !ownTitle.isEmpty, TextNormalizer.normalize(text) == ownTitle { return false }
                return text.range(of: #"^(https?|file)://\S+$"#, options: .regularExpression) == nil
            }.map(\.element)
        }
    }

    /// A line without a leading print stamp (`12/2/26, 11:26 AM`, `2026/12/2 11:26`, `2026-12-02 11:26`).
    static func withoutPrintStamp(_ text: String) -> String {
        let pattern = #"^(\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4},?\s+\d{1,2}:\d{2}(:\d{2})?(\s*[AaPp][Mm])?)\s*"#
        guard let range = text.range(of: pattern, options: .regularExpression) else { return text }
        return String(text[range.upperBound...])
    }

    /// `3`, `- 3 -`, `3 / 12`, `Page 3 of 12`, `第3页`.
    static func isPageNumber(_ text: String) -> Bool {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let pattern = #"^(page\s*)?[-–—\s]*\d{1,4}[-–—\s]*((/|of)\s*\d{1,4})?$|^第\s*\d{1,4}\s*页(\s*共\s*\d{1,4}\s*页)?$"#
        return trimmed.range(of: pattern, options: .regularExpression) != nil
    }

    /// Lines grouped into blocks by the layout (see `PDFFormat`).
    static func blocks(_ lines: [Line]) -> [(role: BlockRole, text: String)] {
        let heights = lines.map(\.height).filter { $0 > 0 }.sorted()
        let body = heights.isEmpty ? 1 : heights[heights.count / 2]
        var blocks: [(role: BlockRole, text: String)] = []
        var group: [Line] = []
        func role(of group: [Line]) -> BlockRole {
            let first = group[0].text
            if group[0].height > body * 1.2, group.count <= 3, first.count < 200 { return .heading(level: 2) }
            if let character = first.first, "•·▪◦●■-–".contains(character), first.dropFirst().first == " " { return .listItem }
            if first.range(of: #"^\(?\d{1,3}[.)、]\s"#, options: .regularExpression) != nil { return .listItem }
            return .paragraph
        }
        func flush() {
            guard !group.isEmpty else { return }
            blocks.append((role(of: group), join(group.map(\.text))))
            group = []
        }
        // Each page's text column: a line ending well before its right edge ends a paragraph.
        var columns: [Int: (left: Double, right: Double)] = [:]
        for line in lines where line.right > line.left {
            let column = columns[line.page] ?? (line.left, line.right)
            columns[line.page] = (min(column.left, line.left), max(column.right, line.right))
        }
        for line in lines {
            if let last = group.last, let column = columns[last.page], column.right - last.left > 0,
                last.right < column.left + (column.right - column.left) * 0.6
            {
                flush()
            }
            if let last = group.last {
                let gap = line.top - last.bottom
                let sizeChanged = abs(line.height - last.height) > max(last.height, body) * 0.2
                let newPage = line.page != last.page
                let listStart = role(of: [line]) == .listItem
                let ended = last.text.last.map { ".。!?！？:：”\"".contains($0) } ?? false
                if sizeChanged || listStart || (newPage ? ended : gap > max(last.height, 1) * 0.6 || gap < -max(last.height, body)) {
                    flush()
                }
            }
            group.append(line)
        }
        flush()
        return blocks
    }

    /// Lines of one block as running text: a word hyphenated across lines is joined, CJK lines
    /// are joined without a space.
    static func join(_ lines: [String]) -> String {
        var text = ""
        for line in lines {
            guard let previous = text.last else {
                text = line
                continue
            }
            let next = line.first!
            if previous == "-", text.dropLast().last?.isLetter == true, next.isLowercase {
                text.removeLast()
                text += line
            } else if isCJK(previous) || isCJK(next) {
                text += line
            } else {
                text += " " + line
            }
        }
        return text
    }

    static func isCJK(_ character: Character) -> Bool {
        guard let scalar = character.unicodeScalars.first?.value else { return false }
        return (0x3000...0x9FFF).contains(scalar) || (0xF900...0xFAFF).contains(scalar) || (0xFF00...0xFFEF).contains(scalar)
    }
}

/// `YYYY-MM-DD` of a moment, in UTC.
enum WARCDateText {
    static func day(_ date: Date) -> Substring {
        var seconds = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return Substring(String(format: "%04d-%02d-%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday)))
    }
}
