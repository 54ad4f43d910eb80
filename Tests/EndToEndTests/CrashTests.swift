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
            let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: harness.archive.appendingPathComponent("data/corpus").path))?.filter { $0.hasPrefix(".") } ?? []
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
}
