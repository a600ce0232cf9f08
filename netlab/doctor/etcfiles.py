"""Each namespace's /etc stand-ins (/etc/netns/<netns>/: resolv.conf, and a pod's hosts) against
what netlab renders for them (render/resolvconf.py), pure: a wrong nameserver or search list
breaks every lookup in the pod, whatever cluster DNS does."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from netlab.doctor.finding import Finding
from netlab.plan.model import LabPlan
from netlab.render.resolvconf import etc_files

_SYMPTOM = {
    "resolv.conf": "lookups in the namespace ask the wrong server or for the wrong names: Service names do not resolve",
    "hosts": "the pod's own name (and its hostAliases) resolve wrongly, or not at all",
}


def wanted(plan: LabPlan) -> dict[str, tuple[str, ...]]:
    """The files doctor reads per namespace."""
    return {ns: tuple(files) for ns, files in etc_files(plan).items()}


def etc_findings(plan: LabPlan, held: Mapping[str, Mapping[str, str | None]]) -> Iterator[Finding]:
    for ns, files in etc_files(plan).items():
        if ns not in held:
            continue
        for name, text in files.items():
            found = held[ns].get(name)
            if found == text:
                continue
            path = f"/etc/netns/{ns}/{name}"
            yield Finding(
                ns,
                "etc",
                path,
                "missing" if found is None else _differs(found, text),
                f"as netlab renders it ({_first(text)})",
                f"ip netns exec {ns} cat /etc/{name}",
                _SYMPTOM[name],
            )


def _differs(found: str, text: str) -> str:
    """The first line the file has that the rendered one lacks."""
    extra = [line for line in found.splitlines() if line not in text.splitlines()]
    lacking = [line for line in text.splitlines() if line not in found.splitlines()]
    return f"holds {extra[0]!r}" if extra else f"lacks {lacking[0]!r}" if lacking else "its lines differ in order"


def _first(text: str) -> str:
    return next((line for line in text.splitlines() if line and not line.startswith("#")), "empty")
