import Archiving
import Cleaning
import CorpusKit
import Foundation
import Ingestion
import RecordBuilding
import Synchronization

extension FetchStatus {
    /// What the capture's metadata records; failures and conflicts write no capture.
    var captureStatus: CaptureStatus {
        switch self {
        case .fetched: return .fetched
        case .changed: return .changed
        case .unchanged: return .unchanged
        case .failed, .conflict: preconditionFailure("a \(self) fetch writes no capture")
        }
    }
}

/// What happened to one URL.
public struct FetchOutcome: Encodable, Sendable {
    public typealias Status = FetchStatus
    public var url: String
    public var source: String?
    public var status: Status
    public var id: String?
    /// Why the URL failed or was refused, typed; `error` is its one-line message.
    public var problem: CorpusError?
    public var error: String? { problem?.description }
    /// For a followed Chinese original: the id of the lesson post whose link led here.
    public var originalOf: String?
    /// The page's requisites archived and skipped (with their reasons in its metadata record);
    /// nil when none were fetched (unchanged page, not HTML, or requisites off).
    public var requisites: (archived: Int, skipped: Int)?

    public init(url: String, source: String?, status: Status, id: String?, problem: CorpusError?, originalOf: String? = nil) {
        self.url = url
        self.source = source
        self.status = status
        self.id = id
        self.problem = problem
        self.originalOf = originalOf
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(url, forKey: .url)
        try container.encode(source, forKey: .source)
        try container.encode(status, forKey: .status)
        try container.encode(id, forKey: .id)
        try container.encode(error, forKey: .error)
        try container.encodeIfPresent(originalOf, forKey: .originalOf)
        if let requisites {
            try container.encode(["archived": requisites.archived, "skipped": requisites.skipped], forKey: .requisites)
        }
    }
    enum CodingKeys: String, CodingKey {
        case url, source, status, id, error, requisites
        case originalOf = "original_of"
    }
}

/// A URL to capture, from `Config/sources.toml` or the command line.
public struct FetchTarget: Sendable {
    public var url: String
    public var source: SourceEntry?
    /// Set when this is a lesson's Chinese original, reached by the post's link.
    public var originalOf: String?
    /// TLS policy for a target no source names (from `[[host]]`).
    public var tls: SourceEntry.TLSPolicy?
    public init(url: String, source: SourceEntry?, originalOf: String? = nil, tls: SourceEntry.TLSPolicy? = nil) {
        self.url = url
        self.source = source
        self.originalOf = originalOf
        self.tls = tls
    }

    var verifyTLS: Bool { (source?.tls ?? tls ?? .verify) != .recordInsecure }
}

/// Captures pages into the archive: fetches without holding the archive lock (conditional
/// requests from the previous capture), then, under the lock, writes `request`/`response` (or
/// `revisit`) records and a `metadata` record per URL, and a new record version when the payload
/// changed. Failures write nothing.
public struct FetchJob {
    public let ingestor: Ingestor
    public let limits: FetchLimits
    /// TLS policies for hosts no source names, used for followed originals.
    public var hostPolicies: [HostPolicy] = []
    /// Notes for the user (a lesson's original that could not be followed, and why).
    public private(set) var notes: [String] = []
    /// The hosts and ports the user named for this run (configured sources and `--url`): only
    /// they, and what `[fetch] allow_addresses` lists, may be on internal addresses. Set by `run`.
    var trustedHosts: Set<String> = []

    var addressPolicy: AddressPolicy { AddressPolicy(trustedHosts: trustedHosts, allowed: Set(limits.allowAddresses)) }

    public init(ingestor: Ingestor, limits: FetchLimits, hostPolicies: [HostPolicy] = []) {
        self.ingestor = ingestor
        self.limits = limits
        self.hostPolicies = hostPolicies
    }

