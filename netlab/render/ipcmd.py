"""The desired state as the `ip` / `bridge` / `sysctl` commands a person would type (pure).

Used to show a learner how to build a lab by hand, by the benchmark (the same lab built by a
bash loop of `ip` commands and by `ip -batch`), and as golden files of the topology.
"""

from __future__ import annotations

from netlab.render.ops import (
    Address,
    Bridge,
    Fdb,
    Hairpin,
    LinkUp,
    NamespaceSpec,
    Neighbour,
    Op,
    Route,
    Sysctl,
    Veth,
    Vxlan,
)


def op_args(op: Op) -> list[str]:
    """One op as the arguments of an `ip` (or `bridge`, `sysctl`) command, without the netns."""
    if isinstance(op, Sysctl):
        return ["sysctl", "-qw", f"{op.path}={op.value}"]
    if isinstance(op, LinkUp):
        return ["link", "set", op.name, "up"] + (["alias", op.alias] if op.alias else [])
    if isinstance(op, Bridge):
        return [
            "link",
            "add",
            op.name,
            "index",
            str(op.index),
            "address",
            op.mac,
            "mtu",
            str(op.mtu),
            "up",
            "type",
            "bridge",
        ]
    if isinstance(op, Veth):
        master = ["master", op.master_name] if op.master_name else []
        return [
            "link",
            "add",
            op.name,
            "index",
            str(op.index),
            "mtu",
            str(op.mtu),
            *master,
            "up",
            "type",
            "veth",
            "peer",
            "name",
            op.peer,
            "index",
            str(op.peer_index),
            "address",
            op.peer_mac,
            "mtu",
            str(op.mtu),
            "netns",
            op.peer_netns,
        ]
    if isinstance(op, Hairpin):
        return ["link", "set", op.name, "type", "bridge_slave", "hairpin", "on"]
    if isinstance(op, Vxlan):
        return [
            "link",
            "add",
            op.name,
            "index",
            str(op.index),
            "address",
            op.mac,
            "mtu",
            str(op.mtu),
            "up",
            "type",
            "vxlan",
            "id",
            str(op.vni),
            "local",
            str(op.local),
            "dev",
            op.dev,
            "dstport",
            str(op.port),
            "nolearning",
        ]
    if isinstance(op, Address):
        return ["addr", "add", str(op.address), "dev", op.dev]
    if isinstance(op, Route):
        dst = "default" if op.dst.prefixlen == 0 else str(op.dst)
        via = ["via", str(op.via)] if op.via else []
        return ["route", "add", dst, *via, "dev", op.dev] + (["onlink"] if op.onlink else [])
    if isinstance(op, Neighbour):
        return ["neigh", "add", str(op.address), "lladdr", op.lladdr, "dev", op.dev, "nud", "permanent"]
    if isinstance(op, Fdb):
        return ["bridge", "fdb", "add", op.lladdr, "dev", op.dev, "dst", str(op.dst), "self", "permanent"]
    raise TypeError(f"no ip command for {op!r}")


def command(netns: str, op: Op) -> list[str]:
    """A full argv that applies `op` inside `netns`."""
    args = op_args(op)
    if args[0] in ("sysctl", "bridge"):
        return ["ip", "netns", "exec", netns, *args]
    return ["ip", "-n", netns, *args]


def script(specs: list[NamespaceSpec]) -> str:
    """The whole lab as a shell script: namespaces first, then each namespace's objects in order."""
    lines = [f"ip netns add {spec.netns}" for spec in specs]
    for spec in specs:
        lines += [" ".join(command(spec.netns, op)) for op in spec.ops]
    return "\n".join(lines) + "\n"


def heredoc(netns: str, command: str, text: str) -> str:
    """`command` run in the namespace with `text` as its standard input (a rule tool's whole input)."""
    return f"ip netns exec {netns} {command} <<'EOF'\n{text}EOF\n"
