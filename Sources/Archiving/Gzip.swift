import CZlibShim
import CorpusKit
import Foundation

/// gzip through zlib. Each WARC record is its own gzip member, so readers can seek to a record
/// and a damaged member spoils only itself.
public enum Gzip {
    /// Compresses `data` into one complete gzip member.
    public static func member(_ data: Data, level: Int32 = 6) throws -> Data {
        var stream = z_stream()
        guard czlib_gzip_deflate_init(&stream, level) == Z_OK else {
            throw CorpusError(file: "-", stage: .warc, reason: "zlib deflate init failed")
        }
        defer { deflateEnd(&stream) }
        var output = Data()
        let chunk = 1 << 16
        var buffer = [UInt8](repeating: 0, count: chunk)
        var input = data
        let status: Int32 = input.withUnsafeMutableBytes { (source: UnsafeMutableRawBufferPointer) -> Int32 in
            stream.next_in = source.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.avail_in = uInt(source.count)
            var result: Int32 = Z_OK
            repeat {
                result = buffer.withUnsafeMutableBufferPointer { out -> Int32 in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(chunk)
                    let code = deflate(&stream, Z_FINISH)
                    output.append(out.baseAddress!, count: chunk - Int(stream.avail_out))
                    return code
                }
            } while result == Z_OK || result == Z_BUF_ERROR && stream.avail_out == 0
            return result
        }
        guard status == Z_STREAM_END else {
            throw CorpusError(file: "-", stage: .warc, reason: "zlib deflate failed (\(status))")
        }
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

    /// The next member's decompressed bytes, or nil at the end of the file.
    /// Throws if the member is corrupt, truncated, or decompresses past `limit`.
    public func nextMember(limit: Int) throws -> Data? {
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
            output.append(contentsOf: buffer[0..<produced])
            if output.count > limit {
                throw CorpusError(
                    file: path, stage: .warc, reason: "gzip member at offset \(offset) is over the \(limit)-byte record limit")
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
