"""The bundled network-policy lab, all its policies up: `netlab verify` passes (the allowed paths
answer, the denied ones are refused, the reports namespace's DNS lookups are refused at once) and
`netlab matrix` finds kube-router's rules and netlab's evaluator agreeing on every pair, on both pod
networks and in every proxy mode."""

from __future__ import annotations

import json

import pytest
from harness import PROXY_MODES, lab_up, netlab

LAB = "network-policy"


@pytest.mark.parametrize("network", ["host-gw", "vxlan"])
@pytest.mark.parametrize("mode", PROXY_MODES)
def test_verify_and_matrix_pass_with_every_policy(network: str, mode: str) -> None:
    with lab_up(LAB, "--proxy-mode", mode, network=network):
        verify = netlab("verify", LAB, "--json")
        checks = {c["name"]: c for c in json.loads(verify.out)["checks"]}
        assert verify.code == 0, [c for c in checks.values() if not c["passed"]]
        trap = checks["reporter's DNS lookups get no answer (nothing allows port 53)"]["detail"]
        assert trap.endswith("10.96.0.10#53: connection refused"), trap  # REJECTed, not timed out

        done = netlab("matrix", LAB, "--json")
        assert done.code == 0, done.out + done.err
        doc = json.loads(done.out)
        cells = {(c["from"], c["to"]): c for c in doc["cells"]}
        assert doc["agrees"], [c for c in cells.values() if not c["agrees"]]
        reached = {pair: cells[pair]["reached"] for pair in cells if cells[pair]["probed"]}
        assert reached["web-1", "db-0"] and reached["reporter", "db-0"] and reached["prometheus", "web-1"]
        assert not any(reached["visitor", target] for target in ("web-0", "web-1", "db-0"))
        assert not reached["db-0", "web-0"] and not reached["web-0", "web-1"]  # default deny, both ways
        internet = {target: cells["internet", target]["expected"] for target in ("web-0", "web-1", "db-0")}
        assert internet == {"web-0": True, "web-1": True, "db-0": False}  # the ipBlock, expectations only
