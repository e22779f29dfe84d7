/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sysrec-k8s-sync: the Kubernetes side of sysrec on one node. It runs in a
 * DaemonSet pod next to the host's sysrecd, which it reaches on the host's
 * system bus, and mirrors the Security Profiles Operator's ProfileRecording
 * and SeccompProfile resources to and from D-Bus. main() only parses the
 * command line; see sync.h for how it works.
 */
#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube-config.h"
#include "log.h"
#include "sync.h"

static const char *arg_kubeconfig = NULL;
static const char *arg_context = NULL;
static const char *arg_sa_dir = NULL;
static SyncOptions arg_opt = {
        .kubelet_dir = "/var/lib/kubelet",
        .state_dir = "/var/lib/sysrec-k8s-sync",
        .cgroup_root = "/",
        .driver = CGROUP_DRIVER_SYSTEMD,
        .max_backoff_usec = 30 * 1000 * 1000ULL,
        .watch_timeout_sec = 300,
};

static void help(void)
{
        printf("%s [OPTIONS...]\n\n"
               "Mirror ProfileRecording and SeccompProfile resources to and from sysrecd on this node.\n\n"
               "  -h --help                   Show this help\n"
               "     --version               Show package version\n"
               "     --kubeconfig=PATH       Use this kubeconfig (default: $KUBECONFIG, else the\n"
               "                             in-cluster service account)\n"
               "     --context=NAME          kubeconfig context (default: current-context)\n"
               "     --service-account-dir=PATH\n"
               "                             In-cluster token, ca.crt and namespace\n"
               "                             (default: /var/run/secrets/kubernetes.io/serviceaccount)\n"
               "     --node-name=NAME        This node (default: $NODE_NAME)\n"
               "     --kubelet-dir=PATH      The kubelet's root directory (default: /var/lib/kubelet)\n"
               "     --cgroup-driver=DRIVER  The kubelet's cgroup driver: systemd or cgroupfs\n"
               "                             (default: systemd)\n"
               "     --cgroup-root=PATH      The kubelet's --cgroup-root (default: /)\n"
               "     --state-dir=PATH        Where pods being recorded are remembered\n"
               "                             (default: /var/lib/sysrec-k8s-sync)\n"
               "     --max-backoff=SEC       Longest wait between retries (default: 30)\n"
               "     --watch-timeout=SEC     Length of one watch request (default: 300)\n"
               "     --log-level=LEVEL       err, warning, notice, info or debug\n",
               program_invocation_short_name);
}

static int parse_seconds(const char *s, const char *what, uint64_t *ret)
{
        char *end;
        double d = strtod(s, &end);

        if (*end || d <= 0 || d > 3600)
                return log_error_errno(-EINVAL, "%s= takes seconds (0 < SEC <= 3600), got '%s'.", what, s);
        *ret = (uint64_t)(d * 1e6);
        return 0;
}

