import Archiving
import CorpusKit
import Foundation
import Testing

/// Whole captures: the fixture site of Tests/Fixtures/server/loopback.py (`/site/…`) fetched
/// with its requisites and videos, judged through the archive's own records.
@Suite(.serialized) struct WholeCaptureTests {
    struct Archived {
        var records: [(type: String, uri: String, profile: String?)] = []
        /// Each page's metadata block, by its target URI.
        var metadata: [String: String] = [:]
    }

    func archived(_ harness: Harness) throws -> Archived {
        var found = Archived()
        let folder = harness.archive.appendingPathComponent("data/warc")
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() {
            try WARCFileReader(path: folder.appendingPathComponent(name).path, limit: 1 << 26).forEachRecord { record, _ in
                #expect(record.digestProblems().isEmpty)
                let uri = record.targetURI ?? ""
                found.records.append((record.type?.rawValue ?? "", uri, record["WARC-Profile"]))
                if record.type == .metadata { found.metadata[uri, default: ""] += String(decoding: record.block, as: UTF8.self) }
            }
        }
        return found
    }

    func show(_ harness: Harness, _ id: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(try harness.run(["show", id, "--json"]).stdout.utf8)) as! [String: Any]
    }

    func archivedVideos(_ record: [String: Any]) -> [[String: Any]] {
        (record["video"] as? [String: Any])?["archived"] as? [[String: Any]] ?? []
    }

    @Test func aPageIsArchivedWithItsRequisitesAndVideosAndSkipsWhatItMust() throws {
        let server = try LoopbackServer()
        let harness = try Harness.forFetching()
        let lesson = server.url("/site/lesson.html")
        let second = server.url("/site/second.html")
        let result = try harness.run(["fetch", "--json", "--url", lesson, "--url", second])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let line = try #require(try result.jsonLines().first { $0["url"] as? String == lesson })
        let counts = try #require(line["requisites"] as? [String: Int], "\(line)")
        #expect(counts["skipped"] == 5 && (counts["archived"] ?? 0) >= 25, "\(counts)")
        let archive = try archived(harness)
        let responses = Set(archive.records.filter { $0.type == "response" }.map(\.uri))
        for path in [
            "style.css", "fonts.css", "lesson.woff2", "bg.png", "favicon.png", "og.png", "app.js", "logo.png", "poster.png",
            "subs.vtt", "lazy.png", "small.png", "large.png", "pic.png", "embed.html", "embed-img.png", "script-img.png",
            "media/progressive.mp4", "media/clip.webm", "media/hls/master.m3u8", "media/hls/high/index.m3u8", "media/hls/high/key.bin",
            "media/hls/high/segment0.ts", "media/hls/high/segment3.ts", "media/short-audio.mp4"
        ] {
            #expect(responses.contains(server.url("/site/\(path)")), "\(path) is not archived")
        }
        // One level of frames; the best HLS variant only; a comment's url() is not one.
        for path in ["deeper.html", "media/hls/low/index.m3u8", "commented-out.png"] {
            #expect(!responses.contains(server.url("/site/\(path)")), "\(path) should not be archived")
        }
        let metadata = try #require(archive.metadata[lesson])
        for skipped in [
            "requisite-skipped: image \(server.url("/site/missing.png")) HTTP 404",
            "requisite-skipped: image javascript:alert(1) not an http(s) address",
            "requisite-skipped: image http://localhost:\(server.port)/site/elsewhere.png localhost is not the page's site",
            "requisite-skipped: media \(server.url("/site/fake.mp4")) served text/html where a video or audio file was expected",
            "requisite-skipped: hls-segment \(server.url("/site/live.m3u8")) a live playlist (no #EXT-X-ENDLIST)"
        ] {
            #expect(metadata.contains(skipped), "no \(skipped)")
        }
        #expect(metadata.contains("requisite: <urn:uuid:") && metadata.contains(" frame \(server.url("/site/embed.html"))"))
        // The second page shares the stylesheets, the logo and the video: revisits, not copies.
        let revisits = Set(archive.records.filter { $0.type == "revisit" }.map(\.uri))
        for path in ["style.css", "logo.png", "media/progressive.mp4"] {
            #expect(revisits.contains(server.url("/site/\(path)")), "\(path) is not a revisit on the second page")
        }
        #expect(archive.records.filter { $0.type == "response" && $0.uri.hasSuffix("/site/media/progressive.mp4") }.count == 1)

        // video.archived, read from the containers (the numbers ffprobe gives, Tests/Fixtures/media/ffprobe.json).
        let first = archivedVideos(try show(harness, "lesson-1-source"))
        #expect(first.map { $0["container"] as? String } == ["mp4", "hls", "webm"])
        #expect(first.map { $0["duration_seconds"] as? Double } == [4, 4, 3.008])
        let mp4 = try #require(first.first)
        #expect((mp4["streams"] as? [[String: Any]])?.map { $0["kind"] as? String } == ["video", "audio"])
        #expect(mp4["bytes"] as? Int == 19_461)
        #expect((first[1]["record_ids"] as? [String])?.count == 7)  // master, variant, key, four segments
        let shared = archivedVideos(try show(harness, "lesson-2-source"))
        #expect(shared.first?["record_ids"] as? [String] == mp4["record_ids"] as? [String])  // the bytes' own record
        let short = try #require(shared.last?["streams"] as? [[String: Any]])
        #expect(short.map { $0["duration_seconds"] as? Double } == [4, 2])

        // The checks: the audio cut short is named; status shows both halves' videos.
        let validation = try harness.run(["validate", "--json"])
        let report = try JSONSerialization.jsonObject(with: Data(validation.stdout.utf8)) as! [String: Any]
        let warnings = (report["warnings"] as? [[String: Any]] ?? []).filter { $0["rule"] as? String == "video-duration" }
        #expect(warnings.count == 1, "\(validation.stdout)")
        #expect((warnings.first?["message"] as? String)?.contains("its audio stream (mp4a) runs 2.0 s, but the page says 5 s") == true)
        #expect((report["errors"] as? [Any])?.isEmpty == true, "\(validation.stdout)")
        let status = try JSONSerialization.jsonObject(with: Data(try harness.run(["status", "--json"]).stdout.utf8)) as! [String: Any]
        let rows = status["lessons"] as! [[String: Any]]
        func video(_ lesson: Int) -> [String: Any]? { (rows[lesson - 1]["original"] as? [String: Any])?["video"] as? [String: Any] }
        #expect(video(1)?["archived"] as? Int == 3 && video(1)?["matches"] as? Bool == true)
        #expect(video(2)?["archived"] as? Int == 2 && video(2)?["matches"] as? Bool == false)
        #expect((rows[1]["missing"] as? [String])?.contains("a video as long as its 时长") == true)
        #expect(try harness.run(["status"]).stdout.contains("video ok"))

        // verify --rebuild re-derives every video from the archive; so does reprocess, which
        // therefore changes nothing.
        let verified = try harness.run(["verify", "--rebuild"])
        #expect(verified.status == 0, "\(verified.stdout)")
        let reprocessed = try harness.run(["reprocess", "--json"])
        #expect(try reprocessed.jsonLines().allSatisfy { $0["status"] as? String == "unchanged" }, "\(reprocessed.stdout)")
        #expect(archivedVideos(try show(harness, "lesson-1-source")).count == 3)
    }

    /// The nightly run again on a page that changed: its requisites are revisits of the first
    /// run's records (found through index.cdxj), and its videos still name the bytes' records.
    @Test func aChangedPageRevisitsWhatAnEarlierRunArchived() throws {
        let server = try LoopbackServer()
        let harness = try Harness.forFetching()
        let page = server.url("/site/changing.html")
        #expect(try harness.run(["fetch", "--url", page]).status == 0)
        let first = archivedVideos(try show(harness, "lesson-3-source"))
        let firstRun = try archived(harness).records
        let before = firstRun.count
        let requisites = firstRun.filter { $0.type == "response" && $0.uri != page }.count
        #expect(try harness.run(["fetch", "--url", page]).status == 0)
        let records = try archived(harness).records.dropFirst(before)
        #expect(records.filter { $0.type == "response" }.map(\.uri) == [page], "only the page is stored again")
        #expect(records.filter { $0.type == "revisit" }.count == requisites, "\(records.map(\.type))")
        let again = archivedVideos(try show(harness, "lesson-3-source"))
        #expect(again.map { $0["record_ids"] as? [String] } == first.map { $0["record_ids"] as? [String] })
        #expect(again.map { $0["sha256"] as? String } == first.map { $0["sha256"] as? String })
        #expect(try harness.run(["verify", "--rebuild"]).status == 0)
    }

    /// A server that sends its video in parts (206) even when asked for all of it: each part is
    /// archived as it was sent, the rest asked for with Range, and the video is the parts joined.
    @Test func aVideoSentInPartsIsArchivedWhole() throws {
        let server = try LoopbackServer()
        let harness = try Harness.forFetching()
        let page = server.url("/site/ranged.html")
        #expect(try harness.run(["fetch", "--url", page]).status == 0)
        let video = try #require(archivedVideos(try show(harness, "lesson-5-source")).first)
        #expect(video["container"] as? String == "mp4" && video["duration_seconds"] as? Double == 4)
        #expect(video["bytes"] as? Int == 19_461)
        #expect((video["record_ids"] as? [String])?.count == 3)  // 8,000 + 8,000 + 3,461 bytes
        let whole = try Data(contentsOf: Harness.fixtures.appendingPathComponent("media/progressive.mp4"))
        #expect(video["sha256"] as? String == Digest.sha256Hex(whole))
        let metadata = try #require(try archived(harness).metadata[page])
        #expect(metadata.contains(" media \(server.url("/site/media/ranged.mp4")) partial content (bytes 0-7999/19461)"))
        #expect(metadata.contains(" media-range \(server.url("/site/media/ranged.mp4")) partial content (bytes 16000-19460/19461)"))
        #expect(try harness.run(["verify", "--rebuild"]).status == 0)
    }

    @Test func limitsAndASourceThatWantsNoneAreRespected() throws {
        let server = try LoopbackServer()
        let lesson = server.url("/site/lesson.html")
        // A count cap and a video cap (progressive.mp4 is 19,461 bytes).
        let capped = try Harness.forFetching([
            ("max_count = 2000", "max_count = 12"), ("max_media_bytes = 62914560", "max_media_bytes = 18000")
        ])
        #expect(try capped.run(["fetch", "--url", lesson]).status == 0)
        let counted = try #require(try archived(capped).metadata[lesson])
        let master = server.url("/site/media/hls/master.m3u8")
        #expect(counted.contains("requisite-skipped: media \(master) more than 12 requisites (pipeline.toml requisites.max_count)"))
        let video = server.url("/site/media/progressive.mp4")
        #expect(counted.contains("requisite-skipped: media \(video) body larger than the 18000-byte limit"), "\(counted)")
        #expect(counted.contains("localhost is not the page's site"))  // judged before the count
        #expect(counted.components(separatedBy: "requisite: <urn:uuid:").count - 1 == 11)
        #expect(try capped.run(["verify", "--rebuild"]).status == 0)

        // An HLS playlist naming more segments than allowed; a source that wants no requisites.
        let harness = try Harness.forFetching([("max_segments = 1500", "max_segments = 2")])
        try "[[source]]\nid = \"alone\"\nurl = \"\(server.url("/site/second.html"))\"\nrequisites = false\n".write(
            to: harness.root.appendingPathComponent("Config/sources.toml"), atomically: true, encoding: .utf8)
        let result = try harness.run(["fetch", "--json", "--source", "alone", "--url", lesson])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let archive = try archived(harness)
        #expect(try #require(archive.metadata[lesson]).contains("4 segments, more than 2 (pipeline.toml requisites.max_segments)"))
        let secondMetadata = try #require(archive.metadata[server.url("/site/second.html")])
        #expect(!secondMetadata.contains("requisite"))
        #expect(archivedVideos(try show(harness, "lesson-2-source")).isEmpty)
        #expect(try harness.run(["verify", "--rebuild"]).status == 0)
    }
}
