import Foundation
import Testing

/// What a newcomer meets first: the README's commands, the tour, progress on a terminal, and
/// the rough edges of a first try.
@Suite(.serialized) struct NewcomerTests {
    /// Every `dccorpus …` line of the README names a command that exists, and every flag it
    /// shows is in that command's help: the README cannot drift from the binary.
    @Test func everyCommandAndFlagTheReadmeShowsExists() throws {
        let readme = try String(contentsOf: Harness.repository.appendingPathComponent("README.md"), encoding: .utf8)
        let harness = try Harness()
        var checked = 0
        for line in readme.split(separator: "\n") {
            let text = line.trimmingCharacters(in: .whitespaces)
            guard text.hasPrefix("dccorpus") else { continue }
            // The command's own words, before a comment; `a|b|c` lists several subcommands.
            let words = (text.components(separatedBy: "  #").first ?? text).split(separator: " ").map(String.init)
            let commandWords = words.dropFirst().prefix { !$0.hasPrefix("-") && !$0.hasPrefix("[") && $0.first?.isLowercase == true }
            var chains: [[String]] = [[]]
            for word in commandWords.prefix(2) {
                let choices = word.split(separator: "|").map(String.init)
                guard choices.allSatisfy({ $0.allSatisfy { $0.isLetter || $0 == "-" } }) else { break }
                chains = chains.flatMap { chain in choices.map { chain + [$0] } }
            }
            for chain in chains {
                let help = try harness.run(chain + ["--help"])
                guard help.status == 0 else {
                    // A positional word (`dccorpus search 数字…`, `show ID`) ends the subcommand.
                    let shorter = Array(chain.dropLast())
                    let shorterHelp = shorter.isEmpty ? nil : try harness.run(shorter + ["--help"])
                    #expect(shorterHelp?.status == 0, "README: \(text)")
                    continue
                }
                for flag in words where flag.hasPrefix("--") || flag.hasPrefix("[--") {
                    let name =
                        flag.trimmingCharacters(in: CharacterSet(charactersIn: "[]…|.")).split(separator: "|").first
                        .map { String($0).split(separator: " ").first.map(String.init) ?? String($0) } ?? flag
                    let bare = name.split(separator: "=").first.map(String.init) ?? name
                    guard bare.hasPrefix("--") else { continue }
                    #expect(
                        help.stdout.contains(bare), "README: \(text): \(bare) is not in `dccorpus \(chain.joined(separator: " ")) --help`")
                }
                checked += 1
            }
        }
        #expect(checked >= 20, "the README's command lines were not found")
    }

    @Test func dccorpusAlonePrintsTheTourAndTheCommands() throws {
        let harness = try Harness()
        let alone = try harness.run(exactly: [], in: harness.root)
        #expect(alone.status == 0)
        #expect(alone.stdout.contains("A ten-line tour") && alone.stdout.contains("SUBCOMMANDS"), "\(alone.stdout)")
    }

    @Test func aWebAddressToIngestAndAnEmptySearchSayWhatToDo() throws {
        let harness = try Harness()
        // A web address is a rejected input (the other inputs of the command still go in).
        let address = try harness.run(["ingest", "https://example.com/page.html"])
        #expect(address.status == 1)
        #expect(address.stdout.contains("capture it with `dccorpus fetch --url https://example.com/page.html`"), "\(address.stdout)")
        let empty = try harness.run(["search", " "])
        #expect(empty.status == 2 && empty.stderr.contains("the query is empty"), "\(empty.stderr)")
    }

    /// Pages under many names (each its own input).
    func inputs(_ harness: Harness, count: Int) throws -> [String] {
        let folder = harness.root.appendingPathComponent("inputs")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let page = try String(contentsOf: Harness.fixtures.appendingPathComponent("pages/policy.wordpress.html"), encoding: .utf8)
        return try (0..<count).map { number in
            let file = folder.appendingPathComponent("page-\(number).html")
            try page.replacingOccurrences(
                of: "The Overall Layout Planning of Digital China Construction", with: "Commentary number \(number) on Digital China"
            )
            .replacingOccurrences(
                of: "href=\"https://digitalchinawinsthefuture.com/policy/\"", with: "href=\"https://example.org/commentary-\(number)/\""
            )
            .write(to: file, atomically: true, encoding: .utf8)
            return file.path
        }
    }

    /// The progress line shows on a terminal (a pseudo-terminal here) and not through a pipe.
    @Test func progressShowsOnATerminalAndNotThroughAPipe() throws {
        let harness = try Harness()
        let files = try inputs(harness, count: 12)
        let command = ([Harness.binary.path, "ingest", "--root", harness.root.path] + files).map { "'\($0)'" }.joined(separator: " ")
        let terminal = Process()
        terminal.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // script(1) runs the command on a pseudo-terminal and copies what it shows.
        terminal.arguments = ["script", "-qec", command, "/dev/null"]
        let output = Pipe()
        terminal.standardOutput = output
        terminal.standardError = Pipe()
        try terminal.run()
        let shown = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        terminal.waitUntilExit()
        #expect(shown.contains("\ringes" + "t: 12/12"), "\(shown.debugDescription)")
        // Through a pipe: the outcomes only.
        let piped = try harness.run(["ingest"] + files)
        #expect(!piped.stderr.contains("ingest: ") && !piped.stdout.contains("\r"), "\(piped.stderr)")
    }

    /// Ctrl-C during a large ingest: it stops between inputs, commits what it decided, says how
    /// far it got, and the archive verifies; nothing it did not take is lost.
    @Test func ctrlCStopsAnIngestCleanlyBetweenInputs() throws {
        let harness = try Harness()
        let files = try inputs(harness, count: 400)
        let process = Process()
        process.executableURL = Harness.binary
        process.arguments = ["ingest", "--root", harness.root.path] + files
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        Thread.sleep(forTimeInterval: 0.4)
        process.interrupt()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let listed = printed.split(separator: "\n").filter { $0.hasPrefix("ingested") }.count
        if said.contains("stopped (Ctrl-C)") {
            #expect(process.terminationStatus == 1)
            #expect(said.contains("after \(listed) of 400 inputs"), "\(said)")
            #expect(listed < 400)
        } else {
            #expect(listed == 400, "finished before the signal, or killed by it: \(said)")
        }
        #expect(try harness.run(["verify"]).status == 0)
        let listedIDs = try JSONSerialization.jsonObject(with: Data(try harness.run(["list", "--json"]).stdout.utf8)) as! [[String: Any]]
        #expect(listedIDs.count == listed)
        // Run again: the rest come in, nothing twice.
        let again = try harness.run(["ingest"] + files)
        #expect(again.status == 0)
        #expect(again.lines.filter { $0.hasPrefix("ingested") }.count == 400 - listed)
    }
}

