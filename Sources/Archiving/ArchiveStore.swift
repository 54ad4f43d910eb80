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

    public init(root: URL, lockTimeout: Double, warcRecordLimit: Int = 64 << 20, rollover: WARCRollover = WARCRollover()) {
        self.root = root
        self.bag = Bag(root: root)
        self.lockTimeout = lockTimeout
        self.warcRecordLimit = warcRecordLimit
        self.rollover = rollover
    }

    /// Decoded records by file name, with the size and modification time they were read at: a
    /// long-running process (the watcher) re-reads only records that changed since.
    private let recordCache = Mutex<[String: CachedRecord]>([:])

    struct CachedRecord: Sendable {
        var size: Int64
        var modified: timespec
        var record: CorpusRecord
    }

    /// What each committed WARC file captured (see `capturedDigests`), as last read.
    private let captureIndex = Mutex<CaptureDigestIndex>(CaptureDigestIndex())

    /// Every payload digest the archive holds a capture of (any version of any document), with
    /// its document's id: the same bytes given again are "unchanged", not a new capture.
    public func capturedDigests(limit: Int) -> [String: String] {
        let index = refreshIndexes(limit: limit)
        var digests: [String: String] = [:]
        for path in warcFiles() {  // oldest first: a digest keeps the document that first captured it
            for (digest, id) in index.files[path]?.digests ?? [:] where digests[digest] == nil { digests[digest] = id }
        }
        return digests
    }

    /// Brings the two derived indexes beside the bag up to date with the WARC files, reading only
    /// bytes they have not seen (WARC files only ever grow, by whole records):
    /// `.capture-digests.json` (per WARC file: its size when read and the payload digests its
    /// metadata records name) and `index.cdxj` (every replayable record, for pywb and WACZ).
    ///
    /// Both stay outside the payload, like the search index: they are derived from the WARC
    /// files, which the manifest covers, so they need no fixity of their own, and a commit
    /// never has to rewrite the tag manifest for them. Losing or editing either costs one
    /// re-read of the WARC files (`reindex` forces it), never a capture.
    @discardableResult
    public func refreshIndexes(limit: Int? = nil) -> CaptureDigestIndex { refreshIndexes(limit: limit, known: nil) }

    /// What a commit appended to one WARC file, as its writer saw it: bytes `from..<to`, their
    /// CDXJ lines and capture digests. The indexes take it instead of reading the bytes back,
    /// when the file is exactly `to` bytes and the index had read it up to `from`.
    struct KnownAppend {
        var path: String
        var from: Int64
        var to: Int64
        var lines: [String]
        var digests: [String: String]
        var locations: [String: Int64]
    }

    @discardableResult
    func refreshIndexes(limit: Int?, known: KnownAppend?) -> CaptureDigestIndex {
        let limit = limit ?? warcRecordLimit
        let files = warcFiles()
        var index = captureIndex.withLock { $0 }
        if index.files.isEmpty { index = CaptureDigestIndex.read(from: captureDigestsURL) }
        var sizes: [String: Int64] = [:]
        for path in files {
            var info = stat()
            guard stat(root.path + "/" + path, &info) == 0 else { continue }
            sizes[path] = Int64(info.st_size)
        }
        // A missing or edited CDXJ file, or a WARC file gone or shorter than when it was read,
        // means lines the index holds may be wrong: read everything again.
        let cdxjStamp = FileStamp(path: cdxjURL.path)
        var rebuild = index.cdxj == nil || cdxjStamp != index.cdxj
        for (path, file) in index.files where sizes[path] == nil || sizes[path]! < file.size { rebuild = true }
        if rebuild { index = CaptureDigestIndex() }
        var newLines: [String] = []
        var changed = rebuild
        for path in files {
            guard let size = sizes[path] else { continue }
            let from = index.files[path]?.size ?? 0
            if from == size { continue }
            var file = index.files[path] ?? .init(size: 0, digests: [:])
            if let known, known.path == path, known.from == from, known.to == size {
                newLines += known.lines
                file.digests.merge(known.digests) { _, new in new }
                file.locations.merge(known.locations) { _, new in new }  // a fresh capture corrects a bad pointer
                file.size = size
                index.files[path] = file
                changed = true
                continue
            }
            let name = (path as NSString).lastPathComponent
            // A WARC this reader cannot read is reported by verify; here it only costs dedupe and replay.
            try? WARCFileReader(path: root.path + "/" + path, limit: limit).forEachRecord(from: UInt64(from)) { record, offset, length in
                if record.type == "metadata" {
                    let fields = CaptureFields.parse(record.block)
                    if let digest = fields[.payloadSHA256], let id = fields[.corpusID] { file.digests[digest] = id }
                } else if let line = CDXJ.line(for: record, offset: offset, length: length, filename: name) {
                    newLines.append(line)
                    if let digest = Self.captureDigest(record), file.locations[digest] == nil { file.locations[digest] = Int64(offset) }
                }
            }
            file.size = size
            index.files[path] = file
            changed = true
        }
        guard changed else {
            captureIndex.withLock { $0 = index }
            return index
        }
        // Byte order, as `sort` with LC_ALL=C gives it: what pywb's binary search expects.
        let added = newLines.map { Array($0.utf8) }
        var existing: [UInt8] = []
        if !rebuild {
            // The file as this process last wrote it, or as it is on disk.
            if let held = cdxjBytes.withLock({ $0 }), held.stamp == cdxjStamp {
                existing = held.bytes
            } else if let data = try? FileIO.read(cdxjURL, limit: 1 << 34) {
                existing = [UInt8](data)
            }
        }
        let text = Self.insert(added, into: existing)
        if (try? FileIO.writeAtomically(Data(text), to: cdxjURL, durable: false)) != nil, let stamp = FileStamp(path: cdxjURL.path) {
            index.cdxj = stamp
            cdxjBytes.withLock { $0 = (stamp, text) }
        } else {
            index.cdxj = nil
        }
        try? index.write(to: captureDigestsURL)
        captureIndex.withLock { $0 = index }
        return index
    }

    /// The CDXJ file as this process last wrote it, with its stamp then.
    private let cdxjBytes = Mutex<(stamp: FileStamp, bytes: [UInt8])?>(nil)

    /// Lines inserted into a sorted file of newline-terminated lines, in byte order: a commit
    /// adds a few lines to many, so the file is copied in runs between insertion points (found
    /// by binary search), never split into strings.
    static func insert(_ lines: [[UInt8]], into text: [UInt8]) -> [UInt8] {
        let added = lines.sorted { $0.lexicographicallyPrecedes($1) }
        var starts: [Int] = []  // where each line of `text` begins
        var position = 0
        while position < text.count {
            starts.append(position)
            position = (text[position...].firstIndex(of: 10) ?? text.count - 1) + 1
        }
        func line(_ index: Int) -> ArraySlice<UInt8> {
            let end = index + 1 < starts.count ? starts[index + 1] - 1 : max(starts[index], text.count - (text.last == 10 ? 1 : 0))
            return text[starts[index]..<end]
        }
        var out: [UInt8] = []
        out.reserveCapacity(text.count + added.reduce(0) { $0 + $1.count + 1 })
        var copied = 0  // lines of `text` already copied
        for new in added {
            // The first line of `text` that sorts after `new` (equal lines keep the file's first).
            var (low, high) = (copied, starts.count)
            while low < high {
                let middle = (low + high) / 2
                if new.lexicographicallyPrecedes(line(middle)) { high = middle } else { low = middle + 1 }
            }
            if low > copied {
                out += text[starts[copied]..<(low < starts.count ? starts[low] : text.count)]
                if low == starts.count, out.last != 10 { out.append(10) }
            }
            copied = low
            out += new
            out.append(10)
        }
        if copied < starts.count { out += text[starts[copied]...] }
        if !out.isEmpty, out.last != 10 { out.append(10) }
        return out
    }

    /// Forgets both derived indexes and reads every WARC file again (`reindex`).
    public func rebuildIndexes() {
        captureIndex.withLock { $0 = CaptureDigestIndex() }
        unlink(captureDigestsURL.path)
        unlink(cdxjURL.path)
        refreshIndexes()
    }

    /// The hex payload SHA-256 of a record that holds captured bytes (a resource or a response).
    /// (A record imported from another tool's WARC may declare SHA-1: its payload is hashed.)
    static func captureDigest(_ record: WARCRecord) -> String? {
        guard record.type == "resource" || record.type == "response" else { return nil }
        if let field = record["WARC-Payload-Digest"], field.lowercased().hasPrefix("sha256:") {
            return String(field.dropFirst(7)).lowercased()
        }
        return Digest.sha256Hex(record.payload)
    }

    /// Whether a WARC file of the bag really holds a capture of bytes with this SHA-256: the
    /// record the digest index points at is read and its payload hashed. The index is derived
    /// and not covered by the manifest, and an input judged unchanged leaves the Inbox, so the
    /// index alone never decides that bytes are archived.
    public func holdsCapture(digest: String) -> Bool {
        let index = captureIndex.withLock { $0 }
        for (path, file) in index.files {
            guard let offset = file.locations[digest] else { continue }
            let reader = WARCFileReader(path: root.path + "/" + path, limit: warcRecordLimit)
            if let found = try? reader.record(at: UInt64(offset)), Self.captureDigest(found) == digest,
                Digest.sha256Hex(found.payload) == digest
            {
                return true
            }
        }
        return false
    }

    /// The CDXJ index of every capture (see `refreshIndexes`).
    public var cdxjURL: URL { root.appendingPathComponent("index.cdxj") }

    var captureDigestsURL: URL { root.appendingPathComponent(".capture-digests.json") }

    var stagingURL: URL { root.appendingPathComponent(".staging") }
    var journalURL: URL { stagingURL.appendingPathComponent("journal.json") }
    public var corpusURL: URL { root.appendingPathComponent("data/corpus") }
    public var warcURL: URL { root.appendingPathComponent("data/warc") }

    public func recordURL(id: String) -> URL { corpusURL.appendingPathComponent("\(id).json") }
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
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let lock = try ArchiveLock.acquire(path: root.appendingPathComponent(".lock").path, mode: .exclusive, timeout: lockTimeout)
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

    /// Runs `body` while no writer is mid-commit (a shared lock); replays an interrupted commit first.
    public func read<T>(_ body: () throws -> T) throws -> T {
        if FileManager.default.fileExists(atPath: journalURL.path) || (bag.exists && !bag.isComplete) {
            try write { _ in }  // replay an interrupted commit or finish an interrupted creation
        }
        guard FileManager.default.fileExists(atPath: root.path) else { return try body() }
        let lock = try ArchiveLock.acquire(path: root.appendingPathComponent(".lock").path, mode: .shared, timeout: lockTimeout)
        defer { withExtendedLifetime(lock) {} }
        return try body()
    }

    /// All stored records, sorted by id, plus one error per file that does not decode.
    public func loadRecords() -> (records: [CorpusRecord], errors: [CorpusError]) {
        var records: [CorpusRecord] = []
        var errors: [CorpusError] = []
        var fresh: [String: CachedRecord] = [:]
        let cached = recordCache.withLock { $0 }
        let base = corpusURL.path + "/"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: corpusURL.path))?.sorted() ?? []
        where name.hasSuffix(".json") && !name.hasPrefix(".") {
            var info = stat()
            guard stat(base + name, &info) == 0 else { continue }
            if let hit = cached[name], hit.size == Int64(info.st_size), hit.modified.tv_sec == info.st_mtim.tv_sec,
                hit.modified.tv_nsec == info.st_mtim.tv_nsec
            {
                records.append(hit.record)
                fresh[name] = hit
                continue
            }
            do {
                let url = corpusURL.appendingPathComponent(name)
                let data = try FileIO.read(url, limit: 1 << 30)
                let record = try CorpusRecord.decode(data, file: "data/corpus/\(name)")
                records.append(record)
                fresh[name] = CachedRecord(size: Int64(info.st_size), modified: info.st_mtim, record: record)
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
        Set(
            ((try? FileManager.default.contentsOfDirectory(atPath: corpusURL.path)) ?? [])
                .filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.map { String($0.dropLast(5)) })
    }

    public func loadRecord(id: String) throws -> CorpusRecord? {
        let url = recordURL(id: id)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try CorpusRecord.decode(try FileIO.read(url, limit: 1 << 30), file: "data/corpus/\(id).json")
    }

    /// Relative paths of the WARC files in the payload, oldest first.
    public func warcFiles() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: warcURL.path)) ?? [])
            .filter { !$0.hasPrefix(".") && ($0.hasSuffix(".warc.gz") || $0.hasSuffix(".warc")) }
            .sorted().map { "data/warc/\($0)" }
    }

    // MARK: Commit journal

    struct Journal: Codable {
        var moves: [Move]
        struct Move: Codable {
            var from: String
            var to: String
            /// When set, `from` is appended to `to` at this offset (the open WARC file's length
            /// at its last commit) instead of replacing it; bytes past it are a killed writer's
            /// torn tail and are cut first, so a replay gives the same file.
            var appendAt: Int64? = nil
        }
    }

    func apply(_ journal: Journal) throws {
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
                try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
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
                let hasher = try Digest.Streaming.file(at: target)
                manifest[move.to] = hasher.finalizeHex()
                if let stamp = FileStamp(path: target.path) {
                    openHash.withLock { $0 = OpenFileHash(path: move.to, stamp: stamp, hasher: hasher) }
                }
            } else {
                manifest[move.to] = try Digest.sha256File(at: target).hex
            }
            sizes.removeValue(forKey: move.to)  // stat'ed again when the manifests are written
        }
        for folder in touchedFolders.sorted() { try FileIO.syncDirectory(URL(fileURLWithPath: folder)) }
        let written = try bag.writeManifests(payload: manifest, knownSizes: sizes)
        let stamp = FileStamp(path: bag.manifestURL.path)
        manifestCache.withLock { $0 = stamp.map { ManifestCache(stamp: $0, entries: manifest, sizes: written) } }
    }

    /// Appends a staged batch of WARC records to the open WARC file at `offset` and returns the
    /// file's new SHA-256. Cuts a torn tail first (one line on stderr says so). The hash goes on
    /// from the running hash this process holds for the file when the file is still as it left
    /// it; otherwise the whole file is read.
    func appendStaged(_ source: URL, to target: URL, relative: String, at offset: Int64) throws -> String {
        guard let input = FileHandle(forReadingAtPath: source.path) else {
            throw CorpusError(file: source.path, stage: .archive, reason: "the staged WARC records of this commit are missing")
        }
        defer { try? input.close() }
        let before = FileStamp(path: target.path)
        let descriptor = open(target.path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw CorpusError(file: target.path, stage: .archive, reason: "cannot open to append: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let size = before?.size ?? 0
        if size < offset {
            throw CorpusError(
                file: relative, stage: .archive,
                reason: "is \(size) bytes, shorter than the \(offset) bytes of its last commit: the file was cut; run `dccorpus verify`")
        }
        if size > offset {
            guard ftruncate(descriptor, off_t(offset)) == 0 else {
                throw CorpusError(file: relative, stage: .archive, reason: "cannot cut a torn tail: \(String(cString: strerror(errno)))")
            }
            FileHandle.standardError.write(
                Data(
                    "dccorpus: \(relative): cut \(size - offset) bytes that a killed writer left past its last commit (offset \(offset)); the batch is appended again from the commit journal\n"
                        .utf8))
        }
        var hasher: Digest.Streaming? = nil
        if let cached = openHash.withLock({ $0 }), cached.path == relative, cached.stamp == before, size == offset {
            hasher = cached.hasher
        }
        guard lseek(descriptor, off_t(offset), SEEK_SET) == off_t(offset) else {
            throw CorpusError(file: relative, stage: .archive, reason: String(cString: strerror(errno)))
        }
        do {
            while true {
                let chunk = input.readData(ofLength: 1 << 20)
                if chunk.isEmpty { break }
                try FileIO.writeAll(descriptor, chunk, target)
                hasher?.update(chunk)
            }
            guard fsync(descriptor) == 0 else {
                throw CorpusError(
                    file: relative, stage: .archive, reason: "fsync failed: \(String(cString: strerror(errno)))", systemCode: errno)
            }
        } catch {
            // Give back what was written (a full disk gets its space back); the file is as committed.
            _ = ftruncate(descriptor, off_t(offset))
            throw error
        }
        let finished = try hasher ?? Digest.Streaming.file(at: target)
        if let stamp = FileStamp(path: target.path) {
            openHash.withLock { $0 = OpenFileHash(path: relative, stamp: stamp, hasher: finished) }
        }
        return finished.finalizeHex()
    }

    /// The running SHA-256 of the open WARC file as this process last wrote or read it.
    struct OpenFileHash: Sendable {
        var path: String
        var stamp: FileStamp
        var hasher: Digest.Streaming
    }
    let openHash = Mutex<OpenFileHash?>(nil)

    /// The WARC file new captures go into, and its length: the newest file this tool wrote, while
    /// it is under `[archive] warc_file_bytes` and younger than `warc_file_seconds`, and only
    /// when its bytes are still the ones its manifest entry names (appending re-hashes the file
    /// into the manifest, which must never seal a change made behind the tool's back; verify
    /// reports such a file, and captures go to a new one meanwhile). Nil: start a new file.
    func openWARC(now: Date) -> (path: String, size: Int64)? {
        guard let path = warcFiles().last else { return nil }
        let name = (path as NSString).lastPathComponent
        guard name.hasPrefix("dccorpus-"), name.hasSuffix(".warc.gz"), let created = Self.creationDate(ofWARCNamed: name),
            now.timeIntervalSince(created) < rollover.seconds,
            let stamp = FileStamp(path: root.path + "/" + path), stamp.size > 0, stamp.size < rollover.bytes
        else { return nil }
        var hasher: Digest.Streaming
        if let cached = openHash.withLock({ $0 }), cached.path == path, cached.stamp == stamp {
            hasher = cached.hasher
        } else {
            guard let read = try? Digest.Streaming.file(at: root.appendingPathComponent(path)) else { return nil }
            hasher = read
            guard FileStamp(path: root.path + "/" + path) == stamp else { return nil }
            openHash.withLock { $0 = OpenFileHash(path: path, stamp: stamp, hasher: hasher) }
        }
        guard let expected = manifestEntries()[path], expected == hasher.finalizeHex() else { return nil }
        return (path, stamp.size)
    }

    /// `dccorpus-20261123021724-…` → that second, UTC.
    static func creationDate(ofWARCNamed name: String) -> Date? {
        let digits = name.dropFirst("dccorpus-".count).prefix(14)
        guard digits.count == 14, digits.allSatisfy(\.isNumber) else { return nil }
        var parts = tm()
        let value = Array(digits).map { Int32(String($0))! }
        func number(_ range: Range<Int>) -> Int32 { value[range].reduce(0) { $0 * 10 + $1 } }
        parts.tm_year = number(0..<4) - 1900
        parts.tm_mon = number(4..<6) - 1
        parts.tm_mday = number(6..<8)
        parts.tm_hour = number(8..<10)
        parts.tm_min = number(10..<12)
        parts.tm_sec = number(12..<14)
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
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
        if let data = fileManager.contents(atPath: journalURL.path),
            let journal = try? JSONDecoder().decode(Journal.self, from: data)
        {
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
        // Temporary files of an interrupted atomic write, at the bag's top level or in data/.
        for folder in [root, corpusURL, warcURL] {
            for name in (try? fileManager.contentsOfDirectory(atPath: folder.path)) ?? []
            where name.hasPrefix(".") && name.contains(".tmp-") {
                try? fileManager.removeItem(at: folder.appendingPathComponent(name))
            }
        }
    }

    func commit(moves: [Journal.Move]) throws {
        guard !moves.isEmpty else { return }
        let journal = Journal(moves: moves)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try FileIO.writeAtomically(try encoder.encode(journal), to: journalURL)
        do {
            try apply(journal)
        } catch let rolledBack as CommitRolledBack {
            throw rolledBack.error  // no journal left: `write` says nothing of the batch was committed
        }
        // No fsync needed: if the removal is lost, the next session replays the journal, which
        // is idempotent.
        try FileManager.default.removeItem(at: journalURL)
    }
}

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
        try FileManager.default.createDirectory(at: store.stagingURL, withIntermediateDirectories: true)
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

    /// Appends records to this session's WARC file (a `warcinfo` record first when the file is
    /// new), each as its own gzip member.
    public func append(_ warcRecords: [WARCRecord]) throws {
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
                type: "warcinfo", date: WARCDate.string(started),
                contentType: "application/warc-fields", block: Data(info.utf8),
                extra: [("WARC-Filename", (warcPath as NSString).lastPathComponent)],
                payloadDigest: false)
            try write(warcinfo)
        }
        for record in warcRecords { try write(record) }
    }

    /// One record as one gzip member of the staged file, noted for the indexes.
    private func write(_ record: WARCRecord) throws {
        let member = try Gzip.member(record.serialized())
        try FileIO.writeAll(warcHandle, member, stagedWARCURL)
        let offset = UInt64((appendAt ?? 0) + stagedBytes)
        stagedBytes += Int64(member.count)
        if record.type == "metadata" {
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
            try FileIO.writeNew(Data(file.text.utf8), to: store.stagingURL.appendingPathComponent(name), durable: true)
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
        stagedExtras.append(.init(from: name, to: relative))
    }

    /// Stages a record (sealed with its hash) to replace or add `data/corpus/<id>.json`.
    /// `fileData`, when given, must be `record.fileData()` (callers that sealed it have it).
    public func put(_ record: CorpusRecord, fileData: Data? = nil) throws {
        guard Self.isSafeID(record.id) else {
            throw CorpusError(file: record.id, stage: .record, reason: "record id would escape data/corpus/")
        }
        let name = "record-\(stagedRecords.count)-\(record.id).json"
        let url = store.stagingURL.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: url)
        try FileIO.writeNew(try fileData ?? record.fileData(), to: url, durable: true)
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
        try store.commit(moves: moves)
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

/// When a WARC file is closed: at `bytes` or `seconds` after it was started, whichever comes first.
public struct WARCRollover: Sendable, Equatable {
    public var bytes: Int64
    public var seconds: Double
    public init(bytes: Int64 = 1 << 30, seconds: Double = 86_400) {
        self.bytes = bytes
        self.seconds = seconds
    }
}

/// The derived index of capture digests: per WARC file, its size when read and the payload
/// digests its metadata records name, with their document ids.
public struct CaptureDigestIndex: Codable, Sendable {
    public struct File: Codable, Sendable {
        public var size: Int64
        /// Payload SHA-256 → the corpus id its capture's metadata names.
        public var digests: [String: String]
        /// Payload SHA-256 → offset of the `resource`/`response` record that holds those bytes:
        /// where "unchanged" is confirmed against the WARC file itself.
        public var locations: [String: Int64] = [:]
    }
    var version = 3
    public var files: [String: File] = [:]
    /// `index.cdxj` as this index last wrote it: another stamp means it was lost or edited.
    var cdxj: FileStamp?

    static func read(from url: URL) -> CaptureDigestIndex {
        guard let data = FileManager.default.contents(atPath: url.path),
            let index = try? JSONDecoder().decode(CaptureDigestIndex.self, from: data), index.version == 3
        else { return CaptureDigestIndex() }
        return index
    }

    /// Written after every commit, so built as a tree and serialized directly (Foundation's
    /// JSONEncoder took a tenth of a watcher's batch at 1,000 documents); read back with the
    /// Codable conformance.
    func write(to url: URL) throws {
        // Keys in no particular order (sorting them was most of the cost); strings escaped by
        // the canonical writer.
        func quoted(_ text: String) -> String { String(decoding: JSONValue.string(text).canonicalData(), as: UTF8.self) }
        var out = "{\"version\":\(version),"
        if let cdxj { out += "\"cdxj\":{\"inode\":\(cdxj.inode),\"size\":\(cdxj.size),\"modified\":\(cdxj.modified)}," }
        out += "\"files\":{"
        var firstFile = true
        for (path, file) in files {
            out += (firstFile ? "" : ",") + quoted(path) + ":{\"size\":\(file.size),\"digests\":{"
            firstFile = false
            var first = true
            for (digest, id) in file.digests {
                out += (first ? "" : ",") + quoted(digest) + ":" + quoted(id)
                first = false
            }
            out += "},\"locations\":{"
            first = true
            for (digest, offset) in file.locations {
                out += (first ? "" : ",") + quoted(digest) + ":\(offset)"
                first = false
            }
            out += "}}"
        }
        out += "}}"
        try FileIO.writeAtomically(Data(out.utf8), to: url, durable: false)
    }
}

/// Which file a path names and how it was last written: inode, size and modification time.
/// An atomic rewrite (a new file renamed over the old) always changes the inode.
struct FileStamp: Equatable, Sendable, Codable {
    var inode: UInt64
    var size: Int64
    var modified: Int64

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
    }
}
