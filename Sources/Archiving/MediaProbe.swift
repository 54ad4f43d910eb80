import Foundation

/// The duration of an archived video or audio file, per stream, read from its bytes with no
/// external tool: MP4/MOV (ISO BMFF, progressive or fragmented, `moov` before or after `mdat`),
/// WebM/Matroska (EBML), and HLS playlists (text).
///
/// Nothing in the input is trusted: every size and offset is checked against the buffer before it
/// is used (a size that claims more than there is stops at the end of what there is), the walk is
/// linear in the input (each box or element header is read once per level, payloads that are not
/// needed are skipped by size), there is no recursion (the descent follows fixed paths, so its depth
/// is fixed), and arithmetic on input numbers is done where it cannot overflow. A truncated file
/// gives what its surviving bytes say.
public struct MediaProbe: Sendable, Equatable {
    public enum Container: String, Sendable { case mp4, webm, hls }

    public struct Stream: Sendable, Equatable {
        /// "video", "audio", "subtitle" or "other": from the MP4 handler type (vide, soun,
        /// text/sbtl/subt/clcp) or the Matroska TrackType (1, 2, 17).
        public var kind: String
        /// The MP4 sample entry's four-character code (avc1, hvc1, mp4a, …), the Matroska CodecID
        /// (V_VP9, A_OPUS, …), or for HLS the first part of a CODECS entry (avc1, mp4a, …).
        public var codec: String?
        public var durationSeconds: Double?

        public init(kind: String, codec: String? = nil, durationSeconds: Double? = nil) {
            self.kind = kind
            self.codec = codec
            self.durationSeconds = durationSeconds
        }
    }

    public var container: Container
    /// MP4: the movie header's (`mvhd`), or for a fragmented file the longest track; WebM: the
    /// Segment Info Duration; HLS: the sum of a media playlist's EXTINF (nil for a master playlist).
    public var durationSeconds: Double?
    public var streams: [Stream]

    public init(container: Container, durationSeconds: Double?, streams: [Stream]) {
        self.container = container
        self.durationSeconds = durationSeconds
        self.streams = streams
    }

    /// Parses `data`; nil when it is not a container this knows (e.g. an HTML page served as "video").
    public static func probe(_ data: Data) -> MediaProbe? {
        let binary = data.withUnsafeBytes { raw -> MediaProbe? in
            let bytes = ByteView(raw: raw)
            return ISOBMFF.probe(bytes) ?? Matroska.probe(bytes)
        }
        return binary ?? probePlaylist(data)
    }

    /// An HLS playlist: a media playlist's duration is the sum of its EXTINF; a master playlist has
    /// no duration, and its streams are those its highest-bandwidth variant's CODECS name.
    private static func probePlaylist(_ data: Data) -> MediaProbe? {
        var start = data.startIndex
        if data.starts(with: [0xEF, 0xBB, 0xBF]) { start += 3 }
        while start < data.endIndex, [0x20, 0x09, 0x0A, 0x0D].contains(data[start]) { start += 1 }
        guard data[start...].starts(with: Array("#EXTM3U".utf8)),
            let playlist = HLSPlaylist.parse(String(decoding: data, as: UTF8.self), base: URL(fileURLWithPath: "/"))
        else { return nil }
        switch playlist.kind {
        case .media:
            return MediaProbe(container: .hls, durationSeconds: playlist.totalDuration, streams: [])
        case .master:
            let codecs = playlist.bestVariant(maxBandwidth: nil)?.codecs ?? []
            return MediaProbe(container: .hls, durationSeconds: nil, streams: codecs.map(HLSPlaylist.stream(codec:)))
        }
    }
}

// MARK: - Bytes

/// Bounds-checked big-endian reads: each returns nil rather than read outside the buffer.
private struct ByteView {
    let raw: UnsafeRawBufferPointer
    var count: Int { raw.count }

    func u8(_ at: Int) -> UInt8? { at >= 0 && at < raw.count ? raw[at] : nil }

