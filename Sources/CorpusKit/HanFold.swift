/// Traditional Chinese characters folded to their simplified forms, for matching only: the
/// lexicon's phrases are simplified, and a page reprinted in traditional characters (國務院,
/// 數字中國) says the same. Each pair maps one three-byte UTF-8 character to another, so a folded
/// text keeps every byte offset of the original. The table is OpenCC's (`HanFold+Table.swift`,
/// made by `Scripts/make-han-fold.py`).
public enum HanFold {
    /// Simplified form by code point (0 where a character is not traditional), for U+0800…U+FFFF.
    static let table: [UInt16] = {
        var table = [UInt16](repeating: 0, count: 0x10000)
        var scalars = pairs.unicodeScalars.filter { $0 != "\n" && $0 != " " }.makeIterator()
        while let traditional = scalars.next(), let simplified = scalars.next() {
            table[Int(traditional.value)] = UInt16(simplified.value)
        }
        return table
    }()

    /// Folds, in place, every traditional character of the UTF-8 `bytes` that has a simplified form.
    public static func fold(_ bytes: inout [UInt8]) {
        // Only three-byte sequences (lead 0xE0…0xEF) can change; a text with none is left alone.
        guard bytes.contains(where: { $0 & 0xF0 == 0xE0 }) else { return }
        let table = Self.table
        bytes.withUnsafeMutableBufferPointer { buffer in
            var index = 0
            while index < buffer.count {
                let byte = buffer[index]
                guard byte & 0xF0 == 0xE0, index + 2 < buffer.count else {
                    index += byte < 0x80 ? 1 : byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
                    continue
                }
                let value = Int(byte & 0x0F) << 12 | Int(buffer[index + 1] & 0x3F) << 6 | Int(buffer[index + 2] & 0x3F)
                let simplified = table[value]
                if simplified >= 0x800 {
                    buffer[index] = 0xE0 | UInt8(simplified >> 12)
                    buffer[index + 1] = 0x80 | UInt8((simplified >> 6) & 0x3F)
                    buffer[index + 2] = 0x80 | UInt8(simplified & 0x3F)
                }
                index += 3
            }
        }
    }

    /// Removes, in place, every "(pinyin)" gloss that directly follows a Chinese character: one
    /// to seven lower-case letters in parentheses, at least one a vowel with a tone mark (so
    /// "(a)" and "(GDP)" after a character stay). Such glosses are what a reprint leaves of ruby
    /// annotations; they split the words the lexicon looks for.
    public static func dropPinyinGlosses(_ bytes: inout [UInt8]) {
        // A tone-marked vowel is two bytes led by 0xC3, 0xC4, 0xC5 or 0xC7: no such byte, no gloss.
        guard bytes.contains(where: { $0 == 0xC3 || $0 == 0xC4 || $0 == 0xC5 || $0 == 0xC7 }) else { return }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0x28, index >= 3, bytes[index - 3] & 0xF0 == 0xE0, let end = glossEnd(bytes, from: index + 1) {
                index = end
                continue
            }
            out.append(bytes[index])
            index += 1
        }
        bytes = out
    }

    /// Where a gloss that opened before `start` ends (past its ")"), or nil when it is not one.
    static func glossEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        var index = start
        var letters = 0
        var toned = false
        while index < bytes.count, letters <= 7 {
            let byte = bytes[index]
            if byte == 0x29 { return letters >= 1 && toned ? index + 1 : nil }
            if byte >= 0x61 && byte <= 0x7A {
                index += 1
            } else if byte == 0xC3 || byte == 0xC4 || byte == 0xC5 || byte == 0xC7, index + 1 < bytes.count {
                toned = true
                index += 2
            } else {
                return nil
            }
            letters += 1
        }
        return nil
    }

    /// `text` with its traditional characters folded.
    public static func folded(_ text: String) -> String {
        var bytes = Array(text.utf8)
        fold(&bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
