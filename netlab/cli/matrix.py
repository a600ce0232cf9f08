"""netlab matrix LAB [--port P] [--protocol tcp|udp] [--json]: who may reach whom, and who did.

Steps:
* open the running lab; lay out the sources (pods, nodes, outside hosts) and target pods with
  their ports (netlab.render.matrix)
* judge every pair by the lab's NetworkPolicies (netlab.plan.netpol)
* send real traffic for the pairs where something listens: one process per source, in its
  namespace, every target at once (netlab.verify.matrix, netlab.probe.connect)
* print the truth table with every disagreement marked, or JSON; exit 0 when traffic agrees
  with the policies, 1 when not
"""

from __future__ import annotations

import json

import click

from netlab.cli.common import out, progress, require_root
from netlab.errors import CheckFailed
from netlab.kernel.tools import require_tools
from netlab.render import matrix
from netlab.running import RunningLab
from netlab.verify.matrix import probe_cells


@click.command("matrix")
@click.argument("lab")
@click.option("--port", type=click.IntRange(1, 65535), help="The port of every target (default: each one's first).")
@click.option("--protocol", type=click.Choice(["tcp", "udp"]), default="tcp", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def cmd(lab: str, port: int | None, protocol: str, as_json: bool) -> None:
    """Every source to every pod of LAB: allowed by its NetworkPolicies, and reached by real traffic."""
    require_root("matrix")
    require_tools("python3")
    plan = RunningLab.open(lab).plan
    shape = matrix.layout(plan, port, protocol)
    expected = matrix.expected_cells(plan, shape)
    with progress.status(f"matrix {lab}: {sum(c.probed for c in expected)} connections, sent from each source"):
        cells = probe_cells(plan, expected)
    wrong = matrix.disagreements(cells)
    if as_json:
        click.echo(json.dumps(matrix.as_json(lab, port, shape, cells), indent=2))
    else:
        out.print(matrix.table(shape, cells))
        out.print(matrix.LEGEND, markup=False)
        for line in (*shape.notes, *wrong):
            out.print(f"note: {line}" if line in shape.notes else f"disagreement: {line}", markup=False)
        out.print(f"{sum(c.probed for c in cells)} probed, {len(wrong)} disagreed with the policies")
    if wrong:
        raise CheckFailed(f"{len(wrong)} pair(s) disagree with the NetworkPolicies" if not as_json else "")
