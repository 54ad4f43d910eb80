import ArgumentParser
import CorpusKit
import Fetching
import Foundation
import Ingestion

struct Fetch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Fetch configured sources and/or ad-hoc URLs into the archive and corpus.",
        discussion: "Without --source or --url, every enabled source of Config/sources.toml is fetched.")

    @OptionGroup var options: GlobalOptions
    @Option(name: .customLong("source"), help: "A source id from Config/sources.toml (repeatable).") var sources: [String] = []
    @Option(name: .customLong("url"), help: "An http(s) URL with no config entry (repeatable).") var urls: [String] = []
    @Option(name: .long, help: "Per-request time limit in seconds (overrides pipeline.toml fetch.timeout_seconds).") var timeout: Double?

    func validate() throws {
        if let timeout, timeout <= 0 { throw ValidationError("--timeout must be positive") }
        for url in urls {
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil else {
                throw ValidationError("--url \(url): only http and https URLs can be fetched")
            }
        }
    }

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            let targets = try FetchCommand.targets(root: options.rootURL, sourceIDs: sources, urls: urls)
            let outcomes = try FetchCommand.fetch(targets, config: config, options: options, timeout: timeout)
            if outcomes.contains(where: { $0.status == .failed || $0.status == .conflict }) { throw Fail.problems }
        }
    }
}

/// Shared by `fetch` and `run`.
enum FetchCommand {
    static func targets(root: URL, sourceIDs: [String], urls: [String]) throws -> [FetchTarget] {
        let entries: [SourceEntry]
        do { entries = try SourceEntry.load(root: root) } catch let error as CorpusError { throw Fail.usage(error.description) }
        var targets: [FetchTarget] = []
        if sourceIDs.isEmpty && urls.isEmpty {
            targets = entries.filter(\.enabled).map { FetchTarget(url: $0.url, source: $0) }
        }
        for id in sourceIDs {
            guard let entry = entries.first(where: { $0.id == id }) else {
                throw Fail.usage("\(root.appendingPathComponent("Config/sources.toml").path): config: no source with id \"\(id)\"")
            }
            targets.append(FetchTarget(url: entry.url, source: entry))
        }
        targets += urls.map { FetchTarget(url: $0, source: nil) }
        return targets
    }

    static func hostPolicies(root: URL) throws -> [HostPolicy] {
        do { return try HostPolicy.load(root: root) } catch let error as CorpusError { throw Fail.usage(error.description) }
    }

    static func fetch(_ targets: [FetchTarget], config: CorpusConfig, options: GlobalOptions, timeout: Double?) throws -> [FetchOutcome] {
        var limits = config.pipeline.fetch
        if let timeout { limits.timeoutSeconds = timeout }
        let ingestor = SearchSync.indexing(Ingestor(archiveRoot: options.archiveURL, config: config), options)
        var job = FetchJob(ingestor: ingestor, limits: limits, hostPolicies: try hostPolicies(root: options.rootURL))
        let progress = ProgressLine("fetch", options: options)
        Interruption.install()
        let outcomes = try job.run(targets) { done, total in progress.update(done, of: total) }
        progress.finish()
        if Interruption.requested {
            Output.error(
                "stopped (Ctrl-C): the pages fetched before it are committed; the others are listed as failed and were not written")
        }
        for note in job.notes { Output.error("note: \(note)") }
        SearchSync.refresh(options, store: ingestor.store)
        LogTimestamping.stampHead(options, store: ingestor.store, config: config)
        Report.outcomes(outcomes, json: options.json)
        if !options.json {
            Output.line(
                Report.counts(
                    "fetch", outcomes,
                    [
                        ("fetched", "fetched"), ("changed", "changed"), ("unchanged", "unchanged"), ("failed", "failed"),
                        ("conflict", "conflicts")
                    ]))
        }
        return outcomes
    }
}
