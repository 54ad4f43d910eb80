import Foundation

/// The document kinds the corpus knows; `other` is the honest answer when no rule fires.
public enum DocumentKind: String, Codable, Sendable, CaseIterable {
    case lesson
    case lessonSource = "lesson-source"
    case glossary, overview, policy, commentary, other
}

/// A pair of English and Chinese strings; either side may be absent.
public struct Bilingual: Codable, Equatable, Sendable {
    public var en: String?
    public var zh: String?
    public init(en: String? = nil, zh: String? = nil) {
        self.en = en
        self.zh = zh
    }
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(en, forKey: .en)
        try container.encode(zh, forKey: .zh)
    }
    enum CodingKeys: String, CodingKey { case en, zh }
}

/// Why the classifier chose a kind: the phrases that decided, and how sure it is (0…1).
public struct ClassificationInfo: Codable, Equatable, Sendable {
    public var kind: DocumentKind
    public var confidence: Double
    public var evidence: [String]
    public init(kind: DocumentKind, confidence: Double, evidence: [String]) {
        self.kind = kind
        self.confidence = confidence
        self.evidence = evidence
    }

    /// How the classifier's evidence begins when a page has no evidence of the corpus at all.
    public static let offTopicMark = "off-topic: "

    /// Why the page is off-topic, when the classifier said so (its first evidence); nil otherwise.
    public var offTopicReason: String? {
        guard kind == .other, let first = evidence.first, first.hasPrefix(Self.offTopicMark) else { return nil }
        return first
    }
}

public struct SeriesInfo: Codable, Equatable, Sendable {
    public var name: String
    public var lesson: Int
    public var of: Int
    public init(name: String, lesson: Int, of: Int) {
        self.name = name
        self.lesson = lesson
        self.of = of
    }
}

public struct VideoInfo: Codable, Equatable, Sendable {
    public var speaker: Bilingual
    /// What the page says (a lesson original's 时长 line), not what was archived.
    public var durationSeconds: Int?
    /// The video files and streams archived with the page's capture (written only when there is one).
    public var archived: [ArchivedVideo]
    public init(speaker: Bilingual, durationSeconds: Int?, archived: [ArchivedVideo] = []) {
        self.speaker = speaker
        self.durationSeconds = durationSeconds
        self.archived = archived
    }
    enum CodingKeys: String, CodingKey {
        case speaker, archived
        case durationSeconds = "duration_seconds"
    }
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        speaker = try container.decode(Bilingual.self, forKey: .speaker)
        durationSeconds = try container.decodeIfPresent(Int.self, forKey: .durationSeconds)
        archived = try container.decodeIfPresent([ArchivedVideo].self, forKey: .archived) ?? []
    }
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(speaker, forKey: .speaker)
        try container.encode(durationSeconds, forKey: .durationSeconds)
        if !archived.isEmpty { try container.encode(archived, forKey: .archived) }
    }
}

