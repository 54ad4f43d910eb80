import CLibXML2
import Foundation

/// One node of a parsed page, laid out flat. Links to other nodes are offsets from this one in
/// the same buffer (0: none), so a `Node` is one pointer and the buffer can grow while it is
/// built. `data` is an offset while the page is parsed and an address after (`TreeBuilder.finish`).
struct RawNode {
    var type: xmlElementType
    /// An element's attribute count; the byte length of a text, comment or PI node's content.
    var count: UInt32
    var parent: Int32
    var firstChild: Int32
    var lastChild: Int32
    var next: Int32
    var previous: Int32
    var name: UnsafePointer<xmlChar>?
    /// Text nodes, comments and PIs: their NUL-terminated content. Elements: their first attribute.
    var data: Int
}

/// One attribute: its name (interned by libxml2) and its NUL-terminated value, or 0 when it has
/// none (`<div hidden>`: libxml2 gives such an attribute no text child).
struct RawAttribute {
    var name: UnsafePointer<xmlChar>
    var value: Int
    /// The name, when the extractor reads it on every element: a byte to compare, not a string.
    var known: KnownAttribute
}

/// The attribute names read on every element (furniture, hidden content, microdata, links).
/// The parser interns names in lower case, so the builder tells them by address, once per
/// attribute, and every later reader compares one byte.
enum KnownAttribute: UInt8, CaseIterable {
    case other = 0
    case `class`, id, role, style, hidden, ariaHidden, itemprop, itemscope, itemtype, href, type, datetime, lang, content
    case rel, name, property

    /// The name as the parser writes it (lower case).
    var name: StaticString {
        switch self {
        case .other: return ""
        case .class: return "class"
        case .id: return "id"
        case .role: return "role"
        case .style: return "style"
        case .hidden: return "hidden"
        case .ariaHidden: return "aria-hidden"
        case .itemprop: return "itemprop"
        case .itemscope: return "itemscope"
        case .itemtype: return "itemtype"
        case .href: return "href"
        case .type: return "type"
        case .datetime: return "datetime"
        case .lang: return "lang"
        case .content: return "content"
        case .rel: return "rel"
        case .name: return "name"
        case .property: return "property"
        }
    }
}

/// Builds a page's tree from libxml2's SAX events, in the shape libxml2's own tree builder
/// (SAX2.c) gives it, and nothing more: no per-node allocations, no ID table, no namespace
/// search, no copies of attribute names. Every rule of SAX2.c that decides the tree's shape is
/// followed here, and `HTMLTreeTests` checks the two trees agree node for node:
/// - text joins the previous text node of the same kind under the same parent, and is dropped
///   when no element is open;
/// - a text run of white space the parser did not already drop is dropped as SAX2's `areBlanks`
///   would have, from the tree built so far (the parser's own check stops where it needs the
///   tree, which this builder does not give it);
/// - an element opened when none is open goes under the first top-level node if that is an
///   element, beside it otherwise; the doctype is the document's first child;
/// - an element nested deeper than libxml2's limit (256) stops the parse, as SAX2's does;
/// - prefixed names (`fb:like`) keep their local part; valueless boolean attributes
///   (`checked`) take their name as their value;
/// - a text node longer than 10,000,000 bytes stops the parse, as SAX2's does.
struct TreeBuilder {
    var nodes: UnsafeMutablePointer<RawNode>
    var nodeCount = 0
    var nodeCapacity: Int
    var attributes: UnsafeMutablePointer<RawAttribute>
    var attributeCount = 0
    var attributeCapacity: Int
    var bytes: UnsafeMutablePointer<UInt8>
    var byteCount = 0
    var byteCapacity: Int
    /// The open elements (SAX2's node stack), as node indices.
    var open: UnsafeMutablePointer<Int>
    var depth = 0
    var openCapacity = 64
    let context: htmlParserCtxtPtr
    /// Each known attribute name's address in the parser's dictionary, most frequent first.
    let knownNames: [(address: UnsafePointer<xmlChar>, known: KnownAttribute)]
    /// The attribute values taken out of the bytes before the parse, and the page they are in.
    let restoration: Restoration?
    /// Index of the doctype node, 0 when there is none.
    var doctype = 0
    /// The doctype names strict HTML 4, under which white space directly in `<body>` is dropped.
    var strictDoctype = false

