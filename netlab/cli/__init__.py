"""The `netlab` command: one module per verb, loaded when that verb runs; exit codes for errors.

Verbs are registered in VERBS and imported only when invoked: importing all of them (pyroute2,
rich) costs ~0.2 s, most of a `netlab down`. Exit codes (docs/cli.md): 0 ok, 1 a
check or operation failed, 2 bad input, 3 the environment cannot run it. Every error is one line
on stderr (one per problem in a lab file).
"""

from __future__ import annotations

import importlib
import sys

import click

from netlab.errors import EXIT_BAD_INPUT, EXIT_FAILED, NetlabError

VERBS = {
    "list": "netlab.cli.list",
    "up": "netlab.cli.up",
    "down": "netlab.cli.down",
    "status": "netlab.cli.status",
    "exec": "netlab.cli.exec",
    "apply": "netlab.cli.apply",
    "scale": "netlab.cli.scale",
    "delete": "netlab.cli.delete",
    "restart": "netlab.cli.restart",
    "verify": "netlab.cli.verify",
    "check": "netlab.cli.check",
    "step": "netlab.cli.step",
    "solve": "netlab.cli.solve",
    "break": "netlab.cli.breaks",
    "hint": "netlab.cli.hint",
    "guide": "netlab.cli.guide",
    "capture": "netlab.cli.capture",
    "diagram": "netlab.cli.diagram",
    "explain": "netlab.cli.explain",
    "trace": "netlab.cli.trace",
    "matrix": "netlab.cli.matrix",
    "doctor": "netlab.cli.doctor",
    "clean": "netlab.cli.clean",
}


class Verbs(click.Group):
    """A click group whose commands are the `cmd` of each verb's module, imported on use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(VERBS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return importlib.import_module(VERBS[name]).cmd if name in VERBS else None


@click.group(cls=Verbs, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kube-netlab", prog_name="netlab")
def cli() -> None:
    """Kubernetes networking, for real, on one Linux box."""


def main() -> None:
    """Run the CLI; netlab's errors become one line on stderr and the contract's exit code."""
    try:
        cli.main(standalone_mode=False)
    except NetlabError as exc:
        for line in exc.lines():
            if line:
                click.echo(f"netlab: {line}", err=True)
        sys.exit(exc.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("netlab: interrupted (nothing half-built was left)", err=True)
        sys.exit(EXIT_FAILED)
    except click.ClickException as exc:
        click.echo(f"netlab: {exc.format_message()}", err=True)
        sys.exit(EXIT_BAD_INPUT if exc.exit_code == 2 else exc.exit_code)
    sys.exit(0)
