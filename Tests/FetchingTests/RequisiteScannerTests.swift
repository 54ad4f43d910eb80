import Foundation
import Testing

@testable import Fetching

@Suite struct RequisiteScannerTests {
    // MARK: - CSS

    @Test func fontFaceSourcesWithFormatHintsAndLocalNames() {
        let css = """
            @font-face {
              font-family: "Noto Sans SC";
              src: url("../fonts/NotoSansSC.eot");
              src: local("Noto Sans SC"), local('NotoSansSC-Regular'),
                   url("../fonts/NotoSansSC.eot?#iefix") format("embedded-opentype"),
                   url('../fonts/NotoSansSC.woff2') format('woff2'),
                   url(../fonts/NotoSansSC.woff) format("woff"),
                   url( ../fonts/NotoSansSC.ttf )   format("truetype"),
                   url("../fonts/NotoSansSC.svg#NotoSansSC") format("svg");
              font-display: swap;
            }
            """
        #expect(
            RequisiteScanners.css(css).map(\.url) == [
                "../fonts/NotoSansSC.eot", "../fonts/NotoSansSC.eot?#iefix", "../fonts/NotoSansSC.woff2", "../fonts/NotoSansSC.woff",
                "../fonts/NotoSansSC.ttf", "../fonts/NotoSansSC.svg#NotoSansSC"
            ])
        #expect(RequisiteScanners.css(css).allSatisfy { !$0.isImport })
    }

    @Test func commentsHideTheirURLsAndStringsAreNotURLs() {
        let css = """
            /*!
             * Bootstrap v3.4.1 (https://getbootstrap.com/)
             * background: url(../img/old-sprite.png);
             */
            .glyphicon { font-family: 'Glyphicons Halflings'; }
            /* .hero { background-image: url("hero-old.jpg") } */
            .hero{background:#000 url(../img/hero.jpg) no-repeat center/cover}
            .btn:after{content:"url(not-a-url.png)";cursor:url(cursors/hand.cur),pointer}
            .icon{filter:url(#blur);mask:url( '#m' )}
            .dot{background-image:url("data:image/svg+xml;charset=utf8,%3Csvg xmlns='http://www.w3.org/2000/svg'%3E%3C/svg%3E")}
            .empty{background:url()} .empty2{background:url("")}
            .again{background:url('../img/hero.jpg')}
            """
        #expect(RequisiteScanners.css(css).map(\.url) == ["../img/hero.jpg", "cursors/hand.cur"])
    }

    @Test func importsInEachSpellingAreMarked() {
        let css = """
            @charset "utf-8";
            @import "reset.css";
            @import url("print.css") print;
            @IMPORT url(theme/dark.css) screen and (prefers-color-scheme: dark);
            @import /* the grid */ 'grid.css' layer(base) supports(display: grid);
            @namespace svg url(http://www.w3.org/2000/svg);
            body { background: url(bg.png); }
            """
        let found = RequisiteScanners.css(css)
        #expect(found.map(\.url) == ["reset.css", "print.css", "theme/dark.css", "grid.css", "bg.png"])
        #expect(found.map(\.isImport) == [true, true, true, true, false])
    }

    @Test func escapesAreDecoded() {
        let css = #"""
            .a{background:url("img/quote\"d.png")}
            .b{background:url(img/paren\).png)}
            .c{background:url(img\2f hex.png)}
            .d{background:url('img\2F\31 x.png')}
            .e{background:url("img/line\
            break.png")}
            """#
        #expect(
            RequisiteScanners.css(css).map(\.url) == [
                "img/quote\"d.png", "img/paren).png", "img/hex.png", "img/1x.png", "img/linebreak.png"
            ])
    }

    @Test func imageSetEntriesButNotTheirTypes() {
        let css = """
            .banner {
              background-image: url(banner.jpg);
              background-image: -webkit-image-set("banner.avif" type("image/avif") 1x, url(banner@2x.jpg) 2x);
              background-image: image-set('banner.webp' 1x, "banner@2x.webp" 2x, "data:image/png;base64,AAAA" 3x);
            }
            """
        #expect(
            RequisiteScanners.css(css).map(\.url) == ["banner.jpg", "banner.avif", "banner@2x.jpg", "banner.webp", "banner@2x.webp"])
    }

    @Test func badAndUnterminatedURLsAreDropped() {
        #expect(RequisiteScanners.css(".a{background:url(a b.png)} .b{background:url(ok.png)}").map(\.url) == ["ok.png"])
        #expect(RequisiteScanners.css(".a{background:url(ok.png)} .b{background:url(trunc").map(\.url) == ["ok.png"])
        #expect(RequisiteScanners.css(".a{background:url(ok.png)} .b{background:url('trunc").map(\.url) == ["ok.png"])
        #expect(RequisiteScanners.css("@import 'x.css';/* never closed url(y.png)").map(\.url) == ["x.css"])
        #expect(RequisiteScanners.css("a{b:url(\\").isEmpty)
    }

    @Test func styleAttributes() {
        #expect(RequisiteScanners.css("background-image: url('/static/img/课程封面.jpg'); color: red").map(\.url) == ["/static/img/课程封面.jpg"])
    }

    // MARK: - srcset

    @Test func srcsetDescriptors() {
        #expect(RequisiteScanners.srcset("a.jpg 1x, b.jpg 2x") == ["a.jpg", "b.jpg"])
        #expect(
            RequisiteScanners.srcset("  small.jpg 480w,\n\tmedium.jpg 800w , large.jpg 1200w ") == ["small.jpg", "medium.jpg", "large.jpg"])
        #expect(RequisiteScanners.srcset("only.jpg") == ["only.jpg"])
        #expect(RequisiteScanners.srcset("a.jpg,b.jpg 2x") == ["a.jpg,b.jpg"])
        #expect(RequisiteScanners.srcset("a.jpg, b.jpg,, c.jpg 3x,") == ["a.jpg", "b.jpg", "c.jpg"])
        #expect(RequisiteScanners.srcset("a.jpg 1x, a.jpg 1x") == ["a.jpg"])
        #expect(RequisiteScanners.srcset("x.jpg 100w (future, descriptor), y.jpg 2x") == ["x.jpg", "y.jpg"])
        #expect(RequisiteScanners.srcset("") == [])
        #expect(RequisiteScanners.srcset(" , ,") == [])
    }

    @Test func srcsetURLsWithCommas() {
        let value = """
            https://res.cloudinary.com/demo/image/upload/c_scale,w_200/sample.jpg 200w,
            https://res.cloudinary.com/demo/image/upload/c_scale,w_400/sample.jpg 400w,
            https://res.cloudinary.com/demo/image/upload/c_scale,w_800/sample.jpg 800w
            """
        #expect(
            RequisiteScanners.srcset(value) == [
                "https://res.cloudinary.com/demo/image/upload/c_scale,w_200/sample.jpg",
                "https://res.cloudinary.com/demo/image/upload/c_scale,w_400/sample.jpg",
                "https://res.cloudinary.com/demo/image/upload/c_scale,w_800/sample.jpg"
            ])
        #expect(RequisiteScanners.srcset("https://x/img,w_200/a.jpg,https://x/b.jpg 2x") == ["https://x/img,w_200/a.jpg,https://x/b.jpg"])
    }

    @Test func srcsetSkipsDataCandidates() {
        #expect(RequisiteScanners.srcset("data:image/gif;base64,R0lGODlhAQABAAAAACw= 1x, real@2x.png 2x") == ["real@2x.png"])
        #expect(RequisiteScanners.srcset("DATA:image/png;base64,iVBO 1x") == [])
    }

    // MARK: - Scripts

    @Test func dplayerConfig() {
        let script = """
            var player = new DPlayer({
                container: document.getElementById('dplayer'),
                autoplay: false,
                video: {url:'//vod.example.cn/2025/0411/lesson1.mp4', pic:'/img/poster.jpg', type: 'auto'},
                subtitle: {url: "subs/lesson1.zh.vtt", type: "webvtt"},
                danmaku: {api: 'https://api.example.cn/dplayer/'}
            });
            """
        #expect(RequisiteScanners.script(script) == ["//vod.example.cn/2025/0411/lesson1.mp4", "/img/poster.jpg", "subs/lesson1.zh.vtt"])
    }

    @Test func videoJSSourcesAndMimeStrings() {
        let script = """
            videojs('lesson', {
              poster: "./poster.webp",
              sources: [
                {src: "https://media.example.com/hls/lesson.m3u8", type: "application/x-mpegURL"},
                {src: "../media/lesson.MP4?v=3#t=10", type: "video/mp4"},
                {src: `https://media.example.com/dash/lesson.mpd`, type: 'application/dash+xml'}
              ]
            });
            if (name.endsWith('.mp4') || ext === ".m3u8" || mime == 'video/mp4' || mime == 'audio/mp4') { play(); }
            var base = "https://media.example.com/";  // no extension
            """
        #expect(
            RequisiteScanners.script(script) == [
                "./poster.webp", "https://media.example.com/hls/lesson.m3u8", "../media/lesson.MP4?v=3#t=10",
                "https://media.example.com/dash/lesson.mpd"
            ])
    }

    @Test func jsonEscapedURLs() {
        let json = #"""
            {"title":"第一课","hls":"https:\/\/cdn.example.com\/a\/master.m3u8?token=1","cover":"https:\u002F\u002Fcdn.example.com\u002Fc\u002F封面.jpg","bad":"javascript:play\u0028\u0029\/x.mp4"}
            """#
        #expect(
            RequisiteScanners.script(json) == ["https://cdn.example.com/a/master.m3u8?token=1", "https://cdn.example.com/c/封面.jpg"])
    }

    @Test func jsonInsideAStringLiteral() {
        let script = #"""
            window.__DATA__ = JSON.parse("{\"video\":{\"src\":\"https:\\/\\/v.example.cn\\/x\\/clip.mp4\",\"w\":640}}");
            """#
        #expect(RequisiteScanners.script(script) == ["https://v.example.cn/x/clip.mp4"])
    }

    @Test func refusedSchemesAndNonURLs() {
        let script = """
            a = "data:video/mp4;base64,AAAA.mp4"; b = 'blob:https://x.example/1.mp4'; c = "javascript:a/b.mp4";
            d = "mailto:a/b.mp4"; e = '.mp4'; f = "lesson.mp4"; g = "/"; h = 'https://host.example'; i = "//cdn.example.mp4";
            """
        #expect(RequisiteScanners.script(script) == [])
    }

    @Test func minifiedCodeDoesNotLoseStep() {
        // A regular expression with a quote in it, an apostrophe in a comment, an unclosed string: none may swallow what follows.
        let script = """
            e=e.replace(/'/g,"&#39;"),t={src:"/v/a.mp4"},n="it's",r='/v/b.webm';// don't
            var s = 'https://x.example.com/c.mp3', u = "Hello world", w = "/v/d.ogg";
            """
        #expect(RequisiteScanners.script(script) == ["/v/a.mp4", "/v/b.webm", "https://x.example.com/c.mp3", "/v/d.ogg"])
    }

    @Test func scriptDeduplicates() {
        #expect(RequisiteScanners.script("a('/v/x.mp4');b(\"/v/x.mp4\");c(`/v/x.mp4`)") == ["/v/x.mp4"])
    }

    // MARK: - Resolution

    @Test(arguments: [
        ("https://vod.example.cn/2025/0411/lesson1.mp4", "https://vod.example.cn/2025/0411/lesson1.mp4"),
        ("//vod.example.cn/a.mp4", "https://vod.example.cn/a.mp4"),
        ("/img/poster.jpg", "https://www.example.cn/img/poster.jpg"),
        ("poster.jpg", "https://www.example.cn/course/2025/poster.jpg"),
        ("../fonts/a.woff2", "https://www.example.cn/course/fonts/a.woff2"),
        ("./a/./b/../c.png", "https://www.example.cn/course/2025/a/c.png"),
        ("  \n a.png#frag \t", "https://www.example.cn/course/2025/a.png"),
        ("my lesson.mp4", "https://www.example.cn/course/2025/my%20lesson.mp4"),
        ("/图片/课程.jpg", "https://www.example.cn/%E5%9B%BE%E7%89%87/%E8%AF%BE%E7%A8%8B.jpg"),
        ("a%20b.png?x=1&y=%E4%B8%AD", "https://www.example.cn/course/2025/a%20b.png?x=1&y=%E4%B8%AD"),
        ("100%.png", "https://www.example.cn/course/2025/100%25.png"),
        ("a|b{c}[1].png", "https://www.example.cn/course/2025/a%7Cb%7Bc%7D%5B1%5D.png"),
        ("?page=2", "https://www.example.cn/course/2025/index.html?page=2"),
        ("HTTP://CDN.Example.COM/A.png", "http://cdn.example.com/A.png"),
        ("http://cdn.example.com/a/../b.png", "http://cdn.example.com/b.png"),
        ("\\static\\a.png", "https://www.example.cn/static/a.png"),
        ("https:cdn.example.com/a.png", "https://www.example.cn/course/2025/cdn.example.com/a.png"),
        ("http:cdn.example.com/a.png", "http://cdn.example.com/a.png"),
        ("http://[::1]:8080/a.png", "http://[::1]:8080/a.png")
    ])
    func resolves(raw: String, expected: String) throws {
        let base = try #require(URL(string: "https://www.example.cn/course/2025/index.html?x=1"))
        #expect(RequisiteScanners.resolve(raw, against: base) == expected)
    }

    @Test(arguments: [
        "", "   ", "#top", "javascript:void(0)", " JavaScript:alert(1)", "java\tscript:alert(1)", "data:image/png;base64,AAAA",
        "mailto:a@example.cn", "file:///etc/passwd", "blob:https://www.example.cn/1", "about:blank", "ftp://example.cn/a.png"
    ])
    func refuses(raw: String) throws {
        let base = try #require(URL(string: "https://www.example.cn/course/"))
        #expect(RequisiteScanners.resolve(raw, against: base) == nil)
    }

    @Test func relativeReferencesNeedAnHTTPBase() throws {
        let base = try #require(URL(string: "file:///tmp/page.html"))
        #expect(RequisiteScanners.resolve("a.png", against: base) == nil)
        #expect(RequisiteScanners.resolve("https://x.example.com/a.png", against: base) == "https://x.example.com/a.png")
    }

    // MARK: - Robustness

    @Test func arbitraryAndTruncatedInputDoesNotTrap() throws {
        var generator = SeededGenerator(seed: 0x5EED)
        let alphabet = Array(#"url(@import"'`\/*)#:;{}, 2fimage-set.mp4\u002F"#.utf8)
        let base = try #require(URL(string: "https://www.example.cn/a/b.html"))
        for round in 0..<400 {
            let length = Int.random(in: 0..<200, using: &generator)
            let bytes = (0..<length).map { _ in
                round.isMultiple(of: 2) ? UInt8.random(in: 0...255, using: &generator) : alphabet.randomElement(using: &generator)!
            }
            let text = String(decoding: bytes, as: UTF8.self)
            _ = RequisiteScanners.css(text)
            _ = RequisiteScanners.srcset(text)
            _ = RequisiteScanners.script(text)
            _ = RequisiteScanners.resolve(text, against: base)
        }
        let samples = [
            #"@font-face{src:url("a.woff2") format("woff2"),url(b\2f c.woff)}"#, #"a = {"u":"https:\/\/x\/v.mp4\u002F\uD83D\uDE00.png"};"#,
            "a.jpg 1x, https://x/img,w_200/a.jpg 200w (x, y)", #"\\\"'`\"#
        ]
        for sample in samples {
            let bytes = Array(sample.utf8)
            for end in 0...bytes.count {
                let text = String(decoding: bytes[..<end], as: UTF8.self)
                _ = RequisiteScanners.css(text)
                _ = RequisiteScanners.srcset(text)
                _ = RequisiteScanners.script(text)
                _ = RequisiteScanners.resolve(text, against: base)
            }
        }
    }

    @Test func aMegabyteOfInput() {
        let script = String(repeating: #"var a='x/y.mp4',b="\"",c=`/t/`+d; // it's /*"#, count: 24_000)
        #expect(script.utf8.count > 1_000_000)
        #expect(RequisiteScanners.script(script) == ["x/y.mp4"])
        let css = String(repeating: ".a{background:url(/img/a.png)} /* url(b.png) */ @import 'c.css'; ", count: 16_000)
        #expect(RequisiteScanners.css(css).map(\.url) == ["/img/a.png", "c.css"])
        let srcset = String(repeating: "https://x/img,w_200/a.jpg 200w, ", count: 32_000)
        #expect(RequisiteScanners.srcset(srcset) == ["https://x/img,w_200/a.jpg"])
        let quotes = String(repeating: "\"'`\\", count: 300_000)
        #expect(RequisiteScanners.script(quotes).isEmpty)
    }
}

/// A small deterministic generator (SplitMix64), so a failing round can be replayed.
private struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
