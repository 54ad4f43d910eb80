import CorpusKit
import Foundation
import TestSupport
import Testing

@testable import Archiving

func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("dccorpus-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite struct WARCTests {
    func record(_ text: String) -> WARCRecord {
        WARCRecord.make(
            type: .resource, date: "2025-04-11T00:00:00Z", contentType: "text/plain", block: Data(text.utf8),
            extra: [(.targetURI, "file:///x.txt")])
    }

    @Test func recordsRoundTripThroughGzipMembers() throws {
        let folder = try temporaryFolder()
        let path = folder.appendingPathComponent("a.warc.gz").path
        let records = [record("one"), record(String(repeating: "二", count: 100_000)), record("")]
        var file = Data()
        for item in records { file.append(try Gzip.member(item.serialized())) }
        try file.write(to: URL(fileURLWithPath: path))
        var read: [WARCRecord] = []
        var offsets: [UInt64] = []
        try WARCFileReader(path: path, limit: 1 << 24).forEachRecord {
            read.append($0)
            offsets.append($1)
        }
        #expect(read == records)
        #expect(offsets.first == 0)
        // Each member starts after the one before: strictly increasing, and past the first's bytes.
        #expect(offsets.count == 3)
        #expect(zip(offsets, offsets.dropFirst()).allSatisfy { $0 < $1 })
        let firstMember = try Gzip.member(records[0].serialized())
        #expect(offsets.count == 3 && offsets[1] == UInt64(firstMember.count))
        #expect(read.allSatisfy { $0.digestProblems().isEmpty })
        #expect(read[0]["WARC-Block-Digest"] == "sha256:" + Digest.sha256Hex(Data("one".utf8)))
    }

    /// Members written at every level (libdeflate) read back exactly (zlib), empty ones too,
    /// and each is one gzip member: its own header, and nothing after its trailer.
    @Test func membersOfEveryLevelReadBackExactly() throws {
        let folder = try temporaryFolder()
        var generator = SystemRandomNumberGenerator()
        let inputs = [
            Data(), Data("x".utf8), Data((0..<70_000).map { _ in UInt8.random(in: 0...255, using: &generator) }),
            Data(String(repeating: "数字中国 digital China ", count: 5_000).utf8)
        ]
        for level in [Int32(0), 1, 3, 6, 9, 12, 13] {
            let path = folder.appendingPathComponent("level-\(level).gz").path
            let members = try inputs.map { try Gzip.member($0, level: level) }
            #expect(members.allSatisfy { $0.prefix(3) == Data([0x1F, 0x8B, 0x08]) })
            try members.reduce(Data(), +).write(to: URL(fileURLWithPath: path))
            let reader = try GzipMemberReader(path: path)
            for (input, member) in zip(inputs, members) {
                let start = reader.end
                #expect(try reader.nextMember(limit: 1 << 24) == input)
                #expect(reader.end - start == UInt64(member.count))
            }
            #expect(try reader.nextMember(limit: 1 << 24) == nil)
        }
    }

    @Test func aFlippedByteInAMemberIsReported() throws {
        let folder = try temporaryFolder()
        let path = folder.appendingPathComponent("a.warc.gz").path
        var file = try Gzip.member(record("first record body").serialized())
        file.append(try Gzip.member(record(String(repeating: "payload ", count: 200)).serialized()))
        file[file.count - 30] ^= 0x55
        try file.write(to: URL(fileURLWithPath: path))
        #expect(throws: CorpusError.self) { try WARCFileReader(path: path, limit: 1 << 24).forEachRecord { _, _ in } }
    }

    @Test func aTruncatedFileIsReported() throws {
        let folder = try temporaryFolder()
        let path = folder.appendingPathComponent("a.warc.gz").path
        let file = try Gzip.member(record(String(repeating: "payload ", count: 200)).serialized())
        try file.prefix(file.count / 2).write(to: URL(fileURLWithPath: path))
        #expect(throws: CorpusError.self) { try WARCFileReader(path: path, limit: 1 << 24).forEachRecord { _, _ in } }
    }

    @Test func aTamperedBlockFailsItsDigest() throws {
        var item = record("original")
        item.block = Data("origina1".utf8)
        #expect(item.digestProblems().count == 2)
    }

    @Test func httpPayloadExcludesTheHeaders() {
        let block = Data("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>hi</p>".utf8)
        let response = WARCRecord.make(
            type: .response, date: "2025-04-11T00:00:00Z", contentType: "application/http; msgtype=response", block: block)
        #expect(response.payload == Data("<p>hi</p>".utf8))
        #expect(response["WARC-Payload-Digest"] == "sha256:" + Digest.sha256Hex(Data("<p>hi</p>".utf8)))
        #expect(response.digestProblems().isEmpty)
    }
}

