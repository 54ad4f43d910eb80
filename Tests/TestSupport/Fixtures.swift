import CorpusKit
import Foundation

/// The repository's Tests/Fixtures folder and Config folder, found from this file's path: one
/// copy for every test target that reads fixtures.
public enum Fixtures {
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    public static let folder = repository.appendingPathComponent("Tests/Fixtures")

    public static func data(_ relative: String) throws -> Data {
        try Data(contentsOf: folder.appendingPathComponent(relative))
    }

    public static func config() throws -> CorpusConfig {
        try CorpusConfig.load(root: repository)
    }
}

/// A folder under the system's temporary directory, removed with everything in it when the
/// test lets go of it.
public final class TemporaryFolder {
    public let url: URL

    public init(_ label: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("dccorpus-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A subfolder, created.
    public func folder(_ name: String) throws -> URL {
        let sub = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        return sub
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}
