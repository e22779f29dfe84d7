/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where the API server is and how to talk to it: the in-cluster configuration
 * (service-account token and CA, KUBERNETES_SERVICE_HOST/PORT) or a kubeconfig
 * file (libyaml), reduced to what libcurl needs.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

typedef struct KubeConfig {
        char *server;           /* https://host:port, no trailing slash */
        char *ca_file;          /* CA bundle to verify the server with ... */
        char *ca_data;          /* ... or the PEM itself */
        size_t ca_data_size;
        char *tls_server_name;
        bool insecure;          /* insecure-skip-tls-verify: true (never in-cluster) */
        char *token;            /* bearer token ... */
        char *token_file;       /* ... or a file holding it, re-read as it rotates */
        char *client_cert_file, *client_key_file;
        char *client_cert_data, *client_key_data;
        size_t client_cert_size, client_key_size;
        char *namespace;        /* default namespace of the context / pod */
} KubeConfig;

KubeConfig *kube_config_free(KubeConfig *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(KubeConfig *, kube_config_free)

/* In-cluster: sa_dir holds token, ca.crt and namespace (default
 * /var/run/secrets/kubernetes.io/serviceaccount); host and port come from
 * KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT. -ENXIO if not in a cluster. */
int kube_config_in_cluster(const char *sa_dir, KubeConfig **ret);

/* A kubeconfig file; context NULL means current-context. Relative file names
 * in it are relative to the file's directory. */
int kube_config_load(const char *path, const char *context, KubeConfig **ret);

/* The bearer token to send now (NULL: none); re-reads token_file. */
int kube_config_get_token(KubeConfig *c, char **ret);
