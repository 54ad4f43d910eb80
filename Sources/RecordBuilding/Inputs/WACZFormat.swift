import Archiving
import CorpusKit
import Foundation

/// WACZ 1.x packages (what Browsertrix, ArchiveWeb.page and `dccorpus export --format wacz`
/// write): the package's own digests are checked first, and a package that fails them is
/// refused whole, with why; then the WARC files under `archive/` are read (as leniently as any
/// WARC), and `pages/pages.jsonl` (with `pages/extraPages.jsonl`) decides which captures are
/// documents: a capture of a listed page is a candidate, everything else (the page's images,
/// frames, scripts) is passed over. A package without a page list offers every capture.
///
/// Refused whole: an entry whose path leaves the package (`..`, absolute, a symbolic link), an
/// entry that inflates more than 200-fold or a package that decompresses past
/// `limits.max_warc_record_bytes` x 64 (zip bombs),
/// a resource `datapackage.json` lists that is missing or whose SHA-256 or size differs.
public struct WACZArchiveFormat: ArchiveFormat {
    public init() {}
    public var name: String { "wacz" }
    public var extensions: [String] { [".wacz"] }
    public func sniff(_ head: Data) -> Bool { false }  // a zip: only its name says WACZ

    /// What a package may unpack to in all.
    static func packageLimit(_ config: PipelineConfig) -> Int { config.maxWARCRecordBytes * 64 }

