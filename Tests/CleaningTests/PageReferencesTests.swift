import CorpusKit
import Foundation
import Testing

@testable import Cleaning

@Suite struct PageReferencesTests {
    @Test func everyKindOfReferenceIsFoundWhereAPageNamesIt() throws {
        let html = """
            <!doctype html><html><head><base href="https://cdn.example.com/assets/">
            <link rel="stylesheet" href="site.css"><link rel="icon" href="/favicon.ico"><link rel="apple-touch-icon" href="touch.png">
            <link rel="preload" as="font" href="f.woff2"><link rel="alternate" href="feed.xml">
            <meta property="og:image" content="https://example.com/og.jpg"><meta name="twitter:image" content="tw.jpg">
            <meta property="og:video" content="https://example.com/v.mp4"><style>body { background: url(bg.png) }</style>
            <script src="app.js"></script><script>var player = {url: '/v/lesson.mp4'};</script></head>
            <body background="old.gif"><img src="a.png" srcset="a-2x.png 2x"><img src="data:image/gif;base64,R0l" data-src="lazy.jpg">
            <img data-original="orig.jpg" data-lazy-srcset="l1.jpg 1x, l2.jpg 2x">
            <picture><source srcset="p.webp" type="image/webp"><img src="p.jpg"></picture>
            <video poster="poster.jpg"><source src="movie.mp4" type="video/mp4"><track src="subs.vtt"></video>
            <audio src="talk.mp3"></audio><iframe src="/embed/1"></iframe><embed src="old.swf"><object data="movie.swf"></object>
            <input type="image" src="go.png"><input type="text" src="ignored.png"><div style="background-image: url('div.png')">x</div>
            </body></html>
            """
        let found = try PageReferences.scan(Data(html.utf8), headerCharset: nil, source: "test", config: PipelineConfig())
        #expect(found.base == "https://cdn.example.com/assets/")
        func raws(_ kind: PageReferences.Kind) -> [String] { found.references.filter { $0.kind == kind }.map(\.raw) }
        #expect(raws(.stylesheet) == ["site.css"])
        #expect(raws(.icon) == ["/favicon.ico", "touch.png"])
        #expect(raws(.font) == ["f.woff2"])
        #expect(raws(.preview) == ["https://example.com/og.jpg", "tw.jpg"])
        #expect(raws(.media) == ["https://example.com/v.mp4", "movie.mp4", "talk.mp3"])
        #expect(raws(.script) == ["app.js"])
        #expect(raws(.poster) == ["poster.jpg"])
        #expect(raws(.track) == ["subs.vtt"])
        #expect(raws(.frame) == ["/embed/1"])
        #expect(raws(.object) == ["old.swf", "movie.swf"])
        let images = raws(.image)
        for expected in ["old.gif", "a.png", "a-2x.png 2x", "lazy.jpg", "orig.jpg", "l1.jpg 1x, l2.jpg 2x", "p.webp", "p.jpg", "go.png"] {
            #expect(images.contains(expected), "\(expected) not found in \(images)")
        }
        #expect(!images.contains("ignored.png") && !raws(.stylesheet).contains("feed.xml"))
        #expect(found.references.first { $0.raw == "a-2x.png 2x" }?.isSourceSet == true)
        #expect(found.styleTexts == ["body { background: url(bg.png) }", "background-image: url('div.png')"])
        #expect(found.scriptTexts == ["var player = {url: '/v/lesson.mp4'};"])
    }

    /// What follows an early `</body></html>` is shown by a browser, so its references count
    /// (libxml2 2.9 makes a second root element of it).
    @Test func referencesAfterAnEarlyEndOfThePageAreFound() throws {
        let html = """
            <!DOCTYPE html>
            <html>
            <head><title>x</title></head>
            <body><img src="before.png">
            </body>
            </html>
             <div class="article"><img src="after.png"><video src="lesson.mp4"></video></div>
            """
        let found = try PageReferences.scan(Data(html.utf8), headerCharset: nil, source: "test", config: PipelineConfig())
        #expect(found.references.map(\.raw) == ["before.png", "after.png", "lesson.mp4"])
    }

    @Test func aGB18030PageIsReadInItsCharset() throws {
        // "/图片/封面.png" in GB2312.
        var bytes = Data("<html><head><meta charset=\"gb2312\"></head><body><img src=\"/".utf8)
        bytes += [0xCD, 0xBC, 0xC6, 0xAC, 0x2F, 0xB7, 0xE2, 0xC3, 0xE6]
        bytes += Data(".png\"></body></html>".utf8)
        let found = try PageReferences.scan(bytes, headerCharset: nil, source: "gb", config: PipelineConfig())
        #expect(found.references.map(\.raw) == ["/图片/封面.png"])
    }
}