    /// `width` (0…8) bytes at `at`, big-endian.
    func unsigned(_ at: Int, width: Int) -> UInt64? {
        guard width >= 0, width <= 8, at >= 0, at <= raw.count - width else { return nil }
        var value: UInt64 = 0
        for index in at..<(at + width) { value = value << 8 | UInt64(raw[index]) }
        return value
    }

    func u16(_ at: Int) -> UInt16? { unsigned(at, width: 2).map { UInt16(truncatingIfNeeded: $0) } }
    func u32(_ at: Int) -> UInt32? { unsigned(at, width: 4).map { UInt32(truncatingIfNeeded: $0) } }
    func u64(_ at: Int) -> UInt64? { unsigned(at, width: 8) }

    /// Printable ASCII in `range` (clamped to the buffer), trailing NULs and spaces dropped; nil if
    /// anything else is there.
    func ascii(_ range: Range<Int>) -> String? {
        let lower = max(0, range.lowerBound)
        let upper = min(raw.count, range.upperBound)
        guard lower <= upper else { return nil }
        var scalars: [UInt8] = []
        for index in lower..<upper {
            let byte = raw[index]
            if byte == 0 { break }
            guard byte >= 0x20, byte < 0x7F else { return nil }
            scalars.append(byte)
        }
        while scalars.last == 0x20 { scalars.removeLast() }
        return String(decoding: scalars, as: UTF8.self)
    }
}

/// Seconds from a count of ticks and a rate, when both make sense.
private func seconds(_ ticks: Double, per scale: Double) -> Double? {
    guard scale > 0, ticks.isFinite, ticks >= 0 else { return nil }
    let value = ticks / scale
    return value.isFinite ? value : nil
}

// MARK: - ISO BMFF (MP4, MOV)

private func fourCC(_ text: String) -> UInt32 { text.utf8.reduce(0) { $0 << 8 | UInt32($1) } }

private struct Box {
    var type: UInt32
    /// Where the payload starts (after the size, type, any 64-bit size and a `uuid` box's user type).
    var payload: Int
    /// Where the box ends: never past its parent, nor past the buffer.
    var end: Int
}

private enum ISOBMFF {
    static let ftyp = fourCC("ftyp")
    static let styp = fourCC("styp")
    static let moov = fourCC("moov")
    static let mdat = fourCC("mdat")
    static let free = fourCC("free")
    static let skip = fourCC("skip")
    static let wide = fourCC("wide")
    static let pnot = fourCC("pnot")
    static let uuid = fourCC("uuid")
    static let mvhd = fourCC("mvhd")
    static let mvex = fourCC("mvex")
    static let mehd = fourCC("mehd")
    static let trex = fourCC("trex")
    static let trak = fourCC("trak")
    static let tkhd = fourCC("tkhd")
    static let edts = fourCC("edts")
    static let elst = fourCC("elst")
    static let mdia = fourCC("mdia")
    static let mdhd = fourCC("mdhd")
    static let hdlr = fourCC("hdlr")
    static let minf = fourCC("minf")
    static let stbl = fourCC("stbl")
    static let stsd = fourCC("stsd")
    static let stts = fourCC("stts")
    static let moof = fourCC("moof")
    static let traf = fourCC("traf")
    static let tfhd = fourCC("tfhd")
    static let trun = fourCC("trun")

