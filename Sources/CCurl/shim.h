#ifndef PARLEY_CCURL_SHIM_H
#define PARLEY_CCURL_SHIM_H
// curl_easy_setopt / curl_easy_getinfo are variadic, which Swift cannot call:
// one typed wrapper per argument kind.
#include <curl/curl.h>

typedef size_t (*parley_curl_data_cb)(char *ptr, size_t size, size_t nmemb, void *userdata);
typedef int (*parley_curl_debug_cb)(CURL *handle, curl_infotype type, char *data, size_t size, void *userdata);
typedef curl_socket_t (*parley_curl_opensocket_cb)(void *clientp, curlsocktype purpose, struct curl_sockaddr *address);

static inline CURLcode parley_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode parley_curl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode parley_curl_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode parley_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode parley_curl_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode parley_curl_setopt_data_cb(CURL *h, CURLoption o, parley_curl_data_cb v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode parley_curl_setopt_debug_cb(CURL *h, parley_curl_debug_cb v) { return curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, v); }
static inline CURLcode parley_curl_setopt_opensocket_cb(CURL *h, parley_curl_opensocket_cb v) { return curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, v); }

static inline CURLcode parley_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode parley_curl_getinfo_string(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode parley_curl_getinfo_socket(CURL *h, curl_socket_t *v) { return curl_easy_getinfo(h, CURLINFO_ACTIVESOCKET, v); }
static inline CURLcode parley_curl_easy_send(CURL *h, const void *buf, size_t len, size_t *n) { return curl_easy_send(h, buf, len, n); }
static inline CURLcode parley_curl_easy_recv(CURL *h, void *buf, size_t len, size_t *n) { return curl_easy_recv(h, buf, len, n); }

static inline CURLSHcode parley_curl_share_setopt_long(CURLSH *sh, CURLSHoption o, long v) { return curl_share_setopt(sh, o, v); }

// CURLOPT_MAIL_RCPT_ALLLOWFAILS is spelled with three L's in 7.88 and renamed in 8.2.
#if defined(CURLOPT_MAIL_RCPT_ALLOWFAILS)
#define PARLEY_CURLOPT_MAIL_RCPT_ALLOWFAILS CURLOPT_MAIL_RCPT_ALLOWFAILS
#else
#define PARLEY_CURLOPT_MAIL_RCPT_ALLOWFAILS CURLOPT_MAIL_RCPT_ALLLOWFAILS
#endif
static inline CURLoption parley_curlopt_mail_rcpt_allowfails(void) { return PARLEY_CURLOPT_MAIL_RCPT_ALLOWFAILS; }

#endif