/// A video (or audio) file or HLS stream archived with a page: where its bytes are, what they
/// are, and how long each stream runs, read from the container itself (MP4 `mvhd`/`mdhd`, WebM
/// segment info and blocks, the sum of an HLS playlist's `EXTINF`).
public struct ArchivedVideo: Codable, Equatable, Sendable {
    public struct Stream: Codable, Equatable, Sendable {
        /// `video`, `audio`, `subtitle` or `other`.
        public var kind: String
        public var codec: String?
        public var durationSeconds: Double?
        public init(kind: String, codec: String?, durationSeconds: Double?) {
            self.kind = kind
            self.codec = codec
            self.durationSeconds = durationSeconds
        }
        enum CodingKeys: String, CodingKey {
            case kind, codec
            case durationSeconds = "duration_seconds"
        }
        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(kind, forKey: .kind)
            try container.encode(codec, forKey: .codec)
            try container.encode(durationSeconds, forKey: .durationSeconds)
        }
    }
    /// The address the page names (a progressive file, or an HLS master or media playlist).
    public var url: String
    /// `mp4`, `webm` or `hls`.
    public var container: String
    /// The WARC file of its main record (the file, or the media playlist).
    public var warc: String
    /// The `response` records that hold its bytes, in order (for HLS: playlists, init section,
    /// keys, segments); a revisit names the record it revisits.
    public var recordIDs: [String]
    /// Its payload bytes (for HLS: of its segments and init sections).
    public var bytes: Int
    /// The payload's SHA-256 (for HLS: of the media playlist, which names every segment).
    public var sha256: String
    public var durationSeconds: Double?
    public var streams: [Stream]

    public init(
        url: String, container: String, warc: String, recordIDs: [String], bytes: Int, sha256: String, durationSeconds: Double?,
        streams: [Stream]
    ) {
        self.url = url
        self.container = container
        self.warc = warc
        self.recordIDs = recordIDs
        self.bytes = bytes
        self.sha256 = sha256
        self.durationSeconds = durationSeconds
        self.streams = streams
    }
    enum CodingKeys: String, CodingKey {
        case url, container, warc, bytes, sha256, streams
        case recordIDs = "record_ids"
        case durationSeconds = "duration_seconds"
    }
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(url, forKey: .url)
        try container.encode(self.container, forKey: .container)
        try container.encode(warc, forKey: .warc)
        try container.encode(recordIDs, forKey: .recordIDs)
        try container.encode(bytes, forKey: .bytes)
        try container.encode(sha256, forKey: .sha256)
        try container.encode(durationSeconds, forKey: .durationSeconds)
        try container.encode(streams, forKey: .streams)
    }
}

/// A lesson post's link to its Chinese original: the address (absolute http or https; nil when
/// the page's link was not one) and the Chinese title the link carries.
public struct OriginalLink: Codable, Equatable, Sendable {
    public var url: String?
    public var titleZH: String?
    public init(url: String?, titleZH: String?) {
        self.url = url
        self.titleZH = titleZH
    }
    enum CodingKeys: String, CodingKey {
        case url
        case titleZH = "title_zh"
    }
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(url, forKey: .url)
        try container.encode(titleZH, forKey: .titleZH)
    }
}

/// One entry of a lesson's terminology shortlist.
public struct Term: Codable, Equatable, Sendable {
    public var en: String
    public var zh: String
    public var footnote: Int?
    /// The glossary's definition (glossary entries only).
    public var definition: String?
    /// The lesson the glossary files the term under, when it says so.
    public var lesson: Int?
    public init(en: String, zh: String, footnote: Int?, definition: String? = nil, lesson: Int? = nil) {
        self.en = en
        self.zh = zh
        self.footnote = footnote
        self.definition = definition
        self.lesson = lesson
    }
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(en, forKey: .en)
        try container.encode(zh, forKey: .zh)
        try container.encode(footnote, forKey: .footnote)
        try container.encodeIfPresent(definition, forKey: .definition)
        try container.encodeIfPresent(lesson, forKey: .lesson)
    }
    enum CodingKeys: String, CodingKey { case en, zh, footnote, definition, lesson }
}

/// One timestamped block of a video transcript with its translation.
public struct TranscriptBlock: Codable, Equatable, Sendable {
    public var at: String
    public var seconds: Int
    public var en: String?
    public var zh: String?
    public init(at: String, seconds: Int, en: String?, zh: String?) {
        self.at = at
        self.seconds = seconds
        self.en = en
        self.zh = zh
    }
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(at, forKey: .at)
        try container.encode(seconds, forKey: .seconds)
        try container.encode(en, forKey: .en)
        try container.encode(zh, forKey: .zh)
    }
    enum CodingKeys: String, CodingKey { case at, seconds, en, zh }
}

public struct Footnote: Codable, Equatable, Sendable {
    public var n: Int
    public var text: String
    public init(n: Int, text: String) {
        self.n = n
        self.text = text
    }
}

