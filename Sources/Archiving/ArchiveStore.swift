import CorpusKit
import Foundation
import Synchronization

/// The archive on disk: a BagIt bag whose payload is WARC files (`data/warc/`) and corpus records
/// (`data/corpus/<id>.json`).
///
/// Writes happen in a `WriteSession` under the exclusive lock. New files are staged in
/// `Archive/.staging/`, fsynced, then moved into `data/` and added to the manifests in one
/// journalled step: if the process dies half-way, the next session (or `verify`) replays the
/// journal, so the bag is never left with a payload file its manifest does not list.
public final class ArchiveStore: Sendable {
    public let root: URL
    public let bag: Bag
    public let lockTimeout: Double
    /// The largest WARC record (decompressed gzip member) this archive's readers accept.
    public let warcRecordLimit: Int

    /// When the open WARC file is closed and a new one started (`[archive]` in pipeline.toml).
    public let rollover: WARCRollover

    /// The libdeflate level of the WARC records this archive's sessions write (`[archive] gzip_level`).
    public let gzipLevel: Int32

    /// How commits are signed into the bag's commit log (`Config/integrity.toml`).
    public let signer: CommitSigner
    /// What a commit's log entry names as the command that made it.
    public let command: String

    public init(
        root: URL, lockTimeout: Double, warcRecordLimit: Int = 64 << 20, rollover: WARCRollover = WARCRollover(), gzipLevel: Int32 = 1,
        signer: CommitSigner = .none
    ) {
        self.root = root
        self.bag = Bag(root: root)
        self.lockTimeout = lockTimeout
        self.warcRecordLimit = warcRecordLimit
        self.rollover = rollover
        self.gzipLevel = gzipLevel
        self.signer = signer
        let arguments = CommandLine.arguments.dropFirst().filter { !$0.hasPrefix("-") }
        command = arguments.first.map { ($0 as NSString).lastPathComponent } ?? "dccorpus"
    }

    /// The archive at `root` with the configured lock wait, record limit, rollover, gzip level
    /// and signing key.
    public convenience init(root: URL, config: CorpusConfig) {
        let pipeline = config.pipeline
        self.init(
            root: root, lockTimeout: pipeline.lockTimeoutSeconds, warcRecordLimit: pipeline.maxWARCRecordBytes,
            rollover: WARCRollover(bytes: pipeline.warcFileBytes, seconds: pipeline.warcFileSeconds), gzipLevel: pipeline.gzipLevel,
            signer: CommitSigner(config.integrity))
    }

    /// Refuses a write when the configured key cannot be read and the configuration says so:
    /// before anything is written. With `unsigned = "warn"`, says so once and goes on.
    func checkSigner() throws {
        guard case .unavailable(let reason, let policy) = signer else { return }
        switch policy {
        case .refuse:
            throw CorpusError(
                file: IntegrityConfig.fileName, stage: .archive,
                reason:
                    "cannot sign the commit: \(reason); nothing was written (signing.unsigned = \"warn\" in Config/integrity.toml commits unsigned)"
            )
        case .warn:
            if warnedUnsigned.withLock({ warned in
                defer { warned = true }
                return !warned
            }) {
                FileHandle.standardError.write(
                    Data("dccorpus: warning: committing without a signature: \(reason) (signing.unsigned = \"warn\")\n".utf8))
            }
        }
    }
    private let warnedUnsigned = Mutex(false)

    /// Decoded records by file name, with the size and modification time they were read at: a
    /// long-running process (the watcher) re-reads only records that changed since.
    private let recordCache = Mutex<[String: CachedRecord]>([:])

    struct CachedRecord: Sendable {
        /// Records are replaced by renaming a new file over them: a new inode every time, where
        /// the modification time alone may repeat within the kernel's clock tick.
        var inode: UInt64
        var size: Int64
        var modified: timespec
        var record: CorpusRecord

        init(_ info: stat, record: CorpusRecord) {
            (inode, size, modified, self.record) = (UInt64(info.st_ino), Int64(info.st_size), info.st_mtim, record)
        }

