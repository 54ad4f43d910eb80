import Foundation
import Testing

/// Broken configuration, permissions and paths: each a clear one-line error, nothing lost.
@Suite struct ReliabilityTests {
    /// A change to one of the Config files, and what the one-line error must say.
    struct ConfigBreak: CustomTestStringConvertible, Sendable {
        var file: String
        var change: @Sendable (String) -> String?  // nil: delete the file
        var expected: String
        var testDescription: String { "\(file): \(expected)" }
    }

    static let breaks: [ConfigBreak] = [
        ConfigBreak(
            file: "pipeline.toml", change: { $0.replacingOccurrences(of: "max_blocks =", with: "max_block =") },
            expected: "unknown key limits.max_block"),
        ConfigBreak(file: "pipeline.toml", change: { $0 + "\n[limits2]\nx = 1\n" }, expected: "unknown key limits2"),
        ConfigBreak(
            file: "pipeline.toml", change: { $0.replacingOccurrences(of: "max_redirects = ", with: "max_redirects = \"five\" #") },
            expected: "fetch.max_redirects must be an integer"),
        ConfigBreak(
            file: "pipeline.toml", change: { $0.replacingOccurrences(of: "max_redirects = ", with: "max_redirects = 5000 #") },
            expected: "fetch.max_redirects must be between 0 and 50"),
        ConfigBreak(file: "pipeline.toml", change: { $0 + "\n[limits\n" }, expected: "line "),
        ConfigBreak(file: "pipeline.toml", change: { $0 + "\n[#\n" }, expected: "a table header must start with a key"),
        ConfigBreak(file: "pipeline.toml", change: { $0 + "\ns = [}\n" }, expected: "does not close"),
        ConfigBreak(file: "pipeline.toml", change: { _ in nil }, expected: "missing or unreadable"),
        ConfigBreak(
            file: "lexicon.toml", change: { $0.replacingOccurrences(of: "slug = \"digital-infrastructure\"", with: "") },
            expected: "slug is required"),
        ConfigBreak(
            file: "lexicon.toml",
            change: { $0.replacingOccurrences(of: "slug = \"digital-infrastructure\"", with: "slug = \"data-resources\"") },
            expected: "is used twice"),
        ConfigBreak(
            file: "lexicon.toml",
            change: { text in
                text.components(separatedBy: "\n").filter {
                    !$0.hasPrefix("[[topics]]") && !$0.hasPrefix("slug") && !$0.hasPrefix("zh") && !$0.hasPrefix("lesson")
                        && !$0.hasPrefix("en ") && !$0.hasPrefix("en=")
                }.joined(separator: "\n")
            }, expected: "topics"),
        ConfigBreak(
            file: "lexicon.toml", change: { $0 + "\n[[kind_rules]]\nkind = \"novel\"\nphrases = [\"x\"]\n" },
            expected: "unknown kind \"novel\""),
        ConfigBreak(
            file: "lexicon.toml", change: { $0 + "\n[[kind_rules]]\nkind = \"commentary\"\nphrases = [\"\"]\n" },
            expected: "phrases must be a non-empty list"),
        ConfigBreak(file: "lexicon.toml", change: { "colour = 1\n" + $0 }, expected: "unknown key colour")
    ]

    @Test(arguments: breaks)
    func aBrokenConfigIsOneLineExitTwoForEveryCommand(_ broken: ConfigBreak) throws {
        let harness = try Harness()
        let url = harness.root.appendingPathComponent("Config/\(broken.file)")
        if let changed = broken.change(try String(contentsOf: url, encoding: .utf8)) {
            try changed.write(to: url, atomically: true, encoding: .utf8)
        } else {
            try FileManager.default.removeItem(at: url)
        }
        let input = try harness.copyFixture("seeds/000_cab2845c5521bb26.txt", to: harness.inbox)
        for command in [["validate"], ["run", "--offline"], ["watch", "--once"], ["ingest", input.path], ["verify"]] {
            let result = try harness.run(command)
            #expect(result.status == 2, "\(command): \(result.stderr)")
            #expect(result.stderr.hasPrefix("dccorpus: \(url.path): config: "), "\(command): \(result.stderr)")
            #expect(result.stderr.contains(broken.expected), "\(command): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(command): \(result.stderr)")
        }
        #expect(FileManager.default.fileExists(atPath: input.path), "the Inbox file was touched")
        // `clean` reads only pipeline.toml: broken, it stops the same way; a broken lexicon,
        // which cleaning never reads, does not stop it.
        let cleaned = try harness.run(["clean", input.path])
        if broken.file == "pipeline.toml" {
            #expect(cleaned.status == 2, "\(cleaned.stderr)")
            #expect(cleaned.stderr.hasPrefix("dccorpus: \(url.path): config: ") && cleaned.stderr.contains(broken.expected))
        } else {
            #expect(cleaned.status == 0, "\(cleaned.stderr)")
            #expect(cleaned.stdout.contains("Digital China"))
        }
    }

