"""netlab.model.edit: scale, apply and delete on a lab file's text, as kubectl would change it."""

from __future__ import annotations

import pytest
import yaml

from netlab.errors import BadInput, LabValidationError
from netlab.model import edit, find_lab

TEXT = find_lab("pod-to-service").read_text()


def objects(text: str) -> dict[tuple[str, str], dict]:
    return {(o["kind"], o["metadata"]["name"]): o for o in yaml.safe_load(text)["objects"]}


def test_scale_sets_the_replicas_and_keeps_the_rest() -> None:
    scaled = edit.scale(TEXT, "web", 5)
    assert objects(scaled)["Deployment", "web"]["spec"]["replicas"] == 5
    assert yaml.safe_load(scaled)["checks"] == yaml.safe_load(TEXT)["checks"]


@pytest.mark.parametrize(
    "args, message",
    [
        (("nope", 1), "no Deployment or StatefulSet nope in namespace default"),
        (("web", -1), "replicas must be 0 or more"),
        (("web", 1, "shop"), "no Deployment or StatefulSet web in namespace shop"),
        (("statefulset/web", 1), "no StatefulSet web in namespace default"),
        (("svc/web", 1), "only Deployments and StatefulSets scale"),
    ],
)
def test_scale_refuses(args: tuple, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        edit.scale(TEXT, *args)


def test_apply_adds_new_objects_and_replaces_same_named_ones() -> None:
    manifests = """\
apiVersion: v1
kind: Service
metadata: {name: extra}
spec: {selector: {app: web}, ports: [{port: 81}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{name: http, port: 8000}]}
"""
    applied = objects(edit.apply(TEXT, manifests))
    assert applied["Service", "extra"]["spec"]["ports"] == [{"port": 81}]
    assert applied["Service", "web"]["spec"]["ports"] == [{"name": "http", "port": 8000}]
    assert len(applied) == len(objects(TEXT)) + 1


def test_apply_takes_a_list_and_refuses_what_is_not_a_manifest() -> None:
    listed = (
        "kind: List\nitems:\n  - {apiVersion: v1, kind: Service, metadata: {name: a}, spec: {ports: [{port: 1}]}}\n"
    )
    assert ("Service", "a") in objects(edit.apply(TEXT, listed))
    with pytest.raises(BadInput, match="each manifest must be a mapping"):
        edit.apply(TEXT, "- a\n- b\n")
    with pytest.raises(BadInput, match="not YAML"):
        edit.apply(TEXT, "a: [\n")


def test_an_invalid_object_s_problems_name_the_file_applied_the_object_and_the_field() -> None:
    bad = """\
apiVersion: v1
kind: Service
metadata: {name: fine}
spec: {selector: {app: web}, ports: [{port: 81}]}
---
apiVersion: v1
kind: Service
metadata: {name: typo}
spec: {selctor: {app: web}, ports: [{port: 82}]}
"""
    with pytest.raises(LabValidationError) as caught:
        edit.apply(TEXT, bad, "extra.yaml")
    assert caught.value.lines() == ["extra.yaml: Service typo: spec.selctor: unknown field (did you mean selector?)"]


def test_delete_removes_by_kind_and_name_with_kubectl_aliases() -> None:
    left = objects(edit.delete(TEXT, ["svc/web-udp", "deployment/web", "po/client"]))
    assert ("Service", "web-udp") not in left and ("Deployment", "web") not in left
    assert ("Pod", "client") not in left and ("Service", "web") in left


@pytest.mark.parametrize(
    "ref, message",
    [("web", "is not KIND/NAME"), ("pvc/x", "is not KIND/NAME"), ("service/nope", "no Service nope")],
)
def test_delete_refuses(ref: str, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        edit.delete(TEXT, [ref])


def test_delete_takes_ingresses() -> None:
    text = find_lab("ingress-http").read_text()
    for ref in ("ingress/default-backend", "ing/default-backend", "ingresses/default-backend"):
        left = objects(edit.delete(text, [ref]))
        assert ("Ingress", "default-backend") not in left and ("Ingress", "apps") in left
