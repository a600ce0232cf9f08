"""netlab capture LAB NAME[:IFACE] [-- TCPDUMP ARGS...]: watch the packets in one namespace.

Steps:
* find NAME's namespace in the running lab (a pod, node, outside host, or `underlay`)
* replace this process with tcpdump inside it (as `netlab exec` runs a command): on IFACE, by
  default a pod's or host's eth0, any interface in a node or the underlay; with the arguments
  given, by default `-n` (no name lookups). `-w -` writes pcap to stdout, for Wireshark on the
  learner's laptop: `vagrant ssh -c "sudo netlab capture LAB web-0 -- -w -" | wireshark -k -i -`.
tcpdump's exit code is netlab's; Ctrl-C stops it and prints its counts, as tcpdump does.
"""

from __future__ import annotations

import click

from netlab.cli.common import require_root
from netlab.kernel.procs import exec_in
from netlab.kernel.tools import require_tools
from netlab.running import RunningLab


@click.command("capture", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.argument("lab")
@click.argument("target", metavar="NAME[:IFACE]")
@click.argument("tcpdump_args", nargs=-1, type=click.UNPROCESSED)
def cmd(lab: str, target: str, tcpdump_args: tuple[str, ...]) -> None:
    """Run tcpdump in NAME's namespace of LAB (on IFACE, default eth0 in a pod or host, any in a node)."""
    require_root("capture")
    require_tools("tcpdump")
    args = list(tcpdump_args[1:] if tcpdump_args[:1] == ("--",) else tcpdump_args)
    name, _, interface = target.partition(":")
    running = RunningLab.open(lab)
    plan, netns = running.plan, running.netns_named(name)
    in_pod_or_host = plan.member(name) is not None and name not in {n.name for n in plan.nodes}
    interface = interface or ("eth0" if in_pod_or_host else "any")
    exec_in(netns, name, ["tcpdump", "-i", interface, *(args or ["-n"])], {})