static int parse_argv(int argc, char *argv[])
{
        enum {
                ARG_VERSION = 0x100,
                ARG_KUBECONFIG,
                ARG_CONTEXT,
                ARG_SA_DIR,
                ARG_NODE_NAME,
                ARG_KUBELET_DIR,
                ARG_CGROUP_DRIVER,
                ARG_CGROUP_ROOT,
                ARG_STATE_DIR,
                ARG_MAX_BACKOFF,
                ARG_WATCH_TIMEOUT,
                ARG_LOG_LEVEL,
        };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "kubeconfig", required_argument, NULL, ARG_KUBECONFIG },
                { "context", required_argument, NULL, ARG_CONTEXT },
                { "service-account-dir", required_argument, NULL, ARG_SA_DIR },
                { "node-name", required_argument, NULL, ARG_NODE_NAME },
                { "kubelet-dir", required_argument, NULL, ARG_KUBELET_DIR },
                { "cgroup-driver", required_argument, NULL, ARG_CGROUP_DRIVER },
                { "cgroup-root", required_argument, NULL, ARG_CGROUP_ROOT },
                { "state-dir", required_argument, NULL, ARG_STATE_DIR },
                { "max-backoff", required_argument, NULL, ARG_MAX_BACKOFF },
                { "watch-timeout", required_argument, NULL, ARG_WATCH_TIMEOUT },
                { "log-level", required_argument, NULL, ARG_LOG_LEVEL },
                {}
        };
        uint64_t usec;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("sysrec-k8s-sync %s\n", SYSREC_VERSION);
                        return 0;
                case ARG_KUBECONFIG:
                        arg_kubeconfig = optarg;
                        break;
                case ARG_CONTEXT:
                        arg_context = optarg;
                        break;
                case ARG_SA_DIR:
                        arg_sa_dir = optarg;
                        break;
                case ARG_NODE_NAME:
                        arg_opt.node_name = optarg;
                        break;
                case ARG_KUBELET_DIR:
                        arg_opt.kubelet_dir = optarg;
                        break;
                case ARG_CGROUP_DRIVER:
                        arg_opt.driver = cgroup_driver_from_string(optarg);
                        if (arg_opt.driver < 0)
                                return log_error_errno(-EINVAL, "--cgroup-driver= takes systemd or cgroupfs, got '%s'.",
                                                       optarg);
                        break;
                case ARG_CGROUP_ROOT:
                        if (optarg[0] != '/')
                                return log_error_errno(-EINVAL, "--cgroup-root= needs an absolute path, got '%s'.",
                                                       optarg);
                        arg_opt.cgroup_root = optarg;
                        break;
                case ARG_STATE_DIR:
                        arg_opt.state_dir = optarg;
                        break;
                case ARG_MAX_BACKOFF:
                        r = parse_seconds(optarg, "--max-backoff", &arg_opt.max_backoff_usec);
                        if (r < 0)
                                return r;
                        break;
                case ARG_WATCH_TIMEOUT:
                        r = parse_seconds(optarg, "--watch-timeout", &usec);
                        if (r < 0)
                                return r;
                        arg_opt.watch_timeout_sec = (long)(usec / 1000000) ?: 1;
                        break;
                case ARG_LOG_LEVEL:
                        r = log_parse_level(optarg);
                        if (r < 0)
                                return log_error_errno(r, "Unknown log level '%s'.", optarg);
                        log_set_max_level(r);
                        break;
                case '?':
                        return -EINVAL;
                default:
                        return -EINVAL;
                }
        }
        if (optind < argc)
                return log_error_errno(-EINVAL, "%s takes no arguments.", program_invocation_short_name);
        arg_opt.node_name = arg_opt.node_name ?: getenv("NODE_NAME");
        if (!arg_opt.node_name || !*arg_opt.node_name)
                return log_error_errno(-EINVAL, "No node name: pass --node-name= or set $NODE_NAME "
                                                "(fieldRef spec.nodeName in the DaemonSet).");
        arg_kubeconfig = arg_kubeconfig ?: getenv("KUBECONFIG");
        return 1;
}

int main(int argc, char *argv[])
{
        _cleanup_(sync_freep) Sync *s = NULL;
        KubeConfig *config = NULL;
        int r;

        log_setup(LOG_TARGET_AUTO);
        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? (r == -EINVAL ? 2 : 1) : 0;

        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
                log_error("Failed to initialize libcurl.");
                return 1;
        }
        if (arg_kubeconfig && *arg_kubeconfig)
                r = kube_config_load(arg_kubeconfig, arg_context, &config);
        else {
                r = kube_config_in_cluster(arg_sa_dir, &config);
                if (r == -ENXIO)
                        log_error("Not in a cluster (no KUBERNETES_SERVICE_HOST/PORT) and no --kubeconfig= given.");
        }
        if (r < 0)
                return 1;
        r = sync_new(&arg_opt, config, &s);
        if (r >= 0)
                r = sync_run(s);
        s = sync_free(TAKE_PTR(s));
        curl_global_cleanup();
        return r < 0 ? 1 : 0;
}
