import CorpusKit
import Foundation
import Synchronization

/// The open WARC file: which one new captures go into, and appending to it.
extension ArchiveStore {
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

    /// The WARC file new captures go into, and its length: the newest file this tool wrote, while
    /// it is under `[archive] warc_file_bytes` and younger than `warc_file_seconds` (and, unless
    /// this process holds its hash from its own last write, under `rollover.rehashBytes`), and only
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
            // Appending re-hashes the whole file for its manifest entry: a process that does not
            // hold its hash already reads it only while that costs little.
            guard stamp.size <= rollover.rehashBytes,
                let read = try? Digest.Streaming.file(at: root.appendingPathComponent(path))
            else { return nil }
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
}

/// When a WARC file is closed: at `bytes` or `seconds` after it was started, whichever comes first.
///
/// `rehashBytes`: a process appends to a file it did not write last only while the file is at
/// most this long, because an append re-hashes the whole file for the manifest (SHA-256 cannot
/// be resumed from the digest on record). Without it every `ingest` of one page re-read the open
/// file: a second per command once it neared `bytes`. A long-running writer (the watcher) keeps
/// the hash from its last write and appends up to `bytes`; one-shot commands fill files of
/// about `rehashBytes`.
public struct WARCRollover: Sendable, Equatable {
    public var bytes: Int64
    public var seconds: Double
    public var rehashBytes: Int64
    public init(bytes: Int64 = 1 << 30, seconds: Double = 86_400, rehashBytes: Int64 = 4 << 20) {
        self.bytes = bytes
        self.seconds = seconds
        self.rehashBytes = rehashBytes
    }
}
