/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See kube-client.h. */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "json-util.h"
#include "kube-client.h"
#include "log.h"

#define CONNECT_TIMEOUT_SEC 5L
#define REQUEST_TIMEOUT_SEC 30L
#define BODY_MAX (64u << 20)
#define ERROR_BODY_MAX (256u << 10)

typedef struct Buffer {
        char *data;
        size_t size;
} Buffer;

struct KubeClient {
        KubeConfig *config;
        sd_event *event;
        CURL *easy;   /* synchronous requests; keeps its connection alive */
        CURLM *multi; /* streams */
        sd_event_source *timer;
        KubeStream **streams;
        size_t n_streams;
        char error[CURL_ERROR_SIZE];
};

struct KubeStream {
        KubeClient *client;
        CURL *easy;
        struct curl_slist *headers;
        json_tokener *tok;
        Buffer error_body;
        long status;
        bool aborted;
        kube_stream_object_t on_object;
        kube_stream_done_t on_done;
        void *userdata;
        char error[CURL_ERROR_SIZE];
};

static int buffer_append(Buffer *b, const char *p, size_t n, size_t max)
{
        char *d;

        if (b->size + n > max)
                return -EFBIG;
        d = realloc(b->data, b->size + n + 1);
        if (!d)
                return -ENOMEM;
        memcpy(d + b->size, p, n);
        b->size += n;
        d[b->size] = 0;
        b->data = d;
        return 0;
}

static size_t on_body(char *p, size_t size, size_t n, void *userdata)
{
        return buffer_append(userdata, p, size * n, BODY_MAX) < 0 ? 0 : size * n;
}

static void stream_free(KubeStream *s);

KubeClient *kube_client_free(KubeClient *c)
{
        if (!c)
                return NULL;
        while (c->n_streams > 0)
                kube_stream_cancel(c->streams[0]);
        free(c->streams);
        sd_event_source_disable_unref(c->timer);
        if (c->multi)
                curl_multi_cleanup(c->multi);
        if (c->easy)
                curl_easy_cleanup(c->easy);
        sd_event_unref(c->event);
        kube_config_free(c->config);
        free(c);
        return NULL;
}

const KubeConfig *kube_client_config(KubeClient *c)
{
        return c->config;
}

/* Options every request shares: TLS, credentials, headers. */
static int setup_easy(KubeClient *c, CURL *e, const char *path, struct curl_slist **headers, char *errbuf)
{
        _cleanup_free_ char *url = NULL, *token = NULL, *auth = NULL;
        const KubeConfig *k = c->config;
        struct curl_slist *h = NULL;
        int r;

        if (asprintf(&url, "%s%s", k->server, path) < 0)
                return -ENOMEM;
        r = kube_config_get_token(c->config, &token);
        if (r < 0)
                return log_error_errno(r, "Failed to read the service-account token '%s': %m",
                                       strempty(k->token_file));
        curl_easy_setopt(e, CURLOPT_URL, url);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_SEC);
        curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
        curl_easy_setopt(e, CURLOPT_TCP_KEEPIDLE, 30L);
        curl_easy_setopt(e, CURLOPT_TCP_KEEPINTVL, 10L);
        curl_easy_setopt(e, CURLOPT_USERAGENT, "sysrec-k8s-sync/" SYSREC_VERSION);
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https,http");
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, k->insecure ? 0L : 1L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, k->insecure ? 0L : 2L);
        if (k->ca_file)
                curl_easy_setopt(e, CURLOPT_CAINFO, k->ca_file);
        if (k->ca_data) {
                struct curl_blob blob = { .data = k->ca_data, .len = k->ca_data_size, .flags = CURL_BLOB_COPY };
                curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob);
        }
        if (k->client_cert_file)
                curl_easy_setopt(e, CURLOPT_SSLCERT, k->client_cert_file);
        if (k->client_key_file)
                curl_easy_setopt(e, CURLOPT_SSLKEY, k->client_key_file);
        if (k->client_cert_data) {
                struct curl_blob blob = { .data = k->client_cert_data, .len = k->client_cert_size,
                                          .flags = CURL_BLOB_COPY };
                curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, &blob);
        }
        if (k->client_key_data) {
                struct curl_blob blob = { .data = k->client_key_data, .len = k->client_key_size,
                                          .flags = CURL_BLOB_COPY };
                curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, &blob);
        }
        h = curl_slist_append(h, "Accept: application/json");
        if (token) {
                if (asprintf(&auth, "Authorization: Bearer %s", token) < 0) {
                        curl_slist_free_all(h);
                        return -ENOMEM;
                }
                h = curl_slist_append(h, auth);
                explicit_bzero(auth, strlen(auth));
                explicit_bzero(token, strlen(token));
        }
        if (!h)
                return -ENOMEM;
        *headers = h;
        return 0;
}

