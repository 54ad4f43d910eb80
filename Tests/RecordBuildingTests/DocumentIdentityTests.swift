import CorpusKit
import Foundation
import Testing

@testable import RecordBuilding

/// Document identity, rule by rule: same address, same source, same lesson with compatible title
/// and text; suffixes for colliding slugs; conflicts for the series' fixed ids.
@Suite struct DocumentIdentityTests {
    static func record(
        id: String, kind: DocumentKind = .other, lesson: Int? = nil, title: String, text: String,
        url: String? = nil, canonical: String? = nil, source: String? = nil, raw: String = "r"
    ) -> CorpusRecord {
        var info = SourceInfo(url: url, file: url == nil ? "page.html" : nil, retrievedAt: "2026-01-01T00:00:00Z")
        info.canonicalURL = canonical
        info.sourceID = source
        return CorpusRecord(
            id: id, kind: kind, languages: ["en"], title: Bilingual(en: title), headline: nil,
            classification: ClassificationInfo(kind: kind, confidence: 0.9, evidence: []),
            series: lesson.map { SeriesInfo(name: "Digital China Construction Series", lesson: $0, of: 13) },
            published: nil, publisher: nil, video: nil, synopsis: Bilingual(), terms: [], transcript: [], footnotes: [],
            topics: [], text: text,
            provenance: Provenance(
                source: info, rawSHA256: Digest.sha256Hex(Data(raw.utf8)), textSHA256: Digest.sha256Hex(Data(text.utf8)),
                archive: ArchiveLocation(warc: "w", recordID: "r"), pipeline: PipelineInfo(version: "0.2.0", configSHA256: "c")))
    }

    static let lessonText =
        "Accelerating Digital China construction is an inevitable choice to advance modernization and seize the heights of future development."

    @Test(arguments: [
        ("lesson-1", true), ("lesson-12-source", true), ("glossary", true), ("lesson-x", false),
        ("lesson-1-sources", false), ("other-science", false), ("policy-lesson-1", false)
    ])
    func fixedIDs(id: String, fixed: Bool) {
        #expect(DocumentIdentity.isFixedID(id) == fixed)
    }

    @Test func suffixesAreEightLowerHexDigits() {
        #expect(DocumentIdentity.isSuffixed("other-science-1a2b3c4d", of: "other-science"))
        #expect(!DocumentIdentity.isSuffixed("other-science-1A2B3C4D", of: "other-science"))
        #expect(!DocumentIdentity.isSuffixed("other-science-fiction", of: "other-science"))
        #expect(!DocumentIdentity.isSuffixed("other-science", of: "other-science"))
    }

    @Test func theSameAddressIsTheSameDocumentWhateverItSays() {
        let old = Self.record(id: "other-a", title: "A", text: "one thing entirely", url: "https://x.example/a#top")
        let new = Self.record(id: "other-a", title: "B", text: "something else", url: "https://x.example/a")
        #expect(DocumentIdentity.sameDocument(old, new).same)
        let canonical = Self.record(
            id: "other-a", title: "B", text: "something else", url: "https://x.example/a?utm=1", canonical: "https://x.example/a")
        #expect(DocumentIdentity.sameDocument(old, canonical).same)
    }

    @Test func slugsThatCollideGetAStableSuffixAndTheirOwnVersions() {
        let first = Self.record(
            id: "other-science", title: "Science", text: "Octopuses dream when their skin changes colour.",
            url: "https://news.example/science")
        let second = Self.record(
            id: "other-science", title: "Science", text: "A telescope array listens for the first stars.",
            url: "https://review.example/science")
        guard case .new(let id) = DocumentIdentity.place(second, among: ["other-science": first]) else {
            Issue.record("a different site's page is no version of the first")
            return
        }
        #expect(DocumentIdentity.isSuffixed(id, of: "other-science"))
        #expect(DocumentIdentity.place(second, among: ["other-science": first]) == .new(id: id), "the suffix is stable")
        let again = Self.record(id: "other-science", title: "Science", text: "Updated.", url: "https://review.example/science", raw: "r2")
        #expect(DocumentIdentity.place(again, among: ["other-science": first, id: second]) == .version(id: id))
    }

    @Test func aLessonSavedFromTwoPlacesIsOneDocumentButAnotherTalkIsAConflict() {
        let post = Self.record(
            id: "lesson-1", kind: .lesson, lesson: 1, title: "Why Should We Accelerate Digital China Construction?",
            text: Self.lessonText, url: "https://blog.example/lesson-1")
        let mirror = Self.record(
            id: "lesson-1", kind: .lesson, lesson: 1, title: "Why Should We Accelerate Digital China Construction",
            text: "Mirror header. " + Self.lessonText, url: "https://mirror.example/l1")
        #expect(DocumentIdentity.place(mirror, among: ["lesson-1": post]) == .version(id: "lesson-1"))
        let other = Self.record(
            id: "lesson-1", kind: .lesson, lesson: 1, title: "A Different Talk",
            text: "Rural broadband reaches every village by the end of the plan, the speaker says.", url: "https://mirror.example/x")
        guard case .conflict(let id, let reason) = DocumentIdentity.place(other, among: ["lesson-1": post]) else {
            Issue.record("a different talk under lesson-1 must be a conflict")
            return
        }
        #expect(id == "lesson-1")
        #expect(reason.contains("another title"))
        #expect(DocumentIdentity.place(other, among: ["lesson-1": post], replacing: "lesson-1") == .version(id: "lesson-1"))
        if case .conflict = DocumentIdentity.place(other, among: ["lesson-1": post], replacing: "lesson-5") {
        } else {
            Issue.record("--replace names another document: refused")
        }
    }

    @Test func containmentCountsSharedShinglesOfTheSmallerText() {
        #expect(DocumentIdentity.containment(Self.lessonText, "Header. " + Self.lessonText + " Footer.") == 1)
        #expect(DocumentIdentity.containment(Self.lessonText, "Entirely different words are here in this sentence today.") == 0)
        #expect(DocumentIdentity.containment("数字中国建设", "加快数字中国建设") == 1)
    }
}
