"""agnhost's `netexec` on a container's command line: netlab's echo server stands in for it (pure).

Manifests of Kubernetes' own tests and docs run the e2e image agnhost as
`args: [netexec, --http-port=8080]` (its entrypoint is /agnhost) or
`command: [/agnhost, netexec, ...]`. Such a container runs netlab's echo server, which serves what
netexec serves, on netexec's ports: `--http-port` (default 8080, TCP) and `--udp-port` (default
8081, UDP; -1: none), whatever `ports:` declares (those only name ports for Services, as in a
cluster). `--http-override=PATH` answers every request as a GET of PATH (with no request headers),
as netexec does: `--http-override=/hostname` makes every path tell the pod's name, which is how a
lab shows which pods an Ingress path reaches. `--udp-listen-addresses` and `--delay-shutdown` are
accepted and ignored; HTTPS (`--tls-*`) and SCTP are refused; other flags are agnhost's error.

`args` without `command` are arguments to the image's entrypoint, as in Kubernetes; with no images,
that entrypoint is the echo server (`entrypoint_args`). It takes netexec's flags from them, as
`args: [netexec, ...]` would, and ignores every other word (MongoDB's `--bind_ip 0.0.0.0`): the
lab notes those once. The first word is never run as a program.
"""

from __future__ import annotations

from dataclasses import dataclass

HTTP_PORT, UDP_PORT = 8080, 8081  # netexec's defaults
AGNHOST = ("/agnhost", "agnhost")
IGNORED = ("--udp-listen-addresses", "--delay-shutdown")
REFUSED = {
    "--tls-cert-file": "HTTPS is not simulated",
    "--tls-private-key-file": "HTTPS is not simulated",
    "--sctp-port": "SCTP is not simulated",
}
VALUED = ("--http-port", "--udp-port", "--http-override", *IGNORED, *REFUSED)


@dataclass(frozen=True)
class Netexec:
    http_port: int = HTTP_PORT
    udp_port: int = UDP_PORT  # -1: no UDP server
    http_override: str = ""

    def listens_on(self) -> list[tuple[int, str]]:
        return [(self.http_port, "TCP")] + ([(self.udp_port, "UDP")] if self.udp_port != -1 else [])


def netexec(argv: tuple[str, ...]) -> tuple[Netexec | None, list[str]]:
    """netexec's settings if `argv` runs it (None otherwise), and what is wrong with its flags."""
    words = list(argv)
    if words[:1] and words[0] in AGNHOST:
        words = words[1:]
    if words[:1] != ["netexec"]:
        return None, []
    values: dict[str, str] = {}
    problems: list[str] = []
    rest = words[1:]
    i = 0
    while i < len(rest):
        name, eq, value = rest[i].partition("=")
        if not name.startswith("--"):
            problems.append(f"takes no arguments, only flags: {rest[i]!r}")
        elif name not in VALUED:
            problems.append(f"has no flag {name}")
        elif not eq and i + 1 >= len(rest):
            problems.append(f"{name} needs a value")
        else:
            if not eq:
                value, i = rest[i + 1], i + 1
            values[name] = value
        i += 1
    for name, why in REFUSED.items():
        if name in values and not (name == "--sctp-port" and values[name] == "-1"):
            problems.append(f"{name}: {why}")
    found = Netexec()
    ports = {}
    for name, low in (("--http-port", 1), ("--udp-port", -1)):
        text = values.get(name)
        if text is None:
            continue
        try:
            ports[name] = int(text)
        except ValueError:
            ports[name] = 0
        if not (low <= ports[name] <= 65535 and ports[name] != 0):
            problems.append(f"{name}: {text!r} is not a port number" + (" (or -1)" if low < 0 else ""))
            del ports[name]
    override = values.get("--http-override", "")
    if override and not override.startswith("/"):
        problems.append(f"--http-override: {override!r} must be a path such as /hostname")
        override = ""
    found = Netexec(ports.get("--http-port", HTTP_PORT), ports.get("--udp-port", UDP_PORT), override)
    return found, problems


def entrypoint_args(args: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """`args` given to the echo server as an image's entrypoint: the netexec flags among them (each
    with its value) and the words it ignores, in their order."""
    understood: list[str] = []
    ignored: list[str] = []
    i = 0
    while i < len(args):
        name, eq, _ = args[i].partition("=")
        if name in VALUED:
            takes = 2 if not eq and i + 1 < len(args) else 1
            understood += args[i : i + takes]
            i += takes
        else:
            ignored.append(args[i])
            i += 1
    return tuple(understood), tuple(ignored)
