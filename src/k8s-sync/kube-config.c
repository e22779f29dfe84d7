/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See kube-config.h. */
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "fileio.h"
#include "json-util.h"
#include "kube-config.h"
#include "log.h"

#define KUBECONFIG_MAX (4u << 20)
#define SA_DIR_DEFAULT "/var/run/secrets/kubernetes.io/serviceaccount"

KubeConfig *kube_config_free(KubeConfig *c)
{
        if (!c)
                return NULL;
        free(c->server);
        free(c->ca_file);
        free(c->ca_data);
        free(c->tls_server_name);
        if (c->token)
                explicit_bzero(c->token, strlen(c->token));
        free(c->token);
        free(c->token_file);
        free(c->client_cert_file);
        free(c->client_key_file);
        free(c->client_cert_data);
        if (c->client_key_data)
                explicit_bzero(c->client_key_data, c->client_key_size);
        free(c->client_key_data);
        free(c->namespace);
        free(c);
        return NULL;
}

static char *strip(char *s)
{
        size_t n = strlen(s);

        while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
                s[--n] = 0;
        return s;
}

static int read_small_file(const char *path, char **ret)
{
        _cleanup_free_ char *s = NULL;
        int r;

        r = read_full_file_at(AT_FDCWD, path, 1u << 20, &s, NULL);
        if (r < 0)
                return r;
        strip(s);
        *ret = TAKE_PTR(s);
        return 0;
}