/// Where the raw bytes came from. `retrievedAt` is the capture's WARC-Date: the only wall-clock
/// time in a record, so rebuilding a record from its capture reproduces it byte for byte.
public struct SourceInfo: Codable, Equatable, Sendable {
    public var url: String?
    public var requestedURL: String?
    public var file: String?
    public var retrievedAt: String
    public var httpStatus: Int?
    public var tlsVerified: Bool?
    public var contentType: String?
    public var charset: String?
    public var fileSize: Int?
    public var fileModified: String?
    // Fetched captures only:
    public var sourceID: String?
    public var ipAddress: String?
    public var redirects: [String]?
    public var tlsVerifyResult: Int?
    public var etag: String?
    public var lastModified: String?
    /// The page's own `<link rel="canonical">`: the same document under another address.
    public var canonicalURL: String?

    public init(
        url: String? = nil, requestedURL: String? = nil, file: String? = nil, retrievedAt: String,
        httpStatus: Int? = nil, tlsVerified: Bool? = nil, contentType: String? = nil, charset: String? = nil,
        fileSize: Int? = nil, fileModified: String? = nil
    ) {
        self.url = url
        self.requestedURL = requestedURL
        self.file = file
        self.retrievedAt = retrievedAt
        self.httpStatus = httpStatus
        self.tlsVerified = tlsVerified
        self.contentType = contentType
        self.charset = charset
        self.fileSize = fileSize
        self.fileModified = fileModified
    }

    enum CodingKeys: String, CodingKey {
        case url, file, charset
        case requestedURL = "requested_url"
        case retrievedAt = "retrieved_at"
        case httpStatus = "http_status"
        case tlsVerified = "tls_verified"
        case contentType = "content_type"
        case fileSize = "file_size"
        case fileModified = "file_modified"
        case sourceID = "source_id"
        case ipAddress = "ip_address"
        case redirects
        case tlsVerifyResult = "tls_verify_result"
        case etag
        case lastModified = "last_modified"
        case canonicalURL = "canonical_url"
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(url, forKey: .url)
        try container.encodeIfPresent(requestedURL, forKey: .requestedURL)
        try container.encode(file, forKey: .file)
        try container.encode(retrievedAt, forKey: .retrievedAt)
        try container.encode(httpStatus, forKey: .httpStatus)
        try container.encode(tlsVerified, forKey: .tlsVerified)
        try container.encode(contentType, forKey: .contentType)
        try container.encode(charset, forKey: .charset)
        try container.encodeIfPresent(fileSize, forKey: .fileSize)
        try container.encodeIfPresent(fileModified, forKey: .fileModified)
        try container.encodeIfPresent(sourceID, forKey: .sourceID)
        try container.encodeIfPresent(ipAddress, forKey: .ipAddress)
        try container.encodeIfPresent(redirects, forKey: .redirects)
        try container.encodeIfPresent(tlsVerifyResult, forKey: .tlsVerifyResult)
        try container.encodeIfPresent(etag, forKey: .etag)
        try container.encodeIfPresent(lastModified, forKey: .lastModified)
        try container.encodeIfPresent(canonicalURL, forKey: .canonicalURL)
    }
}

/// The WARC file (relative to the bag) and record that hold a record's raw capture.
public struct ArchiveLocation: Codable, Equatable, Sendable {
    public var warc: String
    public var recordID: String
    public init(warc: String, recordID: String) {
        self.warc = warc
        self.recordID = recordID
    }
    enum CodingKeys: String, CodingKey {
        case warc
        case recordID = "record_id"
    }
}

public struct PipelineInfo: Codable, Equatable, Sendable {
    public var version: String
    public var configSHA256: String
    public init(version: String, configSHA256: String) {
        self.version = version
        self.configSHA256 = configSHA256
    }
    enum CodingKeys: String, CodingKey {
        case version
        case configSHA256 = "config_sha256"
    }
}

public struct Provenance: Codable, Equatable, Sendable {
    public var source: SourceInfo
    public var rawSHA256: String
    public var textSHA256: String
    public var recordSHA256: String
    public var archive: ArchiveLocation
    public var pipeline: PipelineInfo

