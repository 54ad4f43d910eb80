import ArgumentParser
import CorpusKit
import Foundation
import Ingestion
import Integrity
import Watching

struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Watch Inbox/: archive every file that lands there, or quarantine it with the reason.",
        discussion: """
            Files are taken when written and closed (IN_CLOSE_WRITE) or renamed in (IN_MOVED_TO); hidden and
            temporary names (.*, *.part, *.tmp, *.crdownload, *~, *.swp) wait until renamed to a real name.
            Subfolders are not processed. Validation re-runs after each batch. A batch that cannot be archived
            (a full disk, a read-only archive, a lock held too long) leaves its files in Inbox/ and is retried.
            SIGINT/SIGTERM end the watcher after the current batch, with exit 0.
            """)

    @OptionGroup var options: GlobalOptions
    @Flag(name: .long, help: "Process what is in Inbox/ now, validate, and exit.") var once = false
    @Option(name: .long, help: "Seconds to wait before retrying a batch that could not be archived.")
    var retrySeconds: Double = 10

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            // A drop's event does not wait for the search index to commit: it commits while the
            // watcher takes the next drop (before validating and on stop, it is waited for).
            var ingestor = SearchSync.indexing(
                Ingestor(archiveRoot: options.archiveURL, config: config), options, background: !once)
            ingestor.onWarning = { Output.error("warning: \($0.description)") }
            defer { SearchSync.waitForBackground() }
            let watcher = InboxWatcher(inbox: InboxFolder(url: options.inboxURL), ingestor: ingestor)
            guard retrySeconds > 0 && retrySeconds <= 86_400 else { throw Fail.usage("--retry-seconds must be between 0 and 86400") }
            watcher.retryDelay = retrySeconds
            var rejected = false
            let findings = Validator.FindingsCache()  // validation re-checks only changed records
            let json = options.json
            try watcher.run(
                once: once,
                emit: { event in
                    if event.event == .rejected { rejected = true }
                    switch (json, event.event) {
                    case (false, .validated): Output.line("validated: \(event.humanDetail)")
                    case (false, .note): Output.error(event.humanDetail)
                    default: Report.line(event, json: json)
                    }
                },
                validate: {
                    let report = try ingestor.store.read { Validator(config: config).validate(store: ingestor.store, cache: findings) }
                    // Inbox/ is quiet: recent documents are folded into the search postings now,
                    // not by a later drop.
                    SearchSync.refresh(options, store: ingestor.store, settle: true)
                    LogTimestamping.stampHead(options, store: ingestor.store, config: config)
                    return (report.errors.count, report.warnings.count)
                })
            if once && rejected { throw Fail.problems }
        }
    }
}
