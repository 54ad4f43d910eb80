import CorpusKit
import Foundation
import TestSupport
import Testing

@testable import Cleaning

/// The failure classes found on real pages nobody tuned the cleaner on (WCXB development
/// split), each with a small page written for it. The benchmark pages measure; these pin.
@Suite struct UnseenPageTests {
    let cleaner: Cleaner

    init() throws {
        cleaner = Cleaner(config: try Fixtures.config().pipeline)
    }

    func text(_ html: String) throws -> String {
        try cleaner.clean(Data(html.utf8), format: .html, source: "t.html").text
    }

    static let navigation = """
        <nav><ul><li><a href="/">Home</a></li><li><a href="/a">Products</a></li><li><a href="/b">Pricing</a></li></ul></nav>
        """
    static let footer = "<footer><p>Copyright Example Corp. Contact us at the address below, any time you like.</p></footer>"

    /// Broken markup (an unclosed `<div>` in the header) puts `<main>` inside `<header>`:
    /// the page's own main element is never furniture, nor is anything around it.
    @Test func mainInsideAHeaderIsStillTheContent() throws {
        let result = try text(
            """
            <html><body><header role="banner"><div class="menu-top"><button class="menu-button">Menu</button>
            <main id="main" role="main"><article class="article">
            <p>Digital marketing uses websites, apps, mobile devices and social media to reach customers, at a scale no print campaign had.</p>
            <p>It differs from traditional marketing in that results can be measured, campaign by campaign, almost as they happen.</p>
            </article></main></header>\(Self.footer)</body></html>
            """)
        #expect(result.contains("Digital marketing uses websites"))
        #expect(result.contains("results can be measured"))
        #expect(!result.contains("Copyright Example Corp"))
    }

    /// Streamed server rendering parks the page in `<div hidden>` until scripts swap it in.
    @Test func hiddenContentIsTakenWhenTheVisiblePageHasNone() throws {
        let paragraph = "The best tutorials explain one idea at a time, with examples, exercises and a summary at the end of each part. "
        let result = try text(
            """
            <html><body><div id="shell"><p>Loading…</p></div>
            <div hidden id="S:0"><main><h2>Tutorials worth your time</h2>
            <p>\(paragraph)</p><p>\(paragraph.uppercased())</p><p>\(paragraph.lowercased())</p><p>\(paragraph)</p>
            <p>\(paragraph)</p><p>\(paragraph)</p></main></div>
            </body></html>
            """)
        #expect(result.contains("Tutorials worth your time"))
        #expect(result.contains("The best tutorials explain one idea"))
    }

    /// …but a hidden menu or dialog beside a visible article stays out.
    @Test func hiddenFurnitureStaysOutWhenTheVisiblePageHasContent() throws {
        let result = try text(
            """
            <html><body><div class="dialog" style="display: none"><p>Sign up for our newsletter to receive the best offers, every single week, straight to your inbox.</p></div>
            <article><p>The visible article is long enough to be the content, with commas, clauses, and a point to make.</p>
            <p>A second paragraph of the visible article, with more to say about the matter at hand, at some length.</p></article>
            </body></html>
            """)
        #expect(result.contains("The visible article"))
        #expect(!result.contains("Sign up for our newsletter"))
    }

    /// Forum software serves its crawler view inside `<noscript>`; the script view is empty.
    @Test func noscriptCrawlerViewIsTheContentOfAnEmptyPage() throws {
        let result = try text(
            """
            <html><body><div id="app"></div><noscript data-path="/t/agents-crashing/7798">
            <div id="main-outlet" class="wrap">
            <div class="topic-body crawler-post"><div class="post" itemprop="text"><p>We run the business plan and have multiple nodes; since the update, several agents crash within minutes of starting.</p></div></div>
            <div class="topic-body crawler-post"><div class="post" itemprop="text"><p>Same here, on two of our servers. Rolling back to the previous version fixed it for us, for now at least.</p></div></div>
            <div class="topic-body crawler-post"><div class="post" itemprop="text"><p>A fix is in the nightly build; please try it and tell us whether the crash is gone on your nodes.</p></div></div>
            </div></noscript></body></html>
            """)
        #expect(result.contains("several agents crash"))
        #expect(result.contains("Rolling back to the previous version"))
        #expect(result.contains("A fix is in the nightly build"))
    }

    /// On a forum the posts are the content, though each is called a "comment" or "reply".
    @Test func forumPostsNamedCommentsAreKept() throws {
        var posts = ""
        for index in 1...5 {
            posts += """
                <div class="comment-item"><div class="comment-meta"><a href="/u/\(index)">user\(index)</a></div>
                <div class="comment-body"><p>Post number \(index): I tried the configuration you suggested, and it works, but the automation fires twice when the sensor reports twice.</p></div></div>
                """
        }
        let result = try text(
            "<html><body>\(Self.navigation)<div class=\"thread\"><h1>Automation fires twice</h1>\(posts)</div>\(Self.footer)</body></html>")
        for index in 1...5 {
            #expect(result.contains("Post number \(index):"), "post \(index) missing")
        }
        #expect(!result.contains("Copyright Example Corp"))
    }

