import CorpusKit
import Foundation

/// The repository's Tests/Fixtures folder and Config folder, found from this file's path.
enum Fixtures {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let folder = repository.appendingPathComponent("Tests/Fixtures")

    static func data(_ relative: String) throws -> Data {
        try Data(contentsOf: folder.appendingPathComponent(relative))
    }

    static func config() throws -> CorpusConfig {
        try CorpusConfig.load(root: repository)
    }
}
