import Archiving
import Cleaning
import CorpusKit
import Foundation
import RecordBuilding
import Timestamping
import X509

/// `verify`: bag fixity, WARC integrity, record hashes, and (with `rebuild`) that every record
/// can be derived again from its raw capture. Collects every problem; never stops at the first.
public struct Verifier: Sendable {
    public let config: CorpusConfig
    /// (what, done, total) as WARC files are read and records checked.
    public var onProgress: (@Sendable (String, Int, Int) -> Void)?

    public init(config: CorpusConfig) { self.config = config }

    public struct Report: Codable, Sendable {
        public var ok: Bool
        public var checked: Int
        public var problems: [Finding]
        /// With `rebuild`: records made by another pipeline version or configuration, which a
        /// rebuild with today's cannot match (warnings; `--strict` counts them as problems).
        public var stale: [Finding] = []
        /// With `rebuild`: how each record compared (`matches`, `matches-recorded-config`,
        /// `stale`, `tampered`), by id.
        public var rebuilt: [String: RebuildCase] = [:]
        /// What the signed commit log says (nil: the bag has none and none is expected).
        public var authenticity: Authenticity?

        public init(ok: Bool, checked: Int, problems: [Finding], stale: [Finding] = [], rebuilt: [String: RebuildCase] = [:]) {
            self.ok = ok
            self.checked = checked
            self.problems = problems
            self.stale = stale
            self.rebuilt = rebuilt
        }
    }

    /// The commit log's verdict: every entry signed by a pinned key (or one a signed rotation
    /// trusts), the chain unbroken, the last entry naming the bag as it is.
    public struct Authenticity: Codable, Sendable {
        public var signed: Bool
        public var entries: Int
        public var lastEntry: String?
        public var keys: [String]
        /// The entries an RFC 3161 timestamp holds for, with the time the TSA signed.
        public var timestamps: [Stamp] = []
        /// With `tsa_url` set: how many entries come after the last timestamped one.
        public var unstamped: Int?
        public struct Stamp: Codable, Sendable {
            public var entry: Int
            public var time: String
        }
        enum CodingKeys: String, CodingKey {
            case signed, entries, keys, timestamps, unstamped
            case lastEntry = "last_entry"
        }
    }

    /// How a record compares with a rebuild from its raw capture.
    public enum RebuildCase: String, Codable, Sendable {
        /// The current pipeline and configuration give the same record.
        case matches
        /// Made with an earlier configuration that the bag keeps; rebuilt with it, it matches.
        case matchesRecordedConfig = "matches-recorded-config"
        /// Made by another pipeline version (or a configuration the bag does not keep): cannot
        /// be re-derived here; `dccorpus reprocess` brings it up to date.
        case stale
        /// Same pipeline and configuration, different record: changed after it was made.
        case tampered
    }

    /// Where each capture sits, by WARC-Record-ID, with the raw digest of its payload.
    struct CaptureIndex {
        /// The records that hold documents (what corpus records are built from).
        var byRecordID: [String: (warc: String, record: WARCRecord)] = [:]
        var rawDigests = Set<String>()
        /// Where every record is and what media each page lists, to read a video's parts on
        /// demand (they are not held: a video can be most of a WARC file).
        var media = MediaIndex()
    }

    /// `fixityOnly` stops after the bag checks (manifests and Payload-Oxum): the fast pass for
    /// large archives, like `bagit.py --validate` without the WARC and record checks.
    public func verify(store: ArchiveStore, rebuild: Bool, fixityOnly: Bool = false, strict: Bool = false) -> Report {
        let bag = store.bag
        let payloadFolder = store.root.appendingPathComponent("data")
        if !bag.exists && Self.files(under: payloadFolder, relativeTo: store.root).isEmpty {
            return Report(ok: true, checked: 0, problems: [])  // nothing archived yet
        }
        guard bag.exists else {
            return Report(
                ok: false, checked: 0,
                problems: [
                    Finding(
                        file: bag.declarationURL.path, rule: .bag,
                        message: "no bag here (bagit.txt missing): nothing has been archived yet")
                ])
        }
        var tally = Tally()
        checkTagFiles(store, &tally)
        checkPayload(store, &tally)
        let authenticity = checkCommitLog(store, &tally)
        if fixityOnly {
            var report = Report(ok: tally.problems.isEmpty, checked: tally.checked, problems: tally.problems)
            report.authenticity = authenticity
            return report
        }
        let index = indexCaptures(store, &tally)
        let (stale, cases) = checkRecords(store, index: index, rebuild: rebuild, &tally)
        if strict { tally.problems += stale }
        var report = Report(ok: tally.problems.isEmpty, checked: tally.checked, problems: tally.problems, stale: stale, rebuilt: cases)
        report.authenticity = authenticity
        return report
    }

