"""Running the rule tools (iptables-restore/-save, nft) inside a lab namespace, and reading
iptables-save back: what kube-proxy's applier and the egress NAT's share.
"""

from __future__ import annotations

import re
import subprocess

from netlab.errors import ApplyError
from netlab.kernel import netns
from netlab.readback.iptables import Saved, parse_save

CONTEXT_LINES = 3
# Bounds one iptables-restore / nft run. Loading 10000 Services takes 40-60 s on a 2-core VM
# (nft's cost per anonymous map grows with the table: quadratic), more on a busy one.
LOAD_TIMEOUT = 600


def run_in(netns_name: str, argv: list[str], stdin: str | None = None) -> subprocess.CompletedProcess:
    """`argv` in the namespace's network (nsenter), text in and out, bounded in time."""
    return subprocess.run(
        ["nsenter", f"--net={netns.path(netns_name)}", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=LOAD_TIMEOUT,
    )


def iptables_save(netns_name: str, table: str = "") -> Saved:
    """What `iptables-save` prints in the namespace (of `table` only, if given), read
    (`readback.iptables`).

    Raises:
        ApplyError: iptables-save failed.
    """
    done = run_in(netns_name, ["iptables-save", *(["-t", table] if table else [])])
    if done.returncode:
        raise ApplyError(f"in {netns_name}: iptables-save failed: {done.stderr.strip()}")
    return parse_save(done.stdout)


def iptables_restore(netns_name: str, text: str, noflush: bool = True) -> None:
    """Load `text` as one atomic iptables-restore.

    Raises:
        ApplyError: the tool refused it (its message and the lines around the one it names).
    """
    done = run_in(netns_name, ["iptables-restore", *(["--noflush"] if noflush else [])], text)
    if done.returncode:
        raise ApplyError(
            f"in {netns_name}: iptables-restore refused the ruleset: "
            f"{done.stderr.strip()}{numbered_context(text, done.stderr)}"
        )


def numbered_context(text: str, stderr: str) -> str:
    """The lines around the one a tool names ("line N failed"), numbered."""
    found = re.search(r"line (\d+)", stderr)
    if not found:
        return ""
    lines = text.splitlines()
    at = int(found.group(1))
    window = range(max(1, at - CONTEXT_LINES), min(len(lines), at + CONTEXT_LINES) + 1)
    return "\n" + "\n".join(f"{'>' if n == at else ' '}{n:5} {lines[n - 1]}" for n in window)
