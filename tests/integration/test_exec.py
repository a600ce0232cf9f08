"""netlab exec: a pod's hostname, its namespace's view, nodes and outside hosts, exit codes."""

from __future__ import annotations

from harness import lab_up, netlab


def test_exec_runs_inside_pods_nodes_and_hosts() -> None:
    with lab_up("container-to-container"):
        assert netlab("exec", "container-to-container", "app", "--", "hostname").out.strip() == "app"
        assert netlab("exec", "container-to-container", "app/sidecar", "--", "hostname").out.strip() == "app"
        addr = netlab("exec", "container-to-container", "app", "--", "ip", "-4", "-o", "addr", "show", "eth0").out
        assert "10.244.1.2/24" in addr
        assert netlab("exec", "container-to-container", "app", "--", "ls", "/sys/class/net").out.split() == [
            "eth0",
            "lo",
        ]
        node = netlab("exec", "container-to-container", "node-1", "--", "ip", "-o", "link", "show", "cni0")
        assert node.code == 0 and "cni0" in node.out
        gateway = netlab("exec", "container-to-container", "gateway", "--", "ip", "-4", "-o", "addr", "show", "eth0")
        assert "192.168.56.1/24" in gateway.out
        assert netlab("exec", "container-to-container", "underlay", "--", "ip", "-o", "link", "show", "br0").code == 0


def test_exec_passes_the_exit_code_and_refuses_unknown_names() -> None:
    with lab_up("pod-to-pod"):
        assert netlab("exec", "pod-to-pod", "pod-a", "--", "sh", "-c", "exit 7").code == 7
        unknown = netlab("exec", "pod-to-pod", "pod-z", "--", "true")
        assert unknown.code == 2 and "pod-z" in unknown.err and len(unknown.err.splitlines()) == 1
        missing = netlab("exec", "pod-to-pod", "pod-a", "--", "no-such-command")
        assert missing.code == 2 and "command not found" in missing.err