@Suite struct PageTypeTests {
    func type(_ html: String) throws -> PageType? {
        try Cleaner(config: PipelineConfig()).clean(Data(html.utf8), format: HTMLFormat(), source: "t", headerCharset: nil).metadata
            .pageType
    }

    @Test func thePagesOwnWordDecidesFirst() throws {
        let product = """
            <html><head><script type="application/ld+json">{"@context":"https://schema.org","@type":["WebPage","Product"],"name":"Kettle"}</script>
            </head><body><h1>Kettle</h1><p>A kettle that boils water quickly and quietly, for every kitchen.</p></body></html>
            """
        #expect(try type(product) == .product)
        let thread = #"<html><head><meta property="og:type" content="article"></head><body><p>Some text of a post.</p></body></html>"#
        #expect(try type(thread) == .article)
        #expect(
            HTMLExtractor.jsonLDTypes(#"{"@type" : "QAPage", "x": {"@type": ["Question", "Thing"]}}"#) == ["QAPage", "Question", "Thing"])
    }

    /// `og:type` "article" is what a content system says of every page: it gives way to the
    /// address and to a list of linked items, and holds against prices and many headings.
    @Test func anOpenGraphArticleIsAWeakWord() throws {
        let head = #"<meta property="og:type" content="article">"#
        let items = (1...10).map { "<li class=\"card\"><a href=\"/mowers/kr\($0)\">Robotic mower KR\($0), quiet and autonomous</a></li>" }
        let shop = "<html><head>\(head)</head><body><h1>Robotic lawn mowers</h1><ul>\(items.joined())</ul></body></html>"
        #expect(try type(shop) == .listing)
        let thread = """
            <html><head>\(head)<link rel="canonical" href="https://forums.example.com/viewtopic.php?t=361697"></head>
            <body><p>First post of the thread, asking which telescope to buy for a child of ten.</p></body></html>
            """
        #expect(try type(thread) == .forum)
        let sections = (1...6).map {
            "<h2>Part \($0)</h2><p>The price went from $\($0)9 to $\($0 + 1)9 this year, as the report explains.</p>"
        }
        let story = "<html><head>\(head)</head><body><h1>What a mower costs now</h1>\(sections.joined())</body></html>"
        #expect(try type(story) == .article)
        #expect(try type(story.replacingOccurrences(of: head, with: "")) != .article)
    }

    @Test(arguments: [
        ("https://forum.example.org/t/first-telescope/1555", PageType.forum), ("https://example.com/docs/api/start", .documentation),
        ("https://example.com/category/news/", .listing), ("https://example.com/category/news/a-long-article-title-here/", nil),
        ("https://shop.example.com/collections/kettles", .collection), ("https://example.com/products/blue-kettle-1l", .product),
        ("https://old.example.com/r/science/comments/1rku5x9/hair_follicles_grown/", .forum),
        ("https://forums.example.com/viewtopic.php?t=361697", .forum), ("https://example.com/showthread.php?t=1930933", .forum),
        ("https://example.com/view.php?id=12", nil)
    ])
    func anAddressSaysWhatKindOfPageItIs(address: String, expected: PageType?) {
        #expect(HTMLExtractor.pageType(address: address) == expected)
    }

    @Test func pricesAreFoundInShortBlocks() {
        #expect(HTMLExtractor.mentionsPrice("Now $19.99"))
        #expect(HTMLExtractor.mentionsPrice("¥ 88"))
        #expect(!HTMLExtractor.mentionsPrice("The $ sign alone"))
        #expect(!HTMLExtractor.mentionsPrice(String(repeating: "a long paragraph ", count: 20) + "$5"))
    }
}

@Suite struct ListingExtractionTests {
    /// A listing is its items: every linked title (and summary) comes out, not only the one item
    /// whose summary wins the votes; a short story beside a month archive stays the story.
    @Test func aListingKeepsItsItemsTitles() throws {
        let items = (1...8).map { number in
            """
            <div class="post-item"><div class="entry-title"><a href="/news/story-\(number)">Headline number \(number) about the harbour works</a></div>
            <p>Summary \(number): the works continue this week.</p></div>
            """
        }.joined()
        let html = """
            <html><head><link rel="canonical" href="https://example.org/category/news/"></head><body>
            <nav><a href="/">Home</a> <a href="/about">About</a></nav><main><h1>News</h1>\(items)</main></body></html>
            """
        let document = try Cleaner(config: PipelineConfig()).clean(Data(html.utf8), format: HTMLFormat(), source: "t", headerCharset: nil)
        #expect(document.metadata.pageType == .listing)
        for number in 1...8 { #expect(document.text.contains("Headline number \(number) about the harbour works"), "\(document.text)") }
        #expect(!document.text.contains("About"))
    }
}
