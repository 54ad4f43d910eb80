import CorpusKit
import Foundation

/// One writer's batch: WARC records are staged and then appended to the open WARC file (or start
/// a new one, see `ArchiveStore.openWARC`), records go into staged JSON files; `commit`
/// publishes both together.
public final class WriteSession {
    let store: ArchiveStore
    /// Relative path (`data/warc/…`) of the WARC file this session writes.
    public let warcPath: String
    /// The open file's length when this session began, when it appends to one.
    let appendAt: Int64?
    private var warcHandle: Int32 = -1
    /// Bytes staged so far, and the index entries of what they hold (see `KnownAppend`).
    private var stagedBytes: Int64 = 0
    private var stagedLines: [String] = []
    private var stagedDigests: [String: String] = [:]
    private var stagedLocations: [String: Int64] = [:]
    /// Digests of the derived index checked against the WARC files (see `recordID(forRawDigest:)`).
    private var confirmed = Set<String>()
    private var stagedRecords: [String: String] = [:]  // id -> staged file name
    /// The digests of the files this session staged, from the bytes it wrote: the commit does
    /// not read them back to hash them.
    private var known = ArchiveStore.KnownDigests()
    /// Records as they stand, including this session's uncommitted ones.
    /// Ids of the records as they stand, including this session's: from the folder's listing,
    /// so opening a session decodes no record (`record(_:)` reads one when it is asked for).
    public private(set) var ids: Set<String> = []
    /// Records read or staged by this session.
    private var loaded: [String: CorpusRecord] = [:]
    private var rawDigests: [String: String] = [:]  // raw_sha256 -> id
    private var keptConfigs = Set<String>()
    /// Other payload files staged this session (configuration copies).
    private var stagedExtras: [ArchiveStore.Journal.Move] = []
    private var stagedRemovals: [ArchiveStore.Journal.Move] = []
    /// A date for the warcinfo record and WARC-Date fields of this session.
    public let started = Date()

    init(store: ArchiveStore) throws {
        self.store = store
        // Names sort in the order sessions wrote them (sessions hold the lock in turn): the
        // second and then the microsecond, so two versions captured within one second (whose
        // WARC-Dates are equal) are still told apart in order by history and diff.
        if let open = store.openWARC(now: started) {
            (warcPath, appendAt) = (open.path, open.size)
        } else {
            let stamp = WARCDate.string(started).filter(\.isNumber)
            let micro = Int((started.timeIntervalSince1970 * 1_000_000).rounded(.down)) % 1_000_000
            let microText = String(micro)
            let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
            warcPath =
                "data/warc/dccorpus-\(stamp)-\(String(repeating: "0", count: 6 - microText.count) + microText)-\(getpid())-\(suffix).warc.gz"
            appendAt = nil
        }
        try FileIO.makeFolder(store.stagingURL)
        // What this process's last session left, when no other commit came since (each one
        // rewrites the payload manifest, so its stamp tells); else from the folder and the index.
        if let left = store.lastSession.withLock({ $0 }), FileStamp(path: store.bag.manifestURL.path) == left.manifest {
            (ids, rawDigests) = (left.ids, left.rawDigests)
            return
        }
        ids = store.recordIDs()
        // Every captured payload, by the document it belongs to now (renamed ones followed).
        let aliases = store.aliases()
        for (digest, id) in store.capturedDigests(limit: store.warcRecordLimit) {
            let current = aliases[id] ?? id
            if ids.contains(current) { rawDigests[digest] = current }
        }
    }

    /// The record stored (or staged by this session) under `id`; nil when there is none or it
    /// does not decode (verify reports that).
    public func record(_ id: String) -> CorpusRecord? {
        guard ids.contains(id) else { return nil }
        if let record = loaded[id] { return record }
        guard let record = try? store.loadRecord(id: id) else { return nil }
        loaded[id] = record
        return record
    }

    deinit { if warcHandle >= 0 { close(warcHandle) } }

    private var stagedWARCURL: URL { store.stagingURL.appendingPathComponent("capture.warc.gz") }

    /// The id of the document whose capture (this or an earlier version) has exactly these raw bytes.
    /// The derived digest index's word is confirmed once per digest against the record it points
    /// at (`ArchiveStore.holdsCapture`): a lost or hand-edited index can cost a capture twice,
    /// never an input taken as "unchanged" that the archive does not hold.
    public func recordID(forRawDigest digest: String) -> String? {
        guard let id = rawDigests[digest] else { return nil }
        if confirmed.contains(digest) { return id }
        guard store.holdsCapture(digest: digest) else {
            FileHandle.standardError.write(
                Data(
                    "dccorpus: the capture index says bytes \(digest.prefix(12))… are archived (\(id)), but no WARC record holds them: capturing them again\n"
                        .utf8))
            rawDigests[digest] = nil
            return nil
        }
        confirmed.insert(digest)
        return id
    }

    /// The raw digests the derived index says the archive holds (unconfirmed): a snapshot other
    /// threads may read while the session goes on.
    public func archivedDigests() -> Set<String> { Set(rawDigests.keys) }

