import Archiving
import ArgumentParser
import CorpusKit
import Foundation

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Project root holding Config/, Inbox/ and Archive/ (default: $DCCORPUS_ROOT or the current folder).")
    var root: String?

    @Flag(name: .long, help: "Machine-readable JSON on stdout.")
    var json = false

    var rootURL: URL {
        let path = root ?? ProcessInfo.processInfo.environment["DCCORPUS_ROOT"] ?? FileManager.default.currentDirectoryPath
        return URL(fileURLWithPath: path).standardizedFileURL
    }

    var archiveURL: URL { rootURL.appendingPathComponent("Archive") }
    var inboxURL: URL { rootURL.appendingPathComponent("Inbox") }

    /// The archive under this root, with the configured lock wait.
    func archive(_ config: CorpusConfig) -> ArchiveStore {
        ArchiveStore(root: archiveURL, config: config)
    }

    /// Loads Config/; a broken config is a usage error (exit 2) with one line naming file and key.
    func loadConfig() throws -> CorpusConfig {
        do {
            return try CorpusConfig.load(root: rootURL)
        } catch let error as CorpusError {
            throw Fail.usage(error.description)
        }
    }

    /// Loads only Config/pipeline.toml, for commands that clean and write no record.
    func loadPipeline() throws -> PipelineConfig {
        do {
            return try CorpusConfig.loadPipeline(root: rootURL)
        } catch let error as CorpusError {
            throw Fail.usage(error.description)
        }
    }
}

/// How commands end: the executable alone maps outcomes to exit codes
/// (0 success, 1 problems found, 2 usage or configuration error).
enum Fail: Error {
    case usage(String)
    case problems
}

enum Output {
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data(("dccorpus: " + text + "\n").utf8))
    }

    /// One JSON value on one line (for streams of events).
    static func jsonLine<T: Encodable>(_ value: T) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        if let data = try? encoder.encode(value) {
            var line = data
            line.append(10)
            FileHandle.standardOutput.write(line)
        }
    }

    /// A JSON document, indented.
    static func jsonDocument<T: Encodable>(_ value: T) {
        if let json = try? JSONValue.from(value) { FileHandle.standardOutput.write(json.prettyData()) }
    }
}

/// Runs a command body and turns library errors into exit codes.
func guarded(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch Fail.usage(let message) {
        Output.error(message)
        throw ExitCode(2)
    } catch Fail.problems {
        throw ExitCode(1)
    } catch let error as CorpusError {
        Output.error(error.description)
        throw ExitCode(error.isConfiguration ? 2 : 1)
    }
}

extension String {
    /// The text padded with spaces to `width` characters for a column of terminal output; a
    /// longer text is kept whole (an id is never cut), and the row shifts instead.
    func column(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
