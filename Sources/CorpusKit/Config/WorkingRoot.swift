import Foundation

/// A new working root, as `dccorpus init` makes it: Config/ with the shipped files (a file
/// already there is kept: it may hold the user's edits), Inbox/, Archive/ and, with samples,
/// the four sample documents in Inbox/ so there is something to archive with no network.
public enum WorkingRoot {
    /// What was made (or kept), one line each.
    /// `sources`: false for a root that fetches nothing (tests, benchmarks): no sources.toml.
    public static func create(at root: URL, samples: Bool, sources: Bool = true) throws -> [String] {
        var lines: [String] = []
        let fileManager = FileManager.default
        for folder in ["Config", "Inbox", "Archive"] {
            try fileManager.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        var files: [(String, String)] = [
            ("Config/pipeline.toml", ShippedConfig.pipeline), ("Config/lexicon.toml", ShippedConfig.lexicon),
            ("Config/corpus.schema.json", ShippedConfig.schema)
        ]
        if sources { files.insert(("Config/sources.toml", ShippedConfig.sources), at: 2) }
        for (relative, text) in files {
            let url = root.appendingPathComponent(relative)
            if fileManager.fileExists(atPath: url.path) {
                lines.append("kept    \(url.path) (already there)")
                continue
            }
            try FileIO.writeAtomically(Data(text.utf8), to: url)
            lines.append("wrote   \(url.path)")
        }
        if samples {
            for (name, text) in ShippedConfig.samples {
                let url = root.appendingPathComponent("Inbox").appendingPathComponent(name)
                guard !fileManager.fileExists(atPath: url.path) else { continue }
                try FileIO.writeAtomically(Data(text.utf8), to: url)
                lines.append("sample  \(url.path)")
            }
        }
        lines.append("ready   \(root.path): `dccorpus run --root \(root.path)` archives what Config/sources.toml names and Inbox/ holds")
        return lines
    }
}
