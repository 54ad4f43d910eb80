import CorpusKit
import Foundation

@testable import Classification
@testable import Cleaning

/// What ingest does before building a record, for the classification suites: clean the bytes in
/// their format, then classify the document under `name`.
func classify(_ bytes: Data, format: any DocumentFormat, name: String, config: CorpusConfig) throws -> RecordContent {
    let document = try Cleaner(config: config.pipeline).clean(bytes, format: format, source: name)
    return Classifier(config: config).classify(document, sourceName: name)
}
