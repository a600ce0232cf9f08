"""Lifecycle: two labs at once, up twice, interrupted and killed `up`, and what `clean` removes."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from harness import NETLAB, REPO, lab_up, leftovers, namespaces_of, netlab, write_lab


def test_two_labs_stay_isolated() -> None:
    with lab_up("pod-to-pod"):
        with lab_up("pod-to-pod-cross-node", network="vxlan"):
            # the same addresses live in both labs, each in its own namespaces
            assert netlab("verify", "pod-to-pod").code == 0
            assert netlab("verify", "pod-to-pod-cross-node").code == 0
        # down of one leaves the other working
        assert netlab("verify", "pod-to-pod").code == 0


def test_up_of_a_lab_that_is_up_changes_nothing() -> None:
    with lab_up("pod-to-pod"):
        again = netlab("up", "pod-to-pod")
        assert again.code == 2
        assert again.err.strip() == "netlab: lab pod-to-pod is already up (netlab down pod-to-pod first)"
        assert netlab("verify", "pod-to-pod").code == 0


def _start_up_and_wait_for_namespaces(lab: Path, first_netns: str) -> subprocess.Popen:
    """Start `netlab up` of a big lab and return once it has begun making namespaces."""
    proc = subprocess.Popen(
        [NETLAB, "up", str(lab)],
        cwd="/",
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while not os.path.exists(f"/run/netns/{first_netns}") and time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.002)
    return proc


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupted_up_rolls_back(tmp_path: Path, sig: signal.Signals) -> None:
    lab = write_lab(tmp_path, "t-interrupt", nodes=2, replicas=400)
    namespaces = namespaces_of(lab)
    proc = _start_up_and_wait_for_namespaces(lab, namespaces[0])
    time.sleep(0.05)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, (out, err)
    assert "interrupted" in err
    assert leftovers("t-interrupt", namespaces) == []


def test_kill_9_midway_then_clean_leaves_nothing(tmp_path: Path) -> None:
    lab = write_lab(tmp_path, "t-kill", nodes=2, replicas=400)
    namespaces = namespaces_of(lab)
    proc = _start_up_and_wait_for_namespaces(lab, namespaces[0])
    time.sleep(0.1)
    proc.kill()
    proc.communicate(timeout=30)
    assert leftovers("t-kill", namespaces), "the kill came too late to leave anything behind"
    status = netlab("status")
    assert "t-kill" in status.out and "incomplete" in status.out
    again = netlab("up", str(lab))
    assert again.code == 2 and "already up" in again.err
    clean = netlab("clean")
    assert clean.code == 0, clean.err
    assert leftovers("t-kill", namespaces) == []


def test_a_lab_file_outside_labs_runs(tmp_path: Path) -> None:
    lab = write_lab(tmp_path, "t-procs", nodes=2, replicas=4)
    with lab_up(str(lab)):
        assert netlab("exec", "t-procs", "web-0", "--", "curl", "-s", "http://10.244.2.2:8080/hostname").out == "web-1"


def test_clean_leaves_what_is_not_a_leftover() -> None:
    """Namespaces that are not netlab's, and labs that are up, survive `clean`."""
    foreign = ["nlt-foreign", "nl-foreign.untagged"]
    for name in foreign:
        subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        with lab_up("pod-to-pod"):
            clean = netlab("clean")
            assert clean.code == 0, clean.err
            assert netlab("verify", "pod-to-pod").code == 0
        assert all(os.path.exists(f"/run/netns/{n}") for n in foreign)
    finally:
        for name in foreign:
            subprocess.run(["ip", "netns", "del", name], check=False)


def test_up_refuses_a_namespace_it_did_not_make() -> None:
    """A namespace with one of the lab's names is someone else's: up stops, and leaves it be."""
    subprocess.run(["ip", "netns", "add", "nl-pod-to-pod.pod-b"], check=True)
    try:
        run = netlab("up", "pod-to-pod")
        assert run.code == 2 and "nl-pod-to-pod.pod-b exists already" in run.err, run.err
        assert os.path.exists("/run/netns/nl-pod-to-pod.pod-b")
        assert leftovers("pod-to-pod", namespaces_of(REPO / "labs" / "pod-to-pod.yaml")[:-1]) == []
    finally:
        subprocess.run(["ip", "netns", "del", "nl-pod-to-pod.pod-b"], check=False)


def test_clean_removes_a_tagged_namespace_whose_state_is_gone() -> None:
    namespaces = namespaces_of(REPO / "labs" / "pod-to-pod.yaml")
    assert netlab("up", "pod-to-pod").code == 0
    subprocess.run(["rm", "-rf", "/run/netlab/pod-to-pod"], check=True)  # as if /run/netlab were lost
    clean = netlab("clean")
    assert clean.code == 0, clean.err
    assert leftovers("pod-to-pod", namespaces) == []
