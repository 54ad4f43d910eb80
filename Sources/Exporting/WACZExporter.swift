import Archiving
import CorpusKit
import Foundation
import ZIPFoundation

/// `export --format wacz`: the archive as one WACZ 1.1.1 package (https://specs.webrecorder.net/wacz/1.1.1/),
/// which replay tools (ReplayWeb.page, pywb) open as it is:
///
/// - `archive/` every WARC file of the bag, stored (not deflated) so readers can seek into it;
/// - `indexes/index.cdxj` the bag's CDXJ index (filenames relative to `archive/`);
/// - `pages/pages.jsonl` every captured page (a response or resource with status 200 that a
///   corpus record was made from): URL, capture time and the document's title;
/// - `datapackage.json` every file above with its SHA-256 and size, and
///   `datapackage-digest.json` the SHA-256 of `datapackage.json`.
///
/// The package is deterministic: its `created` time and every entry's date are the newest
/// capture's, so the same archive gives the same bytes.
public enum WACZExporter {
    public struct Summary: Sendable {
        public var warcFiles: Int
        public var captures: Int
        public var pages: Int
    }

    public static let waczVersion = "1.1.1"

    /// Writes the package to `destination` (atomically: a temporary file renamed into place).
    /// `signer`: sign `datapackage-digest.json` as the WACZ Signing and Verification
    /// recommendation's anonymous mode says (ECDSA P-384, SHA-256, over the `hash` string; the
    /// signature r‖s and the public key's DER, base64), with the archive's key.
    public static func write(
        store: ArchiveStore, records: [CorpusRecord], to destination: URL, signer: SigningKey? = nil,
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> Summary {
        let index = store.refreshIndexes()
        let cdxj = (try? FileIO.read(store.cdxjURL, limit: 1 << 34)) ?? Data()
        let lines = String(decoding: cdxj, as: UTF8.self).split(separator: "\n").map(String.init)
        var documents: [String: String] = [:]  // payload SHA-256 → corpus id
        for file in index.files.values { for (digest, id) in file.digests { documents[digest] = id } }
        let titles = Dictionary(records.map { ($0.id, $0.title.en ?? $0.title.zh ?? $0.id) }, uniquingKeysWith: { first, _ in first })
        var pages: [(ts: String, url: String, line: String)] = []
        var newest = "19800101000000"
        for line in lines {
            guard let entry = CDXJ.entry(line) else { continue }
            newest = max(newest, entry.timestamp)
            guard entry.fields["status"] == "200", entry.fields["mime"] != "warc/revisit", let url = entry.fields["url"],
                let digest = entry.fields["digest"], digest.hasPrefix("sha256:"),
                let id = documents[String(digest.dropFirst(7))]
            else { continue }
            let ts = CDXJ.warcDate(entry.timestamp)
            let page: [String: JSONValue] = [
                "id": .string(Digest.sha256Hex(entry.timestamp + " " + url).prefix(32).description), "url": .string(url),
                "ts": .string(ts), "title": .string(titles[id] ?? id)
            ]
            pages.append((ts, url, String(decoding: JSONValue.object(page).canonicalData(), as: UTF8.self)))
        }
        pages.sort { ($0.ts, $0.url) < ($1.ts, $1.url) }
        let header = #"{"format":"json-pages-1.0","id":"pages","title":"All Pages"}"#
        let pagesData = Data(([header] + pages.map(\.line)).joined(separator: "\n").utf8 + [10])
        let created = CDXJ.warcDate(newest)
        let date = Date(
            timeIntervalSince1970: TimeInterval(ISO8601DateFormatter().date(from: created)?.timeIntervalSince1970 ?? 315_532_800))

        // Every file with its bytes or its source on disk, in package order.
        enum Content {
            case file(URL)
            case bytes(Data)
        }
        var entries: [(path: String, content: Content, compressed: Bool)] = []
        for path in store.warcFiles() {
            entries.append(("archive/" + (path as NSString).lastPathComponent, .file(store.root.appendingPathComponent(path)), false))
        }
        entries.append(("indexes/index.cdxj", .bytes(cdxj), true))
        entries.append(("pages/pages.jsonl", .bytes(pagesData), true))
        var resources: [JSONValue] = []
        // Each file is read twice (hashed, then packed): progress counts both passes.
        var step = 0
        for entry in entries {
            step += 1
            progress?(step, 2 * entries.count + 2)
            let (hash, size): (String, UInt64)
            switch entry.content {
            case .file(let url): (hash, size) = try Digest.sha256File(at: url)
            case .bytes(let data): (hash, size) = (Digest.sha256Hex(data), UInt64(data.count))
            }
            resources.append(
                .object([
                    "name": .string((entry.path as NSString).lastPathComponent.lowercased()), "path": .string(entry.path),
                    "hash": .string("sha256:" + hash), "bytes": .int(Int64(size))
                ]))
        }
        let package = JSONValue.object([
            "profile": .string("data-package"), "wacz_version": .string(waczVersion),
            "title": .string("Digital China Construction Series corpus"),
            "description": .string("Every capture of the dccorpus archive, with its CDXJ index and captured pages."),
            "created": .string(created), "software": .string(Bag.softwareAgent), "resources": .array(resources)
        ])
        let packageData = package.prettyData()
        let hash = "sha256:" + Digest.sha256Hex(packageData)
        var digestFields: [String: JSONValue] = ["path": .string("datapackage.json"), "hash": .string(hash)]
        if let signer {
            digestFields["signedData"] = .object([
                "hash": .string(hash), "created": .string(created), "software": .string(Bag.softwareAgent),
                "signature": .string(try signer.sign(Data(hash.utf8)).base64EncodedString()), "publicKey": .string(signer.publicKeyBase64)
            ])
        }
        let digest = JSONValue.object(digestFields)
        entries.append(("datapackage.json", .bytes(packageData), true))
        entries.append(("datapackage-digest.json", .bytes(digest.prettyData()), true))

        let folder = destination.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(destination.lastPathComponent).tmp-\(getpid())")
        unlink(temporary.path)
        defer { unlink(temporary.path) }
        do {
            let zip = try ZIPFoundation.Archive(url: temporary, accessMode: .create)
            for entry in entries {
                step += 1
                progress?(min(step, 2 * entries.count), 2 * entries.count)
                switch entry.content {
                case .file(let url):
                    let handle = try FileHandle(forReadingFrom: url)
                    defer { try? handle.close() }
                    let size = Int64(try FileIO.requireReadableFile(url))
                    try zip.addEntry(
                        with: entry.path, type: .file, uncompressedSize: size, modificationDate: date, permissions: 0o644,
                        compressionMethod: .none
                    ) { position, count in
                        try handle.seek(toOffset: UInt64(position))
                        return handle.readData(ofLength: count)
                    }
                case .bytes(let data):
                    try zip.addEntry(
                        with: entry.path, type: .file, uncompressedSize: Int64(data.count), modificationDate: date, permissions: 0o644,
                        compressionMethod: entry.compressed ? .deflate : .none
                    ) { position, count in data.subdata(in: Int(position)..<(Int(position) + count)) }
                }
            }
        } catch let error as CorpusError {
            throw error
        } catch {
            throw CorpusError(file: destination.path, stage: .archive, reason: "cannot write the WACZ package: \(error)")
        }
        try FileIO.syncFile(temporary)
        guard rename(temporary.path, destination.path) == 0 else {
            throw CorpusError(file: destination.path, stage: .archive, reason: String(cString: strerror(errno)))
        }
        return Summary(warcFiles: store.warcFiles().count, captures: lines.count, pages: pages.count)
    }

    /// The SURT key, timestamp and JSON fields of a CDXJ line.
}
