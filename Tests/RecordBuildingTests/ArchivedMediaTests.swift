import CorpusKit
import Foundation
import Testing

@testable import RecordBuilding

@Suite struct ArchivedMediaTests {
    func part(_ kind: String, _ id: Int, _ text: String) -> MediaPart {
        MediaPart(
            kind: kind, recordID: "<urn:uuid:00000000-0000-0000-0000-\(String(format: "%012d", id))>", warc: "w", payload: Data(text.utf8))
    }

    /// An HLS stream is described by its variant's playlist, not by an audio rendition's that
    /// came after it.
    @Test func anHLSStreamIsItsVariantsPlaylistNotARenditions() throws {
        let master =
            "#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",URI=\"audio.m3u8\"\n#EXT-X-STREAM-INF:BANDWIDTH=1,AUDIO=\"a\"\nv.m3u8\n"
        let variant = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\ns0.ts\n#EXTINF:4.0,\ns1.ts\n#EXT-X-ENDLIST\n"
        let audio = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:3.0,\na0.aac\n#EXT-X-ENDLIST\n"
        let video = try #require(
            ArchivedMedia.video(
                url: "https://example.cn/master.m3u8",
                parts: [
                    part("media", 1, master), part("hls-playlist", 2, variant), part("hls-rendition", 3, audio),
                    part("hls-segment", 4, "ts0"), part("hls-segment", 5, "ts1")
                ]))
        #expect(video.container == "hls" && video.durationSeconds == 8)
        #expect(video.sha256 == Digest.sha256Hex(Data(variant.utf8)))
        #expect(video.recordIDs.count == 5 && video.bytes == 6)
    }

    @Test func aDurationNoContainerCanMeanIsUnknown() {
        #expect(ArchivedMedia.rounded(4.0004) == 4)
        #expect(ArchivedMedia.rounded(1e306) == nil)
        #expect(ArchivedMedia.rounded(.nan) == nil)
        #expect(ArchivedMedia.rounded(-1) == nil)
    }

    @Test func noVideoIsMadeOfPartsThatAreNone() {
        #expect(ArchivedMedia.video(url: "https://example.cn/x.mp4", parts: [part("media", 1, "<!doctype html>")]) == nil)
        #expect(ArchivedMedia.video(url: "https://example.cn/live.m3u8", parts: [part("media", 1, "#EXTM3U\n#EXTINF:2,\na.ts\n")]) == nil)
    }
}
