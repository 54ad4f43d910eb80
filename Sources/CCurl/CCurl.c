#include "CCurl.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_cleanup)(CURLM *);
    CURLMcode (*multi_add_handle)(CURLM *, CURL *);
    CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
    CURLMcode (*multi_perform)(CURLM *, int *);
    CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd[], unsigned int, int, int *);
    CURLMsg *(*multi_info_read)(CURLM *, int *);
    CURLMcode (*multi_setopt)(CURLM *, CURLMoption, ...);
} api;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char failure[512];
static int loaded;

static void load(void) {
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        snprintf(failure, sizeof failure, "libcurl could not be loaded: %s", dlerror());
        return;
    }
#define LOAD(field, symbol)                                                                      \
    if ((*(void **)&api.field = dlsym(library, symbol)) == NULL) {                               \
        snprintf(failure, sizeof failure, "libcurl could not be loaded: %s is missing", symbol); \
        return;                                                                                  \
    }
    LOAD(global_init, "curl_global_init")
    LOAD(easy_init, "curl_easy_init")
    LOAD(easy_cleanup, "curl_easy_cleanup")
    LOAD(easy_strerror, "curl_easy_strerror")
    LOAD(easy_setopt, "curl_easy_setopt")
    LOAD(easy_getinfo, "curl_easy_getinfo")
    LOAD(slist_append, "curl_slist_append")
    LOAD(slist_free_all, "curl_slist_free_all")
    LOAD(multi_init, "curl_multi_init")
    LOAD(multi_cleanup, "curl_multi_cleanup")
    LOAD(multi_add_handle, "curl_multi_add_handle")
    LOAD(multi_remove_handle, "curl_multi_remove_handle")
    LOAD(multi_perform, "curl_multi_perform")
    LOAD(multi_poll, "curl_multi_poll")
    LOAD(multi_info_read, "curl_multi_info_read")
    LOAD(multi_setopt, "curl_multi_setopt")
#undef LOAD
    loaded = 1;
}

static int ready(void) {
    pthread_once(&once, load);
    return loaded;
}

const char *ccurl_load_error(void) { return ready() ? NULL : failure; }

CURLcode ccurl_global_init(long flags) { return ready() ? api.global_init(flags) : CURLE_FAILED_INIT; }
CURL *ccurl_easy_init(void) { return ready() ? api.easy_init() : NULL; }
void ccurl_easy_cleanup(CURL *handle) {
    if (ready()) api.easy_cleanup(handle);
}
const char *ccurl_easy_strerror(CURLcode code) { return ready() ? api.easy_strerror(code) : failure; }
struct curl_slist *ccurl_slist_append(struct curl_slist *list, const char *string) {
    return ready() ? api.slist_append(list, string) : NULL;
}
void ccurl_slist_free_all(struct curl_slist *list) {
    if (ready()) api.slist_free_all(list);
}
CURLM *ccurl_multi_init(void) { return ready() ? api.multi_init() : NULL; }
CURLMcode ccurl_multi_cleanup(CURLM *multi) { return ready() ? api.multi_cleanup(multi) : CURLM_INTERNAL_ERROR; }
CURLMcode ccurl_multi_add_handle(CURLM *multi, CURL *handle) {
    return ready() ? api.multi_add_handle(multi, handle) : CURLM_INTERNAL_ERROR;
}
CURLMcode ccurl_multi_remove_handle(CURLM *multi, CURL *handle) {
    return ready() ? api.multi_remove_handle(multi, handle) : CURLM_INTERNAL_ERROR;
}
CURLMcode ccurl_multi_perform(CURLM *multi, int *running) {
    return ready() ? api.multi_perform(multi, running) : CURLM_INTERNAL_ERROR;
}
CURLMcode ccurl_multi_poll(CURLM *multi, struct curl_waitfd extra[], unsigned int count, int timeout, int *numfds) {
    return ready() ? api.multi_poll(multi, extra, count, timeout, numfds) : CURLM_INTERNAL_ERROR;
}
CURLMsg *ccurl_multi_info_read(CURLM *multi, int *queued) { return ready() ? api.multi_info_read(multi, queued) : NULL; }

CURLcode ccurl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return ready() ? api.easy_setopt(handle, option, value) : CURLE_FAILED_INIT;
}
CURLcode ccurl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return ready() ? api.easy_setopt(handle, option, value) : CURLE_FAILED_INIT;
}
CURLcode ccurl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return ready() ? api.easy_setopt(handle, option, value) : CURLE_FAILED_INIT;
}
CURLcode ccurl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return ready() ? api.easy_setopt(handle, option, value) : CURLE_FAILED_INIT;
}
CURLcode ccurl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return ready() ? api.easy_setopt(handle, option, value) : CURLE_FAILED_INIT;
}
CURLcode ccurl_easy_setopt_write_function(CURL *handle, CURLoption option, curl_write_callback callback) {
    return ready() ? api.easy_setopt(handle, option, callback) : CURLE_FAILED_INIT;
}
CURLcode ccurl_easy_setopt_debug_function(CURL *handle, curl_debug_callback callback) {
    return ready() ? api.easy_setopt(handle, CURLOPT_DEBUGFUNCTION, callback) : CURLE_FAILED_INIT;
}
CURLcode ccurl_easy_setopt_opensocket_function(CURL *handle, curl_opensocket_callback callback) {
    return ready() ? api.easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, callback) : CURLE_FAILED_INIT;
}
CURLcode ccurl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return ready() ? api.easy_getinfo(handle, info, value) : CURLE_FAILED_INIT;
}
CURLcode ccurl_easy_getinfo_string(CURL *handle, CURLINFO info, char **value) {
    return ready() ? api.easy_getinfo(handle, info, value) : CURLE_FAILED_INIT;
}
CURLMcode ccurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return ready() ? api.multi_setopt(multi, option, value) : CURLM_INTERNAL_ERROR;
}