    @Test func aBrokenSourcesFileStopsFetchWithFileAndKey() throws {
        let harness = try Harness()
        let url = harness.root.appendingPathComponent("Config/sources.toml")
        try "[[source]]\nid = \"a\"\nurl = \"ftp://example.org/x\"\n".write(to: url, atomically: true, encoding: .utf8)
        let result = try harness.run(["fetch"])
        #expect(result.status == 2)
        #expect(result.stderr == "dccorpus: \(url.path): config: source[0].url must be an http or https URL\n")
    }

    @Test func anUnreadableInputIsRejectedAndLeftWhereItIs() throws {
        let harness = try Harness()
        let input = try harness.copyFixture("seeds/000_cab2845c5521bb26.txt", to: harness.root)
        try harness.giveToUnprivilegedUser()
        chmod(input.path, 0)
        let result = try harness.run(["ingest", input.path], unprivileged: true)
        #expect(result.status == 1)
        #expect(result.stdout.contains("\(input.path): read: Permission denied"), "\(result.stdout)")
        #expect(FileManager.default.fileExists(atPath: input.path))
        // In Inbox/, the watcher and the main job quarantine it with the reason instead.
        let dropped = harness.inbox.appendingPathComponent("locked.txt")
        try FileManager.default.moveItem(at: input, to: dropped)
        let run = try harness.run(["run", "--offline"], unprivileged: true)
        #expect(run.status == 1)
        let reason = harness.inbox.appendingPathComponent(".rejected/locked.txt.error.json")
        let body = try JSONSerialization.jsonObject(with: Data(contentsOf: reason)) as! [String: Any]
        #expect((body["reason"] as? String ?? "").contains("Permission denied"))
        #expect(FileManager.default.fileExists(atPath: harness.inbox.appendingPathComponent(".rejected/locked.txt").path))
    }

