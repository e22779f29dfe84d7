#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""kube-apiserver double for sysrec's Kubernetes tests.

No API server can be installed on the test machine, so this is the part of one that
sysrec-k8s-sync and the real kubectl use, implemented with the same semantics:

  * HTTPS (a test CA) and bearer tokens from a --token-auth-file CSV, as kube-apiserver
    takes them; RBAC is enforced from the (Cluster)Roles and (Cluster)RoleBindings stored
    in it (group system:masters may do everything), so deploy/'s RBAC is really tested;
  * discovery (/version, /api, /apis, /apis/<g>, /apis/<g>/<v>) and a small /openapi/v3;
  * built-in types the tests and deploy/ need, and CustomResourceDefinitions: creating
    a CRD serves its resources, with structural-schema defaulting, enum/required/type
    validation, unknown-field pruning or rejection (fieldValidation=Strict);
  * get, list (label and field selectors, limit/continue), create (generateName),
    update with optimistic concurrency (409 Conflict), merge/JSON/strategic patch,
    delete (preconditions, finalizers, graceful pod deletion), status subresources,
    metadata.generation, dry-run, Table output for kubectl get;
  * chunked watches from a resourceVersion with bookmarks, label/field-filtered with
    the apiserver's ADDED/DELETED transitions, and "410 Gone" (an ERROR event carrying
    a Status with code 410) when the version is older than the compacted history;
  * state kept in a JSON file, so that the double can be restarted mid-watch: after a
    restart the event history is empty and older versions are Gone, as with a restarted
    kube-apiserver's watch cache;
  * a tiny scheduler (--scheduler): pods without spec.nodeName are bound round-robin
    to the Ready nodes;
  * test hooks under /_test (admin only): compact the history, close every watch,
    inject failures (e.g. two 409 Conflicts for the next PUTs on a path).

