import Archiving
import CorpusKit
import Foundation

/// How much of the series the corpus holds: for each of the lessons, the English post and the
/// Chinese original (record, last capture, last fetch outcome), the parts a lesson should have,
/// and what is missing; and the sources that failed in the last fetch. Read-only.
public struct Coverage: Encodable, Sendable {
    public struct Half: Encodable, Sendable {
        public var id: String
        public var present: Bool
        public var lastCapture: String?
        public var lastCaptureStatus: String?
        public var lastFetch: String?
        public var lastFetchError: String?
        /// The videos archived with this page's capture, and whether they run as long as its 时长.
        public var video: VideoStatus?
        enum CodingKeys: String, CodingKey {
            case id, present, video
            case lastCapture = "last_capture"
            case lastCaptureStatus = "last_capture_status"
            case lastFetch = "last_fetch"
            case lastFetchError = "last_fetch_error"
        }
    }

    /// `{archived, declared_seconds, archived_seconds, matches}`: `matches` is nil when the page
    /// declares no length or nothing is archived, false when a video or one of its streams runs
    /// more than `Validator.durationTolerance` away (`problems` says which).
    public struct VideoStatus: Encodable, Sendable {
        public var archived: Int
        public var declaredSeconds: Int?
        public var archivedSeconds: [Double?]
        public var matches: Bool?
        public var problems: [String]
        enum CodingKeys: String, CodingKey {
            case archived, matches, problems
            case declaredSeconds = "declared_seconds"
            case archivedSeconds = "archived_seconds"
        }

        init?(_ video: VideoInfo?) {
            guard let video else { return nil }
            archived = video.archived.count
            declaredSeconds = video.durationSeconds
            archivedSeconds = video.archived.map(\.durationSeconds)
            problems = Validator.durationMismatches(video)
            matches = archived == 0 || declaredSeconds == nil ? nil : problems.isEmpty
        }

        /// `video ok`, `video 2 s off`, `no video`.
        public var cell: String {
            guard archived > 0 else { return "no video" }
            switch matches {
            case true?: return "video ok"
            case false?: return "video differs"
            case nil: return "video"
            }
        }
    }

    public struct Row: Encodable, Sendable {
        public var lesson: Int
        public var title: Bilingual
        public var post: Half
        public var original: Half
        public var originalURL: String?
        public var transcriptBlocks: Int
        public var terms: Int
        public var footnotes: Int
        public var missing: [String]
        enum CodingKeys: String, CodingKey {
            case lesson, title, post, original, terms, footnotes, missing
            case originalURL = "original_url"
            case transcriptBlocks = "transcript_blocks"
        }
    }

    public var lessons: [Row]
    public var posts: Int
    public var originals: Int
    public var lastFetch: String?
    public var failedSources: [FetchLog.Entry]
    /// Records made by another pipeline version, counted by that version.
    public var staleRecords: [String: Int] = [:]

    enum CodingKeys: String, CodingKey {
        case lessons, posts, originals
        case lastFetch = "last_fetch"
        case failedSources = "failed_sources"
        case staleRecords = "stale_records"
    }

    /// "12 records were made by pipeline 0.1.0; run `dccorpus reprocess`", or nil.
    public var staleLine: String? {
        guard !staleRecords.isEmpty else { return nil }
        let parts = staleRecords.sorted { $0.key < $1.key }.map {
            "\($0.value) record\($0.value == 1 ? " was" : "s were") made by pipeline \($0.key)"
        }
        return parts.joined(separator: ", ") + "; run `dccorpus reprocess`"
    }

    /// "lessons: 9/13 posts, 3/13 originals"
    public var summaryLine: String {
        "lessons: \(posts)/\(lessons.count) posts, \(originals)/\(lessons.count) originals"
    }

    public static func build(records: [CorpusRecord], captures: [String: CaptureEntry], fetchLog: FetchLog?, seriesLength: Int) -> Coverage
    {
        let series = SeriesDocuments(records, seriesLength: seriesLength)
        let fetched = fetchLog?.entries ?? []
        func half(_ id: String) -> Half {
            let capture = captures[id]
            let fetch = fetched.last { $0.id == id }
            let record = series.record(id)
            return Half(
                id: id, present: record != nil, lastCapture: capture?.date, lastCaptureStatus: capture?.status.rawValue,
                lastFetch: fetch?.status.rawValue, lastFetchError: fetch?.error,
                video: record.flatMap { VideoStatus($0.video) ?? VideoStatus(VideoInfo(speaker: Bilingual(), durationSeconds: nil)) })
        }
        var rows: [Row] = []
        for lesson in series.lessons {
            let post = series.post(lesson)
            let source = series.original(lesson)
            var missing: [String] = []
            if post == nil { missing.append("English post") }
            if source == nil { missing.append("Chinese original") }
            if post != nil || source != nil, (post?.video?.archived ?? []).isEmpty, (source?.video?.archived ?? []).isEmpty {
                missing.append("archived video")
            }
            if [post, source].contains(where: { !Validator.durationMismatches($0?.video).isEmpty }) {
                missing.append("a video as long as its 时长")
            }
            if let post {
                if post.transcript.isEmpty { missing.append("transcript") }
                if post.terms.isEmpty { missing.append("terms") }
                if post.footnotes.isEmpty { missing.append("footnotes") }
                if post.original?.url == nil { missing.append("link to the original") }
            }
            rows.append(
                Row(
                    lesson: lesson, title: Bilingual(en: post?.title.en, zh: post?.title.zh ?? source?.title.zh),
                    post: half(DocumentID.lesson(lesson)), original: half(DocumentID.source(lesson)),
                    originalURL: post?.original?.url, transcriptBlocks: post?.transcript.count ?? 0,
                    terms: post?.terms.count ?? 0, footnotes: post?.footnotes.count ?? 0, missing: missing))
        }
        var coverage = Coverage(
            lessons: rows, posts: rows.filter(\.post.present).count, originals: rows.filter(\.original.present).count,
            lastFetch: fetchLog?.finished, failedSources: fetched.filter { $0.status.wroteNothing })
        for record in records where record.provenance.pipeline.version != CorpusConfig.pipelineVersion {
            coverage.staleRecords[record.provenance.pipeline.version, default: 0] += 1
        }
        return coverage
    }
}
