import Archiving
import Cleaning
import CorpusKit
import Foundation
import RecordBuilding

/// What happened to one input.
public struct IngestOutcome: Encodable, Equatable, Sendable {
    public enum Status: String, Codable, Sendable {
        case ingested, changed, unchanged, rejected
        /// The capture would replace a different document under the same id: not applied.
        case conflict

        /// Rejected and conflicting inputs are not archived: the Inbox quarantines them.
        public var isRefused: Bool { self == .rejected || self == .conflict }
    }
    public var file: String
    public var status: Status
    public var id: String?
    /// Why the input was refused: typed, so the Inbox files it under its stage without reading
    /// the message back.
    public var problem: CorpusError?
    /// The one-line message (`file: stage: reason`) users and `--json` see.
    public var error: String? { problem?.description }

    public init(file: String, status: Status, id: String?, problem: CorpusError?) {
        self.file = file
        self.status = status
        self.id = id
        self.problem = problem
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(file, forKey: .file)
        try container.encode(status, forKey: .status)
        try container.encode(id, forKey: .id)
        try container.encode(error, forKey: .error)
    }
    enum CodingKeys: String, CodingKey { case file, status, id, error }
}

/// Brings local files into the archive: documents (`DocumentFormats`) as they are, archives
/// (`Inputs.archives`: WARC files) record by record. One batch is one write session: one lock, one WARC file, one commit.
public struct Ingestor: Sendable {
    public let store: ArchiveStore
    public let builder: RecordBuilder
    public var config: CorpusConfig { builder.config }
    /// `ingest --replace ID`: the inputs are meant to replace document ID even where they would
    /// otherwise be a conflict.
    public var replacing: String? = nil
    /// Starts an indexer for the records a batch stages (the search index's `BatchIndexer`):
    /// started on the first record, under the archive lock; kept when the batch commits.
    public var makeIndexer: (@Sendable () -> any RecordIndexing)? = nil
    /// Told of what an archive's reader passed over without losing a document's capture
    /// (bytes between records, a truncated or over-size record): one line each on stderr.
    public var onWarning: (@Sendable (CorpusError) -> Void)? = nil
    /// Called in input order as each input is decided: (done, total).
    public var onProgress: (@Sendable (Int, Int) -> Void)? = nil
    /// Whether a Ctrl-C (`Interruption`) stops the batch between inputs: what was decided is
    /// committed, the inputs not reached get no outcome (and are left where they are).
    public var stopsOnInterrupt = false

    public init(archiveRoot: URL, config: CorpusConfig) {
        store = ArchiveStore(root: archiveRoot, config: config)
        builder = RecordBuilder(config: config)
    }

    /// Ingests `paths` in one batch. `onOutcome` is called as each input is decided (after the
    /// batch commits for accepted ones, so a reported success is durable).
    public func ingest(paths: [String]) throws -> [IngestOutcome] {
        try ingestGrouped(paths: paths).flatMap { $0 }
    }