    /// Calls `body` with each box in `range`, in order, until it returns false. A box whose size is
    /// 0 runs to the end of `range`; one whose size claims more than `range` holds is cut there (and
    /// is the last); one whose size is smaller than its own header ends the walk. Each box is at
    /// least 8 bytes, so the walk is linear.
    static func forEachBox(_ bytes: ByteView, in range: Range<Int>, _ body: (Box) -> Bool) {
        let upper = min(range.upperBound, bytes.count)
        var offset = max(0, range.lowerBound)
        while upper - offset >= 8 {
            guard let size32 = bytes.u32(offset), let type = bytes.u32(offset + 4) else { return }
            let room = upper - offset
            var header = 8
            var size: Int
            if size32 == 1 {
                guard room >= 16, let large = bytes.u64(offset + 8) else { return }
                header = 16
                size = large > UInt64(room) ? room : Int(large)
            } else if size32 == 0 {
                size = room
            } else {
                size = UInt64(size32) > UInt64(room) ? room : Int(size32)
            }
            if type == uuid { header += 16 }
            guard size >= header else { return }
            guard body(Box(type: type, payload: offset + header, end: offset + size)) else { return }
            offset += size
        }
    }

    /// The first child of `box` of type `type`.
    static func child(_ bytes: ByteView, of box: Box, _ type: UInt32) -> Box? {
        var found: Box?
        forEachBox(bytes, in: box.payload..<box.end) { child in
            if child.type == type { found = child }
            return found == nil
        }
        return found
    }

    /// A full box's version byte and 24-bit flags.
    static func versionAndFlags(_ bytes: ByteView, _ box: Box) -> (version: UInt8, flags: UInt32)? {
        guard box.end - box.payload >= 4, let word = bytes.u32(box.payload) else { return nil }
        return (UInt8(word >> 24), word & 0xFF_FFFF)
    }

    /// `mvhd` or `mdhd`: the timescale and the duration (nil when it is all ones: unknown).
    static func timing(_ bytes: ByteView, _ box: Box) -> (timescale: UInt32, duration: UInt64?)? {
        guard let (version, _) = versionAndFlags(bytes, box) else { return nil }
        let at = box.payload + (version == 1 ? 20 : 12)
        let width = version == 1 ? 8 : 4
        guard at + 4 + width <= box.end, let timescale = bytes.u32(at), let duration = bytes.unsigned(at + 4, width: width)
        else { return nil }
        let unknown = version == 1 ? UInt64.max : UInt64(UInt32.max)
        return (timescale, duration == unknown ? nil : duration)
    }

    /// Per track, what the movie fragments (`moof/traf/trun`) add up to, in the track's timescale:
    /// samples whose duration the fragment gives, and the count of samples left to the track's
    /// `trex` default (known only once `moov` is read, which may come after).
    struct FragmentSums {
        var ticks: Double = 0
        var samplesAtTrackDefault: Double = 0
    }

    static func addFragment(_ bytes: ByteView, _ moof: Box, to sums: inout [UInt32: FragmentSums]) {
        forEachBox(bytes, in: moof.payload..<moof.end) { box in
            guard box.type == traf else { return true }
            let traf = box
            // tfhd first (the standard puts it first; read it first whatever the order).
            var trackID: UInt32?
            var defaultDuration: UInt32?
            if let tfhd = child(bytes, of: traf, tfhd), let (_, flags) = versionAndFlags(bytes, tfhd) {
                trackID = bytes.u32(tfhd.payload + 4)
                var at = tfhd.payload + 8
                if flags & 0x1 != 0 { at += 8 }  // base-data-offset
                if flags & 0x2 != 0 { at += 4 }  // sample-description-index
                if flags & 0x8 != 0, at + 4 <= tfhd.end { defaultDuration = bytes.u32(at) }
            }
            guard let trackID else { return true }
            var sum = sums[trackID] ?? FragmentSums()
            forEachBox(bytes, in: traf.payload..<traf.end) { run in
                guard run.type == trun, let (_, flags) = versionAndFlags(bytes, run),
                    let sampleCount = bytes.u32(run.payload + 4)
                else { return true }
                var at = run.payload + 8
                if flags & 0x1 != 0 { at += 4 }  // data-offset
                if flags & 0x4 != 0 { at += 4 }  // first-sample-flags
                let perSample = 4 * (flags & 0xF00).nonzeroBitCount
                if flags & 0x100 != 0 {
                    // Each sample's own duration: as many as the box holds.
                    let available = run.end > at ? (run.end - at) / perSample : 0
                    let count = min(Int(clamping: sampleCount), available)
                    for index in 0..<count {
                        if let duration = bytes.u32(at + index * perSample) { sum.ticks += Double(duration) }
                    }
                } else if let defaultDuration {
                    sum.ticks += Double(sampleCount) * Double(defaultDuration)
                } else {
                    sum.samplesAtTrackDefault += Double(sampleCount)
                }
                return true
            }
            sums[trackID] = sum
            return true
        }
    }

