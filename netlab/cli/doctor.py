"""netlab doctor LAB [--json]: every deviation of a running lab from what netlab builds for it.

Steps:
* the lab's desired state from its recorded plan (the learner's tasks left out, as `up` left them)
* read what the kernel holds (kernel/doctorread.py), compare (netlab/doctor/, pure), print
* exit 0 when nothing deviates, 1 when something does (docs/cli.md); it never reads fault state
"""

from __future__ import annotations

import json

import click

from netlab.cli.common import out, require_root
from netlab.doctor import diagnose, routed
from netlab.errors import CheckFailed
from netlab.kernel import doctorread
from netlab.kernel.tools import require_tools
from netlab.plan.tasks import proxied
from netlab.render.namespaces import render_namespaces
from netlab.render.taskops import without
from netlab.running import RunningLab


@click.command("doctor")
@click.argument("lab")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def cmd(lab: str, as_json: bool) -> None:
    """Name every deviation of LAB from what it should be; exit 1 if any."""
    require_root("doctor")
    require_tools("nsenter", "iptables-save", "bridge", "nft", "conntrack")
    running = RunningLab.open(lab)
    left = [t.task for t in running.state.settings().left]
    plan = running.plan
    specs = without(render_namespaces(plan), plan, left)
    facts = doctorread.read(plan, specs, routed(plan))
    findings = diagnose(specs, proxied(plan, left), plan, facts)
    if as_json:
        click.echo(
            json.dumps({"lab": lab, "healthy": not findings, "findings": [f.as_json() for f in findings]}, indent=2)
        )
    else:
        for finding in findings:
            for line in finding.lines():
                out.print(line, markup=False, highlight=False)
        out.print(
            f"{lab}: {len(findings)} finding{'s' if len(findings) != 1 else ''}" if findings else f"{lab}: healthy"
        )
    if findings:
        raise CheckFailed(
            f"{len(findings)} deviation{'s' if len(findings) != 1 else ''} from what the lab should be"
            if not as_json
            else ""
        )