    /// The same, with the outcomes of each path together (a WARC file has one per capture).
    ///
    /// Three stages per chunk of paths (at most 64, and a bounded number of bytes, so memory
    /// stays bounded): read and hash on every core; build (clean, classify, seal) on every core
    /// what the archive did not hold when the session began; then, in input order, place each
    /// among the documents and append it. The first two run on a background thread one chunk
    /// ahead of the last (`Parallel.pipeline`), so committing one chunk overlaps building the
    /// next. Nothing but the last stage touches the session, and the archive is the same as a
    /// one-at-a-time ingest would write.
    public func ingestGrouped(paths: [String]) throws -> [[IngestOutcome]] {
        var outcomes: [[IngestOutcome]] = []
        // Relative paths made absolute once: Foundation asks the kernel for the working folder
        // each time a relative file URL is made (three times a page). Outcomes keep the paths as given.
        let folder = FileManager.default.currentDirectoryPath
        try write { session in
            let revisits = RevisitResolver(session: session, store: store, decodeLimit: config.pipeline.maxInputBytes)
            let started = session.started
            let warcPath = session.warcPath
            // What the archive held when the session began, as its derived index says: such pages
            // are not built; the last stage confirms each (`recordID(forRawDigest:)`).
            let archived = session.archivedDigests()
            let staging = session.stagingFolder
            let chunks = Self.chunks(of: paths, maxBytes: 3 * config.pipeline.maxInputBytes).map(Array.init)
            let absolute = chunks.map { chunk in chunk.map { $0.hasPrefix("/") || $0.contains("://") ? $0 : folder + "/" + $0 } }
            try Parallel.pipeline(
                count: chunks.count,
                produce: { [stopsOnInterrupt] number -> [Prepared] in
                    let paths = absolute[number]
                    if stopsOnInterrupt && Interruption.requested { return [] }
                    let read = Parallel.map(count: paths.count, jobs: Parallel.cores) { index in self.read(path: paths[index]) }
                    return Parallel.map(count: paths.count, jobs: Parallel.cores) { index in
                        self.build(
                            read[index], path: paths[index], known: archived, started: started, warcPath: warcPath,
                            stageAhead: (staging, "\(number)-\(index)"))
                    }
                },
                consume: { number, prepared in
                    let chunk = chunks[number]
                    for (index, item) in prepared.enumerated() {
                        if stopsOnInterrupt && Interruption.requested { return }
                        var item = item
                        if case .rejected(let error) = item, error.file == absolute[number][index] {  // named as the user gave it
                            item = .rejected(
                                CorpusError(file: chunk[index], stage: error.stage, reason: error.reason, systemCode: error.systemCode))
                        }
                        revisits.group = outcomes.count
                        outcomes.append(finish(item, path: chunk[index], session: session, revisits: revisits))
                        onProgress?(outcomes.count, paths.count)
                    }
                })
            // A saved page's folder given beside its page has the page's outcome.
            let byPath = Dictionary(paths.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            for (index, path) in paths.enumerated() where index < outcomes.count {
                guard let page = CompletePageFormat.page(forFolder: path), let pageIndex = byPath[page], pageIndex < outcomes.count
                else { continue }
                outcomes[index] = outcomes[pageIndex].map {
                    IngestOutcome(file: path, status: $0.status, id: $0.id, problem: $0.problem)
                }
            }
            // A revisit met before the capture it repeats (a later file of the batch) is resolved now.
            for (group, index, label, id) in revisits.resolveDeferred() {
                outcomes[group][index] = IngestOutcome(file: label, status: .unchanged, id: id, problem: nil)
            }
        }
        return outcomes
    }

    /// A write session whose staged records go to the indexer (`makeIndexer`), which keeps
    /// them when the session commits and drops them when it does not.
    public func write<T>(_ body: (WriteSession) throws -> T) throws -> T {
        guard let makeIndexer else { return try store.write(body) }
        var indexer: (any RecordIndexing)? = nil
        do {
            let result = try store.write { session in
                session.onPut = { record, size, mtime in
                    if indexer == nil { indexer = makeIndexer() }
                    indexer?.add(record, size: size, mtime: mtime)
                }
                let result = try body(session)
                // The indexer folds and writes its postings while the archive commits.
                indexer?.allAdded()
                return result
            }
            indexer?.finish(commit: true)
            return result
        } catch {
            indexer?.finish(commit: false)
            throw error
        }
    }

    /// Consecutive runs of at most 64 paths whose files add up to at most `maxBytes` (a run
    /// always holds at least one path): what one parallel stage holds in memory at once.
    static func chunks(of paths: [String], maxBytes: Int) -> [ArraySlice<String>] {
        var chunks: [ArraySlice<String>] = []
        var start = 0
        var bytes = 0
        for (index, path) in paths.enumerated() {
            var info = stat()
            let size = stat(path, &info) == 0 ? Int(info.st_size) : 0
            if index > start && (index - start >= 64 || bytes + size > maxBytes) {
                chunks.append(paths[start..<index])
                start = index
                bytes = 0
            }
            bytes += size
        }
        if start < paths.count { chunks.append(paths[start..<paths.count]) }
        return chunks
    }

    /// What the parallel stages made of one path.
    enum Prepared: Sendable {
        /// A file of records: imported record by record in the serial stage.
        case archive(any ArchiveFormat)
        case rejected(CorpusError)
        /// A page read and hashed, not built yet.
        case read(Data, any DocumentFormat, digest: String)
        /// A page whose bytes the archive held when the session began: not built unless the
        /// last stage finds that no WARC record holds them after all.
        case known(Data, any DocumentFormat, digest: String)
        /// A page built into a sealed record, with its capture, waiting for its place.
        case page(PreparedPage)

        var digest: String? {
            if case .read(_, _, let digest) = self { return digest }
            return nil
        }
    }

    struct PreparedPage: Sendable {
        var rawDigest: String
        var record: CorpusRecord
        var file: Data
        /// The capture, compressed on the parallel stage.
        var resource: PackedRecord
        var fields: CaptureFields
        /// The record's file as the parallel stage staged it (see `WriteSession.stageAhead`).
        var stagedAhead: WriteSession.StagedFile? = nil
    }

    /// The first stage: what the path is, and a page's bytes and their digest.
    func read(path: String) -> Prepared {
        if let scheme = URL(string: path)?.scheme?.lowercased(), scheme == "http" || scheme == "https",
            !FileManager.default.fileExists(atPath: path)
        {
            return .rejected(
                CorpusError(file: path, stage: .read, reason: "is a web address; capture it with `dccorpus fetch --url \(path)`"))
        }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            if let page = CompletePageFormat.page(forFolder: path) {
                return .rejected(
                    CorpusError(
                        file: path, stage: .read, reason: "is the folder of a saved page; ingest its page \(page), which takes it along"))
            }
            return .rejected(CorpusError(file: path, stage: .read, reason: "is a directory"))
        }
        let kind = Inputs.kind(forPath: path)
        guard let kind else { return .rejected(Inputs.unsupported(path)) }
        guard case .document(let format) = kind else {
            if case .archive(let format) = kind { return .archive(format) }
            return .rejected(Inputs.unsupported(path))
        }
        do {
            let bytes = try FileIO.read(URL(fileURLWithPath: path), limit: config.pipeline.maxInputBytes)
            return .read(bytes, format, digest: Digest.sha256Hex(bytes))
        } catch let error as CorpusError {
            return .rejected(error)
        } catch {
            return .rejected(CorpusError(file: path, stage: .read, reason: "\(error)"))
        }
    }

