import Archiving
import Cleaning
import CorpusKit
import Foundation

/// One thing a fetched page needs to be shown as a reader saw it: fetched (its exchange, redirect
/// hops included) or skipped, with the reason.
public struct Requisite: Sendable {
    /// What it is for the page: `image`, `stylesheet`, `script`, `icon`, `font`, `media`, `track`,
    /// `poster`, `frame`, `object`, `preview`, `css-url`, `hls-playlist`, `hls-segment`, `hls-key`, `hls-init`.
    public var kind: String
    public var url: String
    /// Where the page (or a stylesheet, frame or playlist of it) names it: `img@data-src`, `url() in …`.
    public var origin: String
    public var response: FetchResponse?
    public var skipped: String?
    /// What the metadata should say of an archived one besides (a part of a file sent in parts).
    public var note: String?
    /// For a video or audio file, or an HLS stream's playlists and segments: the address of the
    /// media the page embeds (the progressive file, or the master playlist).
    public var media: String?

    public init(kind: String, url: String, origin: String, response: FetchResponse? = nil, skipped: String? = nil, media: String? = nil) {
        self.kind = kind
        self.url = url
        self.origin = origin
        self.response = response
        self.skipped = skipped
        self.media = media
    }
}

/// Fetches the requisites of captured pages, as wget's `--page-requisites` and more: what the
/// markup names (`PageReferences`), what stylesheets pull in (`@import`, `url()`), what inline
/// scripts name with a media or image extension, `iframe` documents one level deep with their own
/// requisites, and HLS streams (master playlist → the best variant within limits → every
/// segment, keys and init sections). All pages' requisites go through one fetcher, so `[fetch]`
/// politeness holds across them; a URL two pages share is requested once.
struct RequisiteCrawl {
    let limits: FetchLimits
    let wanted: RequisiteLimits
    let userAgent: String
    let addresses: AddressPolicy
    let pipeline: PipelineConfig

    /// A page whose requisites are wanted: its final URL, body and content type.
    struct Page {
        var url: String
        var body: Data
        var contentType: String?
        var verifyTLS: Bool
    }

    /// What one page's crawl has found so far.
    struct State {
        var page: Page
        var seen: Set<String>
        var count = 0
        var bytes = 0
        var found: [Requisite] = []
    }

    /// A requisite to request, for one page.
    struct Wanted {
        var page: Int
        var kind: String
        var url: String
        var origin: String
        var inFrame: Bool
        var media: String?
        /// How many steps from the page (a stylesheet's import is one more than the stylesheet).
        var depth = 1
        /// The rest of a file a server sent in parts (206): from this byte.
        var rangeStart: Int?
        /// What the earlier parts of the file came to, and how many there were.
        var rangeBytes = 0
        var rangeParts = 0

        /// One request per key: a URL, or a URL from a byte.
        var key: String { rangeStart.map { "\(url)\u{0}\($0)" } ?? url }
    }

    static let maxDepth = 12
    /// A file sent in more parts than this is kept as far as it came.
    static let maxParts = 512

    /// Each page's requisites, in the order they were found.
    func run(_ pages: [Page]) -> [[Requisite]] {
        var states = pages.map { State(page: $0, seen: [$0.url]) }
        var queue: [Wanted] = []
        for index in pages.indices {
            queue += discover(
                inHTML: pages[index].body, contentType: pages[index].contentType, at: pages[index].url, page: index, inFrame: false,
                states: &states)
        }
        // Responses already had this run, by URL: a logo two pages share is requested once.
        var had: [String: Result<FetchResponse, CorpusError>] = [:]
        let fetcher = Fetcher(limits: limits, userAgent: userAgent, acceptEncoding: nil, addresses: addresses)
        while !queue.isEmpty {
            var requests: [FetchRequest] = []
            var keys: [String] = []
            var requested = Set<String>()
            for item in queue where had[item.key] == nil && requested.insert(item.key).inserted {
                let cap = Self.isMedia(item.kind) ? wanted.maxMediaBytes : wanted.maxFileBytes
                requests.append(
                    FetchRequest(
                        url: item.url, verifyTLS: states[item.page].page.verifyTLS, maxBodyBytes: max(1, cap - item.rangeBytes),
                        accept: Self.accept(item.kind), range: item.rangeStart.map { "bytes=\($0)-" }))
                keys.append(item.key)
            }
            if !requests.isEmpty {
                fetcher.fetch(requests) { index, result in had[keys[index]] = result }
            }
            let current = queue
            queue = []
            for item in current {
                guard let result = had[item.key] else { continue }
                queue += take(result, for: item, states: &states)
            }
        }
        return states.map(\.found)
    }

