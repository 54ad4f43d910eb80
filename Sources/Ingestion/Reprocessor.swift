import Archiving
import CorpusKit
import Foundation
import RecordBuilding

/// What `reprocess` did (or, with `--dry-run`, would do) to one record.
public struct ReprocessOutcome: Encodable, Equatable, Sendable {
    public enum Status: String, Codable, Sendable { case unchanged, updated, renamed, conflict, failed }
    public var id: String
    public var status: Status
    /// The new id, for `renamed`.
    public var newID: String?
    /// The fields that changed, for `updated` and `renamed`.
    public var fields: [String]
    /// Why the record could not be brought up to date, typed; `error` is its one-line message.
    public var problem: CorpusError?
    public var error: String? { problem?.description }

    public init(id: String, status: Status, newID: String? = nil, fields: [String] = [], problem: CorpusError? = nil) {
        self.id = id
        self.status = status
        self.newID = newID
        self.fields = fields
        self.problem = problem
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(status, forKey: .status)
        try container.encodeIfPresent(newID, forKey: .newID)
        try container.encode(fields, forKey: .fields)
        try container.encodeIfPresent(error, forKey: .error)
    }

    enum CodingKeys: String, CodingKey {
        case id, status
        case newID = "new_id"
        case fields, error
    }
}

/// Re-derives records from their raw captures with the current pipeline and configuration, in
/// one journalled write session (a kill leaves the archive as before or as after). Each change
/// is written to the WARC files too: a `metadata` record (the history's "reprocessed by
/// pipeline X") and a `resource` record holding the previous record, so nothing is lost.
public struct Reprocessor {
    public let ingestor: Ingestor
    /// (done, total) as records are re-derived.
    public var onProgress: ((Int, Int) -> Void)?
    public init(ingestor: Ingestor) { self.ingestor = ingestor }

