import CLibXML2
import CorpusKit
import Foundation

/// What kind of page a page is, decided from its structure before anything is extracted: an
/// article, a forum thread, a listing of items, a collection (a shop category, a gallery), a
/// product, documentation, or a service (a landing or company page). The WCXB benchmark's seven
/// types; the cleaner reports it (`CleanDocument.metadata.pageType`), and extraction suited to
/// each type can follow it.
public enum PageType: String, Sendable, CaseIterable, Equatable {
    case article, forum, listing, collection, product, documentation, service
}

extension HTMLExtractor {
    /// The page's own word first (schema.org types in JSON-LD, `og:type`), then its address's
    /// vocabulary, then its shape: prices, repeated items, many short sections.
    ///
    /// `og:type` "article" is a weak word: content systems give it to every page they serve, so
    /// a category listing, a thread or a guide says it too. It gives way to the address and to
    /// the strong shapes (code samples, a list of linked items), and wins over the weak ones
    /// (prices mentioned, many headings), which articles have as well.
    func pageType() -> PageType {
        if let declared = declaredPageType() { return declared }
        if let byAddress = Self.pageType(address: metadata.canonicalURL) { return byAddress }
        // One pass over the visible blocks.
        var (text, linked, prices, headings, prose, code, visible) = (0, 0, 0, 0, 0, 0, 0)
        for block in blocks where !block.hidden {
            visible += 1
            text += block.weight
            if block.linkDensity > 0.5 { linked += block.weight }
            if block.scalars < 200 && Self.mentionsPrice(block.text) { prices += 1 }
            switch block.role {
            case .heading: headings += 1
            case .paragraph where block.weight >= 200 && block.linkDensity < 0.2: prose += block.weight
            case .preformatted: code += 1
            default: break
            }
        }
        guard visible > 0 else { return .article }
        let repeated = repeatedItems()
        // Code samples between explanations: documentation.
        if code >= 2 && prose < 4 * 1000 { return .documentation }
        // Long running prose is an article, whatever sits around it.
        if prose >= 2000 && Double(prose) >= 0.45 * Double(text) { return .article }
        let isListing = repeated >= 8 && Double(linked) > 0.35 * Double(max(1, text)) && prose < 1500
        if metadata.ogType?.lowercased() == "article" { return isListing && metadata.published == nil ? .listing : .article }
        if prices >= 3 && repeated >= 6 { return .collection }
        if prices >= 1 && prices <= 3 && prose < 1500 { return .product }
        if isListing { return .listing }
        if metadata.published == nil && headings >= 5 && Double(prose) < 0.4 * Double(max(1, text)) { return .service }
        return .article
    }

    /// A schema.org type in the page's JSON-LD, or its `og:type` (but for the weak "article").
    func declaredPageType() -> PageType? {
        var types = declaredTypes
        if let og = metadata.ogType, og.lowercased() != "article" { types.append(og) }
        // The questions of an FAQ (schema.org's FAQPage) are the page's help, not a thread.
        let faq = types.contains { $0.lowercased() == "faqpage" }
        for type in types.map({ $0.lowercased() }) {
            if faq && (type == "question" || type == "answer") { continue }
            switch type {
            case "product", "og:product", "product.item": return .product
            case "discussionforumposting", "qapage", "question", "socialmediaposting": return .forum
            case "itemlist", "searchresultspage": return .listing
            case "collectionpage", "offercatalog": return .collection
            case "techarticle", "apireference", "softwaresourcecode": return .documentation
            case "service", "professionalservice", "localbusiness": return .service
            case "article", "newsarticle", "blogposting", "reportage", "scholarlyarticle", "opinionnewsarticle": return .article
            default: continue
            }
        }
        return nil
    }

