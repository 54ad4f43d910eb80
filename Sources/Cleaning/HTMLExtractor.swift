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
        /// Hidden only by `aria-hidden`: shown on the screen, kept from screen readers (a card's
        /// flip side, a decorative duplicate). Read where it sits inside the article; it never
        /// chooses the article.
        var ariaHiddenOnly = false
        /// `weightedLength(text)` and the text's scalar count, measured once.
        var weight: Int
        var scalars: Int
        /// A definition list's term: often a link to what it names, and content all the same.
        var isTerm = false
        /// The target of a link that makes up most of the block.
        var link: String? = nil
        /// Links' share of the text.
        var linkDensity: Double { Double(linkChars) / Double(max(1, scalars)) }

        init(role: BlockRole, text: String, cells: [String], linkChars: Int, path: [Int32], hiding: Hiding) {
            self.role = role
            self.text = text
            self.cells = cells
            self.linkChars = linkChars
            self.path = path
            hidden = hiding != .no
            ariaHiddenOnly = hiding == .aria
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
        /// Hidden by more than `aria-hidden`.
        var screenHidden = false
        var article = false
    }

    // Element table, indexed by id.
    var parents: [Int32] = []
    var kinds: [TagKind] = []
    var furniture: [Furniture] = []
    /// Tag and first class name of each container, hashed (0: no class): repeated items such as
    /// the posts of a thread share one.
    var signatures: [Int] = []
    /// Each element's tag name as libxml2 interned it (equal names, equal keys).
    var tagKeys: [Int] = []
    /// The id of the page's first visible `<h1>`.
    var firstHeadingID: Int? = nil
    /// Ids of `<html>` and `<body>`: the article is never the whole page.
    var pageRoots = Set<Int32>()
    /// Ids of `<main>`, `role="main"` and `itemprop="articleBody"` elements: the page's own word
    /// on where its content is. Nothing around them is furniture.
    var mainHints: [Int32] = []
    /// Open hidden elements (`hidden`, `display:none`, `aria-hidden`) and `<noscript>`s.
    var hiddenDepth = 0
    /// Those of them hidden by more than `aria-hidden`.
    var screenHiddenDepth = 0
    /// How the open elements hide the block being gathered.
    var openHiding: Hiding { hiddenDepth == 0 ? .no : screenHiddenDepth == 0 ? .aria : .screen }
    /// Open `<article>` elements.
    var articleDepth = 0
    /// JSON-LD script elements (they live as long as the document): read and parsed only when
    /// the markup yields little text.
    var jsonLD: [Node] = []
    /// The schema.org `@type`s the page's JSON-LD names, in order.
    var declaredTypes: [String] = []
    /// The microdata item each element starts, by id (shorter than the element table when the
    /// last elements start none).
    var itemTypes: [ItemType] = []
    /// Ids of elements marked as an item's main text (`itemprop="text"` or `"articleBody"`).
    var textProperties: [Int32] = []
    /// An item's author and date as the page shows them (`itemprop="author"`, its `name`;
    /// `datePublished`): who wrote each post of a thread, and when.
    var postCredits: [PostCredit] = []

    var frames: [Frame] = []
    var blocks: [RawBlock] = []
    /// Inline text of the block being gathered, as UTF-8 straight from libxml2's nodes.
    var buffer: [UInt8] = []
    var bufferLinkChars = 0
    /// The outermost open link (its target is read only if it wins) and the link characters
    /// gathered before it opened.
    var openLink: (node: Node, charsBefore: Int)? = nil
    /// The target of the longest link in the block being gathered, with its length.
    var bufferLink: (href: String, chars: Int)? = nil
    var linkDepth = 0
    var preDepth = 0
    var rowCells: [String]? = nil
    /// Text of the data-table cell being gathered; `inCell` says whether one is open.
    var cellBytes: [UInt8] = []
    var inCell = false
    var metadata = PageMetadata()
    var tagCache: [UnsafeRawPointer: TagKind] = [:]
    let furnitureTokens: TokenIndex
    /// The furniture tokens each class-matched element matched (a bit per token), how many
    /// elements each token matched, and how many elements have a class or id at all.
    var classedBy: [Int32: UInt64] = [:]
    var tokenCounts: [Int]
    var identified = 0
    /// Class words of a thread's posts, and the containers whose class or id has one.
    let postTokens: TokenIndex
    let threadWords: UInt64
    var postLike: [Int32] = []
    /// Ids of `<header>` and `<nav>` elements and of elements whose role is "banner" or
    /// "navigation": the furniture that broken markup can make swallow the page.
    var banners = Set<Int32>()
    let layoutTokens: TokenIndex
    let boilerplate: BoilerplateFilter
    /// Scratch space for an element's class and id bytes.
    var identityBytes: [UInt8] = []
    /// What the token tables say of each distinct class-and-id text on the page: most pages
    /// repeat a few dozen of them over thousands of elements.
    var identityVerdicts = [IdentityKey: IdentityVerdict](minimumCapacity: 256)

    /// A class-and-id text, hashed in one call over its bytes.
    struct IdentityKey: Hashable {
        var bytes: [UInt8]
        func hash(into hasher: inout Hasher) { bytes.withUnsafeBytes { hasher.combine(bytes: $0) } }
    }

    /// Whether the text names the content, the furniture tokens it matches, and whether it
    /// names layout.
    struct IdentityVerdict {
        var namesContent: Bool
        var mask: UInt64
        var layout: Bool
    }

    /// What the extractor derives from the configuration, made once per `Cleaner` rather than
    /// once per page (lowercased phrases, label keys and token tables took 3% of a page's time).
    struct Rules: Sendable {
        let furnitureTokens: TokenIndex
        let layoutTokens: TokenIndex
        let postTokens = TokenIndex(["post", "message", "comment", "reply", "answer", "entry", "topic", "thread"])
        /// The furniture tokens (as bits) that are words of a thread: comments, replies, answers.
        let threadWords: UInt64
        let boilerplate: BoilerplateFilter

        init(config: PipelineConfig) {
            furnitureTokens = TokenIndex(config.furnitureClassTokens)
            layoutTokens = TokenIndex(config.layoutClassTokens)
            boilerplate = BoilerplateFilter(config: config)
            var mask: UInt64 = 0
            for (token, word) in furnitureTokens.words.enumerated() where token < 64 {
                if postTokens.matchesPrefix(of: Array(word.utf8)[...]) || word.hasPrefix("respond") || word.hasPrefix("disqus") {
                    mask |= 1 << UInt64(token)
                }
            }
            threadWords = mask
        }
    }

    init(config: PipelineConfig, source: String, rules: Rules? = nil) {
        self.config = config
        self.source = source
        let rules = rules ?? Rules(config: config)
        furnitureTokens = rules.furnitureTokens
        layoutTokens = rules.layoutTokens
        postTokens = rules.postTokens
        threadWords = rules.threadWords
        boilerplate = rules.boilerplate
        tokenCounts = [Int](repeating: 0, count: config.furnitureClassTokens.count)
    }

    mutating func extract(_ document: HTMLDocument) throws -> (blocks: [TextBlock], metadata: PageMetadata) {
        guard let root = document.root else { return ([], metadata) }
        if let lang = root.attribute(.lang), !lang.isEmpty { metadata.language = lang }
        try walk(root)
        flush()
        findByline()
        metadata.pageType = pageType()
        let blocks = Self.withoutRepeats(select())
        return (Self.isLoneLabel(blocks) || Self.isScriptNotice(blocks) ? [] : blocks, metadata)
    }

    /// A page whose main text is only a notice that it needs scripts ("You need to enable
    /// JavaScript to run this app", "请启用 JavaScript") is a shell its scripts fill: it has no
    /// main text. Short text only (a few short blocks, each naming JavaScript).
    static func isScriptNotice(_ blocks: [TextBlock]) -> Bool {
        guard !blocks.isEmpty, blocks.count <= 3 else { return false }
        var total = 0
        for block in blocks {
            let scalars = block.text.scalarCount
            total += scalars
            guard scalars <= 200, block.text.range(of: "javascript", options: .caseInsensitive) != nil else { return false }
        }
        return total <= 300
    }

    /// A page whose main text would be one word ("Reviews", the site's name) keeps its content
    /// elsewhere (a shell its scripts fill, a bot check): that word is the page's chrome, and the
    /// page has no main text. Only a word in the Latin alphabet: a short Chinese heading is a
    /// phrase, not a label.
    static func isLoneLabel(_ blocks: [TextBlock]) -> Bool {
        guard blocks.count == 1, blocks[0].cells.isEmpty else { return false }
        let text = blocks[0].text.unicodeScalars
        return text.count <= 40 && text.allSatisfy { $0.isASCII && !TextNormalizer.isSpace($0) }
    }

    /// A block said again word for word (a page's desktop and mobile copies of a section, a
    /// product's tabs) is said once; short ones (a recipe's line, a quoted tweet's byline, a price) may repeat.
    static func withoutRepeats(_ blocks: [TextBlock]) -> [TextBlock] {
        var seen = Set<BytesKey>()
        return blocks.filter { block in
            guard block.text.utf8.count >= 120, block.text.scalarCount >= 120 else { return true }
            return seen.insert(BytesKey(text: block.text)).inserted
        }
    }

    /// A text hashed and compared by its UTF-8 bytes, in one call each: block text is NFC, so
    /// equal bytes are equal text, where a String's own hash normalizes it again and an array
    /// of bytes is hashed a byte at a time.
    struct BytesKey: Hashable {
        var text: String
        static func == (lhs: BytesKey, rhs: BytesKey) -> Bool {
            var (left, right) = (lhs.text, rhs.text)
            return left.withUTF8 { a in
                right.withUTF8 { b in a.count == b.count && (a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0) }
            }
        }
        func hash(into hasher: inout Hasher) {
            var text = self.text
            text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        }
    }

    // MARK: Walk

    /// Classifies each distinct tag once per page. Tag names are interned by the parser (one
    /// address per name), so the address is the key: no string is made or compared per element.
    mutating func kind(of node: Node) -> TagKind {
        guard let name = node.rawName else { return .inline }
        let key = UnsafeRawPointer(name)
        if let known = tagCache[key] { return known }
        let kind = TagKind.of(String(cString: name).lowercased())
        tagCache[key] = kind
        return kind
    }

    mutating func walk(_ root: Node) throws {
        var node: Node = root
        var descend = open(node)
        while true {
            if descend, let child = node.firstChild {
                node = child
                descend = open(node)
                continue
            }
            if descend { close() }
            // Climb until a next sibling exists.
            while true {
                if node == root { return }
                if let next = node.nextSibling {
                    node = next
                    descend = open(node)
                    break
                }
                guard let parent = node.parent else { return }
                node = parent
                close()
            }
            if blocks.count > config.maxBlocks {
                throw CorpusError(
                    file: source, stage: .clean, reason: "page has more than \(config.maxBlocks) blocks (pipeline.toml limits.max_blocks)")
            }
        }
    }

    /// Whether an element holds a page's `<main>`, `<article>` or `<section>`, or five
    /// paragraphs and headings (a control's label has one or two).
    static func holdsSections(_ element: Node) -> Bool {
        var paragraphs = 0
        return element.containsElement { here in
            if here.isNamed("main") || here.isNamed("article") || here.isNamed("section") { return true }
            if here.isNamed("p") || here.isNamed("h1") || here.isNamed("h2") || here.isNamed("h3") { paragraphs += 1 }
            return paragraphs >= 5
        }
    }

    /// Handles entering a node; returns true when a frame was pushed (the caller will `close` it).
    mutating func open(_ node: Node) -> Bool {
        if node.isText {
            text(node)
            return false
        }
        guard node.isElement else { return false }
        var kind = self.kind(of: node)
        // A control holds phrasing only; one that holds the page's sections swallowed them
        // (libxml2 ignores `</button>` while a `<div>` inside is open): it is walked as a container.
        if kind == .skip, node.isNamed("button"), Self.holdsSections(node) { kind = .container }
        // A figure of a quotation (a testimonial, a pull quote) or of a table is text, not an
        // image's frame.
        if kind == .chrome, node.isNamed("figure"), node.containsElement(where: { $0.isNamed("blockquote") || $0.isNamed("table") }) {
            kind = .container
        }
        switch kind {
        case .skip:
            if node.isNamed("script"), (node.attribute(.type) ?? "").lowercased().contains("ld+json") {
                noteJSONLD(node)
            }
            return false
        case .head:
            readHead(node)
            return false
        case .title:
            if metadata.title == nil { metadata.title = clean(node.textContent(limit: 4096)) }
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
        let hiding: Hiding = kind == .noscript ? .screen : Self.hiding(node)
        let hidden = hiding != .no
        if hidden && !kind.isBlock { return false }
        if kind == .time, metadata.published == nil, let stamp = node.attribute(.datetime) {
            metadata.published = Self.isoDate(stamp)
        }
        if kind.isBlock { flush() }
        let id = Int32(parents.count)
        parents.append(frames.last?.id ?? -1)
        kinds.append(kind)
        var level: Furniture = kind == .chrome ? .hard : .none
        if kind == .chrome, node.isNamed("header") || node.isNamed("footer") {
            // An article's own header or footer (its headline and dateline, each story's on a
            // page of stories) is not the site's: it goes with the article only when small.
            if articleDepth > 0 {
                level = .soft
            } else if node.isNamed("header") {
                banners.insert(id)
            }
        } else if kind == .chrome, node.isNamed("nav") {
            banners.insert(id)
        }
        if level == .none, kind != .inline, kind != .link, kind != .time, kind != .row, kind != .cell {
            level = furnitureLevel(node, kind: kind)
        }
        furniture.append(level)
        signatures.append(kind == .container || kind == .listItem ? Self.signature(node) : 0)
        tagKeys.append(Int(bitPattern: node.rawName))
        if kind == .container, node.isNamed("body") || node.isNamed("html") {
            pageRoots.insert(id)
        }
        if !hidden && hiddenDepth == 0 && Self.isMainHint(node, kind: kind) { mainHints.append(id) }
        if kind != .inline && kind != .link && kind != .time { noteMicrodata(node, id: id) }
        if !itemTypes.isEmpty { noteCredit(node, id: id) }
        var frame = Frame(id: id, kind: kind, hidden: hidden, screenHidden: hiding == .screen)
        if hidden { hiddenDepth += 1 }
        if hiding == .screen { screenHiddenDepth += 1 }
        if kind == .container, node.isNamed("article") {
            frame.article = true
            articleDepth += 1
        }
        switch kind {
        case .heading(let level) where metadata.firstHeading == nil && level == 1 && hiddenDepth == 0:
            metadata.firstHeading = clean(node.textContent(limit: 4096))
            firstHeadingID = Int(id)
        case .link:
            linkDepth += 1
            if linkDepth == 1 { openLink = (node, bufferLinkChars) }
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

    mutating func close() {
        guard let frame = frames.popLast() else { return }
        defer {
            if frame.hidden { hiddenDepth -= 1 }
            if frame.screenHidden { screenHiddenDepth -= 1 }
            if frame.article { articleDepth -= 1 }
        }
        switch frame.kind {
        case .link:
            linkDepth -= 1
            if linkDepth == 0, let link = openLink {
                let chars = bufferLinkChars - link.charsBefore
                // The count first: trimming every link's target cost a tenth of the clean.
                if chars > (bufferLink?.chars ?? 0), let href = link.node.attribute(.href).map(Self.trimmedASCII), !href.isEmpty {
                    bufferLink = (href, chars)
                }
                openLink = nil
            }
        case .preformatted:
            flush(closing: frame)
            preDepth -= 1
        case .cell where inCell:
            let cell = clean(cellBytes)
            rowCells?.append(cell)
            inCell = false
        case .row where rowCells != nil:
            let cells = rowCells!
            rowCells = nil
            if cells.contains(where: { !$0.isEmpty }) {
                blocks.append(
                    RawBlock(
                        role: .tableRow, text: cells.filter { !$0.isEmpty }.joined(separator: "\n"), cells: cells,
                        linkChars: bufferLinkChars, path: frames.map(\.id) + [frame.id], hiding: openHiding))
            }
            bufferLinkChars = 0
        default:
            if frame.kind.isBlock { flush(closing: frame) }
        }
    }

    /// `text` without ASCII white space at either end (what HTML strips from a URL attribute).
    static func trimmedASCII(_ text: String) -> String {
        let utf8 = text.utf8
        func blank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0C || byte == 0x0D }
        guard let first = utf8.firstIndex(where: { !blank($0) }) else { return "" }
        let last = utf8.lastIndex(where: { !blank($0) })!
        if first == utf8.startIndex && last == utf8.index(before: utf8.endIndex) { return text }
        return String(text[first...last])
    }

    /// U+2028, which stands for `<br>` while text is gathered (a newline in HTML is white space).
    static let lineSeparatorBytes: [UInt8] = [0xE2, 0x80, 0xA8]

    mutating func text(_ node: Node) {
        let bytes = node.textBytes
        guard bytes.count > 0 else { return }
        if inCell { cellBytes.append(contentsOf: bytes) } else { buffer.append(contentsOf: bytes) }
        if linkDepth > 0 {
            // Characters, not bytes: count lead bytes that are not ASCII white space.
            var count = 0
            for byte in bytes where byte & 0xC0 != 0x80 && byte > 0x20 { count += 1 }
            bufferLinkChars += count
        }
    }

    mutating func lineBreak() {
        if inCell { cellBytes.append(contentsOf: Self.lineSeparatorBytes) } else { buffer.append(contentsOf: Self.lineSeparatorBytes) }
    }

    /// Emits the inline text gathered so far as one block, with the role of its innermost block element.
    mutating func flush(closing: Frame? = nil) {
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
            case .heading(let level):
                role = .heading(level: level)
                break roleSearch
            case .listItem:
                role = .listItem
                break roleSearch
            case .preformatted:
                role = .preformatted
                break roleSearch
            case .quote:
                role = .quote
                break roleSearch
            case .paragraph, .caption:
                role = inQuote ? .quote : .paragraph
                break roleSearch
            case .term:
                role = .paragraph
                isTerm = true
                break roleSearch
            default: continue
            }
        }
        // Text kept as preformatted (a <p> inside an unclosed <pre>, found by fuzzing) says so.
        if preformatted { role = .preformatted }
        var block = RawBlock(
            role: role, text: text, cells: [], linkChars: bufferLinkChars,
            path: stack.map(\.id), hiding: openHiding)
        block.isTerm = isTerm
        // A link that is most of the block (a citation whose title links to its source) is kept
        // with it; the link still open when a block ends counts too.
        var link = bufferLink
        if let open = openLink, bufferLinkChars - open.charsBefore > (link?.chars ?? 0), let href = open.node.attribute(.href) {
            link = (href, bufferLinkChars - open.charsBefore)
        }
        if let link, Double(link.chars) >= 0.5 * Double(block.scalars) { block.link = link.href }
        blocks.append(block)
    }

    /// In HTML a newline is white space; only `<br>` (marked U+2028 while walking) breaks a line.
    func clean(_ raw: String) -> String { TextNormalizer.normalize(raw, lineSeparator: "\u{2028}") }
    /// libxml2 hands out valid UTF-8 (we gave it UTF-8): normalized straight from the bytes.
    func clean(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { TextNormalizer.normalize(utf8: $0, lineSeparator: "\u{2028}") }
    }

    /// Preformatted text keeps its lines and indentation. CR LF and lone CR end lines too (in a
    /// Swift String "\r\n" is one Character, so splitting on "\n" alone missed them — found by
    /// fuzzing); tabs become four spaces; other control characters are dropped.
    func cleanPreformatted(_ bytes: [UInt8]) -> String {
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
}