    /// Captures `targets`; then, in the same run and under the same limits, the Chinese original
    /// that each captured lesson post links to (only that link: no crawling), as a line of its own.
    public mutating func run(_ targets: [FetchTarget], progress: ((Int, Int) -> Void)? = nil) throws -> [FetchOutcome] {
        trustedHosts = Set(targets.filter { $0.originalOf == nil }.map { Fetcher.authority(of: $0.url) })
        var (outcomes, placed) = try capture(targets, progress: progress)
        let followed = try originals(of: targets, outcomes: outcomes, placed: placed)
        if !followed.isEmpty { outcomes += try capture(followed, progress: progress).outcomes }
        let log = FetchLog(
            finished: WARCDate.string(Date()),
            entries: outcomes.map {
                FetchLog.Entry(url: $0.url, source: $0.source, status: $0.status, id: $0.id, error: $0.error)
            })
        // Only the report of failures is lost if this cannot be written; the captures are committed.
        try? log.write(to: ingestor.store)
        return outcomes
    }

    /// The originals to follow: for each captured lesson post (of a source that follows, or an
    /// ad-hoc URL), the address its citation links to, when that is an http(s) page not fetched
    /// in this run already. A post whose link is no such address gets a note instead.
    /// `placed`: what this run's own records say, by target index; other records are read.
    mutating func originals(of targets: [FetchTarget], outcomes: [FetchOutcome], placed: [Int: PlacedRecord] = [:]) throws
        -> [FetchTarget]
    {
        let store = ingestor.store
        var seen = Set(targets.map(\.url))
        var followed: [FetchTarget] = []
        for (index, (target, outcome)) in zip(targets, outcomes).enumerated()
        where target.originalOf == nil && target.source?.followOriginal != false {
            guard [.fetched, .changed, .unchanged].contains(outcome.status), let id = outcome.id else { continue }
            let record = try placed[index] ?? store.read({ try store.loadRecord(id: id) }).map(PlacedRecord.init)
            guard let record, record.isLesson, let original = record.original else { continue }
            guard let url = original.url else {
                notes.append(
                    "\(id): no link to another http(s) page for its Chinese original (\(original.titleZH ?? "untitled")); nothing to follow"
                )
                continue
            }
            guard seen.insert(url).inserted else { continue }
            followed.append(FetchTarget(url: url, source: nil, originalOf: id, tls: HostPolicy.tls(for: url, in: hostPolicies)))
        }
        return followed
    }

    /// What `originals` needs of a record placed by `capture` (not read back from its file).
    struct PlacedRecord {
        let isLesson: Bool
        let original: OriginalLink?

        init(_ record: CorpusRecord) {
            isLesson = record.kind == .lesson
            original = record.original
        }
    }

