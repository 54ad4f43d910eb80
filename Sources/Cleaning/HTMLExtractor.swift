import CLibXML2
import CorpusKit
import Foundation

/// Finds the main content of an HTML page in one walk over libxml2's tree.
///
/// The walk (iterative, so deep pages cannot overflow the stack) cuts the page into blocks and
/// notes for each the elements it sits in. Then, readability-style, every substantial block
/// votes for its container and, less, for the containers above; the best-scoring container,
/// weighed down by its link density, is the article, together with siblings that score well.
/// Site furniture (by tag, by class/id tokens from `pipeline.toml`, by phrase) and link lists
/// are dropped from what remains.
struct HTMLExtractor {
    let config: PipelineConfig
    let source: String

    struct RawBlock {
        var textBlock: TextBlock { TextBlock(role: role, text: text, cells: cells, link: link) }
        var role: BlockRole
        var text: String
        var cells: [String]
        var linkChars: Int
        /// Ids of the elements enclosing the block, outermost first.
        var path: [Int32]
        /// Inside a hidden element or `<noscript>`: content only when the visible page has little.
        var hidden: Bool
        /// `weightedLength(text)` and the text's scalar count, measured once.
        var weight: Int
        var scalars: Int
        /// A definition list's term: often a link to what it names, and content all the same.
        var isTerm = false
        /// The target of a link that makes up most of the block.
        var link: String? = nil
        /// Links' share of the text.
        var linkDensity: Double { Double(linkChars) / Double(max(1, scalars)) }

        init(role: BlockRole, text: String, cells: [String], linkChars: Int, path: [Int32], hidden: Bool) {
            self.role = role; self.text = text; self.cells = cells; self.linkChars = linkChars
            self.path = path; self.hidden = hidden
            (weight, scalars) = HTMLExtractor.measure(text)
        }
    }

    /// How sure we are that an element is site furniture.
    enum Furniture: UInt8, Comparable {
        static func < (lhs: Furniture, rhs: Furniture) -> Bool { lhs.rawValue < rhs.rawValue }
        case none = 0
        /// Its class or id names layout ("header", "modal", "pagination"…): dropped inside the
        /// article, but never allowed to veto the article itself (sites call wrappers "article-header").
        case soft = 1
        /// Its class or id names furniture ("comment", "share", "related"…): the article is sought
        /// elsewhere first.
        case classed = 2
        /// Its tag or ARIA role says so (`<nav>`, `<aside>`, role="navigation"): always dropped.
        case hard = 3
    }

    struct Frame {
        var id: Int32
        var kind: TagKind
        var dataTable = false
        var hidden = false
    }

    // Element table, indexed by id.
    private var parents: [Int32] = []
    private var kinds: [TagKind] = []
    private var furniture: [Furniture] = []
    /// Tag and first class name of each container, hashed (0: no class): repeated items such as
    /// the posts of a thread share one.
    private var signatures: [Int] = []
    /// Ids of `<html>` and `<body>`: the article is never the whole page.
    private var pageRoots = Set<Int32>()
    /// Ids of `<main>`, `role="main"` and `itemprop="articleBody"` elements: the page's own word
    /// on where its content is. Nothing around them is furniture.
    private var mainHints: [Int32] = []
    /// Open hidden elements (`hidden`, `display:none`, `aria-hidden`) and `<noscript>`s.
    private var hiddenDepth = 0
    /// JSON-LD script elements (they live as long as the document): read and parsed only when
    /// the markup yields little text.
    private var jsonLD: [xmlNodePtr] = []

    private var frames: [Frame] = []
    private var blocks: [RawBlock] = []
    /// Inline text of the block being gathered, as UTF-8 straight from libxml2's nodes.
    private var buffer: [UInt8] = []
    private var bufferLinkChars = 0
    /// The outermost open link's target and the link characters gathered before it opened.
    private var openLink: (href: String?, charsBefore: Int)? = nil
    /// The target of the longest link in the block being gathered, with its length.
    private var bufferLink: (href: String, chars: Int)? = nil
    private var linkDepth = 0
    private var preDepth = 0
    private var rowCells: [String]? = nil
    /// Text of the data-table cell being gathered; `inCell` says whether one is open.
    private var cellBytes: [UInt8] = []
    private var inCell = false
    private var metadata = PageMetadata()
    private var tagCache: [UnsafeRawPointer: TagKind] = [:]
    private var otherTagCache: [String: TagKind] = [:]
    private var furnitureTokens: TokenIndex
    private var layoutTokens: TokenIndex
    /// Scratch space for an element's class and id bytes.
    private var identityBytes: [UInt8] = []

    init(config: PipelineConfig, source: String) {
        self.config = config
        self.source = source
furnitureTokens = TokenIndex(config.furnitureClassTokens)
        layoutTokens = TokenIndex(config.layoutClassTokens)
    }

    mutating func extract(_ document: HTMLDocument) throws -> (blocks: [TextBlock], metadata: PageMetadata) {
        guard let root = document.root else { return ([], metadata) }
        if let lang = Node.attribute(root, "lang"), !lang.isEmpty { metadata.language = lang }
        try walk(root)
        flush()
        findByline()
        return (select(), metadata)
    }

    // MARK: Walk