        /// Whether the file is still the one this record was read from.
        func holds(_ info: stat) -> Bool {
            inode == UInt64(info.st_ino) && size == Int64(info.st_size) && modified.tv_sec == info.st_mtim.tv_sec
                && modified.tv_nsec == info.st_mtim.tv_nsec
        }
    }

    /// What each committed WARC file captured (see `capturedDigests`), as last read.
    let captureIndex = Mutex<CaptureDigestIndex>(CaptureDigestIndex())
    /// The CDXJ file as this process last wrote it, with its stamp then (see `refreshIndexes`).
    let cdxjBytes = Mutex<(stamp: FileStamp, bytes: [UInt8])?>(nil)
    /// Whether commits leave the derived index files to `flushIndexes` (see `deferIndexWrites`),
    /// and whether this process holds updates they do not have yet.
    let indexWrites = Mutex<(deferred: Bool, pending: Bool)>((false, false))
    /// The document ids and captured digests as this process's last session committed them,
    /// with the payload manifest's stamp then (see `WriteSession.init`).
    let lastSession = Mutex<SessionState?>(nil)
    struct SessionState: Sendable {
        var manifest: FileStamp
        var ids: Set<String>
        var rawDigests: [String: String]
    }
    /// The running SHA-256 of the open WARC file (see `appendStaged`).
    let openHash = Mutex<OpenFileHash?>(nil)

    var stagingURL: URL { root.appendingPathComponent(".staging") }
    var journalURL: URL { stagingURL.appendingPathComponent("journal.json") }
    public var corpusURL: URL { root.appendingPathComponent("data/corpus") }
    public var warcURL: URL { root.appendingPathComponent("data/warc") }

    public func recordURL(id: String) -> URL { corpusURL.appendingPathComponent(DocumentID.fileName(id)) }
    /// Where the bag keeps the configuration with this hash (see `WriteSession.keepConfig`).
    public func configURL(sha256: String) -> URL { root.appendingPathComponent("data/config/\(sha256)") }
    /// Old id → new id of documents that `reprocess` renamed (`show OLD-ID` still finds them).
    public var aliasesURL: URL { root.appendingPathComponent("data/aliases.json") }
    public func aliases() -> [String: String] {
        guard let data = FileManager.default.contents(atPath: aliasesURL.path),
            let map = try? JSONDecoder().decode([String: String].self, from: data)
        else { return [:] }
        return map
    }

    /// Runs `body` in a write session and commits what it staged. Nothing is committed if `body` throws.
    public func write<T>(_ body: (WriteSession) throws -> T) throws -> T {
        try checkSigner()
        try FileIO.makeFolder(root)
        let lock = try lock(.exclusive)
        defer { withExtendedLifetime(lock) {} }
        try recover()
        try bag.create()
        let session = try WriteSession(store: self)
        defer { session.discardStaged() }
        do {
            let result = try body(session)
            try session.commit()
            return result
        } catch let error as CorpusError where error.systemCode == ENOSPC || error.systemCode == EDQUOT {
            // Before the journal is written nothing is committed; after it, the next writer or
            // reader replays it. Either way no input was taken.
            let outcome =
                FileManager.default.fileExists(atPath: journalURL.path)
                ? "the batch is in the commit journal and the next command completes it"
                : "nothing of this batch was committed"
            throw CorpusError(
                file: error.file, stage: error.stage,
                reason: error.reason + "; \(outcome) and its inputs are where they were: free space and run again",
                systemCode: error.systemCode)
        }
    }

    /// Appends a key rotation to the commit log: the new key, signed by the one this store signs
    /// with (under the exclusive lock, after any interrupted commit is completed).
    public func rotate(to new: SigningKey) throws {
        guard case .key(let old) = signer else {
            throw CorpusError(file: IntegrityConfig.fileName, stage: .archive, reason: "no readable signing key to rotate from")
        }
        try withLogReady { tagManifest in
            try CommitLog.appendRotation(root: root, old: old, new: new, time: WARCDate.string(Date()), tagManifest: tagManifest)
        }
    }

    /// Starts the commit log with `key` (`key init`): its first entry names the bag as it is, so
    /// that from now on a bag without its log is one whose log was removed.
    public func startLog(with key: SigningKey) throws {
        try withLogReady { tagManifest in
            try CommitLog.appendStart(root: root, key: key, time: WARCDate.string(Date()), tagManifest: tagManifest)
        }
    }

