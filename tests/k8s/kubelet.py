#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Node double for sysrec's Kubernetes tests: plays the kubelet of one node.

It registers a Ready Node, watches the pods bound to it (fieldSelector
spec.nodeName) and runs them the way the kubelet and a CRI runtime do, as far as
sysrec can tell:

  * the QoS cgroups and one cgroup per pod, named as the kubelet names them for its
    cgroup driver (systemd: kubepods.slice/kubepods-burstable.slice/
    kubepods-burstable-pod<uid_>.slice; cgroupfs: kubepods/burstable/pod<uid>) below
    its --cgroup-root; the pod cgroup exists before any container starts, then a
    sandbox delay stands in for RunPodSandbox;
  * each container is a runc container (tests/lib/runc.sh bundles on the host's root
    filesystem; the image is not used) in a leaf cgroup named as the runtime names
    it: containerd cri-containerd-<id>.scope (systemd) or <id> (cgroupfs), CRI-O
    crio-<id>.scope or crio-<id>; command, args, env and hostPath volumes are honoured;
    init containers run first, one after the other;
  * the pod status is updated like the kubelet does it (containerStatuses with
    containerID "<runtime>://<id>", states, exit codes, restartCount, phase Pending ->
    Running -> Succeeded/Failed, podIP, hostIP); restartPolicy Always/OnFailure
    restart containers with a new id;
  * a pod with a deletionTimestamp is stopped (SIGTERM, SIGKILL after the grace
    period), its cgroups removed, and then deleted for good (gracePeriodSeconds=0).

Everything it creates (containers, cgroups in every hierarchy) is removed when it
gets SIGTERM.
"""

import argparse
import http.client
import json
import os
import random
import signal
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
RUNC_LIB = os.path.join(HERE, "..", "lib", "runc.sh")


def log(*a):
    print("kubelet[%s]:" % OPTS.node_name, *a, file=sys.stderr, flush=True)


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


# --------------------------------------------------------------------------------------
# API access
# --------------------------------------------------------------------------------------

class Api:
    def __init__(self, url, token, ca):
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname, u.port or 443
        self.token = token
        self.ctx = ssl.create_default_context(cafile=ca)

    def conn(self, timeout=30):
        return http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=timeout)

    def request(self, method, path, body=None, ctype="application/json"):
        for attempt in range(50):
            try:
                c = self.conn()
                headers = {"Authorization": "Bearer " + self.token, "Accept": "application/json"}
                data = None
                if body is not None:
                    data = json.dumps(body).encode()
                    headers["Content-Type"] = ctype
                c.request(method, path, body=data, headers=headers)
                r = c.getresponse()
                raw = r.read()
                c.close()
                return r.status, (json.loads(raw) if raw else None)
            except (OSError, http.client.HTTPException):
                time.sleep(0.2)  # the API server double may be restarting
        raise RuntimeError(f"{method} {path}: API server unreachable")

    def watch(self, path):
        """Yield watch events; returns when the stream ends."""
        c = self.conn(timeout=600)
        c.request("GET", path, headers={"Authorization": "Bearer " + self.token})
        r = c.getresponse()
        if r.status != 200:
            r.read()
            raise RuntimeError(f"watch {path}: HTTP {r.status}")
        try:
            while True:
                line = r.readline()
                if not line:
                    return
                line = line.strip()
                if line:
                    yield json.loads(line)
        finally:
            c.close()


# --------------------------------------------------------------------------------------
# cgroups
# --------------------------------------------------------------------------------------

def cgroup_mounts():
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            parts = line.split()
            fstype = parts[parts.index("-") + 1]
            if fstype in ("cgroup", "cgroup2"):
                out.append((fstype, parts[4].encode().decode("unicode_escape")))
    return out


def cgroup2_mount():
    return next(m for t, m in cgroup_mounts() if t == "cgroup2")


def qos_components(qos):
    if qos == "Guaranteed":
        return ["kubepods"]
    return ["kubepods", {"Burstable": "burstable", "BestEffort": "besteffort"}[qos]]


def cgroup_name(components):
    """The kubelet's CgroupName -> path, for the configured driver."""
    if OPTS.cgroup_driver == "cgroupfs":
        return "/" + "/".join(components)
    path, prefix = "", ""
    for c in components:
        esc = c.replace("-", "_")
        prefix = esc if not prefix else prefix + "-" + esc
        path += "/" + prefix + ".slice"
    return path


def root_components():
    comps = [c for c in OPTS.cgroup_root.split("/") if c]
    if OPTS.cgroup_driver == "systemd":
        comps = [c[:-len(".slice")] if c.endswith(".slice") else c for c in comps]
    return comps


def pod_cgroup(uid, qos):
    return cgroup_name(root_components() + qos_components(qos) + ["pod" + uid])


