"""netlab step LAB: build the next guide step of a lab brought up with `--until-step` (or
`--leave`), and say what it added to the kernel, as `ip`/`iptables`/`nft` commands."""

from __future__ import annotations

import click

from netlab.cli.common import out, require_root
from netlab.cli.solve import build_step
from netlab.running import RunningLab


@click.command("step")
@click.argument("lab")
def cmd(lab: str) -> None:
    """Build the first guide step of LAB that is not built yet."""
    require_root("step")
    running = RunningLab.open(lab)
    left = running.state.settings().left
    if not left:
        out.print(f"lab {lab}: every step is built (netlab check {lab} judges the learner tasks)", markup=False)
        return
    build_step(running, min(t.step for t in left))
