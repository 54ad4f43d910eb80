import CorpusKit
import Foundation

/// What an HTML page needs to be shown as a reader saw it, as the page's markup names it: the
/// references of `img`/`picture`/`source` (lazy-loading attributes included), stylesheets,
/// scripts, icons, `video`/`audio`/`source`/`track`/`poster`, `object`/`embed`, `iframe`/`frame`,
/// `og:image`/`og:video`, legacy `background` attributes, and the texts in which more are named
/// (`<style>` elements and `style=""` attributes, inline scripts). Raw and unresolved: the fetcher
/// resolves them against `base` (or the page's URL) and scans the texts.
public struct PageReferences: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case image, stylesheet, script, icon, font, media, track, poster, frame, object, preview
    }

    public struct Reference: Sendable, Equatable {
        public var kind: Kind
        /// The attribute's value as written (a `srcset` list when `isSourceSet`).
        public var raw: String
        /// Where it was found: `img@data-src`, `meta og:video`, …
        public var origin: String
        public var isSourceSet: Bool

        public init(kind: Kind, raw: String, origin: String, isSourceSet: Bool = false) {
            self.kind = kind
            self.raw = raw
            self.origin = origin
            self.isSourceSet = isSourceSet
        }
    }

    /// `<base href>`, when the page sets one (the first, as browsers take it).
    public var base: String?
    public var references: [Reference] = []
    /// `<style>` elements' text and `style` attributes, in document order.
    public var styleTexts: [String] = []
    /// Inline `<script>` texts (no `src`), JSON blobs included, in document order.
    public var scriptTexts: [String] = []

    /// Reads the page once with libxml2 (no network, no external entities), decoding it as the
    /// cleaner does.
    public static func scan(_ bytes: Data, headerCharset: String?, source: String, config: PipelineConfig) throws -> PageReferences {
        let detected = Charset.detect(bytes, headerLabel: headerCharset)
        var text = try detected.charset.decode(bytes, source: source)
        try text.withUTF8 { try Cleaner.refuseOversizedTree($0, limit: Cleaner.elementLimit(config), source: source) }
        let document = try HTMLDocument(utf8: text, source: source)
        var found = PageReferences()
        // Markup after an early `</html>` becomes a second root element in libxml2 2.9: a browser
        // still shows it, so every top-level element is read.
        var top = document.root
        while let root = top {
            top = root.nextSibling
            var current: Node? = root
            while let node = current {
                current = node.next(within: root)
                guard node.isElement else { continue }
                found.read(node)
            }
        }
        return found
    }

    /// Lazy-loading libraries keep the real address in one of these until the image scrolls into view.
    static let lazySources = ["data-src", "data-original", "data-lazy-src", "data-lazy", "data-url", "data-echo", "data-hi-res-src"]
    static let lazySourceSets = ["data-srcset", "data-lazy-srcset"]

    mutating func read(_ node: Node) {
        let name = node.name.lowercased()
        if let style = node.attribute("style"), style.contains("url(") { styleTexts.append(style) }
        switch name {
        case "base":
            if base == nil, let href = node.attribute("href") { base = href }
        case "img", "input":
            if name == "input", node.attribute("type")?.lowercased() != "image" { break }
            add(.image, node, ["src"] + Self.lazySources, sets: ["srcset"] + Self.lazySourceSets)
        case "source":
            let parent = node.parent?.name.lowercased()
            if parent == "video" || parent == "audio" {
                add(.media, node, ["src"], sets: [])
            } else {
                add(.image, node, ["src"] + Self.lazySources, sets: ["srcset"] + Self.lazySourceSets)
            }
        case "video", "audio":
            add(.media, node, ["src", "data-src"], sets: [])
            add(.poster, node, ["poster", "data-poster"], sets: [])
        case "track":
            add(.track, node, ["src"], sets: [])
        case "iframe", "frame":
            add(.frame, node, ["src", "data-src"], sets: [])
        case "embed":
            add(.object, node, ["src"], sets: [])
        case "object":
            add(.object, node, ["data"], sets: [])
        case "script":
            if node.attribute("src") != nil {
                add(.script, node, ["src"], sets: [])
            } else if node.textByteCount > 0 {
                scriptTexts.append(node.textContent(limit: 1 << 22))
            }
        case "style":
            if node.textByteCount > 0 { styleTexts.append(node.textContent(limit: 1 << 22)) }
        case "link":
            readLink(node)
        case "meta":
            let key = (node.attribute("property") ?? node.attribute("name") ?? "").lowercased()
            guard let content = node.attribute("content") else { break }
            switch key {
            case "og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src":
                references.append(Reference(kind: .preview, raw: content, origin: "meta \(key)"))
            case "og:video", "og:video:url", "og:video:secure_url", "twitter:player:stream":
                references.append(Reference(kind: .media, raw: content, origin: "meta \(key)"))
            default: break
            }
        case "body", "table", "td", "th", "tr":
            add(.image, node, ["background"], sets: [])
        default: break
        }
    }

    mutating func readLink(_ node: Node) {
        let rel = Set((node.attribute("rel") ?? "").lowercased().split(whereSeparator: \.isWhitespace).map(String.init))
        let kind: Kind?
        if rel.contains("stylesheet") {
            kind = .stylesheet
        } else if !rel.isDisjoint(with: ["icon", "apple-touch-icon", "apple-touch-icon-precomposed", "mask-icon"]) {
            kind = .icon
        } else if !rel.isDisjoint(with: ["preload", "prefetch", "modulepreload"]) {
            switch (node.attribute("as") ?? (rel.contains("modulepreload") ? "script" : "")).lowercased() {
            case "style": kind = .stylesheet
            case "script": kind = .script
            case "image": kind = .image
            case "font": kind = .font
            case "video", "audio", "track": kind = .media
            default: kind = nil
            }
        } else {
            kind = nil
        }
        guard let kind else { return }
        add(kind, node, ["href"], sets: kind == .image ? ["imagesrcset"] : [])
    }

    mutating func add(_ kind: Kind, _ node: Node, _ attributes: [String], sets: [String]) {
        let element = node.name.lowercased()
        for attribute in attributes {
            if let value = node.attribute(attribute), !value.allSatisfy(\.isWhitespace) {
                references.append(Reference(kind: kind, raw: value, origin: "\(element)@\(attribute)"))
            }
        }
        for attribute in sets {
            if let value = node.attribute(attribute), !value.allSatisfy(\.isWhitespace) {
                references.append(Reference(kind: kind, raw: value, origin: "\(element)@\(attribute)", isSourceSet: true))
            }
        }
    }
}
