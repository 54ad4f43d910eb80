import Foundation

/// An HLS playlist (RFC 8216), master or media, read without trusting it: unknown tags and
/// comments are skipped, CRLF/CR line ends, blank lines and a byte-order mark are allowed, and
/// every URI is resolved against the playlist's own URL. One pass over the lines.
public struct HLSPlaylist: Sendable, Equatable {
    public enum Kind: String, Sendable { case master, media }

    /// A variant stream of a master playlist (`#EXT-X-STREAM-INF` and the URI line after it), or an
    /// I-frame-only one (`#EXT-X-I-FRAME-STREAM-INF` with its URI attribute).
    public struct Variant: Sendable, Equatable {
        public var url: URL
        /// BANDWIDTH (0 when the playlist leaves it out).
        public var bandwidth: Int
        public var averageBandwidth: Int?
        public var width: Int?
        public var height: Int?
        /// CODECS, split at its commas (inside the quotes): ["avc1.42c00a", "mp4a.40.2"].
        public var codecs: [String]
        public var frameRate: Double?
        public var audioGroup: String?
        public var videoGroup: String?
        public var subtitlesGroup: String?
        /// Every attribute as written (quoted values without their quotes).
        public var attributes: [String: String]
    }

    /// An alternative rendition (`#EXT-X-MEDIA`): audio, video, subtitles or closed captions.
    public struct Rendition: Sendable, Equatable {
        /// TYPE: AUDIO, VIDEO, SUBTITLES or CLOSED-CAPTIONS.
        public var type: String
        public var groupID: String?
        public var name: String?
        public var language: String?
        /// Nil for renditions carried in the variant itself (and for closed captions).
        public var url: URL?
        public var isDefault: Bool
        public var attributes: [String: String]
    }

    /// `#EXT-X-KEY` (METHOD other than NONE).
    public struct Key: Sendable, Equatable {
        /// AES-128, SAMPLE-AES, …
        public var method: String
        public var url: URL?
        /// IV as written (0x…), if given.
        public var iv: String?
        public var keyFormat: String?
    }

    public struct Segment: Sendable, Equatable {
        public var url: URL
        /// The EXTINF duration in seconds (0 when unreadable).
        public var duration: Double
        public var title: String?
        /// Its media sequence number.
        public var sequence: Int
        /// The key it is encrypted with (nil: in the clear).
        public var key: Key?
        /// The `#EXT-X-MAP` initialisation segment in force for it.
        public var map: URL?
        /// `#EXT-X-BYTERANGE` as written (length[@offset]).
        public var byteRange: String?
        /// A `#EXT-X-DISCONTINUITY` comes before it.
        public var discontinuity: Bool
    }

    public var kind: Kind
    public var version: Int?
    public var variants: [Variant] = []
    public var iFrameVariants: [Variant] = []
    public var renditions: [Rendition] = []
    public var segments: [Segment] = []
    /// Every `#EXT-X-KEY` that is not METHOD=NONE, in order.
    public var keys: [Key] = []
    /// Every `#EXT-X-MAP` URI (initialisation segments), resolved, in order.
    public var maps: [URL] = []
    public var targetDuration: Double?
    public var mediaSequence: Int = 0
    /// `#EXT-X-PLAYLIST-TYPE`: VOD or EVENT.
    public var playlistType: String?
    /// `#EXT-X-ENDLIST` is there: no segment will be added. A live playlist has none.
    public var hasEndList = false

    /// A media playlist that may still grow (no `#EXT-X-ENDLIST`).
    public var isLive: Bool { kind == .media && !hasEndList }

    /// The sum of the segments' EXTINF durations.
    public var totalDuration: Double { segments.reduce(0) { $0 + $1.duration } }

    /// The variant with the highest BANDWIDTH not above `maxBandwidth` (any, when nil); when all
    /// are above it, the lowest. Among equals, the first listed.
    public func bestVariant(maxBandwidth: Int?) -> Variant? {
        var best: Variant?
        for variant in variants where maxBandwidth.map({ variant.bandwidth <= $0 }) ?? true {
            if best.map({ variant.bandwidth > $0.bandwidth }) ?? true { best = variant }
        }
        if let best { return best }
        var lowest: Variant?
        for variant in variants where lowest.map({ variant.bandwidth < $0.bandwidth }) ?? true { lowest = variant }
        return lowest
    }

