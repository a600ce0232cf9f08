"""Generated labs: N echo-server pods of one Deployment over M nodes, for the integration tests
(harness.py) and the benchmarks (scripts/bench_up.py, bench_proxy.py); netlab itself never makes one.

Written as lab-file text, not built as model objects, so a generated lab goes through the same
loading and validation as any lab a person writes.
"""

from __future__ import annotations


def deployment_lab(name: str, *, nodes: int, replicas: int, title: str = "generated", extra: str = "") -> str:
    """A lab file: nodes node-1..node-M, Deployment `web` of `replicas` pods on port 8080.

    Args:
        extra: more manifests, as YAML list items indented like the objects (`  - apiVersion: ...`).
    """
    node_list = ", ".join(f"node-{i}" for i in range(1, nodes + 1))
    return f"""\
name: {name}
title: {title}
cluster:
  nodes: [{node_list}]
objects:
  - apiVersion: apps/v1
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
              ports: [{{containerPort: 8080}}]
{extra}"""
