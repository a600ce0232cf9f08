"""netlab check LAB [--json] [--junit FILE]: judge the learner's tasks, each done or not yet with a hint.

Steps:
* open the running lab: the tasks `up --leave`/`--until-step` left to the learner, or, for a
  lab built whole, every task its guide names (all done: the lab as netlab builds it)
* judge each from the kernel's read-back and real traffic (verify/learner_tasks.py); a policy
  task by the traffic its pods take part in, expected as the lab's policies with its step built,
  and by its step's checks once the steps before it are built
* print a table (step, task, result, detail) or JSON, and a JUnit report if asked;
  exit 0 if every task is done, 1 if not
On a lab `netlab break` broke, it judges the repair instead: fixed once the fault's proof checks
and the lab's own checks pass (the fault is then cleared), else still broken with its symptom.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
from rich.table import Table

from netlab.broken import judge_repair
from netlab.cli.common import out, progress, report_options, require_root
from netlab.errors import CheckFailed
from netlab.running import RunningLab
from netlab.verify.junit import junit_xml
from netlab.verify.learner_tasks import judge_task


@click.command("check")
@click.argument("lab")
@report_options
def cmd(lab: str, as_json: bool, junit: Path | None) -> None:
    """Say, per learner task of LAB, done or not yet and what is missing; exit 1 if any is not done."""
    require_root("check")
    running = RunningLab.open(lab)
    if running.state.settings().fault:
        check_fault(running, as_json, junit)
        return
    tasks = running.learner_tasks()
    started = time.monotonic()
    verdicts = []
    with progress.status(f"check {lab}: starting") as shown:  # on a terminal only (stderr)
        for i, task in enumerate(tasks):
            shown.update(f"check {lab}: {i + 1}/{len(tasks)} {task}")
            if task.task.kind == "policy":
                verdicts.append(
                    judge_task(running.plan, task, running.built_plan(task.step), running.step_checks(task.step))
                )
            else:
                verdicts.append(judge_task(running.plan, task))
    if junit is not None:
        junit.write_text(junit_xml(lab, [v.as_verdict() for v in verdicts], time.monotonic() - started, verb="check"))
    waiting = [v for v in verdicts if not v.done]
    if as_json:
        click.echo(json.dumps({"lab": lab, "done": not waiting, "tasks": [v.as_dict() for v in verdicts]}, indent=2))
    elif not verdicts:
        out.print(f"lab {lab} has no learner tasks (no guide step says what it builds)", markup=False)
    else:
        table = Table("step", "task", "result", "detail", box=None, pad_edge=False)
        for v in verdicts:
            table.add_row(str(v.step), v.task, "[green]done[/]" if v.done else "[red]not yet[/]", v.detail)
        out.print(table)
        out.print(
            f"{len(verdicts) - len(waiting)} of {len(verdicts)} tasks done"
            + (f" (stuck? netlab solve {lab} {waiting[0].step})" if waiting else "")
        )
    if waiting:
        raise CheckFailed(f"{len(waiting)} of {len(verdicts)} tasks not done yet" if not as_json else "")


def check_fault(running: RunningLab, as_json: bool, junit: Path | None) -> None:
    """Judge the learner's repair of a fault: its proof checks, then (all passing) the lab's own."""
    lab = running.plan.name
    started = time.monotonic()
    with progress.status(f"check {lab}: the repair"):  # on a terminal only (stderr)
        injected, proof, own = judge_repair(running)
    verdicts = proof + own
    if junit is not None:
        junit.write_text(junit_xml(lab, verdicts, time.monotonic() - started, verb="check"))
    failed = [v for v in verdicts if not v.passed and not v.pending]
    symptom = injected.symptom.say("en")
    if as_json:
        click.echo(
            json.dumps(
                {"lab": lab, "fixed": not failed, "symptom": symptom, "checks": [v.as_dict() for v in verdicts]},
                indent=2,
            )
        )
    elif failed:
        out.print(f"lab {lab}: still broken: {symptom}", markup=False)
        out.print(f"  {failed[0].name}: {failed[0].detail}", markup=False)
        out.print(f"stuck? netlab hint {lab}; netlab solve {lab}", markup=False)
    else:
        out.print(f"lab {lab}: fixed: the fault's proof and the lab's {len(own)} checks pass", markup=False)
    if failed:
        raise CheckFailed("not fixed yet" if not as_json else "")
