#ifndef DCCORPUS_CPOPPLER_SHIM_H
#define DCCORPUS_CPOPPLER_SHIM_H
// poppler-glib (PDF documents, their pages' text and the place of every character), loaded the
// first time a PDF is read: linked at build time, it and the thirty-odd libraries it pulls in
// (glib, cairo, fontconfig, …) added about 4 ms to the start of every command, PDF or not.
// The few functions used are looked up by name; their types are poppler-glib 22's.
#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef struct cpoppler_document cpoppler_document;  // PopplerDocument
typedef struct cpoppler_page cpoppler_page;          // PopplerPage
typedef struct cpoppler_bytes cpoppler_bytes;        // GBytes
/// GError's layout: a GQuark domain, a code, a message.
typedef struct {
    uint32_t domain;
    int code;
    char *message;
} cpoppler_error;
/// PopplerRectangle.
typedef struct {
    double x1, y1, x2, y2;
} cpoppler_rectangle;
/// POPPLER_ERROR_ENCRYPTED of enum PopplerError.
enum { CPOPPLER_ERROR_ENCRYPTED = 1 };

typedef struct {
    int loaded;
    cpoppler_document *(*document_new_from_bytes)(cpoppler_bytes *bytes, const char *password, cpoppler_error **error);
    int (*document_get_n_pages)(cpoppler_document *document);
    cpoppler_page *(*document_get_page)(cpoppler_document *document, int index);
    char *(*document_get_title)(cpoppler_document *document);
    time_t (*document_get_creation_date)(cpoppler_document *document);
    char *(*page_get_text)(cpoppler_page *page);
    int (*page_get_text_layout)(cpoppler_page *page, cpoppler_rectangle **rectangles, unsigned int *count);
    uint32_t (*error_quark)(void);
    void (*object_unref)(void *object);
    void (*free)(void *memory);
    cpoppler_bytes *(*bytes_new)(const void *data, size_t size);
    void (*bytes_unref)(cpoppler_bytes *bytes);
    void (*error_free)(cpoppler_error *error);
} cpoppler_api;

/// Loads poppler-glib and looks its functions up; `loaded` is 0 when the library or one of them
/// is missing.
static inline cpoppler_api cpoppler_load(void) {
    cpoppler_api api = {0};
    void *library = dlopen("libpoppler-glib.so.8", RTLD_NOW | RTLD_LOCAL);
    if (!library) library = dlopen("libpoppler-glib.so", RTLD_NOW | RTLD_LOCAL);
    if (!library) return api;
    *(void **)&api.document_new_from_bytes = dlsym(library, "poppler_document_new_from_bytes");
    *(void **)&api.document_get_n_pages = dlsym(library, "poppler_document_get_n_pages");
    *(void **)&api.document_get_page = dlsym(library, "poppler_document_get_page");
    *(void **)&api.document_get_title = dlsym(library, "poppler_document_get_title");
    *(void **)&api.document_get_creation_date = dlsym(library, "poppler_document_get_creation_date");
    *(void **)&api.page_get_text = dlsym(library, "poppler_page_get_text");
    *(void **)&api.page_get_text_layout = dlsym(library, "poppler_page_get_text_layout");
    *(void **)&api.error_quark = dlsym(library, "poppler_error_quark");
    // glib's, found through poppler-glib's own dependencies.
    *(void **)&api.object_unref = dlsym(library, "g_object_unref");
    *(void **)&api.free = dlsym(library, "g_free");
    *(void **)&api.bytes_new = dlsym(library, "g_bytes_new");
    *(void **)&api.bytes_unref = dlsym(library, "g_bytes_unref");
    *(void **)&api.error_free = dlsym(library, "g_error_free");
    api.loaded = api.document_new_from_bytes && api.document_get_n_pages && api.document_get_page && api.document_get_title
        && api.document_get_creation_date && api.page_get_text && api.page_get_text_layout && api.error_quark
        && api.object_unref && api.free && api.bytes_new && api.bytes_unref && api.error_free;
    return api;
}
#endif
