import CLibXML2
import CorpusKit
import Foundation

/// Selection: which container is the article, what joins it, what inside it is furniture, and
/// the fallbacks (hidden content, JSON-LD, the whole page) when the markup gives little.
extension HTMLExtractor {
    /// Whether a text is written in sentences: a stop, comma or the like (in either script) at
    /// least every 300 weighted characters. A keyword list parked in a hidden element for search
    /// engines is not, however long.
    static func readsAsSentences(_ text: String, weight: Int) -> Bool {
        var marks = 0
        for scalar in text.unicodeScalars {
            switch scalar {
            case ".", ",", ";", "!", "?", ":", "\u{3002}", "\u{FF0C}", "\u{3001}", "\u{FF1B}", "\u{FF01}", "\u{FF1F}", "\u{FF1A}":
                marks += 1
                if marks * 300 >= weight { return true }
            default: continue
            }
        }
        return false
    }

    /// Length that counts CJK characters threefold: a Chinese character carries about a word.
    static func weightedLength(_ text: String) -> Int { measure(text).weight }

    /// The weighted length and the scalar count, in one pass over the UTF-8 bytes (a String's
    /// are valid UTF-8): ASCII, most of every page, is counted without decoding.
    static func measure(_ text: String) -> (weight: Int, scalars: Int) {
        var text = text
        return text.withUTF8 { bytes in
            var total = 0
            var count = 0
            var index = 0
            // Eight bytes at a time while they are ASCII at or above the space: each counts once,
            // but a space not at all (a control byte or any byte past ASCII takes the loop below).
            if let base = bytes.baseAddress {
                let raw = UnsafeRawPointer(base)
                while index + 8 <= bytes.count {
                    let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                    let high: UInt64 = 0x8080_8080_8080_8080
                    let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
                    // A byte's high bit says "nonzero" in ((b & 0x7F) + 0x7F) | b, carry-free.
                    func nonzero(_ x: UInt64) -> UInt64 { (((x & low) &+ low) | x) & high }
                    guard word & high == 0, nonzero(word & 0xE0E0_E0E0_E0E0_E0E0) == high else { break }
                    let spaces = 8 - nonzero(word ^ 0x2020_2020_2020_2020).nonzeroBitCount
                    total += 8 - spaces
                    count += 8
                    index += 8
                }
            }
            while index < bytes.count {
                let lead = bytes[index]
                count += 1
                if lead < 0x80 {
                    if lead != 0x20 && lead != 0x09 && lead != 0x0A && lead != 0x0D && lead != 0x0C { total += 1 }
                    index += 1
                    continue
                }
                let value: UInt32
                if lead < 0xE0 {
                    value = UInt32(lead & 0x1F) << 6 | UInt32(bytes[index + 1] & 0x3F)
                    index += 2
                } else if lead < 0xF0 {
                    value = UInt32(lead & 0x0F) << 12 | UInt32(bytes[index + 1] & 0x3F) << 6 | UInt32(bytes[index + 2] & 0x3F)
                    index += 3
                } else {
                    value = 0x10000
                    index += 4
                }
                if value >= 0x2E80 {
                    total += 3
                } else if let scalar = Unicode.Scalar(value), !TextNormalizer.isSpace(scalar) {
                    total += 1
                }
            }
            return (total, count)
        }
    }