    /// Records a response for its page (or why it is skipped) and returns what it names in turn.
    func take(_ result: Result<FetchResponse, CorpusError>, for item: Wanted, states: inout [State]) -> [Wanted] {
        var requisite = Requisite(kind: item.kind, url: item.url, origin: item.origin, media: item.media)
        let response: FetchResponse
        switch result {
        case .failure(let error):
            requisite.skipped = error.reason
            states[item.page].found.append(requisite)
            return []
        case .success(let got):
            response = got
        }
        let mediaType = (response.header("content-type") ?? "").split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        let body = response.body
        let looksHTML = mediaType?.contains("html") == true || Self.sniffsHTML(body)
        let isPlaylist = HLSPlaylist.sniff(body)
        if Self.isMedia(item.kind) || item.kind.hasPrefix("hls-"), looksHTML, !isPlaylist {
            requisite.skipped =
                "served \(mediaType ?? "HTML") where \(item.kind == "media" ? "a video or audio file" : "a stream's part") was expected"
            states[item.page].found.append(requisite)
            return []
        }
        if response.status == 304 || !(200..<300).contains(response.status) {
            requisite.skipped = "HTTP \(response.status)"
            states[item.page].found.append(requisite)
            return []
        }
        let stored = body.count + response.hops.reduce(0) { $0 + $1.body.count }
        guard states[item.page].bytes + stored <= wanted.maxPageBytes else {
            requisite.skipped = "the page's requisites would pass \(wanted.maxPageBytes) bytes (pipeline.toml requisites.max_page_bytes)"
            states[item.page].found.append(requisite)
            return []
        }
        states[item.page].bytes += stored
        requisite.response = response
        var rest: [Wanted] = []
        if response.status == 206 {
            // A server that sends a file in parts even when asked for all of it: each part is
            // kept as it was sent, and the rest is asked for from where the part ended.
            let range = response.header("content-range") ?? ""
            requisite.note = "partial content (\(range.isEmpty ? "no Content-Range" : range))"
            if let (end, total) = Self.contentRange(range), end + 1 < total, end + 1 > (item.rangeStart ?? 0) {
                let sofar = item.rangeBytes + body.count
                let cap = Self.isMedia(item.kind) ? wanted.maxMediaBytes : wanted.maxFileBytes
                if total > cap {
                    requisite.note! += "; the whole file (\(total) bytes) is over the \(cap)-byte limit, the rest is not asked for"
                } else if item.rangeParts >= Self.maxParts || states[item.page].count >= wanted.maxCount {
                    requisite.note! += "; more than \(Self.maxParts) parts or the page's requisite count reached, the rest is not asked for"
                } else {
                    var next = item
                    next.kind = item.kind.hasSuffix("-range") ? item.kind : item.kind + "-range"
                    next.rangeStart = end + 1
                    next.rangeBytes = sofar
                    next.rangeParts = item.rangeParts + 1
                    states[item.page].count += 1  // each part is a request: the count cap holds
                    rest.append(next)
                }
            }
        }
        states[item.page].found.append(requisite)
        if !rest.isEmpty { return rest }

        let base = URL(string: response.finalURL) ?? URL(string: item.url)
        guard let base else { return [] }
        if isPlaylist {
            return playlist(body, at: base, item: item, states: &states)
        }
        if mediaType == "text/css" || ((item.kind == "stylesheet") && !looksHTML) {
            return discover(inCSS: String(decoding: body, as: UTF8.self), at: base, item: item, states: &states)
        }
        if item.kind == "frame", looksHTML, !item.inFrame {
            return discover(
                inHTML: body, contentType: response.header("content-type"), at: response.finalURL, page: item.page, inFrame: true,
                depth: item.depth + 1, states: &states)
        }
        return []
    }

    /// What a page or frame's markup names.
    func discover(
        inHTML body: Data, contentType: String?, at address: String, page: Int, inFrame: Bool, depth: Int = 1, states: inout [State]
    ) -> [Wanted] {
        guard let pageURL = URL(string: address) else { return [] }
        let charset = contentType.flatMap(Charset.label(inContentType:))
        guard let references = try? PageReferences.scan(body, headerCharset: charset, source: address, config: pipeline) else {
            return []
        }
        let base = references.base.flatMap { RequisiteScanners.resolve($0, against: pageURL) }.flatMap(URL.init(string:)) ?? pageURL
        let prefix = inFrame ? "iframe \(address): " : ""
        var out: [Wanted] = []
        for reference in references.references {
            if inFrame && reference.kind == .frame { continue }  // one level deep
            let raws = reference.isSourceSet ? RequisiteScanners.srcset(reference.raw) : [reference.raw]
            for raw in raws {
                out += want(
                    raw, against: base, kind: reference.kind.rawValue, origin: prefix + reference.origin, page: page, inFrame: inFrame,
                    depth: depth, states: &states)
            }
        }
        for style in references.styleTexts {
            for found in RequisiteScanners.css(style) {
                out += want(
                    found.url, against: base, kind: found.isImport ? "stylesheet" : "css-url",
                    origin: prefix + (found.isImport ? "@import in <style>" : "url() in <style>"), page: page, inFrame: inFrame,
                    depth: depth, states: &states)
            }
        }
        for script in references.scriptTexts {
            for raw in RequisiteScanners.script(script) {
                let kind = Self.mediaExtensions.contains(Self.pathExtension(raw)) ? "media" : "image"
                out += want(
                    raw, against: base, kind: kind, origin: prefix + "named in an inline script", page: page, inFrame: inFrame,
                    depth: depth, states: &states)
            }
        }
        return out
    }