    /// The outcomes, and what each new or changed record says (by target index).
    func capture(_ targets: [FetchTarget], progress: ((Int, Int) -> Void)?) throws -> (
        outcomes: [FetchOutcome], placed: [Int: PlacedRecord]
    ) {
        let store = ingestor.store
        // The previous capture of each URL, for conditional requests and revisits.
        let previous = try store.read {
            try CaptureHistory.latestByRequestedURL(store: store, limit: ingestor.config.pipeline.maxWARCRecordBytes)
        }
        let requests = targets.map { target -> FetchRequest in
            let earlier = previous[target.url]
            return FetchRequest(
                url: target.url, sourceID: target.source?.id, verifyTLS: target.verifyTLS,
                ifNoneMatch: earlier?.etag, ifModifiedSince: earlier?.lastModified)
        }
        // Each response is cleaned, classified and compressed as soon as it arrives, on the
        // other cores, while the rest are still being fetched; only sealing (which names the WARC
        // file) waits for the session.
        let builder = ingestor.builder
        let level = ingestor.store.gzipLevel
        let built = Mutex([Result<PreparedFetch, CorpusError>?](repeating: nil, count: targets.count))
        // A queue, not a semaphore: the fetch loop never waits for a builder.
        let building = OperationQueue()
        building.maxConcurrentOperationCount = Parallel.cores
        var done = 0
        let fetcher = Fetcher(
            limits: limits, userAgent: ingestor.config.pipeline.userAgent, acceptEncoding: ContentDecoding.acceptEncoding,
            addresses: addressPolicy)
        func build(_ index: Int, _ result: Result<FetchResponse, CorpusError>, requisites: PreparedRequisites? = nil) {
            let target = targets[index]
            let earlier = previous[target.url]
            building.addOperation {
                var prepared = result.flatMap { response in
                    Result {
                        try Self.prepare(
                            response, target: target, previous: earlier, builder: builder, level: level, requisites: requisites)
                    }
                    .mapError { error in
                        error as? CorpusError ?? CorpusError(file: target.url, stage: .fetch, reason: "\(error)")
                    }
                }
                // A page that cannot be kept still leaves its requisites in the archive: later
                // pages of the run may be revisits of them.
                if case .failure(let error) = prepared, let requisites, !requisites.records.isEmpty,
                    let packed = try? requisites.records.map({ try PackedRecord($0, level: level) })
                {
                    prepared = .success(.orphaned(requisites: packed, error: error))
                }
                built.withLock { $0[index] = prepared }
            }
        }
        // A new or changed page whose requisites are wanted waits for them (its record names its
        // archived video); every other response is built at once, while the rest arrive.
        var held: [(index: Int, response: FetchResponse)] = []
        fetcher.fetch(requests) { index, result in
            done += 1
            progress?(done, targets.count)
            if case .success(let response) = result,
                wantsRequisites(response, target: targets[index], previous: previous[targets[index].url])
            {
                held.append((index, response))
            } else {
                build(index, result)
            }
        }
        if !held.isEmpty {
            held.sort { $0.index < $1.index }
            let found = requisites(of: held.map { ($0.response, targets[$0.index]) })
            var payloads = ArchivedPayloads(store: store, limit: ingestor.config.pipeline.maxWARCRecordBytes)
            for (page, requisites) in zip(held, found) {
                // Stopped while its requisites were fetched: not written half (an unchanged page
                // is never crawled again), so the next run takes it whole.
                guard !Interruption.requested else {
                    build(
                        page.index,
                        .failure(
                            CorpusError(
                                file: targets[page.index].url, stage: .fetch,
                                reason: "stopped by Ctrl-C while its requisites were fetched: not written")))
                    continue
                }
                build(page.index, .success(page.response), requisites: payloads.prepare(requisites))
            }
        }
        building.waitUntilAllOperationsAreFinished()
        let unsealed = built.withLock { $0 }
        var outcomes: [FetchOutcome] = []
        var placed: [Int: PlacedRecord] = [:]
        try ingestor.write { session in
            // Seal each page with this session's WARC file (and stage its file) on every core;
            // then, in order, place and append.
            let warcPath = session.warcPath
            let staging = session.stagingFolder
            let prepared = Parallel.map(count: targets.count, jobs: Parallel.cores) { index -> Result<PreparedFetch, CorpusError> in
                unsealed[index]!.flatMap { item in
                    Result { try item.sealed(warc: warcPath, stageAhead: (staging, "fetch-\(index)")) }
                        .mapError { error in
                            error as? CorpusError ?? CorpusError(file: targets[index].url, stage: .archive, reason: "\(error)")
                        }
                }
            }
            for (index, target) in targets.enumerated() {
                let outcome: FetchOutcome
                switch prepared[index] {
                case .failure(let error):
                    outcome = FetchOutcome(url: target.url, source: target.source?.id, status: .failed, id: nil, problem: error)
                case .success(let ready):
                    do {
                        let committed = try commit(ready, target: target, session: session)
                        outcome = committed.outcome
                        if let record = committed.record { placed[index] = PlacedRecord(record) }
                    } catch let error as CorpusError {
                        outcome = FetchOutcome(
                            url: target.url, source: target.source?.id, status: .failed, id: nil, problem: error)
                    }
                }
                var noted = outcome
                noted.originalOf = target.originalOf
                outcomes.append(noted)
            }
        }
        return (outcomes, placed)
    }

    /// Whether a response is a new or changed HTML page whose source wants its requisites.
    func wantsRequisites(_ response: FetchResponse, target: FetchTarget, previous: CaptureHistory.LastCapture?) -> Bool {
        guard ingestor.config.pipeline.requisites.enabled, target.source?.requisites != false, (200..<300).contains(response.status)
        else { return false }
        if let previous, Digest.sha256Hex(response.body) == previous.payloadSHA256 { return false }
        let type = response.header("content-type")?.lowercased() ?? ""
        return type.contains("html") || (type.isEmpty && RequisiteCrawl.sniffsHTML(response.body))
    }

