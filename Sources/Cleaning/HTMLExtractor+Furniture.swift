import CLibXML2
import CorpusKit
import Foundation

/// Site furniture: class/id tokens, ARIA roles, hidden elements, layout tables.
extension HTMLExtractor {
    mutating func furnitureLevel(_ node: Node, kind: TagKind) -> Furniture {
        if case .container = kind,
            node.isNamed("body") || node.isNamed("html") || node.isNamed("main") || node.isNamed("article")
        {
            return .none
        }
        if let value = node.attributeValue(.role) {
            let role = String(cString: value).lowercased().trimmingCharacters(in: .whitespaces)
            if Self.furnitureRoles.contains(role) {
                if role == "banner" || role == "navigation" { banners.insert(Int32(parents.count - 1)) }
                return .hard
            }
        }
        identityBytes.removeAll(keepingCapacity: true)
        func append(_ value: UnsafePointer<CChar>?) {
            if let value {
                identityBytes.append(
                    contentsOf: UnsafeBufferPointer(
                        start: UnsafeRawPointer(value).assumingMemoryBound(to: UInt8.self), count: strlen(value)))
            }
            identityBytes.append(0x20)
        }
        append(node.attributeValue(.class))
        append(node.attributeValue(.id))
        guard identityBytes.count > 2 else { return .none }
        let key = IdentityKey(bytes: identityBytes)
        let verdict: IdentityVerdict
        if let known = identityVerdicts[key] {
            verdict = known
        } else {
            verdict = IdentityVerdict(
                namesContent: Self.namesContent(identityBytes), mask: Self.furnitureMask(identityBytes, tokens: furnitureTokens),
                layout: Self.isFurnitureIdentity(identityBytes, tokens: layoutTokens))
            identityVerdicts[key] = verdict
        }
        // Page builders class every block "widget" or "module"; the one they name as the
        // post's content ("elementor-widget-theme-post-content") is the article, not furniture.
        if verdict.namesContent { return .none }
        identified += 1
        let mask = verdict.mask
        // An embedded post (a tweet quoted in a story: "social-media-embed" around a
        // `<blockquote>`) is what the story quotes, not a share bar.
        if mask != 0, node.containsElement(childrenOnly: true, where: { $0.isNamed("blockquote") }) { return .none }
        if mask != 0 {
            classedBy[Int32(parents.count - 1)] = mask
            var bits = mask
            while bits != 0 {
                tokenCounts[bits.trailingZeroBitCount] += 1
                bits &= bits - 1
            }
            return .classed
        }
        if verdict.layout { return .soft }
        return .none
    }

    static func signature(_ node: Node) -> Int {
        guard let value = node.attributeValue(.class), value[0] != 0, let name = node.rawName else { return 0 }
        var hasher = Hasher()
        hasher.combine(bytes: UnsafeRawBufferPointer(start: name, count: strlen(Node.cString(name))))
        // The first class only: "blockpost rowodd" and "blockpost roweven" are one kind of item.
        var length = 0
        while value[length] == 0x20 || value[length] == 0x09 || value[length] == 0x0A { length += 1 }
        let start = length
        while value[length] != 0 && value[length] != 0x20 && value[length] != 0x09 && value[length] != 0x0A { length += 1 }
        guard length > start else { return 0 }
        hasher.combine(bytes: UnsafeRawBufferPointer(start: value + start, count: length - start))
        return hasher.finalize() | 1
    }

    /// Class or id words that name an article's own text: "post-content", "entry-content",
    /// "article-content", "article-body", "post-body", "story-body" ("_" for "-"), lower case.
    static let contentHeads: [(tail: [UInt8], heads: [[UInt8]])] = [
        (Array("content".utf8), ["post", "entry", "article"].map { Array($0.utf8) }),
        (Array("body".utf8), ["article", "post", "story"].map { Array($0.utf8) })
    ]

