import CorpusKit
import Foundation
import TestSupport
import Testing

@testable import Classification
@testable import Cleaning

/// The corpus's genre beyond the series, on plain-text copies of pages (the shape a saved or
/// copied page takes): policy texts and their releases, news and commentary about them, a site's
/// own pages; their headlines, dates and topics.
@Suite struct GenreTests {
    let config: CorpusConfig

    init() throws { config = try Fixtures.config() }

    func classify(_ text: String) throws -> RecordContent {
        try ClassificationTests.classify(Data(text.utf8), format: .text, name: "page.txt", config: config)
    }

    static let body =
        "The plan calls for digital infrastructure, a data resource system and the integration of the digital economy with the real economy. "

    @Test func aTranslationOfAPlanIsPolicyWithItsDateAndTopics() throws {
        let record = try classify(
            """
            Translation: ‘Plan for the Overall Layout of Building a Digital China’

            March 3, 2023

            The CPC Central Committee and the State Council recently issued the “Plan for the Overall Layout of Building a Digital China” (hereafter, the “Plan”) and issued a notice requiring all regions and departments to carry it out.

            \(String(repeating: Self.body, count: 4))
            """)
        #expect(record.kind == .policy)
        #expect(record.classification.evidence.contains("headline: Translation:"))
        #expect(record.title.en == "Translation: ‘Plan for the Overall Layout of Building a Digital China’")
        #expect(record.published == "2023-03-03")
        #expect(record.topics.contains("digital-infrastructure"))
    }

    @Test func newsAboutThePlanIsCommentaryAndItsHeadlineIsNotTheSiteOrTheDate() throws {
        let record = try classify(
            """
            laitimes

            2026-03-09

            China unveils plan to promote digital development

            China has rolled out a plan for the overall layout of the country's digital development, according to the plan released on Monday by the Communist Party of China Central Committee and the State Council.

            \(String(repeating: Self.body, count: 4))
            """)
        #expect(record.kind == .commentary)
        #expect(record.title.en == "China unveils plan to promote digital development")
        #expect(record.published == "2026-03-09")
        #expect(!record.topics.isEmpty)
    }

    @Test func aSitesOwnPageIsOtherAndItsMottoIsNotItsTitle() throws {
        let record = try classify(
            """
            Digital China Wins the Future

            Illuminating "Digital China" with original Chinese-language sources

            Bibliography Chinese

            This bibliography lists Chinese-language research on Digital China (数字中国), the digital economy and the data resource system published in the People's Republic of China, with notes on each.
            """)
        #expect(record.kind == .other)
        #expect(record.title.en == "Bibliography Chinese")
    }

    @Test func aTraditionalCharacterReprintWithPinyinGlossesIsStillAboutTheSubject() throws {
        let record = try classify(
            """
            新華社北京1月12日電 國務(wù)院日前印發(fā)《“十四五”數(shù)字經(jīng)濟(jì)發(fā)展規(guī)劃》(以下簡稱《規(guī)劃》),明確了推動數(shù)字經(jīng)濟(jì)健康發(fā)展的指導(dǎo)思想、基本原則、發(fā)展目標(biāo)、重點任務(wù)和保障措施。

            《規(guī)劃》提出,到2025年,數(shù)字經(jīng)濟(jì)邁向全面擴(kuò)展期,數(shù)據(jù)要素市場體系初步建立,數(shù)字基礎(chǔ)設(shè)施加快建設(shè),產(chǎn)業(yè)數(shù)字化轉(zhuǎn)型邁上新臺階,數(shù)字產(chǎn)業(yè)化水平顯著提升,數(shù)字化公共服務(wù)更加普惠均等,數(shù)字經(jīng)濟(jì)治理體系更加完善,各地區(qū)各部門要結(jié)合實際認(rèn)真貫徹落實。
            """)
        #expect(record.kind == .policy)
        #expect(record.topics.first == "digital-economy")
    }

    @Test func aChineseFooterGivesThePageItsDate() throws {
        let record = try classify(
            """
            数字中国建设取得积极进展

            记者从国家数据局获悉,为贯彻落实党中央、国务院关于建设数字中国的重要部署,国家数据局发布报告,专家认为,数字经济、数据资源体系和数字基础设施建设成效明显,数字政务服务更加便捷,数据要素市场加快培育。各地推进数字化转型,算力网络加快布局,数据安全保障能力持续提升。

            2024-04-10 11:25:20 来源: 人民网
            """)
        #expect(record.kind == .commentary)
        #expect(record.published == "2024-04-10")
        #expect(record.title.zh == "数字中国建设取得积极进展")
    }

    @Test func aCitationsDateIsNotACommentarysOwn() throws {
        let record = try classify(
            """
            “Whoever can better seize the general trend of digitalization will be able to win the new omnidirectional competition of comprehensive national power.”

            “Digital China Wins the Future 数字中国赢在未来,” Outlook Weekly 瞭望, Issue 2022-08, February 21, 2022

            \(String(repeating: "Digital China is the Communist Party of China's strategy for the digital age; this post reads the Outlook Weekly piece and what it says about the digital economy and data resources. ", count: 5))
            """)
        #expect(record.kind == .commentary)
        #expect(record.published == nil)
    }
}

/// Headlines: menus and breadcrumbs are not headlines, but markup and slashes inside a title are.
@Suite struct HeadlineTests {
    @Test func menusGiveWayAndABreadcrumbsLastStepIsTheHeadline() {
        #expect(PageHead.titleText("Home | News | About | Contact") == nil)
        #expect(PageHead.titleText("首页 > 要闻 > 正文") == nil)
        #expect(PageHead.titleText("Home > Analysis > Will China’s New Data Bureau Matter?") == "Will China’s New Data Bureau Matter?")
        #expect(
            PageHead.titleText(#"Notes on <script>alert("title")</script> markup"#) == #"Notes on <script>alert("title")</script> markup"#)
        #expect(PageHead.titleText("Data and/or platforms: who governs China’s digital economy") != nil)
        #expect(PageHead.titleText("March 3, 2023") == nil)
        #expect(PageHead.titleText("By Tan Liwei") == nil)
    }
}

@Suite struct HanFoldTests {
    @Test func traditionalCharactersFoldToSimplifiedKeepingLength() {
        #expect(HanFold.folded("國務院關於數字中國") == "国务院关于数字中国")
        #expect(HanFold.folded("数字中国 Digital China") == "数字中国 Digital China")
        var bytes = Array("數據安全".utf8)
        let count = bytes.count
        HanFold.fold(&bytes)
        #expect(bytes.count == count)
        #expect(String(decoding: bytes, as: UTF8.self) == "数据安全")
    }

    @Test func pinyinGlossesAfterACharacterAreDroppedAndNothingElse() {
        func dropped(_ text: String) -> String {
            var bytes = Array(text.utf8)
            HanFold.dropPinyinGlosses(&bytes)
            return String(decoding: bytes, as: UTF8.self)
        }
        #expect(dropped("數(shù)字經(jīng)濟(jì)") == "數字經濟")
        #expect(dropped("国内生产总值(GDP)与方案(a)，数字(ā)") == "国内生产总值(GDP)与方案(a)，数字")
        #expect(dropped("café (shù) 数字 (shù)") == "café (shù) 数字 (shù)")
        #expect(SearchableText(matching: "數(shù)字中國").contains("数字中国"))
    }
}