    /// 2b. The signed commit log: what holds against whoever holds the archive.
    func checkCommitLog(_ store: ArchiveStore, _ tally: inout Tally) -> Authenticity {
        let check = CommitLog.check(
            root: store.root, trusted: config.integrity.trustedKeys, tagManifest: store.bag.tagManifestURL,
            current: config.integrity.key?.id)
        tally.checked += check.entries
        if !check.signed, let pinned = config.integrity.key {
            tally.problem(
                CommitLog.fileName, .signature,
                "Config/\(IntegrityConfig.fileName) pins key \(pinned.id), but the bag has no signed commit log (`key init` starts one): "
                    + "it was removed")
        }
        for problem in check.problems {
            tally.problem(CommitLog.fileName + (problem.line.map { ":\($0)" } ?? ""), .signature, problem.message)
        }
        var authenticity = Authenticity(signed: check.signed, entries: check.entries, lastEntry: check.lastTime, keys: check.keys)
        // Trusted timestamps of the log's head (RFC 3161), checked against the configured TSA roots.
        var roots: [Certificate]?
        if let file = config.integrity.tsaCertificates {
            do { roots = try LogTimestamps.certificates(pemFile: file) } catch let error as CorpusError {
                tally.problem(file, .signature, error.reason)
            } catch {}
        }
        let stamps = LogTimestamps.check(root: store.root, lines: CommitLog.lines(store.root) ?? [], trustRoots: roots)
        tally.checked += stamps.stamped.count
        for problem in stamps.problems { tally.problem(problem.file, .signature, problem.message) }
        authenticity.timestamps = stamps.stamped.map { Authenticity.Stamp(entry: $0.entry, time: WARCDate.string($0.time)) }
        // With an authority configured, entries after the last timestamp are said (the authority
        // may have been down: the next command stamps the head; not a problem by itself).
        if config.integrity.tsaURL != nil, check.entries > 0 {
            authenticity.unstamped = check.entries - (stamps.stamped.map(\.entry).max() ?? 0)
        }
        return authenticity
    }

    /// What the checks found so far, and how many items they checked.
    struct Tally {
        var problems: [Finding] = []
        var checked = 0
        mutating func problem(_ file: String, _ rule: FindingRule, _ message: String) {
            problems.append(Finding(file: file, rule: rule, message: message))
        }
    }

    /// 1. The tag files: the declaration, and every tag file against tagmanifest-sha256.txt.
    func checkTagFiles(_ store: ArchiveStore, _ tally: inout Tally) {
        let bag = store.bag
        if let declaration = try? String(contentsOf: bag.declarationURL, encoding: .utf8) {
            if !declaration.contains("BagIt-Version: 1.0") { tally.problem("bagit.txt", .bag, "BagIt-Version is not 1.0") }
        } else {
            tally.problem("bagit.txt", .bag, "missing or unreadable")
        }
        do {
            let tags = try bag.readManifest(bag.tagManifestURL)
            for (path, expected) in tags.sorted(by: { $0.key < $1.key }) {
                tally.checked += 1
                let url = store.root.appendingPathComponent(path)
                guard let actual = try? Digest.sha256File(at: url) else {
                    tally.problem(path, .tagFixity, "listed in tagmanifest-sha256.txt but missing")
                    continue
                }
                if actual.hex != expected { tally.problem(path, .tagFixity, "SHA-256 does not match tagmanifest-sha256.txt") }
            }
            for name in Bag.tagFiles where tags[name] == nil { tally.problem(name, .tagFixity, "not listed in tagmanifest-sha256.txt") }
        } catch let error as CorpusError {
            tally.problem("tagmanifest-sha256.txt", .tagFixity, error.reason)
        } catch {}
    }

    /// 2. Payload fixity and completeness: every listed file and its digest, every file listed,
    /// and Payload-Oxum.
    func checkPayload(_ store: ArchiveStore, _ tally: inout Tally) {
        let bag = store.bag
        var manifest: [String: String] = [:]
        do { manifest = try bag.readManifest() } catch let error as CorpusError {
            tally.problem("manifest-sha256.txt", .fixity, error.reason)
        } catch {}
        var totalBytes: UInt64 = 0
        for (path, expected) in manifest.sorted(by: { $0.key < $1.key }) {
            tally.checked += 1
            let url = store.root.appendingPathComponent(path)
            guard let actual = try? Digest.sha256File(at: url) else {
                tally.problem(path, .fixity, "listed in manifest-sha256.txt but missing")
                continue
            }
            totalBytes += actual.size
            if actual.hex != expected { tally.problem(path, .fixity, "SHA-256 does not match manifest-sha256.txt") }
        }
        let payloadFiles = Self.files(under: store.root.appendingPathComponent("data"), relativeTo: store.root)
        for path in payloadFiles where manifest[path] == nil {
            tally.problem(path, .fixity, "payload file not listed in manifest-sha256.txt")
        }
        if let oxum = (try? bag.readBagInfo())?["Payload-Oxum"] {
            let expected = "\(totalBytes).\(manifest.count)"
            let onDisk = "\(payloadFiles.reduce(UInt64(0)) { $0 + Self.size(store.root.appendingPathComponent($1)) }).\(payloadFiles.count)"
            if oxum != expected || oxum != onDisk {
                tally.problem("bag-info.txt", .oxum, "Payload-Oxum \(oxum) but the payload is \(onDisk)")
            }
        } else {
            tally.problem("bag-info.txt", .oxum, "no Payload-Oxum")
        }
    }