    /// Whether a class-and-id text holds one of the content names: `memchr` finds the "-" and
    /// "_" that join them, and only there are the words compared.
    static func namesContent(_ identity: [UInt8]) -> Bool {
        guard identity.count >= 9 else { return false }
        return identity.withUnsafeBufferPointer { bytes -> Bool in
            guard let base = bytes.baseAddress else { return false }
            for joiner: UInt8 in [0x2D, 0x5F] {
                var from = 0
                while from < bytes.count, let found = memchr(base + from, Int32(joiner), bytes.count - from) {
                    let at = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found)) + 1
                    from = at
                    for (tail, heads) in contentHeads where at + tail.count <= bytes.count {
                        guard zip(tail, bytes[at..<(at + tail.count)]).allSatisfy({ $0 == $1 }) else { continue }
                        for head in heads where head.count <= at - 1 {
                            let start = at - 1 - head.count
                            if zip(head, bytes[start..<(at - 1)]).allSatisfy({ $0 == $1 }) { return true }
                        }
                    }
                }
            }
            return false
        }
    }
    static let furnitureRoles: Set<String> = ["navigation", "banner", "contentinfo", "complementary", "search", "dialog", "menu", "menubar"]

    /// Compares the parts of class/id tokens (split at anything but letters and digits) with the
    /// configured tokens by prefix, so "sharedaddy" and "jp-relatedposts" match "share"/"related"
    /// but "shareholder" does not match "holder". Works on ASCII bytes: it runs for every element.
    static func isFurnitureIdentity(_ identity: [UInt8], tokens: TokenIndex) -> Bool {
        furnitureMask(identity, tokens: tokens) != 0
    }

    /// The tokens (bit i: token i, the first 64) that some part of `identity` matches.
    static func furnitureMask(_ identity: [UInt8], tokens: TokenIndex) -> UInt64 {
        var mask: UInt64 = 0
        var start = -1
        // "no-sidebars", "without-comments": the word after a negation names what is absent.
        var negated = false
        for index in 0...identity.count {
            let byte = index < identity.count ? identity[index] : 0x20
            let isAlnum = (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
            if isAlnum {
                if start < 0 { start = index }
                continue
            }
            if start >= 0 {
                let part = identity[start..<index]
                if !negated, let token = tokens.matchingToken(of: part) { mask |= 1 << UInt64(min(token, 63)) }
                negated = (byte == 0x2D || byte == 0x5F) && Self.isNegation(part)
                start = -1
            } else {
                negated = false
            }
        }
        return mask
    }

    /// "no", "not", "without", "hide" (any case), without allocating.
    static func isNegation(_ part: ArraySlice<UInt8>) -> Bool {
        guard part.count >= 2 && part.count <= 7 else { return false }
        for word in negations where word.count == part.count {
            if zip(word, part).allSatisfy({ $0 == ($1 >= 0x41 && $1 <= 0x5A ? $1 + 0x20 : $1) }) { return true }
        }
        return false
    }
    static let negations: [[UInt8]] = ["no", "not", "without", "hide"].map { Array($0.utf8) }

    /// Tokens bucketed by first letter, so each class-name part is compared with a handful.
    struct TokenIndex {
        var buckets = [[(bytes: [UInt8], index: Int)]](repeating: [], count: 128)
        /// The tokens, in the order given.
        let words: [String]

        init(_ tokens: [String]) {
            words = tokens.map { $0.lowercased() }
            for (index, token) in tokens.enumerated() {
                let bytes = Array(token.lowercased().utf8.filter { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) })
                if let first = bytes.first { buckets[Int(first)].append((bytes, index)) }
            }
        }

        /// Whether some token is a prefix of `part` (compared case-insensitively).
        func matchesPrefix(of part: ArraySlice<UInt8>) -> Bool { matchingToken(of: part) != nil }

        /// The index of the first token that is a prefix of `part` (compared case-insensitively).
        func matchingToken(of part: ArraySlice<UInt8>) -> Int? {
            guard let first = part.first else { return nil }
            let lead = (first >= 0x41 && first <= 0x5A) ? first + 0x20 : first
            guard lead < 128 else { return nil }
            for token in buckets[Int(lead)] where token.bytes.count <= part.count {
                var matches = true
                for (offset, expected) in token.bytes.enumerated() {
                    var byte = part[part.startIndex + offset]
                    if byte >= 0x41 && byte <= 0x5A { byte += 0x20 }
                    if byte != expected {
                        matches = false
                        break
                    }
                }
                if matches { return token.index }
            }
            return nil
        }
    }

    /// How an element is hidden.
    enum Hiding {
        case no
        /// `aria-hidden="true"` only: kept from screen readers, on the screen all the same.
        case aria
        /// `hidden`, or an inline style that hides.
        case screen
    }

    /// `hidden`, `aria-hidden="true"`, or an inline style that hides: one pass over the attributes.
    /// A hidden tab panel (`role="tabpanel"`: the other languages of a code sample, the other
    /// systems of an install guide) is one click away, and read like text hidden only from
    /// screen readers.
    static func hiding(_ node: Node) -> Hiding {
        var (aria, panel, screen) = (false, false, false)
        node.firstKnownAttribute { known, value in
            switch known {
            case .hidden: screen = true
            case .ariaHidden: if let value, strcasecmp(value, "true") == 0 { aria = true }
            case .style: if let value, hidesByStyle(value) { screen = true }
            case .role: if let value, strcasecmp(value, "tabpanel") == 0 { panel = true }
            default: break
            }
            return false
        }
        if screen && !panel { return .screen }
        return screen || aria ? .aria : .no
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
    static func isDataTable(_ table: Node) -> Bool {
        var current = table.firstChild
        var visited = 0
        while let node = current, visited < 100_000 {
            visited += 1
            if node.isElement {
                switch node.name.lowercased() {
                case "table", "div", "section", "article", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "form":
                    return false
                default: break
                }
            }
            current = node.next(within: table, enteringChildren: node.isElement)
        }
        return true
    }
}
