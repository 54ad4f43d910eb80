import CLibXML2
import CorpusKit
import Foundation

/// Page metadata: `<head>`, JSON-LD, dates, the byline under the first heading, main-content hints.
extension HTMLExtractor {
    mutating func readHead(_ head: Node) {
        var child = head.firstChild
        while let node = child {
            defer { child = node.nextSibling }
            guard node.isElement else { continue }
            switch node.name.lowercased() {
            case "title":
                if metadata.title == nil { metadata.title = clean(node.textContent(limit: 4096)) }
            case "meta":
                let key = (node.attribute(.property) ?? node.attribute(.name) ?? node.attribute(.itemprop) ?? "")
                    .lowercased()
                guard let content = node.attribute(.content) else { continue }
                switch key {
                case "og:title": metadata.ogTitle = clean(content)
                case "og:type": metadata.ogType = clean(content)
                case "description", "og:description": if metadata.description == nil { metadata.description = clean(content) }
                case "article:published_time", "datepublished", "date", "pubdate", "publishdate", "dc.date.issued":
                    if metadata.published == nil { metadata.published = Self.isoDate(content) }
                default: break
                }
            case "link":
                if (node.attribute(.rel) ?? "").lowercased().split(separator: " ").contains("canonical") {
                    metadata.canonicalURL = node.attribute(.href)
                }
            case "script":
                if (node.attribute(.type) ?? "").lowercased().contains("ld+json") {
                    noteJSONLD(node)
                }
            default: break
            }
        }
    }

    /// Keeps a JSON-LD block for the text fallback and takes its `datePublished` if none yet.
    mutating func noteJSONLD(_ node: Node) {
        let text = node.textContent(limit: 200_000)
        if metadata.published == nil { metadata.published = Self.jsonLDDate(text) }
        // Its schema.org types, read once here for the page-type decision.
        if declaredTypes.count < 64 { declaredTypes += Self.jsonLDTypes(text) }
        if jsonLD.count < 16 { jsonLD.append(node) }
    }

    /// `<main>`, `role="main"`, `itemprop="articleBody"`/`"text"` (schema.org's main text).
    static func isMainHint(_ node: Node, kind: TagKind) -> Bool {
        guard kind == .container || kind == .paragraph else { return false }
        if node.isNamed("main") { return true }
        if let role = node.attributeValue(.role), strcasecmp(role, "main") == 0 { return true }
        if let property = node.attributeValue(.itemprop),
            strcasecmp(property, "articleBody") == 0 || strcasecmp(property, "text") == 0
        {
            return true
        }
        return false
    }

    static func jsonLDDate(_ text: String) -> String? {
        guard let range = text.firstRange(ofBytes: "\"datePublished\"") else { return nil }
        let rest = text[range.upperBound...].drop { $0 == " " || $0 == ":" || $0 == "\n" || $0 == "\t" }
        guard rest.first == "\"" else { return nil }
        return isoDate(String(rest.dropFirst().prefix { $0 != "\"" }))
    }

    /// The YYYY-MM-DD prefix of an ISO-8601-looking stamp, or nil.
    static func isoDate(_ stamp: String) -> String? {
        CalendarDate.prefix(of: stamp)
    }

    /// The dateline under the first `<h1>` ("发布时间:2025-04-11 来源:…", "Posted on 2025-04-11 by …"):
    /// kept as metadata even when it is not part of the main text, and a date source of last resort.
    mutating func findByline() {
        guard let headingIndex = blocks.firstIndex(where: { $0.role == .heading(level: 1) }) else { return }
        for block in blocks[(headingIndex + 1)...].prefix(3) where block.text.count <= 200 {
            let text = block.text
            guard let groups = DatePatterns.numericDate(in: text) else { continue }
            metadata.byline = text
            if metadata.published == nil {
                let parts = groups.compactMap { Int(text[$0]) }
                if parts.count == 3 { metadata.published = CalendarDate.string(year: parts[0], month: parts[1], day: parts[2]) }
            }
            return
        }
    }
}