    /// Runs `body` under the exclusive lock with the bag and its tag manifest in place.
    func withLogReady(_ body: (URL) throws -> Void) throws {
        try FileIO.makeFolder(root)
        let lock = try lock(.exclusive)
        defer { withExtendedLifetime(lock) {} }
        try recover()
        try bag.create()
        if !FileManager.default.fileExists(atPath: bag.tagManifestURL.path) {
            try bag.writeManifests(payload: manifestEntries())
        }
        try body(bag.tagManifestURL)
    }

    /// Runs `body` while no writer is mid-commit (a shared lock); replays an interrupted commit first.
    public func read<T>(_ body: () throws -> T) throws -> T {
        if FileManager.default.fileExists(atPath: journalURL.path) || (bag.exists && !bag.isComplete) {
            try write { _ in }  // replay an interrupted commit or finish an interrupted creation
        }
        guard FileManager.default.fileExists(atPath: root.path) else { return try body() }
        let lock = try lock(.shared)
        defer { withExtendedLifetime(lock) {} }
        return try body()
    }

    /// The archive's lock (`.lock` beside the bag), waited for up to `lockTimeout`.
    func lock(_ mode: ArchiveLock.Mode) throws -> ArchiveLock? {
        try ArchiveLock.acquire(path: root.appendingPathComponent(".lock").path, mode: mode, timeout: lockTimeout)
    }

    /// All stored records, sorted by id, plus one error per file that does not decode.
    public func loadRecords() -> (records: [CorpusRecord], errors: [CorpusError]) {
        var records: [CorpusRecord] = []
        var errors: [CorpusError] = []
        var fresh: [String: CachedRecord] = [:]
        let cached = recordCache.withLock { $0 }
        let base = corpusURL.path + "/"
        for name in FileIO.names(in: corpusURL).sorted()
        where name.hasSuffix(".json") && !name.hasPrefix(".") {
            var info = stat()
            guard stat(base + name, &info) == 0 else { continue }
            if let hit = cached[name], hit.holds(info) {
                records.append(hit.record)
                fresh[name] = hit
                continue
            }
            do {
                let url = corpusURL.appendingPathComponent(name)
                let data = try FileIO.read(url, limit: 1 << 30)
                let record = try CorpusRecord.decode(data, file: "data/corpus/\(name)")
                records.append(record)
                fresh[name] = CachedRecord(info, record: record)
            } catch let error as CorpusError {
                errors.append(error)
            } catch {
                errors.append(CorpusError(file: base + name, stage: .validate, reason: "\(error)"))
            }
        }
        recordCache.withLock { $0 = fresh }
        return (records, errors)
    }

    /// The ids of the stored records, from the folder's listing alone.
    public func recordIDs() -> Set<String> {
        Set(FileIO.names(in: corpusURL).filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.map { String($0.dropLast(5)) })
    }

    /// One stored record; a record this process decoded before (`loadRecords`, or here) and
    /// whose file has the same size and modification time is not decoded again (the watcher
    /// places every new page among the records it already read).
    public func loadRecord(id: String) throws -> CorpusRecord? {
        let url = recordURL(id: id)
        let name = "\(id).json"
        var info = stat()
        guard stat(url.path, &info) == 0 else { return nil }
        if let hit = recordCache.withLock({ $0[name] }), hit.holds(info) { return hit.record }
        let record = try CorpusRecord.decode(try FileIO.read(url, limit: 1 << 30), file: "data/corpus/\(name)")
        recordCache.withLock { $0[name] = CachedRecord(info, record: record) }
        return record
    }

    /// Relative paths of the WARC files in the payload, oldest first.
    public func warcFiles() -> [String] {
        FileIO.names(in: warcURL)
            .filter { !$0.hasPrefix(".") && ($0.hasSuffix(".warc.gz") || $0.hasSuffix(".warc")) }
            .sorted().map { "data/warc/\($0)" }
    }

    // MARK: Commit journal

