import Archiving
import Foundation
import TestSupport
import Testing

/// The media fixtures (Scripts/make-media-fixtures.sh) and ffprobe's reading of each, the
/// independent judge of MediaProbe's numbers.
private enum Media {
    static let folder = Fixtures.folder.appendingPathComponent("media")

    static func data(_ name: String) throws -> Data { try Data(contentsOf: folder.appendingPathComponent(name)) }

    struct Reading: Decodable {
        struct Format: Decodable { var duration: String? }
        struct Stream: Decodable {
            var index: Int
            var codecType: String?
            var codecName: String?
            var duration: String?
            enum CodingKeys: String, CodingKey {
                case index
                case codecType = "codec_type"
                case codecName = "codec_name"
                case duration
            }
        }
        var format: Format
        var streams: [Stream]
    }

    static func ffprobe() throws -> [String: Reading] {
        try JSONDecoder().decode([String: Reading].self, from: data("ffprobe.json"))
    }

    /// The fixtures' binary files: every one a probe must read.
    static let files = ["progressive.mp4", "moov-at-end.mp4", "short-audio.mp4", "fragmented.mp4", "clip.webm"]
    static let tolerance = 0.05
}

/// A small seeded generator (SplitMix64), so the "random" inputs are the same on every run.
private struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

private func close(_ value: Double?, _ expected: Double, within tolerance: Double = Media.tolerance) -> Bool {
    guard let value else { return false }
    return abs(value - expected) <= tolerance
}