    /// Each page's requisites, fetched under the same limits, politeness and TLS policy.
    func requisites(of pages: [(response: FetchResponse, target: FetchTarget)]) -> [[Requisite]] {
        let pipeline = ingestor.config.pipeline
        let crawl = RequisiteCrawl(
            limits: limits, wanted: pipeline.requisites, userAgent: pipeline.userAgent, addresses: addressPolicy, pipeline: pipeline)
        return crawl.run(
            pages.map { page in
                let codings = (page.response.header("content-encoding") ?? "").lowercased().split(separator: ",").map {
                    $0.trimmingCharacters(in: .whitespaces)
                }.filter { !$0.isEmpty && $0 != "identity" }
                let body =
                    (try? ContentDecoding.decode(
                        page.response.body, codings: codings, limit: pipeline.maxInputBytes, source: page.target.url))
                    ?? page.response.body
                return RequisiteCrawl.Page(
                    url: page.response.finalURL, body: body, contentType: page.response.header("content-type"),
                    verifyTLS: page.target.verifyTLS)
            })
    }

    /// A fetched URL made ready to archive, without touching the session: a revisit of the
    /// previous capture, or the new response with its record built.
    enum PreparedFetch: Sendable {
        /// Records compressed here, on the parallel stage.
        case revisit([PackedRecord], corpusID: String)
        /// A page that failed after its requisites were made: they are archived all the same
        /// (other pages' revisits may name them), and the page is a failed line.
        case orphaned(requisites: [PackedRecord], error: CorpusError)
        /// `request`: the redirect hops' records, then the final request.
        /// `file`: empty until `sealed` (the record is unsealed before it); `stagedAhead`: the
        /// record's file staged by the parallel stage (`WriteSession.stageAhead`).
        case page(
            request: [PackedRecord], responseRecord: PackedRecord, requisites: [PackedRecord], record: CorpusRecord, file: Data,
            fetched: FetchResponse, payloadDigest: String, stagedAhead: WriteSession.StagedFile?,
            requisiteFields: [(field: CaptureField, value: String)]
        )

        /// The page's record archived in `warc` and sealed, its file staged ahead.
        func sealed(warc: String, stageAhead: (URL, String)) throws -> PreparedFetch {
            guard case .page(let request, let response, let requisites, var record, _, let fetched, let digest, _, let fields) = self else {
                return self
            }
            record.provenance.archive.warc = warc
            // Videos whose bytes this session writes are in its file too.
            if var video = record.video {
                for index in video.archived.indices where video.archived[index].warc.isEmpty { video.archived[index].warc = warc }
                record.video = video
            }
            let sealed = try record.sealedWithFile()
            let staged = WriteSession.stageAhead(sealed.record, fileData: sealed.file, name: stageAhead.1, in: stageAhead.0)
            return .page(
                request: request, responseRecord: response, requisites: requisites, record: sealed.record, file: sealed.file,
                fetched: fetched, payloadDigest: digest, stagedAhead: staged, requisiteFields: fields)
        }
    }

