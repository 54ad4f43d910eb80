#ifndef DCCORPUS_CPOPPLER_SHIM_H
#define DCCORPUS_CPOPPLER_SHIM_H
// poppler-glib: PDF documents, their pages' text and the position of every character.
#include <poppler.h>

/// g_object_unref takes a gpointer; a typed wrapper keeps Swift's calls plain.
static inline void cpoppler_unref(void *object) { if (object) g_object_unref(object); }
static inline void cpoppler_free(void *memory) { g_free(memory); }
/// Whether an error is poppler's "encrypted" (a password is needed).
static inline int cpoppler_is_encrypted(const GError *error) {
    return error && error->domain == POPPLER_ERROR && error->code == POPPLER_ERROR_ENCRYPTED;
}
#endif