    /// Parses `text`; `base` is the playlist's own URL, against which its URIs are resolved. Nil
    /// unless its first line (after a byte-order mark and blank lines) is `#EXTM3U`.
    /// Whether bytes start as a playlist does (`#EXTM3U`, after a byte-order mark or white space).
    public static func sniff(_ bytes: Data) -> Bool {
        String(decoding: bytes.prefix(16), as: UTF8.self).drop { $0.isWhitespace || $0 == "\u{FEFF}" }.hasPrefix("#EXTM3U")
    }

    public static func parse(_ text: String, base: URL) -> HLSPlaylist? {
        var lines = text.split(whereSeparator: \.isNewline).lazy.map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.makeIterator()
        guard var first = lines.next() else { return nil }
        if first.hasPrefix("\u{FEFF}") { first.removeFirst() }
        first = first.trimmingCharacters(in: .whitespaces)
        guard first.hasPrefix("#EXTM3U") else { return nil }

        var playlist = HLSPlaylist(kind: .media)
        var sawStreamInf = false
        var pendingVariant: [String: String]?
        var pendingSegment: (duration: Double, title: String?)?
        var pendingByteRange: String?
        var pendingDiscontinuity = false
        var key: Key?
        var map: URL?
        var sequence: Int?
        while let line = lines.next() {
            guard line.hasPrefix("#") else {
                // A URI line: the variant or segment its tags announced; a bare one is ignored.
                if let attributes = pendingVariant {
                    pendingVariant = nil
                    if let url = resolve(line, base) { playlist.variants.append(variant(url, attributes)) }
                } else if let info = pendingSegment, let url = resolve(line, base) {
                    let number = sequence ?? playlist.mediaSequence
                    playlist.segments.append(
                        Segment(
                            url: url, duration: info.duration, title: info.title, sequence: number, key: key, map: map,
                            byteRange: pendingByteRange, discontinuity: pendingDiscontinuity))
                    sequence = number.addingReportingOverflow(1).overflow ? number : number + 1
                    pendingSegment = nil
                    pendingByteRange = nil
                    pendingDiscontinuity = false
                }
                continue
            }
            let (tag, value) = split(line)
            switch tag {
            case "#EXT-X-STREAM-INF":
                sawStreamInf = true
                pendingVariant = attributes(value)
            case "#EXT-X-I-FRAME-STREAM-INF":
                let list = attributes(value)
                if let uri = list["URI"], let url = resolve(uri, base) { playlist.iFrameVariants.append(variant(url, list)) }
            case "#EXT-X-MEDIA":
                let list = attributes(value)
                playlist.renditions.append(
                    Rendition(
                        type: list["TYPE"] ?? "", groupID: list["GROUP-ID"], name: list["NAME"], language: list["LANGUAGE"],
                        url: list["URI"].flatMap { resolve($0, base) }, isDefault: list["DEFAULT"] == "YES", attributes: list))
            case "#EXTINF":
                let parts = value.split(separator: ",", maxSplits: 1, omittingEmptySubsequences: false)
                let duration = parts.first.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) } ?? 0
                let title = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
                pendingSegment = (duration.isFinite && duration > 0 ? duration : 0, title.isEmpty ? nil : title)
            case "#EXT-X-KEY":
                let list = attributes(value)
                let method = list["METHOD"] ?? "NONE"
                if method == "NONE" {
                    key = nil
                } else {
                    let found = Key(
                        method: method, url: list["URI"].flatMap { resolve($0, base) }, iv: list["IV"], keyFormat: list["KEYFORMAT"])
                    key = found
                    playlist.keys.append(found)
                }
            case "#EXT-X-MAP":
                map = attributes(value)["URI"].flatMap { resolve($0, base) }
                if let map { playlist.maps.append(map) }
            case "#EXT-X-BYTERANGE":
                pendingByteRange = value
            case "#EXT-X-DISCONTINUITY":
                pendingDiscontinuity = true
            case "#EXT-X-ENDLIST":
                playlist.hasEndList = true
            case "#EXT-X-TARGETDURATION":
                playlist.targetDuration = Double(value)
            case "#EXT-X-MEDIA-SEQUENCE":
                if let number = Int(value), sequence == nil { playlist.mediaSequence = number }
            case "#EXT-X-PLAYLIST-TYPE":
                playlist.playlistType = value
            case "#EXT-X-VERSION":
                playlist.version = Int(value)
            default:
                break  // a comment, or a tag this does not need
            }
        }
        let announcesVariants = sawStreamInf || !playlist.iFrameVariants.isEmpty || !playlist.renditions.isEmpty
        playlist.kind = announcesVariants && playlist.segments.isEmpty ? .master : .media
        return playlist
    }

    /// A tag line's name and the text after its colon ("" when it has none).
    private static func split(_ line: String) -> (tag: String, value: String) {
        guard let colon = line.firstIndex(of: ":") else { return (line, "") }
        return (String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
    }

    /// An attribute list: NAME=value pairs separated by commas, where a value in double quotes may
    /// hold commas and equals signs (and ends at the next quote: HLS has no escapes). The first of
    /// a repeated name wins; a pair without "=" is skipped.
    static func attributes(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            while index < bytes.count, bytes[index] == UInt8(ascii: ",") || bytes[index] == UInt8(ascii: " ") { index += 1 }
            let nameStart = index
            while index < bytes.count, bytes[index] != UInt8(ascii: "="), bytes[index] != UInt8(ascii: ",") { index += 1 }
            let name = String(decoding: bytes[nameStart..<index], as: UTF8.self).trimmingCharacters(in: .whitespaces)
            guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else { continue }
            index += 1
            let value: String
            if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
                let valueStart = index + 1
                index = valueStart
                while index < bytes.count, bytes[index] != UInt8(ascii: "\"") { index += 1 }
                value = String(decoding: bytes[valueStart..<index], as: UTF8.self)
                // Past the closing quote, and anything up to the next comma.
                while index < bytes.count, bytes[index] != UInt8(ascii: ",") { index += 1 }
            } else {
                let valueStart = index
                while index < bytes.count, bytes[index] != UInt8(ascii: ",") { index += 1 }
                value = String(decoding: bytes[valueStart..<index], as: UTF8.self).trimmingCharacters(in: .whitespaces)
            }
            if !name.isEmpty, result[name] == nil { result[name] = value }
        }
        return result
    }

    private static func variant(_ url: URL, _ attributes: [String: String]) -> Variant {
        let resolution = attributes["RESOLUTION"]?.lowercased().split(separator: "x", maxSplits: 1).compactMap { Int($0) } ?? []
        let codecs = attributes["CODECS"]?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return Variant(
            url: url, bandwidth: attributes["BANDWIDTH"].flatMap { Int($0) } ?? 0,
            averageBandwidth: attributes["AVERAGE-BANDWIDTH"].flatMap { Int($0) }, width: resolution.count == 2 ? resolution[0] : nil,
            height: resolution.count == 2 ? resolution[1] : nil, codecs: codecs ?? [],
            frameRate: attributes["FRAME-RATE"].flatMap { Double($0) },
            audioGroup: attributes["AUDIO"], videoGroup: attributes["VIDEO"], subtitlesGroup: attributes["SUBTITLES"],
            attributes: attributes)
    }

    /// `uri` resolved against `base`; characters a URL cannot hold (spaces, …) are percent-encoded first.
    private static func resolve(_ uri: String, _ base: URL) -> URL? {
        if let url = URL(string: uri, relativeTo: base) { return url.absoluteURL }
        var allowed = CharacterSet.urlFragmentAllowed
        allowed.insert(charactersIn: "%#")
        guard let encoded = uri.addingPercentEncoding(withAllowedCharacters: allowed) else { return nil }
        return URL(string: encoded, relativeTo: base)?.absoluteURL
    }

    /// A stream of a master playlist's variant, from one CODECS entry ("avc1.64001f" → video avc1).
    static func stream(codec: String) -> MediaProbe.Stream {
        let name = String(codec.prefix { $0 != "." })
        let kind: String
        switch name.lowercased() {
        case "avc1", "avc3", "hvc1", "hev1", "vp08", "vp09", "av01", "dvh1", "dvhe", "mp4v": kind = "video"
        case "mp4a", "ac-3", "ec-3", "ac-4", "opus", "flac", "alac": kind = "audio"
        case "wvtt", "stpp", "tx3g": kind = "subtitle"
        default: kind = "other"
        }
        return MediaProbe.Stream(kind: kind, codec: name, durationSeconds: nil)
    }
}
