import CorpusKit
import Foundation

/// Where a freshly built record goes: a new document, a new version of an existing one, or
/// nowhere (it would replace a different document).
public enum Placement: Equatable, Sendable {
    /// A document the corpus does not hold yet, under this id.
    case new(id: String)
    /// A new version of the document with this id.
    case version(id: String)
    /// The derived id names a different document that must not be replaced silently.
    case conflict(id: String, reason: String)
}

/// Decides document identity. A capture is a new version of an existing document only when it
/// is the same document: the same address (after redirects, or the page's canonical link), the
/// same configured source, or the same kind and lesson with a compatible title and substantially
/// the same text (one lesson post saved from two places). Distinct documents whose derived ids
/// collide get a stable suffix (from their address, else their bytes); the series' fixed ids
/// (`lesson-N`, `lesson-N-source`, `glossary`) are never suffixed: a different page under one of
/// them is a conflict.
public enum DocumentIdentity {
    /// Shared 3-word shingles, over the smaller text, at or above which two texts are one document.
    public static let sameTextContainment = 0.5

    public static func place(_ record: CorpusRecord, among records: [String: CorpusRecord], replacing: String? = nil) -> Placement {
        place(record, ids: Set(records.keys), lookup: { records[$0] }, replacing: replacing)
    }

    /// The same over an archive's ids, reading only the records it needs (`lookup`): the one
    /// under the derived id and those under its suffixed ids.
    public static func place(
        _ record: CorpusRecord, ids: Set<String>, lookup: (String) -> CorpusRecord?, replacing: String? = nil
    ) -> Placement {
        let base = record.id
        if let replacing {
            // The deliberate case: the user names the document this capture replaces.
            if replacing == base || isSuffixed(replacing, of: base) { return .version(id: replacing) }
            return .conflict(
                id: replacing, reason: "the input is \(base), not \(replacing); --replace only overrides a conflict on its own id")
        }
        guard ids.contains(base), let existing = lookup(base) else { return .new(id: base) }
        let verdict = sameDocument(existing, record)
        if verdict.same { return .version(id: base) }
        if isFixedID(base) {
            return .conflict(
                id: base,
                reason:
                    "would replace \(base) (\(describe(existing))) with a different document (\(describe(record))): \(verdict.why); to do it anyway: ingest --replace \(base) FILE"
            )
        }
        // Versions of an earlier document that collided with this slug carry a suffix: the one
        // this document's address gives first (the usual case, found without a scan), then
        // every other suffixed id, in order.
        let stable = suffixes(for: record).map { "\(base)-\($0)" }
        if let id = stable.first, ids.contains(id), let other = lookup(id), sameDocument(other, record).same { return .version(id: id) }
        let length = base.utf8.count + 9
        for id in ids.filter({ $0.utf8.count == length && isSuffixed($0, of: base) }).sorted() {
            if let other = lookup(id), sameDocument(other, record).same { return .version(id: id) }
        }
        for suffix in suffixes(for: record) {
            let id = "\(base)-\(suffix)"
            if !ids.contains(id) { return .new(id: id) }
        }
        return .conflict(id: base, reason: "no free id for a different document titled \(describe(record))")
    }

    /// Ids the series fixes: a second document may never take them.
    public static func isFixedID(_ id: String) -> Bool { DocumentID.isFixed(id) }

