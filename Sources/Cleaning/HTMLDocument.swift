import CLibXML2
import CorpusKit
import Foundation

/// One parsed page: libxml2's HTML parser reads it and `TreeBuilder` lays out what it reports
/// (elements, attributes, text) in three flat buffers, freed in `deinit`. Never leaves the
/// Cleaning module.
///
/// libxml2's own tree costs a `malloc` per node, attribute and text, an ID table and a
/// namespace search per element, and as much again to free: on benchmark pages building and
/// freeing it was about two fifths of the parse.
///
/// `@unchecked Sendable` is not claimed: a document is created, walked and freed on one thread.
final class HTMLDocument {
    private let tree: ParsedTree
    /// libxml2's last error code for this parse (0: none). Recovered errors are normal in HTML;
    /// it matters only when nothing could be extracted.
    let parserError: Int32
    /// The first top-level element (libxml2's root element).
    let root: Node?

    /// Parses UTF-8 HTML with network access and entity loading off (see `cxml_safe_html_options`).
    convenience init(utf8 text: String, source: String) throws {
        var bytes = text
        try self.init(parsed: bytes.withUTF8 { TreeBuilder.parse(UnsafeRawBufferPointer($0)) }, source: source)
    }

    /// Parses bytes already known to be valid UTF-8 where they are: no copy of the page as a
    /// String beside the parser's own (30 MB less at the peak on a 30 MB page).
    convenience init(validUTF8 bytes: UnsafeRawBufferPointer, source: String, restoring restoration: Restoration? = nil) throws {
        try self.init(parsed: TreeBuilder.parse(bytes, restoring: restoration), source: source)
    }

    private init(parsed: (tree: ParsedTree, error: Int32)?, source: String) throws {
        guard let parsed else {
            throw CorpusError(file: source, stage: .clean, reason: "libxml2 could not parse the page")
        }
        tree = parsed.tree
        parserError = parsed.error
        var top = Node(UnsafePointer(parsed.tree.nodes)).firstChild
        while let node = top, !node.isElement { top = node.nextSibling }
        root = top
    }

    /// The document node: the parent of the top-level nodes.
    var top: Node { Node(UnsafePointer(tree.nodes)) }

    deinit { tree.free() }
}

/// Element categories the extractor cares about; looked up once per distinct tag name.
enum TagKind: Equatable {
    case skip  // script, style, form controls…: no text of theirs is content
    case noscript  // what a page shows without scripts: content only when nothing else is
    case chrome  // nav, aside, footer, header: site furniture by tag
    case container  // div, section, article…: block boundary, no role of its own
    case paragraph
    case heading(Int)
    case listItem, quote, preformatted, caption
    case term  // <dt>: a paragraph that names what the next one defines
    case table, tableSection, row, cell
    case lineBreak, rule
    case link
    case time  // inline, but its datetime may date the page
    case inline
    case head, title

    static func of(_ name: String) -> TagKind {
        switch name {
        case "noscript": return .noscript
        case "script", "style", "template", "svg", "math", "iframe", "object", "embed", "canvas",
            "select", "button", "input", "textarea", "option", "link", "meta", "video", "audio", "source", "map",
            "datalist", "picture", "img":
            return .skip
        case "nav", "aside", "footer", "header", "dialog", "menu", "figure", "figcaption": return .chrome
        case "div", "section", "article", "main", "body", "html", "form", "fieldset", "center", "dl",
            "details", "address", "ul", "ol", "hgroup", "frameset", "noframes", "legend":
            return .container
        case "dt": return .term
        case "p", "dd", "summary": return .paragraph
        case "h1": return .heading(1)
        case "h2": return .heading(2)
        case "h3": return .heading(3)
        case "h4": return .heading(4)
        case "h5": return .heading(5)
        case "h6": return .heading(6)
        case "li": return .listItem
        case "blockquote": return .quote
        case "pre", "listing", "xmp", "plaintext": return .preformatted
        case "caption": return .caption
        case "table": return .table
        case "thead", "tbody", "tfoot": return .tableSection
        case "tr": return .row
        case "td", "th": return .cell
        case "br": return .lineBreak
        case "hr": return .rule
        case "a": return .link
        case "time": return .time
        case "head": return .head
        case "title": return .title
        default: return .inline
        }
    }

