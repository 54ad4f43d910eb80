import Archiving
import Foundation
import Testing

/// The loopback server of Tests/Fixtures/server/loopback.py, for one test.
final class LoopbackServer {
    let process = Process()
    let input = Pipe()
    let port: Int
    let scheme: String

    init(tls: Bool = false) throws {
        let output = Pipe()
        scheme = tls ? "https" : "http"
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["python3", Harness.fixtures.appendingPathComponent("server/loopback.py").path, "--lifetime", "300", "--watch-stdin"]
            + (tls ? ["--tls"] : [])
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        var line = Data()
        while !line.contains(10) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw Harness.HarnessError("loopback server did not start")
        }
        self.port = port
    }

    func url(_ path: String) -> String { "\(scheme)://127.0.0.1:\(port)\(path)" }

    /// How often each path was requested (read with Python: Foundation on Linux has no http loading here).
    func hits() throws -> [String: Int] {
        let reader = Process()
        let output = Pipe()
        reader.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        reader.arguments = [
            "python3", "-c", "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())",
            url("/hits")
        ]
        reader.standardOutput = output
        try reader.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        reader.waitUntilExit()
        return try JSONSerialization.jsonObject(with: data) as! [String: Int]
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.terminate()
    }
}

extension Harness {
    /// A project root whose limits suit a test: no politeness delay, quick cut-offs, one retry.
    /// `changes`: more replacements in its pipeline.toml, each of which must apply.
    static func forFetching(_ changes: [(String, String)] = []) throws -> Harness {
        let harness = try Harness()
        let pipeline = harness.root.appendingPathComponent("Config/pipeline.toml")
        var text = try String(contentsOf: pipeline, encoding: .utf8)
        for (from, to) in [
            ("per_host_delay_seconds = 1.0", "per_host_delay_seconds = 0"), ("low_speed_seconds = 20 ", "low_speed_seconds = 1 "),
            ("retries = 2 ", "retries = 1 "), ("retry_base_seconds = 1.0", "retry_base_seconds = 0.1"),
            ("timeout_seconds = 60 ", "timeout_seconds = 20 ")
        ] + changes {
            #expect(text.contains(from), "pipeline.toml no longer has \(from)")
            text = text.replacingOccurrences(of: from, with: to)
        }
        try text.write(to: pipeline, atomically: true, encoding: .utf8)
        return harness
    }
}

@Suite(.serialized) struct FetchTests {
    func harness() throws -> Harness { try Harness.forFetching() }

    func lines(_ result: Harness.Result) throws -> [String: [String: Any]] {
        var byURL: [String: [String: Any]] = [:]
        for line in try result.jsonLines() { byURL[line["url"] as! String] = line }
        return byURL
    }

