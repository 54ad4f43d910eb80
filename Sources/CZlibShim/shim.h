#ifndef DCCORPUS_CZLIB_SHIM_H
#define DCCORPUS_CZLIB_SHIM_H
#include <zlib.h>

/// `deflateInit2` and `inflateInit2` are macros Swift cannot call; these typed wrappers are.
/// windowBits 31 = 15 + 16: write a gzip member (header + trailer), not a raw zlib stream.
static inline int czlib_gzip_deflate_init(z_streamp stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
}
/// windowBits 31: read exactly one gzip member; the caller restarts for the next member.
static inline int czlib_gzip_inflate_init(z_streamp stream) {
    return inflateInit2(stream, 31);
}
/// windowBits 15: a zlib stream (HTTP `deflate` as RFC 9110 defines it); -15: raw deflate, which
/// some servers send under the same name; 47 = 32 + 15: zlib or gzip, detected from the header.
static inline int czlib_inflate_init_bits(z_streamp stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}
#endif
