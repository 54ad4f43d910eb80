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
