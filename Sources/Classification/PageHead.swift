import Cleaning
import CorpusKit
import Foundation

/// The head of a page that is not a lesson: its headline and its own date, read from the lines a
/// reader sees first (and, for the date, a Chinese footer), skipping what a saved or copied page
/// carries before them: the site's name, menus and breadcrumbs, a date line, a section label,
/// a photo caption.
enum PageHead {
    /// How many of the first lines are looked at for a headline or a date line.
    static let headLines = 15

    // MARK: Headline

    /// The first line of the page's head that reads as its headline, without a leading date or
    /// "Original Title:"/"标题:" label; nil when none does.
    static func headline(_ lines: [Line], siteNames: Set<String> = []) -> String? {
        headCandidates(lines, siteNames: siteNames).first
    }

    /// The lines of the page's head that read as a headline, in order; a site's name followed
    /// by its tagline (a short sentence) gives way to what follows.
    static func headCandidates(_ lines: [Line], siteNames: Set<String> = []) -> [String] {
        let head = Array(lines.prefix(headLines))
        var found: [(index: Int, text: String)] = []
        var siteNameAt: Int? = nil
        for (index, line) in head.enumerated() {
            // The head ends where the body begins: a paragraph of running text.
            if !found.isEmpty, line.text.split(whereSeparator: \.isWhitespace).count >= 25 || line.text.count >= 160 { break }
            guard let text = titleText(line.text) else { continue }
            if siteNames.contains(text.lowercased()) {
                siteNameAt = index
                continue
            }
            found.append((index, text))
        }
        // A site's motto (the line right under its name, or a short sentence under the first
        // line) and a section label (two words) give way to a headline after them.
        var kept: [String] = []
        for (position, candidate) in found.enumerated() {
            let followed = position + 1 < found.count
            let motto =
                candidate.index == siteNameAt.map { $0 + 1 }
                || kept.isEmpty && candidate.index + 1 < head.count && isTagline(head[candidate.index + 1].text)
            let label =
                candidate.text.unicodeScalars.filter(Classifier.isHan).count < 6
                && candidate.text.split(whereSeparator: \.isWhitespace).count < 3
            if followed, kept.isEmpty, motto || label { continue }
            kept.append(candidate.text)
        }
        return kept
    }

    /// A site's motto under its name: one short sentence.
    static func isTagline(_ text: String) -> Bool {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        return trimmed.count <= 120 && (trimmed.hasSuffix(".") || trimmed.hasSuffix("。")) && !trimmed.dropLast().contains(". ")
    }

    /// `text` as a headline, or nil when it is not one.
    static func titleText(_ raw: String) -> String? {
        var text = raw.trimmingCharacters(in: .whitespaces)
        // "date 2023-04-28 Original Title: …", "标题:…": the label and the date are not the title.
        if let match = leadingDate.firstMatch(text), let rest = match[1] { text = rest }
        if let match = titleLabel.firstMatch(text), let rest = match[1] { text = rest }
        // "Home > Analysis > Headline": the breadcrumb's last step.
        for separator in [" > ", " » ", " › "] where text.contains(separator) {
            text = String(text.components(separatedBy: separator).last ?? text)
        }
        // A numbered part of a text ("三、…", "1. …") or a line holding an address is not its headline.
        if numberedPart.firstMatch(text) != nil || text.contains("http://") || text.contains("https://") { return nil }
        text = text.trimmingCharacters(in: .whitespaces)
        let han = text.unicodeScalars.filter(Classifier.isHan).count
        let words = text.split(whereSeparator: \.isWhitespace)
        // Long enough to name an article: several words, or a few Chinese characters.
        guard han >= 6 || words.count >= 2 && text.count >= 10, text.count <= 160 else { return nil }
        // A byline is not the headline.
        if byline.firstMatch(text) != nil { return nil }
        // A sentence of the body, not a headline ("…, according to the plan.").
        if han < 6, text.hasSuffix("."), !text.hasSuffix("..."), words.count > 8 { return nil }
        if han >= 6, text.hasSuffix("。") || text.count > 90 { return nil }
        if isDateLine(text) || isFurniture(text) { return nil }
        return text
    }

    /// A menu, breadcrumb, share bar, caption or sign-in line.
    static func isFurniture(_ text: String) -> Bool {
        let lowered = text.lowercased()
        if furnitureMarks.contains(where: { lowered.contains($0) }) { return true }
        // "Home | News | About" and "首页 > 要闻": short items between separators.
        // "|", "»", ">" (unless the line quotes markup: "<b>"), and "/" or "·" between spaces
        // ("and/or" is not a menu).
        let markup = text.contains("<")
        let separators =
            text.filter { "|｜»›".contains($0) || !markup && $0 == ">" }.count
            + text.components(separatedBy: " / ").count + text.components(separatedBy: " · ").count - 2
        if separators >= 2, text.count / (separators + 1) < 14 { return true }
        if text.hasPrefix("- ") || text.hasPrefix("• ") { return true }
        // "[Photo/Agency]": a caption's credit.
        if text.hasPrefix("["), text.hasSuffix("]") { return true }
        // A file name or an address, not words.
        return lowered.hasPrefix("http") || fileName.firstMatch(text) != nil
    }

