"""Benchmark `netlab up` / `netlab down` against plain `ip` commands building the same lab.

What it measures, for a generated lab of N pods (one Deployment `web`, N replicas, one echo port
8080) spread over 4 nodes, for each N of --sizes (default 10, 100, 500):

* netlab: `netlab up FILE` and `netlab down NAME`, each timed as a whole command (wall clock,
  Python start-up included), plus the build time `up` reports itself. netlab's numbers include its
  workloads: the echo server that answers for every pod. After `up` it measures the memory the
  lab's processes hold (the sum of VmRSS of every process carrying NETLAB_LAB=<lab> in its
  environment), the kernel memory the lab holds (growth of SUnreclaim + Percpu in /proc/meminfo
  across `up`: namespaces, links, sockets), and asks web-1 for its hostname from inside web-0
  (`curl --max-time 2`, a request between two lab namespaces on two nodes).
* bash: the same lab's namespaces, veths, bridges, addresses, routes and sysctls, rendered by
  netlab's own renderer (`render.ipcmd.script`) as one `ip` command per line and run by bash;
  down is a bash loop of `ip netns del`.
* ip -batch: the same ops through iproute2's batch mode: one `ip -batch` file of `netns add`, one
  `ip -batch` file of `netns exec NS sysctl -qw ...` lines (sysctls are not `ip` subcommands; batch
  mode forks one `sysctl` per line, without an `ip` process per line), then one `ip -n NS -batch
  FILE` per namespace; down is one `ip -batch` file of `netns del`.
The bash and ip -batch variants start no echo servers: they build the kernel objects only.

Why: the issue's goals are, at 500 pods, `up` in at most half the bash loop's time, `down` under
1 ms a pod, and under 1 GiB for the whole lab. The three variants run in the same process, one
after the other, and the script waits for the kernel to finish freeing the namespaces of one
variant (their cleanup runs asynchronously after `ip netns del`) before it starts the next, so
one variant's cleanup does not slow the next one down.

Safety: everything lives in `nl-` namespaces this script makes (labs bench-<N>, benchsh-<N>,
benchbt-<N>); nothing is added to the host's own namespace and no traffic leaves the machine. It
refuses to start if any of those names exists already, and on any exit (exception, Ctrl-C,
SIGTERM) it runs `netlab down` and `ip netns del` on what it made, then checks nothing is left.

Run it as root:
    sudo /opt/netlab/venv/bin/python scripts/bench_up.py [--sizes 10,100,500] [--repeat 1]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # labgen: the tests' lab generator
from labgen import deployment_lab

from netlab.kernel.procs import TAG
from netlab.model import load_lab
from netlab.plan import LabPlan, make_plan
from netlab.render.ipcmd import command, op_args, script
from netlab.render.namespaces import render_namespaces
from netlab.render.ops import NamespaceSpec, Op
from netlab.state import RUN_DIR

NODES = 4
ECHO_PORT = 8080
NETNS_DIR = Path("/run/netns")
NETLAB = str(Path(sys.executable).with_name("netlab"))  # the netlab of this very environment
COMMAND_TIMEOUT = 600.0  # seconds; any one command of the benchmark
SETTLE_TIMEOUT = 30.0  # seconds to wait for the kernel to free deleted namespaces
SETTLE_QUIET = 0.5  # ... it is done when kernel memory moved less than SETTLE_SLACK_KIB for this long
SETTLE_SLACK_KIB = 1024
FDS_PER_POD = 4  # netlab up holds a namespace fd, a netlink socket and an echo socket per pod


@dataclass
class NetlabRun:
    up: float
    down: float
    build: float  # what `netlab up` reports as its own build time
    procs: int
    rss_mib: float
    kernel_mib: float
    answer: str


@dataclass
class ShellRun:
    up: float
    down: float


@dataclass
class Row:
    pods: int
    netlab: NetlabRun
    bash: ShellRun
    batch: ShellRun


@dataclass
class Owned:
    """What this run made, registered before it is made, so cleanup removes exactly that."""

    labs: set[str] = field(default_factory=set)
    namespaces: set[str] = field(default_factory=set)

    def claim(self, plan: LabPlan) -> None:
        self.namespaces.update(plan.all_netns())


R = TypeVar("R")


# -- the generated lab ---------------------------------------------------------------------------
def write_lab(workdir: Path, name: str, pods: int) -> tuple[Path, LabPlan]:
    path = workdir / f"{name}.yaml"
    title = f"Benchmark, {pods} pods over {NODES} nodes"
    path.write_text(deployment_lab(name, nodes=NODES, replicas=pods, title=title))
    return path, make_plan(load_lab(path))


# -- measuring -----------------------------------------------------------------------------------
def run(argv: list[str]) -> str:
    """Run a command to completion (bounded); its stdout. Raises on failure, with its stderr."""
    done = subprocess.run(argv, capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
    if done.returncode:
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.strip()[-2000:]}")
    return done.stdout


def timed(argv: list[str]) -> tuple[float, str]:
    """Wall-clock seconds of a whole command, and its stdout."""
    started = time.perf_counter()
    stdout = run(argv)
    return time.perf_counter() - started, stdout


def tagged_pids(lab: str) -> list[int]:
    """Processes carrying NETLAB_LAB=<lab> in their environment (how netlab marks its own)."""
    tag = f"{TAG}={lab}".encode()
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                if tag in f.read().split(b"\0"):
                    pids.append(int(entry))
        except OSError:
            continue
    return pids


def rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0  # gone, or a kernel thread


def kernel_kib() -> int:
    """Unreclaimable slab plus per-CPU memory: where namespaces, links and sockets live."""
    fields = {}
    with open("/proc/meminfo") as f:
        for line in f:
            key, value = line.split(":", 1)
            fields[key] = int(value.split()[0])
    return fields["SUnreclaim"] + fields["Percpu"]


def settle() -> None:
    """Wait (bounded) until the kernel has freed deleted namespaces: its memory stops shrinking."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    quiet_since, last = time.monotonic(), kernel_kib()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = kernel_kib()
        if abs(now - last) > SETTLE_SLACK_KIB:
            quiet_since, last = time.monotonic(), now
        elif time.monotonic() - quiet_since >= SETTLE_QUIET:
            return