    @Test func conditionalRequestsGiveUnchangedAndRevisits() throws {
        let harness = try harness()
        let server = try LoopbackServer()
        let first = try lines(try harness.run(["fetch", "--json", "--url", server.url("/lesson-5")]))
        #expect(first[server.url("/lesson-5")]?["status"] as? String == "fetched")
        let second = try lines(try harness.run(["fetch", "--json", "--url", server.url("/lesson-5")]))
        #expect(second[server.url("/lesson-5")]?["status"] as? String == "unchanged")
        #expect(second[server.url("/lesson-5")]?["id"] as? String == "lesson-5")
        let history = try harness.run(["history", "lesson-5", "--json"])
        let entries = try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as! [[String: Any]]
        #expect(entries.map { $0["status"] as! String } == ["fetched", "unchanged"])
        #expect(entries[0]["payload_sha256"] as? String == entries[1]["payload_sha256"] as? String)
        // The WARC holds request, response, revisit (server-not-modified) and metadata records.
        var types: [String] = []
        var profiles: [String] = []
        for warc in try FileManager.default.contentsOfDirectory(atPath: harness.archive.appendingPathComponent("data/warc").path).sorted() {
            try WARCFileReader(path: harness.archive.appendingPathComponent("data/warc/\(warc)").path, limit: 1 << 26).forEachRecord {
                record, _ in
                types.append(record.type?.rawValue ?? "")
                if let profile = record["WARC-Profile"] { profiles.append(profile) }
                if record.type == .request { #expect(record["WARC-Concurrent-To"] != nil) }
                if record.type == .response || record.type == .revisit { #expect(record["WARC-IP-Address"] == "127.0.0.1") }
                if record.type == .request, types.filter({ $0 == "request" }).count == 2 {
                    #expect(String(decoding: record.block, as: UTF8.self).contains("If-None-Match: \"v1-lesson-5\""))
                }
                #expect(record.digestProblems().isEmpty)
            }
        }
        // One open WARC file: the second fetch appends to it (no second warcinfo).
        #expect(types == ["warcinfo", "request", "response", "metadata", "request", "revisit", "metadata"])
        #expect(profiles == ["http://netpreserve.org/warc/1.1/revisit/server-not-modified"])
        #expect(try harness.run(["verify", "--rebuild"]).status == 0)
    }

    @Test func aPDFServedAtAnAddressIsFetchedArchivedAndExtracted() throws {
        let harness = try harness()
        let server = try LoopbackServer()
        let fetched = try lines(try harness.run(["fetch", "--json", "--url", server.url("/policy.pdf")]))
        let line = try #require(fetched[server.url("/policy.pdf")])
        #expect(line["status"] as? String == "fetched", "\(line)")
        let id = try #require(line["id"] as? String)
        let shown = try JSONSerialization.jsonObject(with: Data(try harness.run(["show", id, "--json"]).stdout.utf8)) as! [String: Any]
        #expect(shown["kind"] as? String == "policy")
        #expect((shown["text"] as? String)?.contains("Digital China Construction Overall Layout Plan") == true)
        #expect(try harness.run(["verify", "--rebuild"]).status == 0)
    }

    @Test func aCrawlWgetWroteIsIngestedAndRebuilds() throws {
        let harness = try harness()
        let server = try LoopbackServer()
        let warc = harness.root.appendingPathComponent("crawl")
        let wget = Process()
        wget.executableURL = URL(fileURLWithPath: "/usr/bin/wget")
        wget.currentDirectoryURL = harness.root
        wget.arguments =
            ["-q", "--warc-file=\(warc.path)", "--header=Accept-Encoding: gzip", "-O", "/dev/null"]
            + ["/lesson-5", "/encoded", "/gb2312", "/redirect/2"].map(server.url)
        try wget.run()
        wget.waitUntilExit()
        let result = try harness.run(["ingest", "--json", warc.path + ".warc.gz"])
        let lines = try result.jsonLines()
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(lines.compactMap { $0["id"] as? String } == ["lesson-5", "lesson-5", "lesson-12-source", "lesson-5"], "\(lines)")
        #expect(try harness.run(["verify", "--rebuild"]).status == 0)
    }

    @Test func aCompressedResponseIsArchivedAsSentAndCleanedDecoded() throws {
        let harness = try harness()
        let server = try LoopbackServer()
        let fetched = try lines(try harness.run(["fetch", "--json", "--url", server.url("/encoded")]))
        #expect(fetched[server.url("/encoded")]?["status"] as? String == "fetched", "\(fetched)")
        let shown = try harness.run(["show", "lesson-5", "--json"])
        let record = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as! [String: Any]
        #expect((record["text"] as? String)?.contains("Encoded copy (5/13)") == true)
        var request = ""
        var encoding: String?
        for warc in try FileManager.default.contentsOfDirectory(atPath: harness.archive.appendingPathComponent("data/warc").path) {
            try WARCFileReader(path: harness.archive.appendingPathComponent("data/warc/\(warc)").path, limit: 1 << 26).forEachRecord {
                record, _ in
                if record.type == .request { request = String(decoding: record.block, as: UTF8.self) }
                if record.type == .response {
                    encoding = record.httpHead?.header("content-encoding")
                    #expect(record.payload.starts(with: [0x1f, 0x8b]), "the body is archived as sent (gzip)")
                }
            }
        }
        #expect(request.contains("Accept-Encoding: gzip, deflate, br, zstd"))
        #expect(encoding == "gzip")
        #expect(try harness.run(["verify", "--rebuild"]).status == 0)
    }

    @Test func aChangedPageIsANewVersionWithADiff() throws {
        let harness = try harness()
        let server = try LoopbackServer()
        _ = try harness.run(["fetch", "--url", server.url("/changing")])
        let again = try lines(try harness.run(["fetch", "--json", "--url", server.url("/changing")]))
        #expect(again[server.url("/changing")]?["status"] as? String == "changed")
        let diff = try harness.run(["diff", "lesson-5", "--json"])
        #expect(diff.status == 0)
        let body = try JSONSerialization.jsonObject(with: Data(diff.stdout.utf8)) as! [String: Any]
        let changes = body["changes"] as! [[String: Any]]
        #expect(changes.map { $0["op"] as! String } == ["removed", "added"])
        #expect(
            changes.map { $0["text"] as! String } == ["Data sharing and data silos, version 1", "Data sharing and data silos, version 2"])
        let human = try harness.run(["diff", "lesson-5"])
        #expect(human.stdout.contains("+ [9] Data sharing and data silos, version 2"))
    }

    @Test func redirectsAreFollowedAndRecorded() throws {
        let harness = try harness()
        let server = try LoopbackServer()
        let result = try lines(try harness.run(["fetch", "--json", "--url", server.url("/redirect/3")]))
        #expect(result[server.url("/redirect/3")]?["status"] as? String == "fetched")
        let show = try harness.run(["show", "lesson-5", "--json"])
        let record = try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as! [String: Any]
        let source = (record["provenance"] as! [String: Any])["source"] as! [String: Any]
        #expect(source["url"] as? String == server.url("/static"))
        #expect(source["requested_url"] as? String == server.url("/redirect/3"))
        #expect(source["redirects"] as? [String] == ["301 /redirect/2", "302 /redirect/1", "301 /static"])
        #expect(source["http_status"] as? Int == 200)
        // Every hop is its own request + response pair, in chain order, body included; the
        // metadata names the hops' responses in order; the record points at the final response.
        var records: [WARCRecord] = []
        for warc in try FileManager.default.contentsOfDirectory(atPath: harness.archive.appendingPathComponent("data/warc").path) {
            try WARCFileReader(path: harness.archive.appendingPathComponent("data/warc/\(warc)").path, limit: 1 << 26).forEachRecord {
                record, _ in records.append(record)
            }
        }
        let exchanges = records.filter { $0.type == .request || $0.type == .response }
        #expect(exchanges.map { $0.type?.rawValue ?? "" } == Array(repeating: ["request", "response"], count: 4).flatMap { $0 })
        let responses = exchanges.filter { $0.type == .response }
        #expect(responses.map { $0["WARC-Target-URI"] } == ["/redirect/3", "/redirect/2", "/redirect/1", "/static"].map(server.url))
        for (request, response) in zip(exchanges.filter { $0.type == .request }, responses) {
            #expect(request["WARC-Concurrent-To"] == response.recordID)
            #expect(request["WARC-Target-URI"] == response["WARC-Target-URI"])
            #expect(response.digestProblems().isEmpty)
        }
        #expect(responses[0].httpHeaderText?.hasPrefix("HTTP/1.1 301") == true)
        #expect(responses[0].httpHeaderText?.contains("Location: /redirect/2") == true)
        #expect(String(decoding: responses[0].payload, as: UTF8.self) == #"<a href="/redirect/2">moved</a>"#)
        let metadata = try #require(records.first { $0.type == .metadata })
        let hopIDs = String(decoding: metadata.block, as: UTF8.self).components(separatedBy: "\r\n")
            .filter { $0.hasPrefix("redirect-record: ") }.map { String($0.dropFirst("redirect-record: ".count)) }
        #expect(hopIDs == responses.dropLast().map(\.recordID))
        let archive = record["provenance"] as! [String: Any]
        #expect((archive["archive"] as! [String: Any])["record_id"] as? String == responses.last?.recordID)
        // The CDXJ index lists all four responses, the redirects with their status.
        let cdxj = try String(contentsOf: harness.archive.appendingPathComponent("index.cdxj"), encoding: .utf8)
        #expect(cdxj.split(separator: "\n").count == 4)
        #expect(cdxj.contains(#""status":"301""#) && cdxj.contains(#""status":"302""#) && cdxj.contains(#""status":"200""#))
        #expect(try harness.run(["verify", "--rebuild"]).status == 0)
    }

    @Test func theTimeoutBoundsAWholeRedirectChain() throws {
        let harness = try harness()
        let server = try LoopbackServer()
        // Four hops of half a second each against a one-second budget: the chain fails near one
        // second (each hop is its own transfer, but the budget is the chain's).
        let start = Date()
        let result = try harness.run(["fetch", "--json", "--timeout", "1", "--url", server.url("/slow-redirect/4")])
        let elapsed = Date().timeIntervalSince(start)
        #expect(result.status == 1)
        let outcome = try lines(result)[server.url("/slow-redirect/4")]
        #expect(outcome?["status"] as? String == "failed")
        let error = outcome?["error"] as? String
        #expect(error?.contains("timed out") == true, "\(outcome ?? [:])")
        #expect(elapsed < 3, "the chain took \(elapsed) s")
    }

    @Test func theHostileSetFailsCleanlyInBoundedTime() throws {
        let harness = try harness()
        let server = try LoopbackServer()
        let paths = [
            "/loop", "/to-file", "/status/404", "/status/500", "/huge", "/huge-declared", "/trickle", "/flaky", "/retry-after", "/gb2312"
        ]
        let start = Date()
        let result = try harness.run(["fetch", "--json"] + paths.flatMap { ["--url", server.url($0)] })
        let elapsed = Date().timeIntervalSince(start)
        #expect(elapsed < 60, "hostile set took \(elapsed) s")
        #expect(result.status == 1)
        let outcomes = try lines(result)
        func error(_ path: String) -> String { outcomes[server.url(path)]?["error"] as? String ?? "" }
        func status(_ path: String) -> String { outcomes[server.url(path)]?["status"] as? String ?? "" }
        #expect(error("/loop").contains("more than 10 redirects"))
        #expect(error("/to-file").contains("forbidden scheme"))
        #expect(error("/status/404").hasSuffix("fetch: HTTP 404"))
        #expect(error("/status/500").contains("HTTP 500 after 2 attempts"))
        #expect(error("/huge").contains("larger than the 33554432-byte limit"))
        #expect(error("/huge-declared").contains("larger than the 33554432-byte limit"))
        #expect(error("/trickle").contains("timed out"))
        #expect(status("/flaky") == "fetched" || status("/flaky") == "changed")
        #expect(status("/retry-after") == "fetched" || status("/retry-after") == "changed")
        #expect(status("/gb2312") == "fetched")
        let hits = try server.hits()
        #expect(hits["/flaky"] == 2)
        #expect(hits["/retry-after"] == 2)
        #expect(hits["/status/500"] == 2)
        #expect(hits["/status/404"] == 1)
        // Only successful captures became records; the GB2312 page kept every character.
        let record =
            try JSONSerialization.jsonObject(with: Data(try harness.run(["show", "lesson-12-source", "--json"]).stdout.utf8))
            as! [String: Any]
        let text = record["text"] as! String
        #expect(text.contains("朱镕基同志强调开放的重要性,陶喆参与数字文化交流。"))
        #expect(text.hasSuffix("数字中国建设取得重要进展。"))
        #expect(((record["provenance"] as! [String: Any])["source"] as! [String: Any])["charset"] as? String == "gb18030")
        #expect(try harness.run(["verify"]).status == 0)
    }

    /// `status` shows each lesson's halves with their last capture and fetch outcome, and the
    /// sources that failed in the last fetch; `run` ends with the coverage line.
    @Test func statusShowsCoverageAndFailedSources() throws {
        let harness = try harness()
        let server = try LoopbackServer()
        let sources = """
            [[source]]
            id = "five"
            url = "\(server.url("/lesson-5"))"
            kind = "lesson"
            lesson = 5

            [[source]]
            id = "six"
            url = "\(server.url("/status/404"))"
            kind = "lesson"
            lesson = 6
            """
        try sources.write(to: harness.root.appendingPathComponent("Config/sources.toml"), atomically: true, encoding: .utf8)
        #expect(try harness.run(["fetch"]).status == 1)
        _ = try harness.copyFixture("pages/lesson-12-source.oneline.gb2312.html", to: harness.inbox)
        let status = try harness.run(["status", "--json"])
        #expect(status.status == 0, "\(status.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(report["posts"] as? Int == 1)
        #expect(report["originals"] as? Int == 0)
        let rows = try #require(report["lessons"] as? [[String: Any]])
        #expect(rows.count == 13)
        let five = rows[4]
        let post = try #require(five["post"] as? [String: Any])
        #expect(post["present"] as? Bool == true)
        #expect(post["last_fetch"] as? String == "fetched")
        #expect(post["last_capture_status"] as? String == "fetched")
        #expect(five["transcript_blocks"] as? Int == 17)
        #expect((five["missing"] as? [String])?.contains("Chinese original") == true)
        let failed = try #require(report["failed_sources"] as? [[String: Any]])
        #expect(failed.map { $0["source"] as? String } == ["six"])
        #expect((failed.first?["error"] as? String)?.contains("404") == true)

        let run = try harness.run(["run", "--offline"])
        #expect(run.stdout.contains("lessons: 1/13 posts, 1/13 originals"), "\(run.stdout)")
        let human = try harness.run(["status"])
        #expect(human.stdout.contains("failed in the last fetch"))
        #expect(human.stdout.hasSuffix("lessons: 1/13 posts, 1/13 originals\n"))
    }

    /// A lesson post is captured with the Chinese original its citation links to, on another
    /// server with a self-signed certificate: kept with `tls_verified: false` where `[[host]]`
    /// says record-insecure, refused (a failed line; the post stays) where it does not.
    @Test func theOriginalALessonLinksToIsCapturedInTheSameRun() throws {
        let posts = try LoopbackServer()
        let originals = try LoopbackServer(tls: true)
        let original = originals.url("/original-1")
        let post = posts.url("/linked-post?original=" + original.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
        for insecure in [true, false] {
            // The originals' server is another port of loopback: allowed by name, as a user would.
            let harness = try Harness.forFetching([("allow_addresses = []", "allow_addresses = [\"127.0.0.1\"]")])
            var sources = "[[source]]\nid = \"one\"\nurl = \"\(post)\"\nkind = \"lesson\"\nlesson = 1\n"
            if insecure { sources += "\n[[host]]\nname = \"127.0.0.1\"\ntls = \"record-insecure\"\n" }
            try sources.write(to: harness.root.appendingPathComponent("Config/sources.toml"), atomically: true, encoding: .utf8)
            let result = try harness.run(["fetch", "--json"])
            let lines = try lines(result)
            #expect(lines[post]?["status"] as? String == "fetched")
            #expect(lines[post]?["id"] as? String == "lesson-1")
            let followed = try #require(lines[original], "\(result.stdout)")
            #expect(followed["original_of"] as? String == "lesson-1")
            if insecure {
                #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
                #expect(followed["status"] as? String == "fetched")
                #expect(followed["id"] as? String == "lesson-1-source")
                let source = try harness.run(["show", "--json", "lesson-1-source"])
                let record = try #require(try JSONSerialization.jsonObject(with: Data(source.stdout.utf8)) as? [String: Any])
                #expect(record["original_of"] as? String == "lesson-1")
                let provenance = record["provenance"] as? [String: Any]
                let capture = provenance?["source"] as? [String: Any]
                #expect(capture?["tls_verified"] as? Bool == false)
                let validation = try harness.run(["validate", "--json"])
                #expect(!validation.stdout.contains("\"pair\""), "\(validation.stdout)")
                #expect(try harness.run(["status"]).stdout.contains("lessons: 1/13 posts, 1/13 originals"))
                // Again: the post is unchanged (its record is read back, where a new one is taken
                // as built), and its original is followed again.
                let again = try self.lines(try harness.run(["fetch", "--json"]))
                #expect(again[post]?["status"] as? String == "unchanged")
                #expect(again[original]?["original_of"] as? String == "lesson-1")
            } else {
                #expect(result.status == 1)
                #expect(followed["status"] as? String == "failed")
                #expect((followed["error"] as? String)?.lowercased().contains("certificate") == true, "\(followed)")
                #expect(try harness.run(["show", "lesson-1"]).status == 0)
            }
        }
    }

    /// A page must not turn the fetcher against the machine it runs on: a redirect, or a lesson's
    /// original link, to another name for loopback (`localhost` resolves to 127.0.0.1 only after
    /// DNS) is refused on the address connected to; `[fetch] allow_addresses` lets the user allow it.
    @Test func redirectsAndOriginalsNeverReachInternalAddressesTheRunDidNotName() throws {
        let server = try LoopbackServer()
        let other = try LoopbackServer()  // another service on loopback: another port is not the source's
        let otherPort = other.url("/static")
        let elsewhere = "http://localhost:\(server.port)"
        let redirect = server.url(
            "/redirect-to?to=" + (elsewhere + "/static").addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
        let post = server.url(
            "/linked-post?original=" + (elsewhere + "/original-1").addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
        for allowed in [false, true] {
            let harness = try harness()
            if allowed {
                let pipeline = harness.root.appendingPathComponent("Config/pipeline.toml")
                let text = try String(contentsOf: pipeline, encoding: .utf8)
                #expect(text.contains("allow_addresses = []\n"))
                try text.replacingOccurrences(of: "allow_addresses = []\n", with: "allow_addresses = [\"localhost\"]\n").write(
                    to: pipeline, atomically: true, encoding: .utf8)
            }
            let toOtherPort = server.url("/redirect-to?to=" + otherPort.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            let result = try harness.run(["fetch", "--json", "--url", redirect, "--url", post, "--url", toOtherPort])
            let lines = try lines(result)
            #expect(
                (lines[toOtherPort]?["error"] as? String)?.contains("refused to connect to 127.0.0.1 (loopback) for 127.0.0.1") == true,
                "\(String(describing: lines[toOtherPort]))")
            let followed = try #require(lines[elsewhere + "/original-1"], "\(result.stdout)\(result.stderr)")
            #expect(lines[post]?["status"] as? String == "fetched")
            if allowed {
                // localhost is allowed by name; the other port of 127.0.0.1 still is not.
                #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
                #expect(lines[redirect]?["status"] as? String == "fetched")
                #expect(followed["status"] as? String == "fetched")
            } else {
                #expect(result.status == 1)
                for line in [lines[redirect], followed] {
                    #expect(line?["status"] as? String == "failed")
                    let error = line?["error"] as? String ?? ""
                    #expect(
                        error.contains("refused to connect to") && error.contains("127.0.0.1 (loopback)")
                            && error.contains("for localhost"), "\(error)")
                }
                // Nothing was asked of the refused address: the server saw only the two pages.
                #expect(Set(try server.hits().keys.filter { $0 != "/hits" }) == ["/redirect-to", "/linked-post"])
                #expect(try other.hits().keys.filter { $0 != "/hits" }.isEmpty)
            }
        }
    }

    /// Links that lead nowhere fetchable are not followed: a note, the post captured, nothing else.
    @Test(arguments: ["javascript:void(0)", "file:///etc/passwd", "http://", "SELF"])
    func aBadOriginalLinkIsNotFollowed(link: String) throws {
        let server = try LoopbackServer()
        let harness = try harness()
        // "SELF": the server makes the page link to its own address.
        let post = server.url("/linked-post?original=" + link.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
        try "[[source]]\nid = \"one\"\nurl = \"\(post)\"\n".write(
            to: harness.root.appendingPathComponent("Config/sources.toml"), atomically: true, encoding: .utf8)
        let result = try harness.run(["fetch", "--json"])
        let lines = try result.jsonLines()
        #expect(lines.count == 1, "\(result.stdout)")
        #expect(lines.first?["status"] as? String == "fetched")
        #expect(result.stderr.contains("note: lesson-1: no link to another http(s) page for its Chinese original"), "\(result.stderr)")
        #expect(try server.hits().keys.filter { $0 != "/hits" } == ["/linked-post"])
    }

    @Test func configuredSourcesAndUnknownIDs() throws {
        let harness = try harness()
        let server = try LoopbackServer()
        let sources = """
            [[source]]
            id = "five"
            url = "\(server.url("/lesson-5"))"
            kind = "lesson"
            lesson = 5

            [[source]]
            id = "later"
            url = "\(server.url("/static"))"
            enabled = false
            """
        try sources.write(to: harness.root.appendingPathComponent("Config/sources.toml"), atomically: true, encoding: .utf8)
        let all = try harness.run(["fetch", "--json"])
        #expect(try all.jsonLines().map { $0["source"] as? String } == ["five"])
        let one = try harness.run(["fetch", "--json", "--source", "five"])
        #expect(try one.jsonLines().first?["status"] as? String == "unchanged")
        let unknown = try harness.run(["fetch", "--source", "nope"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no source with id \"nope\""))
        let run = try harness.run(["run"])
        #expect(run.stdout.contains("fetch: 0 fetched, 0 changed, 1 unchanged, 0 failed"), "\(run.stdout)")
    }

    @Test func aWARCWrittenByWgetIsImported() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/wget") else {
            Issue.record("wget is not installed (Scripts/setup.sh installs it)")
            return
        }
        let harness = try harness()
        let server = try LoopbackServer()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/wget")
        process.currentDirectoryURL = harness.root
        process.arguments = ["-q", "--warc-file=crawl", "-O", "/dev/null", server.url("/lesson-5")]
        try process.run()
        process.waitUntilExit()
        let warc = harness.root.appendingPathComponent("crawl.warc.gz").path
        #expect(FileManager.default.fileExists(atPath: warc))
        let result = try harness.run(["ingest", "--json", warc])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(try result.jsonLines().first?["id"] as? String == "lesson-5")
        #expect(try harness.run(["verify", "--rebuild"]).status == 0)
    }
}
