import CorpusKit
import Foundation
import GRDB
import Testing

@testable import Searching

/// The quick tokenizer gives exactly FTS5's `unicode61 remove_diacritics 2` tokens (less those
/// holding Han), or declines; terms pack and count without loss.
@Suite struct SearchTermsTests {
    static func fts5Tokens(_ text: String) throws -> [String] {
        let queue = try DatabaseQueue()
        return try queue.read { db in
            let tokenizer = try db.makeTokenizer(.unicode61(diacritics: .remove))
            return try tokenizer.tokenize(document: text).map(\.token).filter { !$0.unicodeScalars.contains(where: SearchIndex.isHan) }
        }
    }

    static func quickTokens(_ text: String) -> [String]? {
        var text = text
        var tokens: [String] = []
        let known = text.withUTF8 { QuickTokens.scan($0) { tokens.append(String(decoding: $0, as: UTF8.self)) } }
        return known ? tokens : nil
    }

    @Test(arguments: [
        "The Digital Silk Road, 2020–2035: “data” isn’t oil…", "数字中国建设 2035年，数据（要素）市场。「政务」",
        "AI赋能 e-Government_services x86-64 ABC123def", "Full\u{3000}width！＂（AI）", "nbsp\u{A0}and «quotes» · dots"
    ])
    func quickTokensAreFTS5Tokens(text: String) throws {
        #expect(Self.quickTokens(text) == (try Self.fts5Tokens(text)))
    }

    @Test func quickTokensDeclineWhatTheyDoNotKnow() {
        #expect(Self.quickTokens("Café") == nil, "folding is FTS5's to do")
        #expect(Self.quickTokens("ＡＩ fullwidth letters") == nil)
        #expect(Self.quickTokens("ひらがな") == nil)
    }

    /// Random text from an alphabet of every class the quick path knows and a few it does not.
    @Test func quickTokensMatchFTS5OnRandomText() throws {
        let alphabet = Array("aZ09 _-.,'\"数据政务\u{3001}\u{3002}\u{FF08}\u{FF09}\u{201C}\u{201D}\u{2014}\u{A0}éｱ\u{3005}")
        var generator = SystemRandomNumberGenerator()
        var compared = 0
        for _ in 0..<400 {
            let text = String((0..<Int.random(in: 0..<40, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
            guard let quick = Self.quickTokens(text) else { continue }
            #expect(quick == (try Self.fts5Tokens(text)), "\(text.debugDescription)")
            compared += 1
        }
        #expect(compared > 50)
    }

    @Test func shortTermsRoundTripAndTablesGrow() {
        var table = TermTable<Int32>()
        let words = (0..<5000).map { "w\($0)" } + ["数", "数据", "a-very-long-term-beyond-fifteen-bytes"]
        for word in words + words { table.update(word, initial: 0) { $0 += 1 } }
        var seen: [String: Int32] = [:]
        table.visit { seen[$0] = $1 }
        #expect(seen.count == words.count && seen.values.allSatisfy { $0 == 2 })
        #expect(seen["a-very-long-term-beyond-fifteen-bytes"] == 2)
        var text = "数据"
        let key = text.withUTF8 { ShortTerm(UnsafeRawBufferPointer($0)) }
        #expect(key?.string == "数据" && key?.column == .bigrams)
    }

    /// A recent row is searched by binary search over its sorted lines, exactly and by prefix.
    @Test func recentRowsFindTermsAndPrefixes() {
        var counts = TermCounts()
        _ = counts.add("ab ab abc b a zeta 数据 数", tokenizer: nil)
        var english = TermCounts()
        let words = ["ab", "ab", "abc", "b", "a", "zeta", "abd"]
        let text = words.joined(separator: " ")
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBufferPointer { buffer in
            QuickTokens.scan(UnsafeBufferPointer(buffer)) { token in english.table.update(token, initial: 0) { $0 += 1 } }
        }
        english.lengths = [words.count, 0, 0]
        let row = english.recentText
        func found(_ term: String, prefix: Bool) -> [Int32] {
            var frequencies: [Int32] = []
            RecentTerms.find(term, prefix: prefix, in: row) { frequency, length in
                #expect(length == Int32(words.count))
                frequencies.append(frequency)
            }
            return frequencies
        }
        #expect(found("ab", prefix: false) == [2])
        #expect(found("ab", prefix: true) == [2, 1, 1])
        #expect(found("a", prefix: true).count == 4)
        #expect(found("aa", prefix: false).isEmpty && found("zz", prefix: true).isEmpty && found("zeta", prefix: false) == [1])
        let han = counts.recentText
        var grams: [Int32] = []
        RecentTerms.find("数", prefix: false, in: han) { frequency, _ in grams.append(frequency) }
        #expect(grams == [2])
    }

    /// A word is counted where it stands as a token of its own, as the tokenizer would find it.
    @Test func wordsAreCountedWhereTheyAreTokens() throws {
        func count(_ word: String, in text: String, prefix: Bool = false) -> Int? {
            SegmentScorer.tokenOccurrences(of: word, in: SearchableText(lowercasing: text), prefix: prefix)?.0
        }
        let text = "Governance, e-governance and “governance” — not governances, 数据governance or governance2."
        #expect(count("governance", in: text) == 3)
        #expect(try Self.fts5Tokens(text).filter { $0 == "governance" }.count == 3)
        #expect(count("govern", in: text, prefix: true) == 5)
        #expect(count("governance", in: "Café governance") != nil, "é before a space is not next to the word")
        #expect(count("governance", in: "ｱgovernance") == nil, "an unknown neighbour: the caller tokenizes")
    }

    /// The byte test that spares a segment being read as text says no only when some group's
    /// word or Han text is missing; folding letters, or a group with no quick test, say yes.
    @Test func aSegmentIsSkippedOnlyWhenAGroupIsSurelyMissing() throws {
        let queue = try DatabaseQueue()
        try queue.read { db in
            let tokenizer = try db.makeTokenizer(.unicode61(diacritics: .remove))
            func may(_ groups: [SearchQuery.Group], _ text: String, folds: Bool = false) -> Bool {
                let scorer = SegmentScorer(groups: groups, weights: groups.map { _ in 1 }, tokenizer: tokenizer)
                var scratch: [UInt8] = [1, 2]
                return Array(text.utf8).withUnsafeBytes { scorer.mayHoldAll($0, folds: folds, scratch: &scratch) }
            }
            let text = "Data GOVERNANCE in the 数字经济 era"
            #expect(may([.term("governance")], text) && may([.prefix("gov"), .term("data")], text))
            #expect(!may([.term("governance"), .term("river")], text))
            #expect(may([.phrase(["digital", "economy"])], "The Digital Economy") && !may([.phrase(["digital", "economy"])], "the economy"))
            #expect(may([.term("数字")], text) && !may([.term("政务")], text))
            #expect(may([.phrase(["数字", "字经"])], text) && !may([.phrase(["数字", "字政"])], text))
            #expect(may([.term("river")], text, folds: true), "letters the tokenizer folds: always read")
            #expect(!may([.term("governance")], "") && may([], "anything"))
        }
    }
}
