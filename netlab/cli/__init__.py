"""The `netlab` command: one module per verb; this module registers them and maps errors to exits.

Exit codes (shared/README.md section 4): 0 ok, 1 a check or operation failed, 2 bad input,
3 the environment cannot run it. Every error is one line on stderr (one per problem in a lab file).
"""

from __future__ import annotations

import sys

import click

from netlab.cli import clean, down, exec as exec_, guide, list as list_, status, up, verify
from netlab.errors import EXIT_BAD_INPUT, EXIT_FAILED, NetlabError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kube-netlab", prog_name="netlab")
def cli() -> None:
    """Kubernetes networking, for real, on one Linux box."""


for verb in (list_, up, down, status, exec_, verify, guide, clean):
    cli.add_command(verb.cmd)


def main() -> None:
    """Run the CLI; netlab's errors become one line on stderr and the contract's exit code."""
    try:
        cli.main(standalone_mode=False)
    except NetlabError as exc:
        for line in exc.lines():
            if line:
                click.echo(f"netlab: {line}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("netlab: interrupted", err=True)
        sys.exit(EXIT_FAILED)
    except KeyboardInterrupt:
        click.echo("netlab: interrupted (nothing half-built was left)", err=True)
        sys.exit(EXIT_FAILED)
    except click.ClickException as exc:
        click.echo(f"netlab: {exc.format_message()}", err=True)
        sys.exit(EXIT_BAD_INPUT if exc.exit_code == 2 else exc.exit_code)
    sys.exit(0)