    /// Classifies each distinct tag once per page. HTML 4 tags are keyed by their descriptor in
    /// libxml2's element table (a stable address); HTML 5 and custom tags, which that table does
    /// not know, by name (short names are small strings: no allocation).
    private mutating func kind(of node: xmlNodePtr) -> TagKind {
        guard let name = node.pointee.name else { return .inline }
        if let descriptor = htmlTagLookup(name) {
            let key = UnsafeRawPointer(descriptor)
            if let known = tagCache[key] { return known }
            let kind = TagKind.of(String(cString: name).lowercased())
            tagCache[key] = kind
            return kind
        }
        let text = String(cString: name)
        if let known = otherTagCache[text] { return known }
        let kind = TagKind.of(text.lowercased())
        otherTagCache[text] = kind
        return kind
    }

    private mutating func walk(_ root: xmlNodePtr) throws {
        var node: xmlNodePtr = root
        var descend = open(node)
        while true {
            if descend, let child = node.pointee.children {
                node = child
                descend = open(node)
                continue
            }
            if descend { close() }
            // Climb until a next sibling exists.
            while true {
                if node == root { return }
                if let next = node.pointee.next {
                    node = next
                    descend = open(node)
                    break
                }
                guard let parent = node.pointee.parent else { return }
                node = parent
                close()
            }
            if blocks.count > config.maxBlocks {
                throw CorpusError(file: source, stage: .clean, reason: "page has more than \(config.maxBlocks) blocks (pipeline.toml limits.max_blocks)")
            }
        }
    }

    /// Handles entering a node; returns true when a frame was pushed (the caller will `close` it).
    private mutating func open(_ node: xmlNodePtr) -> Bool {
        if Node.isText(node) {
            text(node)
            return false
        }
        guard Node.isElement(node) else { return false }
        let kind = self.kind(of: node)
        switch kind {
        case .skip:
            if Node.name(node).lowercased() == "script", (Node.attribute(node, "type") ?? "").lowercased().contains("ld+json") {
                noteJSONLD(node)
            }
            return false
        case .head:
            readHead(node)
            return false
        case .title:
            if metadata.title == nil { metadata.title = clean(Node.textContent(node, limit: 4096)) }
            return false
        case .lineBreak:
            lineBreak()
            return false
        case .rule:
            flush()
            return false
        default: break
        }
        // A hidden block (or `<noscript>`) is walked but marked: pages park their real content
        // there (streamed server rendering, crawler views) as often as menus and dialogs. Hidden
        // inline text stays out: it would run into the visible text around it.
        let hidden = kind == .noscript || Self.isHidden(node)
        if hidden && !kind.isBlock { return false }
        if kind == .time, metadata.published == nil, let stamp = Node.attribute(node, "datetime") {
            metadata.published = Self.isoDate(stamp)
        }
        if kind.isBlock { flush() }
        let id = Int32(parents.count)
        parents.append(frames.last?.id ?? -1)
        kinds.append(kind)
        var level: Furniture = kind == .chrome ? .hard : .none
        if level == .none, kind != .inline, kind != .link, kind != .time, kind != .row, kind != .cell {
            level = furnitureLevel(node, kind: kind)
        }
        furniture.append(level)
        signatures.append(kind == .container || kind == .listItem ? Self.signature(node) : 0)
        if kind == .container, let name = node.pointee.name, strcasecmp(UnsafeRawPointer(name).assumingMemoryBound(to: CChar.self), "body") == 0
            || strcasecmp(UnsafeRawPointer(name).assumingMemoryBound(to: CChar.self), "html") == 0 {
            pageRoots.insert(id)
        }
        if !hidden && hiddenDepth == 0 && Self.isMainHint(node, kind: kind) { mainHints.append(id) }
        var frame = Frame(id: id, kind: kind, hidden: hidden)
        if hidden { hiddenDepth += 1 }
        switch kind {
        case .heading(let level) where metadata.firstHeading == nil && level == 1 && hiddenDepth == 0:
            metadata.firstHeading = clean(Node.textContent(node, limit: 4096))
        case .link:
            linkDepth += 1
            if linkDepth == 1 { openLink = (Node.attribute(node, "href"), bufferLinkChars) }
        case .preformatted: preDepth += 1
        case .table: frame.dataTable = Self.isDataTable(node)
        case .row where frames.last(where: { $0.kind == .table })?.dataTable == true:
            rowCells = []
        case .cell where rowCells != nil:
            inCell = true
            cellBytes.removeAll(keepingCapacity: true)
        case .paragraph where inCell, .term where inCell:
            if !cellBytes.isEmpty { cellBytes.append(contentsOf: Self.lineSeparatorBytes) }
        default: break
        }
        frames.append(frame)
        return true
    }

    private mutating func close() {
        guard let frame = frames.popLast() else { return }
        defer { if frame.hidden { hiddenDepth -= 1 } }
        switch frame.kind {
        case .link:
            linkDepth -= 1
            if linkDepth == 0, let link = openLink {
                let chars = bufferLinkChars - link.charsBefore
                if let href = link.href?.trimmingCharacters(in: .whitespacesAndNewlines), !href.isEmpty, chars > (bufferLink?.chars ?? 0) {
                    bufferLink = (href, chars)
                }
                openLink = nil
            }
        case .preformatted: flush(closing: frame); preDepth -= 1
        case .cell where inCell:
            let cell = clean(cellBytes)
            rowCells?.append(cell)
            inCell = false
        case .row where rowCells != nil:
            let cells = rowCells!
            rowCells = nil
            if cells.contains(where: { !$0.isEmpty }) {
                blocks.append(RawBlock(role: .tableRow, text: cells.filter { !$0.isEmpty }.joined(separator: "\n"), cells: cells,
                                     linkChars: bufferLinkChars, path: frames.map(\.id) + [frame.id], hidden: hiddenDepth > 0))
            }
            bufferLinkChars = 0
        default:
            if frame.kind.isBlock { flush(closing: frame) }
        }
    }


