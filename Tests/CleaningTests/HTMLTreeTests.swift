import CLibXML2
import Foundation
import TestSupport
import Testing

@testable import Cleaning

/// The cleaner builds its own flat tree from libxml2's SAX events (`TreeBuilder`); these tests
/// hold it to libxml2's own tree (SAX2.c's), node for node, on markup that exercises each rule
/// of that builder, and on every page of a folder when `DCCORPUS_TREE_PAGES` names one.
@Suite struct HTMLTreeTests {
    /// One line per node in document order: depth, type, name, attributes, content.
    static func outline(ours html: [UInt8], restoring restoration: Restoration? = nil) throws -> String {
        let document = try html.withUnsafeBytes { try HTMLDocument(validUTF8: $0, source: "test", restoring: restoration) }
        var lines: [String] = []
        func visit(_ node: Node, depth: Int) {
            var line = "\(depth) \(node.pointer.pointee.type.rawValue) \(node.rawName.map { String(cString: $0) } ?? "-")"
            node.firstAttribute { name, value in
                line += " [\(String(cString: name))=\(value.map { String(cString: $0) } ?? "<none>")]"
                return false
            }
            if !node.isElement, node.pointer.pointee.type != XML_HTML_DOCUMENT_NODE { line += " |\(node.text)|" }
            if node.pointer.pointee.type != XML_DTD_NODE { lines.append(line) }
            var child = node.firstChild
            while let current = child {
                visit(current, depth: depth + 1)
                child = current.nextSibling
            }
        }
        visit(document.top, depth: 0)
        return lines.joined(separator: "\n") + "\nerror \(document.parserError)"
    }

    static func expectSame(_ ours: String, _ theirs: String, _ name: String) {
        if ours != theirs {
            let first = zip(ours.split(separator: "\n"), theirs.split(separator: "\n")).first { $0 != $1 }
            Issue.record("\(name): trees differ at \(first.map { "\($0.0) / \($0.1)" } ?? "the end")")
        }
    }

    /// Our tree of the page cut with its attribute values elided and put back, and libxml2's of
    /// the page cut the same way but with the values left in.
    static func outlinesWithElisions(_ page: [UInt8]) throws -> (ours: String, theirs: String) {
        try page.withUnsafeBufferPointer { page in
            let elided = UnusedText.removed(from: page, always: true)
            let plain = UnusedText.removed(from: page, elidingValues: false, always: true)
            let theirs = Self.outline(libxml2: plain?.bytes ?? Array(page))
            guard let elided else { return (Self.outline(libxml2: Array(page)), theirs) }
            let restoration = Restoration(page: page, elisions: elided.elisions)
            let ours = try Self.outline(ours: elided.bytes, restoring: restoration)
            return (ours, theirs)
        }
    }

    static func outline(libxml2 html: [UInt8]) -> String {
        var error: Int32 = 0
        guard
            let document = html.withUnsafeBytes({
                cxml_parse_utf8_html_status($0.baseAddress?.assumingMemoryBound(to: CChar.self), Int32($0.count), &error)
            })
        else { return "" }
        defer { xmlFreeDoc(document) }
        var lines: [String] = []
        func visit(_ node: xmlNodePtr, depth: Int) {
            let type = node.pointee.type
            let name: String
            if type == XML_HTML_DOCUMENT_NODE || type == XML_CDATA_SECTION_NODE {
                name = "-"
            } else {
                name = node.pointee.name.map { String(cString: $0) } ?? "-"
            }
            var line = "\(depth) \(type.rawValue) \(name)"
            if type == XML_ELEMENT_NODE {
                var attribute = node.pointee.properties
                while let current = attribute {
                    let value = current.pointee.children.map { String(cString: $0.pointee.content) } ?? "<none>"
                    line += " [\(String(cString: current.pointee.name))=\(value)]"
                    attribute = current.pointee.next
                }
            } else if type != XML_HTML_DOCUMENT_NODE {
                line += " |\(node.pointee.content.map { String(cString: $0) } ?? "")|"
            } else {
                line += ""
            }
            if type != XML_DTD_NODE { lines.append(line) }
            var child = node.pointee.children
            while let current = child {
                visit(current, depth: depth + 1)
                child = current.pointee.next
            }
        }
        visit(UnsafeMutableRawPointer(document).assumingMemoryBound(to: xmlNode.self), depth: 0)
        return lines.joined(separator: "\n") + "\nerror \(error)"
    }