    var isBlock: Bool {
        switch self {
        case .inline, .link, .time, .lineBreak, .skip, .title, .head: return false
        default: return true
        }
    }
}

/// A borrowed view of one node of a parsed page, valid while its `HTMLDocument` lives: every
/// pointer walk over the tree (children, siblings, attributes, text) is here, so the extractor
/// asks questions of nodes and never reads the buffers. A struct over one pointer: no cost.
struct Node: Equatable {
    let pointer: UnsafePointer<RawNode>

    @inline(__always) init(_ pointer: UnsafePointer<RawNode>) { self.pointer = pointer }

    @inline(__always) private func linked(_ offset: Int32) -> Node? {
        offset == 0 ? nil : Node(pointer + Int(offset))
    }

    @inline(__always) var isElement: Bool { pointer.pointee.type == XML_ELEMENT_NODE }
    @inline(__always) var isText: Bool {
        pointer.pointee.type == XML_TEXT_NODE || pointer.pointee.type == XML_CDATA_SECTION_NODE
    }
    @inline(__always) var firstChild: Node? { linked(pointer.pointee.firstChild) }
    @inline(__always) var nextSibling: Node? { linked(pointer.pointee.next) }
    @inline(__always) var parent: Node? { linked(pointer.pointee.parent) }

    /// The node after this one in document order, without entering this node's children when
    /// `enteringChildren` is false, and never leaving `root`.
    func next(within root: Node, enteringChildren: Bool = true) -> Node? {
        if enteringChildren, let child = firstChild { return child }
        var step = self
        while step != root {
            if let next = step.nextSibling { return next }
            guard let up = step.parent else { return nil }
            step = up
        }
        return nil
    }

    /// The tag name as libxml2 keeps it (a C string), nil for nameless nodes.
    @inline(__always) var rawName: UnsafePointer<xmlChar>? { pointer.pointee.name }
    @inline(__always) var cName: UnsafePointer<CChar>? { rawName.map(Self.cString) }

    var name: String {
        guard let name = rawName else { return "" }
        return String(cString: name)
    }

    /// libxml2's `xmlChar *` (unsigned) as the `char *` C string functions take.
    @inline(__always) static func cString(_ text: UnsafePointer<xmlChar>) -> UnsafePointer<CChar> {
        UnsafeRawPointer(text).assumingMemoryBound(to: CChar.self)
    }

    /// Whether the element's tag is `wanted`, ignoring case, without making a String.
    @inline(__always) func isNamed(_ wanted: StaticString) -> Bool {
        guard let name = rawName else { return false }
        // The first letter decides most calls without a library call.
        guard name[0] | 0x20 == wanted.utf8Start[0] | 0x20 else { return false }
        return strcasecmp(Self.cString(name), UnsafeRawPointer(wanted.utf8Start).assumingMemoryBound(to: CChar.self)) == 0
    }

    /// Each attribute's name and value as C strings, in order, until `body` returns true;
    /// whether it did. The value is nil for an attribute written without one (`<div hidden>`).
    @discardableResult
    func firstAttribute(where body: (_ name: UnsafePointer<CChar>, _ value: UnsafePointer<CChar>?) -> Bool) -> Bool {
        guard isElement else { return false }
        let count = Int(pointer.pointee.count)
        guard count > 0, let first = UnsafePointer<RawAttribute>(bitPattern: pointer.pointee.data) else { return false }
        for index in 0..<count {
            let attribute = first[index]
            if body(Self.cString(attribute.name), UnsafePointer<CChar>(bitPattern: attribute.value)) { return true }
        }
        return false
    }

    /// An attribute's value as a C string, or nil; valid while the document lives.
    func attributeValue(_ wanted: StaticString) -> UnsafePointer<CChar>? {
        let lead = wanted.utf8Start[0] | 0x20
        let wantedName = UnsafeRawPointer(wanted.utf8Start).assumingMemoryBound(to: CChar.self)
        var found: UnsafePointer<CChar>?
        firstAttribute { name, value in
            // The first letter decides most attributes without a library call.
            guard UInt8(bitPattern: name[0]) | 0x20 == lead, strcasecmp(name, wantedName) == 0 else { return false }
            found = value
            return true
        }
        return found
    }