    /// The main text: the best container of the visible page; the hidden page's when the
    /// visible one has little and the hidden one much, in sentences (server-rendered content
    /// parked in a hidden element or `<noscript>`, not a search-engine keyword list); JSON-LD's
    /// `articleBody`/`text` when it is much longer than what the markup gave; and, rather than
    /// nothing, the page minus its furniture.
    func select() -> [TextBlock] {
        guard !parents.isEmpty else { return jsonLDBlocks(longerThan: 0) ?? [] }
        // Around the page's own main element nothing is furniture (broken markup can put
        // `<main>` inside a `<header>`; layouts wrap it in "sidebar-layout").
        var furniture = self.furniture
        for hint in mainHints {
            var id = Int(hint)
            while id >= 0 {
                furniture[id] = .none
                id = Int(parents[id])
            }
        }
        unmarkPageVocabulary(&furniture)
        let visible = blocks.filter { !$0.hidden }
        let readable = blocks.filter { !$0.hidden || $0.ariaHiddenOnly }
        unhideSwallowedPage(visible, furniture: &furniture)
        if let posts = threadPosts(visible: visible) { return posts }
        let mainHintSet = Set(mainHints)
        var (result, linkIndex) = choose(
            from: visible, readable: readable.count > visible.count ? readable : nil, furniture: furniture, mainHintSet: mainHintSet)
        var length = Self.weightedLength(of: result)
        let hiddenProse = blocks.reduce(0) { sum, block in
            block.hidden && block.weight >= 80 && block.linkDensity < 0.2 && Self.readsAsSentences(block.text, weight: block.weight)
                ? sum + block.weight : sum
        }
        if hiddenProse >= 400, Double(length) < 0.25 * Double(hiddenProse) {
            let withHidden = choose(from: blocks, furniture: furniture, mainHintSet: mainHintSet).blocks
            let longer = Self.weightedLength(of: withHidden)
            if longer > length {
                result = withHidden
                length = longer
                linkIndex = nil
            }
        }
        if let structured = jsonLDBlocks(longerThan: max(250, 2 * length)) { return structured }
        // A thread the markup hides and JSON-LD tells, unless the markup gave far more.
        if let thread = jsonLDThread(), 5 * Self.weightedLength(of: thread) > 2 * length { return thread }
        // A thread without markup, when its posts hold more than half of what the votes found.
        if let thread = structuralThread(visible, furniture: furniture), 2 * Self.weightedLength(of: thread) > length { return thread }
        // Little running prose: a page of items, if it has them.
        var (prose, storyParagraphs) = (0, 0)
        for block in result {
            let weight = Self.weightedLength(block.text)
            if weight >= 60 { prose += weight }
            storyParagraphs += weight >= 400 ? 2 : weight >= 150 ? 1 : 0
        }
        // Two paragraphs of running prose (150 weighted characters or more each), or one of 400,
        // where the votes went are a story, not one item of a list (a short undated news story
        // beside its site's long lists of other stories).
        // A dated page, or one that reads as an article, is a story however short, unless its
        // shape says listing or the votes found no more than a line (a topic page of linked
        // cards); and then the items must hold the text found so far or say far more (a short
        // story over a list of related ones is still the story). The items replace the result
        // only when they say more than it (an announcement bar is a group of items too).
        let listed = metadata.pageType == .listing || metadata.pageType == .collection
        if prose < 1000, storyParagraphs < 2, (metadata.published == nil && metadata.pageType != .article) || listed || length < 300,
            let items = itemRegion(visible, readable: readable, furniture: furniture), Self.weightedLength(of: items) > length,
            metadata.published == nil || 3 * length < Self.weightedLength(of: items)
                || Set(items.map(\.text)).isSuperset(of: result.map(\.text))
        {
            return items
        }
        if let linkIndex { return linkIndex }
        if result.isEmpty, visible.count < blocks.count {
            // Nothing visible won: the page may be parked whole in a hidden element.
            result = choose(from: blocks, furniture: furniture, mainHintSet: mainHintSet).blocks
        }
        if result.isEmpty {
            // No container and no article: the page minus its furniture, else whatever it shows.
            result = visible.filter { block in !block.path.contains { furniture[Int($0)] == .hard } }.map(\.textBlock)
            if result.isEmpty { result = (visible.isEmpty ? blocks : visible).map(\.textBlock) }
        }
        return result
    }

    /// A furniture word that names a quarter or more of the page's classed elements is the
    /// page's vocabulary, not a mark: page builders call every block a "widget" (its wrapper
    /// "widget-wrap", its inside "widget-container"). Elements it alone matched are not
    /// furniture. Words of a thread (comment, reply…) can name most of a page by right. A word
    /// that names no element around running prose is a mark all the same, however often it is
    /// used: a news site's thirty recommended stories, each with its share buttons, do not make
    /// "recommend" and "share" words of the page.
    func unmarkPageVocabulary(_ furniture: inout [Furniture]) {
        guard identified >= 40 else { return }
        var common: UInt64 = 0
        for (token, count) in tokenCounts.enumerated() where token < 64 && 4 * count >= identified {
            if threadWords & (1 << UInt64(token)) == 0 { common |= 1 << UInt64(token) }
        }
        guard common != 0 else { return }
        var aroundProse: UInt64 = 0
        for block in blocks where !block.hidden && block.weight >= 80 && block.linkDensity < 0.2 && aroundProse != common {
            for id in block.path { aroundProse |= (classedBy[id] ?? 0) & common }
        }
        common = aroundProse
        guard common != 0 else { return }
        for (id, mask) in classedBy where mask & ~common == 0 && furniture[Int(id)] == .classed {
            furniture[Int(id)] = .none
        }
    }

