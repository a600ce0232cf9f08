"""`args` without `command`: arguments to the image's entrypoint, which with no images is the echo server."""

from __future__ import annotations

import pytest

from netlab.model.agnhost import Netexec, entrypoint_args
from netlab.model.lab import Container, ContainerPort


@pytest.mark.parametrize(
    ("args", "understood", "ignored"),
    [
        (("--bind_ip", "0.0.0.0"), (), ("--bind_ip", "0.0.0.0")),
        (("--http-port=9000", "--verbose"), ("--http-port=9000",), ("--verbose",)),
        (("--udp-port", "-1", "serve"), ("--udp-port", "-1"), ("serve",)),
        (("--http-override=/hostname",), ("--http-override=/hostname",), ()),
        (("--http-port",), ("--http-port",), ()),  # no value: netexec's own problem to report
    ],
)
def test_the_echo_server_takes_netexecs_flags_and_ignores_the_rest(
    args: tuple[str, ...], understood: tuple[str, ...], ignored: tuple[str, ...]
) -> None:
    assert entrypoint_args(args) == (understood, ignored)


def test_mongodbs_args_run_the_echo_server_on_the_container_port() -> None:
    mongo = Container("mongo", args=("--bind_ip", "0.0.0.0"), ports=(ContainerPort(27017),))
    assert mongo.to_entrypoint and mongo.runs_echo
    assert mongo.netexec is None
    assert mongo.listens_on() == [(27017, "TCP")]
    assert mongo.ignored_args == ("--bind_ip", "0.0.0.0")


def test_netexec_flags_alone_make_the_echo_server_netexec() -> None:
    app = Container("app", args=("--http-port=9000", "--udp-port=-1", "--log"))
    assert app.netexec == Netexec(9000, -1)
    assert app.listens_on() == [(9000, "TCP")]
    assert app.ignored_args == ("--log",)
    assert Container("app", args=("--http-port=http",)).netexec_flags()[1] == [
        "--http-port: 'http' is not a port number"
    ]


@pytest.mark.parametrize(
    "container",
    [
        Container("app", args=("netexec", "--http-port=81")),
        Container("ctl", args=("/nginx-ingress-controller", "--ingress-class=nginx")),
        Container("dns", args=("/coredns", "-conf", "/etc/coredns/Corefile")),
        Container("sh", command=("sh", "-c"), args=("sleep 600",)),
    ],
)
def test_args_that_name_a_program_or_follow_a_command_are_not_the_entrypoints(container: Container) -> None:
    assert not container.to_entrypoint
    assert container.ignored_args == ()


def test_args_never_run_their_first_word() -> None:
    assert Container("x", args=("sh", "-c", "sleep 600")).runs_echo
