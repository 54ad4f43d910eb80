import CDeflate
import CZlibShim
import CorpusKit
import Foundation

/// gzip members. Each WARC record is its own gzip member, so readers can seek to a record and a
/// damaged member spoils only itself. Written by libdeflate (the whole record is in memory: it
/// compressed the WARC records of 300 real pages 2.4x as fast as zlib, to smaller files), read
/// by zlib (which streams, and checks each member's CRC-32 and length).
public enum Gzip {
    /// libdeflate's levels.
    public static let levels: ClosedRange<Int32> = 1...12

    /// Compresses `data` into one complete gzip member at `level` (clamped to `levels`).
    public static func member(_ data: Data, level: Int32 = 6) throws -> Data {
        guard let compressor = libdeflate_alloc_compressor(min(max(level, levels.lowerBound), levels.upperBound)) else {
            throw CorpusError(file: "-", stage: .warc, reason: "libdeflate: cannot allocate a compressor")
        }
        defer { libdeflate_free_compressor(compressor) }
        let bound = libdeflate_gzip_compress_bound(compressor, data.count)
        var output = Data(count: bound)
        let written = data.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out in
                libdeflate_gzip_compress(compressor, input.baseAddress, input.count, out.baseAddress, bound)
            }
        }
        // Within the bound, compressing never fails.
        guard written > 0 else { throw CorpusError(file: "-", stage: .warc, reason: "libdeflate: gzip compression failed") }
        output.count = written
        return output
    }
}

/// Reads a file of concatenated gzip members one member at a time, in bounded memory per member.
/// zlib checks each member's CRC-32 and length, so a flipped byte is reported, never skipped.
public final class GzipMemberReader {
    private let descriptor: Int32
    private let path: String
    private var stream = z_stream()
    private var input: [UInt8]
    private var inputStart = 0
    private var inputEnd = 0
    private var atEOF = false
    /// Byte offset in the compressed file where the next member starts.
    public private(set) var offset: UInt64 = 0
    private var consumed: UInt64 = 0

    /// Byte offset in the compressed file just past the member `nextMember` returned last.
    public var end: UInt64 { consumed }

    /// Reads from `start` on (which must be where a member begins: an offset an index recorded).
    public init(path: String, start: UInt64 = 0) throws {
        self.path = path
        descriptor = try FileIO.openForReading(path, at: start)
        consumed = start
        offset = start
        input = [UInt8](repeating: 0, count: 1 << 18)
        guard czlib_gzip_inflate_init(&stream) == Z_OK else {
            close(descriptor)
            throw CorpusError(file: path, stage: .warc, reason: "zlib inflate init failed")
        }
    }

    deinit {
        inflateEnd(&stream)
        close(descriptor)
    }

    private func fill() throws {
        if inputStart < inputEnd || atEOF { return }
        let count = read(descriptor, &input, input.count)
        if count < 0 { throw CorpusError(file: path, stage: .read, reason: String(cString: strerror(errno))) }
        if count == 0 { atEOF = true }
        inputStart = 0
        inputEnd = count
    }

    /// The size of the member `nextMember` drained last instead of returning it (over its
    /// limit, with `skipOversize`); nil when it returned the member.
    public private(set) var skippedOversize: Int?

    /// The next member's decompressed bytes, or nil at the end of the file.
    /// Throws if the member is corrupt, truncated, or decompresses past `limit`; with
    /// `skipOversize`, a member past `limit` is decompressed to its end without being kept and
    /// returned empty, its size in `skippedOversize` (a video in a foreign crawl).
    public func nextMember(limit: Int, skipOversize: Bool = false) throws -> Data? {
        skippedOversize = nil
        var drained = 0
        try fill()
        if inputStart >= inputEnd { return nil }
        offset = consumed
        inflateReset(&stream)
        var output = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            try fill()
            if inputStart >= inputEnd {
                throw CorpusError(file: path, stage: .warc, reason: "gzip member at offset \(offset) is truncated")
            }
            let available = inputEnd - inputStart
            let (code, used, produced) = input.withUnsafeMutableBufferPointer { source in
                buffer.withUnsafeMutableBufferPointer { out -> (Int32, Int, Int) in
                    stream.next_in = source.baseAddress! + inputStart
                    stream.avail_in = uInt(available)
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    let code = inflate(&stream, Z_NO_FLUSH)
                    return (code, available - Int(stream.avail_in), out.count - Int(stream.avail_out))
                }
            }
            inputStart += used
            consumed += UInt64(used)
            if skippedOversize != nil {
                drained += produced
                skippedOversize = drained
            } else {
                output.append(contentsOf: buffer[0..<produced])
            }
            if output.count > limit {
                guard skipOversize else {
                    throw CorpusError(
                        file: path, stage: .warc, reason: "gzip member at offset \(offset) is over the \(limit)-byte record limit")
                }
                drained = output.count
                skippedOversize = drained
                output = Data()
            }
            switch code {
            case Z_STREAM_END: return output
            case Z_OK, Z_BUF_ERROR: continue
            default:
                let message = stream.msg.map { String(cString: $0) } ?? "error \(code)"
                throw CorpusError(file: path, stage: .warc, reason: "gzip member at offset \(offset) is corrupt: \(message)")
            }
        }
    }
}
