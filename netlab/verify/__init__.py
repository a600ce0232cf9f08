"""Run a lab's checks with real traffic and judge each one: passed, or why not.

Every probe runs inside the check's source namespace (`ip netns exec`), bounded in time, one
process per check (`netlab.verify.probes`); names in targets (Services, pods, nodes, hosts) stand
for their addresses in the plan (`answers.resolve`). A check with `capture:` runs tcpdump in
another namespace around its traffic, to show what the wire carried (VXLAN on the underlay, for
instance). Checks run in the lab's order: later ones may rely on earlier traffic (a bridge learns
MACs from the pings before it). A check marked `pending:` is not run: it is reported as pending,
neither passed nor failed.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from netlab.model.lab import Check
from netlab.plan.model import LabPlan
from netlab.probe import capture
from netlab.verify.probes import PROBES, ProbeCache

CAPTURE_READY_S = 3.0


@dataclass
class Verdict:
    name: str
    source: str
    target: str
    passed: bool
    detail: str
    skipped: bool = False
    pending: bool = False  # not run: what it needs is not built yet (neither passed nor failed)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["from"], data["to"] = data.pop("source"), data.pop("target")
        return data


def verify(plan: LabPlan, on_check: Callable[[int, Check], None] | None = None) -> list[Verdict]:
    """Judge every check of the lab (those that do not apply to its mode are skipped);
    `on_check(i, check)` hears of each one before it runs (a progress display)."""
    verdicts = []
    cache = ProbeCache()
    for i, check in enumerate(plan.lab.checks):
        if on_check:
            on_check(i, check)
        verdicts.append(judge(plan, check, cache))
    return verdicts


def judge(plan: LabPlan, check: Check, cache: ProbeCache | None = None) -> Verdict:
    """One check's verdict; `cache` holds what the checks of one `verify()` share (a fresh one without)."""
    verdict = Verdict(check.name, check.source, target_label(check), False, "")
    if check.pending:
        verdict.pending, verdict.detail = True, f"pending: {check.pending}"
        return verdict
    if not check.applies_to(plan.network, plan.proxy_mode):
        verdict.passed, verdict.skipped = True, True
        verdict.detail = "skipped: only when " + ", ".join(f"{k}={v}" for k, v in check.when.items())
        return verdict
    netns = plan.netns_of(check.source.split("/")[0])
    if netns is None:  # only after a change: an unchanged lab's checks are validated with it
        verdict.passed, verdict.skipped = True, True
        verdict.detail = f"skipped: {check.source.split('/')[0]} is not in the lab any more"
        return verdict
    cache = cache or ProbeCache()
    if check.capture is None:
        verdict.passed, verdict.detail = PROBES[check.kind](plan, check, netns, cache)
        return verdict
    sniff_ns = plan.netns_of(check.capture.at)
    assert sniff_ns
    sniffer = _start_capture(sniff_ns, check)
    try:
        passed, detail = PROBES[check.kind](plan, check, netns, cache)
    finally:
        time.sleep(0.3)  # let the last packets reach the capture
        sniffer.terminate()
        stdout, stderr = sniffer.communicate(timeout=5)
    count, example = capture.read(stdout, stderr)
    wanted = bool(check.expect.get("captured", True))
    seen = f"{check.capture.at} saw {count} packet(s) matching '{check.capture.filter}'"
    verdict.passed = passed and (count > 0) == wanted
    verdict.detail = f"{detail}; {seen}" + (f": {example}" if example and count else "")
    return verdict


def _start_capture(netns: str, check: Check) -> subprocess.Popen:
    """tcpdump, started and ready (it says 'listening on') before the traffic goes."""
    assert check.capture
    proc = subprocess.Popen(
        capture.command(netns, check.capture.filter, check.capture.interface),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr
    deadline = time.monotonic() + CAPTURE_READY_S
    banner = ""
    while time.monotonic() < deadline and "listening on" not in banner:
        line = proc.stderr.readline()
        if not line:
            break
        banner += line
    return proc


def target_label(check: Check) -> str:
    if check.kind == "http":
        return urlsplit(check.target).hostname or check.target
    if check.kind == "bind":
        return f"port {check.target}"
    if check.kind == "udp":
        return check.target.rpartition(":")[0]
    return check.target
