import Foundation

/// Parsers for the numbers lesson pages spell in many ways.
public enum Numerals {
    static let englishWords = [
        "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
        "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
        "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20
    ]

    /// "Twelve" → 12, "5" → 5.
    public static func english(_ word: String) -> Int? {
        if let value = Int(word) { return value }
        return englishWords[word.lowercased()]
    }

    /// Chinese numerals up to 99: 一 … 十三, 二十一; also Arabic digits and full-width digits.
    public static func chinese(_ text: String) -> Int? {
        let digits: [Character: Int] = [
            "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
            "六": 6, "七": 7, "八": 8, "九": 9
        ]
        let ascii = String(
            text.map { ch -> Character in
                if let value = ch.unicodeScalars.first?.value, (0xFF10...0xFF19).contains(value) {
                    return Character(Unicode.Scalar(value - 0xFF10 + 0x30)!)
                }
                return ch
            })
        if let value = Int(ascii) { return value }
        guard !text.isEmpty else { return nil }
        if let tenIndex = text.firstIndex(of: "十") {
            let before = text[..<tenIndex]
            let after = text[text.index(after: tenIndex)...]
            let tens = before.isEmpty ? 1 : (before.count == 1 ? digits[before.first!] : nil)
            let ones = after.isEmpty ? 0 : (after.count == 1 ? digits[after.first!] : nil)
            guard let tens, let ones else { return nil }
            return tens * 10 + ones
        }
        guard text.count == 1 else { return nil }
        return digits[text.first!]
    }

    /// "9:01 Minutes", "8:56", "09:13", "00:09:13", "时长:09:13", "9 minutes 1 second" → seconds.
    public static func duration(_ text: String) -> Int? {
        let pattern = try! NSRegularExpression(pattern: "(\\d{1,2}):(\\d{2})(?::(\\d{2}))?")
        if let match = pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) {
            let parts = (1...3).compactMap { index -> Int? in
                let range = match.range(at: index)
                guard range.location != NSNotFound, let swiftRange = Range(range, in: text) else { return nil }
                return Int(text[swiftRange])
            }
            if parts.count == 3 { return parts[0] * 3600 + parts[1] * 60 + parts[2] }
            if parts.count == 2, parts[1] < 60 { return parts[0] * 60 + parts[1] }
            return nil
        }
        let words = try! NSRegularExpression(
            pattern: "(\\d+)\\s*(?:minutes?|mins?|分钟?)(?:\\s*(\\d+)\\s*(?:seconds?|secs?|秒))?", options: [.caseInsensitive])
        if let match = words.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
            let minutes = Range(match.range(at: 1), in: text).flatMap({ Int(text[$0]) })
        {
            let seconds = Range(match.range(at: 2), in: text).flatMap { Int(text[$0]) } ?? 0
            return minutes * 60 + seconds
        }
        return nil
    }

    /// A transcript timestamp ("0:25", "00:25", "1:26", "01:02:03") → (normalized "mm:ss", seconds).
    public static func timestamp(_ text: String) -> (at: String, seconds: Int)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3,
            parts.allSatisfy({ !$0.isEmpty && $0.count <= 2 && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            parts.dropFirst().allSatisfy({ $0.count == 2 })
        else { return nil }
        let numbers = parts.map { Int($0)! }
        guard numbers.dropFirst().allSatisfy({ $0 < 60 }) else { return nil }
        let seconds = numbers.count == 3 ? numbers[0] * 3600 + numbers[1] * 60 + numbers[2] : numbers[0] * 60 + numbers[1]
        let at =
            seconds >= 3600
            ? String(format: "%d:%02d:%02d", seconds / 3600, (seconds / 60) % 60, seconds % 60)
            : String(format: "%02d:%02d", seconds / 60, seconds % 60)
        return (at, seconds)
    }
}
