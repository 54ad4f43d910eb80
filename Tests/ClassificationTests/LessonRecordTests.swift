import CorpusKit
import Foundation
import TestSupport
import Testing

@testable import Classification
@testable import Cleaning

/// Every field of the records built from the seed documents, in each page shape.
@Suite struct LessonRecordTests {
    let config: CorpusConfig

    init() throws { config = try Fixtures.config() }

    func classify(_ relative: String) throws -> RecordContent {
        let format: any DocumentFormat = relative.hasSuffix(".txt") ? .text : .html
        return try ClassificationTests.classify(try Fixtures.data(relative), format: format, name: relative, config: config)
    }

    static let lesson1Shapes = ["seeds/000_cab2845c5521bb26.txt", "pages/lesson-1.wordpress.html"]
    static let lesson5Shapes = [
        "seeds/001_e888cff12df4c64b.txt", "pages/lesson-5.classic.html", "pages/lesson-5.news.html", "pages/lesson-5.noblank.txt"
    ]

    @Test(arguments: lesson1Shapes)
    func lessonOne(shape: String) throws {
        let record = try classify(shape)
        #expect(record.id == "lesson-1")
        #expect(record.kind == .lesson)
        #expect(record.series == SeriesInfo(name: "Digital China Construction Series", lesson: 1, of: 13))
        #expect(record.title == Bilingual(en: "Why Should We Accelerate Digital China Construction?", zh: "为什么要加快数字中国建设"))
        #expect(record.published == "2025-04-11")
        #expect(record.publisher == Bilingual(en: "Beijing Party Member Education Network", zh: "北京党员教育网"))
        #expect(
            record.video
                == VideoInfo(
                    speaker: Bilingual(en: "Beijing Guoheng Zhilin Cultural Communication Co., Ltd.", zh: "北京国恒智林文化传播有限公司"),
                    durationSeconds: 541))
        #expect(record.synopsis.en?.hasPrefix("Digital China construction covers multiple fields") == true)
        #expect(record.synopsis.zh?.hasPrefix("数字中国建设涵盖科技") == true)
        #expect(
            record.terms == [
                Term(en: "large-scale social system project", zh: "大规模的社会系统工程", footnote: 3),
                Term(en: "Chinese Style Modernization", zh: "中国式现代化", footnote: 4),
                Term(en: "National Governance System", zh: "国家治理体系", footnote: 5),
                Term(en: "Community of Common Destiny for Mankind", zh: "人类命运共同体", footnote: 6)
            ])
        #expect(record.transcript.count == 17)
        #expect(record.transcript.first?.at == "00:26")
        #expect(record.transcript.last?.at == "08:27")
        #expect(record.transcript.last?.seconds == 507)
        #expect(record.transcript.allSatisfy { $0.en != nil && $0.zh != nil })
        #expect(record.transcript[2].at == "01:23")
        #expect(record.footnotes.map(\.n) == [1, 2, 3, 4, 5, 6])
        #expect(record.footnotes[4].text == "Ibid 1")
        #expect(!record.footnotes.contains { $0.text.contains("↩") })
        #expect(record.topics.first == "overview")
        #expect(record.languages == ["en", "zh"])
        #expect(record.classification.evidence.contains("series boilerplate: A Series Roadmap"))
    }

    @Test(arguments: lesson5Shapes)
    func lessonFive(shape: String) throws {
        let record = try classify(shape)
        #expect(record.id == "lesson-5")
        #expect(record.kind == .lesson)
        #expect(record.series?.lesson == 5)
        #expect(record.title == Bilingual(en: "Develop Efficient and Collaborative Digital Government Affairs", zh: "发展高效协同的数字政务"))
        if shape.hasSuffix(".html") { #expect(record.headline == "Inside Digital China (5/13): Digital Government") }
        #expect(record.video?.durationSeconds == 536)
        #expect(
            record.terms == [
                Term(en: "National Governance System", zh: "国家治理体系", footnote: 1),
                Term(en: "Digital Government Affairs", zh: "数字政务", footnote: 2)
            ])
        #expect(record.transcript.count == 17)
        #expect(record.transcript.first?.at == "00:25")
        #expect(record.transcript.first?.en?.hasPrefix("The 2022 United Nations E-Government Survey Report") == true)
        #expect(record.transcript.first?.zh?.hasPrefix("2022联合国电子政务调查报告") == true)
        #expect(record.transcript.last?.at == "08:32")
        #expect(record.transcript.allSatisfy { $0.en != nil && $0.zh != nil })
        #expect(record.footnotes.map(\.n) == [1, 2])
        #expect(record.footnotes[0].text.hasPrefix("National Governance System (国家治理体系)."))
        #expect(record.topics.first == "digital-government")
    }

    @Test func lessonTwelveInWords() throws {
        let record = try classify("pages/lesson-12.words.txt")
        #expect(record.id == "lesson-12")
        #expect(record.series?.lesson == 12)
        #expect(record.title.en == "Build an Open and Win-Win Pattern of International Cooperation in the Digital Domain")
        #expect(record.title.zh == "构建开放共赢的数字领域国际合作格局")
        #expect(record.topics.first == "international-cooperation")
    }

    @Test func chineseOriginalIsLessonSource() throws {
        let record = try classify("pages/lesson-12-source.gb2312.html")
        #expect(record.id == "lesson-12-source")
        #expect(record.kind == .lessonSource)
        #expect(record.series?.lesson == 12)
        #expect(record.title.zh == "构建开放共赢的数字领域国际合作格局")
        #expect(record.published == "2025-04-11")
        #expect(record.publisher?.zh == "北京党员教育网")
        #expect(record.video == VideoInfo(speaker: Bilingual(en: nil, zh: "北京国恒智林文化传播有限公司"), durationSeconds: 553))
        #expect(record.synopsis.zh?.hasPrefix("构建开放共赢的数字领域国际合作格局") == true)
        #expect(record.transcript.map(\.at) == ["00:25", "01:02", "02:10"])
        #expect(record.transcript[1].zh?.contains("朱镕基") == true)
        #expect(record.languages == ["zh"])
        #expect(record.topics.first == "international-cooperation")
    }

    @Test(arguments: ["seeds/002_33b4e771621f73b9.txt", "pages/policy.wordpress.html"])
    func policyTranslation(shape: String) throws {
        let record = try classify(shape)
        #expect(record.kind == .policy)
        #expect(record.id == "policy-overall-layout-planning-digital-china-construction")
        #expect(record.title.en == "The Overall Layout Planning of Digital China Construction")
        #expect(record.series == nil)
        #expect(record.terms.isEmpty && record.transcript.isEmpty)
        #expect(record.topics.count >= 10, "policy topics: \(record.topics)")
        #expect(!record.text.contains("PHP Code Snippets"))
    }

    @Test func commentary() throws {
        let record = try classify("seeds/004_39c44c1376242463.txt")
        #expect(record.kind == .commentary)
        #expect(record.id == "commentary-promoting-construction-digital-china")
        #expect(record.title.en == "Promoting the Construction of Digital China")
        #expect(record.topics.contains("digital-security"))
        #expect(record.topics.contains("international-cooperation"))
    }

    @Test func unrelatedPageIsOther() throws {
        let html =
            "<html><head><title>Weather today</title></head><body><article><p>It will rain in the afternoon, and the wind will pick up by evening across the region.</p></article></body></html>"
        let document = try Cleaner(config: config.pipeline).clean(Data(html.utf8), format: .html, source: "w.html")
        let record = Classifier(config: config).classify(document, sourceName: "w.html")
        #expect(record.kind == .other)
        #expect(record.id == "other-weather-today")
        #expect(record.topics.isEmpty)
    }
}
