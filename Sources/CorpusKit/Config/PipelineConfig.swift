import Foundation

/// Limits and cleaning rules from `Config/pipeline.toml`.
public struct PipelineConfig: Sendable, Equatable {
    public var maxInputBytes = 32 << 20
    public var maxBlocks = 100_000
    public var maxWARCRecordBytes = 64 << 20
    public var lockTimeoutSeconds = 120.0
    /// Phrases that mark a block as site furniture wherever they appear (case-insensitive).
    public var boilerplatePhrases: [String] = []
    /// Blocks that are exactly one of these words (case-insensitive, ignoring punctuation):
    /// interface labels such as "Advertisement" or "Close".
    public var boilerplateLines: [String] = []
    /// Class/id tokens that only ever name site furniture (comments, sharing, related posts…):
    /// what sits inside such an element is never the article.
    public var furnitureClassTokens: [String] = []
    /// Class/id tokens of layout that is usually furniture (header, nav, modal…) but that sites
    /// also use for wrappers of the article: dropped inside the article, never a veto on it.
    public var layoutClassTokens: [String] = []
    /// Sentences every lesson post repeats; the classifier marks them as series boilerplate.
    public var seriesBoilerplateMarkers: [String] = []
    public var userAgent = "dccorpus"
    public var fetch = FetchLimits()
    /// `[requisites]`: what a fetched page brings with it (images, styles, scripts, media).
    public var requisites = RequisiteLimits()
    /// `[ingest] quarantine_off_topic`: a page with no evidence of this corpus goes to
    /// `Inbox/.rejected/` (ingest: rejected) instead of being archived as `other`.
    public var quarantineOffTopic = false
    /// `[archive] warc_file_bytes`: new captures go into the open WARC file until it reaches this size…
    public var warcFileBytes: Int64 = 1 << 30
    /// `[archive] warc_file_seconds`: …or this age; then a new file is started, and the closed
    /// one is never written again.
    public var warcFileSeconds = 86_400.0
    /// `[archive] gzip_level` (1–12): libdeflate's level for each WARC record's gzip member. 1
    /// by default: on 300 real pages it compresses 2.4x as fast as zlib's level 3 (the earlier
    /// default) to files 2% smaller, and compressing had been a tenth of an ingest's work.
    public var gzipLevel: Int32 = 1

    public init() {}
}

/// A fetched page's requisites (images, styles, fonts, scripts, frames, media), from
/// `[requisites]` in `Config/pipeline.toml`. The fetch politeness, retries and TLS policy of
/// `[fetch]` apply to them too.
public struct RequisiteLimits: Sendable, Equatable {
    /// Off: pages are archived alone (a source may also say `requisites = false`).
    public var enabled = true
    /// Hosts besides the page's own site (its host and the hosts that share its registered
    /// domain) requisites may come from: `cdn.example.com`, `*.example.net`, or `*` for any.
    public var hosts: [String] = []
    /// One file's cap (images, styles, scripts, fonts, playlists, HLS segments).
    public var maxFileBytes = 16 << 20
    /// A progressive video's or audio file's cap (kept below `[limits] max_warc_record_bytes`,
    /// since each is one WARC record).
    public var maxMediaBytes = 60 << 20
    /// All requisites of one page together.
    public var maxPageBytes = 1 << 30
    /// How many requisites one page may bring (HLS segments count).
    public var maxCount = 2_000
    /// An HLS media playlist naming more segments than this is skipped (a live or hostile one).
    public var maxSegments = 1_500
    /// The best HLS variant at or below this bandwidth (bits/s) is archived; 0: the best.
    public var maxBandwidth = 0
    /// `best`: only the best variant within `maxBandwidth` (what the issue of storage asks);
    /// `all`: every variant within it, so that a player that starts low replays too.
    public var hlsVariants = "best"
    public init() {}
}

/// Limits and politeness for the fetcher, from `[fetch]` in `Config/pipeline.toml`.
public struct FetchLimits: Sendable, Equatable {
    public var connectTimeoutSeconds = 15.0
    public var timeoutSeconds = 60.0
    /// A transfer slower than this many bytes per second for `lowSpeedSeconds` is cut off.
    public var lowSpeedBytesPerSecond = 100
    public var lowSpeedSeconds = 20
    public var maxBodyBytes = 32 << 20
    public var maxRedirects = 10
    public var perHostDelaySeconds = 1.0
    public var perHostConcurrency = 2
    public var maxConcurrency = 8
    public var retries = 2
    public var retryBaseSeconds = 1.0
    public var retryAfterCapSeconds = 60.0
    /// Hosts and addresses (`10.0.0.5`, `intranet.example`) that may be on a loopback, private or
    /// link-local address although no source of the run is on them (see `AddressPolicy`).
    public var allowAddresses: [String] = []
    public init() {}
}

