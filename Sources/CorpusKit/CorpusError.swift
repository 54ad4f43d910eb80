import Foundation

/// The pipeline stage in which something went wrong; it is part of every user-facing error.
public enum Stage: String, Sendable, Codable, Equatable {
    case read, config, fetch, decode, clean, classify, archive, record, lock, verify, validate, warc, reprocess
}

/// An error that names the file, the stage and the reason in one line.
///
/// Libraries throw it; only the executable decides which exit code it becomes.
public struct CorpusError: Error, Equatable, Sendable, CustomStringConvertible {
    public let file: String
    public let stage: Stage
    public let reason: String
    /// The `errno` behind a failed system call, when there was one (a full disk is `ENOSPC`).
    public let systemCode: Int32?
    /// Configuration errors are the user's to fix before anything can run (exit 2).
    public var isConfiguration: Bool { stage == .config }

    public init(file: String, stage: Stage, reason: String, systemCode: Int32? = nil) {
        self.file = file
        self.stage = stage
        self.reason = reason
        self.systemCode = systemCode
    }

    /// Always one line: control characters in a file name or a quoted excerpt are escaped
    /// (`oneLine` does the same for the file names in outcome lines).
    public var description: String { "\(Self.oneLine(file)): \(stage.rawValue): \(Self.oneLine(reason))" }

    public static func oneLine(_ text: String) -> String {
        func isBreaking(_ scalar: Unicode.Scalar) -> Bool {
            scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x85 || scalar.value == 0x2028 || scalar.value == 0x2029
        }
        guard text.unicodeScalars.contains(where: isBreaking) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where isBreaking(scalar):
                result += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
