import CBrotli
import CZlibShim
import CZstd
import CorpusKit
import Foundation

/// Undoes HTTP content codings (`Content-Encoding`) for cleaning; the archive keeps the bytes as
/// they were sent, which replay tools such as pywb expect. gzip and deflate through zlib, br
/// through libbrotli, zstd through libzstd, each streamed with the output bounded by `limit`
/// (a small body that inflates past it is a zip bomb, refused with the limit named).
public enum ContentDecoding {
    /// What the fetcher offers in `Accept-Encoding`: every coding it can undo.
    public static let acceptEncoding = "gzip, deflate, br, zstd"

    /// The codings `decode` undoes.
    public static let supported: Set<String> = ["gzip", "x-gzip", "deflate", "br", "zstd"]

    /// `body` with `codings` (in the order they were applied) undone, at most `limit` bytes.
    public static func decode(_ body: Data, codings: [String], limit: Int, source: String) throws -> Data {
        var data = body
        for coding in codings.reversed() {
            switch coding {
            case "gzip", "x-gzip": data = try inflate(data, windowBits: 31, members: true, limit: limit, coding: coding, source: source)
            case "deflate":
                // RFC 9110's deflate is a zlib stream; some servers send raw deflate instead.
                do {
                    data = try inflate(data, windowBits: 15, members: false, limit: limit, coding: coding, source: source)
                } catch let error as CorpusError where !error.reason.contains("limit") {
                    data = try inflate(data, windowBits: -15, members: false, limit: limit, coding: coding, source: source)
                }
            case "br": data = try brotli(data, limit: limit, source: source)
            case "zstd": data = try zstd(data, limit: limit, source: source)
            default:
                throw CorpusError(
                    file: source, stage: .decode,
                    reason: "Content-Encoding \(coding) cannot be decoded (supported: \(supported.sorted().joined(separator: ", ")))")
            }
        }
        return data
    }

    static func overLimit(_ coding: String, _ limit: Int, source: String) -> CorpusError {
        CorpusError(
            file: source, stage: .decode,
            reason: "\(coding) body decodes to more than the \(limit)-byte limit (pipeline.toml limits.max_input_bytes)")
    }

    static func corrupt(_ coding: String, _ detail: String, source: String) -> CorpusError {
        CorpusError(file: source, stage: .decode, reason: "\(coding) body is corrupt: \(detail)")
    }

    /// zlib's inflate; with `members`, concatenated gzip members are read one after another.
    static func inflate(_ input: Data, windowBits: Int32, members: Bool, limit: Int, coding: String, source: String) throws -> Data {
        var stream = z_stream()
        guard czlib_inflate_init_bits(&stream, windowBits) == Z_OK else { throw corrupt(coding, "zlib init failed", source: source) }
        defer { inflateEnd(&stream) }
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        return try input.withUnsafeBytes { raw -> Data in
            guard let base = raw.bindMemory(to: UInt8.self).baseAddress else { return Data() }
            stream.next_in = UnsafeMutablePointer(mutating: base)
            stream.avail_in = uInt(raw.count)
            while true {
                let code = chunk.withUnsafeMutableBufferPointer { out -> Int32 in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    let code = CZlibShim.inflate(&stream, Z_NO_FLUSH)
                    output.append(out.baseAddress!, count: out.count - Int(stream.avail_out))
                    return code
                }
                if output.count > limit { throw overLimit(coding, limit, source: source) }
                switch code {
                case Z_STREAM_END:
                    // Another gzip member may follow (and trailing zero padding, which browsers ignore).
                    let rest = Int(stream.avail_in)
                    if members, rest >= 2, stream.next_in[0] == 0x1f, stream.next_in[1] == 0x8b {
                        inflateReset(&stream)
                        continue
                    }
                    return output
                case Z_OK: continue
                case Z_BUF_ERROR:
                    // No progress possible: the input ended before the stream did.
                    if stream.avail_in == 0 {
                        guard !output.isEmpty else { throw corrupt(coding, "truncated", source: source) }
                        return output  // a truncated body: what decoded is kept, as browsers show it
                    }
                    continue
                default:
                    let message = stream.msg.map { String(cString: $0) } ?? "error \(code)"
                    throw corrupt(coding, message, source: source)
                }
            }
        }
    }

    static func brotli(_ input: Data, limit: Int, source: String) throws -> Data {
        guard let state = BrotliDecoderCreateInstance(nil, nil, nil) else { throw corrupt("br", "no decoder", source: source) }
        defer { BrotliDecoderDestroyInstance(state) }
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        return try input.withUnsafeBytes { raw -> Data in
            var next = raw.bindMemory(to: UInt8.self).baseAddress
            var available = raw.count
            while true {
                var result = BROTLI_DECODER_RESULT_ERROR
                chunk.withUnsafeMutableBufferPointer { out in
                    var outNext: UnsafeMutablePointer<UInt8>? = out.baseAddress
                    var outAvailable = out.count
                    result = BrotliDecoderDecompressStream(state, &available, &next, &outAvailable, &outNext, nil)
                    output.append(out.baseAddress!, count: out.count - outAvailable)
                }
                if output.count > limit { throw overLimit("br", limit, source: source) }
                switch result {
                case BROTLI_DECODER_RESULT_SUCCESS: return output
                case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT: continue
                case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT:
                    guard !output.isEmpty else { throw corrupt("br", "truncated", source: source) }
                    return output
                default:
                    let code = BrotliDecoderGetErrorCode(state)
                    throw corrupt("br", String(cString: BrotliDecoderErrorString(code)), source: source)
                }
            }
        }
    }

    static func zstd(_ input: Data, limit: Int, source: String) throws -> Data {
        guard let context = ZSTD_createDStream() else { throw corrupt("zstd", "no decoder", source: source) }
        defer { ZSTD_freeDStream(context) }
        // A window past 128 MB (zstd's own default cap) is refused, as browsers refuse it.
        ZSTD_DCtx_setParameter(context, ZSTD_d_windowLogMax, 27)
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        return try input.withUnsafeBytes { raw -> Data in
            var inBuffer = ZSTD_inBuffer(src: raw.baseAddress, size: raw.count, pos: 0)
            while true {
                var failure: Int?
                var remaining = 0
                var produced = 0
                let consumedBefore = inBuffer.pos
                chunk.withUnsafeMutableBufferPointer { out in
                    var outBuffer = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
                    let result = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
                    if ZSTD_isError(result) != 0 { failure = result } else { remaining = result }
                    produced = outBuffer.pos
                    output.append(out.baseAddress!, count: produced)
                }
                if let failure { throw corrupt("zstd", String(cString: ZSTD_getErrorName(failure)), source: source) }
                if output.count > limit { throw overLimit("zstd", limit, source: source) }
                // Done: every frame ended and all input read. Stuck: input read, output not full.
                if remaining == 0 && inBuffer.pos == inBuffer.size { break }
                if inBuffer.pos == inBuffer.size && produced < chunk.count || produced == 0 && inBuffer.pos == consumedBefore {
                    guard !output.isEmpty else { throw corrupt("zstd", "truncated", source: source) }
                    break
                }
            }
            return output
        }
    }
}