    static func prepare(
        _ response: FetchResponse, target: FetchTarget, previous: CaptureHistory.LastCapture?, builder: RecordBuilder, level: Int32,
        requisites: PreparedRequisites? = nil
    ) throws -> PreparedFetch {
        let date = WARCDate.string(response.date)
        let payloadDigest = Digest.sha256Hex(response.body)
        var ipField: [(field: WARCField, value: String)] = []
        if let ip = response.remoteIP { ipField = [(.ipAddress, ip)] }

        // Not modified, or the same bytes again: a revisit record, no new version.
        if let previous, response.status == 304 || (response.status == 200 && payloadDigest == previous.payloadSHA256) {
            let profile = response.status == 304 ? WARCRevisitProfile.serverNotModified : WARCRevisitProfile.identicalPayloadDigest
            var revisit = WARCRecord.make(
                type: .revisit, date: date, contentType: WARCContentType.httpResponse, block: response.responseHead,
                extra: [(.targetURI, response.finalURL)] + ipField + [
                    (.profile, profile), (.refersTo, previous.recordID),
                    (.refersToTargetURI, previous.url), (.refersToDate, previous.date)
                ],
                payloadDigest: false)
            revisit.insertBeforeLength(.payloadDigest, "sha256:" + previous.payloadSHA256)
            let request = requestRecord(response, date: date, concurrentTo: revisit.recordID, ipField: ipField)
            let hops = hopRecords(response)
            return .revisit(
                try
                    (hops
                    + [
                        request, revisit,
                        metadata(
                            response, target: target, date: date, refersTo: revisit.recordID, corpusID: previous.corpusID,
                            status: .unchanged, payloadDigest: previous.payloadSHA256, hopRecords: hops)
                    ]).map { try PackedRecord($0, level: level) }, corpusID: previous.corpusID)
        }
        guard (200..<300).contains(response.status) else {
            throw CorpusError(file: target.url, stage: .fetch, reason: "HTTP \(response.status)")
        }
        var block = response.responseHead
        block.append(response.body)
        let responseRecord = WARCRecord.make(
            type: .response, date: date, contentType: WARCContentType.httpResponse,
            block: block, extra: [(.targetURI, response.finalURL)] + ipField)
        let request = requestRecord(response, date: date, concurrentTo: responseRecord.recordID, ipField: ipField)
        let contentType = response.header("content-type")
        // The response is read exactly as `verify --rebuild` will read it from the archive: the
        // body as sent, its content codings undone for the cleaner, its format from the registry.
        guard
            var capture = try WARCImport.capture(
                from: responseRecord, file: target.url, decodeLimit: builder.config.pipeline.maxInputBytes)
        else {
            throw CorpusError(
                file: target.url, stage: .fetch,
                reason:
                    "\(contentType ?? "a response without a Content-Type") is not a document dccorpus reads (\(DocumentFormats.all.map(\.name).joined(separator: ", ")))"
            )
        }
        var source = SourceInfo(
            url: response.finalURL, requestedURL: target.url, file: nil, retrievedAt: date,
            httpStatus: response.status, tlsVerified: response.tlsVerified, contentType: contentType)
        source.sourceID = target.source?.id
        source.ipAddress = response.remoteIP
        source.redirects = response.redirects.isEmpty ? nil : response.redirects
        source.tlsVerifyResult = response.tlsVerifyResult
        source.etag = response.header("etag")
        source.lastModified = response.header("last-modified")
        capture.source = source
        capture.displayName = target.url
        capture.rawSHA256 = payloadDigest
        // Parts written by this session have no file name yet: `sealed` gives it.
        capture.archivedVideos = requisites?.archivedVideos(warc: "") ?? []
        // Sealed once the session names its WARC file (`sealed`).
        let record = try builder.unsealed(capture, archive: ArchiveLocation(warc: "", recordID: responseRecord.recordID))
        return .page(
            request: try (hopRecords(response) + [request]).map { try PackedRecord($0, level: level) },
            responseRecord: try PackedRecord(responseRecord, level: level),
            requisites: try (requisites?.records ?? []).map { try PackedRecord($0, level: level) },
            record: record, file: Data(), fetched: response, payloadDigest: payloadDigest, stagedAhead: nil,
            requisiteFields: requisites?.fields ?? [])
    }

    /// A `request` and a `response` record for each redirect in the chain, in order: replay
    /// tools serve the redirect at the configured URL as it was sent, body included.
    static func hopRecords(_ response: FetchResponse) -> [WARCRecord] {
        response.hops.flatMap { hop -> [WARCRecord] in
            let date = WARCDate.string(hop.date)
            var ipField: [(field: WARCField, value: String)] = []
            if let ip = hop.remoteIP { ipField = [(.ipAddress, ip)] }
            var block = hop.responseHead
            block.append(hop.body)
            let hopResponse = WARCRecord.make(
                type: .response, date: date, contentType: WARCContentType.httpResponse, block: block,
                extra: [(.targetURI, hop.url)] + ipField)
            let hopRequest = WARCRecord.make(
                type: .request, date: date, contentType: WARCContentType.httpRequest, block: hop.requestHead,
                extra: [(.targetURI, hop.url)] + ipField + [(.concurrentTo, hopResponse.recordID)])
            return [hopRequest, hopResponse]
        }
    }

