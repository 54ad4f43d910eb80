import Archiving
import CorpusKit
import Foundation
import Testing

/// Document identity as a user meets it: unrelated pages never become versions of each other or
/// of a lesson; one lesson saved twice is one document; `--replace` is the deliberate override.
@Suite struct IdentityTests {
    static func page(title: String, site: String, _ paragraphs: [String]) -> String {
        "<html><head><title>\(title) | \(site)</title></head><body><nav><a href=\"/\">\(site)</a></nav><article><h1>\(title)</h1>"
            + paragraphs.map { "<p>\($0)</p>" }.joined() + "</article><footer><p>© \(site)</p></footer></body></html>"
    }

    func write(_ text: String, _ name: String, in harness: Harness) throws -> String {
        let url = harness.root.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func records(_ harness: Harness) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: harness.archive.appendingPathComponent("data/corpus").path)
            .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// A course page that says "Lesson 1" is not lesson 1, and never replaces it.
    @Test func aStrayLessonOnePageNeverReplacesLessonOne() throws {
        let harness = try Harness()
        let lesson = Harness.fixtures.appendingPathComponent(Harness.seeds[0]).path
        #expect(try harness.run(["ingest", lesson]).status == 0)
        let stray = try write(
            Self.page(
                title: "Blockchain Fundamentals Free Course", site: "Academy",
                [
                    "Lesson 1 of 13: what a blockchain is, how blocks are chained and why nobody can change an old entry.",
                    "Synopsis: a ledger shared by many computers. Video Transcript and Translation follow below the video."
                ]), "blockchain.html", in: harness)
        let result = try harness.run(["ingest", "--json", stray])
        #expect(result.status == 0)
        let line = try #require(try result.jsonLines().first)
        #expect(line["status"] as? String == "ingested")
        #expect((line["id"] as? String)?.hasPrefix("other-") == true, "\(line)")
        let shown = try harness.run(["show", "lesson-1", "--json"])
        #expect(shown.stdout.contains("Why Should We Accelerate Digital China Construction?"))
        #expect(!shown.stdout.contains("Blockchain"))
    }

    /// A page the classifier does take for lesson 1, but with another title and text, is a
    /// conflict: not applied, exit 1, quarantined by run; `--replace` applies it on purpose.
    @Test func aDifferentPageUnderALessonIdIsAConflict() throws {
        let harness = try Harness()
        let lesson = Harness.fixtures.appendingPathComponent(Harness.seeds[0]).path
        #expect(try harness.run(["ingest", lesson]).status == 0)
        let impostor = Self.page(
            title: "Digital China Construction Series (Lesson 1 of 13): A Different Talk", site: "Mirror",
            [
                "“Digital China Construction Series (Lesson 1 of 13): A Different Talk”, Beijing Party Member Education Network (北京党员教育网), April 11, 2025.",
                "This page is about something else entirely: a talk on rural broadband that shares only the series name with the real first lesson."
            ])
        let path = try write(impostor, "impostor.html", in: harness)
        let result = try harness.run(["ingest", "--json", path])
        #expect(result.status == 1)
        let line = try #require(try result.jsonLines().first)
        #expect(line["status"] as? String == "conflict")
        #expect(line["id"] as? String == "lesson-1")
        let error = line["error"] as? String ?? ""
        #expect(error.contains("would replace lesson-1"), "\(error)")
        #expect(error.contains("A Different Talk"), "\(error)")
        #expect(FileManager.default.fileExists(atPath: path), "the input is left untouched")
        #expect(try harness.run(["show", "lesson-1", "--json"]).stdout.contains("Why Should We Accelerate"))

        // In the Inbox, the conflict is quarantined with its reason.
        try impostor.write(to: harness.inbox.appendingPathComponent("impostor.html"), atomically: true, encoding: .utf8)
        let run = try harness.run(["run", "--offline"])
        #expect(run.status == 1)
        let reason = harness.inbox.appendingPathComponent(".rejected/impostor.html.error.json")
        #expect(try String(contentsOf: reason, encoding: .utf8).contains("conflict"))

        // The deliberate case.
        let replaced = try harness.run(["ingest", "--json", "--replace", "lesson-1", path])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(try replaced.jsonLines().first?["status"] as? String == "changed")
        #expect(try harness.run(["show", "lesson-1", "--json"]).stdout.contains("A Different Talk"))
        #expect(try harness.run(["verify", "--rebuild"]).status == 0)
    }

