"""`netlab diagram` on every bundled lab, up in its default modes: the ascii picture the kernel gives
is a golden snapshot (tests/golden/diagram/live/<lab>.txt), and the other formats are what their
tools read: svg parses as XML with an <svg> root, Mermaid is a flowchart, dot is a graph.

The picture is deterministic from one `up` to the next (veth names are hashes of the pod's name,
addresses are planned, the MetalLB announcer is a hash, endpoints are sorted), so the snapshot is
compared as it is (tests/conftest.py's golden fixture). Snapshots are regenerated only on purpose:
`NETLAB_UPDATE_GOLDEN=1 pytest tests/integration/test_diagrams.py`, then `git diff tests/golden`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from harness import REPO, lab_up, netlab

from netlab.model import find_lab, load_lab
from netlab.plan import make_plan

GOLDEN = REPO / "tests" / "golden" / "diagram" / "live"
LABS = sorted(path.stem for path in (REPO / "labs").glob("*.yaml"))


def test_every_bundled_lab_is_covered() -> None:
    assert len(LABS) >= 10 and "pod-to-service" in LABS


@pytest.mark.parametrize("lab", LABS)
def test_diagram_of_each_lab(lab: str, golden: Callable[[Path, str], None]) -> None:
    plan = make_plan(load_lab(find_lab(lab)))
    with lab_up(lab):
        drawn = {form: netlab("diagram", lab, "--format", form) for form in ("ascii", "mermaid", "dot", "svg")}
    for form, run in drawn.items():
        assert run.code == 0 and run.err == "", f"{form}: {run.err}"
    ascii_art = drawn["ascii"].out
    golden(GOLDEN / f"{lab}.txt", ascii_art)
    # what the snapshot must hold whatever it is regenerated to: every node, pod and Service, nothing lost
    assert "MISSING" not in ascii_art
    for node in plan.nodes:
        assert f" {node.name}: eth0 " in ascii_art
    for pod in plan.pods:
        assert f" ══ {pod.name}: eth0 " in ascii_art
    for svc in plan.services:
        assert f"  {svc.namespace}/{svc.name} " in ascii_art
    assert drawn["mermaid"].out.startswith("flowchart")
    assert drawn["dot"].out.startswith(f'graph "{plan.name}" {{') and drawn["dot"].out.rstrip().endswith("}")
    svg = ET.fromstring(drawn["svg"].out)
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    labels = " ".join(svg.itertext())  # Graphviz writes "-" as &#45;: read the text parsed
    assert all(f"pod {pod.name}" in labels for pod in plan.pods), labels
