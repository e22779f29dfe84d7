#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""validate-spo.py CRD FILE... — check SeccompProfile documents against a CRD.

Validates each FILE (one YAML document) against the openAPIV3Schema of the version
its apiVersion names in the CustomResourceDefinition CRD, the way a Kubernetes API
server with strict field validation would: types (integers are not strings or floats),
int32/int64 ranges, enums, required fields, minimum/maximum, minItems/maxItems,
minLength/maxLength, patterns, x-kubernetes-list-type "set" (no duplicates), unknown
fields (rejected, not pruned), plus what the API server checks beyond the schema:
apiVersion group/version and kind, metadata.name a DNS subdomain, no namespace for a
cluster-scoped resource.

Prints "FILE: valid" or one "FILE: PATH: problem" line per problem. Exit status 0 if
every file is valid, 1 if one is not, 2 on a usage error or an unreadable CRD.
Uses PyYAML (Debian python3-yaml).
"""
import re
import sys

import yaml

INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def type_ok(value, typ):
    if typ == "object":
        return isinstance(value, dict)
    if typ == "array":
        return isinstance(value, list)
    if typ == "string":
        return isinstance(value, str)
    if typ == "boolean":
        return isinstance(value, bool)
    if typ == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if typ == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    raise ValueError(f"schema type {typ!r} not supported")


def validate(value, schema, path, errors):
    """Append (path, message) for every way value breaks schema."""
    typ = schema.get("type")
    if typ and not type_ok(value, typ):
        errors.append((path, f"{value!r} is {type(value).__name__}, expected {typ}"))
        return
    if "enum" in schema and value not in schema["enum"]:
        errors.append((path, f"{value!r} is not one of {schema['enum']}"))
    if typ == "integer":
        lo, hi = INT_RANGES.get(schema.get("format"), (None, None))
        if lo is not None and not lo <= value <= hi:
            errors.append((path, f"{value} does not fit {schema['format']}"))
    if typ in ("integer", "number"):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append((path, f"{value} is less than the minimum {schema['minimum']}"))
        if "maximum" in schema and value > schema["maximum"]:
            errors.append((path, f"{value} is more than the maximum {schema['maximum']}"))
    if typ == "string":
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append((path, f"{value!r} does not match {schema['pattern']!r}"))
        if "minLength" in schema and len(value) < schema["minLength"]:
            errors.append((path, f"shorter than {schema['minLength']}"))
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append((path, f"longer than {schema['maxLength']}"))
    if typ == "array":
        if "minItems" in schema and len(value) < schema["minItems"]:
            errors.append((path, f"{len(value)} items, at least {schema['minItems']} required"))
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append((path, f"{len(value)} items, at most {schema['maxItems']} allowed"))
        if schema.get("x-kubernetes-list-type") == "set":
            seen = []
            for i, item in enumerate(value):
                if item in seen:
                    errors.append((f"{path}[{i}]", f"duplicate {item!r} in a set"))
                seen.append(item)
        for i, item in enumerate(value):
            validate(item, schema.get("items", {}), f"{path}[{i}]", errors)
    if typ == "object":
        props = schema.get("properties")
        for req in schema.get("required", []):
            if req not in value:
                errors.append((f"{path}.{req}".lstrip("."), "required field missing"))
        for key, item in value.items():
            sub = f"{path}.{key}".lstrip(".")
            if not isinstance(key, str):
                errors.append((sub, "keys must be strings"))
            elif props is not None and key in props:
                validate(item, props[key], sub, errors)
            elif props is not None and not schema.get("x-kubernetes-preserve-unknown-fields"):
                errors.append((sub, f"unknown field (expected one of {sorted(props)})"))


def check_document(doc, crd):
    errors = []
    spec = crd["spec"]
    if not isinstance(doc, dict):
        return [("", f"the document is {type(doc).__name__}, expected a mapping")]
    api = doc.get("apiVersion")
    group, _, version = api.rpartition("/") if isinstance(api, str) else ("", "", "")
    versions = {v["name"]: v for v in spec["versions"] if v.get("served")}
    if group != spec["group"] or version not in versions:
        errors.append(("apiVersion", f"{api!r} is not {spec['group']}/{{{','.join(versions)}}}"))
        return errors
    if doc.get("kind") != spec["names"]["kind"]:
        errors.append(("kind", f"{doc.get('kind')!r} is not {spec['names']['kind']!r}"))
    meta = doc.get("metadata")
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
        errors.append(("metadata.name", "required field missing"))
    else:
        name = meta["name"]
        if len(name) > 253 or not DNS_SUBDOMAIN.match(name):
            errors.append(("metadata.name", f"{name!r} is not a DNS subdomain (RFC 1123)"))
        if spec.get("scope") == "Cluster" and "namespace" in meta:
            errors.append(("metadata.namespace", "set on a cluster-scoped resource"))
    validate(doc, versions[version]["schema"]["openAPIV3Schema"], "", errors)
    return errors


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    try:
        with open(argv[1]) as f:
            crd = yaml.safe_load(f)
        crd["spec"]["versions"]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as e:
        print(f"{argv[1]}: not a CustomResourceDefinition: {e}", file=sys.stderr)
        return 2
    status = 0
    for path in argv[2:]:
        try:
            with open(path) as f:
                docs = list(yaml.safe_load_all(f))
        except (OSError, yaml.YAMLError) as e:
            print(f"{path}: cannot be read as YAML: {e}")
            status = 1
            continue
        if len(docs) != 1:
            print(f"{path}: {len(docs)} YAML documents, expected one")
            status = 1
            continue
        errors = check_document(docs[0], crd)
        for where, what in errors:
            print(f"{path}: {where or '(document)'}: {what}")
        if errors:
            status = 1
        else:
            print(f"{path}: valid")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
