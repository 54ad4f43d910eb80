import CorpusKit
import Foundation
import Testing

@testable import Cleaning

@Suite struct CharsetTests {
    let cleaner = Cleaner(config: PipelineConfig())

    func page(head: String, body: String) -> String {
        "<html><head>\(head)</head><body><article><p>\(body)</p><p>\(body)</p></article></body></html>"
    }

    /// The validator that spares a page a String copy agrees with the standard library's on
    /// every boundary case (overlong forms, surrogates, past U+10FFFF, truncated sequences,
    /// stray continuation bytes) and on random bytes around them.
    @Test func theCopyFreeUTF8CheckAgreesWithTheStandardLibrary() {
        let cases: [[UInt8]] = [
            [], Array("plain ascii, long enough to take the eight-byte path".utf8), Array("中文 and é".utf8),
            [0xC0, 0x80], [0xC1, 0xBF], [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0x9F, 0xBF], [0xE0, 0xA0, 0x80],
            [0xED, 0x9F, 0xBF], [0xED, 0xA0, 0x80], [0xEF, 0xBF, 0xBF], [0xF0, 0x8F, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80],
            [0xF4, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF], [0x80], [0xE4, 0xB8],
            [0xF0, 0x9F, 0x98], Array("12345678".utf8) + [0xE4, 0xB8, 0xAD] + Array("12345678".utf8) + [0xE4]
        ]
        var generator = SystemRandomNumberGenerator()
        var random: [[UInt8]] = []
        for _ in 0..<3000 {
            var bytes = Array("prefix text ".utf8)
            for _ in 0..<Int.random(in: 0...12, using: &generator) {
                bytes.append(Bool.random(using: &generator) ? UInt8.random(in: 0x20...0x7E) : UInt8.random(in: 0x80...0xFF))
            }
            random.append(bytes)
        }
        for bytes in cases + random {
            let expected = String(validating: bytes, as: UTF8.self) != nil
            #expect(bytes.withUnsafeBytes(Charset.isValidUTF8) == expected, "\(bytes)")
        }
    }

