"""Put a fault into a running lab and take it out again: run a Breakage's commands, judge its proof.

A fault's commands are shell lines rendered by its family (netlab/faults/); each must run inside
one of the lab's namespaces (`ip netns exec NS ...`, or iproute2's own `ip -n NS ...`) or be a
`netlab` command: a line aimed at
the host's own namespace is refused before anything runs. Lines run with a shell (a family may
hand a manifest to `netlab apply -f -` as a here-document), each bounded in time. An
injection that fails half-way is undone at once, so a lab is never left half-broken.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

from netlab.errors import KernelError
from netlab.faults.catalogue import Breakage
from netlab.plan.model import LabPlan
from netlab.verify import Verdict, judge

COMMAND_TIMEOUT_S = 60.0  # a `netlab apply` resyncs every node's rules: seconds on a big lab
SETTLE_S = 2.0
CONTROL = {";", "&&", "||", "|", "&"}  # a shell list or pipeline: more than the one command checked


def check_commands(plan: LabPlan, breakage: Breakage) -> None:
    """Refuse a Breakage with a line that would run outside the lab (a bug of its fault): each is
    one command (no list or pipeline), up to the here-document it may hand its standard input.

    Raises:
        KernelError: a command is neither `ip netns exec <a namespace of the lab> ...`, `ip -n
            <a namespace of the lab> ...` nor `netlab ...`.
    """
    namespaces = set(plan.all_netns())
    for line in (*breakage.inject, *breakage.fix, *breakage.undo):
        words = _words(line)
        inside = (words[:3] == ["ip", "netns", "exec"] and len(words) > 4 and words[3] in namespaces) or (
            words[:2] == ["ip", "-n"] and len(words) > 3 and words[2] in namespaces
        )
        if CONTROL & set(words) or not (inside or words[:1] == ["netlab"]):
            raise KernelError(f"fault {breakage.fault}: refusing {line!r}: not in a namespace of lab {plan.name}")


def _words(line: str) -> list[str]:
    """The shell words of a command line, up to a here-document (`<<`); [] if it does not parse."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    words = []
    try:
        for word in lexer:
            if word == "<<":
                break
            words.append(word)
    except ValueError:
        return []
    return words


def run(lines: tuple[str, ...], what: str) -> None:
    """Run the lines in order with a shell (a `netlab` line finds this netlab first on PATH), each
    bounded in time; stop at the first that fails.

    Raises:
        KernelError: a line failed or took too long (named, with its error output).
    """
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
    for line in lines:
        shown = line.split("\n", 1)[0]
        try:
            done = subprocess.run(
                ["sh", "-c", line],
                capture_output=True,
                text=True,
                timeout=COMMAND_TIMEOUT_S,
                check=False,
                stdin=subprocess.DEVNULL,
                env=env,
            )
        except subprocess.TimeoutExpired:
            raise KernelError(f"{what}: {shown!r} took more than {COMMAND_TIMEOUT_S:.0f} s") from None
        if done.returncode != 0:
            error = (done.stderr or done.stdout).strip().splitlines()
            raise KernelError(f"{what}: {shown!r} failed" + (f": {error[-1]}" if error else ""))


def failing(plan: LabPlan, breakage: Breakage) -> list[Verdict]:
    """The proof checks that fail now (none: the fault is not there, or is repaired)."""
    return [v for v in (judge(plan, check) for check in breakage.proof) if not v.passed]


def failing_after_repair(plan: LabPlan, breakage: Breakage) -> list[Verdict]:
    """The proof checks that fail once a fix or undo ran, given the kernel a moment to settle if
    any does: a link just set up carries nothing until linkwatch activates it (up to a second)."""
    still = failing(plan, breakage)
    if still:
        time.sleep(SETTLE_S)
        still = failing(plan, breakage)
    return still


def inject(plan: LabPlan, breakage: Breakage) -> list[Verdict]:
    """Break the lab, and prove it broken: the failing proof checks.

    Before: every proof check must pass (else it would not prove this fault). After: at least one
    must fail (else the fault broke nothing, a bug of the fault: undone, and said).

    Raises:
        KernelError: a command is not the lab's, the proof fails before, a command failed (what ran
            is undone), or the fault broke nothing (undone).
    """
    check_commands(plan, breakage)
    already = failing(plan, breakage)
    if already:
        raise KernelError(
            f"fault {breakage.fault} cannot be proved on lab {plan.name} as it is: "
            f"{already[0].name} fails already ({already[0].detail}); netlab verify {plan.name} first"
        )
    try:
        run(breakage.inject, f"fault {breakage.fault}")
    except KernelError as exc:
        for line in breakage.undo:  # each on its own: an undo of what never ran may fail, harmlessly
            try:
                run((line,), f"undo of {breakage.fault}")
            except KernelError:
                pass
        raise KernelError(f"{exc}; what ran is undone") from None
    broken = failing(plan, breakage)
    if not broken:
        run(breakage.undo, f"undo of {breakage.fault}")
        raise KernelError(f"fault {breakage.fault} broke nothing on lab {plan.name} (its proof passes): undone")
    return broken
