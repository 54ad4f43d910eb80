import Foundation
import Testing

/// Kills writers at random moments and checks that the archive still verifies and that a re-run
/// brings in every input exactly once.
@Suite struct CrashTests {
    @Test func killedIngestsLeaveAVerifiableArchive() throws {
        let harness = try Harness()
        let inputs = harness.root.appendingPathComponent("inputs")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        var paths: [String] = []
        for relative in Harness.seeds + ["pages/lesson-12-source.gb2312.html", "pages/lesson-12.words.txt", "pages/policy.wordpress.html"] {
            paths.append(try harness.copyFixture(relative, to: inputs).path)
        }
        var generator = SystemRandomNumberGenerator()
        let trials = 12
        for trial in 0..<trials {
            // Each trial ingests one more input, so kills land in every phase over the trials.
            let process = harness.start(["ingest"] + paths.shuffled(using: &generator))
            usleep(UInt32.random(in: 1_000...150_000, using: &generator))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let verify = try harness.run(["verify"])
            #expect(verify.status == 0, "trial \(trial): \(verify.stdout)")
            let leftovers =
                (try? FileManager.default.contentsOfDirectory(atPath: harness.archive.appendingPathComponent("data/corpus").path))?.filter {
                    $0.hasPrefix(".")
                } ?? []
            #expect(leftovers.isEmpty)
        }
        let final = try harness.run(["ingest", "--json"] + paths)
        #expect(final.status == 0, "\(final.stdout)")
        let list = try harness.run(["list", "--json"])
        let ids = (try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as! [[String: Any]]).map { $0["id"] as! String }
        #expect(ids.count == 6)  // the policy text comes twice (text and WordPress page): one document, two versions
        #expect(Set(ids).count == ids.count)
        #expect(try harness.run(["verify", "--rebuild"]).status == 0)
    }

    /// A configuration change outdates every record; `reprocess` killed at random moments leaves
    /// an archive that verifies, and a re-run brings every record up to date.
    @Test func killedReprocessLeavesAVerifiableArchive() throws {
        let harness = try Harness()
        let paths =
            Harness.seeds.map { Harness.fixtures.appendingPathComponent($0).path }
            + ["pages/lesson-12-source.gb2312.html", "pages/lesson-12.words.txt", "pages/glossary.sections.html"].map {
                Harness.fixtures.appendingPathComponent($0).path
            }
        #expect(try harness.run(["ingest"] + paths).status == 0)
        let lexicon = harness.root.appendingPathComponent("Config/lexicon.toml")
        let text = try String(contentsOf: lexicon, encoding: .utf8)
        #expect(text.contains("en = [\"why accelerate\","))
        try text.replacingOccurrences(of: "en = [\"why accelerate\",", with: "en = [\"digital china\", \"why accelerate\",")
            .write(to: lexicon, atomically: true, encoding: .utf8)
        var generator = SystemRandomNumberGenerator()
        for trial in 0..<10 {
            let process = harness.start(["reprocess"])
            usleep(UInt32.random(in: 1_000...120_000, using: &generator))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let verify = try harness.run(["verify"])
            #expect(verify.status == 0, "trial \(trial): \(verify.stdout)")
        }
        let final = try harness.run(["reprocess", "--json"])
        #expect(final.status == 0, "\(final.stdout)\(final.stderr)")
        let again = try harness.run(["reprocess", "--json"])
        #expect(try again.jsonLines().allSatisfy { $0["status"] as? String == "unchanged" }, "\(again.stdout)")
        #expect(try harness.run(["verify", "--rebuild", "--strict"]).status == 0)
    }

    @Test func concurrentIngestsQueueOnTheLock() throws {
        let harness = try Harness()
        let processes = Harness.seeds.map { seed in
            harness.start(["ingest", "--json", Harness.fixtures.appendingPathComponent(seed).path])
        }
        for process in processes {
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
        }
        let list = try harness.run(["list", "--json"])
        #expect((try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as! [Any]).count == 4)
        #expect(try harness.run(["verify"]).status == 0)
    }

    /// `watch` and `run` both take files from Inbox/ while four `ingest`s run beside them. A file
    /// the other one took first used to be quarantined as "No such file", and the watcher died.
    @Test func watchRunAndFourIngestsShareOneRoot() throws {
        let harness = try Harness()
        let template = try String(contentsOf: Harness.fixtures.appendingPathComponent("pages/policy.wordpress.html"), encoding: .utf8)
        func page(_ title: String) -> Data {
            Data(template.replacingOccurrences(of: "The Overall Layout Planning of Digital China Construction", with: title).utf8)
        }
        let outside = harness.root.appendingPathComponent("inputs")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        let watcher = harness.start(["watch", "--json"])
        usleep(300_000)
        var expected = 0
        var ingests: [Process] = []
        for batch in 0..<4 {
            var paths: [String] = []
            for n in 0..<3 {
                let url = outside.appendingPathComponent("ingest-\(batch)-\(n).html")
                try page("Concurrent Ingest \(batch) Commentary \(n) on Digital China").write(to: url)
                paths.append(url.path)
            }
            ingests.append(harness.start(["ingest"] + paths))
            expected += paths.count
        }
        func drop(_ name: String) throws {
            let hidden = harness.inbox.appendingPathComponent(".\(name).part")
            try page("Concurrent Inbox \(name) Commentary on Digital China").write(to: hidden)
            try FileManager.default.moveItem(at: hidden, to: harness.inbox.appendingPathComponent(name))
            expected += 1
        }
        for n in 0..<4 { try drop("run-\(n).html") }
        let runner = harness.start(["run", "--offline"])
        for n in 0..<8 {
            try drop("drop-\(n).html")
            usleep(20_000)
        }
        var shown = ""
        for process in ingests + [runner] {
            let out = (process.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile()
            let err = (process.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            shown += String(decoding: out + err, as: UTF8.self)
            #expect(
                process.terminationStatus == 0 || process === runner && process.terminationStatus == 1,
                "\(process.arguments ?? []): \(String(decoding: err, as: UTF8.self))")
        }
        for _ in 0..<300
        where ((try? FileManager.default.contentsOfDirectory(atPath: harness.inbox.path)) ?? []).contains(where: { !$0.hasPrefix(".") }) {
            usleep(100_000)
        }
        kill(watcher.processIdentifier, SIGTERM)
        let watcherErr = (watcher.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile()
        let watcherOut = (watcher.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile()
        watcher.waitUntilExit()
        shown += String(decoding: watcherOut + watcherErr, as: UTF8.self)
        #expect(watcher.terminationStatus == 0, "\(String(decoding: watcherErr, as: UTF8.self))")
        #expect(!shown.contains(": lock: ") && !shown.contains("busy"), "\(shown)")
        let rejections = shown.split(separator: "\n").filter { $0.hasPrefix("rejected") || $0.contains("\"status\":\"rejected\"") }
        #expect(rejections.isEmpty, "\(rejections)")
        let left = try FileManager.default.contentsOfDirectory(atPath: harness.inbox.path)
        #expect(left.allSatisfy { $0.hasPrefix(".") } && !left.contains(".rejected"), "\(left)")
        let list = try harness.run(["list", "--json"])
        #expect((try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as! [Any]).count == expected)
        #expect(try harness.run(["verify"]).status == 0)
    }
}
