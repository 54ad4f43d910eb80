import ArgumentParser
import Foundation
import Integrity
import Synchronization

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the fixity of every archived file and record; --rebuild re-derives each record from its raw capture.")

    @OptionGroup var options: GlobalOptions
    @Flag(name: .long, help: "Re-run clean and classify on each capture and compare with the stored record.") var rebuild = false
    @Flag(name: .long, help: "Only the bag's fixity (manifests, Payload-Oxum): the fast pass for large archives.") var fixityOnly = false
    @Flag(name: .long, help: "With --rebuild: records made by another pipeline version are problems (exit 1), not warnings.") var strict =
        false

    func validate() throws {
        if rebuild && fixityOnly { throw ValidationError("--rebuild and --fixity-only exclude each other") }
    }

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            let store = options.archive(config)
            let lines = Mutex<[String: ProgressLine]>([:])
            var verifier = Verifier(config: config)
            verifier.onProgress = { what, done, total in
                let line = lines.withLock { lines in
                    if let line = lines[what] { return line }
                    for earlier in lines.values { earlier.finish() }
                    let line = ProgressLine(what, options: options)
                    lines[what] = line
                    return line
                }
                line.update(done, of: total)
            }
            let report = try store.read {
                verifier.verify(store: store, rebuild: rebuild, fixityOnly: fixityOnly, strict: strict)
            }
            lines.withLock { lines in
                for line in lines.values { line.finish() }
            }
            if options.json {
                Output.jsonDocument(report)
            } else {
                for finding in report.problems { Output.line("problem  \(finding)") }
                if !strict { for finding in report.stale { Output.line("stale    \(finding)") } }
                let older = report.rebuilt.values.filter { $0 == .matchesRecordedConfig }.count
                if older > 0 {
                    Output.line(
                        "note: \(older) records match the earlier configuration they were made with; `dccorpus reprocess` updates them")
                }
                if let authenticity = report.authenticity {
                    Output.line(
                        authenticity.signed
                            ? "signed: \(authenticity.entries) commit log entries, the last \(authenticity.lastEntry ?? "undated"), "
                                + "key \(authenticity.keys.joined(separator: ", then "))"
                                + (authenticity.timestamps.last.map {
                                    "; entry \($0.entry) timestamped \($0.time) by the TSA (\(authenticity.timestamps.count) timestamps)"
                                } ?? "")
                            : "unsigned: no commit log (`dccorpus key init` signs every commit from the next one)")
                    if let unstamped = authenticity.unstamped, unstamped > 0 {
                        Output.line(
                            "note: \(unstamped) commit log entries after the last timestamp (the next writing command stamps the head)")
                    }
                }
                Output.line(
                    report.ok
                        ? "ok: \(report.checked) items verified" + (report.stale.isEmpty ? "" : " (\(report.stale.count) stale records)")
                        : "FAILED: \(report.problems.count) problems in \(report.checked) items")
            }
            if !report.ok { throw Fail.problems }
        }
    }
}