    public init(
        source: SourceInfo, rawSHA256: String, textSHA256: String, recordSHA256: String = "",
        archive: ArchiveLocation, pipeline: PipelineInfo
    ) {
        self.source = source
        self.rawSHA256 = rawSHA256
        self.textSHA256 = textSHA256
        self.recordSHA256 = recordSHA256
        self.archive = archive
        self.pipeline = pipeline
    }

    enum CodingKeys: String, CodingKey {
        case source, archive, pipeline
        case rawSHA256 = "raw_sha256"
        case textSHA256 = "text_sha256"
        case recordSHA256 = "record_sha256"
    }
}

/// What a record says about its document: everything but its provenance. The classifier
/// produces it and `CorpusRecord` seals it with provenance, so a new field is one property and
/// one coding key here (and the schema), not an edit in every stage.
public struct RecordContent: Codable, Equatable, Sendable {
    public var id: String
    public var kind: DocumentKind
    public var classification: ClassificationInfo
    public var languages: [String]
    public var title: Bilingual
    public var headline: String?
    public var series: SeriesInfo?
    public var published: String?
    public var publisher: Bilingual?
    public var video: VideoInfo?
    public var synopsis: Bilingual
    public var terms: [Term]
    public var transcript: [TranscriptBlock]
    public var footnotes: [Footnote]
    public var topics: [String]
    public var text: String
    /// A lesson post's link to its Chinese original (lessons only; absent otherwise).
    public var original: OriginalLink?
    /// The original's 责任编辑, when the page names one.
    public var editor: String?
    /// The pair of a lesson and its Chinese original name each other: `lesson-N` is the
    /// translation of `lesson-N-source` (`translation_of`), which is the original of `lesson-N`
    /// (`original_of`).
    public var translationOf: String?
    public var originalOf: String?

    public init(
        id: String, kind: DocumentKind, classification: ClassificationInfo, languages: [String], title: Bilingual,
        headline: String?, series: SeriesInfo?, published: String?, publisher: Bilingual?, video: VideoInfo?,
        synopsis: Bilingual, terms: [Term], transcript: [TranscriptBlock], footnotes: [Footnote], topics: [String],
        text: String, original: OriginalLink? = nil, editor: String? = nil, translationOf: String? = nil,
        originalOf: String? = nil
    ) {
        self.id = id
        self.kind = kind
        self.classification = classification
        self.languages = languages
        self.title = title
        self.headline = headline
        self.series = series
        self.published = published
        self.publisher = publisher
        self.video = video
        self.synopsis = synopsis
        self.terms = terms
        self.transcript = transcript
        self.footnotes = footnotes
        self.topics = topics
        self.text = text
        self.original = original
        self.editor = editor
        self.translationOf = translationOf
        self.originalOf = originalOf
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, languages, title, headline, classification, series, published, publisher, video
        case synopsis, terms, transcript, footnotes, topics, text, original, editor
        case translationOf = "translation_of"
        case originalOf = "original_of"
    }

    /// Fields of the first schema are always present (null when unknown); fields added since
    /// are present only when known, so older records keep their bytes.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(kind, forKey: .kind)
        try container.encode(languages, forKey: .languages)
        try container.encode(title, forKey: .title)
        try container.encode(headline, forKey: .headline)
        try container.encode(classification, forKey: .classification)
        try container.encode(series, forKey: .series)
        try container.encode(published, forKey: .published)
        try container.encode(publisher, forKey: .publisher)
        try container.encode(video, forKey: .video)
        try container.encode(synopsis, forKey: .synopsis)
        try container.encode(terms, forKey: .terms)
        try container.encode(transcript, forKey: .transcript)
        try container.encode(footnotes, forKey: .footnotes)
        try container.encode(topics, forKey: .topics)
        try container.encode(text, forKey: .text)
        try container.encodeIfPresent(original, forKey: .original)
        try container.encodeIfPresent(editor, forKey: .editor)
        try container.encodeIfPresent(translationOf, forKey: .translationOf)
        try container.encodeIfPresent(originalOf, forKey: .originalOf)
    }
}

