import CorpusKit
import Foundation

/// Hands the corpus to the tools people use: JSON Lines, a TMX 1.4b translation memory, and a
/// CSV glossary. Output is deterministic: records in id order, fields in a fixed order.
public enum Exporter {
    public enum Format: String, CaseIterable, Sendable { case jsonl, tmx, csv }

    public static func export(_ records: [CorpusRecord], format: Format) throws -> Data {
        let sorted = records.sorted { $0.id < $1.id }
        switch format {
        case .jsonl: return try jsonLines(sorted)
        case .tmx: return Data(translationMemory(sorted).utf8)
        case .csv: return Data(glossary(sorted).utf8)
        }
    }

    /// One stored record per line, in its canonical (RFC 8785) form: the same content as the
    /// file, the same `record_sha256`.
    static func jsonLines(_ records: [CorpusRecord]) throws -> Data {
        var out = Data()
        for record in records {
            out.append(try JSONValue.from(record).canonicalData())
            out.append(10)
        }
        return out
    }

    /// An English–Chinese segment pair with where it comes from.
    struct Unit {
        var en: String
        var zh: String
        var record: String
        var lesson: Int?
        var field: String
        var at: String?
    }

    static func units(_ records: [CorpusRecord]) -> [Unit] {
        var units: [Unit] = []
        for record in records {
            let lesson = record.series?.lesson
            if let en = record.title.en, let zh = record.title.zh {
                units.append(Unit(en: en, zh: zh, record: record.id, lesson: lesson, field: "title"))
            }
            if let en = record.synopsis.en, let zh = record.synopsis.zh {
                units.append(Unit(en: en, zh: zh, record: record.id, lesson: lesson, field: "synopsis"))
            }
            for term in record.terms { units.append(Unit(en: term.en, zh: term.zh, record: record.id, lesson: lesson, field: "term")) }
            for block in record.transcript {
                if let en = block.en, let zh = block.zh {
                    units.append(Unit(en: en, zh: zh, record: record.id, lesson: lesson, field: "transcript", at: block.at))
                }
            }
        }
        return units
    }

    /// TMX 1.4b: one `<tu>` per aligned pair, `srclang="en"`, `<tuv xml:lang="en">` and
    /// `<tuv xml:lang="zh-CN">`, the record id, field, timestamp and lesson as `<prop>`s.
    static func translationMemory(_ records: [CorpusRecord]) -> String {
        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!DOCTYPE tmx SYSTEM "tmx14.dtd">
            <tmx version="1.4">
              <header creationtool="dccorpus" creationtoolversion="\(CorpusConfig.pipelineVersion)" datatype="plaintext" segtype="block" adminlang="en" srclang="en" o-tmf="dccorpus"/>
              <body>

            """
        for unit in units(records) {
            out += "    <tu>\n"
            out += "      <prop type=\"x-record\">\(xml(unit.record))</prop>\n"
            out += "      <prop type=\"x-field\">\(unit.field)</prop>\n"
            if let lesson = unit.lesson { out += "      <prop type=\"x-lesson\">\(lesson)</prop>\n" }
            if let at = unit.at { out += "      <prop type=\"x-at\">\(at)</prop>\n" }
            out += "      <tuv xml:lang=\"en\"><seg>\(xml(unit.en))</seg></tuv>\n"
            out += "      <tuv xml:lang=\"zh-CN\"><seg>\(xml(unit.zh))</seg></tuv>\n"
            out += "    </tu>\n"
        }
        out += "  </body>\n</tmx>\n"
        return out
    }

    /// Escapes text for XML 1.0 and drops the characters XML 1.0 cannot hold. `html` also
    /// escapes the apostrophe and drops DEL and the C1 controls, which HTML reports as errors:
    /// the one escaper of the TMX export and the site.
    static func xml(_ text: String, html: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'" where html: out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let value = scalar.value
                if value < 0x20 || (0xFFFE...0xFFFF).contains(value) { continue }
                if html && (0x7F...0x9F).contains(value) { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A glossary term merged across documents.
    public struct GlossaryEntry: Sendable, Equatable {
        public var en: String
        public var zh: String
        public var definition: String
        public var lessons: Set<Int>
        public var documents: Set<String>
    }

    /// Each term once (merged across documents, the glossary post's entries and the lessons'
    /// shortlists, by its English and Chinese), its definition (the glossary's, else the lesson's
    /// footnote), and the lessons that use it or that the glossary files it under; in English
    /// alphabetical order.
    public static func glossaryEntries(_ records: [CorpusRecord]) -> [GlossaryEntry] {
        var entries: [String: GlossaryEntry] = [:]
        var order: [String] = []
        for record in records.sorted(by: { $0.id < $1.id }) {
            let notes = Dictionary(record.footnotes.map { ($0.n, $0.text) }, uniquingKeysWith: { first, _ in first })
            for term in record.terms {
                let key = term.en.lowercased() + "\u{1}" + term.zh
                var definition = term.definition ?? term.footnote.flatMap { notes[$0] } ?? ""
                if definition.hasPrefix("Ibid") { definition = "" }  // "Ibid 1": the definition is given elsewhere
                if entries[key] == nil {
                    entries[key] = GlossaryEntry(en: term.en, zh: term.zh, definition: definition, lessons: [], documents: [])
                    order.append(key)
                }
                // The glossary's own definition outranks a lesson's footnote.
                if entries[key]!.definition.isEmpty || (term.definition != nil && record.kind == .glossary) {
                    entries[key]!.definition = definition
                }
                if let lesson = record.series?.lesson ?? term.lesson { entries[key]!.lessons.insert(lesson) }
                entries[key]!.documents.insert(record.id)
            }
        }
        return order.sorted(by: { entries[$0]!.en.lowercased() < entries[$1]!.en.lowercased() }).map { entries[$0]! }
    }

    /// The glossary as CSV, RFC 4180: CRLF, quotes doubled.
    static func glossary(_ records: [CorpusRecord]) -> String {
        var out = "term_en,term_zh,definition,lessons,documents\r\n"
        for entry in glossaryEntries(records) {
            let fields = [
                entry.en, entry.zh, entry.definition, entry.lessons.sorted().map(String.init).joined(separator: ";"),
                entry.documents.sorted().joined(separator: ";")
            ]
            out += fields.map(csv).joined(separator: ",") + "\r\n"
        }
        return out
    }

    static func csv(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