    func discover(inCSS text: String, at base: URL, item: Wanted, states: inout [State]) -> [Wanted] {
        RequisiteScanners.css(text).flatMap { found in
            want(
                found.url, against: base, kind: found.isImport ? "stylesheet" : "css-url",
                origin: "\(found.isImport ? "@import" : "url()") in \(item.url)", page: item.page, inFrame: item.inFrame,
                depth: item.depth + 1, states: &states)
        }
    }

    /// A master playlist's best variant (and its alternative renditions); a media playlist's
    /// init section, keys and segments, unless it never ends or names too many.
    func playlist(_ body: Data, at base: URL, item: Wanted, states: inout [State]) -> [Wanted] {
        guard let playlist = HLSPlaylist.parse(String(decoding: body, as: UTF8.self), base: base) else { return [] }
        let media = item.media ?? item.url
        func next(_ url: String, _ kind: String, _ origin: String) -> [Wanted] {
            want(
                url, against: base, kind: kind, origin: origin, page: item.page, inFrame: item.inFrame, media: media,
                depth: item.depth + 1, states: &states)
        }
        if !playlist.variants.isEmpty {
            var out: [Wanted] = []
            let best = playlist.bestVariant(maxBandwidth: wanted.maxBandwidth == 0 ? nil : wanted.maxBandwidth)
            let chosen =
                wanted.hlsVariants == "all"
                ? playlist.variants.filter { wanted.maxBandwidth == 0 || $0.bandwidth <= wanted.maxBandwidth } : []
            for variant in chosen.isEmpty ? (best.map { [$0] } ?? []) : chosen {
                out += next(variant.url.absoluteString, "hls-playlist", "variant of \(item.url) (BANDWIDTH=\(variant.bandwidth))")
            }
            // The chosen variants' own audio and subtitle renditions.
            let audio = Set((chosen.isEmpty ? [best].compactMap { $0 } : chosen).compactMap(\.audioGroup))
            let subtitles = Set((chosen.isEmpty ? [best].compactMap { $0 } : chosen).compactMap(\.subtitlesGroup))
            for rendition in playlist.renditions {
                let type = rendition.type.uppercased()
                guard let url = rendition.url, let group = rendition.groupID,
                    (type == "AUDIO" && audio.contains(group)) || (type == "SUBTITLES" && subtitles.contains(group))
                else { continue }
                out += next(url.absoluteString, "hls-rendition", "\(rendition.type.lowercased()) rendition of \(item.url)")
            }
            return out
        }
        guard playlist.hasEndList else {
            states[item.page].found.append(
                Requisite(
                    kind: "hls-segment", url: item.url, origin: "segments of \(item.url)",
                    skipped: "a live playlist (no #EXT-X-ENDLIST): its segments are not archived", media: media))
            return []
        }
        guard playlist.segments.count <= wanted.maxSegments else {
            states[item.page].found.append(
                Requisite(
                    kind: "hls-segment", url: item.url, origin: "segments of \(item.url)",
                    skipped: "\(playlist.segments.count) segments, more than \(wanted.maxSegments) (pipeline.toml requisites.max_segments)",
                    media: media))
            return []
        }
        var out: [Wanted] = []
        for url in playlist.maps { out += next(url.absoluteString, "hls-init", "init section of \(item.url)") }
        for key in playlist.keys { if let url = key.url { out += next(url.absoluteString, "hls-key", "key of \(item.url)") } }
        for segment in playlist.segments { out += next(segment.url.absoluteString, "hls-segment", "segment of \(item.url)") }
        return out
    }