Every request is appended to --audit-log as one JSON line (user, verb, path, query,
status), so tests can check what a client did.
"""

import argparse
import base64
import copy
import csv
import datetime
import json
import os
import random
import re
import signal
import ssl
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit, unquote

import yaml

# ------------------------------------------------------------------------------------
# resource types
# ------------------------------------------------------------------------------------


class RType:
    def __init__(self, group, version, plural, singular, kind, namespaced, short=(),
                 subresources=(), schema=None, columns=None, categories=()):
        self.group, self.version, self.plural = group, version, plural
        self.singular, self.kind, self.namespaced = singular, kind, namespaced
        self.short = list(short)
        self.subresources = list(subresources)
        self.schema = schema
        self.columns = columns
        self.categories = list(categories)
        self.crd = None  # name of the CRD that defines it

    @property
    def api_version(self):
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self):
        return (self.group, self.plural)


BUILTIN = [
    RType("", "v1", "namespaces", "namespace", "Namespace", False, ["ns"], ["status"]),
    RType("", "v1", "pods", "pod", "Pod", True, ["po"], ["status"], categories=["all"]),
    RType("", "v1", "nodes", "node", "Node", False, ["no"], ["status"]),
    RType("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", True, ["sa"]),
    RType("", "v1", "configmaps", "configmap", "ConfigMap", True, ["cm"]),
    RType("", "v1", "events", "event", "Event", True, ["ev"]),
    RType("apps", "v1", "daemonsets", "daemonset", "DaemonSet", True, ["ds"], ["status"],
          categories=["all"]),
    RType("rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole", "ClusterRole", False),
    RType("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "clusterrolebinding",
          "ClusterRoleBinding", False),
    RType("rbac.authorization.k8s.io", "v1", "roles", "role", "Role", True),
    RType("rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding", "RoleBinding", True),
    RType("apiextensions.k8s.io", "v1", "customresourcedefinitions", "customresourcedefinition",
          "CustomResourceDefinition", False, ["crd", "crds"], ["status"]),
]

NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_NAME_RE = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
LABEL_VALUE_RE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
GENERATE_CHARS = "bcdfghjklmnpqrstvwxz2456789"


def now_rfc3339():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


def human_age(ts):
    try:
        secs = int((datetime.datetime.now(datetime.timezone.utc) - parse_rfc3339(ts)).total_seconds())
    except (TypeError, ValueError):
        return "<unknown>"
    secs = max(secs, 0)
    if secs < 120:
        return f"{secs}s"
    if secs < 3600 * 3:
        return f"{secs // 60}m"
    if secs < 86400 * 2:
        return f"{secs // 3600}h"
    return f"{secs // 86400}d"


class ApiError(Exception):
    def __init__(self, code, reason, message, details=None):
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details

    def status(self):
        s = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
             "message": self.message, "reason": self.reason, "code": self.code}
        if self.details:
            s["details"] = self.details
        return s


def not_found(rt, name):
    gr = f"{rt.plural}.{rt.group}" if rt.group else rt.plural
    return ApiError(404, "NotFound", f'{gr} "{name}" not found',
                    {"name": name, "group": rt.group, "kind": rt.plural})


def invalid(rt, name, causes):
    msg = "; ".join(f"{c['field']}: {c['message']}" for c in causes)
    return ApiError(422, "Invalid", f'{rt.kind}.{rt.group or "core"} "{name}" is invalid: {msg}',
                    {"name": name, "group": rt.group, "kind": rt.kind,
                     "causes": [{"reason": "FieldValueInvalid", **c} for c in causes]})


# ------------------------------------------------------------------------------------
# selectors
# ------------------------------------------------------------------------------------


def split_top(s):
    """Split a selector at commas that are not inside parentheses."""
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur)
    return [p.strip() for p in out if p.strip()]


def parse_label_selector(s):
    reqs = []
    for part in split_top(s or ""):
        m = re.match(r"^(\S+)\s+(in|notin)\s+\((.*)\)$", part)
        if m:
            vals = {v.strip() for v in m.group(3).split(",") if v.strip()}
            reqs.append((m.group(1), m.group(2), vals))
            continue
        m = re.match(r"^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$", part)
        if m:
            op = {"=": "in", "==": "in", "!=": "notin"}[m.group(2)]
            reqs.append((m.group(1), op, {m.group(3)}))
            continue
        m = re.match(r"^!\s*(\S+)$", part)
        if m:
            reqs.append((m.group(1), "!", set()))
            continue
        if re.match(r"^[A-Za-z0-9][-A-Za-z0-9_./]*$", part):
            reqs.append((part, "exists", set()))
            continue
        raise ApiError(400, "BadRequest", f"unable to parse requirement: {part!r}")
    return reqs


def label_match(reqs, labels):
    labels = labels or {}
    for key, op, vals in reqs:
        if op == "in" and labels.get(key) not in vals:
            return False
        if op == "notin" and key in labels and labels[key] in vals:
            return False
        if op == "exists" and key not in labels:
            return False
        if op == "!" and key in labels:
            return False
    return True


FIELDS = {
    "metadata.name": lambda o: o["metadata"].get("name", ""),
    "metadata.namespace": lambda o: o["metadata"].get("namespace", ""),
    "spec.nodeName": lambda o: (o.get("spec") or {}).get("nodeName", ""),
    "status.phase": lambda o: (o.get("status") or {}).get("phase", ""),
    "spec.serviceAccountName": lambda o: (o.get("spec") or {}).get("serviceAccountName", ""),
}


def parse_field_selector(s):
    reqs = []
    for part in split_top(s or ""):
        m = re.match(r"^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$", part)
        if not m or m.group(1) not in FIELDS:
            raise ApiError(400, "BadRequest", f'"{part}" is not a known field selector: '
                           "only metadata.name, metadata.namespace, spec.nodeName, status.phase")
        reqs.append((m.group(1), m.group(2) != "!=", m.group(3)))
    return reqs


def field_match(reqs, obj):
    return all((FIELDS[f](obj) == v) == eq for f, eq, v in reqs)


# ------------------------------------------------------------------------------------
# structural schemas: defaulting, validation, pruning
# ------------------------------------------------------------------------------------


def apply_defaults(schema, value):
    if not isinstance(schema, dict):
        return
    if isinstance(value, dict) and schema.get("type") == "object":
        for k, sub in (schema.get("properties") or {}).items():
            if k not in value and "default" in sub:
                value[k] = copy.deepcopy(sub["default"])
            if k in value:
                apply_defaults(sub, value[k])
        ap = schema.get("additionalProperties")
        if isinstance(ap, dict):
            for k in value:
                apply_defaults(ap, value[k])
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for v in value:
            apply_defaults(schema["items"], v)


def check_schema(schema, value, path, errors, unknown):
    """Validate value against a structural schema; unknown fields go to `unknown`."""
    if not isinstance(schema, dict) or value is None:
        return
    t = schema.get("type")
    types = {"object": dict, "array": list, "string": str, "boolean": bool}
    if t in types and not isinstance(value, types[t]):
        errors.append({"field": path, "message": f'Invalid value: "{type(value).__name__}": '
                       f'{path} in body must be of type {t}'})
        return
    if t == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
        errors.append({"field": path, "message": f"{path} in body must be of type integer"})
        return
    if t == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        errors.append({"field": path, "message": f"{path} in body must be of type number"})
        return
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(json.dumps(e) for e in schema["enum"])
        errors.append({"field": path, "message": f'Unsupported value: {json.dumps(value)}: '
                       f'supported values: {allowed}'})
    if "pattern" in schema and isinstance(value, str) and not re.search(schema["pattern"], value):
        errors.append({"field": path, "message": f'Invalid value: "{value}": {path} in body should '
                       f'match \'{schema["pattern"]}\''})
    if "minimum" in schema and isinstance(value, (int, float)) and value < schema["minimum"]:
        errors.append({"field": path, "message": f"{path} in body should be greater than or equal "
                       f"to {schema['minimum']}"})
    if isinstance(value, list):
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append({"field": path, "message": f"Too many: {len(value)}: must have at most "
                           f"{schema['maxItems']} items"})
        if "minItems" in schema and len(value) < schema["minItems"]:
            errors.append({"field": path, "message": f"{path} in body should have at least "
                           f"{schema['minItems']} items"})
        if schema.get("x-kubernetes-list-type") == "set":
            seen = [json.dumps(v, sort_keys=True) for v in value]
            if len(set(seen)) != len(seen):
                errors.append({"field": path, "message": "Duplicate value in a list of type set"})
        for i, v in enumerate(value):
            check_schema(schema.get("items"), v, f"{path}[{i}]", errors, unknown)
    if isinstance(value, dict) and t == "object":
        props = schema.get("properties") or {}
        for req in schema.get("required") or []:
            if req not in value:
                errors.append({"field": f"{path}.{req}", "message": "Required value"})
        ap = schema.get("additionalProperties")
        for k in list(value):
            if path == "" and k == "metadata":
                continue  # ObjectMeta is validated on its own
            if k in props:
                check_schema(props[k], value[k], f"{path}.{k}", errors, unknown)
            elif isinstance(ap, dict):
                check_schema(ap, value[k], f"{path}.{k}", errors, unknown)
            elif not schema.get("x-kubernetes-preserve-unknown-fields"):
                unknown.append((f"{path}.{k}", value, k))


# ------------------------------------------------------------------------------------
# patches
# ------------------------------------------------------------------------------------


def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if not isinstance(target, dict):
        target = {}
    out = dict(target)
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def json_pointer(path):
    if path == "":
        return []
    return [p.replace("~1", "/").replace("~0", "~") for p in path.lstrip("/").split("/")]


def json_patch(doc, ops):
    doc = copy.deepcopy(doc)
    for op in ops:
        parts = json_pointer(op["path"])
        parent = doc
        for p in parts[:-1]:
            parent = parent[int(p)] if isinstance(parent, list) else parent[p]
        last = parts[-1] if parts else None
        kind = op["op"]
        if kind == "test":
            cur = parent[int(last)] if isinstance(parent, list) else parent.get(last)
            if cur != op.get("value"):
                raise ApiError(422, "Invalid", f"the server rejected our request due to an error "
                               f"in our request: test failed for {op['path']}")
        elif kind in ("add", "replace"):
            if isinstance(parent, list):
                if last == "-":
                    parent.append(op["value"])
                elif kind == "add":
                    parent.insert(int(last), op["value"])
                else:
                    parent[int(last)] = op["value"]
            else:
                if kind == "replace" and last not in parent:
                    raise ApiError(422, "Invalid", f"replace operation does not apply: doc is "
                                   f"missing key: {op['path']}")
                parent[last] = op["value"]
        elif kind == "remove":
            if isinstance(parent, list):
                del parent[int(last)]
            else:
                if last not in parent:
                    raise ApiError(422, "Invalid", f"remove operation does not apply: doc is "
                                   f"missing path: {op['path']}")
                del parent[last]
        else:
            raise ApiError(400, "BadRequest", f"unsupported JSON patch operation {kind!r}")
    return doc


# ------------------------------------------------------------------------------------
# the store
# ------------------------------------------------------------------------------------


class Store:
    def __init__(self, state_file, history_max):
        self.cond = threading.Condition()
        self.types = {}  # (group, version, plural) -> RType
        self.objects = {}  # (group, plural) -> {(ns, name): obj}
        self.rv = 1
        self.events = []  # (rv, key, type, obj, old)
        self.compacted = 0  # versions <= this one are gone
        self.history_max = history_max
        self.watch_epoch = 0
        self.state_file = state_file
        self.injections = []
        for rt in BUILTIN:
            self.add_type(rt)
        self.load()
        with self.cond:
            for ns in ("default", "kube-system", "kube-public"):
                if ("", ns) not in self.objects[("", "namespaces")]:
                    self.put_new(self.type("", "v1", "namespaces"),
                                 {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})

    # types ---------------------------------------------------------------------------

    def add_type(self, rt):
        self.types[(rt.group, rt.version, rt.plural)] = rt
        self.objects.setdefault(rt.key, {})

    def type(self, group, version, plural):
        return self.types.get((group, version, plural))

    def groups(self):
        out = {}
        for (g, v, _), rt in sorted(self.types.items()):
            out.setdefault(g, [])
            if v not in out[g]:
                out[g].append(v)
        return out

    def sync_crd(self, crd, removed=False):
        """Serve (or stop serving) the resources a CRD defines."""
        name = crd["metadata"]["name"]
        for k in [k for k, rt in self.types.items() if rt.crd == name]:
            del self.types[k]
        if removed:
            spec = crd.get("spec") or {}
            self.objects.pop((spec.get("group"), (spec.get("names") or {}).get("plural")), None)
            return
        spec = crd["spec"]
        names = spec["names"]
        for v in spec.get("versions", []):
            if not v.get("served", True):
                continue
            rt = RType(spec["group"], v["name"], names["plural"],
                       names.get("singular", names["kind"].lower()), names["kind"],
                       spec.get("scope", "Namespaced") == "Namespaced", names.get("shortNames", []),
                       ["status"] if "status" in (v.get("subresources") or {}) else [],
                       (v.get("schema") or {}).get("openAPIV3Schema"),
                       v.get("additionalPrinterColumns"), names.get("categories", []))
            rt.crd = name
            self.add_type(rt)
        crd.setdefault("status", {})
        crd["status"]["conditions"] = [
            {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts",
             "message": "no conflicts found", "lastTransitionTime": now_rfc3339()},
            {"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
             "message": "the initial names have been accepted", "lastTransitionTime": now_rfc3339()}]
        crd["status"]["acceptedNames"] = names
        crd["status"]["storedVersions"] = [v["name"] for v in spec.get("versions", [])
                                           if v.get("storage")]

    # persistence ---------------------------------------------------------------------

    def load(self):
        if not self.state_file or not os.path.exists(self.state_file):
            return
        with open(self.state_file) as f:
            st = json.load(f)
        self.rv = st["rv"]
        self.compacted = self.rv  # the watch history did not survive the restart
        crds = [o for o in st["objects"] if o.get("kind") == "CustomResourceDefinition"]
        for crd in crds:
            self.sync_crd(crd)
        for o in st["objects"]:
            g, _, _ = o["apiVersion"].rpartition("/")
            plural = st["plurals"][o["kind"] + "." + g]
            ns = o["metadata"].get("namespace", "")
            self.objects.setdefault((g, plural), {})[(ns, o["metadata"]["name"])] = o

    def save(self):
        if not self.state_file:
            return
        objs, plurals = [], {}
        for (g, plural), items in self.objects.items():
            for o in items.values():
                objs.append(o)
                plurals[o["kind"] + "." + g] = plural
        tmp = self.state_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"rv": self.rv, "objects": objs, "plurals": plurals}, f)
        os.replace(tmp, self.state_file)

    # writes --------------------------------------------------------------------------

    def record(self, rt, etype, obj, old=None):
        self.events.append((self.rv, rt.key, etype, copy.deepcopy(obj), copy.deepcopy(old)))
        if len(self.events) > self.history_max:
            drop = len(self.events) - self.history_max
            self.compacted = self.events[drop - 1][0]
            del self.events[:drop]
        self.save()
        self.cond.notify_all()

    def bump(self, obj):
        self.rv += 1
        obj["metadata"]["resourceVersion"] = str(self.rv)

    def put_new(self, rt, obj):
        md = obj["metadata"]
        md.setdefault("uid", str(uuid.uuid4()))
        md.setdefault("creationTimestamp", now_rfc3339())
        if rt.group or rt.kind in ("Pod",):
            md.setdefault("generation", 1)
        self.bump(obj)
        self.objects[rt.key][(md.get("namespace", ""), md["name"])] = obj
        if rt.kind == "CustomResourceDefinition":
            self.sync_crd(obj)
        self.record(rt, "ADDED", obj)

    def put_update(self, rt, obj, old):
        self.bump(obj)
        md = obj["metadata"]
        if md.get("deletionTimestamp") and not md.get("finalizers") and rt.kind != "Pod":
            self.remove(rt, obj)
            return
        self.objects[rt.key][(md.get("namespace", ""), md["name"])] = obj
        if rt.kind == "CustomResourceDefinition":
            self.sync_crd(obj)
        self.record(rt, "MODIFIED", obj, old)

    def remove(self, rt, obj):
        md = obj["metadata"]
        self.objects[rt.key].pop((md.get("namespace", ""), md["name"]), None)
        self.bump(obj)  # a deletion is a change: the deleted object's last version is new
        if rt.kind == "CustomResourceDefinition":
            self.sync_crd(obj, removed=True)
        self.record(rt, "DELETED", obj)


# ------------------------------------------------------------------------------------
# RBAC
# ------------------------------------------------------------------------------------


def rule_allows(rule, verb, group, resource, name):
    if verb not in rule.get("verbs", []) and "*" not in rule.get("verbs", []):
        return False
    if group not in rule.get("apiGroups", []) and "*" not in rule.get("apiGroups", []):
        return False
    if resource not in rule.get("resources", []) and "*" not in rule.get("resources", []):
        return False
    names = rule.get("resourceNames")
    return not names or (name is not None and name in names)


def subject_matches(subj, user, groups):
    kind = subj.get("kind")
    if kind == "User":
        return subj.get("name") == user
    if kind == "Group":
        return subj.get("name") in groups
    if kind == "ServiceAccount":
        return user == f"system:serviceaccount:{subj.get('namespace')}:{subj.get('name')}"
    return False


def authorized(store, user, groups, verb, group, resource, ns, name):
    if "system:masters" in groups:
        return True
    if "system:nodes" in groups:
        return True  # stands in for the Node authorizer: kubelets manage their pods and node
    rbac = "rbac.authorization.k8s.io"
    croles = store.objects[(rbac, "clusterroles")]
    roles = store.objects[(rbac, "roles")]
    bindings = list(store.objects[(rbac, "clusterrolebindings")].values())
    if ns:
        bindings += [b for (bns, _), b in store.objects[(rbac, "rolebindings")].items() if bns == ns]
    for b in bindings:
        if not any(subject_matches(s, user, groups) for s in b.get("subjects") or []):
            continue
        ref = b.get("roleRef") or {}
        if ref.get("kind") == "ClusterRole":
            role = croles.get(("", ref.get("name")))
        else:
            role = roles.get((b["metadata"].get("namespace", ""), ref.get("name")))
        for rule in (role or {}).get("rules") or []:
            if rule_allows(rule, verb, group, resource, name):
                return True
    return False


# ------------------------------------------------------------------------------------
# tables for kubectl get
# ------------------------------------------------------------------------------------


def jsonpath_get(obj, path):
    cur = obj
    for part in path.strip().lstrip(".").split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def table_columns(rt):
    cols = [{"name": "Name", "type": "string", "format": "name", "priority": 0,
             "description": "Name must be unique within a namespace."}]
    if rt.columns is not None:
        for c in rt.columns:
            cols.append({"name": c["name"], "type": c.get("type", "string"), "format": "",
                         "priority": c.get("priority", 0), "description": c.get("description", "")})
        return cols
    if rt.kind == "Pod":
        cols += [{"name": n, "type": "string", "format": "", "priority": 0, "description": n}
                 for n in ("Ready", "Status", "Restarts")]
        cols += [{"name": "Node", "type": "string", "format": "", "priority": 1, "description": "node"}]
    cols.append({"name": "Age", "type": "string", "format": "", "priority": 0,
                 "description": "CreationTimestamp"})
    return cols


def table_cells(rt, obj):
    md = obj["metadata"]
    cells = [md["name"]]
    if rt.columns is not None:
        for c in rt.columns:
            v = jsonpath_get(obj, c["jsonPath"])
            if v is not None and c.get("type") == "date":
                v = human_age(v)
            elif isinstance(v, (dict, list)):
                v = json.dumps(v, separators=(",", ":"))
            cells.append(v)
        return cells
    if rt.kind == "Pod":
        st = obj.get("status") or {}
        cs = st.get("containerStatuses") or []
        n = len((obj.get("spec") or {}).get("containers") or [])
        ready = sum(1 for c in cs if c.get("ready"))
        phase = st.get("phase", "Pending")
        if md.get("deletionTimestamp"):
            phase = "Terminating"
        cells += [f"{ready}/{n}", phase, sum(c.get("restartCount", 0) for c in cs),
                  (obj.get("spec") or {}).get("nodeName", "<none>")]
    cells.append(human_age(md.get("creationTimestamp")))
    return cells


def to_table(rt, objs, rv, include):
    rows = []
    for o in objs:
        row = {"cells": table_cells(rt, o)}
        if include == "Object":
            row["object"] = o
        elif include != "None":
            row["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                             "metadata": o["metadata"]}
        rows.append(row)
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": rv},
            "columnDefinitions": table_columns(rt), "rows": rows}


def wants_table(accept):
    return "as=Table" in (accept or "")


# ------------------------------------------------------------------------------------
# the HTTP handler
# ------------------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sysrec-apiserver-double"

    def log_message(self, fmt, *args):
        if self.server.opts.verbose:
            sys.stderr.write("apiserver: " + (fmt % args) + "\n")

    # plumbing ------------------------------------------------------------------------

    @property
    def store(self):
        return self.server.store

    def audit(self, code, extra=None):
        if not self.server.opts.audit_log:
            return
        rec = {"ts": time.time(), "user": getattr(self, "user", None), "method": self.command,
               "path": self.url.path, "query": self.url.query, "code": code,
               "agent": self.headers.get("User-Agent", "")}
        if extra:
            rec.update(extra)
        if getattr(self, "audit_extra", None):
            rec.update(self.audit_extra)
        with self.server.audit_lock, open(self.server.opts.audit_log, "a") as f:
            f.write(json.dumps(rec) + "\n")

    def send_json(self, code, body, extra_headers=None):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache, private")
        for k, v in (extra_headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.audit(code)

    def send_error_status(self, e):
        self.send_json(e.code, e.status())

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        if not raw:
            return None
        ctype = self.headers.get("Content-Type", "application/json")
        if "protobuf" in ctype:
            raise ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown "
                           "format - accepted media types include: application/json, application/yaml")
        try:
            if "yaml" in ctype:
                return yaml.safe_load(raw)
            return json.loads(raw)
        except ValueError as e:
            raise ApiError(400, "BadRequest", f"the body of the request could not be decoded: {e}")

    def authenticate(self):
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return None
        return self.server.tokens.get(auth[len("Bearer "):].strip())

    def handle_one(self):
        self.audit_extra = None
        self.url = urlsplit(self.path)
        self.query = {k: v[-1] for k, v in parse_qs(self.url.query, keep_blank_values=True).items()}
        self.user = None
        try:
            ident = self.authenticate()
            if ident is None:
                raise ApiError(401, "Unauthorized", "Unauthorized")
            self.user, self.groups = ident
            self.route()
        except ApiError as e:
            self.send_error_status(e)
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception as e:  # a bug in the double: say so loudly
            import traceback
            traceback.print_exc()
            try:
                self.send_error_status(ApiError(500, "InternalError", f"internal error: {e}"))
            except OSError:
                pass

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = handle_one

    # routing -------------------------------------------------------------------------

    def route(self):
        path = self.url.path.rstrip("/") or "/"
        parts = [unquote(p) for p in path.split("/") if p]
        if path.startswith("/_test/"):
            return self.test_hook(parts[1])
        if path in ("/healthz", "/readyz", "/livez"):
            return self.send_text(200, "ok")
        if path == "/version":
            return self.send_json(200, {"major": "1", "minor": "32", "gitVersion": "v1.32.0",
                                        "platform": "linux/amd64", "goVersion": "go1.23",
                                        "compiler": "gc", "buildDate": "2025-01-01T00:00:00Z",
                                        "gitCommit": "sysrec-double", "gitTreeState": "clean"})
        if path.startswith("/openapi"):
            return self.openapi(parts)
        if parts[:1] == ["api"]:
            if len(parts) == 1:
                return self.send_json(200, {"kind": "APIVersions", "versions": ["v1"],
                                            "serverAddressByClientCIDRs": [
                                                {"clientCIDR": "0.0.0.0/0",
                                                 "serverAddress": self.server.opts.address}]})
            group, version, rest = "", parts[1], parts[2:]
        elif parts[:1] == ["apis"]:
            if len(parts) == 1:
                return self.send_json(200, self.group_list())
            if len(parts) == 2:
                g = self.group_list(parts[1])
                if not g["groups"]:
                    raise ApiError(404, "NotFound", "the server could not find the requested resource")
                return self.send_json(200, g["groups"][0] | {"kind": "APIGroup", "apiVersion": "v1"})
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        if not rest:
            return self.resource_list(group, version)
        return self.resource_request(group, version, rest)

    def send_text(self, code, text):
        data = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.audit(code)

    # discovery -----------------------------------------------------------------------

    def group_list(self, only=None):
        with self.store.cond:
            groups = self.store.groups()
        out = []
        for g, versions in sorted(groups.items()):
            if not g or (only is not None and g != only):
                continue
            vs = [{"groupVersion": f"{g}/{v}", "version": v} for v in versions]
            storage = vs[0]
            # the storage version comes first where a CRD says which one it is
            for (tg, tv, _), rt in self.store.types.items():
                if tg == g and rt.crd:
                    crd = self.store.objects[("apiextensions.k8s.io", "customresourcedefinitions")].get(("", rt.crd))
                    for v in (crd or {}).get("spec", {}).get("versions", []):
                        if v.get("storage"):
                            storage = {"groupVersion": f"{g}/{v['name']}", "version": v["name"]}
            out.append({"name": g, "versions": vs, "preferredVersion": storage})
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": out}

    def resource_list(self, group, version):
        res = []
        with self.store.cond:
            types = [rt for (g, v, _), rt in self.store.types.items() if g == group and v == version]
        if not types:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
        for rt in sorted(types, key=lambda r: r.plural):
            r = {"name": rt.plural, "singularName": rt.singular, "namespaced": rt.namespaced,
                 "kind": rt.kind, "verbs": verbs}
            if rt.short:
                r["shortNames"] = rt.short
            if rt.categories:
                r["categories"] = rt.categories
            res.append(r)
            for sub in rt.subresources:
                res.append({"name": f"{rt.plural}/{sub}", "singularName": "",
                            "namespaced": rt.namespaced, "kind": rt.kind,
                            "verbs": ["get", "patch", "update"]})
        self.send_json(200, {"kind": "APIResourceList", "apiVersion": "v1",
                             "groupVersion": f"{group}/{version}" if group else version,
                             "resources": res})

    def openapi(self, parts):
        """Enough of /openapi/v3 for kubectl's server-side field validation check."""
        if parts == ["openapi", "v3"]:
            paths = {}
            with self.store.cond:
                for (g, v, _), rt in self.store.types.items():
                    key = f"apis/{g}/{v}" if g else f"api/{v}"
                    paths[key] = {"serverRelativeURL": f"/openapi/v3/{key}?hash=0"}
            return self.send_json(200, {"paths": paths})
        if len(parts) >= 4 and parts[:2] == ["openapi", "v3"]:
            gv = parts[2:]
            group, version = (gv[1], gv[2]) if gv[0] == "apis" else ("", gv[1])
            return self.send_json(200, self.openapi_doc(group, version))
        raise ApiError(404, "NotFound", "the server could not find the requested resource")

    def openapi_doc(self, group, version):
        params = [{"name": "fieldValidation", "in": "query", "schema": {"type": "string"},
                   "description": "fieldValidation instructs the server on how to handle objects "
                   "in the request containing unknown or duplicate fields."},
                  {"name": "dryRun", "in": "query", "schema": {"type": "string"}}]
        paths, schemas = {}, {}
        with self.store.cond:
            types = [rt for (g, v, _), rt in self.store.types.items() if g == group and v == version]
        prefix = f"/apis/{group}/{version}" if group else f"/api/{version}"
        for rt in types:
            sname = f"{rt.group or 'core'}.{rt.version}.{rt.kind}"
            schema = copy.deepcopy(rt.schema) if rt.schema else {"type": "object",
                                                                "x-kubernetes-preserve-unknown-fields": True}
            schema["x-kubernetes-group-version-kind"] = [{"group": rt.group, "version": rt.version,
                                                         "kind": rt.kind}]
            schemas[sname] = schema
            coll = f"{prefix}/namespaces/{{namespace}}/{rt.plural}" if rt.namespaced else f"{prefix}/{rt.plural}"
            ref = {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{sname}"}}}}
            paths[coll] = {"post": {"parameters": params, "requestBody": ref,
                                    "responses": {"201": {"description": "Created"}},
                                    "x-kubernetes-action": "post",
                                    "x-kubernetes-group-version-kind": {"group": rt.group,
                                                                        "version": rt.version,
                                                                        "kind": rt.kind}}}
            paths[coll + "/{name}"] = {"put": {"parameters": params, "requestBody": ref,
                                               "responses": {"200": {"description": "OK"}},
                                               "x-kubernetes-action": "put",
                                               "x-kubernetes-group-version-kind": {
                                                   "group": rt.group, "version": rt.version,
                                                   "kind": rt.kind}},
                                       "patch": {"parameters": params,
                                                 "responses": {"200": {"description": "OK"}},
                                                 "x-kubernetes-action": "patch",
                                                 "x-kubernetes-group-version-kind": {
                                                     "group": rt.group, "version": rt.version,
                                                     "kind": rt.kind}}}
        return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.32.0"},
                "paths": paths, "components": {"schemas": schemas}}

    # test hooks ----------------------------------------------------------------------

    def test_hook(self, what):
        if "system:masters" not in self.groups:
            raise ApiError(403, "Forbidden", "test hooks are for system:masters")
        body = self.read_body() or {}
        with self.store.cond:
            if what == "compact":
                self.store.compacted = self.store.rv
                self.store.events.clear()
            elif what == "close-watches":
                self.store.watch_epoch += 1
                self.store.cond.notify_all()
            elif what == "inject":
                self.store.injections.append({"method": body["method"], "path": body["path"],
                                              "code": body.get("code", 409),
                                              "reason": body.get("reason", "Conflict"),
                                              "count": body.get("count", 1)})
            elif what == "state":
                pass
            else:
                raise ApiError(404, "NotFound", f"no test hook {what}")
            rv = self.store.rv
        self.send_json(200, {"resourceVersion": str(rv), "compacted": str(self.store.compacted)})

    def injected(self):
        with self.store.cond:
            for inj in self.store.injections:
                if inj["count"] > 0 and inj["method"] == self.command and \
                        re.search(inj["path"], self.url.path):
                    inj["count"] -= 1
                    msg = ("Operation cannot be fulfilled: the object has been modified; please "
                           "apply your changes to the latest version and try again") \
                        if inj["code"] == 409 else "injected failure"
                    return ApiError(inj["code"], inj["reason"], msg)
        return None

    # resources -----------------------------------------------------------------------

    def resource_request(self, group, version, rest):
        ns = None
        if rest[0] == "namespaces" and len(rest) >= 3 and not (len(rest) == 3 and rest[2] in ("status", "finalize")):
            ns, rest = rest[1], rest[2:]
        with self.store.cond:
            rt = self.store.type(group, version, rest[0])
        if rt is None:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        if ns is not None and not rt.namespaced:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        name = rest[1] if len(rest) > 1 else None
        sub = rest[2] if len(rest) > 2 else None
        if sub and sub not in rt.subresources:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        if name is None and self.command in ("PUT", "PATCH"):
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")

        watch = self.query.get("watch") in ("1", "true")
        if self.command in ("GET", "HEAD"):
            verb = "get" if name else ("watch" if watch else "list")
        else:
            verb = {"POST": "create", "PUT": "update", "PATCH": "patch",
                    "DELETE": "delete" if name else "deletecollection"}[self.command]
        resource = rt.plural + (f"/{sub}" if sub else "")
        if not authorized(self.store, self.user, self.groups, verb, group, resource, ns, name):
            scope = f'in the namespace "{ns}"' if ns else "at the cluster scope"
            raise ApiError(403, "Forbidden",
                           f'{rt.plural}{"." + group if group else ""}'
                           f'{(" " + chr(34) + name + chr(34)) if name else ""} is forbidden: '
                           f'User "{self.user}" cannot {verb} resource "{resource}" in API group '
                           f'"{group}" {scope}')
        if ns is not None and verb not in ("list", "watch", "get") and not \
                (rt.kind == "Namespace"):
            with self.store.cond:
                nsobj = self.store.objects[("", "namespaces")].get(("", ns))
            if nsobj is None and verb == "create":
                raise ApiError(404, "NotFound", f'namespaces "{ns}" not found',
                               {"name": ns, "kind": "namespaces"})
        err = self.injected()
        if err:
            raise err
        if verb == "watch":
            return self.watch(rt, ns)
        if verb == "list":
            return self.list(rt, ns)
        if verb == "get":
            return self.get(rt, ns, name)
        if verb == "create":
            return self.create(rt, ns, name, sub)
        if verb in ("update", "patch"):
            return self.update(rt, ns, name, sub, verb)
        if verb == "delete":
            return self.delete(rt, ns, name)
        return self.delete_collection(rt, ns)

    def out(self, rt, obj):
        o = copy.deepcopy(obj)
        o["apiVersion"] = rt.api_version
        o["kind"] = rt.kind
        return o

    def get(self, rt, ns, name):
        with self.store.cond:
            obj = self.store.objects[rt.key].get((ns or "", name))
            rv = str(self.store.rv)
        if obj is None:
            raise not_found(rt, name)
        if wants_table(self.headers.get("Accept")):
            return self.send_json(200, to_table(rt, [self.out(rt, obj)], rv,
                                                self.query.get("includeObject", "Metadata")))
        self.send_json(200, self.out(rt, obj))

    def selected(self, rt, ns):
        lsel = parse_label_selector(self.query.get("labelSelector", ""))
        fsel = parse_field_selector(self.query.get("fieldSelector", ""))

        def match(obj):
            if obj is None:
                return False
            if ns is not None and obj["metadata"].get("namespace") != ns:
                return False
            return label_match(lsel, obj["metadata"].get("labels")) and field_match(fsel, obj)
        return match

    def list(self, rt, ns):
        match = self.selected(rt, ns)
        limit = int(self.query.get("limit") or 0)
        cont = self.query.get("continue")
        start = None
        if cont:
            try:
                start = tuple(json.loads(base64.b64decode(cont)))
            except ValueError:
                raise ApiError(400, "BadRequest", "continue key is not valid")
        with self.store.cond:
            keys = sorted(self.store.objects[rt.key])
            items = [(k, self.store.objects[rt.key][k]) for k in keys
                     if (start is None or k > start) and match(self.store.objects[rt.key][k])]
            rv = str(self.store.rv)
        md = {"resourceVersion": rv}
        if limit and len(items) > limit:
            md["continue"] = base64.b64encode(json.dumps(list(items[limit - 1][0])).encode()).decode()
            md["remainingItemCount"] = len(items) - limit
            items = items[:limit]
        objs = [self.out(rt, o) for _, o in items]
        if wants_table(self.headers.get("Accept")):
            t = to_table(rt, objs, rv, self.query.get("includeObject", "Metadata"))
            t["metadata"].update(md)
            return self.send_json(200, t)
        self.send_json(200, {"kind": rt.kind + "List", "apiVersion": rt.api_version,
                             "metadata": md, "items": objs})

    # writes ----------------------------------------------------------------------------

    def validate(self, rt, obj, name):
        """Defaults, schema validation and pruning; raises 422/400 like kube-apiserver."""
        md = obj.setdefault("metadata", {})
        causes = []
        if not NAME_RE.match(name or "") or len(name) > 253:
            causes.append({"field": "metadata.name", "message": f'Invalid value: "{name}": a '
                           "lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                           "characters, '-' or '.', and must start and end with an alphanumeric "
                           "character"})
        for k, v in (md.get("labels") or {}).items():
            prefix, _, lname = k.rpartition("/")
            if not LABEL_NAME_RE.match(lname) or len(lname) > 63 or \
                    (prefix and (not NAME_RE.match(prefix) or len(prefix) > 253)):
                causes.append({"field": "metadata.labels", "message": f'Invalid value: "{k}": '
                               "name part must consist of alphanumeric characters, '-', '_' or '.'"
                               ", and must start and end with an alphanumeric character"})
            if not isinstance(v, str) or not LABEL_VALUE_RE.match(v) or len(v) > 63:
                causes.append({"field": "metadata.labels", "message": f'Invalid value: "{v}": a '
                               "valid label must be an empty string or consist of alphanumeric "
                               "characters, '-', '_' or '.', and must start and end with an "
                               "alphanumeric character (max 63)"})
        warnings = []
        if rt.schema:
            apply_defaults(rt.schema, obj)
            unknown = []
            check_schema(rt.schema, obj, "", causes, unknown)
            mode = self.query.get("fieldValidation", "Warn" if self.query.get("fieldManager") else "Ignore")
            for path, parent, key in unknown:
                if mode == "Strict":
                    raise ApiError(400, "BadRequest", f'{rt.kind} in version "{rt.version}" cannot '
                                   f'be handled as a {rt.kind}: strict decoding error: unknown field '
                                   f'"{path.lstrip(".")}"')
                if mode == "Warn":
                    warnings.append(f'unknown field "{path.lstrip(".")}"')
                del parent[key]
            for c in causes:
                c["field"] = c["field"].lstrip(".")
        if causes:
            raise invalid(rt, name, causes)
        return warnings

    def create(self, rt, ns, name, sub):
        if name is not None:
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
        obj = self.read_body()
        if not isinstance(obj, dict):
            raise ApiError(400, "BadRequest", "the body of the request was in an unknown format")
        md = obj.setdefault("metadata", {})
        if obj.get("kind") not in (None, rt.kind):
            raise ApiError(400, "BadRequest", f"the API version in the data ({obj.get('apiVersion')}) "
                           f"does not match the expected API version ({rt.api_version})")
        if rt.namespaced:
            if md.get("namespace") not in (None, ns):
                raise ApiError(400, "BadRequest", "the namespace of the provided object does not "
                               "match the namespace sent on the request")
            md["namespace"] = ns
        else:
            md.pop("namespace", None)
        for k in ("uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "generation"):
            md.pop(k, None)
        if not md.get("name"):
            if not md.get("generateName"):
                raise invalid(rt, "", [{"field": "metadata.name",
                                        "message": "Required value: name or generateName is required"}])
            md["name"] = md["generateName"] + "".join(random.choice(GENERATE_CHARS) for _ in range(5))
        obj["apiVersion"], obj["kind"] = rt.api_version, rt.kind
        if "status" in rt.subresources and rt.group not in ("", "apps", "apiextensions.k8s.io"):
            obj.pop("status", None)
        if rt.kind == "Pod":
            self.prepare_pod(obj)
        warnings = self.validate(rt, obj, md["name"])
        dry = self.query.get("dryRun") == "All"
        with self.store.cond:
            if (md.get("namespace", ""), md["name"]) in self.store.objects[rt.key]:
                gr = f"{rt.plural}.{rt.group}" if rt.group else rt.plural
                raise ApiError(409, "AlreadyExists", f'{gr} "{md["name"]}" already exists',
                               {"name": md["name"], "group": rt.group, "kind": rt.plural})
            if not dry:
                self.store.put_new(rt, obj)
            out = self.out(rt, obj)
        hdr = {"Warning": "; ".join(f'299 - "{w}"' for w in warnings)} if warnings else None
        self.audit_extra = {"name": md["name"]}
        self.send_json(201, out, hdr)

    @staticmethod
    def prepare_pod(pod):
        spec = pod.setdefault("spec", {})
        spec.setdefault("restartPolicy", "Always")
        spec.setdefault("terminationGracePeriodSeconds", 30)
        spec.setdefault("schedulerName", "default-scheduler")
        spec.setdefault("serviceAccountName", "default")
        for c in spec.get("containers", []) + spec.get("initContainers", []):
            c.setdefault("imagePullPolicy", "IfNotPresent")
            c.setdefault("terminationMessagePath", "/dev/termination-log")
        pod["status"] = {"phase": "Pending", "qosClass": Handler.qos_class(spec)}

    @staticmethod
    def qos_class(spec):
        ctrs = spec.get("containers", []) + spec.get("initContainers", [])
        requests, limits, guaranteed = False, False, True
        for c in ctrs:
            res = c.get("resources") or {}
            req, lim = dict(res.get("requests") or {}), res.get("limits") or {}
            for k, v in lim.items():
                req.setdefault(k, v)  # requests default to limits
            if req:
                requests = True
            if lim:
                limits = True
            for r in ("cpu", "memory"):
                if r not in lim or req.get(r) != lim.get(r):
                    guaranteed = False
        if not requests and not limits:
            return "BestEffort"
        return "Guaranteed" if guaranteed else "Burstable"

    def update(self, rt, ns, name, sub, verb):
        body = self.read_body()
        ctype = self.headers.get("Content-Type", "")
        dry = self.query.get("dryRun") == "All"
        with self.store.cond:
            cur = self.store.objects[rt.key].get((ns or "", name))
        if cur is None:
            raise not_found(rt, name)
        if verb == "patch":
            if "json-patch" in ctype:
                new = json_patch(cur, body or [])
            elif "apply-patch" in ctype:
                raise ApiError(415, "UnsupportedMediaType", "server-side apply is not supported "
                               "by this double")
            elif "strategic-merge-patch" in ctype and rt.group not in ("", "apps", "rbac.authorization.k8s.io"):
                raise ApiError(415, "UnsupportedMediaType", "the body of the request was in an "
                               "unknown format - accepted media types include: "
                               "application/json-patch+json, application/merge-patch+json, "
                               "application/apply-patch+yaml")
            else:
                new = merge_patch(cur, body or {})
            precondition = None
        else:
            if not isinstance(body, dict):
                raise ApiError(400, "BadRequest", "the body of the request was in an unknown format")
            new = body
            precondition = (new.get("metadata") or {}).get("resourceVersion")
        new = copy.deepcopy(new)
        md = new.setdefault("metadata", {})
        if md.get("name", name) != name:
            raise ApiError(400, "BadRequest", "the name of the object does not match the name on the URL")
        md["name"] = name
        if rt.namespaced:
            md["namespace"] = ns
        new["apiVersion"], new["kind"] = rt.api_version, rt.kind
        old_md = cur["metadata"]
        for k in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                  "generation", "generateName"):
            if k in old_md:
                md[k] = old_md[k]
            else:
                md.pop(k, None)
        has_status = "status" in rt.subresources
        if sub == "status":
            # only the status changes through the status subresource
            st = new.get("status")
            new = copy.deepcopy(cur)
            new["metadata"]["resourceVersion"] = md.get("resourceVersion")
            if st is None:
                new.pop("status", None)
            else:
                new["status"] = st
            md = new["metadata"]
        elif has_status:
            if "status" in cur:
                new["status"] = copy.deepcopy(cur["status"])
            else:
                new.pop("status", None)
        if rt.kind != "Pod" or sub != "status":
            self.validate(rt, new, name)
        with self.store.cond:
            cur = self.store.objects[rt.key].get((ns or "", name))
            if cur is None:
                raise not_found(rt, name)
            if precondition and precondition != cur["metadata"]["resourceVersion"]:
                gr = f"{rt.plural}.{rt.group}" if rt.group else rt.plural
                raise ApiError(409, "Conflict", f'Operation cannot be fulfilled on {gr} "{name}": '
                               "the object has been modified; please apply your changes to the "
                               "latest version and try again",
                               {"name": name, "group": rt.group, "kind": rt.plural})
            if sub != "status":
                old_cmp = {k: v for k, v in cur.items() if k not in ("metadata", "status")}
                new_cmp = {k: v for k, v in new.items() if k not in ("metadata", "status")}
                if old_cmp != new_cmp and "generation" in cur["metadata"]:
                    new["metadata"]["generation"] = cur["metadata"]["generation"] + 1
            if cur["metadata"].get("deletionTimestamp") and set(new["metadata"].get("finalizers") or []) - \
                    set(cur["metadata"].get("finalizers") or []):
                raise invalid(rt, name, [{"field": "metadata.finalizers", "message":
                                          "Forbidden: no new finalizers can be added if the object "
                                          "is being deleted"}])
            unchanged = {k: v for k, v in new.items() if k != "metadata"} == \
                {k: v for k, v in cur.items() if k != "metadata"} and \
                {k: v for k, v in new["metadata"].items() if k != "resourceVersion"} == \
                {k: v for k, v in cur["metadata"].items() if k != "resourceVersion"}
            if unchanged:
                out = self.out(rt, cur)
            else:
                if not dry:
                    self.store.put_update(rt, new, cur)
                out = self.out(rt, new)
        self.send_json(200, out)

    def delete(self, rt, ns, name):
        body = self.read_body() or {}
        grace = self.query.get("gracePeriodSeconds", body.get("gracePeriodSeconds"))
        pre = body.get("preconditions") or {}
        dry = self.query.get("dryRun") == "All" or body.get("dryRun") == ["All"]
        with self.store.cond:
            cur = self.store.objects[rt.key].get((ns or "", name))
            if cur is None:
                raise not_found(rt, name)
            md = cur["metadata"]
            if pre.get("uid") and pre["uid"] != md["uid"] or \
                    pre.get("resourceVersion") and pre["resourceVersion"] != md["resourceVersion"]:
                raise ApiError(409, "Conflict", f'Operation cannot be fulfilled on {rt.plural} '
                               f'"{name}": the precondition was not met')
            if dry:
                return self.send_json(200, self.out(rt, cur))
            graceful = rt.kind == "Pod" and (cur.get("spec") or {}).get("nodeName") and \
                (cur.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
            if graceful:
                if grace is None:
                    grace = (cur.get("spec") or {}).get("terminationGracePeriodSeconds", 30)
                grace = int(grace)
            if md.get("finalizers") or (graceful and grace > 0):
                new = copy.deepcopy(cur)
                if not md.get("deletionTimestamp"):
                    ts = datetime.datetime.now(datetime.timezone.utc)
                    if graceful:
                        ts += datetime.timedelta(seconds=grace)
                    new["metadata"]["deletionTimestamp"] = ts.strftime("%Y-%m-%dT%H:%M:%SZ")
                    new["metadata"]["deletionGracePeriodSeconds"] = grace if graceful else 0
                    self.store.put_update(rt, new, cur)
                    cur = new
                if not md.get("finalizers") and graceful and grace == 0:
                    self.store.remove(rt, cur)
                return self.send_json(200 if rt.group else 200, self.out(rt, cur))
            self.store.remove(rt, cur)
        self.send_json(200, self.out(rt, cur))

    def delete_collection(self, rt, ns):
        match = self.selected(rt, ns)
        with self.store.cond:
            victims = [o for o in self.store.objects[rt.key].values() if match(o)]
            for o in victims:
                if o["metadata"].get("finalizers"):
                    new = copy.deepcopy(o)
                    new["metadata"].setdefault("deletionTimestamp", now_rfc3339())
                    self.store.put_update(rt, new, o)
                else:
                    self.store.remove(rt, o)
            rv = str(self.store.rv)
        self.send_json(200, {"kind": rt.kind + "List", "apiVersion": rt.api_version,
                             "metadata": {"resourceVersion": rv},
                             "items": [self.out(rt, o) for o in victims]})

    # watch ---------------------------------------------------------------------------

    def write_chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def watch(self, rt, ns):
        match = self.selected(rt, ns)
        rv_param = self.query.get("resourceVersion", "")
        bookmarks = self.query.get("allowWatchBookmarks") in ("1", "true")
        timeout = self.query.get("timeoutSeconds")
        deadline = time.time() + (int(timeout) if timeout else self.server.opts.watch_timeout)
        table = wants_table(self.headers.get("Accept"))
        include = self.query.get("includeObject", "Metadata")

        def encode(etype, obj):
            o = self.out(rt, obj)
            if table:
                o = to_table(rt, [o], o["metadata"]["resourceVersion"], include)
            return (json.dumps({"type": etype, "object": o}) + "\n").encode()

        with self.store.cond:
            epoch = self.store.watch_epoch
            initial, pos, gone = [], None, None
            if rv_param in ("", "0"):
                initial = [o for o in self.store.objects[rt.key].values() if match(o)]
                since = self.store.rv
            else:
                try:
                    since = int(rv_param)
                except ValueError:
                    raise ApiError(400, "BadRequest", f"invalid resource version {rv_param!r}")
                if since < self.store.compacted:
                    gone = ApiError(410, "Expired", f"too old resource version: {since} "
                                    f"({self.store.compacted})")
            pos = len(self.store.events)
            for i, ev in enumerate(self.store.events):
                if ev[0] > since:
                    pos = i
                    break
            if gone and self.server.opts.gone_as_http:
                raise gone
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        self.audit(200, {"watch": True, "resourceVersion": rv_param,
                         "gone": bool(gone)})
        try:
            if gone:
                self.write_chunk((json.dumps({"type": "ERROR", "object": gone.status()}) + "\n").encode())
                self.write_chunk(b"")
                return
            for o in initial:
                self.write_chunk(encode("ADDED", o))
            last_bookmark = time.time()
            while True:
                batch = []
                with self.store.cond:
                    while True:
                        if self.store.watch_epoch != epoch or time.time() >= deadline:
                            batch = None
                            break
                        if pos < len(self.store.events) and self.store.events[pos][0] <= since:
                            pos += 1
                            continue
                        # the history may have been compacted under us
                        if pos > len(self.store.events):
                            pos = len(self.store.events)
                        if pos < len(self.store.events):
                            batch = self.store.events[pos:]
                            pos = len(self.store.events)
                            break
                        if bookmarks and time.time() - last_bookmark >= self.server.opts.bookmark_interval:
                            break
                        self.store.cond.wait(0.2)
                    current_rv = self.store.rv
                if batch is None:
                    self.write_chunk(b"")
                    return
                for rv, key, etype, obj, old in batch:
                    since = rv
                    if key != rt.key:
                        continue
                    now_in, was_in = match(obj), match(old) if old is not None else False
                    if etype == "MODIFIED":
                        if now_in and not was_in:
                            etype = "ADDED"
                        elif was_in and not now_in:
                            etype = "DELETED"
                        elif not now_in:
                            continue
                    elif not now_in:
                        continue
                    self.write_chunk(encode(etype, obj))
                if bookmarks and time.time() - last_bookmark >= self.server.opts.bookmark_interval:
                    last_bookmark = time.time()
                    since = max(since, current_rv)
                    bm = {"kind": rt.kind, "apiVersion": rt.api_version,
                          "metadata": {"resourceVersion": str(since)}}
                    self.write_chunk((json.dumps({"type": "BOOKMARK", "object": bm}) + "\n").encode())
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            self.close_connection = True
            return


# ------------------------------------------------------------------------------------
# scheduler
# ------------------------------------------------------------------------------------


def scheduler_loop(store):
    """Bind pods without spec.nodeName to Ready nodes, round-robin."""
    turn = 0
    pods_rt = store.type("", "v1", "pods")
    with store.cond:
        while True:
            store.cond.wait(0.1)
            nodes = sorted(n["metadata"]["name"] for n in store.objects[("", "nodes")].values()
                           if any(c.get("type") == "Ready" and c.get("status") == "True"
                                  for c in (n.get("status") or {}).get("conditions") or []))
            if not nodes:
                continue
            for pod in list(store.objects[("", "pods")].values()):
                spec = pod.get("spec") or {}
                if spec.get("nodeName") or pod["metadata"].get("deletionTimestamp"):
                    continue
                new = copy.deepcopy(pod)
                new["spec"]["nodeName"] = nodes[turn % len(nodes)]
                turn += 1
                store.put_update(pods_rt, new, pod)


# ------------------------------------------------------------------------------------
# main
# ------------------------------------------------------------------------------------


def load_tokens(path):
    tokens = {}
    with open(path) as f:
        for row in csv.reader(f):
            if not row or row[0].startswith("#"):
                continue
            token, user = row[0], row[1]
            groups = [g for g in (row[3].split(",") if len(row) > 3 else []) if g]
            groups.append("system:authenticated")
            if user.startswith("system:serviceaccount:"):
                groups += ["system:serviceaccounts",
                           "system:serviceaccounts:" + user.split(":")[2]]
            tokens[token] = (user, groups)
    return tokens


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=6443)
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--tls-cert-file", required=True)
    ap.add_argument("--tls-private-key-file", required=True)
    ap.add_argument("--token-auth-file", required=True)
    ap.add_argument("--state-file")
    ap.add_argument("--audit-log")
    ap.add_argument("--history", type=int, default=10000)
    ap.add_argument("--bookmark-interval", type=float, default=1.0)
    ap.add_argument("--watch-timeout", type=float, default=300.0,
                    help="end watches without timeoutSeconds after this long")
    ap.add_argument("--gone-as-http", action="store_true",
                    help="answer watches from a compacted version with HTTP 410 instead of an ERROR event")
    ap.add_argument("--scheduler", action="store_true")
    ap.add_argument("--ready-file", help="written once the server listens")
    ap.add_argument("-v", "--verbose", action="store_true")
    opts = ap.parse_args()
    opts.address = f"{opts.bind}:{opts.port}"

    store = Store(opts.state_file, opts.history)
    server = ThreadingHTTPServer((opts.bind, opts.port), Handler)
    server.daemon_threads = True
    server.store, server.opts = store, opts
    server.tokens = load_tokens(opts.token_auth_file)
    server.audit_lock = threading.Lock()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(opts.tls_cert_file, opts.tls_private_key_file)
    ctx.set_alpn_protocols(["http/1.1"])
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    if opts.scheduler:
        threading.Thread(target=scheduler_loop, args=(store,), daemon=True).start()

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if opts.ready_file:
        with open(opts.ready_file, "w") as f:
            f.write(f"{os.getpid()}\n")
    server.serve_forever(poll_interval=0.1)


if __name__ == "__main__":
    main()