    /// U+2028, which stands for `<br>` while text is gathered (a newline in HTML is white space).
    static let lineSeparatorBytes: [UInt8] = [0xE2, 0x80, 0xA8]

    private mutating func text(_ node: xmlNodePtr) {
        guard let content = node.pointee.content else { return }
        let bytes = UnsafeBufferPointer(start: content, count: strlen(UnsafeRawPointer(content).assumingMemoryBound(to: CChar.self)))
        if inCell { cellBytes.append(contentsOf: bytes) } else { buffer.append(contentsOf: bytes) }
        if linkDepth > 0 {
            // Characters, not bytes: count lead bytes that are not ASCII white space.
            var count = 0
            for byte in bytes where byte & 0xC0 != 0x80 && byte > 0x20 { count += 1 }
            bufferLinkChars += count
        }
    }

    private mutating func lineBreak() {
        if inCell { cellBytes.append(contentsOf: Self.lineSeparatorBytes) } else { buffer.append(contentsOf: Self.lineSeparatorBytes) }
    }

    /// Emits the inline text gathered so far as one block, with the role of its innermost block element.
    private mutating func flush(closing: Frame? = nil) {
        guard !inCell else { return }
        defer {
            buffer.removeAll(keepingCapacity: true)
            bufferLinkChars = 0
            bufferLink = nil
            if linkDepth > 0 { openLink?.charsBefore = 0 }
        }
        guard !buffer.isEmpty else { return }
        let stack = closing.map { frames + [$0] } ?? frames
        let preformatted = preDepth > 0 || closing?.kind == .preformatted
        let text = preformatted ? cleanPreformatted(buffer) : clean(buffer)
        guard !text.isEmpty else { return }
        var role = BlockRole.paragraph
        var isTerm = false
        var inQuote = false
        for frame in stack.reversed() {
            if frame.kind == .quote { inQuote = true }
        }
        roleSearch: for frame in stack.reversed() {
            switch frame.kind {
            case .heading(let level): role = .heading(level: level); break roleSearch
            case .listItem: role = .listItem; break roleSearch
            case .preformatted: role = .preformatted; break roleSearch
            case .quote: role = .quote; break roleSearch
            case .paragraph, .caption: role = inQuote ? .quote : .paragraph; break roleSearch
            case .term: role = .paragraph; isTerm = true; break roleSearch
            default: continue
            }
        }
        // Text kept as preformatted (a <p> inside an unclosed <pre>, found by fuzzing) says so.
        if preformatted { role = .preformatted }
        var block = RawBlock(role: role, text: text, cells: [], linkChars: bufferLinkChars,
                             path: stack.map(\.id), hidden: hiddenDepth > 0)
        block.isTerm = isTerm
        // A link that is most of the block (a citation whose title links to its source) is kept
        // with it; the link still open when a block ends counts too.
        var link = bufferLink
        if let open = openLink, let href = open.href, bufferLinkChars - open.charsBefore > (link?.chars ?? 0) {
            link = (href, bufferLinkChars - open.charsBefore)
        }
        if let link, Double(link.chars) >= 0.5 * Double(block.scalars) { block.link = link.href }
        blocks.append(block)
    }

    /// In HTML a newline is white space; only `<br>` (marked U+2028 while walking) breaks a line.
    private func clean(_ raw: String) -> String { TextNormalizer.normalize(raw, lineSeparator: "\u{2028}") }
    /// libxml2 hands out valid UTF-8 (we gave it UTF-8): normalized straight from the bytes.
    private func clean(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { TextNormalizer.normalize(utf8: $0, lineSeparator: "\u{2028}") }
    }