    /// The values of every `"@type"` in a JSON-LD text (a string or an array of strings).
    static func jsonLDTypes(_ text: String) -> [String] {
        var found: [String] = []
        var rest = Substring(text)
        while let range = rest.firstRange(ofBytes: "\"@type\"") {
            rest = rest[range.upperBound...].drop { $0 == " " || $0 == ":" || $0 == "\n" || $0 == "\t" || $0 == "\r" }
            if rest.first == "[" {
                let list = rest.dropFirst().prefix { $0 != "]" }
                found += list.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \"\n\t\r")) }
            } else if rest.first == "\"" {
                found.append(String(rest.dropFirst().prefix { $0 != "\"" }))
            }
            if found.count > 64 { break }
        }
        return found.filter { !$0.isEmpty }
    }

    /// Words of an address's path that say what kind of page it is, on any site.
    static func pageType(address: String?) -> PageType? {
        guard let address, let path = URL(string: address)?.path.lowercased() else { return nil }
        let segments = Set(path.split(separator: "/").map(String.init))
        // Forum software's own scripts name a thread too (phpBB, vBulletin, Discuz).
        if !segments.isDisjoint(with: [
            "t", "thread", "threads", "topic", "topics", "forum", "forums", "discussion", "questions", "community", "comments",
            "viewtopic.php", "showthread.php", "viewthread.php", "showtopic.php"
        ]) {
            return .forum
        }
        if !segments.isDisjoint(with: ["docs", "doc", "documentation", "reference", "api", "manual", "guide", "guides"]) {
            return .documentation
        }
        if !segments.isDisjoint(with: ["product", "products", "p", "dp", "item"]) && path.count > 12 { return .product }
        // A category or tag word says listing only where the address ends with it (or a page
        // number): /category/news/ is a listing, /category/news/some-long-title/ an article.
        let parts = path.split(separator: "/").map(String.init).filter { Int($0) == nil && $0 != "page" }
        guard let last = parts.last, parts.count >= 1 else { return nil }
        let listingWords: Set<String> = ["tag", "tags", "search", "archive", "archives", "category", "categories", "blog", "news"]
        if parts.count >= 2, ["collections", "collection", "shop"].contains(parts[parts.count - 2]) || last == "collections" {
            return .collection
        }
        let taxonomy: Set<String> = ["tag", "tags", "category", "categories", "archive", "archives"]
        if listingWords.contains(last) || (parts.count >= 2 && taxonomy.contains(parts[parts.count - 2]) && last.count < 25) {
            return .listing
        }
        return nil
    }

    /// "$19.99", "€ 12,50", "¥88", "USD 20": a price in a short block.
    static func mentionsPrice(_ text: String) -> Bool {
        guard text.utf8.count < 200 else { return false }
        let scalars = Array(text.unicodeScalars)
        for (index, scalar) in scalars.enumerated() where "$€£¥₹".unicodeScalars.contains(scalar) {
            let next = scalars[(index + 1)...].drop { $0 == " " }.first
            if let next, ("0"..."9").contains(next) { return true }
        }
        return false
    }

    /// The element holding the most sibling items of one tag and class, and how many it holds;
    /// of equal groups, the first in the page (so the same page always gives the same answer).
    /// `textChars`: count only items with some text (nil: every item).
    func largestItemGroup(textChars: [Int]?) -> (parent: Int, count: Int)? {
        var groups: [Int32: [Int: Int]] = [:]  // parent -> signature -> items
        for id in parents.indices where signatures[id] != 0 && parents[id] >= 0 && (textChars.map { $0[id] >= 20 } ?? true) {
            groups[parents[id], default: [:]][signatures[id], default: 0] += 1
        }
        var best: (parent: Int, count: Int)? = nil
        for (parent, bySignature) in groups {
            guard let count = bySignature.values.max(),
                count > (best?.count ?? 0) || (count == best?.count && Int(parent) < best!.parent)
            else { continue }
            best = (Int(parent), count)
        }
        return best
    }

    /// How many items the largest group of siblings of one tag and class holds (the entries
    /// of a listing, the posts of a thread).
    func repeatedItems() -> Int { largestItemGroup(textChars: nil)?.count ?? 0 }
}
