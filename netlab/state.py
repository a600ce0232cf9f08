"""/run/netlab/<lab>/: what a lab is and everything it made, written before it is made.

Layout of a lab's directory:
- `lab.yaml`: the lab file as it was brought up (so `status`, `verify` and `exec` work even if
  the file moved), `lab.json`: how, and what it has become since (`Settings`, read and written
  only through it);
- `journal`: one line per object, appended *before* the object is created: `netns <name>`,
  and `pid <pid>` of each process started (those are found by their tag, too). `down` and
  `clean` undo exactly this list, so a crash at any point (even `kill -9`) leaves something
  they can find;
- `logs/`: the output of the pod's processes;
- `env.json`: each pod's Service environment variables, fixed when its containers started (the
  kubelet computes them at container start, so a later Service does not show until a restart);
- `dns/`: the zone files the lab's DNS servers answer from (readable by the servers' `nobody`).
The directory is the lab's lock (flock): one netlab command per lab at a time. Its existence is
"the lab is up"; `down` removes it, and /run/netlab itself once empty.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from netlab.errors import LabStateError
from netlab.faults.record import Injected
from netlab.model.lab import Task
from netlab.plan.tasks import StepTask

RUN_DIR = Path("/run/netlab")
LOCK_WAIT = 30.0


@dataclass(frozen=True)
class Settings:
    """lab.json: how the lab was brought up, and what it has become since."""

    source: str = ""  # the lab file `up` was given (its copy is lab.yaml)
    network: str | None = None  # the pod network it runs (`up --network`, or the lab's own)
    proxy_mode: str | None = None  # the proxy mode it runs (`up --proxy-mode`, or the lab's own)
    complete: bool = False  # `up` finished: a lab without it is being built, or its `up` crashed
    up_pid: int | None = None  # the `up` that builds it
    echo_pid: int | None = None  # the echo server: its sockets hold every pod's namespace
    changed: bool = False  # apply, scale or delete changed it: its file is an edit (`load_lab`)
    pods: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # pod -> (node, IP): IPAM's memory
    load_balancers: Mapping[str, str] = field(default_factory=dict)  # ns/name -> LoadBalancer IP: the cloud's memory
    left: tuple[StepTask, ...] = ()  # learner tasks not built yet: what `step` builds next
    learner: tuple[StepTask, ...] = ()  # learner tasks `up` left to the learner: what `check` judges
    own_policies: tuple[str, ...] = ()  # NetworkPolicies (ns/name) the learner applied or deleted while a step was left
    fault: Injected | None = None  # the fault `netlab break` put in, until it is fixed or undone

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "network": self.network,
            "proxyMode": self.proxy_mode,
            "complete": self.complete,
            "upPid": self.up_pid,
            "echoPid": self.echo_pid,
            "changed": self.changed,
            "pods": {pod: list(where) for pod, where in self.pods.items()},
            "loadBalancers": dict(self.load_balancers),
            "tasks.left": _tasks_json(self.left),
            "tasks.learner": _tasks_json(self.learner),
            "tasks.ownPolicies": list(self.own_policies),
            "fault": self.fault.to_json() if self.fault else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Settings:
        return cls(
            source=data.get("source", ""),
            network=data.get("network"),
            proxy_mode=data.get("proxyMode"),
            complete=bool(data.get("complete", False)),
            up_pid=data.get("upPid"),
            echo_pid=data.get("echoPid"),
            changed=bool(data.get("changed", False)),
            pods={pod: (node, ip) for pod, (node, ip) in data.get("pods", {}).items()},
            load_balancers=dict(data.get("loadBalancers", {})),
            left=_tasks(data.get("tasks.left", [])),
            learner=_tasks(data.get("tasks.learner", [])),
            own_policies=tuple(data.get("tasks.ownPolicies", [])),
            fault=Injected.from_json(data["fault"]) if data.get("fault") else None,
        )


def _tasks_json(tasks: tuple[StepTask, ...]) -> list[list[Any]]:
    return [[t.step, t.task.kind, t.task.target] for t in tasks]


def _tasks(data: list[list[Any]]) -> tuple[StepTask, ...]:
    return tuple(StepTask(step, Task(kind, target)) for step, kind, target in data)


@dataclass
class LabState:
    name: str
    dir: Path
    _lock_fd: int | None = None

    # -- lifecycle ------------------------------------------------------------------------
    @classmethod
    def create(cls, name: str, lab_text: str, settings: Settings) -> LabState:
        """Claim the lab's directory and lock it, or say it is already up.

        Raises:
            LabStateError: the lab is up (or a crashed `up` left it: then say how to clear it).
        """
        path = RUN_DIR / name
        for _ in range(3):  # a concurrent `down` of another lab may remove RUN_DIR in between
            RUN_DIR.mkdir(mode=0o755, parents=True, exist_ok=True)
            try:
                path.mkdir(mode=0o755)
                break
            except FileExistsError:
                raise LabStateError(f"lab {name} is already up (netlab down {name} first)") from None
            except FileNotFoundError:
                continue
        state = cls(name, path)
        state.lock()
        (path / "logs").mkdir()
        (path / "lab.yaml").write_text(lab_text)
        state.write_settings(replace(settings, complete=False, up_pid=os.getpid()))
        return state

    @staticmethod
    def is_up(name: str) -> bool:
        """Whether the lab has a state directory (up, or left by a crashed `up`)."""
        return (RUN_DIR / name).is_dir()

    @classmethod
    def open(cls, name: str) -> LabState:
        """The state of a lab that is up.

        Raises:
            LabStateError: the lab is not up.
        """
        if not cls.is_up(name):
            raise LabStateError(f"lab {name} is not up (netlab up {name})")
        return cls(name, RUN_DIR / name)

    @staticmethod
    def names() -> list[str]:
        """Every lab that has a state directory."""
        try:
            return sorted(p.name for p in RUN_DIR.iterdir() if p.is_dir())
        except FileNotFoundError:
            return []

    def lock(self) -> None:
        """Take the lab's lock, waiting a while for another netlab command to finish with it."""
        fd = os.open(self.dir, os.O_RDONLY | os.O_DIRECTORY)
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._lock_fd = fd
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    raise LabStateError(f"lab {self.name} is busy: another netlab command holds it") from None
                time.sleep(0.05)

    def remove(self) -> None:
        """Delete the directory (and /run/netlab when no lab is left); releases the lock."""
        shutil.rmtree(self.dir, ignore_errors=True)
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
        try:
            RUN_DIR.rmdir()
        except OSError:
            pass

    # -- contents -------------------------------------------------------------------------
    @property
    def lab_file(self) -> Path:
        return self.dir / "lab.yaml"

    @property
    def up_file(self) -> Path:
        """The lab file as `up` was given it, kept for a lab with policy tasks: its policies are
        what `solve` builds and `check` expects, whatever the learner applies to lab.yaml."""
        return self.dir / "lab.up.yaml"

    @property
    def logs(self) -> Path:
        return self.dir / "logs"

    @property
    def dns_dir(self) -> Path:
        return self.dir / "dns"

    def service_env(self) -> dict[str, dict[str, str]]:
        """Each pod's Service variables, as its containers got them."""
        try:
            return json.loads((self.dir / "env.json").read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def write_service_env(self, env: dict[str, dict[str, str]]) -> None:
        tmp = self.dir / "env.json.tmp"
        tmp.write_text(json.dumps(env, indent=1, sort_keys=True))
        tmp.replace(self.dir / "env.json")

    def settings(self) -> Settings:
        """lab.json as it is now (the defaults where it is missing or torn: a crashed `up`)."""
        try:
            return Settings.from_json(json.loads((self.dir / "lab.json").read_text()))
        except (FileNotFoundError, json.JSONDecodeError):
            return Settings()

    def write_settings(self, settings: Settings) -> None:
        """Replace lab.json in one rename: a reader never sees half of it."""
        tmp = self.dir / "lab.json.tmp"
        tmp.write_text(json.dumps(settings.to_json(), indent=1))
        tmp.replace(self.dir / "lab.json")

    def update_settings(self, **changes: Any) -> Settings:
        """Change some fields of lab.json (`Settings`' names), keep the rest; the new settings."""
        settings = replace(self.settings(), **changes)
        self.write_settings(settings)
        return settings

    def claim_if_crashed(self) -> bool:
        """True (and the lock taken) if the lab's `up` died before finishing: the directory says
        incomplete and no process holds its lock. A lab being built or up is left alone."""
        if self.settings().complete:
            return False
        fd = os.open(self.dir, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._lock_fd = fd
        return True

    def record(self, kind: str, value: object) -> None:
        """Append to the journal before making the object it names."""
        with open(self.dir / "journal", "a") as journal:
            journal.write(f"{kind} {value}\n")

    def record_many(self, kind: str, values: list[str]) -> None:
        with open(self.dir / "journal", "a") as journal:
            journal.writelines(f"{kind} {v}\n" for v in values)

    def records(self, kind: str) -> list[str]:
        try:
            lines = (self.dir / "journal").read_text().splitlines()
        except FileNotFoundError:
            return []
        return [line.split(" ", 1)[1] for line in lines if line.startswith(kind + " ")]
