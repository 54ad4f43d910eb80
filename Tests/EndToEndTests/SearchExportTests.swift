import Foundation
import Testing

@Suite struct SearchExportTests {
    func populated() throws -> Harness {
        let harness = try Harness()
        for seed in Harness.seeds { _ = try harness.copyFixture(seed, to: harness.inbox) }
        #expect(try harness.run(["run"]).status == 0)
        #expect(try harness.run(["ingest", Harness.fixtures.appendingPathComponent("pages/lesson-12-source.gb2312.html").path]).status == 0)
        return harness
    }

    func hits(_ harness: Harness, _ arguments: [String]) throws -> [[String: Any]] {
        let result = try harness.run(["search", "--json"] + arguments)
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [[String: Any]]
    }

    @Test func everyKindOfQueryFindsWhatItShould() throws {
        let harness = try populated()
        let phrase = try hits(harness, ["\"Digital Silk Road\""])
        #expect(
            Set(phrase.map { $0["id"] as! String }) == [
                "commentary-promoting-construction-digital-china", "policy-overall-layout-planning-digital-china-construction"
            ])
        #expect(phrase.allSatisfy { ($0["snippet"] as! String).contains("【Digital Silk Road】") })
        let prefix = try hits(harness, ["governan*", "--limit", "50"])
        #expect(prefix.contains { $0["id"] as? String == "lesson-5" })
        let two = try hits(harness, ["数据", "--limit", "50"])
        #expect(two.contains { $0["id"] as? String == "lesson-5" && $0["field"] as? String == "transcript" && $0["at"] as? String != nil })
        let one = try hits(harness, ["镕"])
        #expect(one.map { $0["id"] as! String } == ["lesson-12-source"])
        #expect(one.first?["at"] as? String == "01:02")
        let four = try hits(harness, ["数字政务", "--lesson", "5"])
        #expect(!four.isEmpty && four.allSatisfy { $0["lesson"] as? Int == 5 })
        let term = try hits(harness, ["国家治理体系", "--kind", "lesson"])
        #expect(term.contains { $0["field"] as? String == "term" })
        let none = try hits(harness, ["xylophone"])
        #expect(none.isEmpty)
        let first = try #require(phrase.first)
        #expect(Set(first.keys) == ["id", "kind", "lesson", "field", "at", "snippet", "score"])
        // The index is derived: rebuilding gives the same answers.
        #expect(try harness.run(["reindex"]).status == 0)
        #expect(try hits(harness, ["镕"]).map { $0["id"] as! String } == ["lesson-12-source"])
        // An index of an earlier version is rebuilt even by `--no-refresh`, and says so.
        let index = harness.root.appendingPathComponent("Archive/.search.sqlite").path
        for suffix in ["", "-journal"] { try? FileManager.default.removeItem(atPath: index + suffix) }
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sqlite.arguments = [
            "python3", "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('CREATE TABLE documents(id TEXT PRIMARY KEY, record_sha256 TEXT)'); c.commit()",
            index
        ]
        try sqlite.run()
        sqlite.waitUntilExit()
        let old = try harness.run(["search", "--json", "--no-refresh", "镕"])
        #expect(old.stderr.contains("earlier version"), "\(old.stderr)")
        #expect(old.stdout.contains("lesson-12-source"))
    }

    @Test func exportsParseWithIndependentParsers() throws {
        let harness = try populated()
        let out = harness.root.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        for format in ["jsonl", "tmx", "csv"] {
            let result = try harness.run(["export", "--format", format, "--out", out.appendingPathComponent("corpus.\(format)").path])
            #expect(result.status == 0, "\(result.stderr)")
        }
        let checker = Process()
        let output = Pipe()
        checker.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        checker.arguments =
            ["python3", Harness.repository.appendingPathComponent("Scripts/check-exports.py").path]
            + ["jsonl", "tmx", "csv"].map { out.appendingPathComponent("corpus.\($0)").path }
        checker.standardOutput = output
        try checker.run()
        let summary = output.fileHandleForReading.readDataToEndOfFile()
        checker.waitUntilExit()
        #expect(checker.terminationStatus == 0, "\(String(decoding: summary, as: UTF8.self))")
        let figures = try JSONSerialization.jsonObject(with: summary) as! [String: Any]
        #expect(figures["records"] as? Int == 5)
        #expect((figures["tmx_units"] as? Int ?? 0) > 30)
        #expect(figures["glossary_rows"] as? Int == 5)
        // stdout by default, and the JSON lines are exactly the stored records.
        let lines = try harness.run(["export", "--format", "jsonl"]).lines
        #expect(lines.count == 5)
        let show = try harness.run(["show", "lesson-5", "--json"])
        let stored = try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as! NSDictionary
        let exported = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! NSDictionary }
        #expect(exported.contains(stored))
    }

    @Test func theSiteExportWritesAFolderAndRemovesPagesOfGoneDocuments() throws {
        let harness = try populated()
        #expect(try harness.run(["export", "--format", "site"]).status == 2, "a site needs --out")
        let out = harness.root.appendingPathComponent("site")
        let result = try harness.run(["export", "--format", "site", "--out", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        for file in ["index.html", "glossary.html", "style.css", "documents/lesson-5.html"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file)")
        }
        let stale = out.appendingPathComponent("documents/lesson-9.html")
        try Data("<p>old</p>".utf8).write(to: stale)
        #expect(try harness.run(["export", "--format", "site", "--out", out.path]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: stale.path), "a page of a document that is gone is removed")
    }

    @Test func theWACZExportIsDeterministicAndHoldsEveryPartStored() throws {
        let harness = try populated()
        let first = harness.root.appendingPathComponent("a.wacz")
        let second = harness.root.appendingPathComponent("b.wacz")
        let result = try harness.run(["export", "--format", "wacz", "--out", first.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("pages"))
        #expect(try harness.run(["export", "--format", "wacz", "--out", second.path]).status == 0)
        let package = try Data(contentsOf: first)
        #expect(package == (try Data(contentsOf: second)), "the same archive gives the same package")
        for name in ["indexes/index.cdxj", "pages/pages.jsonl", "datapackage.json", "datapackage-digest.json"] {
            #expect(package.range(of: Data(name.utf8)) != nil, "\(name)")
        }
        // WARC files are stored, not deflated: each one's bytes appear whole inside the package.
        let warcs = try FileManager.default.contentsOfDirectory(atPath: harness.archive.appendingPathComponent("data/warc").path)
        #expect(!warcs.isEmpty)
        for warc in warcs {
            #expect(package.range(of: Data("archive/\(warc)".utf8)) != nil)
            #expect(package.range(of: try Data(contentsOf: harness.archive.appendingPathComponent("data/warc/\(warc)"))) != nil)
        }
        #expect(try harness.run(["export", "--format", "warc"]).status == 2)
    }

    @Test func theCDXJIndexIsKeptByEveryWriteAndRebuiltWhenLostOrEdited() throws {
        let harness = try populated()
        let cdxj = harness.archive.appendingPathComponent("index.cdxj")
        let kept = try String(contentsOf: cdxj, encoding: .utf8)
        let lines = kept.split(separator: "\n")
        // One line per resource capture (the seeds and the GB2312 page), sorted as bytes.
        #expect(lines.count == Harness.seeds.count + 1)
        #expect(lines.map(String.init) == lines.map(String.init).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        try FileManager.default.removeItem(at: cdxj)
        let reindex = try harness.run(["reindex"])
        #expect(reindex.status == 0)
        #expect(reindex.stdout.contains("\(lines.count) captures"))
        #expect(try String(contentsOf: cdxj, encoding: .utf8) == kept)
        // An edited index is not trusted: the next write reads the WARC files again.
        try Data("garbage\n".utf8).write(to: cdxj)
        let page = Harness.fixtures.appendingPathComponent("pages/lesson-5.news.html").path
        #expect(try harness.run(["ingest", page]).status == 0)
        let after = try String(contentsOf: cdxj, encoding: .utf8)
        #expect(!after.contains("garbage"))
        #expect(after.split(separator: "\n").count == lines.count + 1)
        for line in lines { #expect(after.contains(line)) }
    }
}