    /// Places a prepared fetch among the documents and appends it (in the order fetched); the
    /// record placed, if any.
    func commit(_ prepared: PreparedFetch, target: FetchTarget, session: WriteSession) throws -> (
        outcome: FetchOutcome, record: CorpusRecord?
    ) {
        switch prepared {
        case .revisit(let records, let corpusID):
            try session.append(records)
            return (FetchOutcome(url: target.url, source: target.source?.id, status: .unchanged, id: corpusID, problem: nil), nil)
        case .orphaned(let requisites, let error):
            try session.append(requisites)
            return (FetchOutcome(url: target.url, source: target.source?.id, status: .failed, id: nil, problem: error), nil)
        case .page(
            let request, let responseRecord, let requisites, let built, let builtFile, let response, let payloadDigest, let stagedAhead,
            let requisiteFields):
            let record: CorpusRecord
            let file: Data
            let status: FetchOutcome.Status
            switch try Ingestor.place(built, file: builtFile, session: session, replacing: nil) {
            case .refused(let id, let reason):
                try session.append(requisites)  // other pages' revisits may name them
                return (
                    FetchOutcome(
                        url: target.url, source: target.source?.id, status: .conflict, id: id,
                        problem: CorpusError(file: target.url, stage: .classify, reason: reason)), nil
                )
            case .placed(let placed, let data, let isNew):
                (record, file, status) = (placed, data, isNew ? .fetched : .changed)
            }
            let metadata = Self.metadata(
                response, target: target, date: WARCDate.string(response.date), refersTo: responseRecord.record.recordID,
                corpusID: record.id, status: status, payloadDigest: payloadDigest, hopRecords: request.dropLast().map(\.record),
                extra: requisiteFields)
            try session.commitCapture(
                request + [responseRecord] + requisites + [try PackedRecord(metadata, level: ingestor.store.gzipLevel)], record: record,
                fileData: file,
                stagedAhead: stagedAhead, config: ingestor.config)
            var outcome = FetchOutcome(url: target.url, source: target.source?.id, status: status, id: record.id, problem: nil)
            if !requisiteFields.isEmpty {
                outcome.requisites = (
                    requisiteFields.filter { $0.field == .requisite }.count, requisiteFields.filter { $0.field == .requisiteSkipped }.count
                )
            }
            return (outcome, record)
        }
    }

    static func requestRecord(_ response: FetchResponse, date: String, concurrentTo: String, ipField: [(field: WARCField, value: String)])
        -> WARCRecord
    {
        WARCRecord.make(
            type: .request, date: date, contentType: WARCContentType.httpRequest, block: response.requestHead,
            extra: [(.targetURI, response.finalURL)] + ipField + [(.concurrentTo, concurrentTo)])
    }

    static func metadata(
        _ response: FetchResponse, target: FetchTarget, date: String, refersTo: String, corpusID: String,
        status: FetchOutcome.Status, payloadDigest: String, hopRecords: some Collection<WARCRecord>,
        extra: [(field: CaptureField, value: String)] = []
    ) -> WARCRecord {
        var fields = CaptureFields()
        fields.add(.corpusID, corpusID)
        fields.add(status.captureStatus)
        fields.add(.payloadSHA256, payloadDigest)
        fields.add(.requestedURL, target.url)
        fields.add(.httpStatus, String(response.status))
        fields.add(.attempts, String(response.attempts))
        fields.add(.sourceID, target.source?.id)
        for hop in response.redirects { fields.add(.redirect, hop) }
        // The chain's archived responses, in order (each hop's request is concurrent to its response).
        for hop in hopRecords where hop.type == .response { fields.add(.redirectRecord, hop.recordID) }
        fields.add(.tlsVerified, response.tlsVerified.map { String($0) })
        fields.add(.etag, response.header("etag"))
        fields.add(.lastModified, response.header("last-modified"))
        fields.add(.tlsVerifyResult, response.tlsVerifyResult.map { String($0) })
        for (field, value) in extra { fields.add(field, value) }
        return WARCRecord.captureMetadata(date: date, targetURI: response.finalURL, refersTo: refersTo, fields: fields)
    }
}
