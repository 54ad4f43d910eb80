import CorpusKit
import Foundation
import Synchronization

/// The derived indexes beside the bag: capture digests and the CDXJ replay index.
extension ArchiveStore {
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
        if index.cdxj != cdxjStamp, cdxjStamp != nil {
            // Another process wrote the indexes since this one last did: its pair on disk is
            // newer (every writer catches up with the WARC files before it writes), so continue
            // from it rather than read every WARC file again.
            let onDisk = CaptureDigestIndex.read(from: captureDigestsURL)
            if onDisk.cdxj == cdxjStamp { index = onDisk }
        }
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
                if record.type == .metadata {
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
        if !rebuild, let cdxjStamp, indexWrites.withLock({ $0.deferred }) {
            // Kept in memory against the file's present stamp, which therefore still reads as
            // "as this process left it"; `flushIndexes` writes both. Another process meanwhile
            // finds the files behind the WARC files and reads the tail itself.
            index.cdxj = cdxjStamp
            cdxjBytes.withLock { $0 = (cdxjStamp, text) }
            captureIndex.withLock { $0 = index }
            indexWrites.withLock { $0.pending = true }
            return index
        }
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

    /// From now on commits keep the derived indexes (`index.cdxj`, `.capture-digests.json`)
    /// current in memory and leave writing them to `flushIndexes`: rewriting both whole was a
    /// fifth of a watcher's batch. The watcher flushes when its Inbox is quiet and when it stops;
    /// a process killed before that leaves files that are behind the WARC files, which the next
    /// reader catches up with by reading the tail.
    public func deferIndexWrites() { indexWrites.withLock { $0.deferred = true } }

    /// Writes the derived indexes this process holds and the files lack, under the exclusive
    /// lock; nothing when another process has written them since (every writer catches up
    /// with the WARC files first, so theirs hold this process's captures too).
    public func flushIndexes() throws {
        guard indexWrites.withLock({ $0.pending }) else { return }
        let lock = try lock(.exclusive)
        defer { withExtendedLifetime(lock) {} }
        indexWrites.withLock { $0.pending = false }
        var index = captureIndex.withLock { $0 }
        guard let held = cdxjBytes.withLock({ $0 }), let stamp = FileStamp(path: cdxjURL.path), held.stamp == stamp, index.cdxj == stamp
        else { return }
        try FileIO.writeAtomically(Data(held.bytes), to: cdxjURL, durable: false)
        guard let written = FileStamp(path: cdxjURL.path) else { return }
        index.cdxj = written
        cdxjBytes.withLock { $0 = (written, held.bytes) }
        try index.write(to: captureDigestsURL)
        captureIndex.withLock { $0 = index }
    }

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
        guard record.type == .resource || record.type == .response else { return nil }
        if let field = record[.payloadDigest], field.lowercased().hasPrefix("sha256:") {
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

    /// The index in `url`, or an empty one (which makes the caller read the WARC files again).
    /// What `write` wrote is read by `parse`; anything else (escaped text, other spacing) by
    /// JSONDecoder, which took a fifth of a one-shot `ingest` at 10,000 documents.
    static func read(from url: URL) -> CaptureDigestIndex {
        guard let data = FileManager.default.contents(atPath: url.path) else { return CaptureDigestIndex() }
        let parsed = data.withUnsafeBytes { parse($0) }
        guard let index = parsed ?? (try? JSONDecoder().decode(CaptureDigestIndex.self, from: data)), index.version == 3 else {
            return CaptureDigestIndex()
        }
        return index
    }

    /// Written after every commit, so built as bytes and serialized directly (Foundation's
    /// JSONEncoder took a tenth of a watcher's batch at 1,000 documents); read back with the
    /// Codable conformance.
    func write(to url: URL) throws {
        // Keys in no particular order (sorting them was most of the cost). Digests and ids need
        // no escaping and are copied as they are; anything else goes through the canonical writer.
        var out: [UInt8] = []
        out.reserveCapacity(files.values.reduce(256) { $0 + 200 * $1.digests.count })
        func append(_ text: String) { out.append(contentsOf: text.utf8) }
        func quoted(_ text: String) {
            if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }) {
                out.append(0x22)
                out.append(contentsOf: text.utf8)
                out.append(0x22)
            } else {
                out.append(contentsOf: JSONValue.string(text).canonicalData())
            }
        }
        append("{\"version\":\(version),")
        if let cdxj { append("\"cdxj\":{\"inode\":\(cdxj.inode),\"size\":\(cdxj.size),\"modified\":\(cdxj.modified)},") }
        append("\"files\":{")
        var firstFile = true
        for (path, file) in files {
            if !firstFile { out.append(0x2C) }
            firstFile = false
            quoted(path)
            append(":{\"size\":\(file.size),\"digests\":{")
            var first = true
            for (digest, id) in file.digests {
                if !first { out.append(0x2C) }
                first = false
                quoted(digest)
                out.append(0x3A)
                quoted(id)
            }
            append("},\"locations\":{")
            first = true
            for (digest, offset) in file.locations {
                if !first { out.append(0x2C) }
                first = false
                quoted(digest)
                append(":\(offset)")
            }
            append("}}")
        }
        append("}}")
        try FileIO.writeAtomically(Data(out), to: url, durable: false)
    }
}
