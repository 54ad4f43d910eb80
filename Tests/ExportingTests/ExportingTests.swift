import CorpusKit
import Foundation
import Testing

@testable import Exporting

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
}