int kube_config_in_cluster(const char *sa_dir, KubeConfig **ret)
{
        _cleanup_(kube_config_freep) KubeConfig *c = NULL;
        const char *host = getenv("KUBERNETES_SERVICE_HOST"), *port = getenv("KUBERNETES_SERVICE_PORT");
        char *ns = NULL;
        int r;

        if (!host || !*host || !port || !*port)
                return -ENXIO;
        sa_dir = sa_dir ?: SA_DIR_DEFAULT;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        if (asprintf(&c->server, strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s", host, port) < 0 ||
            asprintf(&c->token_file, "%s/token", sa_dir) < 0 ||
            asprintf(&c->ca_file, "%s/ca.crt", sa_dir) < 0 ||
            asprintf(&ns, "%s/namespace", sa_dir) < 0)
                return -ENOMEM;
        if (access(c->token_file, R_OK) < 0 || access(c->ca_file, R_OK) < 0) {
                r = negative_errno();
                free(ns);
                return log_error_errno(r, "In-cluster configuration is incomplete: cannot read %s/token and %s/ca.crt: %m",
                                       sa_dir, sa_dir);
        }
        if (read_small_file(ns, &c->namespace) < 0)
                c->namespace = NULL;
        free(ns);
        *ret = TAKE_PTR(c);
        return 0;
}

/* Look up the entry called name in a kubeconfig list (clusters, users,
 * contexts) and return its inner object (cluster, user, context). */
static json_object *find_named(json_object *root, const char *list, const char *inner, const char *name)
{
        json_object *a = json_get(root, list);
        size_t n = a && json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;

        for (size_t i = 0; name && i < n; i++) {
                json_object *e = json_object_array_get_idx(a, i);
                const char *nm = json_get_str(e, "name");

                if (nm && strcmp(nm, name) == 0)
                        return json_get(e, inner);
        }
        return NULL;
}

static int resolve_path(const char *dir, const char *p, char **ret)
{
        if (!p) {
                *ret = NULL;
                return 0;
        }
        if (p[0] == '/')
                *ret = strdup(p);
        else if (asprintf(ret, "%s/%s", dir, p) < 0)
                *ret = NULL;
        return *ret ? 0 : -ENOMEM;
}

static int decode_data(const char *b64, char **ret, size_t *ret_size, const char *what)
{
        void *data = NULL;
        size_t n = 0;
        char *s;
        int r;

        if (!b64) {
                *ret = NULL;
                return 0;
        }
        r = base64_decode(b64, &data, &n);
        if (r < 0)
                return log_error_errno(r, "kubeconfig: %s is not valid base64.", what);
        /* NUL-terminate: PEM text is handed to libcurl as a blob of n bytes. */
        s = realloc(data, n + 1);
        if (!s) {
                free(data);
                return -ENOMEM;
        }
        s[n] = 0;
        *ret = s;
        *ret_size = n;
        return 0;
}

static int dup_str(const char *s, char **ret)
{
        *ret = s ? strdup(s) : NULL;
        return !s || *ret ? 0 : -ENOMEM;
}

int kube_config_load(const char *path, const char *context, KubeConfig **ret)
{
        _cleanup_(kube_config_freep) KubeConfig *c = NULL;
        _cleanup_json_ json_object *root = NULL;
        _cleanup_free_ char *text = NULL, *dircopy = NULL;
        json_object *ctx, *cluster, *user;
        const char *dir;
        size_t size;
        int r;

        r = read_full_file_at(AT_FDCWD, path, KUBECONFIG_MAX, &text, &size);
        if (r < 0)
                return log_error_errno(r, "Failed to read kubeconfig '%s': %m", path);
        r = yaml_parse_to_json(text, size, &root);
        if (r < 0 || !json_object_is_type(root, json_type_object))
                return log_error_errno(r < 0 ? r : -EBADMSG, "Failed to parse kubeconfig '%s': not a YAML mapping.", path);
        dircopy = strdup(path);
        if (!dircopy)
                return -ENOMEM;
        dir = dirname(dircopy);

        context = context ?: json_get_str(root, "current-context");
        ctx = find_named(root, "contexts", "context", context);
        if (!ctx)
                return log_error_errno(-ENOENT, "kubeconfig '%s': no context '%s'.", path, strempty(context));
        cluster = find_named(root, "clusters", "cluster", json_get_str(ctx, "cluster"));
        user = find_named(root, "users", "user", json_get_str(ctx, "user"));
        if (!cluster || !json_get_str(cluster, "server"))
                return log_error_errno(-ENOENT, "kubeconfig '%s': context '%s' names no cluster with a server.",
                                       path, context);

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        r = dup_str(json_get_str(cluster, "server"), &c->server);
        if (r >= 0)
                r = resolve_path(dir, json_get_str(cluster, "certificate-authority"), &c->ca_file);
        if (r >= 0)
                r = decode_data(json_get_str(cluster, "certificate-authority-data"), &c->ca_data,
                                &c->ca_data_size, "certificate-authority-data");
        if (r >= 0)
                r = dup_str(json_get_str(cluster, "tls-server-name"), &c->tls_server_name);
        if (r >= 0)
                r = dup_str(json_get_str(ctx, "namespace"), &c->namespace);
        if (r >= 0 && user) {
                r = dup_str(json_get_str(user, "token"), &c->token);
                if (r >= 0)
                        r = resolve_path(dir, json_get_str(user, "tokenFile"), &c->token_file);
                if (r >= 0)
                        r = resolve_path(dir, json_get_str(user, "client-certificate"), &c->client_cert_file);
                if (r >= 0)
                        r = resolve_path(dir, json_get_str(user, "client-key"), &c->client_key_file);
                if (r >= 0)
                        r = decode_data(json_get_str(user, "client-certificate-data"), &c->client_cert_data,
                                        &c->client_cert_size, "client-certificate-data");
                if (r >= 0)
                        r = decode_data(json_get_str(user, "client-key-data"), &c->client_key_data,
                                        &c->client_key_size, "client-key-data");
                if (r >= 0 && json_get(user, "exec"))
                        log_warning("kubeconfig '%s': exec credential plugins are not supported; use a token.", path);
        }
        if (r < 0)
                return r;
        c->insecure = json_get_bool(cluster, "insecure-skip-tls-verify", false);
        if (c->insecure)
                log_warning("kubeconfig '%s' sets insecure-skip-tls-verify: the API server's certificate is NOT verified.",
                            path);
        /* A trailing slash would double up in request paths. */
        size = strlen(c->server);
        while (size > 0 && c->server[size - 1] == '/')
                c->server[--size] = 0;
        *ret = TAKE_PTR(c);
        return 0;
}

int kube_config_get_token(KubeConfig *c, char **ret)
{
        if (c->token_file)
                return read_small_file(c->token_file, ret);
        return dup_str(c->token, ret);
}
