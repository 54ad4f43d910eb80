#ifndef DCCORPUS_CLIBXML2_SHIM_H
#define DCCORPUS_CLIBXML2_SHIM_H
// Debian's libxml2 is built with ICU; its headers would pull ICU types that clash with
// Foundation's. We never use libxml2's ICU conversion (we hand it UTF-8), so drop it.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/HTMLtree.h>
#include <libxml/parserInternals.h>
#include <libxml/dict.h>

/// Parse options for untrusted HTML: never touch the network, never load or expand external
/// entities, keep going after errors, stay quiet, allow deep trees without libxml2's 256 limit
/// being bypassed (HTML_PARSE_HUGE is deliberately not set).
static inline int cxml_safe_html_options(void) {
    return HTML_PARSE_NONET | HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING
         | HTML_PARSE_NOBLANKS | HTML_PARSE_COMPACT;
}

/// Parses UTF-8 bytes as HTML with the options above, keeping the parser's last error code (0 when none) so a page that libxml2 gave up
/// on (nesting past its depth limit, say) can be reported as such rather than as an empty page.
static inline htmlDocPtr cxml_parse_utf8_html_status(const char *bytes, int length, int *lastError) {
    htmlParserCtxtPtr context = htmlNewParserCtxt();
    if (context == NULL) { *lastError = -1; return NULL; }
    htmlDocPtr document = htmlCtxtReadMemory(context, bytes, length, NULL, "UTF-8", cxml_safe_html_options());
    *lastError = context->errNo;
    htmlFreeParserCtxt(context);
    return document;
}

/// libxml2's nesting limit for a tree (256 unless a program changed it) and its deallocator:
/// globals Swift 6 will not read without a lock.
static inline int cxml_max_depth(void) { return (int)xmlParserMaxDepth; }
static inline void cxml_free(void *memory) { xmlFree(memory); }

/// Silences libxml2's global error printer for this thread (errors are counted, not printed).
static void cxml_ignore_error(void *ctx, const char *msg, ...) { (void)ctx; (void)msg; }
static inline void cxml_silence_errors(void) {
    xmlSetGenericErrorFunc(NULL, cxml_ignore_error);
}
#endif