    /// Each known attribute's kind and value, in order, until `body` returns true; whether it
    /// did. Attributes the extractor does not read on every element are passed over.
    @discardableResult
    @inline(__always) func firstKnownAttribute(where body: (_ known: KnownAttribute, _ value: UnsafePointer<CChar>?) -> Bool) -> Bool {
        guard isElement else { return false }
        let count = Int(pointer.pointee.count)
        guard count > 0, let first = UnsafePointer<RawAttribute>(bitPattern: pointer.pointee.data) else { return false }
        for index in 0..<count where first[index].known != .other {
            if body(first[index].known, UnsafePointer<CChar>(bitPattern: first[index].value)) { return true }
        }
        return false
    }

    /// A known attribute's value as a C string, or nil (also for one written without a value).
    @inline(__always) func attributeValue(_ wanted: KnownAttribute) -> UnsafePointer<CChar>? {
        guard isElement else { return nil }
        let count = Int(pointer.pointee.count)
        guard count > 0, let first = UnsafePointer<RawAttribute>(bitPattern: pointer.pointee.data) else { return nil }
        for index in 0..<count where first[index].known == wanted {
            return UnsafePointer<CChar>(bitPattern: first[index].value)
        }
        return nil
    }

    /// Whether the element has a known attribute, with or without a value.
    func hasAttribute(_ wanted: KnownAttribute) -> Bool {
        firstKnownAttribute { known, _ in known == wanted }
    }

    /// A known attribute's value as a String: "" for one written without a value, nil when the
    /// element has none.
    func attribute(_ wanted: KnownAttribute) -> String? {
        var found: String? = nil
        firstKnownAttribute { known, value in
            guard known == wanted else { return false }
            found = value.map { String(cString: $0) } ?? ""
            return true
        }
        return found
    }

    /// An attribute's value as a String: "" for an attribute written without one, nil when the
    /// element has no such attribute.
    func attribute(_ wanted: String) -> String? {
        var found: String? = nil
        firstAttribute { name, value in
            guard strcasecmp(name, wanted) == 0 else { return false }
            found = value.map { String(cString: $0) } ?? ""
            return true
        }
        return found
    }

    /// The NUL-terminated content of a text node, comment or PI; nil for other nodes.
    @inline(__always) private var content: UnsafePointer<CChar>? {
        switch pointer.pointee.type {
        case XML_TEXT_NODE, XML_CDATA_SECTION_NODE, XML_COMMENT_NODE, XML_PI_NODE:
            return UnsafePointer<CChar>(bitPattern: pointer.pointee.data)
        default:
            return nil
        }
    }

    /// A text node's UTF-8 bytes, borrowed from the document (empty for elements).
    @inline(__always) var textBytes: UnsafeBufferPointer<UInt8> {
        guard let content else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(
            start: UnsafeRawPointer(content).assumingMemoryBound(to: UInt8.self), count: strlen(content))
    }

    var text: String {
        guard let content else { return "" }
        return String(cString: content)
    }

    /// The UTF-8 length of the text nodes directly below this one (a script's body), without copying.
    var textByteCount: Int {
        var total = 0
        var child = firstChild
        while let current = child {
            if current.isText { total += current.textBytes.count }
            child = current.nextSibling
        }
        return total
    }

    /// Whether some element below this one (any depth, or only the children) satisfies `test`,
    /// in document order, stopping at the first that does.
    func containsElement(childrenOnly: Bool = false, where test: (Node) -> Bool) -> Bool {
        var current = firstChild
        while let here = current {
            if here.isElement, test(here) { return true }
            current = childrenOnly ? here.nextSibling : here.next(within: self, enteringChildren: here.isElement)
        }
        return false
    }

    /// All text below this node, in order, without recursion, up to about `limit` bytes.
    func textContent(limit: Int = 1 << 20) -> String {
        var out = ""
        var current = firstChild
        while let here = current, out.utf8.count < limit {
            if here.isText { out += here.text }
            current = here.next(within: self, enteringChildren: here.isElement)
        }
        return out
    }
}
