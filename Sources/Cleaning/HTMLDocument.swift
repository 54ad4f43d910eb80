import CLibXML2
import CorpusKit
import Foundation

/// Owns one libxml2 document and frees it in `deinit`. Never leaves the Cleaning module.
///
/// `@unchecked Sendable` is not claimed: a document is created, walked and freed on one thread.
final class HTMLDocument {
    let pointer: htmlDocPtr
    /// libxml2's last error code for this parse (0: none). Recovered errors are normal in HTML;
    /// it matters only when nothing could be extracted.
    let parserError: Int32

    /// Parses UTF-8 HTML with network access and entity loading off (see `cxml_safe_html_options`).
    init(utf8 text: String, source: String) throws {
        cxml_silence_errors()
        var bytes = text
        var lastError: Int32 = 0
        let parsed: htmlDocPtr? = bytes.withUTF8 { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                cxml_parse_utf8_html_status(chars.baseAddress, Int32(clamping: chars.count), &lastError)
            }
        }
        parserError = lastError
        guard let parsed else {
            throw CorpusError(file: source, stage: .clean, reason: "libxml2 could not parse the page")
        }
        pointer = parsed
    }

    deinit { xmlFreeDoc(pointer) }

    var root: xmlNodePtr? { xmlDocGetRootElement(pointer) }
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

/// Small accessors over libxml2 nodes, kept in one place.
enum Node {
    @inline(__always) static func isElement(_ node: xmlNodePtr) -> Bool { node.pointee.type == XML_ELEMENT_NODE }
    @inline(__always) static func isText(_ node: xmlNodePtr) -> Bool {
        node.pointee.type == XML_TEXT_NODE || node.pointee.type == XML_CDATA_SECTION_NODE
    }

    /// libxml2's `xmlChar *` (unsigned) as the `char *` C string functions take.
    @inline(__always) static func cString(_ text: UnsafePointer<xmlChar>) -> UnsafePointer<CChar> {
        UnsafeRawPointer(text).assumingMemoryBound(to: CChar.self)
    }

    /// Whether the element's tag is `wanted`, ignoring case, without making a String.
    @inline(__always) static func isNamed(_ node: xmlNodePtr, _ wanted: String) -> Bool {
        guard let name = node.pointee.name else { return false }
        return strcasecmp(cString(name), wanted) == 0
    }

    static func name(_ node: xmlNodePtr) -> String {
        guard let name = node.pointee.name else { return "" }
        return String(cString: name)
    }

    /// An attribute's value, read from the node's attribute list without allocating in libxml2.
    static func attribute(_ node: xmlNodePtr, _ wanted: StaticString) -> String? {
        var attribute = node.pointee.properties
        while let current = attribute {
            if let name = current.pointee.name,
                strcasecmp(cString(name), UnsafeRawPointer(wanted.utf8Start).assumingMemoryBound(to: CChar.self)) == 0
            {
                var value = ""
                var child = current.pointee.children
                while let text = child {
                    if let content = text.pointee.content { value += String(cString: content) }
                    child = text.pointee.next
                }
                return value
            }
            attribute = current.pointee.next
        }
        return nil
    }

    /// The value of an attribute node as a C string (its first text child), without copying.
    static func value(of attribute: xmlAttrPtr) -> UnsafePointer<CChar>? {
        guard let child = attribute.pointee.children, let content = child.pointee.content else { return nil }
        return cString(content)
    }

    /// An attribute's value as a C string, or nil; valid while the document lives.
    static func attributeValue(_ node: xmlNodePtr, _ wanted: String) -> UnsafePointer<CChar>? {
        var attribute = node.pointee.properties
        while let current = attribute {
            if let name = current.pointee.name, strcasecmp(cString(name), wanted) == 0 {
                return value(of: current)
            }
            attribute = current.pointee.next
        }
        return nil
    }

    static func text(_ node: xmlNodePtr) -> String {
        guard let content = node.pointee.content else { return "" }
        return String(cString: content)
    }

    /// The UTF-8 length of the text nodes directly below `node` (a script's body), without copying.
    static func textByteCount(_ node: xmlNodePtr) -> Int {
        var total = 0
        var child = node.pointee.children
        while let current = child {
            if isText(current), let content = current.pointee.content { total += strlen(cString(content)) }
            child = current.pointee.next
        }
        return total
    }

    /// All text below `node`, in order, without recursion.
    static func textContent(_ node: xmlNodePtr, limit: Int = 1 << 20) -> String {
        var out = ""
        var current = node.pointee.children
        while let here = current, out.utf8.count < limit {
            if isText(here) { out += text(here) }
            if isElement(here), let child = here.pointee.children {
                current = child
                continue
            }
            var climb: xmlNodePtr? = here
            while let step = climb, step != node {
                if let next = step.pointee.next {
                    current = next
                    break
                }
                climb = step.pointee.parent
                current = nil
            }
            if climb == node { break }
        }
        return out
    }
}
