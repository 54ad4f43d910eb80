import CorpusKit
import Foundation

/// The BagIt 1.0 (RFC 8493) side of the archive: the tag files and their manifests.
///
/// Only `ArchiveStore` writes them, and only while it holds the archive lock.
public struct Bag: Sendable {
    public let root: URL
    public static let softwareAgent = "dccorpus/\(CorpusConfig.pipelineVersion)"

    public init(root: URL) { self.root = root }

    public var manifestURL: URL { root.appendingPathComponent("manifest-sha256.txt") }
    public var tagManifestURL: URL { root.appendingPathComponent("tagmanifest-sha256.txt") }
    public var bagInfoURL: URL { root.appendingPathComponent("bag-info.txt") }
    public var declarationURL: URL { root.appendingPathComponent("bagit.txt") }
    public static let tagFiles = ["bagit.txt", "bag-info.txt", "manifest-sha256.txt"]

    public var exists: Bool { FileManager.default.fileExists(atPath: declarationURL.path) }

    /// All four tag files are there (a creation was not interrupted).
    public var isComplete: Bool {
        [declarationURL, manifestURL, bagInfoURL, tagManifestURL].allSatisfy { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// Creates an empty bag (idempotent).
    public func create() throws {
        try FileIO.makeFolder(root.appendingPathComponent("data/warc"))
        try FileIO.makeFolder(root.appendingPathComponent("data/corpus"))
        // A creation killed half-way leaves some tag files missing: finish it. Payload is only
        // ever added to a complete bag, so an incomplete one has an empty manifest.
        if isComplete { return }
        try FileIO.writeAtomically(Data("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n".utf8), to: declarationURL)
        try writeManifests(payload: (try? readManifest()) ?? [:])
    }

    /// Manifest lines as path → SHA-256 hex. Paths are relative to the bag root (`data/...`).
    public func readManifest(_ url: URL? = nil) throws -> [String: String] {
        let target = url ?? manifestURL
        guard let data = FileManager.default.contents(atPath: target.path) else {
            throw CorpusError(file: target.path, stage: .verify, reason: "missing")
        }
        // Bytes, not Characters: a manifest has a line per payload file and is read by every
        // commit (and once by every one-shot command that writes). Checksums are lower-cased
        // ASCII-wise: they are hex.
        var entries: [String: String] = [:]
        entries.reserveCapacity(data.count / 100)
        var malformed: String? = nil
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            while start < bytes.count, malformed == nil {
                var end = start
                while end < bytes.count, bytes[end] != 10, bytes[end] != 13 { end += 1 }
                defer { start = end + 1 }
                if end == start { continue }
                var space = start
                while space < end, bytes[space] != 0x20 { space += 1 }
                var from = space
                var to = end
                while from < to, bytes[from] == 0x20 || bytes[from] == 0x09 { from += 1 }
                while to > from, bytes[to - 1] == 0x20 || bytes[to - 1] == 0x09 { to -= 1 }
                guard space > start, space < end, from < to else {
                    malformed = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<min(end, start + 80)]), as: UTF8.self)
                    return
                }
                let checksum = String(
                    unsafeUninitializedCapacity: space - start,
                    initializingUTF8With: { target in
                        for index in start..<space {
                            let byte = bytes[index]
                            target[index - start] = byte &+ (byte &- 0x41 < 26 ? 0x20 : 0)
                        }
                        return space - start
                    })
                let path = String(decoding: UnsafeBufferPointer(rebasing: bytes[from..<to]), as: UTF8.self)
                entries[Bag.decodePath(path)] = checksum
            }
        }
        if let malformed { throw CorpusError(file: target.path, stage: .verify, reason: "malformed line: \(malformed)") }
        return entries
    }

    /// Rewrites the payload manifest, bag-info.txt (Payload-Oxum from the files' sizes) and the
    /// tag manifest, each atomically, in that order.
    /// `knownSizes`: payload sizes the caller already knows (the rest are stat'ed); returns every
    /// size it used.
    @discardableResult
    public func writeManifests(payload: [String: String], knownSizes: [String: Int64] = [:]) throws -> [String: Int64] {
        // Bytes: every commit writes a line per payload file.
        var manifest: [UInt8] = []
        manifest.reserveCapacity(payload.count * 120)
        var totalBytes: UInt64 = 0
        var sizes: [String: Int64] = [:]
        sizes.reserveCapacity(payload.count)
        let base = root.path + "/"  // a string join: URL.appendingPathComponent per file was most of a commit
        for path in payload.keys.sorted() {
            manifest += payload[path]!.utf8
            manifest += [0x20, 0x20]
            manifest += Bag.encodePath(path).utf8
            manifest.append(0x0A)
            if let size = knownSizes[path] {
                sizes[path] = size
                totalBytes += UInt64(max(0, size))
                continue
            }
            var info = stat()
            if stat(base + path, &info) == 0 {
                totalBytes += UInt64(info.st_size)
                sizes[path] = Int64(info.st_size)
            }
        }
        try FileIO.writeAtomically(Data(manifest), to: manifestURL, syncFolder: false)
        let info = """
            Bag-Software-Agent: \(Bag.softwareAgent)
            Bagging-Date: \(String(WARCDate.string(Date()).prefix(10)))
            Payload-Oxum: \(totalBytes).\(payload.count)
            External-Description: Digital China Construction Series corpus: raw captures (WARC) and corpus records (JSON)

            """
        try FileIO.writeAtomically(Data(info.utf8), to: bagInfoURL, syncFolder: false)
        var tags = ""
        for name in Bag.tagFiles {
            let digest = try Digest.sha256File(at: root.appendingPathComponent(name))
            tags += "\(digest.hex)  \(name)\n"
        }
        try FileIO.writeAtomically(Data(tags.utf8), to: tagManifestURL, syncFolder: false)
        try FileIO.syncDirectory(root)  // one fsync makes all three renames durable
        return sizes
    }

    /// RFC 8493 §2.1.3: CR, LF and % in manifest paths are percent-encoded.
    static func encodePath(_ path: String) -> String {
        // Nearly every path has none of the three: no Foundation string search for those.
        guard path.utf8.contains(where: { $0 == 0x25 || $0 == 0x0A || $0 == 0x0D }) else { return path }
        return path.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\n", with: "%0A")
            .replacingOccurrences(of: "\r", with: "%0D")
    }

    static func decodePath(_ path: String) -> String {
        guard path.utf8.contains(0x25) else { return path }
        return path.replacingOccurrences(of: "%0A", with: "\n").replacingOccurrences(of: "%0D", with: "\r")
            .replacingOccurrences(of: "%0a", with: "\n").replacingOccurrences(of: "%0d", with: "\r")
            .replacingOccurrences(of: "%25", with: "%")
    }

    /// Reads `bag-info.txt` into name → value.
    public func readBagInfo() throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: bagInfoURL.path) else {
            throw CorpusError(file: bagInfoURL.path, stage: .verify, reason: "missing")
        }
        var fields: [String: String] = [:]
        for field in HeaderFields.parse(String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)) {
            fields[field.name.trimmingCharacters(in: .whitespaces)] = field.value
        }
        return fields
    }
}
