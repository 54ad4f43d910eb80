import Foundation

/// The ids of documents: the ones the series fixes (`lesson-5`, `lesson-5-source`, `glossary`)
/// and the rule that no other document may take them, how a lesson and its Chinese original
/// name each other, and the file a record lives in. Other ids are slugs the classifier makes.
public enum DocumentID {
    /// What a fixed id names.
    public enum Fixed: Equatable, Sendable {
        /// The English post of lesson N.
        case lesson(Int)
        /// The Chinese original of lesson N.
        case source(Int)
        case glossary
    }

    public static let glossary = "glossary"
    static let lessonPrefix = "lesson-"
    static let sourceSuffix = "-source"

    public static func lesson(_ number: Int) -> String { "\(lessonPrefix)\(number)" }
    public static func source(_ number: Int) -> String { "\(lessonPrefix)\(number)\(sourceSuffix)" }

    public static func id(_ fixed: Fixed) -> String {
        switch fixed {
        case .lesson(let number): return lesson(number)
        case .source(let number): return source(number)
        case .glossary: return glossary
        }
    }

    /// What `id` names when it is one of the fixed ids; nil for any other id.
    public static func parse(_ id: String) -> Fixed? {
        if id == glossary { return .glossary }
        guard id.hasPrefix(lessonPrefix) else { return nil }
        let rest = id.dropFirst(lessonPrefix.count)
        let isSource = rest.hasSuffix(sourceSuffix)
        let digits = isSource ? rest.dropLast(sourceSuffix.count) : rest
        guard !digits.isEmpty, digits.count <= 6, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(digits) else {
            return nil
        }
        // "lesson-05" is a slug, not lesson 5: the fixed ids are written one way only.
        guard String(number) == digits else { return nil }
        return isSource ? .source(number) : .lesson(number)
    }

    /// Ids the series fixes: a second document may never take them.
    public static func isFixed(_ id: String) -> Bool { parse(id) != nil }

    /// The other half of a lesson pair: a post's original, an original's post.
    public static func partner(of id: String) -> String? {
        switch parse(id) {
        case .lesson(let number): return source(number)
        case .source(let number): return lesson(number)
        default: return nil
        }
    }

    /// The record's file name in `data/corpus/`.
    public static func fileName(_ id: String) -> String { id + ".json" }
}

/// The series' documents among a set of records: each lesson's English post and Chinese
/// original, found by their fixed ids, and how many of each are there. `status`, `run` and the
/// site count coverage through this one place.
public struct SeriesDocuments: Sendable {
    public let seriesLength: Int
    private let byID: [String: CorpusRecord]

    public init(_ records: [CorpusRecord], seriesLength: Int) {
        self.seriesLength = max(1, seriesLength)
        byID = Dictionary(records.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public var lessons: ClosedRange<Int> { 1...seriesLength }
    public func post(_ lesson: Int) -> CorpusRecord? { byID[DocumentID.lesson(lesson)] }
    public func original(_ lesson: Int) -> CorpusRecord? { byID[DocumentID.source(lesson)] }
    public func record(_ id: String) -> CorpusRecord? { byID[id] }
    /// Lessons whose English post is there.
    public var postCount: Int { lessons.filter { post($0) != nil }.count }
    /// Lessons whose Chinese original is there.
    public var originalCount: Int { lessons.filter { original($0) != nil }.count }
}
