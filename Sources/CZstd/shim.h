#ifndef DCCORPUS_CZSTD_SHIM_H
#define DCCORPUS_CZSTD_SHIM_H
// Zstandard's streaming decoder (RFC 8878), for HTTP `Content-Encoding: zstd` bodies.
#include <zstd.h>
#endif
