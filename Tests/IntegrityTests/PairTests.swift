import CorpusKit
import Foundation
import TestSupport
import Testing

@testable import Integrity

/// A lesson post and its Chinese original: linked both ways, read in full, and checked against
/// each other.
@Suite struct PairTests {
    let config: CorpusConfig
    init() throws { config = try Fixtures.config() }

    func record(_ shape: String) throws -> CorpusRecord {
        try ValidatorTests().lesson(shape)
    }

    /// The citation line that links to the original (WordPress block shape: the whole line is
    /// the link) gives the original's address and Chinese title.
    @Test func aLinkedCitationLineGivesTheOriginal() throws {
        let lesson = try record("pages/lesson-1.linked.wordpress.html")
        #expect(lesson.original == OriginalLink(url: "https://www.bjcc.gov.cn/dyjy/sp/2025/0411/1001.shtml", titleZH: "为什么要加快数字中国建设"))
        #expect(lesson.title.zh == "为什么要加快数字中国建设")
        #expect(lesson.translationOf == "lesson-1-source")
        #expect(lesson.originalOf == nil)
    }

    /// Classic shape: only the title is the link, and it is relative; saved as a file, there is no
    /// address to resolve it against: the title stays, the address is null, validate says so.
    @Test func aRelativeLinkInASavedFileIsNoAddress() throws {
        let lesson = try record("pages/lesson-5.linked.classic.html")
        #expect(lesson.original == OriginalLink(url: nil, titleZH: "发展高效协同的数字政务"))
        #expect(lesson.title.zh == "发展高效协同的数字政务")
        let report = Validator(config: config).validate(records: [lesson])
        #expect(report.warnings.contains { $0.rule.rawValue == "original-link" && $0.message.contains("发展高效协同的数字政务") })
    }

    /// A GB-labelled original with all its metadata on one line (full-width colons, &nbsp; runs,
    /// 主讲人, 9分13秒, 责任编辑, 内容简介).
    @Test func aChineseOriginalsMetadataLineIsRead() throws {
        let source = try record("pages/lesson-12-source.oneline.gb2312.html")
        #expect(source.id == "lesson-12-source")
        #expect(source.originalOf == "lesson-12")
        #expect(source.published == "2025-04-11")
        #expect(source.publisher?.zh == "北京党员教育网")
        #expect(source.video == VideoInfo(speaker: Bilingual(en: nil, zh: "北京国恒智林文化传播有限公司"), durationSeconds: 553))
        #expect(source.editor == "王小明")
        #expect(source.synopsis.zh?.hasPrefix("构建开放共赢的数字领域国际合作格局") == true)
    }

    @Test func aPairThatDisagreesIsWarnedAboutNamingBoth() throws {
        var lesson = try record("pages/lesson-12.words.txt")
        var source = try record("pages/lesson-12-source.gb2312.html")
        // The fixtures themselves disagree (the English post says 9:01, the original 09:13).
        #expect(
            Validator.pairFindings([lesson, source]).map(\.message) == [
                "lesson-12 and lesson-12-source disagree on the video's length: 541 s and 553 s"
            ])
        lesson.video?.durationSeconds = 552
        #expect(Validator.pairFindings([lesson, source]).isEmpty, "\(Validator.pairFindings([lesson, source]))")
        lesson.video?.durationSeconds = 600
        source.title.zh = "另一个标题"
        let findings = Validator.pairFindings([lesson, source])
        #expect(findings.count == 2, "\(findings)")
        #expect(
            findings.allSatisfy {
                $0.rule.rawValue == "pair" && $0.message.contains("lesson-12") && $0.message.contains("lesson-12-source")
            })
        #expect(findings.contains { $0.message.contains("Chinese title") })
        #expect(findings.contains { $0.message.contains("600 s and 553 s") })
    }
}
