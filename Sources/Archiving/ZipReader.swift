import CZlibShim
import CorpusKit
import Foundation

/// Reads the entries of a ZIP file (a WACZ package) without trusting its headers: every offset
/// and size is checked against the file before it is used, and an entry's data is inflated by
/// zlib in bounded pieces that stop at its compressed size. (ZIPFoundation, which writes our WACZ
/// exports, read a hostile package's damaged deflate stream past the end of the file for ever.)
/// Stored and deflated entries, ZIP64 sizes and offsets; one disk.
public final class ZipReader {
    public struct Entry: Sendable {
        public let path: String
        public let method: UInt16
        public let compressedSize: UInt64
        public let size: UInt64
        let localHeaderOffset: UInt64
        public let isDirectory: Bool
        public let isSymbolicLink: Bool
    }

    public let path: String
    public private(set) var entries: [Entry] = []
    private let handle: FileHandle
    private let fileSize: UInt64

    public init(path: String) throws {
        self.path = path
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CorpusError(file: path, stage: .read, reason: "cannot be opened")
        }
        self.handle = handle
        fileSize = (try? handle.seekToEnd()) ?? 0
        try readDirectory()
    }

    deinit { try? handle.close() }

    func fail(_ reason: String) -> CorpusError { CorpusError(file: path, stage: .read, reason: "zip: \(reason)") }

    /// `count` bytes at `offset`, all of them inside the file.
    func bytes(at offset: UInt64, count: Int) throws -> Data {
        guard count >= 0, offset <= fileSize, UInt64(count) <= fileSize - offset else {
            throw fail("a header points past the end of the file")
        }
        try handle.seek(toOffset: offset)
        let data = try handle.read(upToCount: count) ?? Data()
        guard data.count == count else { throw fail("the file ends inside a header") }
        return data
    }

    static func u16(_ data: Data, _ at: Int) -> UInt16 { UInt16(data[data.startIndex + at]) | UInt16(data[data.startIndex + at + 1]) << 8 }
    static func u32(_ data: Data, _ at: Int) -> UInt32 { UInt32(u16(data, at)) | UInt32(u16(data, at + 2)) << 16 }
    static func u64(_ data: Data, _ at: Int) -> UInt64 { UInt64(u32(data, at)) | UInt64(u32(data, at + 4)) << 32 }

    private func readDirectory() throws {
        // The end-of-central-directory record: in the last 64 KB + 22 bytes (its comment may be that long).
        let tail = Int(min(fileSize, 65_557))
        let end = try bytes(at: fileSize - UInt64(tail), count: tail)
        guard tail >= 22,
            let found = stride(from: tail - 22, through: 0, by: -1).first(where: { Self.u32(end, $0) == 0x0605_4b50 })
        else { throw fail("no end of central directory (not a zip file)") }
        var count = UInt64(Self.u16(end, found + 10))
        var directorySize = UInt64(Self.u32(end, found + 12))
        var directoryOffset = UInt64(Self.u32(end, found + 16))
        // ZIP64: a locator just before the record points at the ZIP64 end record.
        if found >= 20, Self.u32(end, found - 20) == 0x0706_4b50 {
            let zip64 = try bytes(at: Self.u64(end, found - 20 + 8), count: 56)
            guard Self.u32(zip64, 0) == 0x0606_4b50 else { throw fail("a ZIP64 locator points at no ZIP64 record") }
            count = Self.u64(zip64, 32)
            directorySize = Self.u64(zip64, 40)
            directoryOffset = Self.u64(zip64, 48)
        }
        guard count <= 1_000_000, directorySize <= 256 << 20 else { throw fail("its directory claims \(count) entries") }
        let directory = try bytes(at: directoryOffset, count: Int(directorySize))
        var at = 0
        for _ in 0..<count {
            guard at + 46 <= directory.count, Self.u32(directory, at) == 0x0201_4b50 else { throw fail("its central directory is damaged") }
            let madeBy = Self.u16(directory, at + 4)
            let method = Self.u16(directory, at + 10)
            var compressed = UInt64(Self.u32(directory, at + 20))
            var size = UInt64(Self.u32(directory, at + 24))
            let nameLength = Int(Self.u16(directory, at + 28))
            let extraLength = Int(Self.u16(directory, at + 30))
            let commentLength = Int(Self.u16(directory, at + 32))
            let external = Self.u32(directory, at + 38)
            var offset = UInt64(Self.u32(directory, at + 42))
            guard at + 46 + nameLength + extraLength + commentLength <= directory.count else {
                throw fail("its central directory is damaged")
            }
            let name = String(
                decoding: directory[(directory.startIndex + at + 46)..<(directory.startIndex + at + 46 + nameLength)], as: UTF8.self)
            // ZIP64 extra field: the 64-bit values of the fields that hold 0xFFFFFFFF, in order.
            var extra = at + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = Self.u16(directory, extra)
                let length = Int(Self.u16(directory, extra + 2))
                if id == 0x0001 {
                    var field = extra + 4
                    for value in [\Holder.size, \.compressed, \.offset] {
                        var holder = Holder(size: size, compressed: compressed, offset: offset)
                        guard holder[keyPath: value] == 0xFFFF_FFFF, field + 8 <= extra + 4 + length else { continue }
                        holder[keyPath: value] = Self.u64(directory, field)
                        (size, compressed, offset) = (holder.size, holder.compressed, holder.offset)
                        field += 8
                    }
                }
                extra += 4 + length
            }
            let mode = madeBy >> 8 == 3 ? (external >> 16) & 0o170000 : 0
            entries.append(
                Entry(
                    path: name, method: method, compressedSize: compressed, size: size, localHeaderOffset: offset,
                    isDirectory: name.hasSuffix("/") || mode == 0o040000, isSymbolicLink: mode == 0o120000))
            at += 46 + nameLength + extraLength + commentLength
        }
    }

    struct Holder {
        var size: UInt64
        var compressed: UInt64
        var offset: UInt64
    }

    /// The entry's data through `consumer` in pieces, at most `limit` bytes in all; a stream
    /// that does not end within the entry's compressed bytes, or decodes past `limit`, throws.
    public func read(_ entry: Entry, limit: Int, _ consumer: (Data) throws -> Void) throws {
        let local = try bytes(at: entry.localHeaderOffset, count: 30)
        guard Self.u32(local, 0) == 0x0403_4b50 else { throw fail("\(entry.path): no local header where the directory says") }
        let dataOffset = entry.localHeaderOffset + 30 + UInt64(Self.u16(local, 26)) + UInt64(Self.u16(local, 28))
        guard dataOffset <= fileSize, entry.compressedSize <= fileSize - dataOffset else {
            throw fail("\(entry.path) claims \(entry.compressedSize) bytes, more than the file holds")
        }
        try handle.seek(toOffset: dataOffset)
        var left = entry.compressedSize
        var produced = 0
        func next() throws -> Data {
            let count = Int(min(left, 1 << 16))
            guard count > 0 else { return Data() }
            let chunk = try handle.read(upToCount: count) ?? Data()
            guard chunk.count == count else { throw fail("\(entry.path) is cut short") }
            left -= UInt64(count)
            return chunk
        }
        switch entry.method {
        case 0:
            while left > 0 {
                let chunk = try next()
                produced += chunk.count
                if produced > limit { throw fail("\(entry.path) is over the \(limit)-byte limit") }
                try consumer(chunk)
            }
        case 8:
            var stream = z_stream()
            guard czlib_inflate_init_bits(&stream, -15) == Z_OK else { throw fail("zlib cannot start") }
            defer { inflateEnd(&stream) }
            var output = [UInt8](repeating: 0, count: 1 << 16)
            var ended = false
            while !ended {
                var input = try next()
                if input.isEmpty { throw fail("\(entry.path): its compressed data ends before its stream does") }
                try input.withUnsafeMutableBytes { raw in
                    stream.next_in = raw.bindMemory(to: UInt8.self).baseAddress
                    stream.avail_in = uInt(raw.count)
                    repeat {
                        let code = output.withUnsafeMutableBufferPointer { out -> Int32 in
                            stream.next_out = out.baseAddress
                            stream.avail_out = uInt(out.count)
                            return inflate(&stream, Z_NO_FLUSH)
                        }
                        let count = output.count - Int(stream.avail_out)
                        produced += count
                        if produced > limit { throw fail("\(entry.path) inflates past the \(limit)-byte limit") }
                        if count > 0 { try consumer(Data(output[0..<count])) }
                        switch code {
                        case Z_STREAM_END: ended = true
                        case Z_OK, Z_BUF_ERROR: break
                        default: throw fail("\(entry.path) is corrupt (zlib \(code))")
                        }
                        if code == Z_BUF_ERROR && stream.avail_in == 0 { break }
                    } while !ended && (stream.avail_in > 0 || stream.avail_out == 0)
                }
            }
        default:
            throw fail("\(entry.path) uses compression method \(entry.method) (only stored and deflated are read)")
        }
    }
}