    struct Track {
        var id: UInt32?
        var handler: String?
        var codec: String?
        var timescale: UInt32 = 0
        var duration: UInt64?
        /// The sample table's own sum of sample durations (`stts`), in the track's timescale.
        var sampleTableTicks: Double = 0
        /// The presented length by the edit list, in the movie's timescale (0: no edit list).
        var editTicks: Double = 0
    }

    static func track(_ bytes: ByteView, _ trak: Box) -> Track {
        var track = Track()
        if let tkhd = child(bytes, of: trak, tkhd), let (version, _) = versionAndFlags(bytes, tkhd) {
            let at = tkhd.payload + (version == 1 ? 20 : 12)
            if at + 4 <= tkhd.end { track.id = bytes.u32(at) }
        }
        // The edit list: only the edits that show media (media_time ≠ -1) count; an empty edit
        // delays the track, which is its start, not its length. What an AAC track's edit hides
        // (the encoder's priming) is why its presented length is shorter than its media's.
        if let edts = child(bytes, of: trak, edts), let elst = child(bytes, of: edts, elst),
            let (version, _) = versionAndFlags(bytes, elst), let count = bytes.u32(elst.payload + 4)
        {
            let entrySize = version == 1 ? 20 : 12
            let first = elst.payload + 8
            let available = elst.end > first ? (elst.end - first) / entrySize : 0
            for index in 0..<min(Int(clamping: count), available) {
                let at = first + index * entrySize
                if version == 1 {
                    guard let duration = bytes.u64(at), let time = bytes.u64(at + 8) else { break }
                    if Int64(bitPattern: time) != -1 { track.editTicks += Double(duration) }
                } else {
                    guard let duration = bytes.u32(at), let time = bytes.u32(at + 4) else { break }
                    if Int32(bitPattern: time) != -1 { track.editTicks += Double(duration) }
                }
            }
        }
        guard let mdia = child(bytes, of: trak, mdia) else { return track }
        if let mdhd = child(bytes, of: mdia, mdhd), let (timescale, duration) = timing(bytes, mdhd) {
            track.timescale = timescale
            track.duration = duration
        }
        if let hdlr = child(bytes, of: mdia, hdlr), hdlr.payload + 12 <= hdlr.end {
            track.handler = bytes.ascii((hdlr.payload + 8)..<(hdlr.payload + 12))
        }
        guard let minf = child(bytes, of: mdia, minf), let stbl = child(bytes, of: minf, stbl) else { return track }
        if let stsd = child(bytes, of: stbl, stsd), let entries = bytes.u32(stsd.payload + 4), entries > 0,
            stsd.payload + 16 <= stsd.end
        {
            // The first sample entry's type: its four-character code.
            track.codec = bytes.ascii((stsd.payload + 12)..<(stsd.payload + 16)).flatMap { $0.count == 4 ? $0 : nil }
        }
        if let stts = child(bytes, of: stbl, stts), let count = bytes.u32(stts.payload + 4) {
            let first = stts.payload + 8
            let available = stts.end > first ? (stts.end - first) / 8 : 0
            for index in 0..<min(Int(clamping: count), available) {
                guard let samples = bytes.u32(first + index * 8), let delta = bytes.u32(first + index * 8 + 4) else { break }
                track.sampleTableTicks += Double(samples) * Double(delta)
            }
        }
        return track
    }