    /// The date matchers replace two regular expressions; on random text built from digits of
    /// several scripts, both separators, month names and every kind of space they must find
    /// what ICU finds, where it finds it.
    @Test func handWrittenDateMatchersAgreeWithTheRegularExpressions() throws {
        let numeric = try NSRegularExpression(pattern: "(\\d{4})[-年./](\\d{1,2})[-月./](\\d{1,2})")
        let month = try NSRegularExpression(
            pattern: "(January|February|March|April|May|June|July|August|September|October|November|December)\\s+\\d{1,2},\\s*\\d{4}")
        let pieces = [
            "2", "0", "25", "4", "11", "123", "２", "０", "٣", "𝟘", "-", "年", "月", "日", ".", "/", ",", " ", "  ", "\t", "\n",
            "\u{0B}", "\u{85}", "\u{A0}", "\u{3000}", "\u{2028}", "April", "May", "Mayday", "december", "Posted ", "x", "中"
        ]
        var generator = SystemRandomNumberGenerator()
        var texts = ["2025-04-11", "发布时间：2025年4月11日 来源", "2025-123-4", "12025-04-111", "April 11, 2025", "May 1,2025"]
        texts += ["April  11 ,2025", "On April\u{3000}1, \n２０２５", "2025/4/1", "٢٠٢٥.٤.١"]
        // ICU's \s is Unicode's White_Space: NEL and the vertical tab too (random texts found both).
        texts += ["May\u{3000}2,\u{85}2025", "April\u{0B}1, 2025"]
        for _ in 0..<4000 {
            texts.append((0..<Int.random(in: 0...14, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined())
        }
        for text in texts {
            let range = NSRange(text.startIndex..., in: text)
            let expected = numeric.firstMatch(in: text, range: range).map { match in
                (1...3).map { Range(match.range(at: $0), in: text)! }
            }
            #expect(DatePatterns.numericDate(in: text) == expected, "\(Array(text.unicodeScalars))")
            #expect(
                DatePatterns.containsMonthDate(text) == (month.firstMatch(in: text, range: range) != nil),
                "\(Array(text.unicodeScalars))")
        }
    }

    /// The extractor measures every block from its UTF-8 bytes; it must count as decoding the
    /// scalars does: CJK and later threefold, white space (ASCII and Unicode) not at all.
    @Test func blockLengthsFromBytesAgreeWithScalars() {
        func reference(_ text: String) -> (weight: Int, scalars: Int) {
            var weight = 0
            for scalar in text.unicodeScalars where scalar.value >= 0x2E80 || !TextNormalizer.isSpace(scalar) {
                weight += scalar.value >= 0x2E80 ? 3 : 1
            }
            return (weight, text.unicodeScalars.count)
        }
        let alphabet: [Unicode.Scalar] = [
            "a", "Z", " ", "\t", "\n", "\r", "\u{0C}", "\u{A0}", "é", "\u{1680}", "\u{2000}", "\u{200A}", "\u{200B}",
            "\u{2028}", "\u{202F}", "\u{205F}", "\u{2E7F}", "\u{2E80}", "\u{3000}", "中", "\u{FFFD}", "😀", "\u{10FFFF}",
            "\u{01}", "\u{1F}", "!", "~", "\u{7F}", "@", "`"
        ]
        var generator = SystemRandomNumberGenerator()
        var texts = ["", "plain", "数字中国 Digital China"]
        for _ in 0..<2000 {
            var scalars = String.UnicodeScalarView()
            // Long ASCII runs too: they are measured eight bytes at a time.
            let ascii = Bool.random(using: &generator)
            for _ in 0..<Int.random(in: 0...40, using: &generator) {
                let scalar = alphabet.randomElement(using: &generator)!
                scalars.append(ascii && scalar.value > 0x7F ? "a" : scalar)
            }
            texts.append(String(scalars))
        }
        for text in texts {
            let (weight, scalars) = HTMLExtractor.measure(text)
            let expected = reference(text)
            #expect(weight == expected.weight && scalars == expected.scalars, "\(Array(text.unicodeScalars))")
        }
    }

    @Test func utf8WithDeclaration() throws {
        let bytes = Data(
            page(
                head: "<meta charset=\"utf-8\"><title>t</title>", body: "数字中国建设 Digital China construction, a long paragraph of text here."
            ).utf8)
        let document = try cleaner.clean(bytes, format: .html, source: "t.html")
        #expect(document.charset == .utf8)
        #expect(document.charsetEvidence == .meta)
        #expect(document.text.contains("数字中国建设 Digital China"))
    }

    @Test func utf8WithoutDeclarationIsSniffed() throws {
        let bytes = Data(page(head: "<title>无声明</title>", body: "数字中国建设涵盖科技、经济、政治、文化、社会、生态、安全等多个领域").utf8)
        let document = try cleaner.clean(bytes, format: .html, source: "t.html")
        #expect(document.charset == .utf8)
        #expect(document.charsetEvidence == .sniffed)
        #expect(document.text.contains("安全等多个领域"))
    }

    @Test func gbkMetaDecodesAsGB18030() throws {
        let html = page(
            head: "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gbk\"><title>标题</title>",
            body: "数字政务建设,朱镕基与陶喆。后面还有很多内容不能丢失。")
        let bytes = try #require(Self.gb18030(html))
        let document = try cleaner.clean(bytes, format: .html, source: "t.html")
        #expect(document.charset == .gb18030)
        #expect(document.text.contains("朱镕基与陶喆。后面还有很多内容不能丢失。"))
    }

    @Test func gb2312HttpEquivWithGBKOnlyCharactersKeepsTheWholePage() throws {
        let html = page(
            head: "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\"><title>标题</title>",
            body: "开头。朱镕基同志强调开放,陶喆参与文化交流。结尾的句子必须保留下来。")
        let bytes = try #require(Self.gb18030(html))
        let document = try cleaner.clean(bytes, format: .html, source: "t.html")
        #expect(document.charset == .gb18030)
        #expect(document.text.contains("结尾的句子必须保留下来。"))
        #expect(document.text.contains("镕"))
        #expect(document.text.contains("喆"))
    }

    @Test func metaAfterAChineseTitleIsStillFound() throws {
        let html =
            "<html><head><title>数字中国建设系列之五</title><meta charset=\"gb2312\"></head><body><div><p>数字政务的服务对象是人民,要把满足人民群众对美好生活的向往作为出发点和落脚点。</p></div></body></html>"
        let bytes = try #require(Self.gb18030(html))
        let document = try cleaner.clean(bytes, format: .html, source: "t.html")
        #expect(document.charset == .gb18030)
        #expect(document.charsetEvidence == .meta)
        #expect(document.metadata.title == "数字中国建设系列之五")
        #expect(document.text.contains("数字政务的服务对象是人民"))
    }

    /// A page decoded and saved again as UTF-8 keeps its old GB label: read as UTF-8, not refused
    /// (its bytes are not GB18030) and not turned into mojibake.
    @Test func aStaleGBLabelOnUTF8BytesGivesWay() throws {
        let html = page(
            head: "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\"><title>数字中国</title>",
            body: "数字中国建设涵盖科技、经济、政治、文化、社会、生态、安全等多个领域。")
        let document = try cleaner.clean(Data(html.utf8), format: .html, source: "t.html")
        #expect(document.charset == .utf8)
        #expect(document.charsetEvidence == .sniffed)
        #expect(document.metadata.title == "数字中国")
        #expect(document.text.contains("安全等多个领域。"))
        let byHeader = try cleaner.clean(Data(html.utf8), format: .html, source: "t.html", headerCharset: "gbk")
        #expect(byHeader.charset == .utf8)
        #expect(byHeader.text == document.text)
        // A text file with the same history.
        let text = try cleaner.clean(Data("数字经济蓬勃发展,深刻改变着人类生产生活方式。".utf8), format: .text, source: "t.txt", headerCharset: "gb2312")
        #expect(text.charset == .utf8)
        #expect(text.text.contains("深刻改变着"))
    }

    /// The same for a server's default ISO-8859-1 on a UTF-8 page; below eight bytes above ASCII
    /// the label stands (too little to overrule it).
    @Test func aLatinLabelGivesWayOnlyToUTF8BeyondDoubt() throws {
        let long = page(head: "<meta charset=\"iso-8859-1\"><title>t</title>", body: "Le café crème coûte déjà trois euros à Genève.")
        let document = try cleaner.clean(Data(long.utf8), format: .html, source: "t.html")
        #expect(document.charset == .utf8)
        #expect(document.text.contains("Le café crème coûte déjà trois euros à Genève."))
        let short = "<html><head><meta charset=\"iso-8859-1\"></head><body><p>A café in Genève sells coffee and cake.</p></body></html>"
        let kept = try cleaner.clean(Data(short.utf8), format: .html, source: "t.html")
        #expect(kept.charset == .windows1252)
        #expect(kept.charsetEvidence == .meta)
    }

    @Test func headerCharsetOverridesMeta() throws {
        let html = page(head: "<meta charset=\"utf-8\"><title>t</title>", body: "数字经济蓬勃发展,深刻改变着人类生产生活方式。")
        let bytes = try #require(Self.gb18030(html))
        let document = try cleaner.clean(bytes, format: .html, source: "t.html", headerCharset: "gb2312")
        #expect(document.charset == .gb18030)
        #expect(document.charsetEvidence == .header)
        #expect(document.text.contains("深刻改变着人类生产生活方式"))
    }

    @Test func undeclaredGBKIsSniffed() throws {
        let html = page(head: "<title>数字中国</title>", body: "数字中国建设涵盖科技、经济、政治、文化、社会、生态、安全等多个领域,涉及大数据、云计算。")
        let bytes = try #require(Self.gb18030(html))
        let document = try cleaner.clean(bytes, format: .html, source: "t.html")
        #expect(document.charset == .gb18030)
        #expect(document.charsetEvidence == .sniffed)
        #expect(document.text.contains("涉及大数据、云计算"))
    }

    @Test func undeclaredLatinFallsBackToWindows1252() throws {
        var bytes = Data("<html><body><p>Caf".utf8)
        bytes.append(0xE9)
        bytes.append(
            contentsOf: Array(" au lait, na".utf8) + [0xEF] + Array("ve \u{22}smart quotes\u{22} are ".utf8) + [0x93, 0x41, 0x94]
                + Array(" and more text here.</p></body></html>".utf8))
        let document = try cleaner.clean(bytes, format: .html, source: "t.html")
        #expect(document.charset == .windows1252)
        #expect(document.text.contains("Café au lait, naïve"))
        #expect(document.text.contains("“A”"))
    }

    /// A character cut in two (an old system truncated a title by bytes) in a long GB page: it
    /// becomes U+FFFD where it stands and the whole page is read, declared or sniffed.
    @Test func aCutCharacterInALongGBPageIsMended() throws {
        let sentence = "数字中国建设涵盖科技、经济、政治、文化、社会、生态、安全等多个领域。"
        let before = try #require(Self.gb18030("<html><head><title>数字中国</title></head><body><div><p>标题截断"))
        let after = try #require(
            Self.gb18030(" 之后的内容。</p>" + (1...40).map { "<p>第\($0)段：\(sentence)</p>" }.joined() + "</div></body></html>"))
        let cut = before + Data([0xB0]) + after
        for head in ["<meta charset=\"gb2312\">", ""] {
            let bytes = head.isEmpty ? cut : try #require(Self.gb18030(head)) + cut
            let document = try cleaner.clean(bytes, format: .html, source: "t.html")
            #expect(document.charset == .gb18030)
            #expect(document.text.contains("标题截断\u{FFFD} 之后的内容。"), "\(document.text.prefix(200))")
            #expect(document.text.contains("第40段：数字中国建设"))
        }
    }