    static let fileName = Pattern("\\.(?:png|jpe?g|gif|webp|svg|pdf)\\b", requires: [".png", ".jp", ".gif", ".webp", ".svg", ".pdf"])

    static let furnitureMarks = [
        "skip to", "log in", "login", "sign in", "subscribe", "get link", "share this", "photo:", "/cfp", "(photo",
        "font size", "bookmark", "home page", "首页", "当前位置", "您的位置", "current location", "top of page",
        "banner picture", "featured post", "nav search", "menu", "cookie"
    ]

    static let leadingDate = Pattern(
        "^(?:date|published|posted|updated)?\\s*[:：]?\\s*\\d{4}[-/.]\\d{1,2}[-/.]\\d{1,2}(?:\\s+\\d{1,2}:\\d{2}(?::\\d{2})?)?\\s+(.{8,})$",
        caseInsensitive: true)
    static let numberedPart = Pattern("^(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十\\d]+[)）]|\\d{1,2}\\.\\s|第[一二三四五六七八九十]+[章条节])")
    static let byline = Pattern("^(?:by|author|written by|作者|文|记者)\\s*[:：/]?\\s", caseInsensitive: true)
    static let titleLabel = Pattern("^(?:original title|title|headline|标题|题目)\\s*[:：]\\s*(.+)$", caseInsensitive: true)

    // MARK: Date

    static let months: [String: Int] = [
        "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10,
        "nov": 11, "dec": 12
    ]
    static let monthWord =
        "(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?"
    /// 2023-03-01, 2023/3/1, 2023.03.01, 2023年3月1日.
    static let numericDate = Pattern("(?<!\\d)(\\d{4})\\s*[-/.年]\\s*(\\d{1,2})\\s*[-/.月]\\s*(\\d{1,2})(?!\\d)")
    /// March 3, 2023; Feb. 27, 2023.
    static let monthFirst = Pattern("\\b\(monthWord)\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})\\b", caseInsensitive: true)
    /// 3 March 2023; 09-Mar-2023.
    static let dayFirst = Pattern("\\b(\\d{1,2})[\\s-]+\(monthWord)[\\s,-]+(\\d{4})\\b", caseInsensitive: true)
    /// A footer's "2024-04-10 11:25:20 来源: …".
    static let footerDate = Pattern(
        "(\\d{4})-(\\d{1,2})-(\\d{1,2})\\s+\\d{1,2}:\\d{2}(?::\\d{2})?\\s*(?:来源|來源|source)", caseInsensitive: true)

    /// The date in `text`, as YYYY-MM-DD, and how many characters of `text` it took.
    static func date(in text: String) -> (date: String, length: Int)? {
        if let match = numericDate.firstMatch(text), let year = match[1].flatMap({ Int($0) }), let month = match[2].flatMap({ Int($0) }),
            let day = match[3].flatMap({ Int($0) }), let date = CalendarDate.string(year: year, month: month, day: day)
        {
            return (date, match[0]?.count ?? 0)
        }
        if let match = monthFirst.firstMatch(text), let month = match[1].flatMap({ monthNumber($0) }),
            let day = match[2].flatMap({ Int($0) }), let year = match[3].flatMap({ Int($0) }),
            let date = CalendarDate.string(year: year, month: month, day: day)
        {
            return (date, match[0]?.count ?? 0)
        }
        if let match = dayFirst.firstMatch(text), let day = match[1].flatMap({ Int($0) }),
            let month = match[2].flatMap({ monthNumber($0) }),
            let year = match[3].flatMap({ Int($0) }), let date = CalendarDate.string(year: year, month: month, day: day)
        {
            return (date, match[0]?.count ?? 0)
        }
        return nil
    }

    static func monthNumber(_ word: String) -> Int? {
        let lowered = word.lowercased()
        return months[String(lowered.prefix(4))] ?? months[String(lowered.prefix(3))]
    }

    /// A line that is a date and little else: a label, a time, a source or a byline beside it.
    static func isDateLine(_ text: String) -> Bool {
        guard text.count <= 90, let found = date(in: text) else { return false }
        let rest = text.count - found.length
        let restWords = text.split(whereSeparator: { $0.isWhitespace || $0 == "|" }).count
        return rest <= 45 && restWords <= 9
    }

    /// The page's own date: a date line among its first lines (a byline's or a "Published" line's
    /// date counts), else a Chinese footer's "date time 来源" line anywhere.
    static func published(_ lines: [Line]) -> String? {
        for line in lines.prefix(headLines) {
            let text = line.text.trimmingCharacters(in: .whitespaces)
            if isDateLine(text), let found = date(in: text) { return found.date }
            // "date 2023-04-28 Headline …": a leading date label before the headline.
            if leadingDate.firstMatch(text) != nil, let found = date(in: String(text.prefix(40))) { return found.date }
        }
        for line in lines {
            if line.text.count <= 200, let match = footerDate.firstMatch(line.text), let year = match[1].flatMap({ Int($0) }),
                let month = match[2].flatMap({ Int($0) }), let day = match[3].flatMap({ Int($0) }),
                let date = CalendarDate.string(year: year, month: month, day: day)
            {
                return date
            }
        }
        return nil
    }
}
