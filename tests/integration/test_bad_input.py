"""Bad input: one clear line on stderr, the contract's exit code, and nothing created."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from harness import NETLAB, lab_up, netlab, write_lab

DEPLOYMENT = """\
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: api}
    spec:
      replicas: 1
      selector: {matchLabels: {app: api}}
      template:
        metadata: {labels: {app: api}}
        spec:
          containers: [{name: api}]
"""

CASES = {
    "malformed-yaml": ("name: x\ncluster: [nodes: {\n", "malformed YAML"),
    "unknown-field": (
        DEPLOYMENT.replace("replicas: 1", "replica: 1"),
        "spec.replica: unknown field (did you mean replicas?)",
    ),
    "unknown-kind": (
        "  - {apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: c}, spec: {}}\n",
        "unknown kind v1 PersistentVolumeClaim",
    ),
    "duplicate-names": (
        DEPLOYMENT.replace("name: api}", "name: web}").replace("app: api", "app: web"),
        "the name 'web-0' is used twice",
    ),
    "name-too-long": (
        DEPLOYMENT.replace("metadata: {name: api}", "metadata: {name: " + "a" * 70 + "}"),
        "at most 63 fit",
    ),
}


def _nothing_of(lab: str) -> None:
    assert not os.path.exists(f"/run/netlab/{lab}")
    assert not any(
        n.startswith(f"nl-{lab}.") for n in (os.listdir("/run/netns") if os.path.isdir("/run/netns") else [])
    )


@pytest.mark.parametrize("case", CASES)
def test_a_broken_lab_file_is_refused_whole(tmp_path: Path, case: str) -> None:
    body, message = CASES[case]
    if case == "malformed-yaml":
        path = tmp_path / "broken.yaml"
        path.write_text(body)
    else:
        path = write_lab(tmp_path, "t-bad", extra=body)
    run = netlab("up", str(path))
    assert run.code == 2, run.err
    assert message in run.err
    assert len(run.err.strip().splitlines()) == 1, run.err
    _nothing_of("t-bad")


def test_unknown_lab() -> None:
    run = netlab("up", "no-such-lab")
    assert (run.code, run.err.strip()) == (2, "netlab: no lab named 'no-such-lab' (netlab list shows the labs)")


@pytest.mark.parametrize(
    "cluster, message",
    [
        ("  podCIDR: 10.96.0.0/16\n", "cluster.podCIDR 10.96.0.0/16 overlaps cluster.serviceCIDR 10.96.0.0/12"),
        ("  underlay: 203.0.113.0/24\n", "overlaps the internet hosts"),
    ],
)
def test_overlapping_cidrs(tmp_path: Path, cluster: str, message: str) -> None:
    path = write_lab(tmp_path, "t-cidr")
    path.write_text(path.read_text().replace("cluster:\n", "cluster:\n" + cluster))
    run = netlab("up", str(path))
    assert run.code == 2 and message in run.err and len(run.err.strip().splitlines()) == 1, run.err
    _nothing_of("t-cidr")


def test_more_pods_than_a_node_cidr_holds(tmp_path: Path) -> None:
    run = netlab("up", str(write_lab(tmp_path, "t-full", nodes=1, replicas=254)))
    assert run.code == 2 and "holds 253 pods; web-253 would be one too many" in run.err, run.err
    _nothing_of("t-full")


def test_bad_usage_is_exit_2() -> None:
    assert netlab("up").code == 2
    assert netlab("up", "pod-to-pod", "--network", "calico").code == 2
    assert netlab("down").code == 2
    assert netlab("frobnicate").code == 2


def test_not_root_is_exit_3() -> None:
    """As an unprivileged user, the installed `netlab up` says so (provision.sh makes it readable by all)."""
    done = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", NETLAB, "up", "pod-to-pod"],
        cwd="/",
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": os.environ["PATH"]},
    )
    assert "Permission denied" not in done.stderr, f"{NETLAB} cannot run as nobody: provision.sh makes it readable"
    assert done.returncode == 3, done.stderr
    assert done.stderr.strip() == "netlab: netlab up needs root: it makes network namespaces (sudo netlab up ...)"
    _nothing_of("pod-to-pod")


def test_root_without_capabilities_is_exit_3() -> None:
    """uid 0 without CAP_SYS_ADMIN: the kernel refuses the first namespace; nothing stays."""
    done = subprocess.run(
        ["setpriv", "--inh-caps=-all", "--bounding-set=-sys_admin", NETLAB, "up", "pod-to-pod"],
        cwd="/",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 3, done.stderr
    assert "needs root (CAP_SYS_ADMIN)" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    _nothing_of("pod-to-pod")


def test_verify_of_a_lab_that_is_not_up() -> None:
    run = netlab("verify", "pod-to-pod")
    assert (run.code, run.err.strip()) == (2, "netlab: lab pod-to-pod is not up (netlab up pod-to-pod)")


def test_status_of_a_lab_that_is_up_and_one_that_is_not() -> None:
    with lab_up("pod-to-pod"):
        assert "pod-to-pod" in netlab("status").out
    assert netlab("status", "pod-to-pod").code == 2


@pytest.mark.skipif(os.path.exists("/proc/net/ip_vs"), reason="this kernel has IPVS: nothing to refuse")
def test_ipvs_mode_without_ipvs_is_exit_3() -> None:
    run = netlab("up", "pod-to-service", "--proxy-mode", "ipvs")
    assert run.code == 3 and "this kernel has no IPVS (ip_vs)" in run.err and len(run.err.strip().splitlines()) == 1
    _nothing_of("pod-to-service")
