import Foundation

/// The pipeline stage in which something went wrong; it is part of every user-facing error.
public enum Stage: String, Sendable, Codable, Equatable {
    case read, config, fetch, decode, clean, classify, archive, record, lock, verify, validate, warc
}

/// An error that names the file, the stage and the reason in one line.
///
/// Libraries throw it; only the executable decides which exit code it becomes.
public struct CorpusError: Error, Equatable, Sendable, CustomStringConvertible {
    public let file: String
    public let stage: Stage
    public let reason: String
    /// Configuration errors are the user's to fix before anything can run (exit 2).
    public var isConfiguration: Bool { stage == .config }

    public init(file: String, stage: Stage, reason: String) {
        self.file = file
        self.stage = stage
        self.reason = reason
    }

    public var description: String { "\(file): \(stage.rawValue): \(reason)" }
}