    /// Opening a named pipe for reading would wait for a writer for ever.
    @Test func aNamedPipeIsRejectedWithoutWaiting() throws {
        let harness = try Harness()
        let pipe = harness.root.appendingPathComponent("pipe.html")
        #expect(mkfifo(pipe.path, 0o644) == 0)
        for command in [["ingest", pipe.path], ["clean", pipe.path]] {
            let result = try harness.run(command)
            #expect(result.status == 1, "\(command)")
            #expect(
                (result.stdout + result.stderr).contains("\(pipe.path): read: not a regular file"),
                "\(command): \(result.stdout) \(result.stderr)")
        }
    }

    /// Writes `data` under a file name that is not UTF-8 (Foundation cannot even name it).
    static func writeUndecodable(_ data: Data, in folder: URL, name: [UInt8]) {
        let path = Array(folder.path.utf8) + [UInt8(ascii: "/")] + name + [0]
        let descriptor = path.withUnsafeBufferPointer {
            $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT | O_EXCL, 0o644) }
        }
        _ = data.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
    }

    /// An undecodable name used to leave the file in Inbox/ for ever, neither archived nor
    /// quarantined; it is renamed (bytes percent-encoded) and taken, by `run` and by `watch`.
    @Test func aFileNameThatIsNotUTF8IsRenamedAndTaken() throws {
        let harness = try Harness()
        let seed = try Data(contentsOf: Harness.fixtures.appendingPathComponent("seeds/000_cab2845c5521bb26.txt"))
        Self.writeUndecodable(seed, in: harness.inbox, name: Array("bad".utf8) + [0xFF] + Array("name.txt".utf8))
        let run = try harness.run(["run", "--offline"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("ingested   lesson-1"), "\(run.stdout)")
        #expect(run.stderr.contains("bad%FFname.txt: inbox: the file name was not valid UTF-8"), "\(run.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: harness.inbox.path).isEmpty)

        let watcher = WatchProcess(harness)
        let other = try Data(contentsOf: Harness.fixtures.appendingPathComponent("seeds/001_e888cff12df4c64b.txt"))
        Self.writeUndecodable(other, in: harness.root, name: [0xC3, 0x28] + Array(".txt".utf8))
        let staged = Array(harness.root.path.utf8) + [UInt8(ascii: "/"), 0xC3, 0x28] + Array(".txt".utf8) + [0]
        let target = Array(harness.inbox.path.utf8) + [UInt8(ascii: "/"), 0xC3, 0x28] + Array(".txt".utf8) + [0]
        #expect(
            staged.withUnsafeBufferPointer { from in
                target.withUnsafeBufferPointer { to in
                    rename(
                        UnsafeRawPointer(from.baseAddress!).assumingMemoryBound(to: CChar.self),
                        UnsafeRawPointer(to.baseAddress!).assumingMemoryBound(to: CChar.self))
                }
            } == 0)
        #expect(watcher.wait { _ in watcher.count("ingested") == 1 })
        #expect(watcher.stop() == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: harness.inbox.path).isEmpty)
    }

    @Test func aReadOnlyArchiveCanBeVerifiedButNotWritten() throws {
        let harness = try Harness()
        let first = try harness.copyFixture("seeds/000_cab2845c5521bb26.txt", to: harness.root)
        #expect(try harness.run(["ingest", first.path]).status == 0)
        try FileManager.default.removeItem(at: harness.archive.appendingPathComponent(".lock"))
        try harness.giveToUnprivilegedUser()
        let folders =
            [harness.archive.path]
            + (FileManager.default.subpaths(atPath: harness.archive.path) ?? [])
            .map { harness.archive.appendingPathComponent($0).path }
        for path in folders { chmod(path, isFolder(path) ? 0o555 : 0o444) }
        defer { for path in folders { chmod(path, isFolder(path) ? 0o755 : 0o644) } }

        for command in [["verify"], ["validate"], ["list"], ["history", "lesson-1"]] {
            let result = try harness.run(command, unprivileged: true)
            #expect(result.status == 0, "\(command): \(result.stderr)")
            #expect(!result.stderr.contains("lock"), "\(command): \(result.stderr)")
        }
        let dropped = try harness.copyFixture("seeds/001_e888cff12df4c64b.txt", to: harness.inbox)
        try harness.giveToUnprivilegedUser()
        for command in [["ingest", dropped.path], ["run", "--offline"], ["watch", "--once"]] {
            let result = try harness.run(command, unprivileged: true)
            #expect(result.status != 0, "\(command)")
            #expect(
                result.stderr.contains(
                    "Archive/.lock: lock: cannot open lock file: Permission denied (the archive is not writable by this user)"),
                "\(command): \(result.stderr)")
        }
        #expect(FileManager.default.fileExists(atPath: dropped.path), "the Inbox file was lost")
        #expect(
            !FileManager.default.fileExists(atPath: harness.inbox.appendingPathComponent(".rejected").path),
            "quarantined for the archive's fault")
    }

    func isFolder(_ path: String) -> Bool {
        var folder: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &folder) && folder.boolValue
    }

    @Test func aRecordIDThatWouldEscapeIsRefused() throws {
        let harness = try Harness()
        let show = try harness.run(["show", "../../etc/passwd"])
        #expect(show.status == 2)
        #expect(show.stderr == "dccorpus: ../../etc/passwd: show: not a record id\n")
        // A record file planted by hand with such an id is a validation error, not a path.
        let input = try harness.copyFixture("seeds/000_cab2845c5521bb26.txt", to: harness.root)
        #expect(try harness.run(["ingest", input.path]).status == 0)
        let corpus = harness.archive.appendingPathComponent("data/corpus")
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: corpus.path).first)
        var record = try String(contentsOf: corpus.appendingPathComponent(name), encoding: .utf8)
        record = record.replacingOccurrences(of: "\"id\": \"\(name.dropLast(5))\"", with: "\"id\": \"../../escaped\"")
        try record.write(to: corpus.appendingPathComponent(name), atomically: true, encoding: .utf8)
        let validate = try harness.run(["validate"])
        #expect(validate.status == 1)
        #expect(validate.stdout.contains("id \"../../escaped\" is not lower-case words joined by dashes"), "\(validate.stdout)")
        #expect(!FileManager.default.fileExists(atPath: harness.root.appendingPathComponent("escaped.json").path))
    }
}

