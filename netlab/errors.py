"""Every error netlab raises on purpose, and the one table that maps them to exit codes.

The CLI contract (docs/cli.md): 0 ok, 1 a check or operation failed, 2 bad input
(usage, lab file, names), 3 the environment cannot run it (not root, kernel feature or tool
missing). Each error prints as one clear line; a validation error prints one line per problem.
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_ENVIRONMENT = 3


class NetlabError(Exception):
    """Base of netlab's own errors; `exit_code` is what the CLI exits with."""

    exit_code = EXIT_FAILED

    def lines(self) -> list[str]:
        """The message as printed on stderr, one line per problem."""
        return [str(self)]


class BadInput(NetlabError):
    """The user named something that does not exist or asked for something contradictory."""

    exit_code = EXIT_BAD_INPUT


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a lab file: where (file, object, field path) and what."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class LabValidationError(BadInput):
    """A lab file has problems; all of them are collected before anything is created."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class PlanError(BadInput):
    """The lab is well-formed but cannot be laid out (overlapping CIDRs, a full node CIDR...)."""


class LabStateError(BadInput):
    """The lab is not in the state the verb needs (already up, not up)."""


class EnvironmentProblem(NetlabError):
    """This machine cannot run it: not root, a kernel feature or a tool is missing."""

    exit_code = EXIT_ENVIRONMENT


class KernelError(NetlabError):
    """A kernel operation failed; the message names the operation and the object."""


class ApplyError(KernelError):
    """A node refused a rendered ruleset, or did not hold it when read back; the message shows
    the lines around the one the tool refused."""


class CheckFailed(NetlabError):
    """At least one check of `netlab verify` did not pass."""