    /// The second stage: a page the archive does not hold, built.
    /// `stageAhead`: where and under what name to stage its record file already.
    func build(
        _ item: Prepared, path: String, known: Set<String>, started: Date, warcPath: String, stageAhead: (URL, String)? = nil
    ) -> Prepared {
        guard case .read(let bytes, let format, let digest) = item else { return item }
        if known.contains(digest) { return .known(bytes, format, digest: digest) }
        do {
            var page = try build(path: path, bytes: bytes, format: format, digest: digest, started: started, warcPath: warcPath)
            if let (folder, name) = stageAhead {
                page.stagedAhead = WriteSession.stageAhead(page.record, fileData: page.file, name: name, in: folder)
            }
            return .page(page)
        } catch let error as CorpusError {
            return .rejected(error)
        } catch {
            return .rejected(CorpusError(file: path, stage: .read, reason: "\(error)"))
        }
    }

    /// The last stage, in order: unchanged, placed and appended, or refused.
    func finish(_ prepared: Prepared, path: String, session: WriteSession, revisits: RevisitResolver? = nil) -> [IngestOutcome] {
        do {
            switch prepared {
            case .rejected(let error):
                return [reject(path, error)]
            case .archive(let format):
                // Streamed record by record; the per-record limit applies, not the page limit.
                try FileIO.requireReadableFile(URL(fileURLWithPath: path))
                return try importArchive(
                    path: path, format: format, session: session,
                    revisits: revisits ?? RevisitResolver(session: session, store: store, decodeLimit: config.pipeline.maxInputBytes))
            case .known(let bytes, let format, let digest):
                if let id = session.recordID(forRawDigest: digest) {
                    return [IngestOutcome(file: path, status: .unchanged, id: id, problem: nil)]
                }
                return finish(.read(bytes, format, digest: digest), path: path, session: session)
            case .read:
                // Not built by the parallel stage (it builds every page): build it here.
                return finish(
                    build(prepared, path: path, known: [], started: session.started, warcPath: session.warcPath), path: path,
                    session: session)
            case .page(let page):
                // A copy of a page committed earlier in this batch.
                if let existing = session.recordID(forRawDigest: page.rawDigest) {
                    return [IngestOutcome(file: path, status: .unchanged, id: existing, problem: nil)]
                }
                return [
                    try commit(
                        page.record, fileData: page.file, captured: page.resource, extraFields: page.fields, file: path,
                        session: session, stagedAhead: page.stagedAhead)
                ]
            }
        } catch let error as CorpusError {
            return [reject(path, error)]
        } catch {
            return [reject(path, CorpusError(file: path, stage: .read, reason: "\(error)"))]
        }
    }

    func reject(_ file: String, _ error: CorpusError) -> IngestOutcome {
        IngestOutcome(file: file, status: .rejected, id: nil, problem: error)
    }

