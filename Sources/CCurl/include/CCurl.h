#ifndef DCCORPUS_CCURL_H
#define DCCORPUS_CCURL_H
#include <curl/curl.h>

// libcurl, loaded at the first call (dlopen of libcurl.so.4): a process that never fetches does
// not load it, nor the TLS, Kerberos, LDAP and SSH libraries it pulls in (about 5 ms of every
// start of the program). Each function below calls libcurl's own of the same name.

/// NULL once libcurl is loaded; else why it could not be (libcurl's functions then fail:
/// the init functions return NULL or CURLE_FAILED_INIT).
const char *ccurl_load_error(void);

CURLcode ccurl_global_init(long flags);
CURL *ccurl_easy_init(void);
void ccurl_easy_cleanup(CURL *handle);
const char *ccurl_easy_strerror(CURLcode code);
struct curl_slist *ccurl_slist_append(struct curl_slist *list, const char *string);
void ccurl_slist_free_all(struct curl_slist *list);
CURLM *ccurl_multi_init(void);
CURLMcode ccurl_multi_cleanup(CURLM *multi);
CURLMcode ccurl_multi_add_handle(CURLM *multi, CURL *handle);
CURLMcode ccurl_multi_remove_handle(CURLM *multi, CURL *handle);
CURLMcode ccurl_multi_perform(CURLM *multi, int *running);
CURLMcode ccurl_multi_poll(CURLM *multi, struct curl_waitfd extra[], unsigned int count, int timeout, int *numfds);
CURLMsg *ccurl_multi_info_read(CURLM *multi, int *queued);

// curl_easy_setopt, curl_easy_getinfo and curl_multi_setopt are variadic: Swift cannot call
// them. These typed wrappers can, one per argument type.
CURLcode ccurl_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode ccurl_easy_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode ccurl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode ccurl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);
CURLcode ccurl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
CURLcode ccurl_easy_setopt_write_function(CURL *handle, CURLoption option, curl_write_callback callback);
CURLcode ccurl_easy_setopt_debug_function(CURL *handle, curl_debug_callback callback);
CURLcode ccurl_easy_setopt_opensocket_function(CURL *handle, curl_opensocket_callback callback);
CURLcode ccurl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode ccurl_easy_getinfo_string(CURL *handle, CURLINFO info, char **value);
CURLMcode ccurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value);

/// The easy handle and result of a finished transfer, from a CURLMsg (a union Swift reads poorly).
static inline int ccurl_message_done(CURLMsg *message, CURL **handle, CURLcode *result) {
    if (message->msg != CURLMSG_DONE) return 0;
    *handle = message->easy_handle;
    *result = message->data.result;
    return 1;
}
#endif
