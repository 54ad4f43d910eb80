import CorpusKit
import Foundation

/// One problem found by `validate` or `verify`: where, and what.
public struct Finding: Codable, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var rule: FindingRule
    public var message: String

    public init(file: String, rule: FindingRule, message: String) {
        self.file = file
        self.rule = rule
        self.message = message
    }

    public var description: String { "\(file): \(rule): \(message)" }
}

/// Every rule `validate` and `verify` check, by the name their output and `--json` give it.
public enum FindingRule: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    case bag
    case boilerplate
    case decode
    case duplicateLesson = "duplicate-lesson"
    case fixity
    case lessonIncomplete = "lesson-incomplete"
    case lessonsMissing = "lessons-missing"
    case offTopic = "off-topic"
    case originalLink = "original-link"
    case oxum
    case pair
    case provenance
    case raw
    case rebuild
    case record
    case recordHash = "record-hash"
    case schema
    case signature
    case stale
    case tagFixity = "tag-fixity"
    case termFootnote = "term-footnote"
    case termLanguages = "term-languages"
    case termMismatch = "term-mismatch"
    case transcriptChinese = "transcript-chinese"
    case transcriptEnglish = "transcript-english"
    case transcriptLength = "transcript-length"
    case transcriptOrder = "transcript-order"
    case videoDuration = "video-duration"
    case warc
    case warcDigest = "warc-digest"

    public var description: String { rawValue }
}
