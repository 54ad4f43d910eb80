#ifndef DCCORPUS_CDEFLATE_SHIM_H
#define DCCORPUS_CDEFLATE_SHIM_H
/// libdeflate: whole-buffer DEFLATE, several times as fast as zlib at the same or a better ratio.
/// Used to write each WARC record's gzip member; reading stays with zlib, which streams.
#include <libdeflate.h>
#endif
