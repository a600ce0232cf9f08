"""netlab step LAB: build the next guide step of a lab brought up with `--until-step` (or
`--leave`), and say what it added to the kernel, as `ip`/`iptables`/`nft` commands."""

from __future__ import annotations

import click

from netlab.cli.common import open_running, out, require_root
from netlab.cli.solve import build_step


@click.command("step")
@click.argument("lab")
def cmd(lab: str) -> None:
    """Build the first guide step of LAB that is not built yet."""
    require_root("step")
    running = open_running(lab)
    left = running.state.tasks("left")
    if not left:
        out.print(f"lab {lab}: every step is built (netlab check {lab} judges the learner tasks)", markup=False)
        return
    build_step(running, min(t.step for t in left))
