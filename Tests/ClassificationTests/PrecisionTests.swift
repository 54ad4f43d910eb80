import CorpusKit
import Foundation
import TestSupport
import Testing

@testable import Classification
@testable import Cleaning

/// Pages that are not part of the corpus but use its words in passing: kinds need evidence of
/// this corpus (the series, its publisher, Digital China's subject), not a bare "Lesson 1".
@Suite struct PrecisionTests {
    let config: CorpusConfig

    init() throws { config = try Fixtures.config() }

    func classify(_ html: String, name: String = "page.html") throws -> RecordContent {
        try ClassificationTests.classify(Data(html.utf8), format: .html, name: name, config: config)
    }

    static func page(title: String, _ paragraphs: [String]) -> String {
        "<html><head><title>\(title)</title></head><body><article><h1>\(title)</h1>"
            + paragraphs.map { "<p>\($0)</p>" }.joined() + "</article></body></html>"
    }

    static let unrelated: [(name: String, html: String)] = [
        (
            "blockchain course",
            page(
                title: "Blockchain Fundamentals Free Course",
                [
                    "Lesson 1: What is a blockchain? In this lesson we explain blocks, hashes and consensus, step by step.",
                    "Synopsis: a ledger shared by many computers, where every entry is chained to the one before it.",
                    "Video Transcript and Translation are available for every lesson of the course, with exercises."
                ])
        ),
        (
            "mattress review",
            page(
                title: "The Best Mattress of the Year, Tested",
                [
                    "Overall score (6/10): firm, cool and quiet, but the edge support is weak for people who sit on the side.",
                    "Lesson 6 of 10 in our sleep series covers pillows; this review covers the mattress itself at length."
                ])
        ),
        (
            "SEO glossary",
            page(
                title: "SEO Glossary: 120 Key Terms and Concepts",
                [
                    "This Glossary explains the key concepts that every marketer should know, from anchor text to canonical tags.",
                    "We must remember that search engines change their rules often, and we should test before we change a site."
                ])
        ),
        (
            "clothing policy",
            page(
                title: "Return Policy",
                [
                    "By 2025 we issued a notice to all stores: the Plan (hereinafter referred to as the “Plan”) covers returns and exchanges.",
                    "Part 3 of the policy explains refunds; we need to see the receipt, and it is essential to keep the tags on."
                ])
        ),
        (
            "digital in passing",
            page(
                title: "Digital Cameras Compared",
                [
                    "Digital cameras still beat phones in low light, and the digital zoom of a phone is no optical zoom.",
                    "We should say that 5G phones upload faster, and cybersecurity matters when you share photos online."
                ])
        )
    ]

    @Test(arguments: unrelated.map(\.name))
    func unrelatedPagesAreOtherWithoutTopics(name: String) throws {
        let html = try #require(Self.unrelated.first { $0.name == name }).html
        let record = try classify(html)
        #expect(record.kind == .other, "\(name) became \(record.kind) (\(record.classification.evidence))")
        #expect(record.series == nil)
        #expect(record.topics.isEmpty, "\(name) got topics \(record.topics)")
        #expect(record.classification.evidence.first?.hasPrefix("off-topic") == true, "\(record.classification.evidence)")
    }

    /// A lesson mark that says another series length is no mark of this series, even beside its name.
    @Test func ofNMustBeTheSeriesLength() throws {
        let record = try classify(
            Self.page(
                title: "Digital China Construction Series (Lesson 6 of 10)",
                [
                    "Digital China Construction Series, lesson 6 of 10: a course that somebody else published under our name.",
                    "Synopsis: nothing here belongs to the thirteen lessons of the Beijing Party Member Education Network."
                ]))
        #expect(record.kind != .lesson)
        #expect(record.series == nil)
    }

    /// The series' own marks still make a lesson, in the shapes the real posts use.
    @Test func seriesMarksMakeALesson() throws {
        let record = try classify(
            Self.page(
                title: "Inside Digital China (5/13): Digital Government",
                [
                    "“Digital China Construction Series (Lesson 5 of 13): Building Digital Government”, Beijing Party Member Education Network (北京党员教育网), April 11, 2025.",
                    "Synopsis: how government services move online."
                ]))
        #expect(record.kind == .lesson)
        #expect(record.id == "lesson-5")
        #expect(record.classification.evidence.contains("series: Digital China Construction Series"))
    }

    /// Policy words need the Chinese state's subject beside them.
    @Test func policyNeedsDigitalChinaEvidence() throws {
        let record = try classify(
            Self.page(
                title: "Overall Layout Plan for Digital China",
                [
                    "The CPC Central Committee and the State Council issued the Overall Layout Plan for the Construction of Digital China (hereinafter referred to as the “Plan”).",
                    "By 2025, an integrated digital infrastructure will be built; by 2035, Digital China will be at the world's forefront."
                ]))
        #expect(record.kind == .policy)
        #expect(record.classification.evidence.contains("context: CPC Central Committee"))
        #expect(record.classification.evidence.first?.hasPrefix("off-topic") != true)
    }
}
