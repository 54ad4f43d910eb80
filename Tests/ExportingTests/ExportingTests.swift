import CorpusKit
import Foundation
import Testing

@testable import Exporting
@testable import Searching

@Suite struct ExportingTests {
    @Test func csvQuotesOnlyWhatRFC4180Needs() {
        #expect(Exporter.csv("plain") == "plain")
        #expect(Exporter.csv("a, b") == "\"a, b\"")
        #expect(Exporter.csv("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(Exporter.csv("two\nlines") == "\"two\nlines\"")
    }

    @Test func xmlEscapesAndDropsWhatXMLCannotHold() {
        #expect(Exporter.xml("a < b & \"c\" > d") == "a &lt; b &amp; &quot;c&quot; &gt; d")
        #expect(Exporter.xml("bell\u{07}tab\t") == "belltab\t")
    }

    @Test func hanTextBecomesUnigramsAndBigrams() {
        let grams = SearchIndex.hanGrams("数据资源 and 体系")
        #expect(grams.unigrams == "数 据 资 源 体 系")
        #expect(grams.bigrams == "数据 据资 资源 体系")
    }

    @Test(arguments: [
        ("数", "unigrams: \"数\""), ("数据", "bigrams: \"数据\""), ("数据资源", "bigrams: \"数据 据资 资源\""),
        ("digit*", "english: (digit*)"), ("\"Digital Silk Road\"", "english: (\"Digital Silk Road\")"),
        ("数据 security", "bigrams: \"数据\" AND english: (\"security\")")
    ])
    func queriesBecomeFTS5(query: String, expected: String) {
        #expect(SearchIndex.ftsQuery(query) == expected)
    }

    @Test func snippetsMarkTheMatch() {
        #expect(SearchIndex.snippet("The Digital Silk Road is long.", query: "\"silk road\"") == "The Digital 【Silk Road】 is long.")
    }
}