    static func kind(handler: String?) -> String {
        switch handler {
        case "vide": return "video"
        case "soun": return "audio"
        case "text", "sbtl", "subt", "clcp": return "subtitle"
        default: return "other"
        }
    }

    static func probe(_ bytes: ByteView) -> MediaProbe? {
        guard let firstSize = bytes.u32(0), let firstType = bytes.u32(4) else { return nil }
        // ISO files start with `ftyp` (a fragment file with `styp`); old QuickTime files may start
        // with any of the others, and then count only if a `moov` is found.
        let typed = firstType == ftyp || firstType == styp
        guard typed || ([moov, mdat, free, skip, wide, pnot].contains(firstType) && (firstSize == 0 || firstSize == 1 || firstSize >= 8))
        else { return nil }
        // The top level, in one pass: `moov` wherever it is (before or after `mdat`), and the
        // movie fragments' sample durations.
        var movie: Box?
        var fragments: [UInt32: FragmentSums] = [:]
        var sawFragments = false
        forEachBox(bytes, in: 0..<bytes.count) { box in
            if box.type == moov, movie == nil { movie = box }
            if box.type == moof {
                sawFragments = true
                addFragment(bytes, box, to: &fragments)
            }
            return true
        }
        guard let movie else { return typed ? MediaProbe(container: .mp4, durationSeconds: nil, streams: []) : nil }

        var movieTimescale: UInt32 = 0
        var movieDuration: UInt64?
        var fragmentDuration: UInt64?
        var trackDefaults: [UInt32: UInt32] = [:]
        var tracks: [Track] = []
        forEachBox(bytes, in: movie.payload..<movie.end) { box in
            switch box.type {
            case mvhd:
                if let (timescale, duration) = timing(bytes, box) {
                    movieTimescale = timescale
                    movieDuration = duration
                }
            case mvex:
                sawFragments = true
                forEachBox(bytes, in: box.payload..<box.end) { inner in
                    if inner.type == trex, inner.payload + 16 <= inner.end, let id = bytes.u32(inner.payload + 4),
                        let duration = bytes.u32(inner.payload + 12)
                    {
                        trackDefaults[id] = duration
                    }
                    if inner.type == mehd, let (version, _) = versionAndFlags(bytes, inner) {
                        fragmentDuration = bytes.unsigned(inner.payload + 4, width: version == 1 ? 8 : 4)
                    }
                    return true
                }
            case trak:
                tracks.append(track(bytes, box))
            default:
                break
            }
            return true
        }

        let movieScale = Double(movieTimescale)
        var streams: [MediaProbe.Stream] = []
        for track in tracks {
            let scale = Double(track.timescale)
            var ticks = Double(track.duration ?? 0)
            if sawFragments {
                // Fragmented: what `moov` itself holds (often nothing), then every fragment. A
                // writer that stored the whole length in `mdhd` is believed when it says more.
                // (The edit list is not applied here: fragmented files' edit lists are written
                // before the fragments exist and rarely give the length.)
                var fragmentTicks = 0.0
                if let id = track.id, let sum = fragments[id] {
                    fragmentTicks = sum.ticks + sum.samplesAtTrackDefault * Double(trackDefaults[id] ?? 0)
                }
                ticks = max(ticks, track.sampleTableTicks + fragmentTicks)
            } else if ticks == 0 {
                ticks = track.sampleTableTicks
            }
            var duration = ticks > 0 ? seconds(ticks, per: scale) : nil
            if !sawFragments, track.editTicks > 0, let edited = seconds(track.editTicks, per: movieScale) {
                // As players (and ffprobe) do: the edit list can only shorten what the media holds.
                duration = duration.map { min($0, edited) } ?? edited
            }
            streams.append(MediaProbe.Stream(kind: kind(handler: track.handler), codec: track.codec, durationSeconds: duration))
        }

        var total = movieDuration.flatMap { $0 > 0 ? seconds(Double($0), per: movieScale) : nil }
        if sawFragments {
            let longest = streams.compactMap(\.durationSeconds).max()
            let declared = fragmentDuration.flatMap { $0 > 0 ? seconds(Double($0), per: movieScale) : nil }
            total = [total, declared, longest].compactMap { $0 }.max()
        } else if total == nil {
            total = streams.compactMap(\.durationSeconds).max()
        }
        return MediaProbe(container: .mp4, durationSeconds: total, streams: streams)
    }
}