# -- the three variants --------------------------------------------------------------------------
def bench_netlab(path: Path, plan: LabPlan, owned: Owned) -> NetlabRun:
    owned.labs.add(plan.name)
    owned.claim(plan)
    settle()
    kernel_before = kernel_kib()
    up, stdout = timed([NETLAB, "up", str(path)])
    match = re.search(r"is up in ([\d.]+) s", stdout)
    pids = tagged_pids(plan.name)
    rss = sum(rss_kib(pid) for pid in pids) / 1024
    kernel = (kernel_kib() - kernel_before) / 1024
    answer = ask_hostname(plan.pods[0].netns, str(plan.pods[1].ip.ip))
    down, _ = timed([NETLAB, "down", plan.name])
    return NetlabRun(up, down, float(match.group(1)) if match else float("nan"), len(pids), rss, kernel, answer)


def ask_hostname(netns: str, ip: str) -> str:
    """GET /hostname of the pod at `ip`, from inside another lab namespace."""
    done = subprocess.run(
        ["ip", "netns", "exec", netns, "curl", "-s", "--max-time", "2", f"http://{ip}:{ECHO_PORT}/hostname"],
        capture_output=True,
        text=True,
        timeout=10,
    )
    return done.stdout.strip() if done.returncode == 0 else f"curl exit {done.returncode}"


def bench_bash(workdir: Path, plan: LabPlan, owned: Owned) -> ShellRun:
    """A bash script of one `ip` command per line; down: a bash loop of `ip netns del`."""
    owned.claim(plan)
    up_script = workdir / f"{plan.name}-up.sh"
    up_script.write_text(script(render_namespaces(plan)))
    down_script = workdir / f"{plan.name}-down.sh"
    names = " ".join(reversed(plan.all_netns()))
    down_script.write_text(f'for ns in {names}; do ip netns del "$ns"; done\n')
    settle()
    up, _ = timed(["bash", "-e", str(up_script)])
    down, _ = timed(["bash", "-e", str(down_script)])
    return ShellRun(up, down)


def is_ip(op: Op) -> bool:
    """Whether an op is an `ip` subcommand (sysctl and bridge ops are other programs)."""
    return op_args(op)[0] not in ("sysctl", "bridge")


def batch_files(workdir: Path, specs: list[NamespaceSpec]) -> Iterator[tuple[str, str]]:
    """(file name, content) of every ip -batch file, and of the bash driver `up.sh` that runs them."""
    yield "netns-add.batch", "".join(f"netns add {spec.netns}\n" for spec in specs)
    execs = [command(spec.netns, op)[1:] for spec in specs for op in spec.ops if not is_ip(op)]
    yield "exec.batch", "".join(" ".join(args) + "\n" for args in execs)
    driver = [f"ip -batch {workdir}/netns-add.batch", f"ip -batch {workdir}/exec.batch"]
    for spec in specs:
        lines = [op_args(op) for op in spec.ops if is_ip(op)]
        yield f"{spec.netns}.batch", "".join(" ".join(args) + "\n" for args in lines)
        driver.append(f"ip -n {spec.netns} -batch {workdir}/{spec.netns}.batch")
    yield "up.sh", "\n".join(driver) + "\n"
    yield "netns-del.batch", "".join(f"netns del {spec.netns}\n" for spec in reversed(specs))


