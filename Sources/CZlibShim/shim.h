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
#endif