    /// Two sites' pages titled "Science" are two documents with two ids; each site's page saved
    /// again (new bytes) is a version of its own document.
    @Test func pagesOfOneSlugFromDifferentSitesStayApart() throws {
        let harness = try Harness()
        let first = try write(
            Self.page(
                title: "Science", site: "Daily News",
                [
                    "Researchers found that octopuses dream, or something like it, when their skin changes colour in their sleep."
                ]
            ).replacingOccurrences(of: "<head>", with: "<head><link rel=\"canonical\" href=\"https://news.example/science\">"),
            "science-a.html", in: harness)
        let second = try write(
            Self.page(
                title: "Science", site: "Weekly Review",
                [
                    "A new telescope array will listen for the faint radio echo of the first stars, starting next spring."
                ]
            ).replacingOccurrences(of: "<head>", with: "<head><link rel=\"canonical\" href=\"https://review.example/science\">"),
            "science-b.html", in: harness)
        let result = try harness.run(["ingest", "--json", first, second])
        #expect(result.status == 0)
        let lines = try result.jsonLines()
        #expect(lines.map { $0["status"] as? String } == ["ingested", "ingested"])
        let ids = lines.compactMap { $0["id"] as? String }
        #expect(Set(ids).count == 2, "\(ids)")
        #expect(ids[0] == "other-science")
        #expect(ids[1].hasPrefix("other-science-") && ids[1].count == "other-science-".count + 8, "\(ids[1])")
        // The second site's page again, updated: a version of its own document.
        let again = try write(
            Self.page(
                title: "Science", site: "Weekly Review",
                [
                    "A new telescope array will listen for the faint radio echo of the first stars, starting next spring. Updated."
                ]
            ).replacingOccurrences(of: "<head>", with: "<head><link rel=\"canonical\" href=\"https://review.example/science\">"),
            "science-b2.html", in: harness)
        let update = try harness.run(["ingest", "--json", again])
        #expect(try update.jsonLines().first?["status"] as? String == "changed")
        #expect(try update.jsonLines().first?["id"] as? String == ids[1])
        #expect(try harness.run(["verify", "--rebuild"]).status == 0)
    }

    /// One lesson post saved from two places (other chrome, a comment widget, no shared address)
    /// is one document: the second is a version.
    @Test func oneLessonSavedFromTwoPlacesIsOneDocument() throws {
        let harness = try Harness()
        let wordpress = Harness.fixtures.appendingPathComponent("pages/lesson-5.classic.html").path
        let news = Harness.fixtures.appendingPathComponent("pages/lesson-5.news.html").path
        let result = try harness.run(["ingest", "--json", wordpress, news])
        #expect(result.status == 0, "\(result.stdout)")
        let lines = try result.jsonLines()
        #expect(lines.map { $0["status"] as? String } == ["ingested", "changed"])
        #expect(lines.map { $0["id"] as? String } == ["lesson-5", "lesson-5"])
    }

    /// Off-topic pages are archived as `other` with a validation warning, or refused when the
    /// configuration says so.
    @Test func offTopicPagesAreWarnedAboutOrQuarantined() throws {
        let harness = try Harness()
        let page = Self.page(
            title: "Best Hiking Boots", site: "Outdoors",
            [
                "We walked two hundred miles in twelve pairs of boots, through mud, snow and scree, to find the best ones."
            ])
        let path = try write(page, "boots.html", in: harness)
        #expect(try harness.run(["ingest", path]).status == 0)
        let validation = try harness.run(["validate", "--json"])
        #expect(validation.stdout.contains("off-topic"))
        #expect(validation.status == 0)

        let strict = try Harness()
        let pipeline = strict.root.appendingPathComponent("Config/pipeline.toml")
        let text = try String(contentsOf: pipeline, encoding: .utf8).replacingOccurrences(
            of: "quarantine_off_topic = false", with: "quarantine_off_topic = true")
        try text.write(to: pipeline, atomically: true, encoding: .utf8)
        try page.write(to: strict.inbox.appendingPathComponent("boots.html"), atomically: true, encoding: .utf8)
        let run = try strict.run(["run", "--offline"])
        #expect(run.status == 1)
        let reason = try String(contentsOf: strict.inbox.appendingPathComponent(".rejected/boots.html.error.json"), encoding: .utf8)
        #expect(reason.contains("off-topic"), "\(reason)")
        #expect(try records(strict).isEmpty)
    }