    /// Preformatted text keeps its lines and indentation. CR LF and lone CR end lines too (in a
    /// Swift String "\r\n" is one Character, so splitting on "\n" alone missed them — found by
    /// fuzzing); tabs become four spaces; other control characters are dropped.
    private func cleanPreformatted(_ bytes: [UInt8]) -> String {
        var unified = String.UnicodeScalarView()
        var afterCR = false
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            defer { afterCR = scalar == "\r" }
            switch scalar {
            case "\r", "\u{2028}": unified.append("\n")
            case "\n": if !afterCR { unified.append("\n") }
            case "\t": unified.append(contentsOf: "    ".unicodeScalars)
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value): continue
            default: unified.append(scalar)
            }
        }
        let lines = String(unified).split(separator: "\n", omittingEmptySubsequences: false)
        // Line ends lose every kind of blank (a no-break space from `&nbsp;` too: found by fuzzing
        // from real pages); indentation stays.
        var trimmed = lines.map { String($0.reversed().drop(while: \.isWhitespace).reversed()) }
        while let first = trimmed.first, first.isEmpty { trimmed.removeFirst() }
        while let last = trimmed.last, last.isEmpty { trimmed.removeLast() }
        return trimmed.joined(separator: "\n").precomposedStringWithCanonicalMapping
    }

    private mutating func furnitureLevel(_ node: xmlNodePtr, kind: TagKind) -> Furniture {
        if case .container = kind, let name = node.pointee.name {
            let tag = UnsafeRawPointer(name).assumingMemoryBound(to: CChar.self)
            for never in Self.neverFurniture where strcasecmp(tag, never) == 0 { return .none }
        }
        if let value = Node.attributeValue(node, "role"), Self.furnitureRoles.contains(String(cString: value).lowercased().trimmingCharacters(in: .whitespaces)) {
            return .hard
        }
        identityBytes.removeAll(keepingCapacity: true)
        for attributeName in ["class", "id"] {
            if let value = Node.attributeValue(node, attributeName) {
                identityBytes.append(contentsOf: UnsafeBufferPointer(start: UnsafeRawPointer(value).assumingMemoryBound(to: UInt8.self), count: strlen(value)))
            }
            identityBytes.append(0x20)
        }
        guard identityBytes.count > 2 else { return .none }
        if Self.isFurnitureIdentity(identityBytes, tokens: furnitureTokens) { return .classed }
        if Self.isFurnitureIdentity(identityBytes, tokens: layoutTokens) { return .soft }
        return .none
    }

    static func signature(_ node: xmlNodePtr) -> Int {
        guard let value = Node.attributeValue(node, "class"), value.pointee != 0, let name = node.pointee.name else { return 0 }
        var hasher = Hasher()
        hasher.combine(bytes: UnsafeRawBufferPointer(start: name, count: strlen(UnsafeRawPointer(name).assumingMemoryBound(to: CChar.self))))
        // The first class only: "blockpost rowodd" and "blockpost roweven" are one kind of item.
        var length = 0
        while value[length] == 0x20 || value[length] == 0x09 || value[length] == 0x0A { length += 1 }
        let start = length
        while value[length] != 0 && value[length] != 0x20 && value[length] != 0x09 && value[length] != 0x0A { length += 1 }
        guard length > start else { return 0 }
        hasher.combine(bytes: UnsafeRawBufferPointer(start: value + start, count: length - start))
        return hasher.finalize() | 1
    }

    static let neverFurniture = ["body", "html", "main", "article"]
    static let furnitureRoles: Set<String> = ["navigation", "banner", "contentinfo", "complementary", "search", "dialog", "menu", "menubar"]

    /// Compares the parts of class/id tokens (split at anything but letters and digits) with the
    /// configured tokens by prefix, so "sharedaddy" and "jp-relatedposts" match "share"/"related"
    /// but "shareholder" does not match "holder". Works on ASCII bytes: it runs for every element.
    static func isFurnitureIdentity(_ identity: [UInt8], tokens: TokenIndex) -> Bool {
        var start = -1
        for index in 0...identity.count {
            let byte = index < identity.count ? identity[index] : 0x20
            let isAlnum = (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
            if isAlnum {
                if start < 0 { start = index }
                continue
            }
            if start >= 0 {
                if tokens.matchesPrefix(of: identity[start..<index]) { return true }
                start = -1
            }
        }
        return false
    }

    /// Tokens bucketed by first letter, so each class-name part is compared with a handful.
    struct TokenIndex {
        private var buckets = [[[UInt8]]](repeating: [], count: 128)

        init(_ tokens: [String]) {
            for token in tokens {
                let bytes = Array(token.lowercased().utf8.filter { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) })
                if let first = bytes.first { buckets[Int(first)].append(bytes) }
            }
        }

        /// Whether some token is a prefix of `part` (compared case-insensitively).
        func matchesPrefix(of part: ArraySlice<UInt8>) -> Bool {
            guard let first = part.first else { return false }
            let lead = (first >= 0x41 && first <= 0x5A) ? first + 0x20 : first
            guard lead < 128 else { return false }
            for token in buckets[Int(lead)] where token.count <= part.count {
                var matches = true
                for (offset, expected) in token.enumerated() {
                    var byte = part[part.startIndex + offset]
                    if byte >= 0x41 && byte <= 0x5A { byte += 0x20 }
                    if byte != expected { matches = false; break }
                }
                if matches { return true }
            }
            return false
        }
    }

    /// `hidden`, `aria-hidden="true"`, or an inline style that hides: one pass over the attributes.
    static func isHidden(_ node: xmlNodePtr) -> Bool {
        var attribute = node.pointee.properties
        while let current = attribute {
            defer { attribute = current.pointee.next }
            guard let rawName = current.pointee.name else { continue }
            let name = UnsafeRawPointer(rawName).assumingMemoryBound(to: CChar.self)
            if strcasecmp(name, "hidden") == 0 { return true }
            if strcasecmp(name, "aria-hidden") == 0, let value = Node.value(of: current), strcasecmp(value, "true") == 0 { return true }
            if strcasecmp(name, "style") == 0, let value = Node.value(of: current), hidesByStyle(value) { return true }
        }
        return false
    }

    /// `display:none` or `visibility:hidden` in an inline style, white space and case ignored.
    static func hidesByStyle(_ style: UnsafePointer<CChar>) -> Bool {
        var compact: [UInt8] = []
        var index = 0
        while style[index] != 0 && index < 4096 {
            var byte = UInt8(bitPattern: style[index])
            index += 1
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { continue }
            if byte >= 0x41 && byte <= 0x5A { byte += 0x20 }
            compact.append(byte)
        }
        return compact.withUnsafeBufferPointer { bytes in
            for needle in [hiddenDisplay, hiddenVisibility] where needle.count <= bytes.count {
                for start in 0...(bytes.count - needle.count) where bytes[start] == needle[0] {
                    if zip(bytes[start..<(start + needle.count)], needle).allSatisfy({ $0 == $1 }) { return true }
                }
            }
            return false
        }
    }
    static let hiddenDisplay = Array("display:none".utf8)
    static let hiddenVisibility = Array("visibility:hidden".utf8)

    /// A data table's cells hold text; a layout table's cells hold blocks (or further tables).
    static func isDataTable(_ table: xmlNodePtr) -> Bool {
        var current = table.pointee.children
        var visited = 0
        while let node = current, visited < 100_000 {
            visited += 1
            if Node.isElement(node), let name = node.pointee.name {
                switch String(cString: name).lowercased() {
                case "table", "div", "section", "article", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "form":
                    return false
                default: break
                }
                if let child = node.pointee.children { current = child; continue }
            }
            var climb: xmlNodePtr? = node
            current = nil
            while let step = climb, step != table {
                if let next = step.pointee.next { current = next; break }
                climb = step.pointee.parent
            }
        }
        return true
    }

    private mutating func readHead(_ head: xmlNodePtr) {
        var child = head.pointee.children
        while let node = child {
            defer { child = node.pointee.next }
            guard Node.isElement(node) else { continue }
            switch Node.name(node).lowercased() {
            case "title":
                if metadata.title == nil { metadata.title = clean(Node.textContent(node, limit: 4096)) }
            case "meta":
                let key = (Node.attribute(node, "property") ?? Node.attribute(node, "name") ?? Node.attribute(node, "itemprop") ?? "").lowercased()
                guard let content = Node.attribute(node, "content") else { continue }
                switch key {
                case "og:title": metadata.ogTitle = clean(content)
                case "description", "og:description": if metadata.description == nil { metadata.description = clean(content) }
                case "article:published_time", "datepublished", "date", "pubdate", "publishdate", "dc.date.issued":
                    if metadata.published == nil { metadata.published = Self.isoDate(content) }
                default: break
                }
            case "link":
                if (Node.attribute(node, "rel") ?? "").lowercased().split(separator: " ").contains("canonical") {
                    metadata.canonicalURL = Node.attribute(node, "href")
                }
            case "script":
                if (Node.attribute(node, "type") ?? "").lowercased().contains("ld+json") {
                    noteJSONLD(node)
                }
            default: break
            }
        }
    }

    /// Keeps a JSON-LD block for the text fallback and takes its `datePublished` if none yet.
    private mutating func noteJSONLD(_ node: xmlNodePtr) {
        if metadata.published == nil { metadata.published = Self.jsonLDDate(Node.textContent(node, limit: 200_000)) }
        if jsonLD.count < 16 { jsonLD.append(node) }
    }

    /// `<main>`, `role="main"`, `itemprop="articleBody"`/`"text"` (schema.org's main text).
    static func isMainHint(_ node: xmlNodePtr, kind: TagKind) -> Bool {
        guard kind == .container || kind == .paragraph else { return false }
        if let name = node.pointee.name, strcasecmp(UnsafeRawPointer(name).assumingMemoryBound(to: CChar.self), "main") == 0 { return true }
        if let role = Node.attributeValue(node, "role"), strcasecmp(role, "main") == 0 { return true }
        if let property = Node.attributeValue(node, "itemprop"),
           strcasecmp(property, "articleBody") == 0 || strcasecmp(property, "text") == 0 { return true }
        return false
    }

    static func jsonLDDate(_ text: String) -> String? {
        guard let range = text.range(of: "\"datePublished\"") else { return nil }
        let rest = text[range.upperBound...].drop { $0 == " " || $0 == ":" || $0 == "\n" || $0 == "\t" }
        guard rest.first == "\"" else { return nil }
        return isoDate(String(rest.dropFirst().prefix { $0 != "\"" }))
    }

    /// The YYYY-MM-DD prefix of an ISO-8601-looking stamp, or nil.
    static func isoDate(_ stamp: String) -> String? {
        CalendarDate.prefix(of: stamp)
    }

    static let datePattern = try! NSRegularExpression(pattern: "(\\d{4})[-年./](\\d{1,2})[-月./](\\d{1,2})")

    /// The dateline under the first `<h1>` ("发布时间:2025-04-11 来源:…", "Posted on 2025-04-11 by …"):
    /// kept as metadata even when it is not part of the main text, and a date source of last resort.
    private mutating func findByline() {
        guard let headingIndex = blocks.firstIndex(where: { $0.role == .heading(level: 1) }) else { return }
        for block in blocks[(headingIndex + 1)...].prefix(3) where block.text.count <= 200 {
            let text = block.text
            guard let match = Self.datePattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else { continue }
            metadata.byline = text
            if metadata.published == nil {
                let parts = (1...3).compactMap { Range(match.range(at: $0), in: text).flatMap { Int(text[$0]) } }
                if parts.count == 3 { metadata.published = CalendarDate.string(year: parts[0], month: parts[1], day: parts[2]) }
            }
            return
        }
    }

    // MARK: Selection

    /// Length that counts CJK characters threefold: a Chinese character carries about a word.
    static func weightedLength(_ text: String) -> Int { measure(text).weight }

    /// The weighted length and the scalar count, in one pass.
    static func measure(_ text: String) -> (weight: Int, scalars: Int) {
        var total = 0, count = 0
        for scalar in text.unicodeScalars {
            count += 1
            if scalar.value >= 0x2E80 { total += 3 } else if !TextNormalizer.isSpace(scalar) { total += 1 }
        }
        return (total, count)
    }

    /// The main text: the best container of the visible page; the hidden page's when the
    /// visible one has little and the hidden one much (server-rendered content parked in a
    /// hidden element or `<noscript>`); JSON-LD's `articleBody`/`text` when it is much longer
    /// than what the markup gave; and, rather than nothing, the page minus its furniture.
    private func select() -> [TextBlock] {
        guard !parents.isEmpty else { return jsonLDBlocks(longerThan: 0) ?? [] }
        // Around the page's own main element nothing is furniture (broken markup can put
        // `<main>` inside a `<header>`; layouts wrap it in "sidebar-layout").
        var furniture = self.furniture
        for hint in mainHints {
            var id = Int(hint)
            while id >= 0 { furniture[id] = .none; id = Int(parents[id]) }
        }
        let visible = blocks.filter { !$0.hidden }
        let mainHintSet = Set(mainHints)
        var result = choose(from: visible, furniture: furniture, mainHintSet: mainHintSet)
        var length = Self.weightedLength(of: result)
        let hiddenProse = blocks.reduce(0) { sum, block in
            block.hidden && block.weight >= 80 && block.linkDensity < 0.2 ? sum + block.weight : sum
        }
        if hiddenProse >= 400, Double(length) < 0.25 * Double(hiddenProse) {
            let withHidden = choose(from: blocks, furniture: furniture, mainHintSet: mainHintSet)
            let longer = Self.weightedLength(of: withHidden)
            if longer > length { result = withHidden; length = longer }
        }
        if let structured = jsonLDBlocks(longerThan: max(250, 2 * length)) { return structured }
        if result.isEmpty {
            // No container and no article: the page minus its furniture, else whatever it shows.
            result = visible.filter { block in !block.path.contains { furniture[Int($0)] == .hard } }.map(\.textBlock)
            if result.isEmpty { result = (visible.isEmpty ? blocks : visible).map(\.textBlock) }
        }
        return result
    }

    static func weightedLength(of blocks: [TextBlock]) -> Int {
        blocks.reduce(0) { $0 + weightedLength($1.text) }
    }

    /// The longest `articleBody` or `text` string of the page's JSON-LD (schema.org's main text of
    /// an article, a forum posting, a how-to) as paragraphs, if its weighted length exceeds `minimum`.
    private func jsonLDBlocks(longerThan minimum: Int) -> [TextBlock]? {
        var best: String? = nil
        var bestLength = minimum
        for node in jsonLD {
            let text = Node.textContent(node, limit: 2_000_000)
            // A weighted length never exceeds the UTF-8 length: most blocks need no parse.
            guard text.utf8.count > bestLength, text.contains("\"articleBody\"") || text.contains("\"text\"") else { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) else { continue }
            for candidate in Self.mainTextStrings(in: object, depth: 0) {
                let length = Self.weightedLength(candidate)
                if length > bestLength { best = candidate; bestLength = length }
            }
        }
        guard let best else { return nil }
        // JSON-LD text is often HTML-escaped markup or plain text with newlines between paragraphs.
        let plain = Self.stripTags(best)
        let paragraphs = plain.components(separatedBy: "\n").map { clean($0) }.filter { !$0.isEmpty }
        return paragraphs.isEmpty ? nil : paragraphs.map { TextBlock(role: .paragraph, text: $0) }
    }

    /// Values of `articleBody` and `text` keys anywhere in a JSON-LD value (bounded depth).
    static func mainTextStrings(in value: Any, depth: Int) -> [String] {
        guard depth < 12 else { return [] }
        if let object = value as? [String: Any] {
            var found: [String] = []
            for (key, inner) in object {
                if (key == "articleBody" || key == "text"), let text = inner as? String { found.append(text) }
                else { found += mainTextStrings(in: inner, depth: depth + 1) }
            }
            return found
        }
        if let array = value as? [Any] { return array.flatMap { mainTextStrings(in: $0, depth: depth + 1) } }
        return []
    }

    /// Markup in a JSON-LD string: block tags become line breaks, other tags go.
    static func stripTags(_ text: String) -> String {
        guard text.contains("<") else { return text }
        var out = String.UnicodeScalarView()
        var tag = String.UnicodeScalarView()
        var inTag = false
        for scalar in text.unicodeScalars {
            if inTag {
                if scalar == ">" {
                    inTag = false
                    let name = String(tag).lowercased().drop { $0 == "/" }.prefix { $0.isLetter || $0.isNumber }
                    if ["p", "br", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote", "ul", "ol"].contains(String(name)) {
                        out.append("\n")
                    }
                } else if tag.count < 64 { tag.append(scalar) }
            } else if scalar == "<" {
                inTag = true
                tag = String.UnicodeScalarView()
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// The container-scoring selection over `blocks` (the visible ones, or all).
    private func choose(from blocks: [RawBlock], furniture: [Furniture], mainHintSet: Set<Int32>) -> [TextBlock] {
        let count = parents.count
        guard count > 0, !blocks.isEmpty else { return [] }
        var textChars = [Int](repeating: 0, count: count)
        var linkChars = [Int](repeating: 0, count: count)
        var scores = [Double](repeating: 0, count: count)
        var lengths = [Int](repeating: 0, count: blocks.count)
        var total = 0
        for (index, block) in blocks.enumerated() {
            let length = block.weight
            lengths[index] = length
            total += length
            for id in block.path {
                textChars[Int(id)] += length
                linkChars[Int(id)] += block.linkChars
            }
        }
        func hasHardFurniture(_ block: RawBlock) -> Bool {
            block.path.contains { furniture[Int($0)] == .hard }
        }
        // Votes: every substantial block outside hard furniture votes for its containers.
        for (index, block) in blocks.enumerated() where lengths[index] >= 25 && !hasHardFurniture(block) {
            if case .heading = block.role { continue }
            let commas = block.text.unicodeScalars.reduce(0) { $0 + ($1 == "," || $1 == "，" || $1 == "、" || $1 == "。" ? 1 : 0) }
            let density = block.linkDensity
            let score = (1.0 + Double(commas) + min(Double(lengths[index]) / 100.0, 3.0)) * (1.0 - min(density, 1.0))
            // The nearest container fully, then a half, a third. Data-table structure is
            // transparent: a transcript table's rows vote for the container around the table.
            var level = 0
            for id in block.path.reversed() {
                let kind = kinds[Int(id)]
                guard kind == .container || kind == .cell || kind == .noscript else { continue }
                level += 1
                scores[Int(id)] += score / Double(level)
                if level == 3 { break }
            }
        }
        // Which elements sit in class-matched furniture (comments, related, share…), themselves or
        // by an ancestor: parents come before children, so one pass suffices.
        var inSoft = [Bool](repeating: false, count: count)
        var inClassed = [Bool](repeating: false, count: count)
        for id in 0..<count {
            let parent = Int(parents[id])
            inSoft[id] = furniture[id] == .soft || (parent >= 0 && inSoft[parent])
            inClassed[id] = furniture[id] == .classed || (parent >= 0 && inClassed[parent])
        }
        // Comment threads and "related" boxes can out-write the article: a candidate inside
        // class-matched furniture must win clearly. It can win: sites wrap whole articles in
        // "article-header" or "modal-enabled".
        var best = -1
        var bestScore = 0.0
        for id in 0..<count where scores[id] > 0 && furniture[id] != .hard {
            let density = Double(linkChars[id]) / Double(max(1, textChars[id]))
            let adjusted = scores[id] * (1.0 - min(density, 1.0)) * (inClassed[id] || inSoft[id] ? 0.3 : 1.0)
            scores[id] = adjusted
            if adjusted > bestScore { bestScore = adjusted; best = id }
        }
        // Articles cut into several containers (chunks, sections, an intro box): climb while the
        // candidate holds less than 70% of the page's prose that is not furniture.
        var prose = [Int](repeating: 0, count: count)
        var allProse = 0
        for (index, block) in blocks.enumerated() where lengths[index] >= 80 && block.role != .tableRow {
            let density = block.linkDensity
            guard density < 0.2, !block.path.contains(where: { furniture[Int($0)] >= .classed }) else { continue }
            allProse += lengths[index]
            for id in block.path { prose[Int(id)] += lengths[index] }
        }
        if best >= 0 {
            var candidate = best
            while Double(prose[candidate]) < 0.7 * Double(allProse) {
                let parent = Int(parents[candidate])
                guard parent >= 0, !pageRoots.contains(Int32(parent)), furniture[parent] < .classed, kinds[parent] != .inline else { break }
                let parentDensity = Double(linkChars[parent]) / Double(max(1, textChars[parent]))
                // What the parent adds must itself read like the article: mostly prose, few links.
                let addedText = textChars[parent] - textChars[candidate]
                let addedProse = prose[parent] - prose[candidate]
                let addedLinks = linkChars[parent] - linkChars[candidate]
                guard parentDensity < 0.35, addedText == 0 || (Double(addedProse) >= 0.5 * Double(addedText)
                        && Double(addedLinks) < 0.3 * Double(addedText)) else { break }
                candidate = parent
                // Wrappers with no more prose are passed through; the climb counts only if it gains.
                if prose[candidate] > prose[best] { best = candidate }
            }
        }
        // Repeated items (the posts of a thread, answers, reviews): the winner is one of several
        // siblings of one tag and class that each hold text; the article is their parent.
        if best >= 0 {
            var child = best
            for _ in 0..<6 {
                let parent = Int(parents[child])
                guard parent >= 0, !pageRoots.contains(Int32(parent)), furniture[parent] < .classed else { break }
                let signature = signatures[child]
                if signature != 0 {
                    var others = 0
                    for id in (parent + 1)..<count where id != child && parents[id] == Int32(parent) && signatures[id] == signature {
                        if textChars[id] - linkChars[id] >= 100 { others += 1 }
                    }
                    if others >= 2 { best = parent; break }
                }
                child = parent
            }
        }
        // A page of many short sections (a landing or service page) has no container that wins
        // clearly: the winner holds little of the text outside furniture and link lists. Then
        // the article is the smallest ancestor that holds most of it, if that reads as content
        // (few links once furniture is set aside); the body itself if need be.
        var content = [Int](repeating: 0, count: count)
        var contentLinks = [Int](repeating: 0, count: count)
        var allContent = 0
        for (index, block) in blocks.enumerated() where !block.path.contains(where: { furniture[Int($0)] >= .classed }) {
            let density = block.linkDensity
            guard density < 0.5 else { continue }
            allContent += lengths[index]
            for id in block.path {
                content[Int(id)] += lengths[index]
                contentLinks[Int(id)] += block.linkChars
            }
        }
        if best >= 0 {
            var candidate = best
            while prose[best] < 1000, Double(content[best]) < 0.5 * Double(allContent), Double(content[candidate]) < 0.5 * Double(allContent) {
                let parent = Int(parents[candidate])
                guard parent >= 0, kinds[parent] != .inline, furniture[parent] < .classed,
                      Double(contentLinks[parent]) < 0.3 * Double(max(1, content[parent])) else { break }
                candidate = parent
                if pageRoots.contains(Int32(parent)) && parents[parent] >= 0 && !pageRoots.contains(parents[parent]) { break }
            }
            if Double(content[candidate]) >= 0.5 * Double(allContent) { best = candidate }
        }
        // The page's own main element, when the winner sits inside it, is the article's extent:
        // landing, service and product pages cut their content into many short sections, none
        // of which wins alone and few of which read like prose.
        // Only when that gains real text: a headline and a dateline around the article body are
        // the page's metadata, not its text.
        if best >= 0, !mainHints.isEmpty {
            var id = best
            while id >= 0 {
                if mainHintSet.contains(Int32(id)) {
                    let density = Double(linkChars[id]) / Double(max(1, textChars[id]))
                    let gain = content[id] - content[best]
                    if density < 0.5 && !pageRoots.contains(Int32(id)) && Double(gain) >= 0.25 * Double(content[best]) { best = id }
                    break
                }
                id = Int(parents[id])
            }
        }
        var included = Set<Int32>()
        if best >= 0 {
            included.insert(Int32(best))
            let parent = parents[best]
            let threshold = max(10.0, bestScore * 0.2)
            for id in 0..<count where parents[id] == parent && id != best && furniture[id] == .none && !inClassed[id] {
                if scores[id] >= threshold { included.insert(Int32(id)) }
            }
        }
        // Inside the article, class-matched furniture is dropped unless it holds most of the
        // article (then the pattern matched the layout, not a widget).
        // Several such pieces that together hold most of it are the content too: the posts of a
        // forum thread or the answers of a Q&A page are each called "comment" or "reply".
        let articleChars = best >= 0 ? textChars[best] : total
        func isFurnitureInside(_ block: RawBlock, keepingClassed: Bool) -> Bool {
            var inside = best < 0
            for id in block.path {
                if included.contains(id) { inside = true; continue }
                switch furniture[Int(id)] {
                case .hard: return true
                case .soft, .classed:
                    if inside && !keepingClassed && Double(textChars[Int(id)]) < 0.5 * Double(articleChars) { return true }
                default: continue
                }
            }
            return false
        }
        func isInArticle(_ index: Int) -> Bool {
            best < 0 || blocks[index].path.contains(where: { included.contains($0) })
                || siblingParagraph(blocks[index], bestParent: parents[best], length: lengths[index])
        }
        var classedChars = 0
        for index in blocks.indices where isInArticle(index) && isFurnitureInside(blocks[index], keepingClassed: false)
            && !hasHardFurniture(blocks[index]) {
            classedChars += lengths[index]
        }
        let keepClassed = best >= 0 && Double(classedChars) > 0.6 * Double(articleChars)
        var result: [TextBlock] = []
        let phrases = config.boilerplatePhrases.map { $0.lowercased() }
        let longestPhrase = phrases.map(\.unicodeScalars.count).max() ?? 0
        let labels = Set(config.boilerplateLines.map(Self.labelKey))
        for (index, block) in blocks.enumerated() {
            guard isInArticle(index), !isFurnitureInside(block, keepingClassed: keepClassed) else { continue }
            let scalarCount = block.scalars
            let density = block.linkDensity
            // Link lists go; a heading or a term that links to itself (an anchor) stays.
            // A citation linked to its source (a quoted title, a date) is content, not a menu.
            if density > 0.5 && lengths[index] < 400 && !block.isTerm
                && !(block.role == .paragraph && block.link != nil && lengths[index] >= 60 && Self.looksLikeCitation(block.text)) {
                guard case .heading = block.role else { continue }
            }
            if scalarCount < longestPhrase + 40, Self.isBoilerplatePhrase(block.text, phrases) { continue }
            if scalarCount <= 40, labels.contains(Self.labelKey(block.text)) { continue }
            result.append(block.textBlock)
        }
        if result.isEmpty, best >= 0 {
            // Everything in the article looked like furniture (a page that is all comments):
            // better the article's text than nothing.
            for block in blocks where block.path.contains(Int32(best)) && !hasHardFurniture(block) {
                result.append(block.textBlock)
            }
        }
        return result
    }

    /// A quoted title (“…”, 《…》, "…"; the closing mark is often lost) together with a date, as
    /// in a reference to a source.
    static func looksLikeCitation(_ text: String) -> Bool {
        let quoted = text.contains("“") || text.contains("《") || text.contains("\"")
        guard quoted else { return false }
        let range = NSRange(text.startIndex..., in: text)
        return datePattern.firstMatch(in: text, range: range) != nil || monthDatePattern.firstMatch(in: text, range: range) != nil
    }

    static let monthDatePattern = try! NSRegularExpression(
        pattern: "(January|February|March|April|May|June|July|August|September|October|November|December)\\s+\\d{1,2},\\s*\\d{4}")

    /// A label compared without case and punctuation: "ADVERTISEMENT:" ~ "Advertisement".
    static func labelKey(_ text: String) -> String {
        String(String.UnicodeScalarView(text.lowercased().unicodeScalars.filter { $0.properties.isAlphabetic || $0 == " " }))
            .trimmingCharacters(in: .whitespaces)
    }

    /// True when the block is (nearly) just one of the configured phrases.
    /// `phrases` are lower-case; letters are compared ASCII-case-insensitively on UTF-8 bytes.
    static func isBoilerplatePhrase(_ text: String, _ phrases: [String]) -> Bool {
        let count = text.unicodeScalars.count
        var searchable: SearchableText? = nil
        for phrase in phrases where count < phrase.unicodeScalars.count + 40 {
            if searchable == nil { searchable = SearchableText(lowercasing: text) }
            if searchable!.contains(phrase) { return true }
        }
        return false
    }

    /// A plain paragraph right beside the article container that reads like prose.
    private func siblingParagraph(_ block: RawBlock, bestParent: Int32, length: Int) -> Bool {
        guard block.path.count >= 2, block.path[block.path.count - 2] == bestParent else { return false }
        guard block.role == .paragraph, length >= 80 else { return false }
        return block.linkDensity < 0.25
    }
}