@Suite struct MediaProbeTests {
    /// Each MP4's container and per-stream durations agree with ffprobe's within 0.05 s: moov
    /// before and after mdat, an AAC track's edit list (its priming hidden, as ffprobe hides it),
    /// and a fragmented file's durations summed from its `trun` boxes.
    @Test(arguments: ["progressive.mp4", "moov-at-end.mp4", "short-audio.mp4", "fragmented.mp4"])
    func mp4AgreesWithFFprobe(_ name: String) throws {
        let judge = try #require(try Media.ffprobe()[name])
        let probe = try #require(MediaProbe.probe(try Media.data(name)))
        #expect(probe.container == .mp4)
        let formatDuration = try #require(judge.format.duration.flatMap(Double.init))
        #expect(close(probe.durationSeconds, formatDuration), "\(name): \(String(describing: probe.durationSeconds)) vs \(formatDuration)")
        #expect(probe.streams.count == judge.streams.count)
        for (stream, expected) in zip(probe.streams, judge.streams) {
            #expect(stream.kind == expected.codecType)
            #expect(stream.codec == ["h264": "avc1", "aac": "mp4a"][expected.codecName ?? ""])
            let seconds = try #require(expected.duration.flatMap(Double.init))
            #expect(
                close(stream.durationSeconds, seconds),
                "\(name) #\(expected.index): \(String(describing: stream.durationSeconds)) vs \(seconds)")
            // In fact they agree to the millisecond. (An AAC track's priming, which its edit list
            // hides, is 46 ms here: under the tolerance, so this is what sees the edit list applied.)
            #expect(close(stream.durationSeconds, seconds, within: 0.001))
        }
    }

    /// The audio of short-audio.mp4 stops at 2 s while its video goes on to 4 s: per stream is
    /// what shows a stream cut short.
    @Test func aShortAudioStreamIsSeen() throws {
        let probe = try #require(MediaProbe.probe(try Media.data("short-audio.mp4")))
        let video = try #require(probe.streams.first { $0.kind == "video" })
        let audio = try #require(probe.streams.first { $0.kind == "audio" })
        #expect(close(video.durationSeconds, 4))
        #expect(close(audio.durationSeconds, 2))
        #expect(close(probe.durationSeconds, 4))
    }

    /// WebM: the Segment's Duration agrees with ffprobe's format duration. ffprobe gives no
    /// per-stream duration for Matroska (only the format's), so each stream's, from its last
    /// block's end, is held to the format duration instead.
    @Test func webmAgreesWithFFprobe() throws {
        let judge = try #require(try Media.ffprobe()["clip.webm"])
        let formatDuration = try #require(judge.format.duration.flatMap(Double.init))
        #expect(judge.streams.allSatisfy { $0.duration == nil })
        let probe = try #require(MediaProbe.probe(try Media.data("clip.webm")))
        #expect(probe.container == .webm)
        #expect(close(probe.durationSeconds, formatDuration))
        #expect(probe.streams.map(\.kind) == judge.streams.map { $0.codecType ?? "" })
        #expect(probe.streams.map(\.codec) == ["V_VP8", "A_OPUS"])
        for stream in probe.streams {
            #expect(close(stream.durationSeconds, formatDuration), "\(stream.kind): \(String(describing: stream.durationSeconds))")
        }
    }

    /// A Segment and Clusters of unknown size (as a live recording writes them) read the same.
    @Test func webmWithUnknownSizesReadsTheSame() throws {
        let data = try Media.data("clip.webm")
        var bytes = [UInt8](data)
        var index = 0
        var rewritten = 0
        while index + 4 < bytes.count {
            let id = bytes[index..<(index + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            guard id == 0x1F43_B675 || id == 0x1853_8067 else {
                index += 1
                continue
            }
            let length = bytes[index + 4].leadingZeroBitCount + 1
            if length <= 8, index + 4 + length <= bytes.count {
                bytes[index + 4] = UInt8(0xFF >> (length - 1))
                for offset in 1..<length { bytes[index + 4 + offset] = 0xFF }
                rewritten += 1
            }
            index += 4 + length
        }
        #expect(rewritten >= 2)
        #expect(MediaProbe.probe(Data(bytes)) == MediaProbe.probe(data))
    }

    /// The master playlist: both variants with their attributes (CODECS, quoted, holds a comma),
    /// resolved against the playlist's URL; the best variant under a cap.
    @Test func hlsMasterPlaylist() throws {
        let url = Media.folder.appendingPathComponent("hls/master.m3u8")
        let master = try #require(HLSPlaylist.parse(try String(contentsOf: url, encoding: .utf8), base: url))
        #expect(master.kind == .master)
        #expect(master.variants.map(\.bandwidth) == [140_000, 70_000])
        #expect(master.variants.map(\.averageBandwidth) == [110_000, 50_000])
        #expect(master.variants.allSatisfy { $0.codecs == ["avc1.42c00a", "mp4a.40.2"] })
        #expect(master.variants.map(\.width) == [96, 64])
        #expect(master.variants.map(\.height) == [64, 48])
        #expect(
            master.variants.map(\.url) == ["high", "low"].map { Media.folder.appendingPathComponent("hls/\($0)/index.m3u8").absoluteURL })
        #expect(master.variants.allSatisfy { FileManager.default.fileExists(atPath: $0.url.path) })
        #expect(master.bestVariant(maxBandwidth: nil)?.bandwidth == 140_000)
        #expect(master.bestVariant(maxBandwidth: 140_000)?.bandwidth == 140_000)
        #expect(master.bestVariant(maxBandwidth: 100_000)?.bandwidth == 70_000)
        #expect(master.bestVariant(maxBandwidth: 1_000)?.bandwidth == 70_000)  // all above the cap: the lowest
        #expect(master.segments.isEmpty && master.totalDuration == 0)

        let probe = try #require(MediaProbe.probe(try Media.data("hls/master.m3u8")))
        #expect(probe.container == .hls)
        #expect(probe.durationSeconds == nil)
        #expect(probe.streams.map(\.kind) == ["video", "audio"])
    }

    /// Both media playlists: 1-second segments resolved next to the playlist, their EXTINF adding
    /// up to ffprobe's duration of the joined stream; the encrypted one's key found.
    @Test(arguments: ["low", "high"])
    func hlsMediaPlaylist(_ variant: String) throws {
        let name = "hls/\(variant)/index.m3u8"
        let url = Media.folder.appendingPathComponent(name)
        let playlist = try #require(HLSPlaylist.parse(try String(contentsOf: url, encoding: .utf8), base: url))
        #expect(playlist.kind == .media)
        #expect(playlist.hasEndList && !playlist.isLive)
        #expect(playlist.playlistType == "VOD")
        #expect(playlist.targetDuration == 1)
        #expect(playlist.segments.count == 4)
        #expect(playlist.segments.allSatisfy { $0.duration == 1 })
        #expect(playlist.segments.map(\.sequence) == [0, 1, 2, 3])
        let folder = url.deletingLastPathComponent()
        #expect(playlist.segments.map(\.url) == (0..<4).map { folder.appendingPathComponent("segment\($0).ts").absoluteURL })
        #expect(playlist.segments.allSatisfy { FileManager.default.fileExists(atPath: $0.url.path) })

        let judged = try #require(try Media.ffprobe()[name]?.format.duration.flatMap(Double.init))
        #expect(close(playlist.totalDuration, judged))
        let probe = try #require(MediaProbe.probe(try Media.data(name)))
        #expect(probe.container == .hls)
        #expect(close(probe.durationSeconds, judged))

        if variant == "high" {
            let key = try #require(playlist.keys.first)
            #expect(playlist.keys.count == 1)
            #expect(key.method == "AES-128")
            #expect(key.url == folder.appendingPathComponent("key.bin").absoluteURL)
            #expect(key.iv == "0x0123456789abcdef0123456789abcdef")
            #expect(FileManager.default.fileExists(atPath: key.url?.path ?? ""))
            #expect(playlist.segments.allSatisfy { $0.key == key })
        } else {
            #expect(playlist.keys.isEmpty)
            #expect(playlist.segments.allSatisfy { $0.key == nil })
        }
    }

    /// Without `#EXT-X-ENDLIST` the playlist is live (it may still grow), and says so; an HTTP
    /// base resolves relative and root-relative URIs.
    @Test func aLivePlaylistIsNotEnded() throws {
        let text = try String(contentsOf: Media.folder.appendingPathComponent("hls/low/index.m3u8"), encoding: .utf8)
            .replacingOccurrences(of: "#EXT-X-ENDLIST", with: "").replacingOccurrences(of: "#EXT-X-PLAYLIST-TYPE:VOD", with: "")
        let base = try #require(URL(string: "https://cdn.example.org/live/stream/index.m3u8"))
        let live = try #require(HLSPlaylist.parse(text + "#EXTINF:1.5,\n/other/segment9.ts\n", base: base))
        #expect(!live.hasEndList)
        #expect(live.isLive)
        #expect(live.segments.first?.url.absoluteString == "https://cdn.example.org/live/stream/segment0.ts")
        #expect(live.segments.last?.url.absoluteString == "https://cdn.example.org/other/segment9.ts")
        #expect(close(live.totalDuration, 5.5, within: 1e-9))
    }

    /// What real playlists carry: a byte-order mark, CRLF, blank lines and comments, renditions,
    /// quoted attribute values with commas, an init section, byte ranges, a key turned off.
    @Test func playlistSyntax() throws {
        let base = try #require(URL(string: "https://example.org/v/master.m3u8"))
        let master = """
            \u{FEFF}#EXTM3U\r
            \r
            # a comment\r
            #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="English, main",LANGUAGE="en",DEFAULT=YES,URI="audio/en.m3u8"\r
            #EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="中文",LANGUAGE="zh",URI="https://subs.example.org/zh.m3u8"\r
            #EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID="cc",NAME="CC1",INSTREAM-ID="CC1"\r
            #EXT-X-STREAM-INF:CODECS="avc1.640028,mp4a.40.2",BANDWIDTH=2000000,RESOLUTION=1920x1080,AUDIO="aud",SUBTITLES="subs"\r
            1080/index.m3u8\r
            #EXT-X-STREAM-INF:BANDWIDTH=800000,CODECS="avc1.4d401f,mp4a.40.2",RESOLUTION=640x360,AUDIO="aud"\r
            \r
            360/index.m3u8\r
            #EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,URI="360/iframes.m3u8"\r
            """
        let parsed = try #require(HLSPlaylist.parse(master, base: base))
        #expect(parsed.kind == .master)
        #expect(
            parsed.variants.map(\.url.absoluteString) == ["https://example.org/v/1080/index.m3u8", "https://example.org/v/360/index.m3u8"])
        #expect(parsed.variants.map(\.codecs) == [["avc1.640028", "mp4a.40.2"], ["avc1.4d401f", "mp4a.40.2"]])
        #expect(parsed.variants.first?.subtitlesGroup == "subs")
        #expect(parsed.variants.last?.audioGroup == "aud")
        #expect(parsed.iFrameVariants.map(\.url.absoluteString) == ["https://example.org/v/360/iframes.m3u8"])
        #expect(parsed.renditions.map(\.type) == ["AUDIO", "SUBTITLES", "CLOSED-CAPTIONS"])
        #expect(parsed.renditions.map(\.name) == ["English, main", "中文", "CC1"])
        #expect(
            parsed.renditions.map { $0.url?.absoluteString } == [
                "https://example.org/v/audio/en.m3u8", "https://subs.example.org/zh.m3u8", nil
            ])
        #expect(parsed.renditions.first?.isDefault == true)
        #expect(parsed.bestVariant(maxBandwidth: 1_500_000)?.bandwidth == 800_000)

        let media = """
            #EXTM3U
            #EXT-X-TARGETDURATION:4
            #EXT-X-MEDIA-SEQUENCE:100
            #EXT-X-MAP:URI="init.mp4"
            #EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://key,1",KEYFORMAT="com.apple.streamingkeydelivery"
            #EXTINF:4.004,first, with a comma
            #EXT-X-BYTERANGE:1000@0
            a.m4s
            #EXT-X-KEY:METHOD=NONE
            #EXT-X-DISCONTINUITY
            #EXTINF:3,
            b c.m4s
            #EXT-X-ENDLIST
            """
        let playlist = try #require(HLSPlaylist.parse(media, base: base))
        #expect(playlist.kind == .media)
        #expect(playlist.maps.map(\.absoluteString) == ["https://example.org/v/init.mp4"])
        #expect(playlist.keys.map(\.method) == ["SAMPLE-AES"])
        #expect(playlist.keys.first?.url?.absoluteString == "skd://key,1")
        #expect(playlist.keys.first?.keyFormat == "com.apple.streamingkeydelivery")
        #expect(playlist.segments.map(\.sequence) == [100, 101])
        #expect(playlist.segments.map(\.title) == ["first, with a comma", nil])
        #expect(playlist.segments.first?.byteRange == "1000@0")
        #expect(playlist.segments.first?.key?.method == "SAMPLE-AES")
        #expect(playlist.segments.last?.key == nil)
        #expect(playlist.segments.last?.discontinuity == true)
        #expect(playlist.segments.last?.url.absoluteString == "https://example.org/v/b%20c.m4s")
        #expect(playlist.segments.allSatisfy { $0.map?.absoluteString == "https://example.org/v/init.mp4" })
        #expect(close(playlist.totalDuration, 7.004, within: 1e-9))

        #expect(HLSPlaylist.parse("", base: base) == nil)
        #expect(HLSPlaylist.parse("<html>#EXTM3U</html>", base: base) == nil)
        #expect(HLSPlaylist.parse("#EXTINF:1,\na.ts\n", base: base) == nil)
    }

    /// Not a container: an HTML page served as "video", empty data, text, random bytes.
    @Test func whatIsNotMediaIsNil() {
        let page = Data("<!DOCTYPE html>\n<html><head><title>Video</title></head><body><video src=a.mp4></video></body></html>".utf8)
        #expect(MediaProbe.probe(page) == nil)
        #expect(MediaProbe.probe(Data()) == nil)
        #expect(MediaProbe.probe(Data("ftyp".utf8)) == nil)
        #expect(MediaProbe.probe(Data(repeating: 0, count: 4096)) == nil)
        var generator = SeededGenerator(state: 2_026)
        for _ in 0..<2_000 {
            let count = Int.random(in: 0..<2_048, using: &generator)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(MediaProbe.probe(Data(bytes)) == nil)
        }
    }

    /// Every truncation of every fixture reads without a crash, as the same container or as
    /// nothing (each byte of the first and last 4 KB, where the headers are, and every 13th byte
    /// between); damaged copies (bytes changed at random) read without a crash too.
    @Test(arguments: Media.files + ["hls/master.m3u8", "hls/high/index.m3u8"])
    func truncatedAndDamagedFilesDoNotCrash(_ name: String) throws {
        let data = try Media.data(name)
        let whole = try #require(MediaProbe.probe(data))
        var cuts = Set(0..<min(4_096, data.count))
        cuts.formUnion(max(0, data.count - 4_096)...data.count)
        cuts.formUnion(stride(from: 0, to: data.count, by: 13))
        for cut in cuts.sorted() {
            if let probe = MediaProbe.probe(data.prefix(cut)) {
                #expect(probe.container == whole.container, "\(name) cut at \(cut)")
            }
        }
        // The same bytes in a slice whose indices do not start at 0.
        #expect(MediaProbe.probe((Data([1, 2, 3]) + data).dropFirst(3)) == whole)
        var generator = SeededGenerator(state: UInt64(data.count))
        for _ in 0..<300 {
            var bytes = [UInt8](data)
            for _ in 0..<Int.random(in: 1...8, using: &generator) {
                let at = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[at] = [0, 1, 0x7F, 0x80, 0xFF, UInt8.random(in: 0...255, using: &generator)][Int.random(in: 0..<6, using: &generator)]
            }
            _ = MediaProbe.probe(Data(bytes))
        }
    }

    /// A file cut before its `moov` (moov after mdat) is still an MP4, with no duration to give.
    @Test func anMP4CutBeforeItsMoovHasNoDuration() throws {
        let data = try Media.data("moov-at-end.mp4")
        let probe = try #require(MediaProbe.probe(data.prefix(data.count - 3_000)))
        #expect(probe.container == .mp4)
        #expect(probe.durationSeconds == nil)
        #expect(probe.streams.isEmpty)
    }

    /// Boxes whose sizes claim more than the file: a `moov` that says 2 GB is read as far as the
    /// file goes; an `mdat` with a 64-bit size past the end, or a box smaller than its header, ends
    /// the walk; a `trun` that claims four billion samples counts only those it holds.
    @Test func boxesThatClaimMoreThanTheFile() throws {
        var bytes = [UInt8](try Media.data("progressive.mp4"))
        #expect(bytes[36..<40] == ArraySlice("moov".utf8))
        bytes.replaceSubrange(32..<36, with: [0x7F, 0xFF, 0xFF, 0xFF])
        let clamped = try #require(MediaProbe.probe(Data(bytes)))
        #expect(close(clamped.durationSeconds, 4))
        #expect(clamped.streams.count == 2)

        func box(_ type: String, _ payload: [UInt8]) -> [UInt8] {
            let size = UInt32(8 + payload.count)
            return withUnsafeBytes(of: size.bigEndian) { Array($0) } + Array(type.utf8) + payload
        }
        let ftyp = box("ftyp", Array("isom".utf8) + [0, 0, 2, 0] + Array("isommp41".utf8))
        let huge = [0, 0, 0, 1] + Array("mdat".utf8) + [UInt8](repeating: 0xFF, count: 8) + [1, 2, 3]
        #expect(MediaProbe.probe(Data(ftyp + huge)) == MediaProbe(container: .mp4, durationSeconds: nil, streams: []))
        let tiny = [0, 0, 0, 3] + Array("moov".utf8) + [UInt8](repeating: 0, count: 32)
        #expect(MediaProbe.probe(Data(ftyp + tiny))?.durationSeconds == nil)

        // A fragmented file whose one trun claims 0xFFFFFFFF samples, each with its own duration.
        let mdhd = box("mdhd", [UInt8](repeating: 0, count: 12) + [0, 0, 0x03, 0xE8] + [0, 0, 0, 0] + [0, 0, 0, 0])
        let hdlr = box("hdlr", [0, 0, 0, 0] + [0, 0, 0, 0] + Array("soun".utf8) + [UInt8](repeating: 0, count: 13))
        let tkhd = box("tkhd", [UInt8](repeating: 0, count: 12) + [0, 0, 0, 1] + [UInt8](repeating: 0, count: 64))
        let moov = box(
            "moov",
            box("trak", tkhd + box("mdia", mdhd + hdlr))
                + box("mvex", box("trex", [0, 0, 0, 0, 0, 0, 0, 1] + [UInt8](repeating: 0, count: 12))))
        let tfhd = box("tfhd", [0, 0, 0, 0] + [0, 0, 0, 1])
        let trun = box("trun", [0, 0, 0x01, 0x00] + [0xFF, 0xFF, 0xFF, 0xFF] + [0, 0, 0x01, 0xF4, 0, 0, 0x01, 0xF4])
        let moof = box("moof", box("traf", tfhd + trun))
        let fragmented = try #require(MediaProbe.probe(Data(ftyp + moov + moof)))
        #expect(fragmented.streams.map(\.kind) == ["audio"])
        #expect(close(fragmented.streams.first?.durationSeconds, 1, within: 1e-9))  // two samples of 500 ticks at 1000/s
        #expect(close(fragmented.durationSeconds, 1, within: 1e-9))
    }
}