    struct Journal: Codable {
        var moves: [Move]
        /// The commit log entry this commit appends once its manifests are written.
        var log: CommitLog.Intent? = nil
        struct Move: Codable {
            var from: String
            var to: String
            /// When set, `from` is appended to `to` at this offset (the open WARC file's length
            /// at its last commit) instead of replacing it; bytes past it are a killed writer's
            /// torn tail and are cut first, so a replay gives the same file.
            var appendAt: Int64? = nil
        }
    }

    /// `known`: what the committing session knows of the files it staged, so that they are not
    /// read back to be hashed (a replay after a crash knows nothing and reads them).
    struct KnownDigests {
        /// The SHA-256 of each staged file by its staged name, hashed from the bytes written.
        var files: [String: String] = [:]
        /// The running hash of a new WARC file's staged bytes.
        var newWARC: Digest.Streaming? = nil
    }

    func apply(_ journal: Journal, known: KnownDigests = KnownDigests()) throws {
        // The manifest this process wrote last, when the file is still that one (same inode,
        // size and time: no other process committed since): no re-reading 2 lines per payload
        // file, and the payload sizes for Payload-Oxum without a stat per file.
        let stampNow = FileStamp(path: bag.manifestURL.path)
        var manifest: [String: String]
        var sizes: [String: Int64]
        if let cached = manifestCache.withLock({ $0 }), stampNow != nil, cached.stamp == stampNow {
            manifest = cached.entries
            sizes = cached.sizes
        } else {
            manifest = (try? bag.readManifest()) ?? [:]
            sizes = [:]
        }
        var touchedFolders = Set<String>()
        for (position, move) in journal.moves.enumerated() {
            let target = root.appendingPathComponent(move.to)
            // An empty source removes the target (a record that moved to another id).
            if move.from.isEmpty {
                if unlink(target.path) == 0 { touchedFolders.insert(target.deletingLastPathComponent().path) }
                manifest.removeValue(forKey: move.to)
                sizes.removeValue(forKey: move.to)
                continue
            }
            let source = stagingURL.appendingPathComponent(move.from)
            if let offset = move.appendAt {
                do {
                    manifest[move.to] = try appendStaged(source, to: target, relative: move.to, at: offset)
                } catch let error as CorpusError where position == 0 {
                    // The append is a commit's first step: nothing of this journal is applied,
                    // so it is rolled back (the file cut to its committed length), not left to
                    // fail again on every command (a full disk stays full).
                    if let stamp = FileStamp(path: target.path), stamp.size > offset { _ = truncate(target.path, off_t(offset)) }
                    unlink(journalURL.path)
                    throw CommitRolledBack(error: error)
                }
                sizes.removeValue(forKey: move.to)
                continue
            }
            if FileManager.default.fileExists(atPath: source.path) {
                try FileIO.makeFolder(target.deletingLastPathComponent())
                guard rename(source.path, target.path) == 0 else {
                    throw CorpusError(
                        file: target.path, stage: .archive,
                        reason: "cannot move staged file into place: \(String(cString: strerror(errno)))")
                }
                touchedFolders.insert(target.deletingLastPathComponent().path)
            }
            guard FileManager.default.fileExists(atPath: target.path) else { continue }
            if move.to.hasPrefix("data/warc/") {
                // A new WARC file may be the next session's open file: keep its running hash.
                let hasher = try known.newWARC ?? Digest.Streaming.file(at: target)
                manifest[move.to] = hasher.finalizeHex()
                if let stamp = FileStamp(path: target.path) {
                    openHash.withLock { $0 = OpenFileHash(path: move.to, stamp: stamp, hasher: hasher) }
                }
            } else {
                manifest[move.to] = try known.files[move.from] ?? Digest.sha256File(at: target).hex
            }
            sizes.removeValue(forKey: move.to)  // stat'ed again when the manifests are written
        }
        for folder in touchedFolders.sorted() { try FileIO.syncDirectory(URL(fileURLWithPath: folder)) }
        let written = try bag.writeManifests(payload: manifest, knownSizes: sizes)
        let stamp = FileStamp(path: bag.manifestURL.path)
        manifestCache.withLock { $0 = stamp.map { ManifestCache(stamp: $0, entries: manifest, sizes: written) } }
        // Last: the signed entry that names the tag manifest just written (once, on a replay too).
        if let intent = journal.log, case .key(let key) = signer {
            try CommitLog.append(root: root, intent: intent, key: key, tagManifest: bag.tagManifestURL)
        }
    }