static int curl_code_to_errno(CURLcode cc)
{
        switch (cc) {
        case CURLE_OK:
                return 0;
        case CURLE_COULDNT_CONNECT:
                return -ECONNREFUSED;
        case CURLE_COULDNT_RESOLVE_HOST:
                return -EHOSTUNREACH;
        case CURLE_OPERATION_TIMEDOUT:
                return -ETIMEDOUT;
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CERTPROBLEM:
                return -ECONNABORTED;
        case CURLE_OUT_OF_MEMORY:
                return -ENOMEM;
        case CURLE_WRITE_ERROR:
                return -ECANCELED;
        default:
                return -EIO;
        }
}

static int http_status_to_errno(long status, json_object *body)
{
        const char *reason = json_get_str(body, "reason");

        if (status >= 200 && status < 300)
                return 0;
        switch (status) {
        case 400:
        case 422:
                return -EINVAL;
        case 401:
                return -EACCES;
        case 403:
                return -EPERM;
        case 404:
                return -ENOENT;
        case 409:
                return reason && strcmp(reason, "AlreadyExists") == 0 ? -EEXIST : -ESTALE;
        case 410:
                return -ETIME;
        case 415:
                return -EPROTONOSUPPORT;
        default:
                return status == 429 || status >= 500 ? -EAGAIN : -EPROTO;
        }
}

const char *kube_status_message(json_object *status)
{
        return json_get_str(status, "message") ?: "no message";
}

const char *kube_last_error(KubeClient *c)
{
        return c->error;
}

int kube_request(KubeClient *c, const char *method, const char *path, json_object *body,
                 const char *content_type, json_object **ret)
{
        _cleanup_free_ char *ctype = NULL;
        struct curl_slist *headers = NULL;
        Buffer out = {};
        json_object *parsed = NULL;
        CURLcode cc;
        long status = 0;
        int r;

        curl_easy_reset(c->easy);
        c->error[0] = 0;
        r = setup_easy(c, c->easy, path, &headers, c->error);
        if (r < 0)
                return r;
        if (asprintf(&ctype, "Content-Type: %s", content_type ?: "application/json") < 0) {
                curl_slist_free_all(headers);
                return -ENOMEM;
        }
        if (body)
                headers = curl_slist_append(headers, ctype);
        curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(c->easy, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(c->easy, CURLOPT_TIMEOUT, REQUEST_TIMEOUT_SEC);
        curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, &out);
        if (body)
                curl_easy_setopt(c->easy, CURLOPT_COPYPOSTFIELDS, json_text(body));
        else if (strcmp(method, "GET") != 0)
                curl_easy_setopt(c->easy, CURLOPT_POSTFIELDSIZE, 0L);

        cc = curl_easy_perform(c->easy);
        curl_slist_free_all(headers);
        if (cc != CURLE_OK) {
                free(out.data);
                if (!c->error[0])
                        snprintf(c->error, sizeof(c->error), "%s", curl_easy_strerror(cc));
                log_debug("%s %s: %s", method, path, c->error);
                return curl_code_to_errno(cc);
        }
        curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
        if (out.size > 0 && json_parse(out.data, out.size, &parsed) < 0)
                parsed = NULL;
        free(out.data);
        r = http_status_to_errno(status, parsed);
        if (r < 0)
                snprintf(c->error, sizeof(c->error), "HTTP %ld: %s", status, kube_status_message(parsed));
        log_debug("%s %s: HTTP %ld", method, path, status);
        if (ret)
                *ret = parsed;
        else
                json_object_put(parsed);
        return r;
}

