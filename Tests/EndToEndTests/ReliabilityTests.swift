import Foundation
import Testing

/// Broken configuration, permissions and paths: each a clear one-line error, nothing lost.
@Suite struct ReliabilityTests {
    /// A change to one of the Config files, and what the one-line error must say.
    struct ConfigBreak: CustomTestStringConvertible, Sendable {
        var file: String
        var change: @Sendable (String) -> String?   // nil: delete the file
        var expected: String
        var testDescription: String { "\(file): \(expected)" }
    }

    static let breaks: [ConfigBreak] = [
        ConfigBreak(file: "pipeline.toml", change: { $0.replacingOccurrences(of: "max_blocks =", with: "max_block =") },
                    expected: "unknown key limits.max_block"),
        ConfigBreak(file: "pipeline.toml", change: { $0 + "\n[limits2]\nx = 1\n" }, expected: "unknown key limits2"),
        ConfigBreak(file: "pipeline.toml", change: { $0.replacingOccurrences(of: "max_redirects = ", with: "max_redirects = \"five\" #") },
                    expected: "fetch.max_redirects must be an integer"),
        ConfigBreak(file: "pipeline.toml", change: { $0.replacingOccurrences(of: "max_redirects = ", with: "max_redirects = 5000 #") },
                    expected: "fetch.max_redirects must be between 0 and 50"),
        ConfigBreak(file: "pipeline.toml", change: { $0 + "\n[limits\n" }, expected: "line "),
        ConfigBreak(file: "pipeline.toml", change: { $0 + "\n[#\n" }, expected: "a table header must start with a key"),
        ConfigBreak(file: "pipeline.toml", change: { $0 + "\ns = [}\n" }, expected: "does not close"),
        ConfigBreak(file: "pipeline.toml", change: { _ in nil }, expected: "missing or unreadable"),
        ConfigBreak(file: "lexicon.toml", change: { $0.replacingOccurrences(of: "slug = \"digital-infrastructure\"", with: "") },
                    expected: "slug is required"),
        ConfigBreak(file: "lexicon.toml", change: { $0.replacingOccurrences(of: "slug = \"digital-infrastructure\"", with: "slug = \"data-resources\"") },
                    expected: "is used twice"),
        ConfigBreak(file: "lexicon.toml", change: { text in
            text.components(separatedBy: "\n").filter { !$0.hasPrefix("[[topics]]") && !$0.hasPrefix("slug") && !$0.hasPrefix("zh") && !$0.hasPrefix("lesson") && !$0.hasPrefix("en ") && !$0.hasPrefix("en=") }.joined(separator: "\n")
        }, expected: "topics"),
        ConfigBreak(file: "lexicon.toml", change: { $0 + "\n[[kind_rules]]\nkind = \"novel\"\nphrases = [\"x\"]\n" }, expected: "unknown kind \"novel\""),
        ConfigBreak(file: "lexicon.toml", change: { $0 + "\n[[kind_rules]]\nkind = \"commentary\"\nphrases = [\"\"]\n" },
                    expected: "phrases must be a non-empty list"),
        ConfigBreak(file: "lexicon.toml", change: { "colour = 1\n" + $0 }, expected: "unknown key colour"),
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
        #expect(run.status != 0)
        let reason = harness.inbox.appendingPathComponent(".rejected/locked.txt.error.json")
        let body = try JSONSerialization.jsonObject(with: Data(contentsOf: reason)) as! [String: Any]
        #expect((body["reason"] as? String ?? "").contains("Permission denied"))
        #expect(FileManager.default.fileExists(atPath: harness.inbox.appendingPathComponent(".rejected/locked.txt").path))
    }

    @Test func aReadOnlyArchiveCanBeVerifiedButNotWritten() throws {
        let harness = try Harness()
        let first = try harness.copyFixture("seeds/000_cab2845c5521bb26.txt", to: harness.root)
        #expect(try harness.run(["ingest", first.path]).status == 0)
        try FileManager.default.removeItem(at: harness.archive.appendingPathComponent(".lock"))
        try harness.giveToUnprivilegedUser()
        let folders = [harness.archive.path] + (FileManager.default.subpaths(atPath: harness.archive.path) ?? [])
            .map { harness.archive.appendingPathComponent($0).path }
        for path in folders { chmod(path, isFolder(path) ? 0o555 : 0o444) }
        defer { for path in folders { chmod(path, isFolder(path) ? 0o755 : 0o644) } }

        for command in [["verify"], ["validate"], ["list"], ["history", "lesson-5"]] {
            let result = try harness.run(command, unprivileged: true)
            #expect(result.status == 0 || command == ["history", "lesson-5"], "\(command): \(result.stderr)")
            #expect(!result.stderr.contains("lock"), "\(command): \(result.stderr)")
        }
        let dropped = try harness.copyFixture("seeds/001_e888cff12df4c64b.txt", to: harness.inbox)
        try harness.giveToUnprivilegedUser()
        for command in [["ingest", dropped.path], ["run", "--offline"], ["watch", "--once"]] {
            let result = try harness.run(command, unprivileged: true)
            #expect(result.status != 0, "\(command)")
            #expect(result.stderr.contains("Archive/.lock: lock: cannot open lock file: Permission denied (the archive is not writable by this user)"),
                    "\(command): \(result.stderr)")
        }
        #expect(FileManager.default.fileExists(atPath: dropped.path), "the Inbox file was lost")
        #expect(!FileManager.default.fileExists(atPath: harness.inbox.appendingPathComponent(".rejected").path), "quarantined for the archive's fault")
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