    /// 3. WARC files: every gzip member, every digest; where each capture sits.
    func indexCaptures(_ store: ArchiveStore, _ tally: inout Tally) -> CaptureIndex {
        var index = CaptureIndex()
        let files = store.warcFiles()
        for (number, path) in files.enumerated() {
            onProgress?("verify: WARC files", number, files.count)
            let reader = WARCFileReader(path: store.root.appendingPathComponent(path).path, limit: config.pipeline.maxWARCRecordBytes)
            do {
                try reader.forEachRecord { record, offset in
                    tally.checked += 1
                    for message in record.digestProblems() { tally.problem(path, .warcDigest, "record at offset \(offset): \(message)") }
                    index.media.note(record, warc: path, offset: offset)
                    if record.type == .resource || record.type == .response {
                        do {
                            if let capture = try WARCImport.capture(from: record, file: path, decodeLimit: config.pipeline.maxInputBytes) {
                                index.byRecordID[record.recordID] = (path, record)
                                index.rawDigests.insert(capture.rawDigest)
                            }
                        } catch {
                            index.byRecordID[record.recordID] = (path, record)  // the rebuild says why it cannot be read
                        }
                    }
                }
            } catch let error as CorpusError {
                tally.problem(path, .warc, error.reason)
            } catch {
                tally.problem(path, .warc, "\(error)")
            }
        }
        return index
    }

    /// 4. Records: their own hash, their raw bytes in the archive, and (with `rebuild`) a
    /// rebuild from those bytes. Returns the stale records' findings and each rebuild's verdict.
    func checkRecords(_ store: ArchiveStore, index: CaptureIndex, rebuild: Bool, _ tally: inout Tally) -> (
        stale: [Finding], cases: [String: RebuildCase]
    ) {
        var stale: [Finding] = []
        var cases: [String: RebuildCase] = [:]
        let loaded = store.loadRecords()
        for error in loaded.errors { tally.problem(error.file, .record, error.reason) }
        let builder = RecordBuilder(config: config)
        // Builders for the earlier configurations the bag keeps, loaded once each.
        var recordedBuilders: [String: RecordBuilder?] = [:]
        for (number, record) in loaded.records.enumerated() {
            onProgress?(rebuild ? "verify: rebuilding records" : "verify: records", number + 1, loaded.records.count)
            tally.checked += 1
            let file = "data/corpus/\(DocumentID.fileName(record.id))"
            if let hash = try? record.computeRecordHash(), hash != record.provenance.recordSHA256 {
                tally.problem(file, .recordHash, "record_sha256 does not match the record's content")
            }
            if Digest.sha256Hex(record.text) != record.provenance.textSHA256 {
                tally.problem(file, .recordHash, "text_sha256 does not match the text")
            }
            if !index.rawDigests.contains(record.provenance.rawSHA256) {
                tally.problem(file, .raw, "raw_sha256 \(record.provenance.rawSHA256.prefix(12))… is in no WARC file")
            }
            guard let located = index.byRecordID[record.provenance.archive.recordID] else {
                tally.problem(file, .raw, "WARC record \(record.provenance.archive.recordID) not found")
                continue
            }
            if located.warc != record.provenance.archive.warc {
                tally.problem(file, .raw, "WARC record is in \(located.warc), not \(record.provenance.archive.warc)")
            }
            guard rebuild else { continue }
            let videos = index.media.videos(
                page: record.provenance.archive.recordID, root: store.root, limit: config.pipeline.maxWARCRecordBytes)
            let outcome = rebuildCase(
                record, from: located.record, warc: located.warc, videos: videos, builder: builder, store: store,
                recordedBuilders: &recordedBuilders)
            cases[record.id] = outcome.case
            switch outcome.case {
            case .matches, .matchesRecordedConfig: break
            case .stale: stale += outcome.findings
            case .tampered: tally.problems += outcome.findings
            }
        }
        return (stale, cases)
    }

