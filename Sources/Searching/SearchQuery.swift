import CorpusKit
import Foundation

/// What the user typed, read twice: as the FTS5 query that finds matching segments, and as the
/// term groups that rank documents.
///
/// English is FTS5's own syntax, passed through: words, `prefix*`, `"phrases"`, AND/OR/NOT,
/// NEAR, parentheses and column filters. Chinese runs become grams (one character is a unigram,
/// a longer run the phrase of its bigrams), and Latin words typed beside Chinese are quoted.
struct SearchQuery: Equatable {
    /// A group of terms that ranks documents: one term, every term beginning with a prefix (their
    /// occurrences summed, as FTS5 counts a prefix), or the terms of a phrase (a document holds
    /// the phrase at most as often as its rarest term, which is what it is counted as).
    enum Group: Equatable {
        case term(String)
        case prefix(String)
        case phrase([String])
    }

    /// The FTS5 query for the segments.
    var fts: String
    /// The groups that rank a document.
    var groups: [Group]
    /// Whether a document matches exactly when it holds every group (the query is a plain list of
    /// words, prefixes and phrases, which FTS5 ANDs). Otherwise (OR, NOT, NEAR, …) the set of
    /// matching documents comes from FTS5 itself.
    var conjunctive: Bool

    /// Reads `query`; `tokens` splits a word or phrase as FTS5's tokenizer does for a query.
    init?(_ query: String, tokens: (String) -> [String]) {
        let trimmed = query.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        if !trimmed.unicodeScalars.contains(where: Han.contains) {
            fts = "english: (\(trimmed))"
            (groups, conjunctive) = Self.englishGroups(trimmed, tokens: tokens)
            return
        }
        var parts: [String] = []
        var groups: [Group] = []
        var run: [Unicode.Scalar] = []
        func flush() {
            guard !run.isEmpty else { return }
            if run.count == 1 {
                parts.append("unigrams: \"\(String(run[0]))\"")
                groups.append(.term(String(run[0])))
            } else {
                let grams = (0..<(run.count - 1)).map { String(run[$0]) + String(run[$0 + 1]) }
                parts.append("bigrams: \"\(grams.joined(separator: " "))\"")
                groups.append(grams.count == 1 ? .term(grams[0]) : .phrase(grams))
            }
            run = []
        }
        var latin = ""
        for scalar in trimmed.unicodeScalars {
            if Han.contains(scalar) {
                run.append(scalar)
            } else {
                flush()
                latin.unicodeScalars.append(scalar)
            }
        }
        flush()
        let words = latin.split(whereSeparator: { !$0.isLetter && !$0.isNumber })
        if !words.isEmpty { parts.append("english: (\(words.map { "\"\($0)\"" }.joined(separator: " ")))") }
        for word in words { groups.append(contentsOf: Self.group(tokens(String(word)))) }
        fts = parts.joined(separator: " AND ")
        self.groups = groups
        conjunctive = true
    }

    private static func group(_ tokens: [String]) -> [Group] {
        switch tokens.count {
        case 0: []
        case 1: [.term(tokens[0])]
        default: [.phrase(tokens)]
        }
    }

    /// The groups of an English query and whether it is a plain conjunction. Anything beyond
    /// words, `word*`, `"phrases"` and the keyword AND makes it not one; its groups are then its
    /// words and phrases, less what follows a NOT (which no matching segment holds).
    private static func englishGroups(_ query: String, tokens: (String) -> [String]) -> ([Group], Bool) {
        var groups: [Group] = []
        var conjunctive = true
        var characters = Array(query.unicodeScalars)[...]
        var skipNext = false
        var depth = 0
        var skipDepth: Int? = nil
        func take(_ group: [Group]) {
            if skipNext {
                skipNext = false
                return
            }
            if skipDepth == nil { groups.append(contentsOf: group) }
        }
        func isBareword(_ scalar: Unicode.Scalar) -> Bool {
            scalar.value >= 0x80 || scalar.value == 0x1A || scalar == "_"
                || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
        }
        while let scalar = characters.first {
            if scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
                characters.removeFirst()
            } else if scalar == "\"" {
                characters.removeFirst()
                var text = ""
                while let next = characters.first {
                    characters.removeFirst()
                    if next == "\"" {
                        if characters.first == "\"" {
                            characters.removeFirst()
                            text.unicodeScalars.append("\"")
                            continue
                        }
                        break
                    }
                    text.unicodeScalars.append(next)
                }
                if characters.first == "*" { conjunctive = false }
                take(group(tokens(text)))
            } else if isBareword(scalar) {
                var word = ""
                while let next = characters.first, isBareword(next) {
                    word.unicodeScalars.append(next)
                    characters.removeFirst()
                }
                if word == "AND" { continue }
                if word == "OR" || word == "NOT" || word == "NEAR" {
                    conjunctive = false
                    if word == "NOT" { skipNext = true }
                    continue
                }
                let split = tokens(word)
                if characters.first == "*" {
                    characters.removeFirst()
                    if split.count == 1 {
                        take([.prefix(split[0])])
                    } else {
                        conjunctive = false
                        take(group(split))
                    }
                } else if characters.first == ":" {
                    // A column filter: the word names a column, not a term.
                    characters.removeFirst()
                    conjunctive = false
                } else {
                    if split.isEmpty { conjunctive = false }
                    take(group(split))
                }
            } else {
                conjunctive = false
                characters.removeFirst()
                if scalar == "(" {
                    depth += 1
                    if skipNext {
                        skipNext = false
                        if skipDepth == nil { skipDepth = depth }
                    }
                } else if scalar == ")" {
                    if skipDepth == depth { skipDepth = nil }
                    depth -= 1
                }
            }
        }
        return (groups, conjunctive)
    }
}
