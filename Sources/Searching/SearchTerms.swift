import CorpusKit
import Foundation
import GRDB

/// Which of the three indexed columns a term belongs to. A term says it itself: English terms
/// hold no Han character (`TermCounts` leaves out the English column's Han-bearing tokens, which
/// no query can reach: Chinese is always searched as grams), unigrams are one Han character and
/// bigrams two.
enum TermColumn: Int, CaseIterable {
    case english = 0
    case unigrams = 1
    case bigrams = 2

    init(of term: String) {
        var scalars = term.unicodeScalars.makeIterator()
        guard let first = scalars.next(), Han.contains(first) else {
            self = .english
            return
        }
        self = scalars.next() == nil ? .unigrams : .bigrams
    }
}

/// A document's terms and how often each occurs, over all its segments, with each column's
/// length in tokens: what the document-level postings (and BM25's length normalization) hold.
///
/// English terms come from FTS5's own `unicode61 remove_diacritics 2` tokenizer, the one the
/// segment index uses, so a document has a posting for every English term FTS5 would match in
/// it; Han text gives the same unigrams and bigrams as the segment index.
struct TermCounts {
    var frequencies: [String: Int] = [:]
    var lengths = [0, 0, 0]

    /// Counts `text`'s terms: its Han `grams`, and English ones as `tokenizer` finds them.
    mutating func add(_ text: String, grams: SearchIndex.HanGrams, tokenizer: any FTS5Tokenizer) {
        for gram in grams.unigramList { frequencies[gram, default: 0] += 1 }
        for gram in grams.bigramList { frequencies[gram, default: 0] += 1 }
        lengths[TermColumn.unigrams.rawValue] += grams.unigramList.count
        lengths[TermColumn.bigrams.rawValue] += grams.bigramList.count
        lengths[TermColumn.english.rawValue] += Self.englishTokens(text, tokenizer: tokenizer, for: .document) { token in
            frequencies[token, default: 0] += 1
        }
    }

    /// Calls `body` with each English token of `text` that holds no Han character, as FTS5's
    /// tokenizer gives it for `tokenization`; returns how many there were.
    @discardableResult
    static func englishTokens(
        _ text: String, tokenizer: any FTS5Tokenizer, for tokenization: FTS5Tokenization, _ body: (String) -> Void
    ) -> Int {
        final class Collector {
            var tokens: [String] = []
        }
        var text = text
        let collector = Collector()
        text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return }
            _ = withExtendedLifetime(collector) {
                tokenizer.tokenize(
                    context: Unmanaged.passUnretained(collector).toOpaque(), tokenization: tokenization,
                    pText: UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self), nText: CInt(bytes.count)
                ) { context, _, token, length, _, _ in
                    guard let context, let token else { return 0 }
                    let bytes = UnsafeRawBufferPointer(start: token, count: Int(length))
                    let collector = Unmanaged<Collector>.fromOpaque(context).takeUnretainedValue()
                    collector.tokens.append(String(decoding: bytes, as: UTF8.self))
                    return 0
                }
            }
        }
        var count = 0
        for token in collector.tokens where token.utf8.allSatisfy({ $0 < 0x80 }) || !Han.occurs(in: token) {
            body(token)
            count += 1
        }
        return count
    }
}