    /// Cleans, classifies and seals a local page as a `resource` capture of this session.
    func build(path: String, bytes: Data, format: any DocumentFormat, digest rawDigest: String, started: Date, warcPath: String) throws
        -> PreparedPage
    {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        var info = stat()
        stat(path, &info)
        let modified = WARCDate.string(Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec)))
        let date = WARCDate.string(started)
        let contentType = format.archivedMediaType
        let source = SourceInfo(
            url: nil, file: url.lastPathComponent, retrievedAt: date, contentType: contentType,
            fileSize: bytes.count, fileModified: modified)
        let capture = Capture(
            bytes: bytes, format: format, source: source, headerCharset: nil, displayName: path, rawSHA256: rawDigest)
        let resource = WARCRecord.make(
            type: .resource, date: date, contentType: contentType, block: bytes,
            extra: [(.targetURI, url.absoluteString)])
        let (record, file) = try builder.buildWithFile(capture, archive: ArchiveLocation(warc: warcPath, recordID: resource.recordID))
        var extra = CaptureFields()
        extra.add(.fileName, url.lastPathComponent)
        extra.add(.fileSize, String(bytes.count))
        extra.add(.fileModified, modified)
        return PreparedPage(
            rawDigest: rawDigest, record: record, file: file, resource: try PackedRecord(resource, level: store.gzipLevel), fields: extra)
    }

    /// Appends the capture and a `metadata` record naming the document and what happened (the
    /// capture history reads these), then stages the record.
    func commit(
        _ built: CorpusRecord, fileData builtFile: Data, captured packed: PackedRecord, extraFields: CaptureFields, file: String,
        session: WriteSession, stagedAhead: WriteSession.StagedFile? = nil
    ) throws -> IngestOutcome {
        let captured = packed.record
        if config.pipeline.quarantineOffTopic, let reason = Self.offTopicReason(built) {
            return reject(file, CorpusError(file: file, stage: .classify, reason: "\(reason) (pipeline.toml ingest.quarantine_off_topic)"))
        }
        let placed: (record: CorpusRecord, file: Data, status: IngestOutcome.Status)
        switch try Self.place(built, file: builtFile, session: session, replacing: replacing) {
        case .refused(let id, let reason):
            return IngestOutcome(
                file: file, status: .conflict, id: id, problem: CorpusError(file: file, stage: .classify, reason: reason))
        case .placed(let record, let data, let isNew):
            placed = (record, data, isNew ? .ingested : .changed)
        }
        let (record, fileData, status) = placed
        var fields = extraFields
        fields.add(.corpusID, record.id)
        fields.add(status == .ingested ? CaptureStatus.ingested : .changed)
        fields.add(.payloadSHA256, record.provenance.rawSHA256)
        let metadata = WARCRecord.captureMetadata(
            date: captured[.date] ?? WARCDate.string(session.started), targetURI: captured[.targetURI] ?? file,
            refersTo: captured.recordID, fields: fields)
        try session.commitCapture(
            [packed, try PackedRecord(metadata, level: store.gzipLevel)], record: record, fileData: fileData, stagedAhead: stagedAhead,
            config: config)
        return IngestOutcome(file: file, status: status, id: record.id, problem: nil)
    }

    public enum PlacementResult {
        case placed(CorpusRecord, Data, isNew: Bool)
        case refused(id: String, reason: String)
    }

    /// Gives a built record its place among the session's records (see `DocumentIdentity`):
    /// its derived id, a suffixed one, or a conflict. A record that moves to another id is sealed again.
    public static func place(_ record: CorpusRecord, file: Data, session: WriteSession, replacing: String?) throws -> PlacementResult {
        let placement = DocumentIdentity.place(record, ids: session.ids, lookup: session.record, replacing: replacing)
        let id: String
        let isNew: Bool
        switch placement {
        case .conflict(let existing, let reason): return .refused(id: existing, reason: "conflict: \(reason)")
        case .new(let placed):
            id = placed
            isNew = true
        case .version(let placed):
            id = placed
            isNew = false
        }
        guard id != record.id else { return .placed(record, file, isNew: isNew) }
        var moved = record
        moved.id = id
        let sealed = try moved.sealedWithFile()
        return .placed(sealed.record, sealed.file, isNew: isNew)
    }

    /// Why a record is off-topic (no evidence of the corpus at all, no topics), or nil.
    static func offTopicReason(_ record: CorpusRecord) -> String? {
        record.topics.isEmpty ? record.classification.offTopicReason : nil
    }

    static func importedFrom(_ path: String) -> CaptureFields {
        var fields = CaptureFields()
        fields.add(.importedFrom, (path as NSString).lastPathComponent)
        return fields
    }

    /// Each record of an archive that holds a document (`WARCImport`) becomes a capture that
    /// keeps its target URI and date; the original record is copied into the archive as it was.
    /// A revisit becomes `unchanged` when the capture it refers to is known (`RevisitResolver`).
    /// A record that cannot be read or resolved costs itself, never the rest of the file: it is
    /// one `rejected` outcome naming the file, the offset and why.
    func importArchive(path: String, format: any ArchiveFormat, session: WriteSession, revisits: RevisitResolver) throws -> [IngestOutcome]
    {
        var outcomes: [IngestOutcome] = []
        var problems: [WARCReadProblem] = []
        var found = 0
        let warn = onWarning
        // A problem that lost a record is that record's refusal; one that lost nothing, a warning.
        func report(_ found: [WARCReadProblem]) {
            for problem in found {
                if problem.costsRecord { outcomes.append(reject(path, problem.error)) } else { warn?(problem.error) }
            }
        }
        let decodeLimit = config.pipeline.maxInputBytes
        let collect: (WARCReadProblem) -> Void = { problems.append($0) }
        // Requisites follow their page, and are kept when it was (ingested or changed).
        var keepRequisites = false
        try format.forEachRecord(path: path, config: config.pipeline, onProblem: collect) { entry in
            let (record, offset) = (entry.record, entry.offset)
            // Problems the reader met before this record are reported in file order.
            report(problems)
            problems.removeAll()
            if entry.role == .requisite {
                if keepRequisites { try session.append([try PackedRecord(record, level: store.gzipLevel)]) }
                return
            }
            keepRequisites = false
            let label = "\(path)#\(record.targetURI ?? "offset \(offset)")"
            if record.type == .revisit {
                // A revisit of a known capture repeats a document; of an unknown one, it is
                // refused when its head or address says it was a document, skipped otherwise.
                let resolved = revisits.resolve(record)
                let head = record.httpHead
                guard
                    resolved != nil
                        || DocumentFormats.resolve(
                            name: record.targetURI.flatMap { URL(string: $0)?.path },
                            contentType: head?.contentType ?? (head == nil ? nil : "text/html")) != nil
                else { return }
                found += 1
                switch resolved {
                case .some(let id):
                    outcomes.append(IngestOutcome(file: label, status: .unchanged, id: id, problem: nil))
                case .none:
                    revisits.deferResolution(record, index: outcomes.count, label: label)
                    outcomes.append(
                        reject(
                            label,
                            CorpusError(
                                file: label, stage: .warc,
                                reason:
                                    "revisit refers to \(record[.refersTo] ?? record[.payloadDigest] ?? "no record"), which neither this file nor the archive holds"
                            )))
                }
                return
            }
            let capture: Capture
            do {
                guard let found = try WARCImport.capture(from: record, file: path, decodeLimit: decodeLimit) else { return }
                capture = found
            } catch let error as CorpusError {
                found += 1
                outcomes.append(reject(label, CorpusError(file: label, stage: error.stage, reason: error.reason)))
                return
            }
            found += 1
            let rawDigest = capture.rawDigest
            if let existing = session.recordID(forRawDigest: rawDigest) {
                revisits.note(record, id: existing)
                outcomes.append(IngestOutcome(file: label, status: .unchanged, id: existing, problem: nil))
                return
            }
            let digestProblems = record.digestProblems()
            if !digestProblems.isEmpty {
                outcomes.append(reject(label, CorpusError(file: label, stage: .warc, reason: digestProblems.joined(separator: "; "))))
                return
            }
            do {
                let built = try builder.buildWithFile(capture, archive: ArchiveLocation(warc: session.warcPath, recordID: record.recordID))
                let outcome = try commit(
                    built.record, fileData: built.file, captured: try PackedRecord(record, level: store.gzipLevel),
                    extraFields: Self.importedFrom(path), file: label, session: session)
                if let id = outcome.id, !outcome.status.isRefused { revisits.note(record, id: id) }
                keepRequisites = outcome.status == .ingested || outcome.status == .changed
                outcomes.append(outcome)
            } catch let error as CorpusError {
                outcomes.append(reject(label, error))
            }
        }
        if found == 0 {
            let read =
                problems.isEmpty ? "" : " (\(problems.count) unreadable part\(problems.count == 1 ? "" : "s"): \(problems[0].error.reason))"
            throw CorpusError(
                file: path, stage: .warc,
                reason:
                    "no response, resource or revisit record holding a document (\(DocumentFormats.all.map(\.name).joined(separator: ", ")))\(read)"
            )
        }
        report(problems)
        return outcomes
    }
}