def container_leaf(cid):
    if OPTS.runtime == "containerd":
        return f"cri-containerd-{cid}.scope" if OPTS.cgroup_driver == "systemd" else cid
    return f"crio-{cid}.scope" if OPTS.cgroup_driver == "systemd" else f"crio-{cid}"


def cgroup_mkdir(rel):
    os.makedirs(cgroup2_mount() + rel, exist_ok=True)


def cgroup_rmtree(rel):
    """Remove rel and below from every hierarchy, deepest first."""
    for _, mnt in cgroup_mounts():
        top = mnt + rel
        if not os.path.isdir(top):
            continue
        dirs = [d for d, _, _ in os.walk(top)]
        for d in sorted(dirs, key=len, reverse=True):
            for _ in range(60):
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.05)


# --------------------------------------------------------------------------------------
# containers
# --------------------------------------------------------------------------------------

def runc_bash(script, *args):
    return subprocess.run(["bash", "-c", f"set -euo pipefail; source {RUNC_LIB}; " + script, "runc-lib", *args],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


class Container:
    def __init__(self, pod, spec, cgroup_parent):
        self.pod, self.spec = pod, spec
        self.name = spec["name"]
        self.id = "%064x" % random.getrandbits(256)
        self.cgroup = cgroup_parent + "/" + container_leaf(self.id)
        self.runc_name = f"k8s-{OPTS.node_name}-{self.id[:16]}"
        self.dir = os.path.join(OPTS.work_dir, self.runc_name)
        self.proc = None
        self.started_at = self.finished_at = None
        self.exit_code = None

    def bundle(self):
        args = []
        volumes = {v["name"]: v for v in self.pod["spec"].get("volumes", [])}
        for m in self.spec.get("volumeMounts", []):
            v = volumes.get(m["name"], {})
            if "hostPath" in v:
                args += ["--bind", f"{v['hostPath']['path']}:{m['mountPath']}:{'ro' if m.get('readOnly') else 'rw'}"]
        for e in self.spec.get("env", []):
            if "value" in e:
                args += ["--env", f"{e['name']}={e['value']}"]
        if self.spec.get("workingDir"):
            args += ["--cwd", self.spec["workingDir"]]
        cmd = self.spec.get("command", []) + self.spec.get("args", [])
        if not cmd:
            raise RuntimeError(f"container {self.name}: the node double needs a command")
        r = runc_bash('runc_bundle "$@"', self.dir, self.cgroup, *args, "--", *cmd)
        if r.returncode != 0:
            raise RuntimeError(f"runc_bundle failed: {r.stderr}")

    def start(self):
        self.bundle()
        out = open(os.path.join(self.dir, "stdout.log"), "w")
        self.proc = subprocess.Popen(["runc", "--root", OPTS.runc_root, "run", "--bundle", self.dir,
                                      self.runc_name], stdin=subprocess.DEVNULL, stdout=out,
                                     stderr=subprocess.STDOUT)
        self.started_at = now()

    def poll(self):
        if self.exit_code is None and self.proc is not None:
            rc = self.proc.poll()
            if rc is not None:
                self.exit_code = rc if rc >= 0 else 128 - rc
                self.finished_at = now()
                self.cleanup()
        return self.exit_code

    def stop(self, grace):
        if self.proc is None or self.poll() is not None:
            return
        subprocess.run(["runc", "--root", OPTS.runc_root, "kill", self.runc_name, "TERM"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + grace
        while time.time() < deadline and self.poll() is None:
            time.sleep(0.05)
        if self.poll() is None:
            subprocess.run(["runc", "--root", OPTS.runc_root, "kill", "--all", self.runc_name, "KILL"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.proc.wait()
            self.poll()

    def cleanup(self):
        subprocess.run(["runc", "--root", OPTS.runc_root, "delete", "--force", self.runc_name],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cgroup_rmtree(self.cgroup)

    def status(self, restarts, last):
        st = {"name": self.name, "image": self.spec.get("image", ""), "imageID": "",
              "containerID": f"{OPTS.runtime_scheme}://{self.id}", "restartCount": restarts,
              "ready": self.exit_code is None and self.started_at is not None,
              "started": self.exit_code is None and self.started_at is not None}
        if self.exit_code is None:
            st["state"] = {"running": {"startedAt": self.started_at}}
        else:
            st["state"] = {"terminated": {"exitCode": self.exit_code,
                                          "reason": "Completed" if self.exit_code == 0 else "Error",
                                          "startedAt": self.started_at, "finishedAt": self.finished_at,
                                          "containerID": f"{OPTS.runtime_scheme}://{self.id}"}}
        st["lastState"] = {"terminated": last} if last else {}
        return st


# --------------------------------------------------------------------------------------
# pods
# --------------------------------------------------------------------------------------

class PodWorker(threading.Thread):
    def __init__(self, node, pod):
        super().__init__(daemon=True)
        self.node, self.pod = node, pod
        self.uid = pod["metadata"]["uid"]
        self.ns, self.name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        self.qos = pod.get("status", {}).get("qosClass", "BestEffort")
        self.cgroup = pod_cgroup(self.uid, self.qos)
        self.deleting = threading.Event()
        self.gone = threading.Event()
        self.containers = {}
        self.init_status = []

    def path(self, sub=""):
        return f"/api/v1/namespaces/{self.ns}/pods/{self.name}{sub}"

    def patch_status(self, status):
        code, body = self.node.api.request("PATCH", self.path("/status"), {"status": status},
                                           "application/merge-patch+json")
        if code >= 300 and code != 404:
            log("status update of", self.name, "failed:", code, body)

    def container_statuses(self, specs, restarts, last):
        return [self.containers[c["name"]].status(restarts.get(c["name"], 0), last.get(c["name"]))
                for c in specs if c["name"] in self.containers]

    def run(self):
        try:
            self.lifecycle()
        except Exception as e:  # report, clean up, keep the node alive
            import traceback
            traceback.print_exc()
            log("pod", self.name, "failed:", e)
        finally:
            self.teardown()

    def lifecycle(self):
        spec = self.pod["spec"]
        cgroup_mkdir(self.cgroup)
        log(f"pod {self.ns}/{self.name} ({self.uid}): cgroup {self.cgroup}")
        time.sleep(OPTS.sandbox_delay)
        base = {"hostIP": "127.0.0.1", "podIP": "127.0.0.1", "podIPs": [{"ip": "127.0.0.1"}],
                "startTime": now(), "qosClass": self.qos}
        # init containers, one after the other
        init_specs = spec.get("initContainers", [])
        for c in init_specs:
            if self.deleting.is_set():
                return
            ctr = Container(self.pod, c, self.cgroup)
            self.containers[c["name"]] = ctr
            ctr.start()
            self.patch_status(dict(base, phase="Pending",
                                   initContainerStatuses=self.container_statuses(init_specs, {}, {})))
            while ctr.poll() is None and not self.deleting.is_set():
                time.sleep(0.02)
            if ctr.exit_code not in (0, None):
                self.patch_status(dict(base, phase="Failed",
                                       initContainerStatuses=self.container_statuses(init_specs, {}, {})))
                return
        init_done = self.container_statuses(init_specs, {}, {})
        specs = spec["containers"]
        restarts, last = {}, {}
        for c in specs:
            ctr = Container(self.pod, c, self.cgroup)
            self.containers[c["name"]] = ctr
            ctr.start()
        policy = spec.get("restartPolicy", "Always")
        reported = None
        while not self.deleting.is_set():
            for c in specs:
                ctr = self.containers[c["name"]]
                rc = ctr.poll()
                if rc is not None and (policy == "Always" or (policy == "OnFailure" and rc != 0)):
                    last[c["name"]] = ctr.status(0, None)["state"]["terminated"]
                    restarts[c["name"]] = restarts.get(c["name"], 0) + 1
                    time.sleep(0.2)
                    new = Container(self.pod, c, self.cgroup)
                    self.containers[c["name"]] = new
                    new.start()
            codes = [self.containers[c["name"]].exit_code for c in specs]
            if all(rc is not None for rc in codes):
                phase = "Succeeded" if all(rc == 0 for rc in codes) else "Failed"
            else:
                phase = "Running"
            statuses = self.container_statuses(specs, restarts, last)
            snapshot = json.dumps([phase, statuses])
            if snapshot != reported:
                reported = snapshot
                st = dict(base, phase=phase, containerStatuses=statuses,
                          conditions=[{"type": "Ready", "status": "True" if phase == "Running" else "False",
                                       "lastTransitionTime": now()}])
                if init_done:
                    st["initContainerStatuses"] = init_done
                self.patch_status(st)
            if phase in ("Succeeded", "Failed"):
                break
            time.sleep(0.02)
        self.deleting.wait()

    def teardown(self):
        self.deleting.wait()
        grace = self.pod["metadata"].get("deletionGracePeriodSeconds",
                                          self.pod["spec"].get("terminationGracePeriodSeconds", 30))
        for ctr in self.containers.values():
            ctr.stop(min(grace, OPTS.max_grace))
        for ctr in self.containers.values():
            ctr.cleanup()
        cgroup_rmtree(self.cgroup)
        if not self.gone.is_set():
            specs = self.pod["spec"]["containers"]
            if any(c["name"] in self.containers for c in specs):
                self.patch_status({"containerStatuses": self.container_statuses(specs, {}, {})})
            self.node.api.request("DELETE", self.path("?gracePeriodSeconds=0"),
                                  {"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0,
                                   "preconditions": {"uid": self.uid}})
        log(f"pod {self.ns}/{self.name} removed")
        self.node.forget(self.uid)


class Node:
    def __init__(self):
        token = open(OPTS.token_file).read().strip()
        self.api = Api(OPTS.server, token, OPTS.ca)
        self.workers = {}
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def register(self):
        node = {"apiVersion": "v1", "kind": "Node",
                "metadata": {"name": OPTS.node_name, "labels": {"kubernetes.io/hostname": OPTS.node_name}},
                "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                                           "lastHeartbeatTime": now()}],
                           "addresses": [{"type": "InternalIP", "address": "127.0.0.1"},
                                         {"type": "Hostname", "address": OPTS.node_name}]}}
        code, _ = self.api.request("POST", "/api/v1/nodes", node)
        if code == 409:
            self.api.request("PATCH", f"/api/v1/nodes/{OPTS.node_name}/status", {"status": node["status"]},
                             "application/merge-patch+json")
        for qos in ("Guaranteed", "Burstable", "BestEffort"):
            cgroup_mkdir(cgroup_name(root_components() + qos_components(qos)))

    def forget(self, uid):
        with self.lock:
            self.workers.pop(uid, None)

    def handle(self, etype, pod):
        uid = pod["metadata"]["uid"]
        with self.lock:
            w = self.workers.get(uid)
            if etype == "DELETED":
                if w:
                    w.gone.set()
                    w.deleting.set()
                return
            if w is None:
                phase = pod.get("status", {}).get("phase")
                if pod["metadata"].get("deletionTimestamp") and phase in (None, "Pending") \
                        and not pod.get("status", {}).get("containerStatuses"):
                    # never started here: just let it go
                    self.api.request("DELETE", f"/api/v1/namespaces/{pod['metadata']['namespace']}/pods/"
                                     f"{pod['metadata']['name']}?gracePeriodSeconds=0")
                    return
                if phase in ("Succeeded", "Failed"):
                    return
                w = PodWorker(self, pod)
                self.workers[uid] = w
                w.start()
            w.pod = pod
            if pod["metadata"].get("deletionTimestamp"):
                w.deleting.set()

    def loop(self):
        rv = None
        sel = urllib.parse.quote(f"spec.nodeName={OPTS.node_name}")
        while not self.stopping.is_set():
            try:
                if rv is None:
                    code, lst = self.api.request("GET", f"/api/v1/pods?fieldSelector={sel}")
                    rv = lst["metadata"]["resourceVersion"]
                    for p in lst["items"]:
                        self.handle("ADDED", p)
                for ev in self.api.watch(f"/api/v1/pods?watch=1&fieldSelector={sel}&resourceVersion={rv}"
                                         "&allowWatchBookmarks=true&timeoutSeconds=60"):
                    if ev["type"] == "ERROR":
                        rv = None
                        break
                    rv = ev["object"]["metadata"]["resourceVersion"]
                    if ev["type"] != "BOOKMARK":
                        self.handle(ev["type"], ev["object"])
            except Exception as e:
                if self.stopping.is_set():
                    return
                log("watch interrupted:", e)
                time.sleep(0.3)

    def shutdown(self):
        self.stopping.set()
        with self.lock:
            workers = list(self.workers.values())
        for w in workers:
            w.gone.set()
            w.deleting.set()
        for w in workers:
            w.join(timeout=15)


def main():
    global OPTS
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--node-name", required=True)
    ap.add_argument("--server", required=True)
    ap.add_argument("--token-file", required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--cgroup-driver", choices=["systemd", "cgroupfs"], default="systemd")
    ap.add_argument("--cgroup-root", default="/")
    ap.add_argument("--runtime", choices=["containerd", "crio"], default="containerd")
    ap.add_argument("--work-dir", required=True)
    ap.add_argument("--runc-root", default="/run/runc")
    ap.add_argument("--sandbox-delay", type=float, default=0.3)
    ap.add_argument("--max-grace", type=float, default=5.0)
    ap.add_argument("--ready-file")
    OPTS = ap.parse_args()
    OPTS.runtime_scheme = "containerd" if OPTS.runtime == "containerd" else "cri-o"
    os.makedirs(OPTS.work_dir, exist_ok=True)

    node = Node()
    node.register()

    def stop(signum, frame):
        threading.Thread(target=lambda: (node.shutdown(), os._exit(0)), daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if OPTS.ready_file:
        with open(OPTS.ready_file, "w") as f:
            f.write(f"{os.getpid()}\n")
    node.loop()


OPTS = None
if __name__ == "__main__":
    main()