extension CorpusConfig {
    public static func parsePipeline(_ text: String, file: String) throws -> PipelineConfig {
        var top = try TableReader(file: file, path: "", value: parseTOML(text, file: file))
        var config = PipelineConfig()
        var limits = try top.table("limits")
        config.maxInputBytes = try limits.int("max_input_bytes", default: config.maxInputBytes, range: 1...(1 << 34))
        config.maxBlocks = try limits.int("max_blocks", default: config.maxBlocks, range: 1...10_000_000)
        config.maxWARCRecordBytes = try limits.int("max_warc_record_bytes", default: config.maxWARCRecordBytes, range: 1...(1 << 34))
        config.lockTimeoutSeconds = try limits.double("lock_timeout_seconds", default: config.lockTimeoutSeconds, range: 0...86_400)
        try limits.finish()
        var cleaning = try top.table("cleaning")
        config.boilerplatePhrases = try cleaning.strings("boilerplate_phrases")
        config.boilerplateLines = try cleaning.strings("boilerplate_lines")
        config.furnitureClassTokens = try cleaning.strings("furniture_class_tokens")
        config.layoutClassTokens = try cleaning.strings("layout_class_tokens")
        try cleaning.finish()
        var classification = try top.table("classification")
        config.seriesBoilerplateMarkers = try classification.strings("series_boilerplate_markers")
        try classification.finish()
        var fetch = try top.table("fetch")
        config.userAgent = try fetch.string("user_agent", default: "dccorpus/\(pipelineVersion)")
        var limits2 = FetchLimits()
        limits2.connectTimeoutSeconds = try fetch.double(
            "connect_timeout_seconds", default: limits2.connectTimeoutSeconds, range: 0.1...600)
        limits2.timeoutSeconds = try fetch.double("timeout_seconds", default: limits2.timeoutSeconds, range: 0.1...3600)
        limits2.lowSpeedBytesPerSecond = try fetch.int(
            "low_speed_bytes_per_second", default: limits2.lowSpeedBytesPerSecond, range: 0...(1 << 30))
        limits2.lowSpeedSeconds = try fetch.int("low_speed_seconds", default: limits2.lowSpeedSeconds, range: 1...3600)
        limits2.maxBodyBytes = try fetch.int("max_body_bytes", default: limits2.maxBodyBytes, range: 1...(1 << 34))
        limits2.maxRedirects = try fetch.int("max_redirects", default: limits2.maxRedirects, range: 0...50)
        limits2.perHostDelaySeconds = try fetch.double("per_host_delay_seconds", default: limits2.perHostDelaySeconds, range: 0...3600)
        limits2.perHostConcurrency = try fetch.int("per_host_concurrency", default: limits2.perHostConcurrency, range: 1...64)
        limits2.maxConcurrency = try fetch.int("max_concurrency", default: limits2.maxConcurrency, range: 1...256)
        limits2.retries = try fetch.int("retries", default: limits2.retries, range: 0...10)
        limits2.retryBaseSeconds = try fetch.double("retry_base_seconds", default: limits2.retryBaseSeconds, range: 0...600)
        limits2.retryAfterCapSeconds = try fetch.double("retry_after_cap_seconds", default: limits2.retryAfterCapSeconds, range: 0...3600)
        limits2.allowAddresses = try fetch.strings("allow_addresses")
        config.fetch = limits2
        try fetch.finish()
        var requisites = try top.table("requisites")
        var wanted = RequisiteLimits()
        wanted.enabled = try requisites.bool("enabled", default: wanted.enabled)
        wanted.hosts = try requisites.strings("hosts")
        wanted.maxFileBytes = try requisites.int("max_file_bytes", default: wanted.maxFileBytes, range: 1...(1 << 34))
        // One WARC record holds a whole file: never more than readers of the archive accept
        // (`[limits] max_warc_record_bytes`, less room for the record's headers).
        wanted.maxMediaBytes = min(
            try requisites.int("max_media_bytes", default: wanted.maxMediaBytes, range: 1...(1 << 34)),
            max(1, config.maxWARCRecordBytes - (64 << 10)))
        wanted.maxFileBytes = min(wanted.maxFileBytes, max(1, config.maxWARCRecordBytes - (64 << 10)))
        wanted.maxPageBytes = try requisites.int("max_page_bytes", default: wanted.maxPageBytes, range: 1...(1 << 40))
        wanted.maxCount = try requisites.int("max_count", default: wanted.maxCount, range: 0...1_000_000)
        wanted.maxSegments = try requisites.int("max_segments", default: wanted.maxSegments, range: 1...1_000_000)
        wanted.maxBandwidth = try requisites.int("max_bandwidth", default: wanted.maxBandwidth, range: 0...(1 << 40))
        wanted.hlsVariants = try requisites.string("hls_variants", default: wanted.hlsVariants)
        guard ["best", "all"].contains(wanted.hlsVariants) else {
            throw CorpusError(file: file, stage: .config, reason: "requisites.hls_variants must be \"best\" or \"all\"")
        }
        config.requisites = wanted
        try requisites.finish()
        var ingest = try top.table("ingest")
        config.quarantineOffTopic = try ingest.bool("quarantine_off_topic", default: false)
        try ingest.finish()
        // Not in the shipped pipeline.toml on purpose: records carry the SHA-256 of that file,
        // and these settings shape WARC files, not records (README: Configuration).
        var archive = try top.table("archive")
        config.warcFileBytes = Int64(try archive.int("warc_file_bytes", default: Int(config.warcFileBytes), range: 1...(1 << 40)))
        config.warcFileSeconds = try archive.double("warc_file_seconds", default: config.warcFileSeconds, range: 0...(366 * 86_400))
        config.gzipLevel = Int32(try archive.int("gzip_level", default: Int(config.gzipLevel), range: 1...12))
        try archive.finish()
        try top.finish()
        return config
    }
}
