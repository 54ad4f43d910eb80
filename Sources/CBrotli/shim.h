#ifndef DCCORPUS_CBROTLI_SHIM_H
#define DCCORPUS_CBROTLI_SHIM_H
// Brotli's streaming decoder (RFC 7932), for HTTP `Content-Encoding: br` bodies in archives.
#include <brotli/decode.h>
#endif