    /// The posts of a thread are siblings of one class (alternating row classes after it): the
    /// article is the thread, not the longest post.
    @Test func repeatedPostsAreOneArticle() throws {
        var posts = ""
        for index in 1...4 {
            let text = String(
                repeating: "Reply \(index) explains, at some length and with commas, what changed in the kernel. ",
                count: index == 2 ? 6 : 2)
            posts += """
                <div class="blockpost \(index % 2 == 0 ? "roweven" : "rowodd")"><div class="box"><div class="inbox">
                <div class="postleft"><a href="/profile/\(index)">member\(index)</a></div>
                <div class="postright"><div class="postmsg"><p>\(text)</p></div></div></div></div></div>
                """
        }
        let result = try text("<html><body>\(Self.navigation)<div id=\"brdmain\">\(posts)</div>\(Self.footer)</body></html>")
        for index in 1...4 {
            #expect(result.contains("Reply \(index) explains"), "reply \(index) missing")
        }
    }

    /// A landing page: many short sections (headings, one-line pitches, lists), none of which
    /// wins alone. The article is what holds most of the page's text, not its longest section.
    @Test func landingPageOfShortSectionsIsKeptWhole() throws {
        var sections = ""
        for (index, topic) in ["Deploy", "Scale", "Monitor", "Secure", "Support"].enumerated() {
            sections += """
                <section class="feature-\(index)"><div class="inner"><h2>\(topic) in minutes</h2>
                <p>\(topic) your apps with one click, from any region.</p>
                <ul><li>No servers to manage</li><li>Predictable pricing</li></ul></div></section>
                """
        }
        let result = try text("<html><body>\(Self.navigation)<div class=\"layout\">\(sections)</div>\(Self.footer)</body></html>")
        for topic in ["Deploy", "Scale", "Monitor", "Secure", "Support"] {
            #expect(result.contains("\(topic) in minutes"), "\(topic) section missing")
            #expect(result.contains("\(topic) your apps with one click"))
        }
        #expect(result.contains("Predictable pricing"))
        #expect(!result.contains("Copyright Example Corp"))
        #expect(!result.contains("Pricing\n"))
    }

    /// Inside `<main>`, headings, lists, tables and definition lists are content, and the main
    /// element, not one section of it, bounds the article.
    @Test func mainElementBoundsTheArticleWithItsListsAndTables() throws {
        let result = try text(
            """
            <html><body>\(Self.navigation)<main class="content">
            <section class="intro"><h1>Project management certificate</h1>
            <p>Learn to plan, run and close projects of any size, with tools that employers ask for, in six courses.</p></section>
            <section class="courses"><h2>Courses</h2><ul><li>Project fundamentals</li><li>Risk and quality</li><li>Agile delivery</li></ul></section>
            <section class="fees"><h2>Fees</h2><table><tr><th>Course</th><th>Fee</th></tr><tr><td>Each course</td><td>$695</td></tr></table></section>
            <section class="terms"><dl><dt>Format</dt><dd>Online, at your own pace</dd><dt>Length</dt><dd>Nine months</dd></dl></section>
            </main>\(Self.footer)</body></html>
            """)
        for needle in [
            "Learn to plan, run and close projects", "Courses", "Risk and quality", "Each course", "$695", "Online, at your own pace",
            "Nine months"
        ] {
            #expect(result.contains(needle), "missing \(needle)")
        }
        #expect(!result.contains("Copyright Example Corp"))
    }

    /// When the markup holds only a teaser and JSON-LD carries the whole article body, the
    /// JSON-LD text wins.
    @Test func jsonLDArticleBodyWhenTheMarkupHasLittle() throws {
        let body = (1...6).map { "Paragraph \($0) of the article body, which the page renders with scripts from its structured data." }
            .joined(separator: "\\n")
        let result = try text(
            """
            <html><head><script type="application/ld+json">{"@context":"https://schema.org","@type":"Article","headline":"H","articleBody":"\(body)"}</script></head>
            <body><div class="teaser"><p>Read the full story in our app.</p></div></body></html>
            """)
        for index in 1...6 { #expect(result.contains("Paragraph \(index) of the article body")) }
    }

    /// A page whose every block sits in furniture still gives its text, not "no text content found".
    @Test func pageOfFurnitureOnlyFallsBackToItsText() throws {
        let result = try text(
            """
            <html><body><aside><p>Opening hours: Monday to Friday, nine to five.</p></aside>
            <footer><p>Call us on 555 0100 for an appointment.</p></footer></body></html>
            """)
        #expect(result.contains("Opening hours"))
        #expect(result.contains("Call us on 555 0100"))
    }

    /// Reference pages link their headings to themselves and their terms to their own pages: a
    /// heading or a definition term is content however much of it is a link.
    @Test func linkedHeadingsAndDefinitionTermsAreKept() throws {
        let result = try text(
            """
            <html><body>\(Self.navigation)<main><h1>WebSocket</h1>
            <p>The WebSocket object provides the API for creating and managing a connection to a server, and for sending data on it.</p>
            <h2 id="properties"><a href="#properties">Instance properties</a></h2>
            <dl><dt><a href="/binaryType"><code>WebSocket.binaryType</code></a></dt><dd>The binary data type used by the connection.</dd>
            <dt><a href="/url"><code>WebSocket.url</code></a></dt><dd>The absolute URL of the WebSocket.</dd></dl>
            <h2 id="methods"><a href="#methods">Instance methods</a></h2>
            <dl><dt><a href="/close"><code>WebSocket.close()</code></a></dt><dd>Closes the connection.</dd></dl>
            </main>\(Self.footer)</body></html>
            """)
        for needle in [
            "Instance properties", "WebSocket.binaryType", "The binary data type", "WebSocket.url", "Instance methods", "WebSocket.close()"
        ] {
            #expect(result.contains(needle), "missing \(needle)")
        }
        #expect(!result.contains("Products"))
    }
}