    /// The same for a stray byte in a long page declared UTF-8.
    @Test func aStrayByteInALongUTF8PageIsMended() throws {
        var bytes = Data("<html><head><meta charset=\"utf-8\"></head><body><div><p>Before the stray byte ".utf8)
        bytes.append(0xA0)
        bytes.append(contentsOf: Array("after it.</p>".utf8))
        bytes.append(contentsOf: Array((1...40).map { "<p>Paragraph \($0): the rest of the page is read.</p>" }.joined().utf8))
        bytes.append(contentsOf: Array("</div></body></html>".utf8))
        let document = try cleaner.clean(bytes, format: .html, source: "t.html")
        #expect(document.charset == .utf8)
        #expect(document.text.contains("Before the stray byte \u{FFFD}after it."))
        #expect(document.text.contains("Paragraph 40: the rest"))
    }

    /// Many sequences that do not decode mean the label is wrong: an error with the first offset.
    @Test func manyUndecodableSequencesAreStillAnError() throws {
        let prefix = Data("<html><head><meta charset=\"gbk\"></head><body><p>".utf8)
        var bytes = prefix
        for _ in 0..<200 { bytes.append(contentsOf: Array("Caf".utf8) + [0xE9, 0x20]) }
        bytes.append(contentsOf: Array("</p></body></html>".utf8))
        #expect(throws: CorpusError(file: "t.html", stage: .decode, reason: "invalid GB18030 sequence at byte offset \(prefix.count + 3)"))
        {
            try cleaner.clean(bytes, format: .html, source: "t.html")
        }
    }