char *kube_escape(KubeClient *c, const char *s)
{
        char *e = curl_easy_escape(c->easy, s, 0), *copy;

        if (!e)
                return NULL;
        copy = strdup(e);
        curl_free(e);
        return copy;
}

/* ---- streams: curl multi driven by sd-event ---- */

static void check_done(KubeClient *c)
{
        CURLMsg *msg;
        int left;

        while ((msg = curl_multi_info_read(c->multi, &left))) {
                KubeStream *s = NULL;
                _cleanup_json_ json_object *status_body = NULL;
                int error;

                if (msg->msg != CURLMSG_DONE)
                        continue;
                curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
                if (!s)
                        continue;
                error = s->aborted ? -ECANCELED : curl_code_to_errno(msg->data.result);
                if (error < 0 && error != -ECANCELED)
                        log_debug("Stream ended: %s", s->error[0] ? s->error : curl_easy_strerror(msg->data.result));
                if (s->status != 200 && s->error_body.size > 0)
                        (void)json_parse(s->error_body.data, s->error_body.size, &status_body);
                s->on_done(s, error, s->status, status_body, s->userdata);
                stream_free(s);
        }
}

static int on_socket_io(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
        KubeClient *c = userdata;
        int action = 0, running;

        if (revents & (EPOLLIN | EPOLLHUP))
                action |= CURL_CSELECT_IN;
        if (revents & EPOLLOUT)
                action |= CURL_CSELECT_OUT;
        if (revents & EPOLLERR)
                action |= CURL_CSELECT_ERR;
        (void)curl_multi_socket_action(c->multi, fd, action, &running);
        check_done(c);
        return 0;
}

static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
        KubeClient *c = userp;
        sd_event_source *src = socketp;
        uint32_t events = 0;
        int r;

        if (what == CURL_POLL_REMOVE) {
                if (src) {
                        sd_event_source_disable_unref(src);
                        curl_multi_assign(c->multi, fd, NULL);
                }
                return 0;
        }
        if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
                events |= EPOLLIN;
        if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
                events |= EPOLLOUT;
        if (src)
                return sd_event_source_set_io_events(src, events) < 0 ? -1 : 0;
        r = sd_event_add_io(c->event, &src, fd, events, on_socket_io, c);
        if (r < 0) {
                log_error_errno(r, "Failed to watch a connection to the API server: %m");
                return -1;
        }
        (void)sd_event_source_set_description(src, "kube-stream-socket");
        curl_multi_assign(c->multi, fd, src);
        return 0;
}

static int on_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
        KubeClient *c = userdata;
        int running;

        (void)curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
        check_done(c);
        return 0;
}

static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
        KubeClient *c = userp;
        uint64_t now;

        if (timeout_ms < 0)
                return sd_event_source_set_enabled(c->timer, SD_EVENT_OFF) < 0 ? -1 : 0;
        (void)sd_event_now(c->event, CLOCK_MONOTONIC, &now);
        if (sd_event_source_set_time(c->timer, now + (uint64_t)timeout_ms * 1000) < 0 ||
            sd_event_source_set_enabled(c->timer, SD_EVENT_ONESHOT) < 0)
                return -1;
        return 0;
}

