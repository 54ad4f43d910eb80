import ArgumentParser
import Foundation

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the documents in the corpus.")

    @OptionGroup var options: GlobalOptions

    struct Row: Encodable {
        var id: String
        var kind: String
        var lesson: Int?
        var title: String?
        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(kind, forKey: .kind)
            try container.encode(lesson, forKey: .lesson)
            try container.encode(title, forKey: .title)
        }
        enum CodingKeys: String, CodingKey { case id, kind, lesson, title }
    }

    func run() throws {
        try guarded {
            let config = try options.loadConfig()
            let store = options.archive(config)
            let loaded = try store.read { store.loadRecords() }
            for error in loaded.errors { Output.error(error.description) }
            let rows = loaded.records
                .sorted { ($0.series?.lesson ?? 99, $0.id) < ($1.series?.lesson ?? 99, $1.id) }
                .map { Row(id: $0.id, kind: $0.kind.rawValue, lesson: $0.series?.lesson, title: $0.title.en ?? $0.title.zh) }
            if options.json {
                Output.jsonDocument(rows)
            } else {
                // Ids are never cut: the column is as wide as the longest one.
                let width = max(rows.map(\.id.count).max() ?? 0, 12)
                for row in rows {
                    Output.line(
                        "\(row.id.column(width)) \(row.kind.column(13)) \(row.lesson.map { String($0) } ?? "-")\t\(row.title ?? "")"
                    )
                }
                Output.line("\(rows.count) documents")
            }
            if !loaded.errors.isEmpty { throw Fail.problems }
        }
    }
}