    @Test func invalidBytesInDeclaredUTF8AreAnErrorWithTheOffset() throws {
        var bytes = Data("<html><head><meta charset=\"utf-8\"></head><body><p>abc".utf8)
        let offset = bytes.count
        bytes.append(contentsOf: [0xC3, 0x28])
        bytes.append(contentsOf: Array("def</p></body></html>".utf8))
        #expect(throws: CorpusError(file: "t.html", stage: .decode, reason: "invalid UTF-8 at byte offset \(offset)")) {
            try cleaner.clean(bytes, format: .html, source: "t.html")
        }
    }

    @Test(arguments: ["gb2312", "GBK", "x-gbk", "chinese", "csgb2312", "gb_2312-80", "GB18030", " gb2312 "])
    func everyGBLabelIsGB18030(label: String) {
        #expect(Charset.from(label: label) == .gb18030)
    }

    /// The meta scan's shapes: either attribute in any case, spaces around "=", quotes of
    /// either kind with padding, unquoted values ending at ";" or "/", names that merely end
    /// like the attribute (`data-charset`, `xcharset`), a value missing after "=", and
    /// letters beyond ASCII inside the tag.
    @Test(
        arguments: [
            ("<meta charset=\"utf-8\">", .utf8), ("<META CHARSET = ' GBK\t' >", .gb18030),
            ("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">", .gb18030),
            ("<meta content='text/html;charset=Big5;x' http-equiv='content-type'>", .big5),
            ("<meta data-charset=\"big5\" xcharset=big5><meta charset=utf-8/>", .utf8),
            ("<meta name=\"说明\" content=\"数字\"><meta charset=euc-jp;x>", .eucJP),
            ("<meta charset=>", nil), ("<metacharset=utf-8>", .utf8), ("<p charset=gbk>", nil)
        ] as [(String, Charset?)])
    func theMetaDeclarationIsReadFromBytes(tag: String, charset: Charset?) {
        #expect(Charset.metaLabel(Data(("<html><head>" + tag + "</head>").utf8)).flatMap { Charset.from(label: $0) } == charset)
    }

    @Test func textInAnUnknownEncodingIsRejected() {
        let bytes = Data([0x48, 0x65, 0x6C, 0x6C, 0xE9, 0xFF, 0xFE, 0x20, 0x41, 0x42, 0x80, 0x81, 0x0A])
        #expect(throws: CorpusError.self) { try cleaner.clean(bytes, format: .text, source: "t.txt") }
    }

    static func gb18030(_ text: String) -> Data? {
        let converter = iconv_open("GB18030", "UTF-8")
        defer { iconv_close(converter) }
        var input = Array(text.utf8).map { CChar(bitPattern: $0) }
        var output = [CChar](repeating: 0, count: input.count * 2 + 16)
        let produced: Int? = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                var inPointer = inBuffer.baseAddress
                var inLeft = inBuffer.count
                var outPointer = outBuffer.baseAddress
                var outLeft = outBuffer.count
                guard iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft) != -1 else { return nil }
                return outBuffer.count - outLeft
            }
        }
        guard let produced else { return nil }
        return Data(output[0..<produced].map { UInt8(bitPattern: $0) })
    }
}