int kube_client_new(KubeConfig *config, sd_event *event, KubeClient **ret)
{
        _cleanup_(kube_client_freep) KubeClient *c = NULL;
        int r;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->config = config;
        c->event = sd_event_ref(event);
        c->easy = curl_easy_init();
        c->multi = curl_multi_init();
        if (!c->easy || !c->multi)
                return -ENOMEM;
        r = sd_event_add_time(event, &c->timer, CLOCK_MONOTONIC, UINT64_MAX, 1000, on_timer, c);
        if (r < 0)
                return r;
        (void)sd_event_source_set_enabled(c->timer, SD_EVENT_OFF);
        (void)sd_event_source_set_description(c->timer, "kube-stream-timer");
        curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
        curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
        curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
        curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
        *ret = TAKE_PTR(c);
        return 0;
}

static size_t on_stream_data(char *p, size_t size, size_t n, void *userdata)
{
        KubeStream *s = userdata;
        size_t len = size * n;

        if (s->aborted)
                return 0;
        if (s->status == 0)
                curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &s->status);
        if (s->status != 200)
                return buffer_append(&s->error_body, p, len, ERROR_BODY_MAX) < 0 ? 0 : len;

        while (len > 0 && !s->aborted) {
                json_object *o;
                enum json_tokener_error err;
                size_t used;

                /* Objects are separated by newlines; the tokener skips them. */
                while (len > 0 && (*p == '\n' || *p == '\r' || *p == ' ')) {
                        p++;
                        len--;
                }
                if (len == 0)
                        break;
                o = json_tokener_parse_ex(s->tok, p, (int)len);
                err = json_tokener_get_error(s->tok);
                if (err == json_tokener_continue)
                        break;
                if (err != json_tokener_success) {
                        log_warning("Malformed data in a watch stream (%s); reconnecting.",
                                    json_tokener_error_desc(err));
                        json_object_put(o);
                        return 0;
                }
                used = json_tokener_get_parse_end(s->tok);
                json_tokener_reset(s->tok);
                s->on_object(s, o, s->userdata);
                json_object_put(o);
                p += used;
                len -= used;
        }
        return s->aborted ? 0 : size * n;
}

static void stream_free(KubeStream *s)
{
        KubeClient *c;

        if (!s)
                return;
        c = s->client;
        for (size_t i = 0; i < c->n_streams; i++)
                if (c->streams[i] == s) {
                        memmove(c->streams + i, c->streams + i + 1, sizeof(KubeStream *) * (c->n_streams - i - 1));
                        c->n_streams--;
                        break;
                }
        if (s->easy) {
                curl_multi_remove_handle(c->multi, s->easy);
                curl_easy_cleanup(s->easy);
        }
        curl_slist_free_all(s->headers);
        if (s->tok)
                json_tokener_free(s->tok);
        free(s->error_body.data);
        free(s);
}

void kube_stream_cancel(KubeStream *s)
{
        stream_free(s);
}

void kube_stream_abort(KubeStream *s)
{
        s->aborted = true;
}

int kube_stream_start(KubeClient *c, const char *path, long timeout_sec, kube_stream_object_t on_object,
                      kube_stream_done_t on_done, void *userdata, KubeStream **ret)
{
        KubeStream *s, **a;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->client = c;
        s->on_object = on_object;
        s->on_done = on_done;
        s->userdata = userdata;
        a = realloc(c->streams, sizeof(KubeStream *) * (c->n_streams + 1));
        if (!a) {
                free(s);
                return -ENOMEM;
        }
        c->streams = a;
        c->streams[c->n_streams++] = s;
        s->easy = curl_easy_init();
        s->tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH);
        if (!s->easy || !s->tok) {
                stream_free(s);
                return -ENOMEM;
        }
        r = setup_easy(c, s->easy, path, &s->headers, s->error);
        if (r < 0) {
                stream_free(s);
                return r;
        }
        curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, s->headers);
        curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
        curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, on_stream_data);
        curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s);
        /* The server ends the watch after timeoutSeconds; this only catches a dead peer. */
        if (timeout_sec > 0)
                curl_easy_setopt(s->easy, CURLOPT_TIMEOUT, timeout_sec + 30);
        if (curl_multi_add_handle(c->multi, s->easy) != CURLM_OK) {
                stream_free(s);
                return -ENOMEM;
        }
        if (ret)
                *ret = s;
        return 0;
}