    /// The payload manifest's entries: what this process wrote last when the file is unchanged.
    func manifestEntries() -> [String: String] {
        let stamp = FileStamp(path: bag.manifestURL.path)
        if let cached = manifestCache.withLock({ $0 }), let stamp, cached.stamp == stamp { return cached.entries }
        let entries = (try? bag.readManifest()) ?? [:]
        // The commit that follows reads it from here (its payload sizes are stat'ed then).
        if let stamp, FileStamp(path: bag.manifestURL.path) == stamp {
            manifestCache.withLock { $0 = ManifestCache(stamp: stamp, entries: entries, sizes: [:]) }
        }
        return entries
    }

    /// A commit whose first step failed and was undone: nothing of it is in the bag.
    struct CommitRolledBack: Error {
        var error: CorpusError
    }

    /// What this process last wrote to the payload manifest (see `apply`).
    struct ManifestCache: Sendable {
        var stamp: FileStamp
        var entries: [String: String]
        var sizes: [String: Int64]
    }
    private let manifestCache = Mutex<ManifestCache?>(nil)

    /// Replays an interrupted commit and clears what an interrupted session staged but never
    /// committed (its inputs were not taken, so nothing is lost).
    func recover() throws {
        let fileManager = FileManager.default
        var interrupted = false
        if let data = fileManager.contents(atPath: journalURL.path),
            let journal = try? JSONDecoder().decode(Journal.self, from: data)
        {
            interrupted = true
            do {
                try apply(journal)
            } catch let rolledBack as CommitRolledBack {
                FileHandle.standardError.write(
                    Data(
                        "dccorpus: an interrupted batch could not be completed (\(rolledBack.error.reason)) and was rolled back: nothing of it is in the archive, and its inputs were never taken\n"
                            .utf8))
            }
        }
        if fileManager.fileExists(atPath: stagingURL.path) {
            try fileManager.removeItem(at: stagingURL)
        }
        // Temporary files of an interrupted atomic write: tag files at the bag's top level;
        // in data/ only after an interrupted commit (nothing writes there otherwise, and
        // listing every record file cost each of a watcher's batches 1.5 ms).
        for folder in interrupted ? [root, corpusURL, warcURL] : [root] {
            for name in (try? fileManager.contentsOfDirectory(atPath: folder.path)) ?? []
            where name.hasPrefix(".") && name.contains(".tmp-") {
                try? fileManager.removeItem(at: folder.appendingPathComponent(name))
            }
        }
    }

    func commit(moves: [Journal.Move], known: KnownDigests = KnownDigests()) throws {
        guard !moves.isEmpty else { return }
        var journal = Journal(moves: moves)
        if case .key = signer {
            var changes: [String: Int] = [:]
            for move in moves {
                let kind =
                    move.from.isEmpty
                    ? "removed" : move.to.hasPrefix("data/warc/") ? "warc" : move.to.hasPrefix("data/corpus/") ? "records" : "other"
                changes[kind, default: 0] += 1
            }
            journal.log = CommitLog.Intent(
                commit: UUID().uuidString.lowercased(), command: command, changes: changes, time: WARCDate.string(Date()))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try FileIO.writeAtomically(try encoder.encode(journal), to: journalURL)
        do {
            try apply(journal, known: known)
        } catch let rolledBack as CommitRolledBack {
            throw rolledBack.error  // no journal left: `write` says nothing of the batch was committed
        }
        // No fsync needed: if the removal is lost, the next session replays the journal, which
        // is idempotent.
        try FileManager.default.removeItem(at: journalURL)
    }
}

/// Which file a path names and how it was last written: inode, size and modification time.
/// An atomic rewrite (a new file renamed over the old) always changes the inode.
struct FileStamp: Equatable, Sendable, Codable {
    var inode: UInt64
    var size: Int64
    var modified: Int64

    init(inode: UInt64, size: Int64, modified: Int64) {
        self.inode = inode
        self.size = size
        self.modified = modified
    }

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
    }
}
