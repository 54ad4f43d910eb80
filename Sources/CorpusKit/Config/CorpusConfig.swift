import Foundation
import TOMLKit

/// Everything under `Config/` that shapes a record, with the hash that records carry.
public struct CorpusConfig: Sendable {
    public var pipeline: PipelineConfig
    public var lexicon: Lexicon
    /// SHA-256 over the exact bytes of pipeline.toml and lexicon.toml: a record built under
    /// another configuration says so.
    public var configSHA256: String
    /// The exact text of the files the hash is over (name, text), for keeping a copy in the bag.
    public var files: [(name: String, text: String)] = []
    /// `Config/integrity.toml` (signing key, timestamps): shapes no record, so not in the hash.
    public var integrity = IntegrityConfig()

    /// The version of the code that turns captures into records. Raise it with every change
    /// that can change a record: `verify --rebuild` then calls older records stale, not
    /// tampered, and `reprocess` brings them up to date.
    public static let pipelineVersion = "0.4.3"

    public static let fileNames = ["pipeline.toml", "lexicon.toml"]

    public init(pipeline: PipelineConfig, lexicon: Lexicon, configSHA256: String) {
        self.pipeline = pipeline
        self.lexicon = lexicon
        self.configSHA256 = configSHA256
    }

    /// Loads `Config/pipeline.toml` and `Config/lexicon.toml` below `root`; with no `Config/`
    /// folder at all, the configuration the repository ships (built in, byte for byte, so records
    /// carry the same config hash). A `Config/` that is there wins, and a broken one is an error.
    public static func load(root: URL) throws -> CorpusConfig {
        let folder = root.appendingPathComponent("Config")
        var isFolder: ObjCBool = false
        if !FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder) { return try shipped() }
        var config = try load(folder: folder)
        config.integrity = try IntegrityConfig.load(root: root)
        return config
    }

    /// Only `Config/pipeline.toml` below `root` (or the shipped one when there is no `Config/`):
    /// for commands that clean and nothing more, which need neither the lexicon nor the config
    /// hash a record carries (parsing the lexicon was a tenth of a one-page `clean`).
    public static func loadPipeline(root: URL) throws -> PipelineConfig {
        let folder = root.appendingPathComponent("Config", isDirectory: true)
        var isFolder: ObjCBool = false
        if !FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder) {
            return try parsePipeline(ShippedConfig.pipeline, file: "(built-in) pipeline.toml")
        }
        let url = folder.appendingPathComponent("pipeline.toml", isDirectory: false)
        return try parsePipeline(try readText(url), file: url.path)
    }

    /// The configuration the repository ships in `Config/`, built into the binary.
    public static func shipped() throws -> CorpusConfig {
        try make(
            pipelineText: ShippedConfig.pipeline, lexiconText: ShippedConfig.lexicon,
            pipelineFile: "(built-in) pipeline.toml", lexiconFile: "(built-in) lexicon.toml")
    }

    /// Loads `pipeline.toml` and `lexicon.toml` from `folder` (a project's `Config/`, or a copy
    /// the bag keeps of the configuration that made a record).
    public static func load(folder: URL) throws -> CorpusConfig {
        let pipelineURL = folder.appendingPathComponent("pipeline.toml")
        let lexiconURL = folder.appendingPathComponent("lexicon.toml")
        return try make(
            pipelineText: try readText(pipelineURL), lexiconText: try readText(lexiconURL),
            pipelineFile: pipelineURL.path, lexiconFile: lexiconURL.path)
    }

    private static func make(pipelineText: String, lexiconText: String, pipelineFile: String, lexiconFile: String) throws -> CorpusConfig {
        let pipeline = try parsePipeline(pipelineText, file: pipelineFile)
        let lexicon = try parseLexicon(lexiconText, file: lexiconFile)
        var config = CorpusConfig(pipeline: pipeline, lexicon: lexicon, configSHA256: hash(pipeline: pipelineText, lexicon: lexiconText))
        config.files = [("pipeline.toml", pipelineText), ("lexicon.toml", lexiconText)]
        return config
    }

    static func hash(pipeline: String, lexicon: String) -> String {
        Digest.sha256Hex(Data(("pipeline.toml\n" + pipeline + "\nlexicon.toml\n" + lexicon).utf8))
    }

    public static func readText(_ url: URL) throws -> String {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw CorpusError(file: url.path, stage: .config, reason: "missing or unreadable")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CorpusError(file: url.path, stage: .config, reason: "not valid UTF-8")
        }
        return text
    }

    /// `value` as the JSON conversion gives it (an integral float reads as an integer there),
    /// or nil for a value that conversion would write differently or reject (dates, times,
    /// infinities, NaN).
    static func converted(_ value: any TOMLValueConvertible) -> JSONValue? {
        switch value.type {
        case .table:
            guard let table = value.table else { return nil }
            var members: [String: JSONValue] = [:]
            for key in table.keys {
                guard let member = table[key], let converted = converted(member) else { return nil }
                members[key] = converted
            }
            return .object(members)
        case .array:
            guard let array = value.array else { return nil }
            var items: [JSONValue] = []
            for item in array {
                guard let converted = converted(item) else { return nil }
                items.append(converted)
            }
            return .array(items)
        case .string: return value.string.map { .string($0) }
        case .int: return value.int.map { .int(Int64($0)) }
        case .bool: return value.bool.map { .bool($0) }
        case .double:
            guard let double = value.double, double.isFinite else { return nil }
            if double == double.rounded(), let integer = Int64(exactly: double) { return .int(integer) }
            return .double(double)
        default: return nil
        }
    }

    public static func parseTOML(_ text: String, file: String) throws -> JSONValue {
        if let problem = TOMLLexicalCheck.firstProblem(text) {
            throw CorpusError(file: file, stage: .config, reason: "line \(problem.line), column \(problem.column): \(problem.reason)")
        }
        do {
            let table = try TOMLTable(string: text)
            // Walked directly (JSON text decoded by JSONDecoder was a tenth of every command's
            // start); dates and non-finite numbers take the JSON way, as before.
            return try converted(table) ?? JSONValue.parse(Data(table.convert(to: .json).utf8))
        } catch let error as TOMLParseError {
            throw CorpusError(
                file: file, stage: .config,
                reason: "line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)")
        } catch {
            throw CorpusError(file: file, stage: .config, reason: "\(error)")
        }
    }
}
