import CorpusKit
import Testing

@testable import Classification

@Suite struct ParserTests {
    @Test(arguments: [("一", 1), ("五", 5), ("十", 10), ("十一", 11), ("十二", 12), ("十三", 13), ("二十一", 21), ("12", 12), ("１２", 12)])
    func chineseNumerals(text: String, value: Int) {
        #expect(Numerals.chinese(text) == value)
    }

    @Test(arguments: ["", "百", "十十", "abc"])
    func notChineseNumerals(text: String) {
        #expect(Numerals.chinese(text) == nil)
    }

    @Test(arguments: [("One", 1), ("twelve", 12), ("Thirteen", 13), ("5", 5)])
    func englishNumerals(text: String, value: Int) {
        #expect(Numerals.english(text) == value)
    }

    @Test(arguments: [
        ("9:01 Minutes", 541), ("8:56", 536), ("09:13", 553), ("00:09:13", 553), ("时长:09:13", 553),
        ("1:02:03", 3723), ("9 minutes 1 second", 541), ("12 分钟", 720)
    ])
    func durations(text: String, seconds: Int) {
        #expect(Numerals.duration(text) == seconds)
    }

    @Test(arguments: ["", "soon", "8:75"])
    func notDurations(text: String) {
        #expect(Numerals.duration(text) == nil)
    }

    @Test(arguments: [
        ("0:25", "00:25", 25), ("00:25", "00:25", 25), ("1:26", "01:26", 86), ("03:01", "03:01", 181), ("1:02:03", "1:02:03", 3723)
    ])
    func timestamps(text: String, at: String, seconds: Int) {
        let parsed = Numerals.timestamp(text)
        #expect(parsed?.at == at)
        #expect(parsed?.seconds == seconds)
    }

    @Test(arguments: ["1:5", "a:bc", "10:60", "2023", "12:30:"])
    func notTimestamps(text: String) {
        #expect(Numerals.timestamp(text) == nil)
    }

    @Test(arguments: [
        ("Digital China Construction Series (Lesson 5 of 13): X", 5, 13), ("Inside Digital China (12/13): Y", 12, 13),
        ("Digital China Construction Series 5/13: Z", 5, 13), ("the series (Lesson Twelve): W", 12, 13),
        ("数字中国建设系列之五 发展高效协同的数字政务", 5, 13), ("数字中国建设系列之十二:构建", 12, 13), ("第十三讲 整体谋划", 13, 13)
    ])
    func lessonNumbers(line: String, lesson: Int, of: Int) {
        let mark = LessonFields.lessonNumber(lines: [Line(text: line, role: .paragraph, cells: [])])
        #expect(mark?.lesson == lesson)
        #expect(mark?.of == of)
    }

    @Test func fusedFootnoteDigitsAreSplitOff() {
        let terms = LessonFields.parseTerms([
            Line(
                text:
                    "Terminology shortlist with footnoted definitions: large-scale social system project1 (大规模的社会系统工程), National Governance System12 (国家治理体系), and Web 3.0 (第三代互联网).",
                role: .paragraph, cells: [])
        ])
        #expect(
            terms == [
                .init(en: "large-scale social system project", zh: "大规模的社会系统工程", footnote: 1),
                .init(en: "National Governance System", zh: "国家治理体系", footnote: 12),
                .init(en: "Web 3.0", zh: "第三代互联网", footnote: nil)
            ])
    }
}

/// The language evidence counted from bytes is what counting the text's scalars gives.
@Suite struct ScriptCountTests {
    @Test func bytesCountWhatScalarsCount() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [String] = [
            "a", "Z", "@", "[", "`", "{", "7", " ", "é", "数", "㐀", "鿿", "\u{20000}", "\u{2A6DF}", "\u{2A6E0}", "。", "ß", "😀", "\u{0}"
        ]
        for length in 0..<400 {
            let text = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }.joined()
            var latin = 0
            var han = 0
            for scalar in text.unicodeScalars {
                if scalar.value < 0x80 {
                    if (scalar.value | 0x20) >= 0x61 && (scalar.value | 0x20) <= 0x7A { latin += 1 }
                } else if Han.contains(scalar) {
                    han += 1
                }
            }
            let counted = Classifier.scriptCounts(SearchableText(lowercasing: text))
            #expect(counted.latin == latin && counted.han == han, "\(text)")
        }
    }
}