// MARK: - Matroska, WebM (EBML)

private struct Element {
    var id: UInt32
    /// Where the element starts (its ID).
    var start: Int
    /// Where its data starts.
    var data: Int
    /// Where it ends: never past its parent, nor past the buffer (an unknown size runs to the parent's end).
    var end: Int
    var unknownSize: Bool
}

private enum Matroska {
    /// Element IDs (with their length markers, as written).
    enum ID {
        static let ebml: UInt32 = 0x1A45_DFA3
        static let docType: UInt32 = 0x4282
        static let segment: UInt32 = 0x1853_8067
        static let seekHead: UInt32 = 0x114D_9B74
        static let info: UInt32 = 0x1549_A966
        static let timestampScale: UInt32 = 0x2A_D7B1
        static let duration: UInt32 = 0x4489
        static let tracks: UInt32 = 0x1654_AE6B
        static let trackEntry: UInt32 = 0xAE
        static let trackNumber: UInt32 = 0xD7
        static let trackType: UInt32 = 0x83
        static let codecID: UInt32 = 0x86
        static let defaultDuration: UInt32 = 0x23_E383
        static let cluster: UInt32 = 0x1F43_B675
        static let timestamp: UInt32 = 0xE7
        static let simpleBlock: UInt32 = 0xA3
        static let blockGroup: UInt32 = 0xA0
        static let block: UInt32 = 0xA1
        static let blockDuration: UInt32 = 0x9B
        static let cues: UInt32 = 0x1C53_BB6B
        static let tags: UInt32 = 0x1254_C367
        static let chapters: UInt32 = 0x1043_A770
        static let attachments: UInt32 = 0x1941_A469
    }

    /// The IDs that end a Cluster of unknown size: the Segment's children, and another Segment or header.
    static let topLevel: Set<UInt32> = [
        ID.seekHead, ID.info, ID.tracks, ID.cluster, ID.cues, ID.tags, ID.chapters, ID.attachments, ID.segment, ID.ebml
    ]

    /// A variable-length integer at `at` (before `limit`): its value with the length marker
    /// removed, its length, and whether all its value bits are ones (an unknown size).
    static func vint(_ bytes: ByteView, at: Int, limit: Int) -> (value: UInt64, length: Int, allOnes: Bool)? {
        guard at < limit, let first = bytes.u8(at), first != 0 else { return nil }
        let length = first.leadingZeroBitCount + 1
        guard limit - at >= length, let raw = bytes.unsigned(at, width: length) else { return nil }
        let bits = 7 * length
        let mask: UInt64 = bits >= 64 ? .max : (1 << UInt64(bits)) - 1
        let value = raw & mask
        return (value, length, value == mask)
    }

    /// The element at `at`, inside `limit`.
    static func element(_ bytes: ByteView, at: Int, limit: Int) -> Element? {
        guard at < limit, let first = bytes.u8(at), first != 0 else { return nil }
        let idLength = first.leadingZeroBitCount + 1
        guard idLength <= 4, limit - at >= idLength, let id = bytes.unsigned(at, width: idLength),
            let size = vint(bytes, at: at + idLength, limit: limit)
        else { return nil }
        let data = at + idLength + size.length
        let room = limit - data
        let end = size.allOnes || size.value > UInt64(room) ? limit : data + Int(size.value)
        return Element(id: UInt32(truncatingIfNeeded: id), start: at, data: data, end: end, unknownSize: size.allOnes)
    }

