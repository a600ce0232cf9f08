"""netlab verify LAB [--json] [--junit FILE]: prove the lab's paths with real traffic.

Steps:
* open the running lab (its recorded lab file and plan)
* run each check from inside its source namespace (ping, curl, UDP, dig, bind, bridge fdb, tcpdump)
* print a table (check, from, to, result, detail) or JSON, and write a JUnit report if asked;
  exit 0 if all passed, 1 if not
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
from rich.table import Table

from netlab.cli.common import out, progress, report_options, require_root
from netlab.errors import CheckFailed
from netlab.kernel.tools import require_tools
from netlab.running import RunningLab
from netlab.verify import verify
from netlab.verify.junit import junit_xml


@click.command("verify")
@click.argument("lab")
@report_options
def cmd(lab: str, as_json: bool, junit: Path | None) -> None:
    """Run LAB's checks with real traffic; exit 1 if any fails."""
    require_root("verify")
    running = RunningLab.open(lab)
    require_tools("ping", "curl", "tcpdump", "bridge", "python3", "dig")
    started = time.monotonic()
    checks = running.plan.lab.checks
    with progress.status(f"verify {lab}: starting") as shown:  # on a terminal only (stderr)
        verdicts = verify(running.plan, lambda i, c: shown.update(f"verify {lab}: {i + 1}/{len(checks)} {c.name}"))
    if junit is not None:
        junit.write_text(junit_xml(lab, verdicts, time.monotonic() - started))
    failed = [v for v in verdicts if not v.passed and not v.pending]
    pending = [v for v in verdicts if v.pending]
    if as_json:
        click.echo(json.dumps({"lab": lab, "passed": not failed, "checks": [v.as_dict() for v in verdicts]}, indent=2))
    else:
        table = Table("check", "from", "to", "result", "detail", box=None, pad_edge=False)
        for v in verdicts:
            result = (
                "[yellow]skip[/]"
                if v.skipped
                else "[yellow]pending[/]"
                if v.pending
                else "[green]pass[/]"
                if v.passed
                else "[red]FAIL[/]"
            )
            table.add_row(v.name, v.source, v.target, result, v.detail)
        out.print(table)
        out.print(
            f"{len(verdicts) - len(failed) - len(pending)} passed, "
            + (f"{len(pending)} pending, " if pending else "")
            + f"{len(failed)} failed"
        )
    if failed:
        raise CheckFailed(f"{len(failed)} of {len(verdicts)} checks failed" if not as_json else "")
