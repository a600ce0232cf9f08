"""`netlab matrix`'s traffic: every probed pair of one source in one process, run inside the
source's namespace, a few sources at a time; each batch bounded by the probe's deadline."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from netlab.plan.model import LabPlan
from netlab.probe import connect
from netlab.probe.udp import UdpResult
from netlab.render.matrix import Cell
from netlab.verify.probes import run

PARALLEL = 8  # sources probing at once: 40 sources take 5 rounds of one deadline each
# Only listening targets are probed, so a refusal is a REJECT's ICMP error (docs/network-policy.md)
REJECTED = {
    "TCP": "refused: kube-router's REJECT (ICMP port unreachable: the connect fails at once)",
    "UDP": "refused: kube-router's REJECT (ICMP port unreachable: the socket's next call fails)",
}


def probe_cells(plan: LabPlan, cells: list[Cell]) -> list[Cell]:
    """The cells with what real traffic did, for those to be probed."""
    by_source: dict[str, list[int]] = {}
    for i, cell in enumerate(cells):
        if cell.probed:
            by_source.setdefault(cell.source, []).append(i)
    probed = list(cells)
    with ThreadPoolExecutor(PARALLEL) as pool:
        batches = {source: pool.submit(_probe_source, plan, [cells[i] for i in at]) for source, at in by_source.items()}
        for source, at in by_source.items():
            for i, reached in zip(at, batches[source].result(), strict=True):
                probed[i] = replace(cells[i], reached=reached.ok, detail=_detail(cells[i], reached))
    return probed


def _detail(cell: Cell, result: UdpResult) -> str:
    """What answered, or why not: a refusal of a listening target said as what it is."""
    if not result.ok and result.error.startswith("refused"):
        return REJECTED.get(cell.protocol, result.error)
    return result.body or result.error


def _probe_source(plan: LabPlan, cells: list[Cell]) -> list[UdpResult]:
    netns = plan.netns_of(cells[0].source) or ""
    targets = [(c.address, c.port, c.protocol) for c in cells]
    done = run(connect.command(netns, targets), connect.timeout_s())
    if done.returncode and not done.stdout:
        failed = UdpResult(False, error=f"the probe failed: {done.stderr.strip()[:80] or done.returncode}")
        return [failed] * len(cells)
    return connect.read(done.stdout, len(cells))