    /// The reprocess command's wiring: an up-to-date archive is unchanged; an unknown id is an error.
    @Test func reprocessOnAnUpToDateArchiveChangesNothing() throws {
        let harness = try Harness()
        for seed in Harness.seeds { _ = try harness.copyFixture(seed, to: harness.inbox) }
        #expect(try harness.run(["run", "--offline"]).status == 0)
        let result = try harness.run(["reprocess", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try result.jsonLines().map { $0["status"] as? String } == ["unchanged", "unchanged", "unchanged", "unchanged"])
        let human = try harness.run(["reprocess", "--dry-run"])
        #expect(
            human.stdout.hasSuffix(
                "reprocess (dry run): 4 unchanged, 0 updated, 0 renamed, 0 conflicts, 0 failed; pipeline \(CorpusConfig.pipelineVersion)\n"),
            "\(human.stdout)")
        let unknown = try harness.run(["reprocess", "lesson-99"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("lesson-99: record: no such record"), "\(unknown.stderr)")
        #expect(!(try harness.run(["status"]).stdout.contains("run `dccorpus reprocess`")))
    }

    /// After an upgrade that files a document under another id: `reprocess` says renamed, and
    /// `show` and `history` still find it by its old id; `run` and `status` say when records are stale.
    @Test func aRenamedDocumentIsFoundByItsOldID() throws {
        let harness = try Harness()
        #expect(try harness.run(["ingest", Harness.fixtures.appendingPathComponent(Harness.seeds[0]).path]).status == 0)
        // What an older release would have left: lesson 1 filed under another id, pipeline 0.1.0.
        let store = ArchiveStore(root: harness.archive, lockTimeout: 10)
        var old = try #require(try store.loadRecord(id: "lesson-1"))
        old.id = "commentary-why-accelerate"
        old.provenance.pipeline.version = "0.1.0"
        try store.write { session in
            try session.remove(id: "lesson-1")
            try session.put(try old.sealed())
        }
        #expect(try harness.run(["status"]).stdout.contains("1 record was made by pipeline 0.1.0; run `dccorpus reprocess`"))
        let stale = try harness.run(["verify", "--rebuild", "--json"])
        #expect(stale.status == 0)
        let verdicts = try #require(try JSONSerialization.jsonObject(with: Data(stale.stdout.utf8)) as? [String: Any])
        #expect((verdicts["rebuilt"] as? [String: String])?["commentary-why-accelerate"] == "stale", "\(stale.stdout)")
        let reprocess = try harness.run(["reprocess"])
        #expect(reprocess.status == 0, "\(reprocess.stdout)\(reprocess.stderr)")
        #expect(reprocess.stdout.contains("renamed    commentary-why-accelerate → lesson-1"), "\(reprocess.stdout)")
        let shown = try harness.run(["show", "commentary-why-accelerate", "--json"])
        #expect(shown.status == 0)
        let record = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
        #expect(record["id"] as? String == "lesson-1")
        #expect(shown.stderr.contains("commentary-why-accelerate is now lesson-1"))
        let history = try harness.run(["history", "commentary-why-accelerate"])
        #expect(
            history.stdout.contains(
                "reprocessed by pipeline \(CorpusConfig.pipelineVersion) (was 0.1.0), renamed from commentary-why-accelerate"),
            "\(history.stdout)")
        #expect(try harness.run(["verify", "--rebuild", "--strict"]).status == 0)
        #expect(!(try harness.run(["status"]).stdout.contains("reprocess")))
    }
}