    static func expectSameTree(_ html: String, _ comment: Comment? = nil) throws {
        let bytes = Array(html.utf8)
        let ours = try outline(ours: bytes)
        let theirs = outline(libxml2: bytes)
        #expect(ours == theirs, comment)
    }

    @Test func whiteSpaceIsKeptAndDroppedWhereLibxml2KeepsAndDropsIt() throws {
        // Between blocks, inside inline elements, after inline elements, beside comments, at the
        // start of elements that allow text and those that do not, and in a table.
        try Self.expectSameTree(
            """
            <html> <head> <title> T </title> </head>
            <body>
              <div> <p> a <b>bold</b> <i>it</i> </p> <ul> <li> one </li> <li>two</li> </ul> </div>
              <table> <tr> <td> x </td> <td><span>y</span> </td> </tr> </table>
              <section> <!-- note --> <p>z</p> <!-- again --> </section>
              <p><img src="a.png"> <br> text</p>
            </body> </html>
            """)
    }

    @Test func aStrictDoctypeDropsWhiteSpaceDirectlyInTheBody() throws {
        try Self.expectSameTree(
            """
            <!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd">
            <html><body> <p>a</p> <b>b</b> </body></html>
            """)
        try Self.expectSameTree(
            """
            <!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "x">
            <html><body> <p>a</p> <b>b</b> </body></html>
            """)
    }

    @Test func referencesToWhiteSpaceAreText() throws {
        try Self.expectSameTree("<html><body><div><p>a</p>&#32;<p>b</p>&#10;<span>c</span>&#x20;</div></body></html>")
        try Self.expectSameTree("<html><body><div><p>a</p> &#32; <p>b</p>&nbsp;&amp; <i>c</i></div></body></html>")
    }

    @Test func attributesKeepTheirValuesOrHaveNone() throws {
        try Self.expectSameTree(
            """
            <html><body><input type=checkbox checked disabled hidden><div class="" id=x data-a='1' hidden>t</div>
            <option selected>o</option><p title="a &amp; b &lt;c&gt;" class=a class=b>p</p></body></html>
            """)
    }

    /// Attribute values the cleaner takes out before the parse come back where libxml2 would
    /// have put them: after cut scripts, comments and attributes (offsets move), in upper-case
    /// names, on `/>` tags, on a duplicate (libxml2 keeps the first), on a misplaced `<body>`
    /// libxml2 drops, in single quotes and beyond ASCII; values it would change (`&amp;`, a tab)
    /// or reads itself (a meta's content) stay in the bytes it parses.
    @Test func elidedAttributeValuesArePutBack() throws {
        let page = """
            <html lang="en-GB"><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
            <script>var x = "<div class='nope'>";</script><style>.a { color: red }</style>
            <link rel="canonical" href="https://example.org/a/long/path?q=1"></head>
            <body class="home page-template" data-x="dropped" onclick="f()"><!-- a comment with <p class="no"> -->
            <div CLASS="Main-Content wide" ID='article-body'><p class="lead paragraph">Text</p>
            <a HREF="https://example.org/数字中国/页面" title="kept as is">link</a><br class="clearfix"/>
            <img src="x.png" srcset="a 1x, b 2x" alt="an image" class="thumbnail"/>
            <span class="first-value" class="second-value">dup</span>
            <a href="/search?a=1&amp;b=2" class="with	tab">amp</a><i class="short">s</i>
            <body class="misplaced-body">x</body><div itemprop="articleBody" itemtype="https://schema.org/Article">y</div>
            <time datetime="2025-04-11T08:00:00Z" class="published">date</time></div></body></html>
            """
        let (ours, theirs) = try Self.outlinesWithElisions(Array(page.utf8))
        #expect(ours == theirs)
        #expect(ours.contains("[href=https://example.org/数字中国/页面]") && ours.contains("[class=Main-Content wide]"))
        let elided = try #require(Array(page.utf8).withUnsafeBufferPointer { UnusedText.removed(from: $0) })
        let parsed = String(decoding: elided.bytes, as: UTF8.self)
        #expect(parsed.contains("class=\"\u{1}") && !parsed.contains("Main-Content") && parsed.contains("charset=utf-8"))
        #expect(parsed.contains("&amp;b=2") && parsed.contains("with\ttab"))
        // Behind a byte order mark; with a NUL in a tag (libxml2 ends the tag's attributes
        // there, and the rest is text); and on a page that holds the marker byte itself, which
        // keeps its values.
        // "<script#" is a script to libxml2 (its names stop at the first character a name cannot
        // hold): what follows is its text, and no value in it may be taken out.
        let scriptLike = page.replacingOccurrences(
            of: "<i class=", with: "<script# src=\"x.js\"><a href=\"https://example.org/inside-the-script\">x</a></script><i class=")
        for variant in [
            "\u{FEFF}" + page, page.replacingOccurrences(of: "with\ttab", with: "with\u{0}nul"), "\u{1}" + page, scriptLike
        ] {
            let (ours, theirs) = try Self.outlinesWithElisions(Array(variant.utf8))
            #expect(ours == theirs && ours.contains("[class=Main-Content wide]"))
        }
        let holdsMarker = Array(("\u{1}" + page).utf8).withUnsafeBufferPointer { UnusedText.removed(from: $0) }
        #expect(holdsMarker?.elisions.isEmpty == true)
    }

