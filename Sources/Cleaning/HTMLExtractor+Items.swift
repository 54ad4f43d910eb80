import CLibXML2
import CorpusKit
import Foundation

/// Pages that are their items: a listing of stories, a shop's category, a search result, a
/// board of jobs. No single container wins the votes there (an item is a linked title and a
/// line or two), and the link-list rule would drop the items themselves. Such a page's content
/// is the region that holds its groups of items: groups of sibling elements of one tag and class,
/// weighed by how much they say and how much of it reads as items (a heading, a linked title,
/// a sentence, a price), less when they sit in furniture or before the page's heading.
extension HTMLExtractor {
    /// A group of sibling items: their parent and what they hold.
    struct ItemGroup {
        var parent: Int
        var count = 0
        var weight = 0
        var rich = 0
        var score = 0.0
    }

    /// The region of the page's item groups, if the page has groups that say enough; the
    /// page's first `<h1>` goes before it when it lies outside. The groups are found among the
    /// visible blocks; the region's text is read from `readable` (with what is hidden only from
    /// screen readers) when given.
    func itemRegion(_ visible: [RawBlock], readable: [RawBlock]? = nil, furniture: [Furniture]) -> [TextBlock]? {
        let count = parents.count
        guard count > 0 else { return nil }
        var weight = [Int](repeating: 0, count: count)
        var rich = [Bool](repeating: false, count: count)
        for block in readable ?? visible {
            let isRich: Bool
            switch block.role {
            case .heading: isRich = true
            default:
                isRich =
                    block.linkChars >= 20 || (block.weight >= 60 && block.linkDensity < 0.3)
                    || (block.scalars < 200 && Self.mentionsPrice(block.text))
            }
            for id in block.path {
                weight[Int(id)] += block.weight
                if isRich { rich[Int(id)] = true }
            }
        }
        // Furniture reaches down: parents come before children.
        var inFurniture = [Bool](repeating: false, count: count)
        var inLayout = [Bool](repeating: false, count: count)
        for id in 0..<count {
            let parent = Int(parents[id])
            inFurniture[id] = furniture[id] >= .classed || (parent >= 0 && inFurniture[parent])
            inLayout[id] = furniture[id] >= .soft || (parent >= 0 && inLayout[parent])
        }
        // Groups: siblings of one tag and class (one tag, when they have no class) with some text.
        var groups: [Int: [Int: ItemGroup]] = [:]
        for id in 0..<count where weight[id] >= 8 && parents[id] >= 0 {
            let parent = Int(parents[id])
            let key = signatures[id] != 0 ? signatures[id] : tagKeys[id]
            var group = groups[parent, default: [:]][key] ?? ItemGroup(parent: parent)
            group.count += 1
            group.weight += weight[id]
            if rich[id] { group.rich += 1 }
            groups[parent, default: [:]][key] = group
        }
        var scored: [ItemGroup] = []
        for (parent, byKey) in groups {
            guard !inFurniture[parent] else { continue }
            for var group in byKey.values where group.count >= 3 {
                let average = Double(group.weight) / Double(group.count)
                var quality = average < 20 ? 0.15 : average < 35 ? 0.5 : 1.0
                quality *= 0.3 + Double(group.rich) / Double(group.count)
                if let heading = firstHeadingID, parent < heading { quality *= 0.5 }
                group.score = Double(group.weight) * quality
                scored.append(group)
            }
        }
        // Best first; of equal scores, the first in the page.
        scored.sort { $0.score > $1.score || ($0.score == $1.score && $0.parent < $1.parent) }
        guard let best = scored.first, best.score >= 200 else { return nil }
        var region = best.parent
        // Other strong groups widen the region, but not to menus and headers (the best group
        // may sit in one: sites wrap their content in "carousel" or "gallery").
        for group in scored.dropFirst().prefix(40) where group.score >= 0.3 * best.score && !inLayout[group.parent] {
            region = commonAncestor(region, group.parent)
        }
        guard region >= 0, !pageRoots.contains(Int32(region)) else { return nil }
        // The region's text, without furniture inside it (unless that holds most of it); links
        // are the items' titles here, so only the configured boilerplate goes.
        let regionID = Int32(region)
        var items: [TextBlock] = []
        var headingOutside: TextBlock? = nil
        for block in readable ?? visible {
            guard let at = block.path.firstIndex(of: regionID) else {
                if headingOutside == nil, items.isEmpty, case .heading(1) = block.role { headingOutside = block.textBlock }
                continue
            }
            let inside = block.path[(at + 1)...]
            if inside.contains(where: {
                furniture[Int($0)] == .hard || (furniture[Int($0)] >= .classed && 2 * weight[Int($0)] <= weight[region])
            }) {
                continue
            }
            if boilerplate.keeps(block, linkedTitle: true) { items.append(block.textBlock) }
        }
        guard !items.isEmpty else { return nil }
        if let headingOutside, !items.contains(where: { $0.text == headingOutside.text }) { items.insert(headingOutside, at: 0) }
        return items
    }

    /// The nearest element that holds both (ids are in document order, so a parent's id is
    /// always below its children's).
    func commonAncestor(_ first: Int, _ second: Int) -> Int {
        var (a, b) = (first, second)
        while a != b && a >= 0 && b >= 0 {
            if a > b { a = Int(parents[a]) } else { b = Int(parents[b]) }
        }
        return a == b ? a : -1
    }
}