def bench_batch(workdir: Path, plan: LabPlan, owned: Owned) -> ShellRun:
    """`ip -batch` files: namespaces, sysctls, then one batch per namespace; down: one batch."""
    owned.claim(plan)
    batch_dir = workdir / plan.name
    batch_dir.mkdir()
    for name, content in batch_files(batch_dir, render_namespaces(plan)):
        (batch_dir / name).write_text(content)
    settle()
    up, _ = timed(["bash", "-e", str(batch_dir / "up.sh")])
    down, _ = timed(["ip", "-batch", str(batch_dir / "netns-del.batch")])
    return ShellRun(up, down)


def bench_size(workdir: Path, pods: int, owned: Owned) -> Row:
    netlab_path, netlab_plan = write_lab(workdir, f"bench-{pods}", pods)
    _, bash_plan = write_lab(workdir, f"benchsh-{pods}", pods)
    _, batch_plan = write_lab(workdir, f"benchbt-{pods}", pods)
    for plan in (netlab_plan, bash_plan, batch_plan):
        refuse_existing(plan)
    return Row(
        pods,
        bench_netlab(netlab_path, netlab_plan, owned),
        bench_bash(workdir, bash_plan, owned),
        bench_batch(workdir, batch_plan, owned),
    )


# -- safety --------------------------------------------------------------------------------------
def refuse_existing(plan: LabPlan) -> None:
    """Never touch what this run did not make: stop if any of the lab's names exists already."""
    taken = [n for n in plan.all_netns() if (NETNS_DIR / n).exists()]
    if taken or (RUN_DIR / plan.name).exists() or tagged_pids(plan.name):
        raise SystemExit(
            f"lab {plan.name} or its namespaces ({', '.join(taken[:3]) or 'none'}) exist already: "
            f"`netlab down {plan.name}` / `ip netns del` them first"
        )


def cleanup(owned: Owned) -> None:
    """Take down every lab and namespace this run made; signals wait until it is done."""
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for lab in sorted(owned.labs):
            if (RUN_DIR / lab).exists():
                subprocess.run([NETLAB, "down", lab], capture_output=True, timeout=COMMAND_TIMEOUT)
            for pid in tagged_pids(lab):  # only if `netlab down` failed: the lab's own, by its tag
                os.kill(pid, signal.SIGKILL)
        for name in sorted(owned.namespaces):
            if (NETNS_DIR / name).exists():
                subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=30)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def leftovers(owned: Owned) -> list[str]:
    """Bench namespaces `ip netns list` still shows, and processes still tagged with a bench lab."""
    listed = {line.split()[0] for line in run(["ip", "netns", "list"]).splitlines() if line.strip()}
    left = sorted(listed & owned.namespaces)
    left += [f"pid {pid} ({lab})" for lab in sorted(owned.labs) for pid in tagged_pids(lab)]
    return left


# -- output --------------------------------------------------------------------------------------
def machine() -> str:
    pretty = "unknown"
    with open("/etc/os-release") as f:
        for line in f:
            if line.startswith("PRETTY_NAME="):
                pretty = line.split("=", 1)[1].strip().strip('"')
    return f"machine: nproc {len(os.sched_getaffinity(0))}, kernel {platform.release()}, {pretty}"


COLUMNS = [
    "N",
    "up s",
    "down s",
    "up ms/pod",
    "down ms/pod",
    "build s",
    "procs",
    "RSS MiB",
    "kern MiB",
    "bash up s",
    "bash down s",
    "batch up s",
    "batch down s",
    "up/bash",
    "web-0 -> web-1",
]


def cells(row: Row) -> list[str]:
    nl, sh, bt = row.netlab, row.bash, row.batch
    return [
        str(row.pods),
        f"{nl.up:.3f}",
        f"{nl.down:.3f}",
        f"{nl.up / row.pods * 1000:.2f}",
        f"{nl.down / row.pods * 1000:.2f}",
        f"{nl.build:.2f}",
        str(nl.procs),
        f"{nl.rss_mib:.1f}",
        f"{nl.kernel_mib:.1f}",
        f"{sh.up:.3f}",
        f"{sh.down:.3f}",
        f"{bt.up:.3f}",
        f"{bt.down:.3f}",
        f"{nl.up / sh.up:.2f}",
        nl.answer,
    ]


