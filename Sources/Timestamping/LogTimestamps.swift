import CorpusKit
import Foundation
import SwiftASN1
import Synchronization
import X509

/// RFC 3161 timestamps of the commit log's head, kept in the bag beside the log
/// (`timestamps/entry-<n>.tsq` and `.tsr`, n counted from 1 as `verify` names entries): each
/// a TSA's signed statement that the entry's exact line existed at its time. A log whose last
/// entries were removed and re-signed is caught by a timestamp that names a later entry, or an
/// entry whose line it no longer is.
public enum LogTimestamps {
    public static let folder = "timestamps"

    static func url(_ root: URL, entry: Int, suffix: String) -> URL {
        root.appendingPathComponent(folder).appendingPathComponent("entry-\(entry).\(suffix)")
    }

    /// The entries (1-based) that have a timestamp, from the folder's file names.
    public static func stampedEntries(_ root: URL) -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(folder).path)) ?? []
        return names.compactMap { name -> Int? in
            guard name.hasPrefix("entry-"), name.hasSuffix(".tsr") else { return nil }
            return Int(name.dropFirst(6).dropLast(4))
        }.sorted()
    }

    /// The request for entry `number`'s line: its SHA-256, a fresh nonce, the TSA's certificate asked for.
    public static func request(for line: Data) -> TimeStampRequest { TimeStampRequest(hashing: line) }

    /// Checks the TSA's answer for entry `number` and keeps it (request and response) in the bag.
    public static func keep(
        response: Data, request: TimeStampRequest, entry number: Int, root: URL, trustRoots: [Certificate]
    ) throws -> Date {
        let request = request
        let verified = try blocking {
            try await RFC3161.verifyResponse(Array(response), for: request, trustRoots: trustRoots)
        }
        try FileIO.makeFolder(root.appendingPathComponent(folder))
        try FileIO.writeAtomically(Data(try request.derEncoded()), to: url(root, entry: number, suffix: "tsq"), durable: true)
        try FileIO.writeAtomically(response, to: url(root, entry: number, suffix: "tsr"), durable: true)
        return verified.genTime
    }

    /// What the timestamps say of the log `lines` (each without its line feed).
    public struct Check: Sendable {
        public var stamped: [(entry: Int, time: Date)] = []
        public var problems: [(file: String, message: String)] = []
    }

    public static func check(root: URL, lines: [Data], trustRoots: [Certificate]?) -> Check {
        var check = Check()
        for number in stampedEntries(root) {
            let file = "\(folder)/entry-\(number).tsr"
            guard number >= 1, number <= lines.count else {
                check.problems.append(
                    (
                        file,
                        "a timestamp names entry \(number), but the log has \(lines.count) entries: entries were removed after it was stamped"
                    ))
                continue
            }
            guard let trustRoots, !trustRoots.isEmpty else {
                check.problems.append((file, "cannot check the timestamp: Config/integrity.toml names no timestamp.tsa_certificates"))
                continue
            }
            do {
                guard let response = FileManager.default.contents(atPath: url(root, entry: number, suffix: "tsr").path) else {
                    throw TimestampError.malformed("unreadable")
                }
                let stored = FileManager.default.contents(atPath: url(root, entry: number, suffix: "tsq").path)
                let nonce = try stored.map { try TimeStampRequest(derEncoded: Array($0)).nonce } ?? nil
                let parsed = try TimeStampResponse(derEncoded: Array(response))
                guard let token = parsed.token else { throw TimestampError.missingToken }
                let line = lines[number - 1]
                let verified = try blocking {
                    try await RFC3161.verifyToken(
                        token, hash: .sha256, hashedMessage: TimestampHash.sha256.digest(line), nonce: nonce, trustRoots: trustRoots)
                }
                check.stamped.append((number, verified.genTime))
            } catch TimestampError.imprintMismatch {
                check.problems.append(
                    (file, "the timestamp of entry \(number) is for another line: the entry was changed or the log re-signed after it"))
            } catch {
                check.problems.append((file, "the timestamp of entry \(number) does not hold: \(error)"))
            }
        }
        return check
    }

    /// The certificates in a PEM file (a TSA's root, and any intermediates).
    public static func certificates(pemFile: String) throws -> [Certificate] {
        guard let text = FileManager.default.contents(atPath: pemFile).map({ String(decoding: $0, as: UTF8.self) }) else {
            throw CorpusError(file: pemFile, stage: .config, reason: "timestamp.tsa_certificates cannot be read")
        }
        do {
            return try PEMDocument.parseMultiple(pemString: text).map { try Certificate(pemDocument: $0) }
        } catch {
            throw CorpusError(file: pemFile, stage: .config, reason: "timestamp.tsa_certificates: not PEM certificates (\(error))")
        }
    }

    /// Runs swift-certificates' asynchronous checks from synchronous code (a command-line
    /// tool's commands are synchronous; the task does no I/O that could wait on this thread).
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let result = Mutex<Result<T, Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                let value = try await body()
                result.withLock { $0 = .success(value) }
            } catch {
                result.withLock { $0 = .failure(error) }
            }
            done.signal()
        }
        done.wait()
        return try result.withLock { $0! }.get()
    }
}
