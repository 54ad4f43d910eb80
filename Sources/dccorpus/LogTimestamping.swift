import Archiving
import CorpusKit
import Fetching
import Foundation
import Timestamping

/// After a command that commits: the commit log's head timestamped by the configured RFC 3161
/// authority (`[timestamp] tsa_url`), once per head, not per file. The answer is checked (the
/// imprint, the signature, the chain to `tsa_certificates`) before it is kept in the bag. A TSA
/// that cannot be reached costs a warning: the commits stand, and the next command stamps the
/// head it finds.
enum LogTimestamping {
    static func stampHead(_ options: GlobalOptions, store: ArchiveStore, config: CorpusConfig) {
        guard let tsa = config.integrity.tsaURL, let lines = CommitLog.lines(store.root), let head = lines.last else { return }
        let number = lines.count
        guard !LogTimestamps.stampedEntries(store.root).contains(number) else { return }
        do {
            guard let file = config.integrity.tsaCertificates else {
                throw CorpusError(
                    file: IntegrityConfig.fileName, stage: .config,
                    reason: "timestamp.tsa_url is set but timestamp.tsa_certificates is not: the answer could not be checked")
            }
            let roots = try LogTimestamps.certificates(pemFile: file)
            let request = LogTimestamps.request(for: head)
            var limits = config.pipeline.fetch
            limits.maxBodyBytes = 1 << 20
            let fetcher = Fetcher(
                limits: limits, userAgent: config.pipeline.userAgent,
                addresses: AddressPolicy(trustedHosts: [Fetcher.authority(of: tsa)], allowed: Set(limits.allowAddresses)))
            var answer: Result<FetchResponse, CorpusError>?
            fetcher.fetch([
                FetchRequest(
                    url: tsa, accept: "application/timestamp-reply", body: Data(try request.derEncoded()),
                    contentType: "application/timestamp-query")
            ]) { _, result in answer = result }
            guard case .success(let response)? = answer else {
                if case .failure(let error)? = answer { throw error }
                throw CorpusError(file: tsa, stage: .fetch, reason: "no answer")
            }
            guard response.status == 200 else { throw CorpusError(file: tsa, stage: .fetch, reason: "HTTP \(response.status)") }
            let time = try store.write { _ in
                try LogTimestamps.keep(response: response.body, request: request, entry: number, root: store.root, trustRoots: roots)
            }
            if !options.json { Output.error("timestamp: commit log entry \(number) stamped \(WARCDate.string(time)) by \(tsa)") }
        } catch {
            let reason = (error as? CorpusError)?.reason ?? "\(error)"
            Output.error("warning: the commit log's head (entry \(number)) was not timestamped: \(tsa): timestamp: \(reason)")
        }
    }
}
