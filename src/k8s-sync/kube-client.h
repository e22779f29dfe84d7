/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * HTTPS to the Kubernetes API server with libcurl: synchronous requests for
 * reads and writes, and streaming requests (watches) driven by the sd-event
 * loop through a curl multi handle. TLS is always verified against the
 * configured CA (unless a kubeconfig says insecure-skip-tls-verify).
 */
#pragma once

#include <json-c/json.h>
#include <systemd/sd-event.h>

#include "kube-config.h"
#include "macro.h"

typedef struct KubeClient KubeClient;
typedef struct KubeStream KubeStream;

/* Takes ownership of config. */
int kube_client_new(KubeConfig *config, sd_event *event, KubeClient **ret);
KubeClient *kube_client_free(KubeClient *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(KubeClient *, kube_client_free)
const KubeConfig *kube_client_config(KubeClient *c);

/*
 * A synchronous request; path starts with '/' (query included), body may be
 * NULL, content_type NULL means application/json. 2xx: 0, *ret the parsed
 * body (NULL if empty). Otherwise -errno and *ret the Status the server sent
 * (if any):
 *   -ENOENT 404, -EEXIST 409 AlreadyExists, -ESTALE 409 Conflict, -ETIME 410,
 *   -EACCES 401, -EPERM 403, -EINVAL 400/422, -EAGAIN 429 and 5xx,
 *   -ECONNREFUSED, -ETIMEDOUT, -EHOSTUNREACH, -ECONNABORTED (TLS) for transport.
 * Transport and TLS failures are logged at debug level with curl's message;
 * kube_last_error() has it.
 */
int kube_request(KubeClient *c, const char *method, const char *path, json_object *body,
                 const char *content_type, json_object **ret);
const char *kube_last_error(KubeClient *c);
/* The message of a Status object, or a fallback. */
const char *kube_status_message(json_object *status);

/* Append a percent-encoded query value. */
char *kube_escape(KubeClient *c, const char *s);

/*
 * A streaming GET (a watch). on_object is called for every JSON object in the
 * body as it arrives (when the response is 200); on_done once at the end with
 * 0 (server closed), or -errno (transport), the HTTP status, and the Status
 * body of a non-200 answer. The stream is freed after on_done returns; cancel
 * it before that with kube_stream_cancel (no callback then).
 */
typedef void (*kube_stream_object_t)(KubeStream *s, json_object *o, void *userdata);
typedef void (*kube_stream_done_t)(KubeStream *s, int error, long http_status, json_object *status,
                                   void *userdata);
int kube_stream_start(KubeClient *c, const char *path, long timeout_sec, kube_stream_object_t on_object,
                      kube_stream_done_t on_done, void *userdata, KubeStream **ret);
void kube_stream_cancel(KubeStream *s);
/* Abort from inside on_object: on_done follows with -ECANCELED. */
void kube_stream_abort(KubeStream *s);
