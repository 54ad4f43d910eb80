import CLibXML2
import CorpusKit
import Foundation

/// Threads: a forum topic, a Q&A page, a comment thread that is the page. Such a page is its
/// posts, and each post is its text, not the card of its author, its buttons or its signature.
/// Forum software marks the posts up with schema.org microdata far more often than not (71% of
/// the forum pages of the WCXB benchmark): items typed `DiscussionForumPosting`, `Comment`,
/// `Answer`, `Question`, with the text in an `itemprop="text"` (or `articleBody`) element.
extension HTMLExtractor {
    /// The schema.org item an element starts (`itemscope` with an `itemtype`), as far as
    /// threads go.
    enum ItemType: UInt8 {
        case none, other
        case comment, posting, answer, question

        /// A post of a thread.
        var isPost: Bool { self.rawValue >= ItemType.comment.rawValue }

        /// From an `itemtype` value: one or more URLs, the type being the last path segment.
        init(itemtype: UnsafePointer<CChar>) {
            self = .other
            for url in String(cString: itemtype).split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }) {
                let name = url.split(separator: "/").last.map { $0.lowercased() } ?? ""
                switch name {
                case "comment", "usercomments": self = .comment
                case "discussionforumposting", "socialmediaposting": self = .posting
                case "answer": self = .answer
                case "question": self = .question
                default: continue
                }
                return
            }
        }
    }

    /// Notes, in one pass over an element's attributes, what threads are found by: the
    /// microdata item it starts, whether it holds a post's text, and (for a classed container)
    /// whether its class names a post.
    mutating func noteMicrodata(_ node: Node, id: Int32) {
        var scope = false
        var type: UnsafePointer<CChar>? = nil
        var isText = false
        var classValue: UnsafePointer<CChar>? = nil
        node.firstKnownAttribute { known, value in
            switch known {
            case .itemscope: scope = true
            case .itemtype: type = value
            case .itemprop: if let value { isText = Self.namesMainText(value) }
            case .class: classValue = value
            default: break
            }
            return false
        }
        if signatures[Int(id)] != 0, let classValue {
            identityBytes.removeAll(keepingCapacity: true)
            identityBytes.append(
                contentsOf: UnsafeBufferPointer(
                    start: UnsafeRawPointer(classValue).assumingMemoryBound(to: UInt8.self), count: strlen(classValue)))
            if Self.isFurnitureIdentity(identityBytes, tokens: postTokens) { postLike.append(id) }
        }
        if scope || type != nil {
            let item = type.map(ItemType.init(itemtype:)) ?? .other
            if itemTypes.count < Int(id) { itemTypes += [ItemType](repeating: .none, count: Int(id) - itemTypes.count) }
            itemTypes.append(item)
        }
        if isText { textProperties.append(id) }
    }

    /// Who wrote a post, or when, as the page shows it.
    struct PostCredit {
        enum Kind { case author, date }
        var id: Int32
        var kind: Kind
        var text: String
    }

    /// Notes an element that shows an item's author (`itemprop="author"`, or the `name` of
    /// one) or its date (`datePublished`), with its visible text when that is short.
    mutating func noteCredit(_ node: Node, id: Int32) {
        guard let value = node.attributeValue(.itemprop) else { return }
        let kind: PostCredit.Kind
        if strcmp(value, "author") == 0 || strcmp(value, "creator") == 0 {
            kind = .author
        } else if strcmp(value, "datePublished") == 0 || strcmp(value, "dateCreated") == 0 {
            kind = .date
        } else if strcmp(value, "name") == 0 {
            // A name inside the author element is the author, without the rest of its card
            // (which may be too long to be a name).
            guard let last = postCredits.last, last.kind == .author, isAncestor(last.id, of: id) else { return }
            let name = clean(node.textContent(limit: 400))
            if !name.isEmpty, name.scalarCount <= 60 { postCredits[postCredits.count - 1].text = name }
            return
        } else {
            return
        }
        let text = clean(node.textContent(limit: 400))
        postCredits.append(PostCredit(id: id, kind: kind, text: text.scalarCount <= 60 ? text : ""))
    }

    /// Whether `ancestor` encloses `id` (ids are in document order; parents are known up to the
    /// element being opened).
    func isAncestor(_ ancestor: Int32, of id: Int32) -> Bool {
        var above = parents[Int(id)]
        while above > ancestor { above = parents[Int(above)] }
        return above == ancestor
    }

    /// Whether an `itemprop` value names the item's main text (`text`, `articleBody`).
    static func namesMainText(_ value: UnsafePointer<CChar>) -> Bool {
        String(cString: value).split(separator: " ").contains { $0 == "text" || $0 == "articleBody" || $0 == "articlebody" }
    }

    func itemType(_ id: Int) -> ItemType { id < itemTypes.count ? itemTypes[id] : .none }

    /// The posts' text, when the page is a thread of at least two posts marked up as such: each
    /// post's `itemprop="text"` element, and the same part of unmarked posts beside them (a
    /// thread's first post often lacks the markup its replies have). Comments on a question or
    /// an answer are not posts of the thread. Nil when the page is not such a thread.
    func threadBodies() -> [Int]? {
        guard textProperties.count >= 2, !itemTypes.isEmpty else { return nil }
        var bodies: [Int] = []
        var owners: [Int] = []
        var bodySet = Set<Int>()
        var (postings, questions, answers) = (0, 0, 0)
        var onlyComments: [Int: Bool] = [:]
        for property in textProperties.map(Int.init) {
            var owner = Int(parents[property])
            while owner >= 0 && itemType(owner) == .none { owner = Int(parents[owner]) }
            guard owner >= 0, itemType(owner).isPost else { continue }
            // A comment inside a forum posting whose own text is all in its comments is a reply
            // of its thread (NodeBB marks the topic a posting and every post in it a comment);
            // one on a question or an answer is not a post of the thread.
            var posting = -1
            if itemType(owner) == .comment {
                var above = Int(parents[owner])
                var onAPost = false
                while above >= 0 {
                    if itemType(above) == .answer || itemType(above) == .question { onAPost = true }
                    if itemType(above) == .posting && posting < 0 { posting = above }
                    above = Int(parents[above])
                }
                if onAPost { continue }
            }
            if hasAncestor(property, in: bodySet) { continue }
            switch itemType(owner) {
            case .comment where posting >= 0:
                if onlyComments[posting] == nil { onlyComments[posting] = isOnlyItsComments(posting) }
                if onlyComments[posting]! { postings += 1 }
            case .posting: postings += 1
            case .question: questions += 1
            case .answer: answers += 1
            default: break
            }
            bodies.append(property)
            owners.append(owner)
            bodySet.insert(property)
        }
        // Comments alone are a thread only on a page that reads as one; on an article they are
        // the comments under it. One question with its answers is a thread; many questions with
        // an answer each are a page's FAQ section.
        let startsThread = postings > 0 || (questions == 1 && answers >= 1)
        guard bodies.count >= 2, startsThread || (metadata.pageType == .forum && questions <= 1) else { return nil }
        bodies += unmarkedPosts(owners: owners, bodies: bodies, bodySet: bodySet)
        return bodies.sorted()
    }

    /// Whether a posting's visible running text is all inside its comments (the topic around
    /// its posts), not a post of its own that the markup leaves unmarked.
    func isOnlyItsComments(_ posting: Int) -> Bool {
        var (inside, own) = (0, 0)
        for block in blocks where !block.hidden && block.path.contains(Int32(posting)) {
            inside += block.weight
            if block.weight >= 80, !block.path.contains(where: { $0 > Int32(posting) && itemType(Int($0)) == .comment }) {
                own += block.weight
            }
        }
        return inside > 0 && 10 * own < inside
    }

    /// Posts beside the marked ones with the same tag and class, whose text sits in an element
    /// of the same tag and class as most marked posts' text.
    private func unmarkedPosts(owners: [Int], bodies: [Int], bodySet: Set<Int>) -> [Int] {
        func mostCommon(_ values: [Int]) -> Int? {
            var counts: [Int: Int] = [:]
            for value in values where value != 0 { counts[value, default: 0] += 1 }
            return counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key
        }
        // The text's signature: its own, or the nearest classed element above it within the post.
        let bodySignatures = zip(owners, bodies).map { owner, body -> Int in
            var id = body
            while id > owner {
                if signatures[id] != 0 { return signatures[id] }
                id = Int(parents[id])
            }
            return 0
        }
        guard let postSignature = mostCommon(owners.map { signatures[$0] }), let textSignature = mostCommon(bodySignatures)
        else { return [] }
        let ownerSet = Set(owners)
        let containers = Set(owners.map { Int(parents[$0]) })
        var found: [Int] = []
        let ends = subtreeEnds()
        for id in 0..<parents.count
        where containers.contains(Int(parents[id])) && !ownerSet.contains(id) && signatures[id] == postSignature {
            guard let text = ((id + 1)..<ends[id]).first(where: { signatures[$0] == textSignature }),
                !hasAncestor(text, in: bodySet), !((text + 1)..<ends[text]).contains(where: bodySet.contains)
            else { continue }
            found.append(text)
        }
        return found
    }

    /// A thread's posts, each its text without what the page puts around it (the visible
    /// ones; the hidden ones when nothing of them shows, as in a crawler view in `<noscript>`).
    func threadPosts(visible: [RawBlock]) -> [TextBlock]? {
        guard let bodies = threadBodies() else { return nil }
        let bodySet = Set(bodies.map(Int32.init))
        let credits = postCreditLines(bodies: bodySet)
        for candidates in [visible, blocks] {
            var posts: [TextBlock] = []
            var credited = Set<Int32>()
            for (index, block) in candidates.enumerated() {
                guard let body = block.path.first(where: bodySet.contains),
                    boilerplate.keeps(block) || isQuoteCredit(block, after: index > 0 ? candidates[index - 1] : nil)
                else { continue }
                if let line = credits[body], credited.insert(body).inserted { posts.append(TextBlock(role: .paragraph, text: line)) }
                posts.append(block.textBlock)
            }
            if !posts.isEmpty { return posts }
        }
        return nil
    }

    /// A quote's credit inside a post ("member12 said:", linked to the post it quotes): a short
    /// line ending in a colon that opens a `<blockquote>` (the block before it is outside).
    func isQuoteCredit(_ block: RawBlock, after previous: RawBlock?) -> Bool {
        guard block.scalars <= 80, block.text.last == ":", let quote = block.path.last(where: { kinds[Int($0)] == .quote })
        else { return false }
        return previous.map { !$0.path.contains(quote) } ?? true
    }

    /// For each post's text (by id), the line that says who wrote the post and when ("raoul ·
    /// May 3, 2024, 8:45am"), from its item's author and date outside the text. Forum posts and
    /// comments only: a Q&A site's answers go by their votes, not their authors.
    func postCreditLines(bodies: Set<Int32>) -> [Int32: String] {
        guard !postCredits.isEmpty else { return [:] }
        // A post with two text elements is credited once, before the first.
        var owners: [Int: Int32] = [:]
        for body in bodies.sorted() {
            var owner = Int(parents[Int(body)])
            while owner >= 0 && itemType(owner) == .none { owner = Int(parents[owner]) }
            if owner >= 0, itemType(owner) == .posting || itemType(owner) == .comment, owners[owner] == nil { owners[owner] = body }
        }
        var found: [Int32: (author: String?, date: String?)] = [:]
        for credit in postCredits where !credit.text.isEmpty {
            // The nearest post item above the credit (the author may be an item of its own).
            var owner = Int(parents[Int(credit.id)])
            while owner >= 0 && !itemType(owner).isPost { owner = Int(parents[owner]) }
            guard owner >= 0, let body = owners[owner], !isAncestor(body, of: credit.id) else { continue }
            switch credit.kind {
            case .author where found[body]?.author == nil: found[body, default: (nil, nil)].author = credit.text
            case .date where found[body]?.date == nil: found[body, default: (nil, nil)].date = credit.text
            default: continue
            }
        }
        return found.mapValues { [$0.author, $0.date].compactMap { $0 }.joined(separator: " · ") }
    }

    /// A thread without markup: the largest group of sibling posts (one tag and class, a class
    /// that says post, message, comment, reply…), each reduced to the part that most of them
    /// have and that holds most of their text (the message, not the author's card or the
    /// buttons). Only on a page that reads as a forum.
    func structuralThread(_ visible: [RawBlock], furniture: [Furniture]) -> [TextBlock]? {
        guard metadata.pageType == .forum, !postLike.isEmpty else { return nil }
        var weight = [Int](repeating: 0, count: parents.count)
        for block in visible { for id in block.path { weight[Int(id)] += block.weight } }
        var groups: [Int: [Int: [Int]]] = [:]  // parent -> signature -> items
        for id in postLike.map(Int.init) where weight[id] >= 30 && parents[id] >= 0 {
            groups[Int(parents[id]), default: [:]][signatures[id], default: []].append(id)
        }
        var best: [Int] = []
        var bestWeight = 0
        for (_, bySignature) in groups {
            for items in bySignature.values where items.count >= 2 {
                let total = items.reduce(0) { $0 + weight[$1] }
                if total > bestWeight || (total == bestWeight && items[0] < (best.first ?? Int.max)) {
                    (best, bestWeight) = (items.sorted(), total)
                }
            }
        }
        guard best.count >= 2 else { return nil }
        // The part the posts share: per signature, how many posts have it and what it holds.
        let ends = subtreeEnds()
        var shared: [Int: (posts: Int, weight: Int)] = [:]
        for item in best {
            var seen = Set<Int>()
            for id in (item + 1)..<ends[item] where signatures[id] != 0 && !seen.contains(signatures[id]) {
                seen.insert(signatures[id])
                shared[signatures[id], default: (0, 0)].posts += 1
                shared[signatures[id], default: (0, 0)].weight += weight[id]
            }
        }
        let body = shared.filter { 5 * $0.value.posts >= 4 * best.count && 5 * $0.value.weight >= 3 * bestWeight }
            .min { $0.value.weight < $1.value.weight || ($0.value.weight == $1.value.weight && $0.key < $1.key) }?.key
        let parts = best.map { item in
            body.flatMap { signature in ((item + 1)..<ends[item]).first { signatures[$0] == signature } } ?? item
        }
        let partSet = Set(parts.map(Int32.init))
        let posts = visible.filter { block in
            block.path.contains(where: partSet.contains) && !block.path.contains { furniture[Int($0)] == .hard } && boilerplate.keeps(block)
        }
        return posts.isEmpty ? nil : posts.map(\.textBlock)
    }

    /// A thread told in JSON-LD: a `DiscussionForumPosting` with its `text` and the `text` of
    /// each of its `comment`s (forum software that renders posts in script but describes them
    /// for search engines). Nil unless it has at least two posts.
    func jsonLDThread() -> [TextBlock]? {
        for node in jsonLD {
            let text = node.textContent(limit: 2_000_000)
            guard text.containsBytes("DiscussionForumPosting"), text.containsBytes("\"comment\""),
                let object = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]),
                let posting = Self.forumPosting(in: object, depth: 0)
            else { continue }
            var posts: [String] = []
            if let first = posting["text"] as? String ?? posting["articleBody"] as? String { posts.append(first) }
            for comment in posting["comment"] as? [Any] ?? [] {
                if let reply = (comment as? [String: Any])?["text"] as? String { posts.append(reply) }
            }
            guard posts.count >= 2 else { continue }
            let blocks = posts.flatMap { post in
                Self.stripTags(post).components(separatedBy: "\n").map { clean($0) }.filter { !$0.isEmpty }
            }
            return blocks.map { TextBlock(role: .paragraph, text: $0) }
        }
        return nil
    }

    /// The first object typed `DiscussionForumPosting` in a JSON-LD value (bounded depth).
    static func forumPosting(in value: Any, depth: Int) -> [String: Any]? {
        guard depth < 8 else { return nil }
        if let object = value as? [String: Any] {
            let types = (object["@type"] as? String).map { [$0] } ?? (object["@type"] as? [String] ?? [])
            if types.contains("DiscussionForumPosting") { return object }
            for inner in object.values { if let found = forumPosting(in: inner, depth: depth + 1) { return found } }
        } else if let array = value as? [Any] {
            for inner in array { if let found = forumPosting(in: inner, depth: depth + 1) { return found } }
        }
        return nil
    }

    /// For each element, the id after its last descendant (ids are in document order).
    func subtreeEnds() -> [Int] {
        var ends = (0..<parents.count).map { $0 + 1 }
        for id in stride(from: parents.count - 1, through: 0, by: -1) {
            let parent = Int(parents[id])
            if parent >= 0 { ends[parent] = max(ends[parent], ends[id]) }
        }
        return ends
    }

    func hasAncestor(_ id: Int, in set: Set<Int>) -> Bool {
        var above = Int(parents[id])
        while above >= 0 {
            if set.contains(above) { return true }
            above = Int(parents[above])
        }
        return false
    }
}
