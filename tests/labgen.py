"""Generated labs: N echo-server pods of one Deployment over M nodes, for the integration tests
(harness.py) and the benchmarks (scripts/bench_up.py, bench_proxy.py); netlab itself never makes one.

Written as lab-file text, not built as model objects, so a generated lab goes through the same
loading and validation as any lab a person writes.
"""

from __future__ import annotations

import textwrap


def deployment_lab(name: str, *, nodes: int, replicas: int, title: str = "generated", extra: str = "") -> str:
    """A lab file: nodes node-1..node-M, Deployment `web` of `replicas` pods on port 8080.

    Args:
        extra: more manifests, as YAML list items indented like the objects (`  - apiVersion: ...`).
    """
    node_list = ", ".join(f"node-{i}" for i in range(1, nodes + 1))
    web = "  - " + textwrap.indent(web_deployment(replicas), "    ")[4:]  # a list item of objects:
    return f"""\
name: {name}
title: {title}
cluster:
  nodes: [{node_list}]
objects:
{web}{extra}"""


def web_deployment(replicas: int, container: str = "ports: [{containerPort: 8080}]") -> str:
    """Deployment `web` as a manifest: `replicas` pods labelled app=web, whose one container `web` is
    `container` (YAML at the container's indentation: the echo server on 8080 by default)."""
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
        - name: web
          {container}
"""
