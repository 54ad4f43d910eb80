import Archiving
import CorpusKit
import Foundation

/// One archived record of a page's video or audio: the file itself, or one playlist, key, init
/// section or segment of an HLS stream. Made from the payload at fetch time and again from the
/// archive by `verify --rebuild`, so both derive the same `video.archived`.
public struct MediaPart: Sendable {
    /// The requisite's kind (`media`, `hls-playlist`, `hls-segment`, `hls-key`, `hls-init`).
    public var kind: String
    public var recordID: String
    /// The WARC file holding the record ("" until the write session names it).
    public var warc: String
    public var sha256: String
    public var bytes: Int
    public var probe: MediaProbe?
    /// The playlist's duration (sum of EXTINF) when the part is an HLS media playlist.
    public var playlistSeconds: Double?
    public var isPlaylist: Bool
    /// A file's bytes, kept for a file a server sent in parts (joined before it is probed).
    public var payload: Data?
    /// The records of the file's later parts, when they were joined into this one.
    public var laterRecordIDs: [String] = []

    public init(kind: String, recordID: String, warc: String, payload: Data) {
        self.kind = kind
        self.payload = kind == "media" || kind == "media-range" ? payload : nil
        self.recordID = recordID
        self.warc = warc
        sha256 = Digest.sha256Hex(payload)
        bytes = payload.count
        isPlaylist = HLSPlaylist.sniff(payload)
        if isPlaylist {
            probe = nil
            let playlist = HLSPlaylist.parse(String(decoding: payload, as: UTF8.self), base: URL(string: "http://playlist.invalid/")!)
            playlistSeconds = playlist.flatMap { $0.variants.isEmpty && !$0.segments.isEmpty ? $0.totalDuration : nil }
        } else {
            probe = kind == "media" || kind == "hls-init" ? MediaProbe.probe(payload) : nil
            playlistSeconds = nil
        }
    }
}

public enum ArchivedMedia {
    /// Metadata field value of one media part: `<media-url> <kind> <record-id>`.
    public static func field(media: String, kind: String, recordID: String) -> String { "\(media) \(kind) \(recordID)" }

    public static func parseField(_ value: String) -> (media: String, kind: String, recordID: String)? {
        let parts = value.split(separator: " ", maxSplits: 2).map(String.init)
        guard parts.count == 3 else { return nil }
        return (parts[0], parts[1], parts[2])
    }

    /// What `video.archived` says of the media at `url`, from its parts in the order the page's
    /// metadata lists them; nil when none of them is a video or audio container this reads or an
    /// HLS stream with segments.
    public static func video(url: String, parts: [MediaPart]) -> ArchivedVideo? {
        // A progressive file: the one part (or its parts joined, as a server sent them), probed.
        if let file = joined(parts).first(where: { $0.kind == "media" && !$0.isPlaylist }), let probe = file.probe {
            return ArchivedVideo(
                url: url, container: probe.container.rawValue, warc: file.warc, recordIDs: [file.recordID] + file.laterRecordIDs,
                bytes: file.bytes,
                sha256: file.sha256, durationSeconds: probe.durationSeconds.flatMap(rounded),
                streams: probe.streams.map {
                    ArchivedVideo.Stream(kind: $0.kind, codec: $0.codec, durationSeconds: $0.durationSeconds.flatMap(rounded))
                })
        }
        // An HLS stream: the media playlist that names the segments (the chosen variant).
        // The variant's media playlist (an audio or subtitle rendition's is not the video's).
        guard let playlist = parts.last(where: { $0.playlistSeconds != nil && $0.kind != "hls-rendition" }) else { return nil }
        let payloadParts = parts.filter { $0.kind == "hls-segment" || $0.kind == "hls-init" }
        guard !payloadParts.isEmpty else { return nil }
        let initProbe = parts.first { $0.kind == "hls-init" }?.probe
        return ArchivedVideo(
            url: url, container: "hls", warc: playlist.warc, recordIDs: parts.map(\.recordID),
            bytes: payloadParts.reduce(0) { $0 + $1.bytes }, sha256: playlist.sha256,
            durationSeconds: playlist.playlistSeconds.flatMap(rounded),
            streams: (initProbe?.streams ?? []).map { ArchivedVideo.Stream(kind: $0.kind, codec: $0.codec, durationSeconds: nil) })
    }

    /// A file and the parts that follow it (`media-range`) joined into one part, read again.
    static func joined(_ parts: [MediaPart]) -> [MediaPart] {
        guard parts.contains(where: { $0.kind == "media-range" }) else { return parts }
        var out: [MediaPart] = []
        for part in parts {
            if part.kind == "media-range", let last = out.last, last.kind == "media", var bytes = last.payload, let more = part.payload {
                bytes.append(more)
                var whole = MediaPart(kind: "media", recordID: last.recordID, warc: last.warc, payload: bytes)
                whole.laterRecordIDs = last.laterRecordIDs + [part.recordID]
                out[out.count - 1] = whole
            } else {
                out.append(part)
            }
        }
        return out
    }

    /// Milliseconds: what containers and playlists give beyond them is noise between readers.
    static func rounded(_ seconds: Double) -> Double? {
        let value = (seconds * 1000).rounded() / 1000
        // A duration no container or playlist can mean (1e306, NaN) is unknown, not a number
        // that canonical JSON cannot write.
        return value.isFinite && value >= 0 && value < 1e9 ? value : nil
    }
}

/// Where each archived record sits and which media parts each page's metadata lists: what
/// `video.archived` is derived from again from the archive alone (`verify --rebuild`,
/// `reprocess`). Filled from one pass over the WARC files; no record's bytes are held.
public struct MediaIndex: Sendable {
    public var offsets: [String: (warc: String, offset: UInt64)] = [:]
    public var mediaByPage: [String: [(media: String, kind: String, recordID: String)]] = [:]

    public init() {}

    /// Notes a record met at `offset` of `warc` (a path under the bag).
    public mutating func note(_ record: WARCRecord, warc: String, offset: UInt64) {
        if record.type == .response || record.type == .resource {
            offsets[record.recordID] = (warc, offset)
        } else if record.type == .metadata, let page = record[.refersTo] {
            let parts = CaptureFields.values(of: .mediaRecord, in: record.block).compactMap(ArchivedMedia.parseField)
            if !parts.isEmpty { mediaByPage[page] = parts }
        }
    }

    /// The videos archived with the page whose response record is `page`: the parts its
    /// metadata lists, each read from its WARC file and probed again. A part that is gone leaves
    /// the video short of it (and a rebuild then differs).
    public func videos(page: String, root: URL, limit: Int) -> [ArchivedVideo] {
        guard let listed = mediaByPage[page] else { return [] }
        var order: [String] = []
        var parts: [String: [MediaPart]] = [:]
        var readers: [String: WARCFileReader] = [:]
        for item in listed {
            if parts[item.media] == nil {
                order.append(item.media)
                parts[item.media] = []
            }
            guard let at = offsets[item.recordID] else { continue }
            let reader = readers[at.warc] ?? WARCFileReader(path: root.appendingPathComponent(at.warc).path, limit: limit)
            readers[at.warc] = reader
            guard let record = try? reader.record(at: at.offset) else { continue }
            parts[item.media, default: []].append(
                MediaPart(kind: item.kind, recordID: item.recordID, warc: at.warc, payload: record.payload))
        }
        return order.compactMap { ArchivedMedia.video(url: $0, parts: parts[$0] ?? []) }
    }
}
