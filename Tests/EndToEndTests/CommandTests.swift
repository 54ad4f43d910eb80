import Foundation
import Testing

@Suite struct CommandTests {
    @Test func theMainJobIngestsTheSamplesValidatesAndSummarizes() throws {
        let harness = try Harness()
        for seed in Harness.seeds { _ = try harness.copyFixture(seed, to: harness.inbox) }
        try Data().write(to: harness.inbox.appendingPathComponent(".hidden.html"))
        let result = try harness.run(["run"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(
            result.stdout.contains(
                "summary: 4 ingested, 0 changed, 0 unchanged, 0 rejected, 0 conflicts; 4 documents; validation: 0 errors, 1 warnings"))
        let left = try FileManager.default.contentsOfDirectory(atPath: harness.inbox.path)
        #expect(left == [".hidden.html"])
        let list = try harness.run(["list", "--json"])
        let rows = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as! [[String: Any]]
        #expect(
            rows.map { $0["id"] as! String } == [
                "lesson-1", "lesson-5", "commentary-promoting-construction-digital-china",
                "policy-overall-layout-planning-digital-china-construction"
            ])
        #expect(rows[0]["lesson"] as? Int == 1)
        #expect(try harness.run(["verify", "--rebuild"]).status == 0)
        let again = try harness.run(["run", "--json"])
        #expect(again.status == 0)
    }

    @Test func cleanAndIngestAcceptTheSameInputsAndPointAWebAddressToFetch() throws {
        let harness = try Harness()
        let iana = Harness.fixtures.appendingPathComponent("foreign/pywb/iana.warc.gz").path
        let cleaned = try harness.run(["clean", "--json", iana])
        #expect(cleaned.status == 0, "\(cleaned.stderr)")
        let documents = try cleaned.jsonLines()
        #expect(documents.count == 16)
        #expect(documents.first?["file"] as? String == iana + "#http://www.iana.org/")
        let arc = Harness.fixtures.appendingPathComponent("foreign/pywb/example.arc").path
        #expect(try harness.run(["clean", arc]).stdout.contains("Example Domain"))
        // `.text` is a text file for both (it was for clean only).
        let text = harness.root.appendingPathComponent("note.text")
        try Data("A note on harbours\n\nShips come in.\n".utf8).write(to: text)
        #expect(try harness.run(["clean", text.path]).status == 0)
        #expect(try harness.run(["ingest", text.path]).status == 0)
        let url = try harness.run(["ingest", "--json", "https://example.org/page.html"])
        #expect(url.status == 1)
        #expect(
            url.stdout.contains("is a web address; capture it with `dccorpus fetch --url https://example.org/page.html`"), "\(url.stdout)")
    }

