import CorpusKit
import Exporting
import Foundation
import TestSupport
import Testing

@testable import Integrity

/// The glossary post: its entries become terms (with definition and lesson), they are checked
/// against the lessons' shortlists, and the CSV glossary merges both.
@Suite struct GlossaryTests {
    let config: CorpusConfig
    init() throws { config = try Fixtures.config() }

    func record(_ shape: String) throws -> CorpusRecord { try ValidatorTests().lesson(shape) }

    /// Entries in three shapes (one line with a colon or dash, a definition list, a table), filed
    /// under the lesson whose section they sit in.
    @Test func everyEntryOfEveryShapeIsATerm() throws {
        let glossary = try record("pages/glossary.sections.html")
        #expect(glossary.id == "glossary")
        #expect(glossary.kind == .glossary)
        #expect(glossary.series == nil)
        #expect(
            glossary.terms.map(\.en) == [
                "Chinese Style Modernization", "National Governance System", "Digital Government Affairs",
                "One-Stop Online Service", "Digital Silk Road", "Community of Common Destiny in Cyberspace"
            ])
        #expect(glossary.terms.map(\.zh) == ["中国式现代化", "国家治理体系", "数字政务", "一网通办", "数字丝绸之路", "网络空间命运共同体"])
        #expect(glossary.terms.map(\.lesson) == [1, 1, 5, 5, 12, 12])
        #expect(
            glossary.terms[1].definition
                == "the system of institutions through which the state governs, which digital technology is expected to modernize.")
        #expect(glossary.terms.allSatisfy { $0.definition != nil })
    }

    @Test func aTermWhoseChineseDiffersIsWarnedAbout() throws {
        var glossary = try record("pages/glossary.sections.html")
        let lesson = try record("seeds/000_cab2845c5521bb26.txt")
        #expect(Validator.glossaryFindings([glossary, lesson]).isEmpty)
        glossary.terms[1].zh = "国家治理系统"
        let findings = Validator.glossaryFindings([glossary, lesson])
        #expect(findings.map(\.message) == ["“National Governance System” is 国家治理体系 in lesson-1 but 国家治理系统 in glossary"])
        #expect(findings.first?.rule.rawValue == "term-mismatch")
    }

    @Test func theCSVGlossaryMergesGlossaryAndLessonTerms() throws {
        let glossary = try record("pages/glossary.sections.html")
        let lesson = try record("seeds/000_cab2845c5521bb26.txt")
        let csv = String(decoding: try Exporter.export([lesson, glossary], format: .csv), as: UTF8.self)
        let rows = csv.components(separatedBy: "\r\n")
        let governance = try #require(rows.first { $0.hasPrefix("National Governance System,") })
        #expect(governance.contains("the system of institutions through which the state governs"))
        #expect(governance.hasSuffix(",1,glossary;lesson-1"))
        #expect(rows.contains { $0.hasPrefix("Digital Silk Road,数字丝绸之路,") && $0.hasSuffix(",12,glossary") })
    }
}

/// A glossary whose sections list their terms as one run-on line ("Key Terminology …: term¹ (中文),
/// …") and name their lesson after the section ("From “… (Lesson 1 of 13)…”").
@Suite struct RunOnGlossaryTests {
    @Test func runOnTermsAreFiledUnderTheLessonNamedAfterThem() throws {
        let glossary = try ValidatorTests().lesson("shapes/glossary.runon.txt")
        #expect(glossary.kind == .glossary)
        #expect(glossary.id == "glossary")
        #expect(
            glossary.terms.map(\.en) == [
                "large-scale social system project", "Chinese Style Modernization", "National Governance System",
                "Community of Common Destiny for Mankind", "Digital Infrastructure", "Computing Power", "Gigabit Optical Network",
                "Digital Silk Road", "Community of Common Destiny in Cyberspace"
            ])
        #expect(
            glossary.terms.map(\.zh) == [
                "大规模的社会系统工程", "中国式现代化", "国家治理体系", "人类命运共同体", "数字基础设施", "算力", "千兆光网", "数字丝绸之路", "网络空间命运共同体"
            ])
        #expect(glossary.terms.map(\.lesson) == [1, 1, 1, 1, 2, 2, 2, 12, 12])
    }
}
