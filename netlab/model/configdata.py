"""v1 ConfigMaps and Secrets: plain data that containers' environments take (pure).

They change no network: netlab reads them so that a manifest that takes its settings from one
pastes in (`env.valueFrom.configMapKeyRef` / `secretKeyRef`, `envFrom`). A Secret's `data` is
base64, as the API takes it; `stringData` is plain and wins over `data` for the same key, as the
API server merges them. Its `type` is kept: a kubernetes.io/tls Secret needs `tls.crt` and `tls.key`,
as the API server requires (netlab.model.tls), and serves Ingress TLS; the other types are accepted.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from netlab.model import fields, tls
from netlab.model.lab import ConfigData, KubeObject
from netlab.model.schema import FieldReader

KEY = re.compile(r"^[-._a-zA-Z0-9]+$")  # the API server's IsConfigMapKey
KEY_MAX = 253


def read_config_data(r: FieldReader, raw: dict, kind: str, name: str, namespace: str, label: str) -> ConfigData:
    obj = r.mapping(raw, label, fields.CONFIG_MAP if kind == "ConfigMap" else fields.SECRET, required=("metadata",))
    data = _strings(r, obj.get("data"), f"{label}: data")
    if kind == "Secret":
        data = {key: _decoded(r, value, f"{label}: data.{key}") for key, value in data.items()}
        data.update(_strings(r, obj.get("stringData"), f"{label}: stringData"))
        secret_type = r.string(obj.get("type", "Opaque"), f"{label}: type")
        if secret_type == tls.TLS_TYPE:
            for key in tls.missing_keys(data):
                r.problem(f"{label}: data[{key}]", f"is required for a Secret of type {tls.TLS_TYPE}")
        return ConfigData(kind, name, namespace, data, secret_type)
    return ConfigData(kind, name, namespace, data)


def check_config_refs(r: FieldReader, objects: tuple[KubeObject, ...], config: tuple[ConfigData, ...]) -> None:
    """Every ConfigMap or Secret (and key) a container takes is in the lab, or the reference is
    optional: the kubelet would not start the container otherwise."""
    held = {(c.kind, c.namespace, c.name): c.data for c in config}
    for obj in objects:
        for container in (*obj.template.init_containers, *obj.template.containers):
            where = f"{type(obj).__name__} {obj.name}: container {container.name}"
            for ref in container.key_env:
                data = held.get((ref.kind, obj.namespace, ref.source))
                if ref.optional or (data is not None and ref.key in data):
                    continue
                missing = f"{ref.kind} {ref.source}" if data is None else f"key {ref.key!r} in {ref.kind} {ref.source}"
                r.problem(where, f"env {ref.var}: no {missing} in namespace {obj.namespace} (optional: true allows it)")
            for source in container.env_from:
                if not source.optional and (source.kind, obj.namespace, source.source) not in held:
                    r.problem(
                        where,
                        f"envFrom: no {source.kind} {source.source} in namespace {obj.namespace} "
                        "(optional: true allows it)",
                    )


def _strings(r: FieldReader, raw: Any, place: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        r.problem(place, "must be a mapping of keys to strings")
        return {}
    for key in raw:
        if not isinstance(key, str) or len(key) > KEY_MAX or not KEY.match(key):
            r.problem(place, f"{key!r} is not a key (letters, digits, '-', '_', '.')")
    return {str(k): str(v) for k, v in raw.items()}


def _decoded(r: FieldReader, value: str, place: str) -> str:
    try:
        return base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        r.problem(place, "is not base64 of UTF-8 text (a Secret's data is base64; stringData takes plain text)")
        return ""