def aligned(grid: list[list[str]]) -> list[str]:
    """Rows of cells as right-aligned columns (the first row is the header)."""
    widths = [max(len(line[i]) for line in grid) for i in range(len(grid[0]))]
    return ["  ".join(c.rjust(w) for c, w in zip(line, widths, strict=True)) for line in grid]


def table(rows: list[Row]) -> str:
    lines = aligned([COLUMNS, *(cells(r) for r in rows)])
    notes = [
        "up/down s: whole `netlab up FILE` / `netlab down NAME` commands, wall clock, Python start-up and the",
        "  echo server included; build s: the build time `netlab up` prints itself (in-process).",
        "procs, RSS MiB: processes tagged NETLAB_LAB=<lab> after up, sum of their VmRSS.",
        "kern MiB: growth of SUnreclaim + Percpu (/proc/meminfo) across netlab up (approximate).",
        "bash: netlab's ops as one `ip` command per line (render.ipcmd.script); down: a bash loop of `ip netns del`.",
        "batch: `ip -batch` netns add; `ip -batch` of `netns exec NS sysctl` lines; `ip -n NS -batch` per namespace;",
        "  down: one `ip -batch` of netns del. bash and batch build kernel objects only: no echo servers.",
        "down (all three) returns once the namespaces are unmounted; the kernel frees them afterwards, and the",
        "  script waits for that (kernel memory steady) before the next variant starts.",
        "up/bash: netlab up s / bash up s (goal at 500 pods: <= 0.5). web-0 -> web-1: curl of /hostname.",
    ]
    return "\n".join([*lines, "", *notes])


# -- main ----------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,500", help="pod counts, comma-separated (default 10,100,500)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each size, one row each (default 1)")
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",")]
    if any(n < 2 for n in args.sizes) or args.repeat < 1:
        parser.error("sizes must be at least 2 (web-0 asks web-1), --repeat at least 1")
    return args


def raise_fd_limit(pods: int) -> None:
    """Enough descriptors for the children: `netlab up` holds several per pod while it builds."""
    need = FDS_PER_POD * pods + 256
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < need:
        raise SystemExit(f"{pods} pods need about {need} open files; the hard limit is {hard} (raise ulimit -Hn)")
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))


def main() -> int:
    args = parse_args()
    started = prepare("bench_up.py")
    raise_fd_limit(max(args.sizes))

    def measure(owned: Owned) -> list[Row]:
        rows: list[Row] = []
        with tempfile.TemporaryDirectory(prefix="bench-up-") as tmp:
            for pods in args.sizes:
                for _ in range(args.repeat):
                    workdir = Path(tempfile.mkdtemp(dir=tmp))
                    rows.append(bench_size(workdir, pods, owned))
                    print(f"  N={pods} done", file=sys.stderr, flush=True)
        return rows

    return report(run_cleanly(measure), table, started)


def prepare(script: str) -> float:
    """Refuse to run without root or netlab's venv, make SIGTERM clean up like Ctrl-C, print the
    machine; returns the start time."""
    if os.geteuid() != 0:
        raise SystemExit(f"{script} makes network namespaces: run it as root")
    if not os.access(NETLAB, os.X_OK):
        raise SystemExit(f"no {NETLAB}: run this with the python of netlab's venv")
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    print(machine(), flush=True)
    return time.perf_counter()


def run_cleanly(measure: Callable[[Owned], list[R]]) -> list[R] | None:
    """Run the measurements, then remove whatever they made, also on Ctrl-C or SIGTERM; None
    (after naming it) if anything was left behind."""
    owned = Owned()
    rows: list[R] | None = None
    try:
        rows = measure(owned)
    except KeyboardInterrupt:
        raise SystemExit("interrupted: removing what the benchmark made") from None
    finally:
        cleanup(owned)
        left = leftovers(owned)
        if left:
            print(f"LEFT BEHIND: {', '.join(left)}", file=sys.stderr)
            rows = None
    return rows


def report(rows: list[R] | None, render: Callable[[list[R]], str], started: float) -> int:
    """Print the table and the run's length; exit 1 if the run left something behind."""
    if rows is None:
        return 1
    print(render(rows))
    print(f"\nwhole run: {time.perf_counter() - started:.1f} s; nothing left behind", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