    /// A reference resolved and admitted for its page, or recorded as skipped with the reason.
    func want(
        _ raw: String, against base: URL, kind: String, origin: String, page: Int, inFrame: Bool, media: String? = nil,
        depth: Int = 1, states: inout [State]
    ) -> [Wanted] {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        let scheme = trimmed.prefix { $0 != ":" && $0 != "/" }.lowercased()
        if scheme == "data" || trimmed.isEmpty || trimmed.hasPrefix("#") { return [] }  // inline, or nothing to fetch
        guard let url = RequisiteScanners.resolve(trimmed, against: base) else {
            if states[page].seen.insert(trimmed).inserted {
                states[page].found.append(
                    Requisite(kind: kind, url: String(trimmed.prefix(300)), origin: origin, skipped: "not an http(s) address"))
            }
            return []
        }
        guard states[page].seen.insert(url).inserted else { return [] }
        let host = Fetcher.host(of: url)
        guard Self.hostAllowed(host, page: Fetcher.host(of: states[page].page.url), patterns: wanted.hosts) else {
            states[page].found.append(
                Requisite(
                    kind: kind, url: url, origin: origin, skipped: "\(host) is not the page's site nor in pipeline.toml requisites.hosts"))
            return []
        }
        guard states[page].count < wanted.maxCount else {
            states[page].found.append(
                Requisite(
                    kind: kind, url: url, origin: origin,
                    skipped: "more than \(wanted.maxCount) requisites (pipeline.toml requisites.max_count)"))
            return []
        }
        guard depth <= Self.maxDepth else {
            states[page].found.append(
                Requisite(kind: kind, url: url, origin: origin, skipped: "nested more than \(Self.maxDepth) steps from the page"))
            return []
        }
        states[page].count += 1
        let isMedia = Self.isMedia(kind) || media != nil
        return [
            Wanted(
                page: page, kind: kind, url: url, origin: origin, inFrame: inFrame, media: media ?? (isMedia ? url : nil), depth: depth)
        ]
    }

    static let mediaExtensions: Set<String> = [
        "mp4", "m4v", "webm", "mov", "m3u8", "mpd", "mp3", "m4a", "aac", "ogg", "oga", "ogv", "wav", "flac"
    ]

    static func pathExtension(_ raw: String) -> String {
        let path = raw.prefix { $0 != "?" && $0 != "#" }
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return "" }
        return path[path.index(after: dot)...].lowercased()
    }

    static func isMedia(_ kind: String) -> Bool { kind == "media" || kind == "media-range" }

    /// `bytes 0-999/5000` → (999, 5000); nil when the total is unknown (`*`) or it is malformed.
    static func contentRange(_ value: String) -> (end: Int, total: Int)? {
        let parts = value.lowercased().replacingOccurrences(of: "bytes", with: "").trimmingCharacters(in: .whitespaces)
            .split(separator: "/")
        guard parts.count == 2, let total = Int(parts[1]), let dash = parts[0].firstIndex(of: "-"),
            let start = Int(parts[0][..<dash]), let end = Int(parts[0][parts[0].index(after: dash)...]), start <= end, end < total
        else { return nil }
        return (end, total)
    }

    static func accept(_ kind: String) -> String {
        switch kind {
        case "image", "icon", "poster", "preview", "css-url": return "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"
        case "stylesheet": return "text/css,*/*;q=0.1"
        case "frame": return "text/html,application/xhtml+xml,*/*;q=0.8"
        default: return "*/*"
        }
    }

    static func sniffsHTML(_ body: Data) -> Bool {
        let head = String(decoding: body.prefix(256), as: UTF8.self).lowercased().drop { $0.isWhitespace || $0 == "\u{FEFF}" }
        return head.hasPrefix("<!doctype html") || head.hasPrefix("<html") || head.hasPrefix("<head") || head.hasPrefix("<body")
    }

    /// The page's own site (its host, or a host sharing its registered domain), a listed host,
    /// a listed `*.domain`, or anything with `*`.
    static func hostAllowed(_ host: String, page: String, patterns: [String]) -> Bool {
        if host == page || registeredDomain(host) == registeredDomain(page) { return true }
        for pattern in patterns.map({ $0.lowercased() }) {
            if pattern == "*" || pattern == host { return true }
            if pattern.hasPrefix("*."), host.hasSuffix(pattern.dropFirst()) || host == pattern.dropFirst(2) { return true }
        }
        return false
    }

    /// `img.example.com` → `example.com`; `www.bjcc.gov.cn` → `bjcc.gov.cn` (a second-level
    /// label such as gov, com, org under a two-letter country code counts as part of the suffix).
    /// An IP address is its own domain.
    static func registeredDomain(_ host: String) -> String {
        if IPAddress(host) != nil || IPAddress(AddressPolicy.normalized(host)) != nil { return host }
        let labels = host.split(separator: ".")
        guard labels.count > 2 else { return host }
        let secondLevel: Set<Substring> = ["com", "gov", "org", "net", "edu", "ac", "co", "or", "ne", "go"]
        let keep = labels.last!.count == 2 && secondLevel.contains(labels[labels.count - 2]) ? 3 : 2
        return labels.suffix(keep).joined(separator: ".")
    }
}