    /// Calls `body` with each child of the data in `range`, until it returns false or an element
    /// cannot be read. Each element is at least 2 bytes, so the walk is linear.
    static func forEachElement(_ bytes: ByteView, in range: Range<Int>, _ body: (Element) -> Bool) {
        var offset = range.lowerBound
        while offset < range.upperBound, let element = element(bytes, at: offset, limit: range.upperBound) {
            guard body(element) else { return }
            offset = element.end
        }
    }

    static func unsigned(_ bytes: ByteView, _ element: Element) -> UInt64? {
        bytes.unsigned(element.data, width: element.end - element.data)
    }

    static func float(_ bytes: ByteView, _ element: Element) -> Double? {
        switch element.end - element.data {
        case 4: return bytes.u32(element.data).map { Double(Float(bitPattern: $0)) }
        case 8: return bytes.u64(element.data).map { Double(bitPattern: $0) }
        default: return nil
        }
    }

    struct Track {
        var number: UInt64?
        var type: UInt64?
        var codec: String?
        /// Nanoseconds per frame.
        var defaultDuration: UInt64?
    }

    /// Per track number, the blocks seen, in the Segment's timestamp units.
    struct Blocks {
        var first = Double.infinity
        /// The latest block start, the one before it, and how long the latest lasts (if it says).
        var last = -Double.infinity
        var previous = -Double.infinity
        var lastDuration: Double?
        var lastFrames = 1.0
        /// The latest end of a block that gave its duration.
        var end = -Double.infinity

        mutating func add(start: Double, duration: Double?, frames: Double) {
            first = min(first, start)
            if start >= last {
                if start > last { previous = last }
                last = start
                lastDuration = duration
                lastFrames = frames
            }
            if let duration { end = max(end, start + duration) }
        }
    }

    /// A Block or SimpleBlock's header: its track number, its timestamp relative to the
    /// Cluster's, and how many frames it laces.
    static func blockHeader(_ bytes: ByteView, _ element: Element) -> (track: UInt64, relative: Int16, frames: Double)? {
        guard let track = vint(bytes, at: element.data, limit: element.end) else { return nil }
        let at = element.data + track.length
        guard at + 3 <= element.end, let relative = bytes.u16(at), let flags = bytes.u8(at + 2) else { return nil }
        var frames = 1.0
        if flags & 0x06 != 0, at + 4 <= element.end, let laced = bytes.u8(at + 3) { frames = Double(laced) + 1 }
        return (track.value, Int16(bitPattern: relative), frames)
    }

    /// Reads one Cluster's blocks into `blocks`; returns where the Segment's next child starts (for
    /// a Cluster of unknown size: the next top-level ID, or the end).
    static func readCluster(_ bytes: ByteView, _ cluster: Element, into blocks: inout [UInt64: Blocks]) -> Int {
        var clusterTime = 0.0
        var next = cluster.end
        forEachElement(bytes, in: cluster.data..<cluster.end) { child in
            if cluster.unknownSize, topLevel.contains(child.id) {
                next = child.start
                return false
            }
            switch child.id {
            case ID.timestamp:
                clusterTime = unsigned(bytes, child).map { Double($0) } ?? 0
            case ID.simpleBlock:
                if let header = blockHeader(bytes, child) {
                    blocks[header.track, default: Blocks()]
                        .add(start: clusterTime + Double(header.relative), duration: nil, frames: header.frames)
                }
            case ID.blockGroup:
                var header: (track: UInt64, relative: Int16, frames: Double)?
                var duration: Double?
                forEachElement(bytes, in: child.data..<child.end) { inner in
                    if inner.id == ID.block { header = blockHeader(bytes, inner) }
                    if inner.id == ID.blockDuration { duration = unsigned(bytes, inner).map { Double($0) } }
                    return true
                }
                if let header {
                    blocks[header.track, default: Blocks()]
                        .add(start: clusterTime + Double(header.relative), duration: duration, frames: header.frames)
                }
            default:
                break
            }
            return true
        }
        return next
    }