    @Test func prefixedNamesAndProcessingInstructions() throws {
        try Self.expectSameTree(
            """
            <html xmlns:fb="x"><body><fb:like href="y">z</fb:like><o:p>office</o:p><xml:a>b</xml:a><:c>d</:c>
            <?php echo 1 ?> text <?xml version="1.0"?><svg:svg><svg:path d="M0"/></svg:svg></body></html>
            """)
    }

    @Test func markupAfterTheEndOfTheDocument() throws {
        try Self.expectSameTree("<html><body><p>a</p></body></html><p>after</p> tail <div>more</div>")
        try Self.expectSameTree("<!doctype html><html><body><p>a</p></body></html><p>after</p><!-- c --><div>more</div>")
        try Self.expectSameTree("<!-- first --><html><body><p>a</p></body></html><p>after</p>")
        try Self.expectSameTree("<p>no html element</p><div>x</div></body></html><span>y</span>")
        try Self.expectSameTree("plain text only")
        try Self.expectSameTree("")
    }

    @Test func scriptsStylesAndImpliedElements() throws {
        try Self.expectSameTree(
            """
            <title>t</title><meta charset=utf-8><script>var a = "<p>";</script><script type="application/ld+json">{"a": 1}</script>
            text in head<style> p { } </style><noscript><img src=x></noscript><p>one<p>two<li>three<td>four
            <table><td>cell</table><dl><dt>t<dd>d</dl><select><option>a<option>b</select>
            """)
    }

    @Test func nestingPastLibxml2sLimitStopsWhereLibxml2Stops() throws {
        let deep = String(repeating: "<div>", count: 300) + "deep" + String(repeating: "</div>", count: 300)
        try Self.expectSameTree("<html><body><p>before</p>\(deep)<p>after</p></body></html>")
        let ours = try Self.outline(ours: Array("<html><body>\(deep)</body></html>".utf8))
        #expect(ours.hasSuffix("error \(XML_ERR_INTERNAL_ERROR.rawValue)"))
    }

    @Test func theFixturePagesGiveLibxml2sTree() throws {
        var folders = [Fixtures.folder]
        if let pages = ProcessInfo.processInfo.environment["DCCORPUS_TREE_PAGES"] {
            folders.append(URL(fileURLWithPath: pages))
        }
        var compared = 0
        for folder in folders {
            let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
            while let file = files?.nextObject() as? URL {
                guard ["html", "htm"].contains(file.pathExtension.lowercased()) else { continue }
                let data = try Data(contentsOf: file)
                guard String(validating: data, as: UTF8.self) != nil else { continue }
                // As read, and as the cleaner parses it (without the text it never reads).
                let whole = Array(data)
                let cut = whole.withUnsafeBufferPointer { UnusedText.removed(from: $0, elidingValues: false) }
                for bytes in [whole, cut?.bytes].compactMap({ $0 }) {
                    Self.expectSame(try Self.outline(ours: bytes), Self.outline(libxml2: bytes), file.lastPathComponent)
                    compared += 1
                }
                // With the values taken out and put back, as the cleaner parses it.
                let (ours, theirs) = try Self.outlinesWithElisions(whole)
                Self.expectSame(ours, theirs, file.lastPathComponent + " (values elided)")
            }
        }
        #expect(compared >= 5)
    }
}