    static let documentIndex = 0
    static let maximumTextLength = 10_000_000

    init(context: htmlParserCtxtPtr, inputLength: Int, restoration: Restoration?) {
        self.context = context
        self.restoration = restoration
        nodeCapacity = max(64, inputLength / 48)
        nodes = Self.allocate(RawNode.self, nodeCapacity)
        attributeCapacity = max(32, inputLength / 96)
        attributes = Self.allocate(RawAttribute.self, attributeCapacity)
        byteCapacity = max(256, inputLength / 2)
        bytes = Self.allocate(UInt8.self, byteCapacity)
        open = Self.allocate(Int.self, openCapacity)
        let dictionary = context.pointee.dict
        knownNames = KnownAttribute.allCases.dropFirst().compactMap { known in
            let name = known.name
            return xmlDictLookup(dictionary, name.utf8Start, Int32(name.utf8CodeUnitCount)).map { ($0, known) }
        }
        _ = appendNode(type: XML_HTML_DOCUMENT_NODE, name: nil)
    }

    /// Which known attribute a name (interned in the same dictionary) is.
    @inline(__always) func known(_ name: UnsafePointer<xmlChar>) -> KnownAttribute {
        for entry in knownNames where entry.address == name { return entry.known }
        return .other
    }

    static func allocate<T>(_: T.Type, _ count: Int) -> UnsafeMutablePointer<T> {
        guard let raw = malloc(count * MemoryLayout<T>.stride) else { fatalError("out of memory") }
        return raw.bindMemory(to: T.self, capacity: count)
    }

    /// Makes room in a buffer for `needed` elements, at least doubling it when it must grow.
    static func reserve<T>(_ pointer: inout UnsafeMutablePointer<T>, capacity: inout Int, for needed: Int) {
        guard needed > capacity else { return }
        capacity = max(capacity * 2, needed)
        guard let raw = realloc(pointer, capacity * MemoryLayout<T>.stride) else { fatalError("out of memory") }
        pointer = raw.bindMemory(to: T.self, capacity: capacity)
    }

    // MARK: Storage

    mutating func appendNode(type: xmlElementType, name: UnsafePointer<xmlChar>?) -> Int {
        Self.reserve(&nodes, capacity: &nodeCapacity, for: nodeCount + 1)
        let index = nodeCount
        nodes[index] = RawNode(
            type: type, count: 0, parent: 0, firstChild: 0, lastChild: 0, next: 0, previous: 0, name: name, data: 0)
        nodeCount += 1
        return index
    }

    /// Appends `count` bytes and a NUL; returns where they start.
    mutating func appendBytes(_ source: UnsafePointer<xmlChar>, count: Int) -> Int {
        Self.reserve(&bytes, capacity: &byteCapacity, for: byteCount + count + 1)
        let start = byteCount
        memcpy(bytes + start, source, count)
        bytes[start + count] = 0
        byteCount += count + 1
        return start
    }

    /// Makes `child` the last child of `parent`.
    mutating func link(_ child: Int, under parent: Int) {
        nodes[child].parent = Int32(parent - child)
        if nodes[parent].lastChild == 0 {
            nodes[parent].firstChild = Int32(child - parent)
        } else {
            let last = parent + Int(nodes[parent].lastChild)
            nodes[last].next = Int32(child - last)
            nodes[child].previous = Int32(last - child)
        }
        nodes[parent].lastChild = Int32(child - parent)
    }

    /// Where a comment or PI goes: under the open element, or at the document's end.
    var current: Int { depth > 0 ? open[depth - 1] : Self.documentIndex }

    // MARK: Events

