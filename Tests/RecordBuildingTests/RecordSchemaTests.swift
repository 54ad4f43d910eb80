import Archiving
import CorpusKit
import Foundation
import TestSupport
import Testing

@testable import RecordBuilding

/// The record's fields and `Config/corpus.schema.json` say the same thing: every key a record
/// is written with is a property the schema names at that place, and every property the schema
/// names is one the records of the fixtures write. A field added to one and not the other
/// fails here.
@Suite struct RecordSchemaTests {
    /// The keys written at each object path (`provenance.source`), over all fixture records.
    static func writtenKeys() throws -> [String: Set<String>] {
        let builder = RecordBuilder(config: try Fixtures.config())
        var keys: [String: Set<String>] = [:]
        func walk(_ value: Any, _ path: String) {
            if let object = value as? [String: Any] {
                keys[path, default: []].formUnion(object.keys)
                for (key, child) in object { walk(child, path.isEmpty ? key : "\(path).\(key)") }
            } else if let array = value as? [Any] {
                for child in array { walk(child, path + "[]") }
            }
        }
        for folder in ["pages", "seeds"] {
            for name in try FileManager.default.contentsOfDirectory(atPath: Fixtures.folder.appendingPathComponent(folder).path).sorted()
            where !name.hasPrefix(".") {
                var source = SourceInfo(url: "https://example.org/\(name)", file: name, retrievedAt: "2026-01-01T00:00:00Z")
                source.httpStatus = 200
                let capture = Capture(
                    bytes: try Fixtures.data("\(folder)/\(name)"), format: name.hasSuffix(".txt") ? .text : .html, source: source,
                    headerCharset: nil, displayName: name)
                guard let built = try? builder.buildWithFile(capture, archive: ArchiveLocation(warc: "w.warc.gz", recordID: "<urn:uuid:x>"))
                else { continue }
                walk(try JSONSerialization.jsonObject(with: built.file), "")
            }
        }
        return keys
    }

    /// The properties the schema names at each object path, following `$ref`s into `$defs`.
    static func schemaProperties() throws -> [String: Set<String>] {
        let schema =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: Fixtures.repository.appendingPathComponent("Config/corpus.schema.json"))) as! [String: Any]
        let defs = schema["$defs"] as? [String: Any] ?? [:]
        var properties: [String: Set<String>] = [:]
        func resolve(_ node: [String: Any]) -> [[String: Any]] {
            var nodes: [[String: Any]] = [node]
            if let ref = node["$ref"] as? String, let target = defs[String(ref.split(separator: "/").last ?? "")] as? [String: Any] {
                nodes += resolve(target)
            }
            for key in ["anyOf", "oneOf", "allOf"] {
                for option in node[key] as? [[String: Any]] ?? [] { nodes += resolve(option) }
            }
            return nodes
        }
        func walk(_ node: [String: Any], _ path: String) {
            for resolved in resolve(node) {
                if let props = resolved["properties"] as? [String: Any] {
                    properties[path, default: []].formUnion(props.keys)
                    for (key, child) in props {
                        if let child = child as? [String: Any] { walk(child, path.isEmpty ? key : "\(path).\(key)") }
                    }
                }
                if let items = resolved["items"] as? [String: Any] { walk(items, path + "[]") }
            }
        }
        walk(schema, "")
        return properties
    }

    @Test func theRecordsKeysAndTheSchemaAgree() throws {
        let written = try Self.writtenKeys()
        let named = try Self.schemaProperties()
        #expect(!written.isEmpty && !named.isEmpty)
        for (path, keys) in written.sorted(by: { $0.key < $1.key }) {
            let unknown = keys.subtracting(named[path] ?? [])
            #expect(unknown.isEmpty, "written at \(path.isEmpty ? "the top" : path) but not in the schema: \(unknown.sorted())")
        }
        // The top level and provenance are written whole (null when empty): the schema names nothing more.
        for path in ["", "provenance", "provenance.archive", "provenance.pipeline", "classification"] {
            let unwritten = (named[path] ?? []).subtracting(written[path] ?? [])
            #expect(unwritten.isEmpty, "in the schema at \(path.isEmpty ? "the top" : path) but never written: \(unwritten.sorted())")
        }
    }
}
