"""NodePorts in real namespaces (lab service-types), beyond the lab's own checks: a scale that
puts a pod on node-2 opens the Local-policy NodePort there (only node-2's pod answers it, and it
sees the client), scaling back closes it again; in every proxy mode (IPVS where the kernel has it).
"""

from __future__ import annotations

import json

import pytest
from harness import PROXY_MODES, lab_up, netlab, repeat

LOCAL_VIA_NODE_2 = "http://198.51.100.12:30081"


def _from_internet(url: str, times: int = 1) -> list[tuple[int, str]]:
    return [(g.code, g.out.strip()) for g in repeat("service-types", "internet", ["curl", "-s", "-m", "2", url], times)]


@pytest.mark.parametrize("mode", PROXY_MODES)
def test_a_local_pod_opens_the_local_policy_node_port_on_its_node(mode: str) -> None:
    with lab_up("service-types", "--proxy-mode", mode):
        assert _from_internet(f"{LOCAL_VIA_NODE_2}/hostname")[0][0] != 0
        up = netlab("scale", "service-types", "web", "2")
        assert up.code == 0 and "web-1" in up.out, up.err
        answers = {seen for _, seen in _from_internet(f"{LOCAL_VIA_NODE_2}/hostname", 6)}
        assert answers == {"web-1"}, answers  # node-2's own pod only, never web-0 on node-1
        [(code, seen)] = _from_internet(f"{LOCAL_VIA_NODE_2}/clientip")
        assert code == 0 and seen.startswith("203.0.113.10:"), seen
        down = netlab("scale", "service-types", "web", "1")
        assert down.code == 0, down.err
        assert _from_internet(f"{LOCAL_VIA_NODE_2}/hostname")[0][0] != 0
        verify = json.loads(netlab("verify", "service-types", "--json").out)
        assert [c["name"] for c in verify["checks"] if not c["passed"] and not c["pending"]] == []
