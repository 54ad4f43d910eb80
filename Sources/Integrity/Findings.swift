import CorpusKit
import Foundation

/// One problem found by `validate` or `verify`: where, and what.
public struct Finding: Codable, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var rule: String
    public var message: String

    public init(file: String, rule: String, message: String) {
        self.file = file
        self.rule = rule
        self.message = message
    }

    public var description: String { "\(file): \(rule): \(message)" }
}