/// Finds the document a `revisit` record repeats: the capture it names (`WARC-Refers-To`), or
/// one with its payload digest, earlier in this batch or already in the archive (through the
/// archive's CDXJ index, which keeps every record's payload digest as its writer gave it). A
/// URL-agnostic revisit (another URL's payload) resolves the same way.
final class RevisitResolver {
    let session: WriteSession
    let store: ArchiveStore
    let decodeLimit: Int
    /// Captures of this batch so far: WARC record id and payload digest → corpus id.
    private var byRecordID: [String: String] = [:]
    private var byPayloadDigest: [String: String] = [:]
    /// The archive's records by the WARC record id they were built from, read on first need.
    private var archived: [String: String]?
    /// The archive's index: payload digest → (WARC file, offset), read on first need.
    private var indexed: [String: (file: String, offset: UInt64)]?
    /// Which input of the batch is being read (its outcomes' index).
    var group = 0
    /// Revisits not resolved when met: where their outcome is, and the record.
    private var deferred: [(group: Int, index: Int, label: String, record: WARCRecord)] = []

    func deferResolution(_ revisit: WARCRecord, index: Int, label: String) {
        deferred.append((group, index, label, revisit))
    }

    /// The deferred revisits that resolve now, with their documents.
    func resolveDeferred() -> [(group: Int, index: Int, label: String, id: String)] {
        deferred.compactMap { item in resolve(item.record).map { (item.group, item.index, item.label, $0) } }
    }