    /// An element that holds most of the page swallowed it: it is not furniture (what is inside
    /// it still can be).
    /// - libxml2 does not close a `<header>` or `<nav>` the way a browser does when the markup
    ///   inside it is broken (an unclosed `<div>`), so the rest of the page, article and all, can
    ///   end up inside a banner or a navigation.
    /// - Page builders wrap whole pages in a class that names furniture ("widget_container",
    ///   "promocontainer").
    /// Such an element holds most of the page's running prose and two fifths of its text or more
    /// (the rest may be menus and lists), in paragraphs (not one run of text: a script's source
    /// that broken quoting made text). Dialogs (cookie notices), footers (fine print) and
    /// comment threads can hold most of a short page's text by right, and stay furniture.
    func unhideSwallowedPage(_ visible: [RawBlock], furniture: inout [Furniture]) {
        func swallows(_ id: Int32) -> Bool {
            switch furniture[Int(id)] {
            case .hard: return banners.contains(id)
            case .classed: return (classedBy[id] ?? 0) & threadWords == 0
            default: return false
            }
        }
        var held = [Int32: (text: Int, prose: Int, paragraphs: Int)]()
        var (allText, allProse) = (0, 0)
        for block in visible {
            let isProse = block.weight >= 80 && block.linkDensity < 0.2
            allText += block.weight
            if isProse { allProse += block.weight }
            for id in block.path where furniture[Int(id)] >= .classed && swallows(id) {
                held[id, default: (0, 0, 0)].text += block.weight
                if isProse {
                    held[id]!.prose += block.weight
                    held[id]!.paragraphs += 1
                }
            }
        }
        guard allProse >= 400 else { return }
        // What holds nearly all of such an element holds the page too (a "newsletter" section
        // around a "newsletter-content" article).
        var swallowing: [Int32: Int] = [:]
        for (id, share) in held.sorted(by: { $0.key < $1.key }) {
            var above = parents[Int(id)]
            while above >= 0 && swallowing[above] == nil { above = parents[Int(above)] }
            let page = 2 * share.prose >= allProse && 5 * share.text >= 2 * allText && share.paragraphs >= 3
            guard page || (above >= 0 && 5 * share.text >= 4 * swallowing[above]!) else { continue }
            swallowing[id] = share.text
            furniture[Int(id)] = .none
        }
        // Inside it, the words that matched it are the page's vocabulary (HubSpot calls the
        // page a "widget_container" and each of its sections a "widget").
        guard !swallowing.isEmpty else { return }
        for (id, mask) in classedBy where furniture[Int(id)] == .classed {
            var above = parents[Int(id)]
            while above >= 0 {
                if swallowing[above] != nil, let outer = classedBy[above], mask & ~outer == 0 {
                    furniture[Int(id)] = .none
                    break
                }
                above = parents[Int(above)]
            }
        }
    }

    static func weightedLength(of blocks: [TextBlock]) -> Int {
        blocks.reduce(0) { $0 + weightedLength($1.text) }
    }

    /// The longest `articleBody` or `text` string of the page's JSON-LD (schema.org's main text of
    /// an article, a forum posting, a how-to) as paragraphs, if its weighted length exceeds `minimum`.
    func jsonLDBlocks(longerThan minimum: Int) -> [TextBlock]? {
        var best: String? = nil
        var bestLength = minimum
        for node in jsonLD {
            // A weighted length never exceeds the UTF-8 length: most blocks are not even read.
            guard node.textByteCount > bestLength else { continue }
            let text = node.textContent(limit: 2_000_000)
            guard text.containsBytes("\"articleBody\"") || text.containsBytes("\"text\"") else { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) else { continue }
            for candidate in Self.mainTextStrings(in: object, depth: 0) {
                let length = Self.weightedLength(candidate)
                if length > bestLength {
                    best = candidate
                    bestLength = length
                }
            }
        }
        guard let best else { return nil }
        // JSON-LD text is often HTML-escaped markup or plain text with newlines between paragraphs.
        let plain = Self.stripTags(best)
        let paragraphs = plain.components(separatedBy: "\n").map { clean($0) }.filter { !$0.isEmpty }
        return paragraphs.isEmpty ? nil : paragraphs.map { TextBlock(role: .paragraph, text: $0) }
    }

    /// Values of `articleBody` and `text` keys anywhere in a JSON-LD value (bounded depth).
    static func mainTextStrings(in value: Any, depth: Int) -> [String] {
        guard depth < 12 else { return [] }
        if let object = value as? [String: Any] {
            var found: [String] = []
            for (key, inner) in object {
                if key == "articleBody" || key == "text", let text = inner as? String {
                    found.append(text)
                } else {
                    found += mainTextStrings(in: inner, depth: depth + 1)
                }
            }
            return found
        }
        if let array = value as? [Any] { return array.flatMap { mainTextStrings(in: $0, depth: depth + 1) } }
        return []
    }