    public func forEachRecord(
        path: String, config: PipelineConfig, onProblem: @escaping (WARCReadProblem) -> Void, _ body: (ArchiveEntry) throws -> Void
    ) throws {
        func refuse(_ reason: String) -> CorpusError { CorpusError(file: path, stage: .warc, reason: "WACZ: \(reason)") }
        let archive: ZipReader
        do {
            archive = try ZipReader(path: path)
        } catch let error as CorpusError {
            throw refuse("not a readable zip file (\(error.reason))")
        }
        var entries: [String: ZipReader.Entry] = [:]
        let limit = Self.packageLimit(config)
        for entry in archive.entries {
            let name = entry.path
            guard Self.isContained(name) else { throw refuse("entry \"\(name.prefix(80))\" leaves the package") }
            guard !entry.isSymbolicLink else { throw refuse("entry \"\(name.prefix(80))\" is a symbolic link") }
            guard entry.size <= UInt64(limit) else {
                throw refuse("entry \"\(name.prefix(80))\" unpacks to \(entry.size) bytes, over the \(limit)-byte package limit")
            }
            if !entry.isDirectory { entries[name] = entry }
        }
        var unpacked = 0
        /// An entry's bytes through `consumer`, counted against the package's limit.
        func read(_ name: String, _ consumer: (Data) throws -> Void) throws {
            guard let entry = entries[name] else { throw refuse("\(name) is missing") }
            // No real package inflates an entry 200-fold (WARCs inside are gzipped already,
            // text deflates about 5-fold); a bomb does, 1000-fold: it is stopped at once.
            let compressed = Int(clamping: entry.compressedSize)  // a header may claim anything
            let ratioLimit = max(1 << 20, compressed > Int.max / 200 ? Int.max : compressed * 200)
            var entryBytes = 0
            do {
                try archive.read(entry, limit: limit) { chunk in
                    entryBytes += chunk.count
                    if entryBytes > ratioLimit {
                        throw refuse("\(name) inflates more than 200-fold from \(entry.compressedSize) bytes (a zip bomb?)")
                    }
                    unpacked += chunk.count
                    if unpacked > limit {
                        throw refuse("unpacks to more than \(limit) bytes (64 x pipeline.toml limits.max_warc_record_bytes)")
                    }
                    try consumer(chunk)
                }
            } catch let error as CorpusError where error.reason.hasPrefix("WACZ:") {
                throw error
            } catch let error as CorpusError {
                throw refuse("\(name) cannot be unpacked (\(error.reason))")
            }
        }
        func data(_ name: String, max: Int) throws -> Data {
            var out = Data()
            try read(name) { chunk in
                out.append(chunk)
                if out.count > max { throw refuse("\(name) is over \(max) bytes") }
            }
            return out
        }

        // 1. The package's own digests.
        guard entries["datapackage.json"] != nil else { throw refuse("no datapackage.json") }
        let package = try data("datapackage.json", max: 16 << 20)
        guard let manifest = try? JSONSerialization.jsonObject(with: package) as? [String: Any],
            let resources = manifest["resources"] as? [[String: Any]]
        else { throw refuse("datapackage.json is not a data package (no resources)") }
        for resource in resources {
            guard let name = resource["path"] as? String, Self.isContained(name) else {
                throw refuse("datapackage.json lists a resource without a contained path")
            }
            let stats = resource["stats"] as? [String: Any] ?? resource
            guard var expected = (stats["hash"] as? String)?.lowercased() else { throw refuse("\(name) has no hash in datapackage.json") }
            if let colon = expected.firstIndex(of: ":") {
                guard expected[..<colon] == "sha256" else { throw refuse("\(name): hash \(expected.prefix(16))… is not SHA-256") }
                expected = String(expected[expected.index(after: colon)...])
            }
            var hasher = Digest.Streaming()
            var size = 0
            try read(name) { chunk in
                hasher.update(chunk)
                size += chunk.count
            }
            if hasher.finalizeHex() != expected { throw refuse("\(name) does not match its SHA-256 in datapackage.json") }
            if let bytes = stats["bytes"] as? Int, bytes != size {
                throw refuse("\(name) has \(size) bytes, datapackage.json says \(bytes)")
            }
        }

        // 2. Which captures are pages.
        var pages: Set<String>? = nil
        for list in ["pages/pages.jsonl", "pages/extraPages.jsonl"] where entries[list] != nil {
            let text = String(decoding: try data(list, max: 64 << 20), as: UTF8.self)
            for line in text.split(separator: "\n") {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    let url = object["url"] as? String
                else { continue }
                pages = (pages ?? []).union([Self.pageKey(url)])
            }
        }

        // 3. The WARC files, each unpacked to a temporary file and read as any WARC is.
        let warcs = entries.keys.filter { $0.hasPrefix("archive/") && ($0.hasSuffix(".warc") || $0.hasSuffix(".warc.gz")) }.sorted()
        guard !warcs.isEmpty else { throw refuse("no WARC file under archive/") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dccorpus-wacz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in warcs {
            let file = folder.appendingPathComponent((name as NSString).lastPathComponent)
            guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
                throw CorpusError(file: file.path, stage: .read, reason: "could not create a temporary file for the package's WARC \(name)")
            }
            let handle = try FileHandle(forWritingTo: file)
            do {
                try read(name) { chunk in try handle.write(contentsOf: chunk) }
                try handle.close()
            } catch {
                try? handle.close()
                throw error
            }
            let reader = WARCFileReader(path: file.path, limit: config.maxWARCRecordBytes) { problem in
                var problem = problem
                problem.error = CorpusError(file: "\(path)#\(name)", stage: problem.error.stage, reason: problem.error.reason)
                onProblem(problem)
            }
            try reader.forEachRecord { record, offset in
                guard let pages else { return try body(ArchiveEntry(record: record, offset: offset)) }
                guard let uri = record.targetURI, pages.contains(Self.pageKey(uri)) else { return }
                try body(ArchiveEntry(record: record, offset: offset))
            }
        }
    }

    /// Whether an entry's path stays inside the package.
    static func isContained(_ path: String) -> Bool {
        !path.isEmpty && !path.hasPrefix("/") && !path.contains("\\") && !path.split(separator: "/").contains("..")
    }

    /// A page's address as pages.jsonl and WARC records may both write it: without a fragment
    /// and a trailing slash, lower-case scheme and host.
    static func pageKey(_ url: String) -> String {
        var key = url.trimmingCharacters(in: CharacterSet(charactersIn: "<> "))
        if let hash = key.firstIndex(of: "#") { key = String(key[..<hash]) }
        if key.hasSuffix("/") { key.removeLast() }
        if let schemeEnd = key.range(of: "://") {
            let rest = key[schemeEnd.upperBound...]
            let hostEnd = rest.firstIndex(of: "/") ?? rest.endIndex
            key = key[..<schemeEnd.upperBound].lowercased() + rest[..<hostEnd].lowercased() + rest[hostEnd...]
        }
        return key
    }
}