    @Test func usageErrorsAreExitTwo() throws {
        let harness = try Harness()
        for arguments in [["frobnicate"], ["search"], ["list", "--no-such-option"], ["clean", "--jobs", "0", "x.html"]] {
            let result = try harness.run(arguments)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("Error:"))
        }
        #expect(try harness.run(["--help"]).status == 0)
    }

    /// A long list of paths (more than ArgumentParser is given at once) keeps its order, with
    /// options and flags anywhere among the paths, `--` before a path that looks like an
    /// option, and a word that is an option's value; `fetch --url` too, validated as a whole.
    @Test func aLongListOfArgumentsKeepsItsOrderAndItsOptions() throws {
        let harness = try Harness()
        let folder = harness.root.appendingPathComponent("pages")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var paths: [String] = []
        for number in 0..<150 {
            let name = number == 149 ? "-dash-\(number).html" : "page-\(number).html"
            let page =
                "<html><body><article><p>Page \(number) on the digital economy and its governance, in a few more words.</p></article></body></html>"
            try page.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
            paths.append(number == 149 ? name : folder.appendingPathComponent(name).path)
        }
        // Flags and options among the paths; the last path starts with a dash (after `--`).
        // Run from the pages folder (the dashed path is relative), with --root first.
        let root: [String] = ["--root", harness.root.path]
        var arguments: [String] = ["clean"] + root + ["--jobs", "2"]
        arguments += paths[0..<40]
        arguments += ["--json"]
        arguments += paths[40..<90]
        arguments += ["--charset", "utf-8"]
        arguments += paths[90..<149]
        arguments += ["--", paths[149]]
        let cleaned = try harness.run(exactly: arguments, in: folder)
        #expect(cleaned.status == 0, "\(cleaned.stderr)")
        let files = try cleaned.jsonLines().map { $0["file"] as? String }
        #expect(files == paths, "\(files.prefix(5))")
        // A word that is an option's value, the same word as a path later: parsed as usual.
        let repeated: [String] = ["clean", "--json", "--charset", paths[0]] + paths[0..<100] + root
        let again = try harness.run(exactly: repeated, in: folder)
        #expect(try again.jsonLines().map { $0["file"] as? String } == Array(paths[0..<100]), "\(again.stderr)")
        // Ingest: every page, in order.
        let ingest: [String] = ["ingest", "--json"] + paths[0..<120] + root
        let ingested = try harness.run(exactly: ingest, in: folder)
        #expect(ingested.status == 0, "\(ingested.stderr)")
        #expect(try ingested.jsonLines().map { $0["file"] as? String } == Array(paths[0..<120]))
        // Fetch: every --url is validated, wherever it stands.
        let urls: [String] = (0..<100).flatMap { ["--url", "http://127.0.0.1:9/page-\($0)"] }
        let fetched = try harness.run(["fetch"] + urls + ["--url=ftp://127.0.0.1/x", "--timeout", "1"])
        #expect(fetched.status == 2 && fetched.stderr.contains("--url ftp://127.0.0.1/x: only http and https"), "\(fetched.stderr)")
    }

    @Test func withoutAConfigFolderTheBuiltInConfigIsUsed() throws {
        let harness = try Harness()
        try FileManager.default.removeItem(at: harness.root.appendingPathComponent("Config"))
        let page = try harness.copyFixture("pages/lesson-5.news.html", to: harness.root)
        let clean = try harness.run(["clean", page.path])
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(clean.stdout.contains("Digital China Construction Series (Lesson 5 of 13)"))
        try FileManager.default.createDirectory(at: harness.root.appendingPathComponent("Config"), withIntermediateDirectories: true)
        let broken = try harness.run(["clean", page.path])
        #expect(broken.status == 2 && broken.stderr.contains("pipeline.toml: config: missing or unreadable"))
    }

    @Test func diffOfOneVersionSaysSoAndListNeverCutsIds() throws {
        let harness = try Harness()
        _ = try harness.copyFixture("seeds/004_39c44c1376242463.txt", to: harness.inbox)
        #expect(try harness.run(["run"]).status == 0)
        let id = "commentary-promoting-construction-digital-china"  // longer than the old 36-column cut
        let diff = try harness.run(["diff", id])
        #expect(diff.status == 0, "\(diff.stderr)")
        #expect(diff.stdout.contains("\(id) has one version"))
        let json = try JSONSerialization.jsonObject(with: Data(try harness.run(["diff", id, "--json"]).stdout.utf8)) as! [String: Any]
        #expect(json["versions"] as? Int == 1 && json["from"] == nil && (json["changes"] as? [Any])?.isEmpty == true)
        let missing = try harness.run(["diff", "lesson-9"])
        #expect(missing.status == 1 && missing.stderr.contains("lesson-9: archive: no such record"))
        let list = try harness.run(["list"])
        #expect(list.lines.first?.hasPrefix(id + " ") == true, "\(list.stdout)")
    }

    @Test func ingestReportsIngestedUnchangedAndChanged() throws {
        let harness = try Harness()
        let folder = harness.root.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let page = try harness.copyFixture("pages/lesson-5.classic.html", to: folder)
        let first = try harness.run(["ingest", "--json", page.path])
        #expect(first.status == 0)
        #expect(try first.jsonLines().first?["status"] as? String == "ingested")
        #expect(try first.jsonLines().first?["id"] as? String == "lesson-5")
        let warcCount = try FileManager.default.contentsOfDirectory(atPath: harness.archive.appendingPathComponent("data/warc").path).count
        let same = try harness.run(["ingest", "--json", page.path])
        #expect(try same.jsonLines().first?["status"] as? String == "unchanged")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: harness.archive.appendingPathComponent("data/warc").path).count == warcCount
        )
        var bytes = try Data(contentsOf: page)
        bytes.append(Data("<!-- re-saved -->".utf8))
        try bytes.write(to: page)
        let changed = try harness.run(["ingest", "--json", page.path])
        let line = try #require(try changed.jsonLines().first)
        #expect(line["status"] as? String == "changed")
        #expect(line["id"] as? String == "lesson-5")
        #expect(line.keys.sorted() == ["error", "file", "id", "status"])
        #expect(try harness.run(["verify"]).status == 0)
        let show = try harness.run(["show", "lesson-5", "--json"])
        let record = try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as! [String: Any]
        #expect((record["title"] as! [String: Any])["en"] as? String == "Develop Efficient and Collaborative Digital Government Affairs")
        // The first version's bytes again (a crash re-run, an old copy): already archived, not a third capture.
        try FileManager.default.removeItem(at: page)
        let original = try harness.copyFixture("pages/lesson-5.classic.html", to: folder)
        let old = try harness.run(["ingest", "--json", original.path])
        #expect(try old.jsonLines().first?["status"] as? String == "unchanged")
        let history = try harness.run(["history", "lesson-5", "--json"])
        #expect(history.stdout.components(separatedBy: "\"payload_sha256\"").count - 1 == 2, "\(history.stdout)")
    }

    @Test func badInputIsRejectedOneLineEachAndLeftUntouched() throws {
        let harness = try Harness()
        let folder = harness.root.appendingPathComponent("bad")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("a-folder.html"), withIntermediateDirectories: true)
        let empty = folder.appendingPathComponent("empty.html")
        try Data().write(to: empty)
        let binary = folder.appendingPathComponent("image.html")
        try Data([0x89, 0x50, 0x4E, 0x47, 0, 0, 0, 0x0D, 1, 2, 3]).write(to: binary)
        let unsupported = folder.appendingPathComponent("doc.odt")
        try Data("PK\u{3}\u{4}".utf8).write(to: unsupported)
        let unknownEncoding = folder.appendingPathComponent("latin.txt")
        try Data([0x48, 0xE9, 0xFF, 0xFE, 0x80, 0x81, 0x20, 0x41, 0x0A]).write(to: unknownEncoding)
        let paths = [
            empty, binary, unsupported, unknownEncoding, folder.appendingPathComponent("a-folder.html"),
            folder.appendingPathComponent("missing.txt")
        ].map(\.path)
        let before = paths.compactMap { FileManager.default.contents(atPath: $0) }
        let result = try harness.run(["ingest"] + paths)
        #expect(result.status == 1)
        #expect(result.lines.count == paths.count)
        for (line, path) in zip(result.lines, paths) {
            #expect(line.hasPrefix("rejected   \(path): "), "\(line)")
        }
        #expect(result.stdout.contains("empty.html: read: empty file"))
        #expect(result.stdout.contains("image.html: read: binary content"))
        #expect(result.stdout.contains("doc.odt: read: unsupported file type"))
        #expect(result.stdout.contains("latin.txt: decode: text in an unknown encoding"))
        #expect(result.stdout.contains("a-folder.html: read: is a directory"))
        #expect(result.stdout.contains("missing.txt: read: No such file or directory"))
        #expect(paths.compactMap { FileManager.default.contents(atPath: $0) } == before)
        let list = try harness.run(["list", "--json"])
        #expect(list.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
    }

    @Test func runQuarantinesRejectedInboxFilesWithTheReason() throws {
        let harness = try Harness()
        try Data().write(to: harness.inbox.appendingPathComponent("empty page.html"))
        try Data().write(to: harness.root.appendingPathComponent("outside.html"))
        try FileManager.default.createSymbolicLink(
            atPath: harness.inbox.appendingPathComponent("link.html").path,
            withDestinationPath: harness.root.appendingPathComponent("outside.html").path)
        let result = try harness.run(["run", "--json"])
        #expect(result.status == 1)
        let rejected = harness.inbox.appendingPathComponent(".rejected")
        let names = try FileManager.default.contentsOfDirectory(atPath: rejected.path).sorted()
        #expect(names == ["empty page.html", "empty page.html.error.json", "link.html", "link.html.error.json"])
        let reason =
            try JSONSerialization.jsonObject(with: Data(contentsOf: rejected.appendingPathComponent("empty page.html.error.json")))
            as! [String: Any]
        #expect(reason["stage"] as? String == "read")
        #expect((reason["reason"] as? String)?.contains("empty file") == true)
        #expect(FileManager.default.fileExists(atPath: harness.root.appendingPathComponent("outside.html").path))
        // A second file of the same name never overwrites the first.
        try Data().write(to: harness.inbox.appendingPathComponent("empty page.html"))
        _ = try harness.run(["run"])
        #expect(FileManager.default.fileExists(atPath: rejected.appendingPathComponent("empty page.html.1").path))
    }

    @Test func anInboxThatIsASymlinkIsNeverFollowed() throws {
        let harness = try Harness()
        let elsewhere = harness.root.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        _ = try harness.copyFixture("seeds/000_cab2845c5521bb26.txt", to: elsewhere)
        try FileManager.default.removeItem(at: harness.inbox)
        try FileManager.default.createSymbolicLink(at: harness.inbox, withDestinationURL: elsewhere)
        let run = try harness.run(["run"])
        #expect(run.stderr.contains("Inbox/ is a symbolic link"))
        #expect(FileManager.default.fileExists(atPath: elsewhere.appendingPathComponent("000_cab2845c5521bb26.txt").path))
        let watch = try harness.run(["watch", "--once"])
        #expect(watch.status == 1)
        #expect(watch.stderr.contains("symbolic link"))
    }

    @Test func aWARCFromAnotherCrawlerIsImported() throws {
        let harness = try Harness()
        let page = try Data(contentsOf: Harness.fixtures.appendingPathComponent("pages/lesson-5.news.html"))
        var chunked = Data()
        for start in stride(from: 0, to: page.count, by: 4096) {
            let piece = page[start..<min(start + 4096, page.count)]
            chunked.append(Data((String(piece.count, radix: 16) + "\r\n").utf8))
            chunked.append(piece)
            chunked.append(Data("\r\n".utf8))
        }
        chunked.append(Data("0\r\n\r\n".utf8))
        var block = Data("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
        block.append(chunked)
        var warc = Data(
            "WARC/1.0\r\nWARC-Type: warcinfo\r\nWARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-000000000001>\r\nWARC-Date: 2025-04-12T10:00:00Z\r\nContent-Length: 0\r\n\r\n\r\n\r\n"
                .utf8)
        warc.append(
            Data(
                "WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-000000000002>\r\nWARC-Date: 2025-04-12T10:00:01Z\r\nWARC-Target-URI: https://example.org/lesson-5\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: \(block.count)\r\n\r\n"
                    .utf8))
        warc.append(block)
        warc.append(Data("\r\n\r\n".utf8))
        let file = harness.root.appendingPathComponent("crawl.warc")
        try warc.write(to: file)
        let result = try harness.run(["ingest", "--json", file.path])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(try result.jsonLines().first?["id"] as? String == "lesson-5")
        let record =
            try JSONSerialization.jsonObject(with: Data(try harness.run(["show", "lesson-5", "--json"]).stdout.utf8)) as! [String: Any]
        let source = (record["provenance"] as! [String: Any])["source"] as! [String: Any]
        #expect(source["url"] as? String == "https://example.org/lesson-5")
        #expect(source["retrieved_at"] as? String == "2025-04-12T10:00:01Z")
        #expect(source["http_status"] as? Int == 200)
        #expect(try harness.run(["verify", "--rebuild"]).status == 0)
    }

    @Test func aBrokenConfigIsExitTwoWithFileAndKey() throws {
        let harness = try Harness()
        let pipeline = harness.root.appendingPathComponent("Config/pipeline.toml")
        try (try String(contentsOf: pipeline, encoding: .utf8) + "\n[limits2]\nx = 1\n").write(
            to: pipeline, atomically: true, encoding: .utf8)
        let result = try harness.run(["validate"])
        #expect(result.status == 2)
        #expect(result.stderr == "dccorpus: \(pipeline.path): config: unknown key limits2\n")
    }

    @Test func cleanWritesOneFilePerInput() throws {
        let harness = try Harness()
        let out = harness.root.appendingPathComponent("out")
        let pages = ["pages/lesson-1.wordpress.html", "pages/lesson-5.news.html"].map { Harness.fixtures.appendingPathComponent($0).path }
        let result = try harness.run(["clean", "--out", out.path] + pages)
        #expect(result.status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == ["lesson-1.wordpress.txt", "lesson-5.news.txt"])
        let printed = try harness.run(["clean", pages[0]])
        #expect(printed.stdout.hasPrefix("Accelerating Digital China construction"))
        #expect(!printed.stdout.contains("Skip to content"))
    }
}

@Suite struct ReadmeTests {
    /// The README's list of inputs is the registry's: every ending `ingest --help` names, and no other.
    @Test func theReadmeListsExactlyTheInputsTheRegistryAccepts() throws {
        let harness = try Harness()
        let help = try harness.run(["ingest", "--help"]).stdout
        let abstract = try #require(help.range(of: #"\(([^)]*)\)"#, options: .regularExpression)).lowerBound
        let listed = help[abstract...].prefix { $0 != ")" }.dropFirst().split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(listed.count >= 10 && listed.contains(".pdf") && listed.contains(".wacz"), "\(listed)")
        let readme = try String(contentsOf: Harness.repository.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "Inputs:")).upperBound
        let paragraph = readme[start...].prefix { $0 != "—" }
        let inReadme = paragraph.split(separator: "`").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
        #expect(inReadme == listed, "README.md's inputs: \(inReadme); the registry's: \(listed)")
    }
}