    /// Markup in a JSON-LD string: block tags become line breaks, other tags go.
    static func stripTags(_ text: String) -> String {
        guard text.contains("<") else { return text }
        var out = String.UnicodeScalarView()
        var tag = String.UnicodeScalarView()
        var inTag = false
        for scalar in text.unicodeScalars {
            if inTag {
                if scalar == ">" {
                    inTag = false
                    let name = String(tag).lowercased().drop { $0 == "/" }.prefix { $0.isLetter || $0.isNumber }
                    if ["p", "br", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote", "ul", "ol"].contains(String(name)) {
                        out.append("\n")
                    }
                } else if tag.count < 64 {
                    tag.append(scalar)
                }
            } else if scalar == "<" {
                inTag = true
                tag = String.UnicodeScalarView()
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// What each element holds of the page's text, as the selection weighs it (index: element id).
    struct Tallies {
        /// Each block's weighted length, and all of them together.
        var lengths: [Int]
        var total = 0
        var textChars: [Int]
        var linkChars: [Int]
        /// Prose: long paragraphs with few links, outside class-matched furniture.
        var prose: [Int]
        var allProse = 0
        /// Content: blocks outside class-matched furniture that are not link lists.
        var content: [Int]
        var contentLinks: [Int]
        var allContent = 0
        /// Whether an element sits in soft or class-matched furniture, itself or by an ancestor.
        var inSoft: [Bool]
        var inClassed: [Bool]

        func density(_ id: Int) -> Double { Double(linkChars[id]) / Double(max(1, textChars[id])) }
    }

    /// The container-scoring selection over `blocks` (the visible ones, or all): the container
    /// that wins the blocks' votes, widened to the article around it, then the article's blocks
    /// without the furniture inside it, read from `readable` when given (the visible blocks with
    /// those hidden only from screen readers).
    func choose(from blocks: [RawBlock], readable: [RawBlock]? = nil, furniture: [Furniture], mainHintSet: Set<Int32>) -> (
        blocks: [TextBlock], linkIndex: [TextBlock]?
    ) {
        guard !parents.isEmpty, !blocks.isEmpty else { return ([], nil) }
        let tallies = tally(blocks, furniture: furniture)
        let (scores, winner, bestScore) = vote(blocks, tallies: tallies, furniture: furniture)
        var best = winner
        if best >= 0 {
            best = climbToArticle(from: best, tallies: tallies, furniture: furniture)
            best = gatherScatteredProse(best, tallies: tallies, furniture: furniture)
            best = parentOfRepeatedItems(best, tallies: tallies, furniture: furniture)
            best = spreadOverShortSections(best, tallies: tallies, furniture: furniture)
            best = extendToMain(best, tallies: tallies, mainHintSet: mainHintSet)
        }
        // A listing is its items: the element that holds the most of them when they carry far
        // more than the story the votes found, and read as items (a linked title each, on
        // average), not as a widget's short links (month archives, tags).
        var asList = false
        if metadata.pageType == .listing || metadata.pageType == .collection, metadata.published == nil,
            best < 0 || tallies.prose[best] < 1500, let group = largestItemGroup(textChars: tallies.textChars), group.count >= 6,
            furniture[group.parent] < .classed, tallies.linkChars[group.parent] >= 20 * group.count,
            // An item is a few blocks (a title, a line or two), not a nested list of its own.
            blocks.filter({ $0.path.contains(Int32(group.parent)) }).count <= 5 * group.count
        {
            var around = group.parent
            while around >= 0 && around != best { around = Int(parents[around]) }
            if best >= 0 && around == best && 2 * tallies.textChars[group.parent] >= tallies.textChars[best] {
                asList = true  // the votes chose the list, or what holds little more than it
            } else if best < 0 || tallies.textChars[group.parent] > 3 * tallies.textChars[best] {
                best = group.parent
                asList = true
            }
        }
        return articleBlocks(
            blocks, readable: readable, best: best, scores: scores, bestScore: bestScore, tallies: tallies, furniture: furniture,
            asList: asList)
    }

    /// Every element's share of the text, links, prose and content, and where furniture reaches.
    func tally(_ blocks: [RawBlock], furniture: [Furniture]) -> Tallies {
        let count = parents.count
        let zeros = [Int](repeating: 0, count: count)
        var tallies = Tallies(
            lengths: [Int](repeating: 0, count: blocks.count), textChars: zeros, linkChars: zeros, prose: zeros, content: zeros,
            contentLinks: zeros, inSoft: [Bool](repeating: false, count: count), inClassed: [Bool](repeating: false, count: count))
        for (index, block) in blocks.enumerated() {
            let length = block.weight
            tallies.lengths[index] = length
            tallies.total += length
            for id in block.path {
                tallies.textChars[Int(id)] += length
                tallies.linkChars[Int(id)] += block.linkChars
            }
        }
        // Parents come before children, so one pass suffices.
        for id in 0..<count {
            let parent = Int(parents[id])
            tallies.inSoft[id] = furniture[id] == .soft || (parent >= 0 && tallies.inSoft[parent])
            tallies.inClassed[id] = furniture[id] == .classed || (parent >= 0 && tallies.inClassed[parent])
        }
        for (index, block) in blocks.enumerated() where !block.path.contains(where: { furniture[Int($0)] >= .classed }) {
            let length = tallies.lengths[index]
            let density = block.linkDensity
            if length >= 80 && block.role != .tableRow && density < 0.2 {
                tallies.allProse += length
                for id in block.path { tallies.prose[Int(id)] += length }
            }
            guard density < 0.5 else { continue }
            tallies.allContent += length
            for id in block.path {
                tallies.content[Int(id)] += length
                tallies.contentLinks[Int(id)] += block.linkChars
            }
        }
        return tallies
    }

    /// Votes: every substantial block outside hard furniture votes for its containers; the
    /// winner, with every container's score (weighed by its links and furniture).
    func vote(_ blocks: [RawBlock], tallies: Tallies, furniture: [Furniture]) -> (scores: [Double], best: Int, bestScore: Double) {
        let count = parents.count
        var scores = [Double](repeating: 0, count: count)
        for (index, block) in blocks.enumerated() where tallies.lengths[index] >= 25 && !hasHardFurniture(block, furniture) {
            if case .heading = block.role { continue }
            let commas = Self.clauseMarks(block.text)
            let density = block.linkDensity
            let score = (1.0 + Double(commas) + min(Double(tallies.lengths[index]) / 100.0, 3.0)) * (1.0 - min(density, 1.0))
            // The nearest container fully, then a half, a third. Data-table structure is
            // transparent: a transcript table's rows vote for the container around the table.
            var level = 0
            for id in block.path.reversed() {
                let kind = kinds[Int(id)]
                guard kind == .container || kind == .cell || kind == .noscript else { continue }
                level += 1
                scores[Int(id)] += score / Double(level)
                if level == 3 { break }
            }
        }
        // Comment threads and "related" boxes can out-write the article: a candidate inside
        // class-matched furniture must win clearly. It can win: sites wrap whole articles in
        // "article-header" or "modal-enabled".
        var best = -1
        var bestScore = 0.0
        for id in 0..<count where scores[id] > 0 && furniture[id] != .hard {
            let adjusted = scores[id] * (1.0 - min(tallies.density(id), 1.0)) * (tallies.inClassed[id] || tallies.inSoft[id] ? 0.3 : 1.0)
            scores[id] = adjusted
            if adjusted > bestScore {
                bestScore = adjusted
                best = id
            }
        }
        return (scores, best, bestScore)
    }

    /// Articles cut into several containers (chunks, sections, an intro box): climbs while the
    /// candidate holds less than 70% of the page's prose that is not furniture.
    func climbToArticle(from winner: Int, tallies: Tallies, furniture: [Furniture]) -> Int {
        var best = winner
        var candidate = winner
        let prose = tallies.prose
        while Double(prose[candidate]) < 0.7 * Double(tallies.allProse) {
            let parent = Int(parents[candidate])
            guard parent >= 0, !pageRoots.contains(Int32(parent)), furniture[parent] < .classed, kinds[parent] != .inline else { break }
            // What the parent adds must itself read like the article: mostly prose, few links.
            let addedText = tallies.textChars[parent] - tallies.textChars[candidate]
            let addedProse = prose[parent] - prose[candidate]
            let addedLinks = tallies.linkChars[parent] - tallies.linkChars[candidate]
            guard tallies.density(parent) < 0.35,
                addedText == 0
                    || (Double(addedProse) >= 0.5 * Double(addedText)
                        && Double(addedLinks) < 0.3 * Double(addedText))
            else { break }
            candidate = parent
            // Wrappers with no more prose are passed through; the climb counts only if it gains.
            if prose[candidate] > prose[best] { best = candidate }
        }
        return best
    }

    /// An article cut into sections that each say less than a boxed aside (a disclaimer, a
    /// promotion): when the winner holds under two fifths of the page's prose, the smallest
    /// element that holds seven tenths of it, with few links, is the article, if it holds at
    /// least twice the winner's.
    func gatherScatteredProse(_ best: Int, tallies: Tallies, furniture: [Furniture]) -> Int {
        let prose = tallies.prose
        // Not when the winner's own text, uncounted because it sits in class-matched furniture,
        // is as long as all the prose counted elsewhere (an article in a "widget" wrapper).
        guard best >= 0, !(tallies.inClassed[best] && tallies.textChars[best] >= tallies.allProse),
            Double(prose[best]) < 0.4 * Double(tallies.allProse), tallies.allProse >= 1000
        else { return best }
        var chosen = best
        for id in 0..<parents.count where Double(prose[id]) >= 0.7 * Double(tallies.allProse) && prose[id] >= 2 * prose[best] {
            guard !pageRoots.contains(Int32(id)), furniture[id] < .classed, kinds[id] != .inline, tallies.density(id) < 0.3
            else { continue }
            if chosen == best || tallies.textChars[id] < tallies.textChars[chosen] { chosen = id }
        }
        return chosen
    }

    /// Repeated items (the posts of a thread, answers, reviews): when the winner is one of
    /// several siblings of one tag and class that each hold text, the article is their parent.
    func parentOfRepeatedItems(_ best: Int, tallies: Tallies, furniture: [Furniture]) -> Int {
        let count = parents.count
        var child = best
        for _ in 0..<6 {
            let parent = Int(parents[child])
            guard parent >= 0, !pageRoots.contains(Int32(parent)), furniture[parent] < .classed else { break }
            let signature = signatures[child]
            if signature != 0 {
                var others = 0
                for id in (parent + 1)..<count where id != child && parents[id] == Int32(parent) && signatures[id] == signature {
                    if tallies.textChars[id] - tallies.linkChars[id] >= 100 { others += 1 }
                }
                if others >= 2 { return parent }
            }
            child = parent
        }
        return best
    }

    /// A page of many short sections (a landing or service page) has no container that wins
    /// clearly: the winner holds little of the text outside furniture and link lists. Then the
    /// article is the smallest ancestor that holds most of it, if that reads as content (few
    /// links once furniture is set aside); the body itself if need be. A winner with a story of
    /// its own (1,000 characters of prose) is the article, unless the page reads as a service
    /// page: there it is one section among the others.
    func spreadOverShortSections(_ best: Int, tallies: Tallies, furniture: [Furniture]) -> Int {
        let (content, contentLinks, allContent) = (tallies.content, tallies.contentLinks, tallies.allContent)
        var candidate = best
        while tallies.prose[best] < 1000 || metadata.pageType == .service, Double(content[best]) < 0.5 * Double(allContent),
            Double(content[candidate]) < 0.5 * Double(allContent)
        {
            let parent = Int(parents[candidate])
            guard parent >= 0, kinds[parent] != .inline, furniture[parent] < .classed,
                Double(contentLinks[parent]) < 0.3 * Double(max(1, content[parent]))
            else { break }
            candidate = parent
            if pageRoots.contains(Int32(parent)) && parents[parent] >= 0 && !pageRoots.contains(parents[parent]) { break }
        }
        return Double(content[candidate]) >= 0.5 * Double(allContent) ? candidate : best
    }

    /// The page's own main element, when the winner sits inside it, is the article's extent:
    /// landing, service and product pages cut their content into many short sections, none of
    /// which wins alone and few of which read like prose. Only when that gains real text: a
    /// headline and a dateline around the article body are the page's metadata, not its text.
    func extendToMain(_ best: Int, tallies: Tallies, mainHintSet: Set<Int32>) -> Int {
        guard !mainHints.isEmpty else { return best }
        var id = best
        while id >= 0 {
            if mainHintSet.contains(Int32(id)) {
                let gain = tallies.content[id] - tallies.content[best]
                if tallies.density(id) < 0.5 && !pageRoots.contains(Int32(id)) && Double(gain) >= 0.25 * Double(tallies.content[best]) {
                    return id
                }
                return best
            }
            id = Int(parents[id])
        }
        return best
    }

    func hasHardFurniture(_ block: RawBlock, _ furniture: [Furniture]) -> Bool {
        block.path.contains { furniture[Int($0)] == .hard }
    }

    /// The article's blocks (the winner and its strong siblings), without the link lists,
    /// boilerplate and furniture inside it.
    func articleBlocks(
        _ blocks: [RawBlock], readable: [RawBlock]?, best: Int, scores: [Double], bestScore: Double, tallies: Tallies,
        furniture: [Furniture], asList: Bool = false
    ) -> (blocks: [TextBlock], linkIndex: [TextBlock]?) {
        let count = parents.count
        // Indexed by element id: every block's path is looked up here, several times.
        var included = [Bool](repeating: false, count: count)
        if best >= 0 {
            included[best] = true
            let parent = parents[best]
            let threshold = max(10.0, bestScore * 0.2)
            for id in 0..<count where parents[id] == parent && id != best && furniture[id] == .none && !tallies.inClassed[id] {
                if scores[id] >= threshold { included[id] = true }
            }
        }
        // Inside the article, class-matched furniture is dropped unless it holds most of the
        // article (then the pattern matched the layout, not a widget).
        // Several such pieces that together hold most of it are the content too: the posts of a
        // forum thread or the answers of a Q&A page are each called "comment" or "reply".
        let articleChars = best >= 0 ? tallies.textChars[best] : tallies.total
        func isFurnitureInside(_ block: RawBlock, keepingClassed: Bool) -> Bool {
            var inside = best < 0
            for id in block.path {
                if included[Int(id)] {
                    inside = true
                    continue
                }
                switch furniture[Int(id)] {
                case .hard: return true
                case .soft, .classed:
                    if inside && !keepingClassed && Double(tallies.textChars[Int(id)]) < 0.5 * Double(articleChars) { return true }
                default: continue
                }
            }
            return false
        }
        func isInArticle(_ block: RawBlock) -> Bool {
            best < 0 || block.path.contains(where: { included[Int($0)] })
                || siblingParagraph(block, bestParent: parents[best], length: block.weight)
        }
        var classedChars = 0
        for block in blocks
        where isInArticle(block) && isFurnitureInside(block, keepingClassed: false) && !hasHardFurniture(block, furniture) {
            classedChars += block.weight
        }
        // Not on a page that is not a forum when the article says much of its own (a post with a
        // long comment thread under it is still the post).
        let keepClassed =
            best >= 0 && Double(classedChars) > 0.6 * Double(articleChars)
            && (metadata.pageType != .article || metadata.published == nil || articleChars - classedChars < 1500)
        var result: [TextBlock] = []
        // An index (a list of languages, a board of links) is its links: when the link lists the
        // article drops say far more than what it keeps, the article with them is the index.
        var (keptWeight, linkWeight, links) = (0, 0, 0)
        var withLinks: [TextBlock] = []
        // Text hidden only from screen readers is read where it sits inside the article.
        var repeats: [(result: Int, withLinks: Int)] = []
        for block in readable ?? blocks {
            guard isInArticle(block), !isFurnitureInside(block, keepingClassed: keepClassed) else { continue }
            // On a listing, an item's linked title is content: the list is the page. So is a
            // linked list item in a guide (its "see also", its chapters).
            let listingTitle =
                (asList && block.weight >= 20 && block.link != nil)
                || (metadata.pageType == .documentation && block.role == .listItem)
            if boilerplate.keeps(block, linkedTitle: listingTitle) {
                if block.ariaHiddenOnly { repeats.append((result.count, withLinks.count)) }
                result.append(block.textBlock)
                withLinks.append(block.textBlock)
                keptWeight += block.weight
            } else if boilerplate.keeps(block, linkedTitle: true) {
                withLinks.append(block.textBlock)
                linkWeight += block.weight
                links += 1
            }
        }
        // What screen readers skip because the article says it anyway (a pull quote) goes:
        // a block hidden only from them whose words, without the marks around them, are in the
        // article's other text.
        // The other text is searched as one string, its blocks joined by NUL, which no text holds.
        if !repeats.isEmpty {
            let said = Set(repeats.map(\.result))
            let spoken = result.indices.filter { !said.contains($0) }.map { result[$0].text }.joined(separator: "\u{0}")
            let quoted = repeats.filter { index in
                let text = result[index.result].text.trimmingCharacters(in: .punctuationCharacters.union(.whitespaces))
                return !text.isEmpty && spoken.range(of: text, options: .caseInsensitive) != nil
            }
            if !quoted.isEmpty {
                let (inResult, inLinks) = (Set(quoted.map(\.result)), Set(quoted.map(\.withLinks)))
                result = result.enumerated().filter { !inResult.contains($0.offset) }.map(\.element)
                withLinks = withLinks.enumerated().filter { !inLinks.contains($0.offset) }.map(\.element)
            }
        }
        let linkIndex = best >= 0 && !pageRoots.contains(Int32(best)) && links >= 15 && linkWeight > 2 * keptWeight ? withLinks : nil
        if result.isEmpty, best >= 0 {
            // Everything in the article looked like furniture (a page that is all comments):
            // better the article's text than nothing.
            for block in blocks where block.path.contains(Int32(best)) && !hasHardFurniture(block, furniture) {
                result.append(block.textBlock)
            }
        }
        return (result, linkIndex)
    }

    /// What goes from the article's blocks whatever their place: link lists, the configured
    /// boilerplate phrases and labels.
    struct BoilerplateFilter {
        let phrases: [BoilerplatePhrase]
        let longestPhrase: Int
        let labels: Set<String>

        init(config: PipelineConfig) {
            phrases = BoilerplatePhrase.all(config)
            longestPhrase = phrases.map(\.scalars).max() ?? 0
            labels = Set(config.boilerplateLines.map(HTMLExtractor.labelKey))
        }

        /// Link lists go; a heading or a term that links to itself (an anchor) stays, and so does
        /// a citation linked to its source (a quoted title, a date) and, when `linkedTitle`, an
        /// item's linked title.
        func keeps(_ block: RawBlock, linkedTitle: Bool = false) -> Bool {
            if block.linkDensity > 0.5 && block.weight < 400 && !block.isTerm && !linkedTitle
                && !(block.role == .paragraph && block.link != nil && block.weight >= 60 && HTMLExtractor.looksLikeCitation(block.text))
            {
                guard case .heading = block.role else { return false }
            }
            if block.scalars < longestPhrase + 40, HTMLExtractor.isBoilerplatePhrase(block.text, phrases) { return false }
            if block.scalars <= 40, labels.contains(HTMLExtractor.labelKey(block.text)) { return false }
            return true
        }
    }

    /// A quoted title (“…”, 《…》, "…"; the closing mark is often lost) together with a date, as
    /// in a reference to a source.
    static func looksLikeCitation(_ text: String) -> Bool {
        let quoted = text.contains("“") || text.contains("《") || text.contains("\"")
        guard quoted else { return false }
        return DatePatterns.numericDate(in: text) != nil || DatePatterns.containsMonthDate(text)
    }

    /// A label compared without case and punctuation: "ADVERTISEMENT:" ~ "Advertisement".
    static func labelKey(_ text: String) -> String {
        String(String.UnicodeScalarView(text.lowercased().unicodeScalars.filter { $0.properties.isAlphabetic || $0 == " " }))
            .trimmingCharacters(in: .whitespaces)
    }

    /// A configured boilerplate phrase, lower-case, with its length in scalars.
    struct BoilerplatePhrase: Sendable {
        var text: String
        var scalars: Int

        static func all(_ config: PipelineConfig) -> [BoilerplatePhrase] {
            config.boilerplatePhrases.map { phrase in
                let lowered = phrase.lowercased()
                return BoilerplatePhrase(text: lowered, scalars: lowered.scalarCount)
            }
        }
    }

    /// True when the block is (nearly) just one of the configured phrases.
    /// Letters are compared ASCII-case-insensitively on UTF-8 bytes.
    static func isBoilerplatePhrase(_ text: String, _ phrases: [BoilerplatePhrase]) -> Bool {
        let count = text.scalarCount
        var searchable: SearchableText? = nil
        for phrase in phrases where count < phrase.scalars + 40 {
            if searchable == nil { searchable = SearchableText(lowercasing: text) }
            if searchable!.contains(phrase.text) { return true }
        }
        return false
    }

    /// Commas and Chinese clause marks (",", "，", "、", "。"), counted from the UTF-8 bytes.
    static func clauseMarks(_ text: String) -> Int {
        var text = text
        return text.withUTF8 { bytes in
            var count = 0
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte == 0x2C {
                    count += 1
                } else if byte == 0xEF, index + 2 < bytes.count, bytes[index + 1] == 0xBC, bytes[index + 2] == 0x8C {
                    count += 1  // U+FF0C
                } else if byte == 0xE3, index + 2 < bytes.count, bytes[index + 1] == 0x80,
                    bytes[index + 2] == 0x81 || bytes[index + 2] == 0x82
                {
                    count += 1  // U+3001, U+3002
                }
                index += 1
            }
            return count
        }
    }

    /// A plain paragraph right beside the article container that reads like prose.
    func siblingParagraph(_ block: RawBlock, bestParent: Int32, length: Int) -> Bool {
        guard block.path.count >= 2, block.path[block.path.count - 2] == bestParent else { return false }
        guard block.role == .paragraph, length >= 80 else { return false }
        return block.linkDensity < 0.25
    }
}