    /// Rebuilds a record with the current pipeline and configuration; when that differs and the
    /// record was made with another configuration, with that one (from the bag's copy). Only a
    /// record that the pipeline and configuration it names cannot reproduce is tampered.
    func rebuildCase(
        _ stored: CorpusRecord, from warcRecord: WARCRecord, warc: String, videos: [ArchivedVideo], builder: RecordBuilder,
        store: ArchiveStore, recordedBuilders: inout [String: RecordBuilder?]
    ) -> (case: RebuildCase, findings: [Finding]) {
        let file = "data/corpus/\(stored.id).json"
        let current = rebuildProblems(stored, from: warcRecord, warc: warc, videos: videos, builder: builder)
        if current.isEmpty { return (.matches, []) }
        let made = stored.provenance.pipeline
        if made.version != CorpusConfig.pipelineVersion {
            return (
                .stale,
                [
                    Finding(
                        file: file, rule: .stale,
                        message: "made by pipeline \(made.version), not \(CorpusConfig.pipelineVersion): run `dccorpus reprocess`")
                ]
            )
        }
        guard made.configSHA256 != config.configSHA256 else { return (.tampered, current) }
        if recordedBuilders[made.configSHA256] == nil {
            let recorded = try? CorpusConfig.load(folder: store.configURL(sha256: made.configSHA256))
            recordedBuilders[made.configSHA256] = .some(
                recorded.flatMap { $0.configSHA256 == made.configSHA256 ? RecordBuilder(config: $0) : nil })
        }
        guard let recordedBuilder = recordedBuilders[made.configSHA256] ?? nil else {
            return (
                .stale,
                [
                    Finding(
                        file: file, rule: .stale,
                        message:
                            "made with configuration \(made.configSHA256.prefix(12))…, which the bag does not keep: it cannot be re-derived; run `dccorpus reprocess`"
                    )
                ]
            )
        }
        let again = rebuildProblems(stored, from: warcRecord, warc: warc, videos: videos, builder: recordedBuilder)
        return again.isEmpty ? (.matchesRecordedConfig, []) : (.tampered, again)
    }

    func rebuildProblems(_ stored: CorpusRecord, from warcRecord: WARCRecord, warc: String, videos: [ArchivedVideo], builder: RecordBuilder)
        -> [Finding]
    {
        let file = "data/corpus/\(stored.id).json"
        do {
            guard var capture = try WARCImport.capture(from: warcRecord, file: warc, decodeLimit: builder.config.pipeline.maxInputBytes)
            else {
                return [Finding(file: file, rule: .rebuild, message: "WARC record holds no document dccorpus reads")]
            }
            var source = stored.provenance.source
            source.charset = nil
            capture.source = source
            capture.archivedVideos = videos
            var rebuilt = try builder.build(capture, archive: stored.provenance.archive)
            // A document whose derived id collided with another's carries a stable suffix
            // (`DocumentIdentity`): the rest of the record must still rebuild exactly.
            if rebuilt.id != stored.id && DocumentIdentity.isSuffixed(stored.id, of: rebuilt.id) {
                rebuilt.id = stored.id
                rebuilt = try rebuilt.sealed()
            }
            if rebuilt == stored { return [] }
            let old = try JSONValue.from(stored)
            let new = try JSONValue.from(rebuilt)
            return Self.differences(old, new, path: "").map {
                Finding(file: file, rule: .rebuild, message: "field \($0) differs from a rebuild from the raw capture")
            }
        } catch let error as CorpusError {
            return [Finding(file: file, rule: .rebuild, message: error.description)]
        } catch {
            return [Finding(file: file, rule: .rebuild, message: "\(error)")]
        }
    }

    /// Paths of the fields that differ, descending into objects (not into arrays).
    static func differences(_ old: JSONValue, _ new: JSONValue, path: String) -> [String] {
        guard old != new else { return [] }
        if case .object(let left) = old, case .object(let right) = new {
            return Set(left.keys).union(right.keys).sorted().flatMap { key in
                differences(left[key] ?? .null, right[key] ?? .null, path: path.isEmpty ? key : "\(path).\(key)")
            }
        }
        return [path.isEmpty ? "(record)" : path]
    }

    static func files(under folder: URL, relativeTo root: URL) -> [String] {
        guard let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey], options: [])
        else { return [] }
        var result: [String] = []
        let prefix = root.standardizedFileURL.path + "/"
        for case let url as URL in enumerator {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
            let full = url.standardizedFileURL.path
            result.append(full.hasPrefix(prefix) ? String(full.dropFirst(prefix.count)) : full)
        }
        return result.sorted()
    }

    static func size(_ url: URL) -> UInt64 {
        var info = stat()
        return stat(url.path, &info) == 0 ? UInt64(info.st_size) : 0
    }
}