    static func kind(trackType: UInt64?) -> String {
        switch trackType {
        case 1: return "video"
        case 2: return "audio"
        case 17: return "subtitle"
        default: return "other"
        }
    }

    static func probe(_ bytes: ByteView) -> MediaProbe? {
        guard let header = element(bytes, at: 0, limit: bytes.count), header.id == ID.ebml else { return nil }
        var docType: String?
        forEachElement(bytes, in: header.data..<header.end) { child in
            if child.id == ID.docType { docType = bytes.ascii(child.data..<child.end) }
            return docType == nil
        }
        guard docType == "webm" || docType == "matroska" else { return nil }

        // The Segment: the first top-level element after the header that is one.
        var segmentElement: Element?
        forEachElement(bytes, in: header.end..<bytes.count) { element in
            if element.id == ID.segment { segmentElement = element }
            return segmentElement == nil && !element.unknownSize
        }
        guard let segmentElement else { return MediaProbe(container: .webm, durationSeconds: nil, streams: []) }

        var scale = 1_000_000.0  // nanoseconds per timestamp unit
        var declaredDuration: Double?
        var trackList: [Track] = []
        var blocks: [UInt64: Blocks] = [:]
        // The Segment's children, one linear pass: Info, Tracks, and every Cluster's block headers
        // (their frames skipped by size). Any other element of unknown size cannot be skipped: stop.
        var offset = segmentElement.data
        while offset < segmentElement.end, let child = element(bytes, at: offset, limit: segmentElement.end) {
            switch child.id {
            case ID.info:
                forEachElement(bytes, in: child.data..<child.end) { inner in
                    if inner.id == ID.timestampScale, let value = unsigned(bytes, inner), value > 0 { scale = Double(value) }
                    if inner.id == ID.duration, let value = float(bytes, inner), value.isFinite, value >= 0 { declaredDuration = value }
                    return true
                }
            case ID.tracks:
                forEachElement(bytes, in: child.data..<child.end) { entry in
                    guard entry.id == ID.trackEntry else { return true }
                    var track = Track()
                    forEachElement(bytes, in: entry.data..<entry.end) { field in
                        switch field.id {
                        case ID.trackNumber: track.number = unsigned(bytes, field)
                        case ID.trackType: track.type = unsigned(bytes, field)
                        case ID.codecID: track.codec = bytes.ascii(field.data..<field.end)
                        case ID.defaultDuration: track.defaultDuration = unsigned(bytes, field)
                        default: break
                        }
                        return true
                    }
                    trackList.append(track)
                    return true
                }
            case ID.cluster:
                offset = readCluster(bytes, child, into: &blocks)
                continue
            default:
                if child.unknownSize { offset = segmentElement.end }
            }
            offset = max(child.end, offset)
        }

        let streams = trackList.map { track -> MediaProbe.Stream in
            var duration: Double?
            if let number = track.number, let seen = blocks[number], seen.last.isFinite, seen.first.isFinite {
                // The last block's end: its BlockDuration, else the track's DefaultDuration for each
                // of its frames, else the step from the block before (the usual frame length).
                var length = seen.lastDuration
                if length == nil, let perFrame = track.defaultDuration, perFrame > 0 {
                    length = Double(perFrame) / scale * seen.lastFrames
                }
                if length == nil, seen.previous.isFinite { length = seen.last - seen.previous }
                let end = max(seen.last + (length ?? 0), seen.end)
                duration = seconds((end - seen.first) * scale, per: 1_000_000_000)
            }
            return MediaProbe.Stream(kind: kind(trackType: track.type), codec: track.codec, durationSeconds: duration)
        }
        let total = declaredDuration.flatMap { seconds($0 * scale, per: 1_000_000_000) }
        return MediaProbe(container: .webm, durationSeconds: total, streams: streams)
    }
}