/// Every size limit in pipeline.toml holds, with a message naming the limit, and the rest of a
/// batch goes on.
@Suite struct LimitTests {
    func harness(maxInput: Int, maxBlocks: Int, maxRecord: Int) throws -> Harness {
        let harness = try Harness()
        let url = harness.root.appendingPathComponent("Config/pipeline.toml")
        var text = try String(contentsOf: url, encoding: .utf8)
        text = text.replacingOccurrences(of: "max_input_bytes = 33554432", with: "max_input_bytes = \(maxInput)")
            .replacingOccurrences(of: "max_blocks = 100000", with: "max_blocks = \(maxBlocks)")
            .replacingOccurrences(of: "max_warc_record_bytes = 67108864", with: "max_warc_record_bytes = \(maxRecord)")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return harness
    }

    func paragraphs(_ count: Int, each: Int = 80) -> Data {
        let body = (0..<count).map { "<p>Paragraph \($0) on Digital China construction. " + String(repeating: "x", count: each) + "</p>" }
        return Data(
            ("<html><head><title>Limits Test Page</title></head><body><article><h1>Limits Test Page</h1>"
                + body.joined() + "</article></body></html>").utf8)
    }

    @Test func fileSizeAndBlockLimitsRejectOneFileAndKeepTheRest() throws {
        let harness = try harness(maxInput: 20_000, maxBlocks: 30, maxRecord: 1 << 20)
        let big = harness.root.appendingPathComponent("big.html")
        let many = harness.root.appendingPathComponent("many.html")
        try paragraphs(200).write(to: big)  // ~27 KB
        try paragraphs(60, each: 10).write(to: many)  // small, 60 blocks
        let fine = harness.root.appendingPathComponent("fine.html")
        try paragraphs(10).write(to: fine)
        let result = try harness.run(["ingest", big.path, many.path, fine.path])
        #expect(result.status == 1)
        #expect(
            result.stdout.contains(
                "\(big.path): read: file is \(try Data(contentsOf: big).count) bytes, over the 20000-byte limit (pipeline.toml limits.max_input_bytes)"
            ), "\(result.stdout)")
        #expect(
            result.stdout.contains("\(many.path): clean: page has more than 30 blocks (pipeline.toml limits.max_blocks)"),
            "\(result.stdout)")
        #expect(result.stdout.contains("ingested"))
        // The watcher applies the same limit and quarantines with the reason.
        try FileManager.default.copyItem(at: big, to: harness.inbox.appendingPathComponent("big.html"))
        _ = try harness.run(["watch", "--once"])
        let reason = try Data(contentsOf: harness.inbox.appendingPathComponent(".rejected/big.html.error.json"))
        #expect(String(decoding: reason, as: UTF8.self).contains("over the 20000-byte limit"))
    }

    /// A WARC record over the limit stops that file's import at that record with its offset; a
    /// plain WARC larger than the limit, made of small records, streams through.
    @Test func warcRecordLimitOnImport() throws {
        let harness = try harness(maxInput: 1 << 20, maxBlocks: 1000, maxRecord: 40_000)
        func record(_ uri: String, _ body: Data) -> Data {
            let block = Data("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n".utf8) + body
            return Data(
                "WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:\(UUID().uuidString.lowercased())>\r\nWARC-Date: 2025-04-12T10:00:00Z\r\nWARC-Target-URI: \(uri)\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: \(block.count)\r\n\r\n"
                    .utf8)
                + block + Data("\r\n\r\n".utf8)
        }
        let template = try String(contentsOf: Harness.fixtures.appendingPathComponent("pages/policy.wordpress.html"), encoding: .utf8)
        var small = Data()
        for n in 0..<4 {
            small += record(
                "https://example.org/p\(n)",
                Data(
                    template.replacingOccurrences(
                        of: "The Overall Layout Planning of Digital China Construction", with: "Streamed Record \(n) on Digital China"
                    ).utf8))
        }
        #expect(small.count > 40_000)
        let plain = harness.root.appendingPathComponent("small-records.warc")
        try small.write(to: plain)
        let streamed = try harness.run(["ingest", "--json", plain.path])
        #expect(streamed.status == 0, "\(streamed.stdout) \(streamed.stderr)")
        #expect(try streamed.jsonLines().filter { $0["status"] as? String == "ingested" }.count == 4)

        let huge = harness.root.appendingPathComponent("huge-record.warc")
        try (record("https://example.org/big", paragraphs(600)) + record("https://example.org/after", Data("<p>x</p>".utf8))).write(
            to: huge)
        let refused = try harness.run(["ingest", huge.path])
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("record at offset 0 has a "), "\(refused.stdout)")
        #expect(
            refused.stdout.contains("over the 40000-byte record limit (pipeline.toml limits.max_warc_record_bytes)"), "\(refused.stdout)")
        #expect(try harness.run(["verify"]).status == 0)
    }
}