    public func reprocess(ids: [String], dryRun: Bool) throws -> [ReprocessOutcome] {
        let store = ingestor.store
        let limit = ingestor.config.pipeline.maxWARCRecordBytes
        var outcomes: [ReprocessOutcome] = []
        let body: (WriteSession?) throws -> Void = { session in
            let records = store.loadRecords().records
            let selected =
                ids.isEmpty
                ? records
                : try ids.map { id in
                    guard let record = records.first(where: { $0.id == id }) else {
                        throw CorpusError(file: id, stage: .record, reason: "no such record (see `dccorpus list`)")
                    }
                    return record
                }
            let wanted = Set(selected.map(\.provenance.archive.recordID))
            var captures: [String: WARCRecord] = [:]
            var media = MediaIndex()
            for path in store.warcFiles() {
                try WARCFileReader(path: store.root.appendingPathComponent(path).path, limit: limit).forEachRecord { record, offset in
                    media.note(record, warc: path, offset: offset)
                    if wanted.contains(record.recordID) { captures[record.recordID] = record }
                }
            }
            var current = Dictionary(records.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            var aliases = store.aliases()
            for (number, stored) in selected.sorted(by: { $0.id < $1.id }).enumerated() {
                onProgress?(number, selected.count)
                let outcome = try reprocessOne(
                    stored, capture: captures[stored.provenance.archive.recordID],
                    videos: media.videos(page: stored.provenance.archive.recordID, root: store.root, limit: limit), among: &current,
                    aliases: &aliases, session: session)
                outcomes.append(outcome)
            }
            if let session, outcomes.contains(where: { $0.status == .renamed }) {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try session.putPayloadFile(try encoder.encode(aliases), at: "data/aliases.json")
            }
        }
        if dryRun {
            try store.read { try body(nil) }
        } else {
            try store.write { session in try body(session) }
        }
        return outcomes
    }

    func reprocessOne(
        _ stored: CorpusRecord, capture warcRecord: WARCRecord?, videos: [ArchivedVideo] = [], among current: inout [String: CorpusRecord],
        aliases: inout [String: String], session: WriteSession?
    ) throws -> ReprocessOutcome {
        guard let warcRecord,
            var capture = try WARCImport.capture(
                from: warcRecord, file: stored.provenance.archive.warc, decodeLimit: ingestor.config.pipeline.maxInputBytes)
        else {
            return ReprocessOutcome(
                id: stored.id, status: .failed,
                problem: CorpusError(
                    file: stored.id, stage: .reprocess, reason: "raw capture \(stored.provenance.archive.recordID) not found"))
        }
        var source = stored.provenance.source
        source.charset = nil
        capture.source = source
        capture.archivedVideos = videos  // as the archive says them, like `verify --rebuild`
        var rebuilt: CorpusRecord
        do {
            rebuilt = try ingestor.builder.build(capture, archive: stored.provenance.archive)
        } catch let error as CorpusError {
            return ReprocessOutcome(id: stored.id, status: .failed, problem: error)
        }
        // Where the rebuilt record belongs: its own id (suffixed ones keep their suffix), or, if
        // the pipeline now derives another id, a new place among the other documents.
        var others = current
        others[stored.id] = nil
        let sameID = rebuilt.id == stored.id || DocumentIdentity.isSuffixed(stored.id, of: rebuilt.id)
        var newID = stored.id
        if !sameID {
            switch DocumentIdentity.place(rebuilt, among: others) {
            case .new(let id), .version(let id): newID = id
            case .conflict(let id, let reason):
                return ReprocessOutcome(
                    id: stored.id, status: .conflict, newID: id,
                    problem: CorpusError(file: stored.id, stage: .reprocess, reason: "conflict: \(reason)"))
            }
            if others[newID] != nil {
                return ReprocessOutcome(
                    id: stored.id, status: .conflict, newID: newID,
                    problem: CorpusError(file: stored.id, stage: .reprocess, reason: "would become \(newID), which another document holds"))
            }
        }
        rebuilt.id = newID
        rebuilt = try rebuilt.sealed()
        if rebuilt == stored { return ReprocessOutcome(id: stored.id, status: .unchanged) }
        let fields = Self.changedFields(stored, rebuilt)
        if let session {
            try write(rebuilt, replacing: stored, warcRecord: warcRecord, session: session)
            if newID != stored.id {
                try session.remove(id: stored.id)
                aliases[stored.id] = newID
                for (old, target) in aliases where target == stored.id { aliases[old] = newID }
            }
        }
        current[stored.id] = nil
        current[newID] = rebuilt
        return ReprocessOutcome(
            id: stored.id, status: newID == stored.id ? .updated : .renamed,
            newID: newID == stored.id ? nil : newID, fields: fields)
    }

    /// The previous record as a `resource` (kept whole), a `metadata` record naming the new
    /// version, then the new record.
    func write(_ record: CorpusRecord, replacing previous: CorpusRecord, warcRecord: WARCRecord, session: WriteSession) throws {
        let date = WARCDate.string(session.started)
        let kept = WARCRecord.make(
            type: .resource, date: date, contentType: "application/json", block: try previous.fileData(),
            extra: [(.targetURI, "urn:dccorpus:record:\(previous.id):\(previous.provenance.recordSHA256)")])
        var fields = CaptureFields()
        fields.add(.corpusID, record.id)
        fields.add(CaptureStatus.reprocessed)
        fields.add(.payloadSHA256, record.provenance.rawSHA256)
        fields.add(.reprocessedBy, CorpusConfig.pipelineVersion)
        fields.add(.previousPipeline, previous.provenance.pipeline.version)
        fields.add(.previousRecord, kept.recordID)
        if previous.id != record.id { fields.add(.renamedFrom, previous.id) }
        let metadata = WARCRecord.captureMetadata(
            date: date, targetURI: warcRecord[.targetURI] ?? "urn:dccorpus:record:\(record.id)", refersTo: warcRecord.recordID,
            fields: fields)
        try session.commitCapture(
            [kept, metadata].map { try PackedRecord($0, level: ingestor.store.gzipLevel) }, record: record, config: ingestor.config)
    }

    static func changedFields(_ old: CorpusRecord, _ new: CorpusRecord) -> [String] {
        guard let left = try? JSONValue.from(old), let right = try? JSONValue.from(new),
            case .object(let a) = left, case .object(let b) = right
        else { return ["(record)"] }
        return Set(a.keys).union(b.keys).sorted().filter { a[$0] != b[$0] && $0 != "provenance" }
            + (provenanceChanged(a["provenance"], b["provenance"]))
    }

    static func provenanceChanged(_ a: JSONValue?, _ b: JSONValue?) -> [String] {
        guard case .object(let left)? = a, case .object(let right)? = b else { return [] }
        return Set(left.keys).union(right.keys).sorted()
            .filter { $0 != "record_sha256" && left[$0] != right[$0] }.map { "provenance.\($0)" }
    }
}