    /// Appends records to this session's WARC file (a `warcinfo` record first when the file is
    /// new), each as its own gzip member.
    public func append(_ warcRecords: [WARCRecord]) throws {
        try append(warcRecords.map { try PackedRecord($0, level: store.gzipLevel) })
    }

    /// The same with each record's gzip member made already: compressing is most of appending,
    /// and callers do it on their parallel stage.
    public func append(_ warcRecords: [PackedRecord]) throws {
        if warcHandle < 0 {
            warcHandle = open(stagedWARCURL.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard warcHandle >= 0 else {
                throw CorpusError(file: stagedWARCURL.path, stage: .archive, reason: String(cString: strerror(errno)))
            }
            if appendAt != nil {
                for record in warcRecords { try write(record) }
                return
            }
            let info =
                "software: \(Bag.softwareAgent)\r\nformat: WARC File Format 1.1\r\nconformsTo: https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\ndescription: Digital China Construction Series corpus captures\r\n"
            let warcinfo = WARCRecord.make(
                type: .warcinfo, date: WARCDate.string(started),
                contentType: WARCContentType.fields, block: Data(info.utf8),
                extra: [(.filename, (warcPath as NSString).lastPathComponent)],
                payloadDigest: false)
            try write(try PackedRecord(warcinfo, level: store.gzipLevel))
        }
        for record in warcRecords { try write(record) }
    }

    /// One record as one gzip member of the staged file, noted for the indexes.
    private func write(_ packed: PackedRecord) throws {
        let (record, member) = (packed.record, packed.member)
        try FileIO.writeAll(warcHandle, member, stagedWARCURL)
        // A new file's hash is made as it is written (an appended one's, as it is appended).
        if appendAt == nil { known.newWARC = known.newWARC ?? Digest.Streaming() }
        known.newWARC?.update(member)
        let offset = UInt64((appendAt ?? 0) + stagedBytes)
        stagedBytes += Int64(member.count)
        if record.type == .metadata {
            let fields = CaptureFields.parse(record.block)
            if let digest = fields[.payloadSHA256], let id = fields[.corpusID] { stagedDigests[digest] = id }
            return
        }
        if let digest = ArchiveStore.captureDigest(record), stagedLocations[digest] == nil { stagedLocations[digest] = Int64(offset) }
        if let line = CDXJ.line(
            for: record, offset: offset, length: UInt64(member.count), filename: (warcPath as NSString).lastPathComponent)
        {
            stagedLines.append(line)
        }
    }

    /// Keeps, once, the configuration files that records of this session are made with, in the
    /// payload at `data/config/<config_sha256>/`: `verify --rebuild` re-derives an old record
    /// with the configuration it was made with, and so can tell an outdated record from a
    /// tampered one.
    public func keepConfig(_ config: CorpusConfig) throws {
        guard !config.files.isEmpty, !keptConfigs.contains(config.configSHA256) else { return }
        keptConfigs.insert(config.configSHA256)
        let folder = "data/config/\(config.configSHA256)"
        if FileManager.default.fileExists(atPath: store.root.appendingPathComponent(folder).path) { return }
        for file in config.files {
            let name = "config-\(config.configSHA256)-\(file.name)"
            let data = Data(file.text.utf8)
            try FileIO.writeNew(data, to: store.stagingURL.appendingPathComponent(name), durable: true)
            known.files[name] = Digest.sha256Hex(data)
            stagedExtras.append(.init(from: name, to: "\(folder)/\(file.name)"))
        }
    }

    /// Stages the removal of `data/corpus/<id>.json` (a document that `reprocess` gave a new id).
    public func remove(id: String) throws {
        guard Self.isSafeID(id) else { throw CorpusError(file: id, stage: .record, reason: "record id would escape data/corpus/") }
        stagedRemovals.append(.init(from: "", to: "data/corpus/\(id).json"))
        ids.remove(id)
        loaded[id] = nil
    }

    /// Stages a payload file other than a record (the alias list), replacing any earlier one.
    public func putPayloadFile(_ data: Data, at relative: String) throws {
        let name = "extra-\(stagedExtras.count)-" + relative.replacingOccurrences(of: "/", with: "_")
        try FileIO.writeNew(data, to: store.stagingURL.appendingPathComponent(name), durable: true)
        known.files[name] = Digest.sha256Hex(data)
        stagedExtras.append(.init(from: name, to: relative))
    }

    /// Stages a record (sealed with its hash) to replace or add `data/corpus/<id>.json`.
    /// `fileData`, when given, must be `record.fileData()` (callers that sealed it have it).
    /// `stagedAhead`: the file a parallel stage wrote for the record as it was built; used when
    /// the record kept that id (placing it elsewhere seals it again, so the file is stale).
    public func put(_ record: CorpusRecord, fileData: Data? = nil, stagedAhead: StagedFile? = nil) throws {
        guard Self.isSafeID(record.id) else {
            throw CorpusError(file: record.id, stage: .record, reason: "record id would escape data/corpus/")
        }
        if let stagedAhead, stagedAhead.id == record.id {
            known.files[stagedAhead.name] = stagedAhead.sha256
            note(record, stagedAs: stagedAhead.name)
            return
        }
        let name = "record-\(stagedRecords.count)-\(record.id).json"
        let url = store.stagingURL.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: url)
        let data = try fileData ?? record.fileData()
        try FileIO.writeNew(data, to: url, durable: true)
        known.files[name] = Digest.sha256Hex(data)
        note(record, stagedAs: name)
    }

