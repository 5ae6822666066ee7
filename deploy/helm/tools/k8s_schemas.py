"""Write kubeconform JSON schemas from the Kubernetes OpenAPI spec and from CRD manifests (no network).

kubeconform fetches its schemas from GitHub by default, which CI cannot reach; this does what
openapi2jsonschema does, from files that package registries serve (see scripts/k8s-check.sh):

    k8s_schemas.py OUT_DIR --swagger swagger.json [--crd crd.yaml ...]

Layout: OUT_DIR/<group>/<kind>_<version>.json (core kinds under `v1/`), read by kubeconform with
`-schema-location 'OUT_DIR/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json'`.
Schemas are strict (an unknown field is an error, as with `kubectl apply --validate=strict`) and optional
fields accept null (Helm renders an empty value as null).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

Schema = dict[str, Any]

REF_PREFIX = "#/definitions/"
INT_OR_STRING: Schema = {"oneOf": [{"type": "string"}, {"type": "integer"}]}
# A Quantity is written as "500m" or "2Gi" but also as a bare YAML number (cpu: 1).
QUANTITY: Schema = {"oneOf": [{"type": "string"}, {"type": "number"}]}
OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


def _strictify(node: Any, *, nullable_optional: bool) -> Any:
    """Return a copy of a schema with closed objects, null for optional fields, and int-or-string as oneOf."""
    if isinstance(node, list):
        return [_strictify(item, nullable_optional=nullable_optional) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("x-kubernetes-int-or-string") or node.get("format") == "int-or-string":
        return dict(INT_OR_STRING)
    out: Schema = {}
    for key, value in node.items():
        if key in ("description", "x-kubernetes-group-version-kind") or key.startswith("x-kubernetes-list"):
            continue
        if key == "properties":
            required = set(node.get("required", []))
            props: Schema = {}
            for name, prop in value.items():
                converted = _strictify(prop, nullable_optional=nullable_optional)
                if nullable_optional and name not in required:
                    converted = _allow_null(converted)
                props[name] = converted
            out[key] = props
        else:
            out[key] = _strictify(value, nullable_optional=nullable_optional)
    if node.get("nullable"):
        out = _allow_null(out)
        out.pop("nullable", None)
    preserve = node.get("x-kubernetes-preserve-unknown-fields")
    if "properties" in out and "additionalProperties" not in out and not preserve:
        out["additionalProperties"] = False
    for key in ("x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource", "x-kubernetes-validations"):
        out.pop(key, None)
    return out


def _allow_null(schema: Schema) -> Schema:
    """Let a schema also accept null (only where it states a type; a $ref keeps its own)."""
    kind = schema.get("type")
    if isinstance(kind, str):
        return {**schema, "type": [kind, "null"]}
    if isinstance(kind, list) and "null" not in kind:
        return {**schema, "type": [*kind, "null"]}
    return schema


def _refs(node: Any) -> set[str]:
    """The definition names a schema refers to directly."""
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF_PREFIX):
            found.add(ref[len(REF_PREFIX) :])
        for value in node.values():
            found |= _refs(value)
    elif isinstance(node, list):
        for item in node:
            found |= _refs(item)
    return found


def _closure(roots: set[str], definitions: dict[str, Schema]) -> dict[str, Schema]:
    """Every definition reachable from `roots` (definitions may be recursive, so refs stay refs)."""
    todo, seen = list(roots), set[str]()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(_refs(definitions[name]) - seen)
    return {name: definitions[name] for name in sorted(seen)}


def _write(out_dir: Path, group: str, version: str, kind: str, schema: Schema) -> None:
    """Store one schema where kubeconform's path template looks for it."""
    folder = out_dir / (group or version)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{kind.lower()}_{version}.json").write_text(json.dumps(schema, separators=(",", ":")))


def kubernetes_definitions(swagger: Path) -> dict[str, Schema]:
    """The spec's definitions, made strict, with IntOrString and Quantity widened to what YAML allows."""
    raw: dict[str, Schema] = json.loads(swagger.read_text())["definitions"]
    definitions = {name: _strictify(schema, nullable_optional=True) for name, schema in raw.items()}
    definitions["io.k8s.apimachinery.pkg.util.intstr.IntOrString"] = dict(INT_OR_STRING)
    definitions["io.k8s.apimachinery.pkg.api.resource.Quantity"] = dict(QUANTITY)
    for name, schema in raw.items():
        # Keep the group/version/kind marker on the converted copy: it says which definitions are resources.
        if "x-kubernetes-group-version-kind" in schema:
            definitions[name]["x-kubernetes-group-version-kind"] = schema["x-kubernetes-group-version-kind"]
    return definitions


def write_kubernetes(out_dir: Path, definitions: dict[str, Schema]) -> int:
    """One schema per built-in kind and version; returns how many were written."""
    count = 0
    for schema in definitions.values():
        for gvk in schema.get("x-kubernetes-group-version-kind", []):
            body = {k: v for k, v in schema.items() if k != "x-kubernetes-group-version-kind"}
            deps = _closure(_refs(body), definitions)
            _write(out_dir, gvk["group"], gvk["version"], gvk["kind"], {**body, "definitions": deps})
            count += 1
    return count


def write_crds(out_dir: Path, crd_files: list[Path], definitions: dict[str, Schema]) -> int:
    """One schema per served version of each CustomResourceDefinition in the files; returns the count."""
    count = 0
    for path in crd_files:
        for doc in yaml.safe_load_all(path.read_text()):
            if not doc or doc.get("kind") != "CustomResourceDefinition":
                continue
            spec = doc["spec"]
            for version in spec["versions"]:
                if not version.get("served", True):
                    continue
                schema = _strictify(version["schema"]["openAPIV3Schema"], nullable_optional=False)
                props = schema.setdefault("properties", {})
                # CRDs declare metadata as a bare object; check it as the API server does for every kind.
                props["metadata"] = {"$ref": REF_PREFIX + OBJECT_META}
                schema["definitions"] = _closure({OBJECT_META}, definitions)
                _write(out_dir, spec["group"], version["name"], spec["names"]["kind"], schema)
                count += 1
    return count


def main(argv: list[str]) -> int:
    """Parse the arguments and write the schemas."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--swagger", type=Path, required=True, help="api/openapi-spec/swagger.json of Kubernetes")
    parser.add_argument("--crd", type=Path, action="append", default=[], help="a YAML file of CRDs (repeatable)")
    args = parser.parse_args(argv)
    definitions = kubernetes_definitions(args.swagger)
    built_in = write_kubernetes(args.out_dir, definitions)
    custom = write_crds(args.out_dir, args.crd, definitions)
    sys.stderr.write(f"{built_in} Kubernetes and {custom} custom resource schemas written to {args.out_dir}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