    /// `id` is `base` plus a suffix this type gives: a dash and eight hex digits.
    public static func isSuffixed(_ id: String, of base: String) -> Bool {
        guard id.utf8.count == base.utf8.count + 9, id.hasPrefix(base), id.utf8.dropFirst(base.utf8.count).first == UInt8(ascii: "-") else {
            return false
        }
        return id.utf8.suffix(8).allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// Stable suffixes: from the document's address (so every capture of it agrees), then from
    /// its bytes (two files of one name).
    static func suffixes(for record: CorpusRecord) -> [String] {
        var keys: [String] = []
        if let address = address(of: record) { keys.append(address) }
        keys.append(record.provenance.rawSHA256)
        return keys.map { String(Digest.sha256Hex(Data($0.utf8)).prefix(8)) }
    }

    static func address(of record: CorpusRecord) -> String? {
        record.provenance.source.canonicalURL ?? record.provenance.source.url.map(withoutFragment)
    }

    public static func sameDocument(_ existing: CorpusRecord, _ candidate: CorpusRecord) -> (same: Bool, why: String) {
        let old = existing.provenance.source
        let new = candidate.provenance.source
        let oldAddresses = Set([old.url, old.requestedURL, old.canonicalURL].compactMap { $0.map(withoutFragment) })
        let newAddresses = Set([new.url, new.requestedURL, new.canonicalURL].compactMap { $0.map(withoutFragment) })
        if !oldAddresses.isDisjoint(with: newAddresses) { return (true, "same address") }
        if let id = old.sourceID, id == new.sourceID { return (true, "same configured source") }
        // Pages that name different addresses of their own are different pages, unless the
        // series fixes their identity (one lesson saved from the blog and from a mirror).
        if !oldAddresses.isEmpty, !newAddresses.isEmpty, !isFixedID(existing.id) { return (false, "another address") }
        guard existing.kind == candidate.kind else {
            return (false, "another kind (\(existing.kind.rawValue) → \(candidate.kind.rawValue))")
        }
        guard existing.series?.lesson == candidate.series?.lesson else { return (false, "another lesson") }
        guard titlesCompatible(existing.title, candidate.title) else { return (false, "another title") }
        let shared = containment(existing.text, candidate.text)
        guard shared >= sameTextContainment else {
            return (false, "mostly other text (\(Int((shared * 100).rounded()))% shared)")
        }
        return (true, "same kind, title and text")
    }

    static func describe(_ record: CorpusRecord) -> String {
        let title = record.title.en ?? record.title.zh ?? record.headline ?? "untitled"
        return "\(record.kind.rawValue) “\(title.prefix(80))”"
    }

    static func withoutFragment(_ url: String) -> String {
        url.firstIndex(of: "#").map { String(url[..<$0]) } ?? url
    }

    /// Titles agree when either is missing, one contains the other, or they share most words.
    static func titlesCompatible(_ a: Bilingual, _ b: Bilingual) -> Bool {
        let pairs = [(a.en, b.en), (a.zh, b.zh)].compactMap { pair -> (String, String)? in
            guard let left = pair.0, let right = pair.1 else { return nil }
            return (left, right)
        }
        guard !pairs.isEmpty else { return true }
        return pairs.contains { left, right in
            let x = tokens(left)
            let y = tokens(right)
            if x.isEmpty || y.isEmpty { return true }
            let joinedX = x.joined(separator: " ")
            let joinedY = y.joined(separator: " ")
            if joinedX.contains(joinedY) || joinedY.contains(joinedX) { return true }
            let shared = Set(x).intersection(Set(y)).count
            return Double(shared) >= 0.5 * Double(min(Set(x).count, Set(y).count))
        }
    }

    /// Lower-case words; each Han character is a word of its own.
    static func tokens(_ text: String) -> [String] {
        var result: [String] = []
        var word = String.UnicodeScalarView()
        func finish() {
            if !word.isEmpty {
                result.append(String(word))
                word = String.UnicodeScalarView()
            }
        }
        for scalar in text.lowercased().unicodeScalars {
            if Han.contains(scalar) {
                finish()
                result.append(String(scalar))
            } else if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                word.append(scalar)
            } else {
                finish()
            }
        }
        finish()
        return result
    }

    /// Share of the smaller text's 3-word shingles that the other text also has.
    static func containment(_ a: String, _ b: String) -> Double {
        func shingles(_ text: String) -> Set<Int> {
            let words = tokens(text)
            guard words.count >= 3 else { return Set(words.map { $0.hashValue }) }
            var set = Set<Int>()
            set.reserveCapacity(words.count)
            for index in 0...(words.count - 3) {
                var hasher = Hasher()
                hasher.combine(words[index])
                hasher.combine(words[index + 1])
                hasher.combine(words[index + 2])
                set.insert(hasher.finalize())
            }
            return set
        }
        let x = shingles(a)
        let y = shingles(b)
        guard !x.isEmpty, !y.isEmpty else { return x.isEmpty && y.isEmpty ? 1 : 0 }
        let (small, large) = x.count <= y.count ? (x, y) : (y, x)
        return Double(small.intersection(large).count) / Double(small.count)
    }
}
