"""A container's environment: `env` (values, the downward API's pod fields, ConfigMap and Secret
keys) and `envFrom` (every key of a ConfigMap or Secret), as the API server validates them (pure).

The kubelet sets them when the container starts: the Service variables first, `envFrom`'s over them,
then `env`'s over all (render.workloads.container_env). A ConfigMap or Secret the lab file does not
hold, or a key it lacks, keeps the kubelet from starting the container, unless `optional: true`
(model.configdata checks the references).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from netlab.model import fields
from netlab.model.lab import KeyRef, SourceRef
from netlab.model.schema import FieldReader

# The downward API's fields for env (the API server's validEnvDownwardAPIFieldPathExpressions) that
# have a value here: metadata.uid and metadata.annotations have none in a lab without an API server.
FIELD_PATHS = (
    "metadata.name",
    "metadata.namespace",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
)
LABEL_PATH = re.compile(r"^metadata\.labels\['([^']+)'\]$")


@dataclass(frozen=True)
class Env:
    values: tuple[tuple[str, str], ...]
    fields: tuple[tuple[str, str], ...]  # (name, fieldPath)
    keys: tuple[KeyRef, ...]


def read_env(r: FieldReader, raw: Any, place: str) -> Env:
    values, field_env, keys = [], [], []
    for j, item in enumerate(r.sequence(raw, place)):
        e = r.mapping(item, f"{place}[{j}]", fields.ENV_VAR, required=("name",))
        name = str(e.get("name"))
        if "valueFrom" not in e:
            values.append((name, str(e.get("value", ""))))
            continue
        where = f"{place}[{j}].valueFrom"
        source = r.mapping(e["valueFrom"], where, fields.ENV_VAR_SOURCE)
        if e["valueFrom"] == {}:
            r.problem(where, "needs fieldRef, configMapKeyRef or secretKeyRef")
        if source.get("fieldRef") is not None:
            if path := _field_path(r, source["fieldRef"], f"{where}.fieldRef"):
                field_env.append((name, path))
        for kind, key in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
            if source.get(key) is not None:
                keys.append(_key_ref(r, name, kind, source[key], f"{where}.{key}"))
    return Env(tuple(values), tuple(field_env), tuple(keys))


def read_env_from(r: FieldReader, raw: Any, place: str) -> tuple[SourceRef, ...]:
    found = []
    for j, item in enumerate(r.sequence(raw, place)):
        e = r.mapping(item, f"{place}[{j}]", fields.ENV_FROM_SOURCE)
        for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
            if e.get(key) is not None:
                ref = r.mapping(e[key], f"{place}[{j}].{key}", fields.SOURCE_SELECTOR, required=("name",))
                name = r.string(ref.get("name"), f"{place}[{j}].{key}.name")
                optional = r.boolean(ref.get("optional"), f"{place}[{j}].{key}.optional", False)
                found.append(SourceRef(kind, name, str(e.get("prefix") or ""), optional))
    return tuple(found)


def _key_ref(r: FieldReader, var: str, kind: str, raw: Any, place: str) -> KeyRef:
    ref = r.mapping(raw, place, fields.KEY_SELECTOR, required=("name", "key"))
    return KeyRef(
        var,
        kind,
        r.string(ref.get("name"), f"{place}.name"),
        r.string(ref.get("key"), f"{place}.key"),
        r.boolean(ref.get("optional"), f"{place}.optional", False),
    )


def _field_path(r: FieldReader, raw: Any, place: str) -> str | None:
    """`fieldRef.fieldPath`: one of the pod fields the downward API gives a container's environment
    (those netlab has a value for; metadata.uid and annotations it has not)."""
    ref = r.mapping(raw, place, fields.OBJECT_FIELD_SELECTOR, required=("fieldPath",))
    path = ref.get("fieldPath")
    if path is None:
        return None
    if not isinstance(path, str) or not (path in FIELD_PATHS or LABEL_PATH.match(path)):
        known = ", ".join(FIELD_PATHS)
        r.problem(
            f"{place}.fieldPath", f"{path!r} is not a field netlab gives (it gives {known}, metadata.labels['KEY'])"
        )
        return None
    return path