/// Checks that cannot run say so, and fail in CI (CI=true) instead of passing with nothing measured.
@Suite struct ChecksThatCannotRunTests {
    func run(_ arguments: [String], environment: [String: String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = environment.map { "\($0.key)=\($0.value)" } + arguments
        process.currentDirectoryURL = Harness.repository
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test func theUnitCheckWithoutSystemdAnalyzeFailsInCIAndSaysWhy() throws {
        // A PATH with the few tools the script needs and no systemd-analyze.
        let bin = FileManager.default.temporaryDirectory.appendingPathComponent("dccorpus-path-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: bin) }
        for tool in ["bash", "dirname"] {
            try FileManager.default.createSymbolicLink(
                atPath: bin.appendingPathComponent(tool).path, withDestinationPath: "/usr/bin/\(tool)")
        }
        let script = Harness.repository.appendingPathComponent("Scripts/check-units.sh").path
        let inCI = try run(["bash", script], environment: ["PATH": bin.path, "CI": "true"])
        #expect(inCI.status == 1 && inCI.output.contains("CANNOT RUN: systemd-analyze is missing"), "\(inCI.output)")
        let elsewhere = try run(["bash", script], environment: ["PATH": bin.path, "CI": "false"])
        #expect(elsewhere.status == 0 && elsewhere.output.contains("SKIPPED"), "\(elsewhere.output)")
    }

    @Test func theQualityGateWithNoBenchmarkAtAllFailsInCIAndSaysWhy() throws {
        let gate = Harness.repository.appendingPathComponent("Scripts/quality-gate.py").path
        let nowhere = "/nonexistent/dccorpus-bench"
        let inCI = try run(
            ["python3", gate, Harness.binary.path],
            environment: ["DCCORPUS_BENCH": nowhere, "DCCORPUS_GATE_SAMPLE": nowhere, "CI": "true"])
        #expect(inCI.status == 1, "\(inCI.output)")
        #expect(inCI.output.contains("quality gate wcxb-dev: CANNOT RUN"), "\(inCI.output)")
        #expect(inCI.output.contains("quality gate genre kind_accuracy"), "the gates that can run still run: \(inCI.output)")
    }
}