    /// The folder `stageAhead` writes into: read on the session's thread, used on any.
    public var stagingFolder: URL { store.stagingURL }

    /// A record file written by `stageAhead`: its name in the staging folder and the id of the
    /// record whose exact `fileData()` bytes it holds.
    public struct StagedFile: Sendable {
        public let name: String
        public let id: String
        /// The SHA-256 of the bytes written.
        public let sha256: String
    }

    /// Writes `record`'s file into the staging folder (fsynced) from any thread, before the
    /// record has its place: creating and syncing files is the costliest part of staging, and
    /// a parallel stage does it. Nothing is committed unless `put` is given the file; the rest
    /// goes with the staging folder. Nil when the file could not be written (`put` then stages
    /// the record the ordinary way, which reports the error).
    public static func stageAhead(_ record: CorpusRecord, fileData: Data, name: String, in folder: URL) -> StagedFile? {
        let staged = "ahead-\(name).json"
        do {
            try FileIO.writeNew(fileData, to: folder.appendingPathComponent(staged), durable: true)
            return StagedFile(name: staged, id: record.id, sha256: Digest.sha256Hex(fileData))
        } catch {
            return nil
        }
    }

    /// Told of every record staged, with its staged file's size and modification time
    /// (nanoseconds), which the committed file keeps (see `RecordIndexing`).
    public var onPut: ((CorpusRecord, _ size: Int64, _ mtime: Int64) -> Void)? = nil

    private func note(_ record: CorpusRecord, stagedAs name: String) {
        if let onPut, let stamp = FileStamp(path: store.stagingURL.appendingPathComponent(name).path) {
            onPut(record, stamp.size, stamp.modified)
        }
        stagedRecords[record.id] = name
        ids.insert(record.id)
        loaded[record.id] = record
        rawDigests[record.provenance.rawSHA256] = record.id
        confirmed.insert(record.provenance.rawSHA256)  // staged in this session's WARC records
    }

    /// Ids are lower-case words joined by dashes: never a path separator, dot file or `..`.
    public static func isSafeID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 120 && id.first != "-"
            && id.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    func commit() throws {
        var moves: [ArchiveStore.Journal.Move] = []
        if warcHandle >= 0 {
            guard fsync(warcHandle) == 0 else {
                throw CorpusError(file: stagedWARCURL.path, stage: .archive, reason: "fsync failed: \(String(cString: strerror(errno)))")
            }
            close(warcHandle)
            warcHandle = -1
            moves.append(.init(from: stagedWARCURL.lastPathComponent, to: warcPath, appendAt: appendAt))
        }
        moves += stagedExtras
        moves += stagedRemovals.filter { removal in !stagedRecords.keys.contains { "data/corpus/\($0).json" == removal.to } }
        for (id, name) in stagedRecords.sorted(by: { $0.key < $1.key }) {
            moves.append(.init(from: name, to: "data/corpus/\(id).json"))
        }
        try FileIO.syncDirectory(store.stagingURL)
        store.lastSession.withLock { $0 = nil }
        try store.commit(moves: moves, known: known)
        // Kept for the next session of this process (a watcher's next batch), unless documents
        // were removed or renamed (the aliases change what digests belong to).
        if stagedRemovals.isEmpty, !moves.contains(where: { $0.to == "data/aliases.json" }),
            let manifest = FileStamp(path: store.bag.manifestURL.path)
        {
            store.lastSession.withLock { $0 = .init(manifest: manifest, ids: ids, rawDigests: rawDigests) }
        }
        // Keep the digest and CDXJ indexes current with what this commit appended (from what
        // this session wrote, without reading it back).
        if moves.contains(where: { $0.to == warcPath }) {
            let from = appendAt ?? 0
            store.refreshIndexes(
                limit: nil,
                known: .init(
                    path: warcPath, from: from, to: from + stagedBytes, lines: stagedLines, digests: stagedDigests,
                    locations: stagedLocations))
        }
        stagedRecords.removeAll()
        stagedExtras.removeAll()
        stagedRemovals.removeAll()
    }

    func discardStaged() {
        if warcHandle >= 0 {
            close(warcHandle)
            warcHandle = -1
        }
        // A journal left by a failed commit must survive for `recover` to replay it.
        if !FileManager.default.fileExists(atPath: store.journalURL.path) {
            try? FileManager.default.removeItem(at: store.stagingURL)
        }
    }
}

/// A WARC record and its gzip member, as a session appends it.
public struct PackedRecord: Sendable {
    public let record: WARCRecord
    public let member: Data

    public init(_ record: WARCRecord, level: Int32) throws {
        self.record = record
        member = try Gzip.member(record.serialized(), level: level)
    }
}