/// One corpus document as written to `data/corpus/<id>.json`: its content, sealed with where
/// it came from. Content fields read through (`record.title` is `record.content.title`).
@dynamicMemberLookup
public struct CorpusRecord: Codable, Equatable, Sendable {
    public var content: RecordContent
    public var provenance: Provenance

    public init(content: RecordContent, provenance: Provenance) {
        self.content = content
        self.provenance = provenance
    }

    public init(
        id: String, kind: DocumentKind, languages: [String], title: Bilingual, headline: String?,
        classification: ClassificationInfo, series: SeriesInfo?, published: String?, publisher: Bilingual?,
        video: VideoInfo?, synopsis: Bilingual, terms: [Term], transcript: [TranscriptBlock],
        footnotes: [Footnote], topics: [String], text: String, original: OriginalLink? = nil, editor: String? = nil,
        translationOf: String? = nil, originalOf: String? = nil, provenance: Provenance
    ) {
        self.init(
            content: RecordContent(
                id: id, kind: kind, classification: classification, languages: languages, title: title, headline: headline,
                series: series, published: published, publisher: publisher, video: video, synopsis: synopsis, terms: terms,
                transcript: transcript, footnotes: footnotes, topics: topics, text: text, original: original, editor: editor,
                translationOf: translationOf, originalOf: originalOf),
            provenance: provenance)
    }

    public subscript<Value>(dynamicMember keyPath: WritableKeyPath<RecordContent, Value>) -> Value {
        get { content[keyPath: keyPath] }
        set { content[keyPath: keyPath] = newValue }
    }

    enum ProvenanceKey: String, CodingKey { case provenance }

    /// One JSON object: the content's keys and `provenance` side by side.
    public func encode(to encoder: Encoder) throws {
        try content.encode(to: encoder)
        var container = encoder.container(keyedBy: ProvenanceKey.self)
        try container.encode(provenance, forKey: .provenance)
    }

    public init(from decoder: Decoder) throws {
        content = try RecordContent(from: decoder)
        provenance = try decoder.container(keyedBy: ProvenanceKey.self).decode(Provenance.self, forKey: .provenance)
    }

    /// The record as JSON with `provenance.record_sha256` removed: the input of the record hash.
    public func jsonWithoutRecordHash() throws -> JSONValue {
        guard case .object(var top) = try JSONValue.from(self),
            case .object(var provenance)? = top["provenance"]
        else {
            throw CorpusError(file: content.id, stage: .record, reason: "record did not encode as an object")
        }
        provenance.removeValue(forKey: "record_sha256")
        top["provenance"] = .object(provenance)
        return .object(top)
    }

    /// SHA-256 of the RFC 8785 canonical JSON of the record without its own hash.
    public func computeRecordHash() throws -> String {
        Digest.sha256Hex(try jsonWithoutRecordHash().canonicalData())
    }

    /// Returns the record with `record_sha256` filled in.
    public func sealed() throws -> CorpusRecord {
        try sealedWithFile().record
    }

    /// The sealed record and its file bytes, from one conversion to JSON (the slow part).
    public func sealedWithFile() throws -> (record: CorpusRecord, file: Data) {
        var json = try jsonWithoutRecordHash()
        let hash = Digest.sha256Hex(json.canonicalData())
        var copy = self
        copy.provenance.recordSHA256 = hash
        if case .object(var top) = json, case .object(var provenance)? = top["provenance"] {
            provenance["record_sha256"] = .string(hash)
            top["provenance"] = .object(provenance)
            json = .object(top)
        }
        return (copy, json.prettyData())
    }

    /// The bytes written to disk: sorted keys, two-space indent, explicit nulls.
    public func fileData() throws -> Data {
        try JSONValue.from(self).prettyData()
    }

    public static func decode(_ data: Data, file: String) throws -> CorpusRecord {
        do {
            return try JSONDecoder().decode(CorpusRecord.self, from: data)
        } catch {
            throw CorpusError(file: file, stage: .validate, reason: "record does not decode: \(Self.describe(error))")
        }
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing key \((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        case DecodingError.dataCorrupted(let context):
            return "bad value at \(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}