    mutating func startElement(_ name: UnsafePointer<xmlChar>, _ pairs: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {
        // SAX2's nodePush: past the depth limit the parse stops and the element is not kept.
        if depth > Int(cxml_max_depth()) {
            xmlStopParser(context)
            context.pointee.errNo = Int32(XML_ERR_INTERNAL_ERROR.rawValue)
            return
        }
        let index = appendNode(type: XML_ELEMENT_NODE, name: localName(name))
        if let pairs { readAttributes(pairs, into: index) }
        if depth > 0 {
            link(index, under: open[depth - 1])
        } else {
            // SAX2: the first element is the root; one opened when none is open goes under the
            // document's first child if that is an element, beside it otherwise.
            let first = nodes[0].firstChild
            if first != 0, nodes[Int(first)].type == XML_ELEMENT_NODE {
                link(index, under: Int(first))
            } else {
                link(index, under: Self.documentIndex)
            }
        }
        Self.reserve(&open, capacity: &openCapacity, for: depth + 1)
        open[depth] = index
        depth += 1
    }

    /// SAX2 splits a prefixed name and keeps its local part, even in HTML.
    func localName(_ name: UnsafePointer<xmlChar>) -> UnsafePointer<xmlChar> {
        guard strchr(Node.cString(name), 0x3A) != nil else { return name }
        var prefix: UnsafeMutablePointer<xmlChar>? = nil
        guard let local = xmlSplitQName(context, name, &prefix) else { return name }
        let interned = xmlDictLookup(context.pointee.dict, local, -1)
        cxml_free(local)
        if let prefix { cxml_free(prefix) }
        return interned ?? name
    }

    mutating func readAttributes(_ pairs: UnsafeMutablePointer<UnsafePointer<xmlChar>?>, into element: Int) {
        var index = 0
        let first = attributeCount
        while let name = pairs[index] {
            var value = pairs[index + 1]
            index += 2
            if value == nil, htmlIsBooleanAttr(name) != 0 { value = name }
            Self.reserve(&attributes, capacity: &attributeCapacity, for: attributeCount + 1)
            let stored: Int
            if let marked = value, marked[0] == UnusedText.marker, restoration != nil, let restored = restoredValue(marked, of: name) {
                stored = appendBytes(restored.baseAddress!, count: restored.count)
            } else {
                stored = value.map { appendBytes($0, count: strlen(Node.cString($0))) } ?? -1
            }
            attributes[attributeCount] = RawAttribute(name: name, value: stored, known: known(name))
            attributeCount += 1
        }
        nodes[element].count = UInt32(attributeCount - first)
        nodes[element].data = first
    }

    /// The value a marker (`UnusedText.marker` and the elision's number) stands for, if it
    /// names an elision of this attribute.
    func restoredValue(_ marked: UnsafePointer<xmlChar>, of name: UnsafePointer<xmlChar>) -> UnsafeBufferPointer<UInt8>? {
        guard let restoration else { return nil }
        var (number, scale, index) = (0, 1, 1)
        let digits = UnusedText.markerDigitBase..<(UnusedText.markerDigitBase + UInt8(UnusedText.markerRadix))
        while digits.contains(marked[index]) && index < 6 {
            number += Int(marked[index] - UnusedText.markerDigitBase) * scale
            scale *= UnusedText.markerRadix
            index += 1
        }
        guard index > 1, marked[index] == 0, number < restoration.elisions.count else { return nil }
        let elision = restoration.elisions[number]
        let length = strlen(Node.cString(name))
        guard elision.name.count == length else { return nil }
        let written = UnsafeBufferPointer(rebasing: restoration.page[elision.name])
        // libxml2 lowers a name's ASCII letters.
        for offset in 0..<length
        where (written[offset] >= 0x41 && written[offset] <= 0x5A ? written[offset] + 0x20 : written[offset]) != name[offset] {
            return nil
        }
        return UnsafeBufferPointer(rebasing: restoration.page[elision.value])
    }

    mutating func endElement() {
        if depth > 0 { depth -= 1 }
    }

    mutating func characters(_ text: UnsafePointer<xmlChar>, _ length: Int, type: xmlElementType) {
        guard depth > 0 else { return }
        let parent = open[depth - 1]
        if type == XML_TEXT_NODE, Self.isBlank(text, length), dropsBlank(in: parent) { return }
        let lastOffset = nodes[parent].lastChild
        if lastOffset != 0, nodes[parent + Int(lastOffset)].type == type {
            let last = parent + Int(lastOffset)
            let kept = Int(nodes[last].count)
            if kept + length > Self.maximumTextLength {
                // SAX2 reports a huge text node as out of memory and stops.
                context.pointee.errNo = Int32(XML_ERR_NO_MEMORY.rawValue)
                context.pointee.instate = XML_PARSER_EOF
                context.pointee.disableSAX = 1
                return
            }
            if nodes[last].data + kept + 1 != byteCount {
                // Not last in the buffer (never so far): move it there first.
                let moved = byteCount
                Self.reserve(&bytes, capacity: &byteCapacity, for: byteCount + kept + 1)
                memcpy(bytes + moved, bytes + nodes[last].data, kept + 1)
                byteCount += kept + 1
                nodes[last].data = moved
            }
            byteCount -= 1  // over the NUL
            _ = appendBytes(text, count: length)
            nodes[last].count = UInt32(kept + length)
            return
        }
        appendContent(type: type, name: type == XML_TEXT_NODE ? Self.textName.utf8Start : nil, text, length: length, under: parent)
    }

    mutating func comment(_ text: UnsafePointer<xmlChar>) {
        appendContent(
            type: XML_COMMENT_NODE, name: Self.commentName.utf8Start, text, length: strlen(Node.cString(text)), under: current)
    }

    mutating func processingInstruction(_ target: UnsafePointer<xmlChar>, _ content: UnsafePointer<xmlChar>?) {
        let content = content ?? Self.empty.utf8Start
        appendContent(type: XML_PI_NODE, name: target, content, length: strlen(Node.cString(content)), under: current)
    }

    /// A text, comment or PI node holding `length` bytes of `content`, as `parent`'s last child.
    mutating func appendContent(
        type: xmlElementType, name: UnsafePointer<xmlChar>?, _ content: UnsafePointer<xmlChar>, length: Int, under parent: Int
    ) {
        let index = appendNode(type: type, name: name)
        nodes[index].data = appendBytes(content, count: length)
        nodes[index].count = UInt32(length)
        link(index, under: parent)
    }

    /// A doctype is the document's first child; a second one replaces the first.
    mutating func doctype(_ name: UnsafePointer<xmlChar>?, externalID: UnsafePointer<xmlChar>?) {
        strictDoctype =
            externalID.map {
                xmlStrcasecmp($0, Self.strictHTML401.utf8Start) == 0 || xmlStrcasecmp($0, Self.strictHTML4.utf8Start) == 0
            } ?? false
        if doctype != 0 {
            nodes[doctype].name = name
            return
        }
        let index = appendNode(type: XML_DTD_NODE, name: name)
        doctype = index
        nodes[index].parent = Int32(-index)
        let first = Int(nodes[0].firstChild)
        if first == 0 {
            nodes[0].lastChild = Int32(index)
        } else {
            nodes[index].next = Int32(first - index)
            nodes[first].previous = Int32(index - first)
        }
        nodes[0].firstChild = Int32(index)
    }

    // MARK: White space

    static func isBlank(_ text: UnsafePointer<xmlChar>, _ length: Int) -> Bool {
        for index in 0..<length {
            let byte = text[index]
            guard byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D else { return false }
        }
        return true
    }

    /// The part of libxml2's `areBlanks` (HTMLparser.c) that reads the tree: the parser asks it
    /// only when the run was read as character data, the next character is `<` and the open
    /// element is not `html` or `head`, and it then keeps the run (it has no tree to read). A
    /// character reference (`&#32;`) comes without that check, and is kept as SAX2 keeps it.
    func dropsBlank(in parent: Int) -> Bool {
        guard let input = context.pointee.input, let cur = input.pointee.cur, let base = input.pointee.base,
            cur[0] == UInt8(ascii: "<"), cur > base
        else { return false }
        let previous = cur[-1]
        // A reference ends in `;` or a digit or letter; character data that is all white space
        // cannot.
        let letter = previous | 0x20
        if previous == UInt8(ascii: ";") || (previous >= 0x30 && previous <= 0x39) || (letter >= 0x61 && letter <= 0x7A) {
            return false
        }
        guard let open = context.pointee.name else { return false }
        if strictDoctype, xmlStrEqual(open, Self.bodyName.utf8Start) != 0 { return true }
        var lastOffset = nodes[parent].lastChild
        var last = parent + Int(lastOffset)
        while lastOffset != 0, nodes[last].type == XML_COMMENT_NODE {
            lastOffset = nodes[last].previous
            last += Int(lastOffset)
        }
        if lastOffset == 0 { return !Self.allowsText(open) }
        if nodes[last].type == XML_TEXT_NODE { return false }
        guard let name = nodes[last].name else { return true }
        return !Self.allowsText(name)
    }

    /// libxml2's `allowPCData`: elements whose white space between children is kept.
    static let allowPCData: [StaticString] = [
        "a", "abbr", "acronym", "address", "applet", "b", "bdo", "big", "blockquote", "body", "button", "caption", "center", "cite",
        "code", "dd", "del", "dfn", "div", "dt", "em", "font", "form", "h1", "h2", "h3", "h4", "h5", "h6", "i", "iframe", "ins",
        "kbd", "label", "legend", "li", "noframes", "noscript", "object", "p", "pre", "q", "s", "samp", "small", "span", "strike",
        "strong", "td", "th", "tt", "u", "var"
    ]
    /// Those names by their first letter, so a check compares only a few.
    static let allowPCDataByLetter: [[StaticString]] = {
        var table = [[StaticString]](repeating: [], count: 128)
        for name in allowPCData { table[Int(name.utf8Start[0])].append(name) }
        return table
    }()

    static func allowsText(_ name: UnsafePointer<xmlChar>) -> Bool {
        let first = Int(name[0])
        guard first < 128 else { return false }
        for candidate in allowPCDataByLetter[first] where strcmp(Node.cString(name), Node.cString(candidate.utf8Start)) == 0 {
            return true
        }
        return false
    }

    static let textName: StaticString = "text"
    static let commentName: StaticString = "comment"
    static let bodyName: StaticString = "body"
    static let empty: StaticString = ""
    static let strictHTML401: StaticString = "-//W3C//DTD HTML 4.01//EN"
    static let strictHTML4: StaticString = "-//W3C//DTD HTML 4//EN"

    // MARK: Parse

    /// libxml2 2.9 sets up its global state (dictionaries, locks, error handlers) on first use
    /// without a lock of its own: two first parses on two threads race and can corrupt it (and
    /// did: a two-job clean hung). A static is set up once, under the runtime's lock, before any
    /// parse on any thread.
    private static let libxml2Ready: Void = xmlInitParser()

    /// Parses UTF-8 HTML with the shim's safe options (no network, no external entities) into
    /// flat buffers; `nil` when libxml2 would return no document (no input at all).
    static func parse(_ buffer: UnsafeRawBufferPointer, restoring restoration: Restoration? = nil) -> (
        tree: ParsedTree, error: Int32
    )? {
        libxml2Ready
        cxml_silence_errors()
        guard let base = buffer.baseAddress, let context = htmlNewParserCtxt() else { return nil }
        defer { htmlFreeParserCtxt(context) }
        let builder = allocate(TreeBuilder.self, 1)
        builder.initialize(to: TreeBuilder(context: context, inputLength: buffer.count, restoration: restoration))
        defer {
            builder.deinitialize(count: 1)
            free(builder)
        }
        context.pointee._private = UnsafeMutableRawPointer(builder)
        installHandlers(context.pointee.sax)
        _ = htmlCtxtReadMemory(
            context, base.assumingMemoryBound(to: CChar.self), Int32(clamping: buffer.count), nil, "UTF-8",
            cxml_safe_html_options())
        // A stop of the builder's own set `errNo` as SAX2's would; once stopped, libxml2 records
        // no later error over it.
        let error = context.pointee.errNo
        // Names live in the parser's dictionary: it outlives the context, for the tree.
        let dictionary = context.pointee.dict
        xmlDictReference(dictionary)
        return (builder.pointee.finish(dictionary: dictionary), error)
    }

    /// Turns data offsets into addresses and hands the buffers over.
    func finish(dictionary: OpaquePointer?) -> ParsedTree {
        let attributeBase = Int(bitPattern: attributes)
        let byteBase = Int(bitPattern: bytes)
        for index in 0..<attributeCount {
            attributes[index].value = attributes[index].value < 0 ? 0 : byteBase + attributes[index].value
        }
        for index in 0..<nodeCount {
            switch nodes[index].type {
            case XML_ELEMENT_NODE:
                nodes[index].data = attributeBase + nodes[index].data * MemoryLayout<RawAttribute>.stride
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE, XML_COMMENT_NODE, XML_PI_NODE:
                nodes[index].data += byteBase
            default:
                nodes[index].data = 0
            }
        }
        free(open)
        return ParsedTree(nodes: nodes, attributes: attributes, bytes: bytes, dictionary: dictionary)
    }

    static func installHandlers(_ sax: UnsafeMutablePointer<htmlSAXHandler>?) {
        guard let sax else { return }
        // Only what builds the tree; the options then set `ignorableWhitespace` to SAX2's, which
        // drops what it is given.
        sax.pointee = htmlSAXHandler()
        sax.pointee.initialized = 1
        sax.pointee.startElement = { context, name, pairs in
            guard let name else { return }
            TreeBuilder.builder(context).pointee.startElement(name, pairs)
        }
        sax.pointee.endElement = { context, _ in TreeBuilder.builder(context).pointee.endElement() }
        sax.pointee.characters = { context, text, length in
            guard let text else { return }
            TreeBuilder.builder(context).pointee.characters(text, Int(length), type: XML_TEXT_NODE)
        }
        sax.pointee.cdataBlock = { context, text, length in
            guard let text else { return }
            TreeBuilder.builder(context).pointee.characters(text, Int(length), type: XML_CDATA_SECTION_NODE)
        }
        sax.pointee.comment = { context, text in
            guard let text else { return }
            TreeBuilder.builder(context).pointee.comment(text)
        }
        sax.pointee.processingInstruction = { context, target, content in
            guard let target else { return }
            TreeBuilder.builder(context).pointee.processingInstruction(target, content)
        }
        sax.pointee.internalSubset = { context, name, externalID, _ in
            TreeBuilder.builder(context).pointee.doctype(name, externalID: externalID)
        }
    }

    /// The builder a callback's context (the parser context itself) carries.
    @inline(__always) static func builder(_ context: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<TreeBuilder> {
        let parser = context!.assumingMemoryBound(to: xmlParserCtxt.self)
        return parser.pointee._private.assumingMemoryBound(to: TreeBuilder.self)
    }
}

/// Attribute values taken out of the bytes before the parse (`UnusedText`), to be put back as
/// the tree is built where libxml2 reports their markers: the page they are in, which must
/// outlive the parse, and the elisions in marker order.
struct Restoration {
    let page: UnsafeBufferPointer<UInt8>
    let elisions: [UnusedText.Elision]
}

/// The buffers of one parsed page, freed together.
struct ParsedTree {
    let nodes: UnsafeMutablePointer<RawNode>
    let attributes: UnsafeMutablePointer<RawAttribute>
    let bytes: UnsafeMutablePointer<UInt8>
    let dictionary: OpaquePointer?

    func free() {
        Foundation.free(nodes)
        Foundation.free(attributes)
        Foundation.free(bytes)
        xmlDictFree(dictionary)
    }
}