@Suite struct ArchiveStoreTests {
    @Test func aCommittedSessionLeavesACompleteBag() throws {
        let root = try temporaryFolder().appendingPathComponent("Archive")
        let store = ArchiveStore(root: root, lockTimeout: 5)
        try store.write { session in
            try session.append([
                WARCRecord.make(type: .resource, date: "2025-04-11T00:00:00Z", contentType: "text/plain", block: Data("x".utf8))
            ])
        }
        let manifest = try store.bag.readManifest()
        #expect(manifest.count == 1)
        #expect(manifest.keys.first?.hasPrefix("data/warc/dccorpus-") == true)
        let info = try store.bag.readBagInfo()
        let size = try Digest.sha256File(at: root.appendingPathComponent(manifest.keys.first!)).size
        #expect(info["Payload-Oxum"] == "\(size).1")
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent(".staging").path))
    }

    /// A record file staged ahead (from another thread) is committed only when a record is put
    /// with it, byte for byte; files staged ahead and never named go with the staging folder,
    /// and a file staged for a record that then moved to another id is not used for it.
    @Test func filesStagedAheadAreCommittedOnlyWhenPut() throws {
        let root = try temporaryFolder().appendingPathComponent("Archive")
        let store = ArchiveStore(root: root, lockTimeout: 5)
        let kept = Fixtures.record("policy-kept", kind: .policy, title: Bilingual(en: "Kept"), text: "Kept text.")
        let dropped = Fixtures.record("policy-dropped", kind: .policy, title: Bilingual(en: "Dropped"), text: "Dropped text.")
        let original = Fixtures.record("policy-moved", kind: .policy, title: Bilingual(en: "Moved"), text: "Moved text.")
        var moved = original
        let keptFile = try kept.fileData()
        let movedFile = try original.fileData()
        try store.write { session in
            let folder = session.stagingFolder
            let staged = Parallel.map(count: 3, jobs: 2) { index in
                let record = [kept, dropped, original][index]
                return WriteSession.stageAhead(record, fileData: try! record.fileData(), name: "0-\(index)", in: folder)
            }
            #expect(staged.allSatisfy { $0 != nil })
            try session.put(kept, stagedAhead: staged[0])
            moved.id = "policy-moved-2"
            try session.put(moved, fileData: try moved.fileData(), stagedAhead: staged[2])
        }
        #expect(try Data(contentsOf: store.recordURL(id: "policy-kept")) == keptFile)
        #expect(try Data(contentsOf: store.recordURL(id: "policy-moved-2")) == (try moved.fileData()))
        #expect(try Data(contentsOf: store.recordURL(id: "policy-moved-2")) != movedFile)
        #expect(store.recordIDs() == ["policy-kept", "policy-moved-2"])
        #expect(try store.bag.readManifest()["data/corpus/policy-kept.json"] == Digest.sha256Hex(keptFile))
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent(".staging").path))
    }

    /// A process's next session starts from what its last one committed, unless another
    /// process committed since: then it reads the folder again and sees the other's documents.
    @Test func aSessionSeesDocumentsAnotherProcessCommitted() throws {
        let root = try temporaryFolder().appendingPathComponent("Archive")
        let watcher = ArchiveStore(root: root, lockTimeout: 5)
        let one = Fixtures.record("policy-one", kind: .policy, title: Bilingual(en: "One"), text: "One.")
        try watcher.write { session in try session.put(one) }
        try watcher.write { session in #expect(session.ids == ["policy-one"]) }
        let other = ArchiveStore(root: root, lockTimeout: 5)
        try other.write { session in
            try session.put(Fixtures.record("policy-two", kind: .policy, title: Bilingual(en: "Two"), text: "Two."))
        }
        try watcher.write { session in #expect(session.ids == ["policy-one", "policy-two"]) }
        try other.write { session in try session.remove(id: "policy-two") }
        try watcher.write { session in #expect(session.ids == ["policy-one"]) }
    }

    /// A record read before is not decoded again while its file stays the same, and a file
    /// replaced by another of the same size within the same clock tick is read afresh.
    @Test func aStoredRecordIsReadAgainOnlyWhenItsFileChanged() throws {
        let root = try temporaryFolder().appendingPathComponent("Archive")
        let store = ArchiveStore(root: root, lockTimeout: 5)
        let first = Fixtures.record("policy-one", kind: .policy, title: Bilingual(en: "One"), text: "Harbour text.")
        let second = Fixtures.record("policy-one", kind: .policy, title: Bilingual(en: "One"), text: "Meadows text.")
        try store.write { session in try session.put(first) }
        #expect(try store.loadRecord(id: "policy-one")?.text == "Harbour text.")
        let url = store.recordURL(id: "policy-one")
        var before = stat()
        stat(url.path, &before)
        let replacement = root.appendingPathComponent("replacement.json")
        try second.fileData().write(to: replacement)
        #expect(try replacement.resourceValues(forKeys: [.fileSizeKey]).fileSize == Int(before.st_size))
        var times = [before.st_atim, before.st_mtim]
        let descriptor = open(replacement.path, O_RDONLY)
        defer { close(descriptor) }
        #expect(futimens(descriptor, &times) == 0)
        #expect(rename(replacement.path, url.path) == 0)
        #expect(try store.loadRecord(id: "policy-one")?.text == "Meadows text.")
        #expect(try store.loadRecord(id: "policy-missing") == nil)
    }

    /// The manifest reader: blank lines skipped, checksums lower-cased, tabs and spaces around
    /// the path dropped, percent-encoded line breaks decoded; a line without a path is an error.
    @Test func manifestLinesAreReadAsBagItWritesThem() throws {
        let root = try temporaryFolder().appendingPathComponent("Archive")
        let bag = Bag(root: root)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let url = root.appendingPathComponent("manifest-sha256.txt")
        try Data("ABCDEF01  data/a.json\r\n\n0123abcd \tdata/odd%0Aname.txt \nbeef data/b\n".utf8).write(to: url)
        #expect(try bag.readManifest(url) == ["data/a.json": "abcdef01", "data/odd\nname.txt": "0123abcd", "data/b": "beef"])
        try Data("abcdef01 data/a.json\nnospace\n".utf8).write(to: url)
        #expect(throws: CorpusError.self) { try bag.readManifest(url) }
        try Data(" data/a.json\n".utf8).write(to: url)
        #expect(throws: CorpusError.self) { try bag.readManifest(url) }
    }

    @Test func nothingIsCommittedWhenTheBodyThrows() throws {
        let root = try temporaryFolder().appendingPathComponent("Archive")
        let store = ArchiveStore(root: root, lockTimeout: 5)
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try store.write { session in
                try session.append([
                    WARCRecord.make(type: .resource, date: "2025-04-11T00:00:00Z", contentType: "text/plain", block: Data("x".utf8))
                ])
                throw Stop()
            }
        }
        #expect(try store.bag.readManifest().isEmpty)
        #expect(store.warcFiles().isEmpty)
    }

    @Test func anInterruptedCommitIsReplayed() throws {
        let root = try temporaryFolder().appendingPathComponent("Archive")
        let store = ArchiveStore(root: root, lockTimeout: 5)
        try store.write { _ in }
        // Simulate a crash after the journal was written and one file was moved.
        let staging = root.appendingPathComponent(".staging")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        try Data("moved".utf8).write(to: root.appendingPathComponent("data/corpus/a.json"))
        try Data("staged".utf8).write(to: staging.appendingPathComponent("b"))
        let journal = #"{"moves":[{"from":"a","to":"data/corpus/a.json"},{"from":"b","to":"data/corpus/b.json"}]}"#
        try Data(journal.utf8).write(to: staging.appendingPathComponent("journal.json"))
        try store.read {}
        let manifest = try store.bag.readManifest()
        #expect(manifest["data/corpus/a.json"] == Digest.sha256Hex(Data("moved".utf8)))
        #expect(manifest["data/corpus/b.json"] == Digest.sha256Hex(Data("staged".utf8)))
        #expect(!FileManager.default.fileExists(atPath: staging.path))
    }

    /// A page-sized response record for `url`.
    func page(_ url: String, _ text: String) -> WARCRecord {
        WARCRecord.make(
            type: .response, date: "2026-11-23T01:02:03Z", contentType: "application/http; msgtype=response",
            block: Data("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>\(text)</p>".utf8),
            extra: [(.targetURI, url)])
    }

    @Test func sessionsAppendToTheOpenWARCFileUntilItRollsOver() throws {
        let root = try temporaryFolder().appendingPathComponent("Archive")
        let store = ArchiveStore(root: root, lockTimeout: 5, rollover: WARCRollover(bytes: 2_000, seconds: 3_600))
        for n in 0..<3 { try store.write { try $0.append([page("https://example.org/\(n)", String(repeating: "x", count: n))]) } }
        // Three small sessions, one file: one warcinfo, then three responses.
        #expect(store.warcFiles().count == 1)
        var types: [String] = []
        try WARCFileReader(path: root.appendingPathComponent(store.warcFiles()[0]).path, limit: 1 << 20).forEachRecord { record, _ in
            types.append(record.type?.rawValue ?? "")
        }
        #expect(types == ["warcinfo", "response", "response", "response"])
        // Past the size limit (random text: gzip cannot shrink it) a new file starts, and the
        // closed one is never written again.
        let closed = store.warcFiles()[0]
        try store.write { try $0.append([page("https://example.org/big", (0..<80).map { _ in UUID().uuidString }.joined())]) }
        let closedBytes = try Data(contentsOf: root.appendingPathComponent(closed))
        try store.write { try $0.append([page("https://example.org/next", "z")]) }
        try store.write { try $0.append([page("https://example.org/after", "w")]) }
        #expect(store.warcFiles().count == 2)
        #expect(try Data(contentsOf: root.appendingPathComponent(closed)) == closedBytes)
        // The manifest is exact after every commit.
        let manifest = try store.bag.readManifest()
        for path in store.warcFiles() { #expect(manifest[path] == (try Digest.sha256File(at: root.appendingPathComponent(path))).hex) }
        // The CDXJ index has every response, sorted, each pointing at its gzip member.
        let lines = try String(contentsOf: store.cdxjURL, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.count == 6)
        #expect(lines == lines.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        for line in lines {
            let json = try JSONSerialization.jsonObject(with: Data(line[line.firstIndex(of: "{")!...].utf8)) as! [String: String]
            let reader = try GzipMemberReader(
                path: root.appendingPathComponent("data/warc/" + json["filename"]!).path, start: UInt64(json["offset"]!)!)
            let member = try #require(try reader.nextMember(limit: 1 << 20))
            #expect(reader.end - reader.offset == UInt64(json["length"]!)!)
            let record = try #require(try WARCRecord.parseAll(member, source: "test").first)
            #expect(record["WARC-Target-URI"] == json["url"])
            #expect(line.hasPrefix(CDXJ.surt(json["url"]!) + " 20261123010203 "))
        }
        // The digest index on disk reads back whole (or every process would re-read the WARC files).
        let onDisk = CaptureDigestIndex.read(from: store.captureDigestsURL)
        #expect(onDisk.files.count == 2 && onDisk.cdxj == FileStamp(path: store.cdxjURL.path))
        // What commits noted without reading back is what a full re-read finds.
        let kept = try Data(contentsOf: store.cdxjURL)
        let digests = store.capturedDigests(limit: 1 << 20)
        store.rebuildIndexes()
        #expect(try Data(contentsOf: store.cdxjURL) == kept)
        #expect(store.capturedDigests(limit: 1 << 20) == digests)
    }

    /// Deferred index writes (the watcher): the files stay as they were until `flushIndexes`,
    /// another process meanwhile catches up by itself and is never overwritten, and what is
    /// flushed equals a full re-read.
    @Test func deferredIndexWritesAreFlushedWithoutClobberingAnotherProcess() throws {
        let root = try temporaryFolder().appendingPathComponent("Archive")
        let watcher = ArchiveStore(root: root, lockTimeout: 5)
        func lines() throws -> Int { try String(contentsOf: watcher.cdxjURL, encoding: .utf8).split(separator: "\n").count }
        try watcher.write { try $0.append([page("https://example.org/0", "0")]) }
        watcher.deferIndexWrites()
        for n in 1...2 { try watcher.write { try $0.append([page("https://example.org/\(n)", "\(n)")]) } }
        #expect(try lines() == 1)
        try watcher.flushIndexes()
        #expect(try lines() == 3)
        try watcher.write { try $0.append([page("https://example.org/3", "3")]) }
        let other = ArchiveStore(root: root, lockTimeout: 5)
        try other.write { try $0.append([page("https://example.org/4", "4")]) }
        #expect(try lines() == 5)
        try watcher.flushIndexes()  // the other process's files are newer: left alone
        #expect(try lines() == 5)
        try watcher.write { try $0.append([page("https://example.org/5", "5")]) }
        try watcher.flushIndexes()
        #expect(try lines() == 6)
        let flushed = try Data(contentsOf: watcher.cdxjURL)
        ArchiveStore(root: root, lockTimeout: 5).rebuildIndexes()
        #expect(try Data(contentsOf: watcher.cdxjURL) == flushed)
    }

    /// A long-running process whose indexes another process updated since continues from the
    /// indexes on disk: it does not read every WARC file again (here the closed file's bytes are
    /// garbled after it was indexed; a re-read would lose its lines).
    @Test func aProcessContinuesFromIndexesAnotherProcessWrote() throws {
        let root = try temporaryFolder().appendingPathComponent("Archive")
        let first = ArchiveStore(root: root, lockTimeout: 5, rollover: WARCRollover(bytes: 2_000, seconds: 3_600))
        try first.write { try $0.append([page("https://example.org/big", (0..<80).map { _ in UUID().uuidString }.joined())]) }
        try first.write { try $0.append([page("https://example.org/a", "a")]) }
        #expect(first.warcFiles().count == 2)
        let closed = first.warcFiles()[0]
        let closedName = (closed as NSString).lastPathComponent
        let second = ArchiveStore(root: root, lockTimeout: 5, rollover: WARCRollover(bytes: 2_000, seconds: 3_600))
        try second.write { try $0.append([page("https://example.org/b", "b")]) }
        func lines() throws -> [Substring] { try String(contentsOf: first.cdxjURL, encoding: .utf8).split(separator: "\n") }
        let closedLines = try lines().filter { $0.contains(closedName) }
        #expect(closedLines.count == 1)
        let size = try Data(contentsOf: root.appendingPathComponent(closed)).count
        try Data(repeating: 0x41, count: size).write(to: root.appendingPathComponent(closed))
        try first.write { try $0.append([page("https://example.org/c", "c")]) }
        #expect(try lines().filter { $0.contains(closedName) } == closedLines)
        #expect(try lines().count == 4)
    }

    @Test(arguments: [
        ("", ["b"], "b\n"), ("a\nc\n", ["b"], "a\nb\nc\n"), ("b\nc\n", ["a"], "a\nb\nc\n"), ("a\nb\n", ["c", "d"], "a\nb\nc\nd\n"),
        ("a\nc", ["b", "d"], "a\nb\nc\nd\n"), ("a\nc\n", ["a", "c"], "a\na\nc\nc\n"), ("b\n", [], "b\n"),
        ("a b\na c\n", ["a bb", "a"], "a\na b\na bb\na c\n")
    ])
    func cdxjLinesAreInsertedInByteOrder(text: String, added: [String], expected: String) {
        let result = ArchiveStore.insert(added.map { Array($0.utf8) }, into: Array(text.utf8))
        #expect(String(decoding: result, as: UTF8.self) == expected)
    }

    /// Another process appends to the open file only while re-hashing it costs little; the
    /// process that wrote it last holds its hash and goes on appending up to the rollover size.
    @Test func anotherProcessAppendsOnlyToAFileCheapToRehash() throws {
        let root = try temporaryFolder().appendingPathComponent("Archive")
        let rollover = WARCRollover(bytes: 1 << 20, seconds: 3_600, rehashBytes: 3_000)
        let writer = ArchiveStore(root: root, lockTimeout: 5, rollover: rollover)
        try writer.write { try $0.append([page("https://example.org/a", "a")]) }
        // Small: a new process appends to it.
        try ArchiveStore(root: root, lockTimeout: 5, rollover: rollover).write { try $0.append([page("https://example.org/b", "b")]) }
        #expect(writer.warcFiles().count == 1)
        // Past rehashBytes (random text: gzip cannot shrink it): the writer that holds the hash
        // appends, another process starts a new file.
        let noise = (0..<80).map { _ in UUID().uuidString }.joined()
        let holder = ArchiveStore(root: root, lockTimeout: 5, rollover: rollover)
        try holder.write { try $0.append([page("https://example.org/big", noise)]) }
        try holder.write { try $0.append([page("https://example.org/c", "c")]) }
        #expect(holder.warcFiles().count == 1)
        try ArchiveStore(root: root, lockTimeout: 5, rollover: rollover).write { try $0.append([page("https://example.org/d", "d")]) }
        #expect(holder.warcFiles().count == 2)
        let manifest = try holder.bag.readManifest()
        for path in holder.warcFiles() { #expect(manifest[path] == (try Digest.sha256File(at: root.appendingPathComponent(path))).hex) }
    }

    /// The digest index is read back by a quick parser of exactly what it writes, and by
    /// JSONDecoder when the file holds anything else (escaped text, spaces): the same index.
    @Test func theDigestIndexReadsBackWhatItWrote() throws {
        let folder = try temporaryFolder()
        var index = CaptureDigestIndex()
        index.cdxj = FileStamp(inode: 12, size: 345, modified: 1_795_433_924_027_482_598)
        for file in ["data/warc/a.warc.gz", "data/warc/b \"quoted\" é.warc.gz", "data/warc/empty.warc.gz"] {
            var entry = CaptureDigestIndex.File(size: Int64(file.count) * 1_000, digests: [:])
            if !file.contains("empty") {
                for n in 0..<50 {
                    entry.digests["\(n)\(file.count)abcdef"] = n % 7 == 0 ? "lesson-\(n)-数字" : "other-\(n)"
                    entry.locations["\(n)\(file.count)abcdef"] = Int64(n * 4_096)
                }
            }
            index.files[file] = entry
        }
        func same(_ a: CaptureDigestIndex, _ b: CaptureDigestIndex) -> Bool {
            a.version == b.version && a.cdxj == b.cdxj && a.files.keys.sorted() == b.files.keys.sorted()
                && a.files.allSatisfy { path, file in
                    b.files[path].map { $0.size == file.size && $0.digests == file.digests && $0.locations == file.locations } ?? false
                }
        }
        let url = folder.appendingPathComponent("digests.json")
        try index.write(to: url)
        let data = try Data(contentsOf: url)
        let decoded = try JSONDecoder().decode(CaptureDigestIndex.self, from: data)
        #expect(same(decoded, index))
        #expect(same(CaptureDigestIndex.read(from: url), index))
        // The quoted path is escaped: the quick parser declines and JSONDecoder reads it.
        #expect(data.withUnsafeBytes { CaptureDigestIndex.parse($0) } == nil)
        index.files["data/warc/b \"quoted\" é.warc.gz"] = nil
        try index.write(to: url)
        let quick = try #require(try Data(contentsOf: url).withUnsafeBytes { CaptureDigestIndex.parse($0) })
        #expect(same(quick, index) && same(CaptureDigestIndex.read(from: url), index))
        // Spaced out by another writer: still read; garbage: an empty index (the WARC files are read again).
        try Data(String(decoding: try Data(contentsOf: url), as: UTF8.self).replacingOccurrences(of: ",", with: ", ").utf8).write(to: url)
        #expect(same(CaptureDigestIndex.read(from: url), index))
        try Data("{\"version\":3,\"files\":{\"x\":{\"size\":".utf8).write(to: url)
        #expect(CaptureDigestIndex.read(from: url).files.isEmpty)
    }

    @Test func anOldOrChangedOpenFileIsNotAppendedTo() throws {
        let root = try temporaryFolder().appendingPathComponent("Archive")
        let young = ArchiveStore(root: root, lockTimeout: 5, rollover: WARCRollover(bytes: 1 << 30, seconds: 3_600))
        try young.write { try $0.append([page("https://example.org/a", "a")]) }
        // Older than warc_file_seconds: a new file.
        let aged = ArchiveStore(root: root, lockTimeout: 5, rollover: WARCRollover(bytes: 1 << 30, seconds: 0))
        try aged.write { try $0.append([page("https://example.org/b", "b")]) }
        #expect(aged.warcFiles().count == 2)
        // Changed behind the tool's back: never sealed into the manifest by an append.
        let open = root.appendingPathComponent(young.warcFiles().last!)
        let handle = try FileHandle(forWritingTo: open)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("tampered".utf8))
        try handle.close()
        let fresh = ArchiveStore(root: root, lockTimeout: 5)
        try fresh.write { try $0.append([page("https://example.org/c", "c")]) }
        #expect(fresh.warcFiles().count == 3)
        #expect(try fresh.bag.readManifest()[young.warcFiles()[1]] != (try Digest.sha256File(at: open)).hex)
    }

    @Test func aTornAppendIsCutAndCompletedFromTheJournal() throws {
        let root = try temporaryFolder().appendingPathComponent("Archive")
        let store = ArchiveStore(root: root, lockTimeout: 5)
        try store.write { try $0.append([page("https://example.org/a", "a")]) }
        let path = store.warcFiles()[0]
        let file = root.appendingPathComponent(path)
        let committed = try Data(contentsOf: file)
        // A killed writer: its batch staged and journalled, half of it appended.
        let batch = try Gzip.member(page("https://example.org/b", "b").serialized())
        let staging = root.appendingPathComponent(".staging")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        try batch.write(to: staging.appendingPathComponent("capture.warc.gz"))
        let journal = #"{"moves":[{"appendAt":\#(committed.count),"from":"capture.warc.gz","to":"\#(path)"}]}"#
        try Data(journal.utf8).write(to: staging.appendingPathComponent("journal.json"))
        let handle = try FileHandle(forWritingTo: file)
        try handle.seekToEnd()
        try handle.write(contentsOf: batch.prefix(batch.count / 2))
        try handle.close()
        // The next reader completes it: the file is the committed bytes plus the whole batch.
        let reader = ArchiveStore(root: root, lockTimeout: 5)
        try reader.read {}
        #expect(try Data(contentsOf: file) == committed + batch)
        #expect(try reader.bag.readManifest()[path] == Digest.sha256Hex(committed + batch))
        #expect(!FileManager.default.fileExists(atPath: staging.path))
        // Replaying the same journal again (a crash after the append) gives the same file.
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        try batch.write(to: staging.appendingPathComponent("capture.warc.gz"))
        try Data(journal.utf8).write(to: staging.appendingPathComponent("journal.json"))
        try reader.read {}
        #expect(try Data(contentsOf: file) == committed + batch)
    }

    @Test func anAppendThatCannotBeCompletedIsRolledBackNotRetriedForever() throws {
        let root = try temporaryFolder().appendingPathComponent("Archive")
        let store = ArchiveStore(root: root, lockTimeout: 5)
        try store.write { try $0.append([page("https://example.org/a", "a")]) }
        let path = store.warcFiles()[0]
        let committed = try Data(contentsOf: root.appendingPathComponent(path))
        // A journal whose batch is gone (as when its bytes cannot be written): the next command
        // cuts the torn tail, drops the journal and goes on; the bag is as last committed.
        let staging = root.appendingPathComponent(".staging")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        let journal = #"{"moves":[{"appendAt":\#(committed.count),"from":"capture.warc.gz","to":"\#(path)"}]}"#
        try Data(journal.utf8).write(to: staging.appendingPathComponent("journal.json"))
        let handle = try FileHandle(forWritingTo: root.appendingPathComponent(path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("torn".utf8))
        try handle.close()
        try store.read {}
        #expect(try Data(contentsOf: root.appendingPathComponent(path)) == committed)
        #expect(!FileManager.default.fileExists(atPath: staging.path))
        #expect(try store.bag.readManifest()[path] == Digest.sha256Hex(committed))
        try store.write { try $0.append([page("https://example.org/b", "b")]) }
        #expect(store.warcFiles().count == 1)
    }

    @Test func aSecondWriterWaitsThenGivesUpClearly() throws {
        let root = try temporaryFolder().appendingPathComponent("Archive")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let held = try ArchiveLock.acquire(path: root.appendingPathComponent(".lock").path, mode: .exclusive, timeout: 1)
        let start = Date()
        do {
            _ = try ArchiveLock.acquire(path: root.appendingPathComponent(".lock").path, mode: .exclusive, timeout: 0.3)
            Issue.record("second lock was granted")
        } catch let error as CorpusError {
            #expect(error.stage == .lock)
            #expect(error.reason.contains("gave up after"))
            #expect(error.reason.contains("pid \(getpid())"))
        }
        #expect(Date().timeIntervalSince(start) >= 0.3)
        withExtendedLifetime(held) {}
    }

    @Test(arguments: ["../x", "a/b", ".hidden", "", "-lead", "UPPER", "ok-id-12"])
    func recordIDsCannotEscape(id: String) {
        #expect(WriteSession.isSafeID(id) == (id == "ok-id-12"))
    }
}