    init(session: WriteSession, store: ArchiveStore, decodeLimit: Int) {
        self.session = session
        self.store = store
        self.decodeLimit = decodeLimit
    }

    func note(_ record: WARCRecord, id: String) {
        byRecordID[record.recordID] = id
        if let digest = record[.payloadDigest] { byPayloadDigest[digest.lowercased()] = id }
    }

    func resolve(_ revisit: WARCRecord) -> String? {
        if let refersTo = revisit[.refersTo], let id = byRecordID[refersTo] { return id }
        let digest = revisit[.payloadDigest]?.lowercased()
        if let digest {
            if let id = byPayloadDigest[digest] { return id }
            // A SHA-256 digest (ours, Browsertrix's) names the archive's captures directly.
            let parts = digest.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0] == "sha256", let id = session.recordID(forRawDigest: String(parts[1])) { return id }
        }
        if let refersTo = revisit[.refersTo] {
            if archived == nil {
                var map: [String: String] = [:]
                for id in session.ids {
                    if let record = session.record(id) { map[record.provenance.archive.recordID] = id }
                }
                archived = map
            }
            if let id = archived?[refersTo] { return id }
        }
        guard let digest else { return nil }
        return archivedCapture(digest: digest)
    }

    /// The document of the archive's capture with this payload digest, by its CDXJ line.
    private func archivedCapture(digest: String) -> String? {
        if indexed == nil {
            var map: [String: (file: String, offset: UInt64)] = [:]
            if let text = try? String(contentsOf: store.cdxjURL, encoding: .utf8) {
                for line in text.split(separator: "\n") {
                    guard let brace = line.firstIndex(of: "{"),
                        let json = try? JSONSerialization.jsonObject(with: Data(line[brace...].utf8)) as? [String: Any],
                        let found = (json["digest"] as? String)?.lowercased(), let file = json["filename"] as? String,
                        let offset = (json["offset"] as? String).flatMap(UInt64.init)
                    else { continue }
                    if map[found] == nil { map[found] = (file, offset) }
                }
            }
            indexed = map
        }
        guard let (file, offset) = indexed?[digest] else { return nil }
        let path = store.warcURL.appendingPathComponent(file).path
        guard let record = try? WARCFileReader(path: path, limit: store.warcRecordLimit).record(at: offset),
            let capture = try? WARCImport.capture(from: record, file: path, decodeLimit: decodeLimit)
        else { return nil }
        return session.recordID(forRawDigest: capture.rawDigest)
    }
}
