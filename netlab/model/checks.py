"""The checks and guide steps of a lab file: what `verify` proves and what a workshop walks through.

Checks are validated with the lab: their kind and expectations, the modes they apply to, and that
every name they use (source, capture namespace, expected pods) exists in the lab.
"""

from __future__ import annotations

import re
from typing import Any

from netlab.model import fields
from netlab.model.lab import (
    NETWORK_MODES,
    OUTSIDE_NAMES,
    PROXY_MODES,
    Capture,
    Check,
    Cluster,
    GuideStep,
    KubeObject,
    OutsideHost,
    Service,
    pod_names,
)
from netlab.model.schema import FieldReader
from netlab.model.tasks import read_tasks

HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an HTTP token (RFC 9110)
RECORD_TYPES = ("A", "AAAA", "SRV", "PTR", "CNAME", "TXT")  # what a dns check may ask for
RESOLVERS = ("dig", "getent")
RCODES = ("NOERROR", "NXDOMAIN", "SERVFAIL")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def read_check(r: FieldReader, raw: Any, index: int) -> Check:
    """Check `index` of the lab file. A field that only another kind of check uses is a problem, not
    ignored: a check must not prove less than its author thinks. The pieces run in the order a
    check's problems are reported in."""
    place = f"checks[{index}]"
    c = r.mapping(raw, place, fields.CHECK, required=("name", "from"))
    kind = _kind(r, c, place)
    expect = r.mapping(c.get("expect"), f"{place}.expect", fields.EXPECT_BY_CHECK[kind])
    capture = _capture(r, c.get("capture"), f"{place}.capture")
    when = _when(r, c.get("when"), f"{place}.when")
    target = _target(r, c, kind, place)
    if "count" in c and kind not in ("http", "udp"):
        r.problem(f"{place}.count", "only http and udp checks repeat (count)")
    headers = _headers(r, c.get("headers"), f"{place}.headers")
    if headers and kind != "http":
        r.problem(f"{place}.headers", "only http checks send request headers")
    if "certificate" in expect and not str(target).startswith("https://"):
        r.problem(f"{place}.expect.certificate", "only an https:// URL shows a certificate")
    record_type, resolver = _lookup(r, c, kind, expect, place)
    if "shares" in expect:
        _shares(r, expect, int(c.get("count", 1) or 1), place)
    if kind == "env" and not ENV_NAME.match(str(target)):
        r.problem(f"{place}.env", f"{target!r} is not an environment variable name")
    return Check(
        name=str(c.get("name")),
        source=str(c.get("from")),
        kind=kind,
        target=str(target),
        expect=expect,
        count=r.integer(c.get("count", 1), f"{place}.count", 1, 200),
        send=str(c.get("send", "hostname")),
        capture=capture,
        when=when,
        pending=str(c.get("pending") or ""),
        headers=headers,
        record_type=record_type,
        resolver=resolver,
    )


def _kind(r: FieldReader, c: dict, place: str) -> str:
    """The check's kind, the one key of EXPECT_BY_CHECK it has; with none or several, the first of
    them (or ping), so that the rest of the check is still read and its problems reported."""
    kinds = [k for k in fields.EXPECT_BY_CHECK if k in c]
    if len(kinds) != 1:
        r.problem(place, "needs exactly one of " + ", ".join(fields.EXPECT_BY_CHECK))
        kinds = kinds or ["ping"]
    return kinds[0]


def _capture(r: FieldReader, raw: Any, place: str) -> Capture | None:
    """Where the check captures packets while it runs: `at` a pod, node or host, a tcpdump `filter`,
    optionally on one `interface`; without `at` and `filter` it captures nothing."""
    if raw is None:
        return None
    cap = r.mapping(raw, place, fields.CAPTURE, required=("at", "filter"))
    if not (cap.get("at") and cap.get("filter")):
        return None
    return Capture(
        at=str(cap["at"]),
        filter=str(cap["filter"]),
        interface=str(cap["interface"]) if cap.get("interface") else None,
    )


def _when(r: FieldReader, raw: Any, place: str) -> dict[str, str]:
    """The modes the check applies to: `network` and `proxyMode`, each one of the modes netlab has."""
    when = r.labels(raw, place)
    modes = {"network": NETWORK_MODES, "proxyMode": PROXY_MODES}
    for key, value in when.items():
        if key not in modes:
            r.problem(f"{place}.{key}", "unknown condition (network or proxyMode)")
        else:
            r.choice(value, f"{place}.{key}", modes[key])
    return when


def _target(r: FieldReader, c: dict, kind: str, place: str) -> Any:
    """What the check's kind key names: a bind check's port, a udp check's NAME:PORT or
    ADDRESS:PORT (and the message only a udp check sends)."""
    target = c.get(kind)
    if kind == "bind":
        target = r.integer(target, f"{place}.bind", 1, 65535)
    if kind == "udp":
        host, _, port = str(target).rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            r.problem(f"{place}.udp", f"{target!r} is not NAME:PORT or ADDRESS:PORT")
    elif "send" in c:
        r.problem(f"{place}.send", "only udp checks send a message")
    return target


SHARE_TOLERANCE = 15  # percentage points: over 100 requests, 3.7 standard deviations of a 20 % share


def _shares(r: FieldReader, expect: dict, count: int, place: str) -> None:
    """`shares: {POD: PERCENT}`: each pod's part of the answers, within SHARE_TOLERANCE points (a
    weighted split is random per request); they add up to 100, over 50 requests at least."""
    shares = expect["shares"]
    if not isinstance(shares, dict) or not all(isinstance(v, int) and 0 <= v <= 100 for v in shares.values()):
        r.problem(f"{place}.expect.shares", "must map pod names to percentages (0-100)")
    elif sum(shares.values()) != 100:
        r.problem(f"{place}.expect.shares", f"the percentages add up to {sum(shares.values())}, not 100")
    if count < 50:
        r.problem(f"{place}.count", "a check of shares needs 50 requests at least (count)")


def _lookup(r: FieldReader, c: dict, kind: str, expect: dict, place: str) -> tuple[str, str]:
    """A dns check's record type and resolver (A with dig unless given) and what it may expect;
    other kinds have neither."""
    for key in ("type", "resolver"):
        if key in c and kind != "dns":
            r.problem(f"{place}.{key}", "only dns checks have one")
    record_type = r.choice(c.get("type", "A"), f"{place}.type", RECORD_TYPES)
    resolver = r.choice(c.get("resolver", "dig"), f"{place}.resolver", RESOLVERS)
    if kind == "dns":
        _dns_expectations(r, expect, record_type, resolver, place)
    return record_type, resolver


def _dns_expectations(r: FieldReader, expect: dict, record_type: str, resolver: str, place: str) -> None:
    """What a dns check may expect: an rcode, the answers (or a Service's endpoints), the CNAME,
    how many names the resolver tried (the search list); or that no server answers at all
    (`reachable: false`, `reason`: a policy that leaves out port 53); getent reports addresses only."""
    if not r.boolean(expect.get("reachable"), f"{place}.expect.reachable", True):
        for key in ("rcode", "answers", "cname", "endpointsOf", "tries"):
            if key in expect:
                r.problem(f"{place}.expect.{key}", "a lookup no server answers has none (reachable: false)")
    elif "reason" in expect:
        r.problem(f"{place}.expect.reason", "only a lookup no server answers has one (reachable: false)")
    if "rcode" in expect:
        r.choice(expect["rcode"], f"{place}.expect.rcode", RCODES)
    if "answers" in expect and not isinstance(expect["answers"], (list, str)):
        r.problem(f"{place}.expect.answers", "must be a list of names or addresses")
    if "tries" in expect:
        r.integer(expect["tries"], f"{place}.expect.tries", 1, 40)
    if resolver == "getent":
        if record_type != "A":
            r.problem(f"{place}.type", "getent looks up addresses only (type A)")
        for key in ("cname", "tries"):
            if key in expect:
                r.problem(f"{place}.expect.{key}", "only dig reports it (resolver: dig)")
        if "reachable" in expect:
            r.problem(f"{place}.expect.reachable", "getent cannot tell an unanswered lookup from NXDOMAIN")
        if expect.get("rcode") == "SERVFAIL":
            r.problem(f"{place}.expect.rcode", "getent cannot tell SERVFAIL from NXDOMAIN")


def _headers(r: FieldReader, raw: Any, place: str) -> tuple[tuple[str, str], ...]:
    """Request headers, `{Host: a.example}`: names are HTTP tokens, values one line each."""
    found = []
    for name, value in r.labels(raw, place).items():
        if not HEADER_NAME.match(name):
            r.problem(f"{place}.{name}", "is not an HTTP header name (letters, digits and !#$%&'*+-.^_`|~)")
        elif any(ch in value for ch in "\r\n\0"):
            r.problem(f"{place}.{name}", "a header value must be one line")
        else:
            found.append((name, value))
    return tuple(found)


def check_references(
    r: FieldReader,
    checks: tuple[Check, ...],
    cluster: Cluster,
    objects: tuple[KubeObject, ...],
    outside: tuple[OutsideHost, ...] = (),
    services: tuple[Service, ...] = (),
) -> None:
    names = {n.name for n in cluster.nodes} | set(pod_names(objects)) | set(OUTSIDE_NAMES) | {h.name for h in outside}
    containers = {pod: {c.name for c in obj.template.containers} for obj in objects for pod in pod_names((obj,))}
    known_services = {(s.name, s.namespace) for s in services}
    seen: set[str] = set()
    for i, check in enumerate(checks):
        if check.name in seen:
            r.problem(f"checks[{i}].name", f"two checks are named {check.name!r}")
        seen.add(check.name)
        member, _, container = check.source.partition("/")
        if member not in names:
            r.problem(f"checks[{i}].from", f"no pod, node or host named {member!r}")
        elif check.kind == "env" and member not in containers:
            r.problem(f"checks[{i}].from", "env checks look into a pod's containers: name a pod")
        elif container and container not in containers.get(member, ()):
            r.problem(f"checks[{i}].from", f"{member} has no container {container!r}")
        if check.capture and check.capture.at not in names:
            r.problem(f"checks[{i}].capture.at", f"no pod, node or host named {check.capture.at!r}")
        wanted_service = check.expect.get("endpointsOf")
        name, _, namespace = str(wanted_service).partition(".")
        if wanted_service is not None and (name, namespace or "default") not in known_services:
            r.problem(f"checks[{i}].expect.endpointsOf", f"no Service {wanted_service!r} (NAME or NAME.NAMESPACE)")
        for key in ("answeredBy", "learned", "shares"):
            wanted = check.expect.get(key)
            wanted = list(wanted) if isinstance(wanted, dict) else wanted
            for ref in wanted if isinstance(wanted, list) else [wanted] if wanted else []:
                if ref not in names:
                    r.problem(f"checks[{i}].expect.{key}", f"no pod named {ref!r}")


def read_guide_step(r: FieldReader, raw: Any, index: int) -> GuideStep:
    place = f"guide[{index}]"
    g = r.mapping(raw, place, fields.GUIDE_STEP, required=("title",))
    return GuideStep(
        title=str(g.get("title")),
        text=str(g.get("text") or "").strip(),
        article=str(g.get("article") or ""),
        run=r.strings(g.get("run"), f"{place}.run"),
        checks=r.strings(g.get("checks"), f"{place}.checks"),
        translations=read_translations(r, g, place, fields.TRANSLATION),
        builds=read_tasks(r, g.get("builds"), f"{place}.builds"),
    )


def read_translations(r: FieldReader, owner: dict, place: str, structure: fields.Fields) -> dict[str, dict[str, str]]:
    """The `zh-TW:` (one field per translated language) of a guide step or of the lab: language ->
    {"title", "text"}. A translation names its title; commands and check names are not translated."""
    translations: dict[str, dict[str, str]] = {}
    for language in fields.TRANSLATED:
        if language not in owner:
            continue
        where = f"{place}.{language}" if place else language
        raw = owner[language]
        t = r.mapping({} if raw is None else raw, where, structure, required=("title",))  # empty: title is missing
        if t.get("title") is None:
            continue  # the mapping said so (required)
        texts = {"title": r.string(t["title"], f"{where}.title")}
        if t.get("text") is not None:
            if isinstance(t["text"], str):
                texts["text"] = t["text"].strip()
            else:
                r.problem(f"{where}.text", "must be a string")
        translations[language] = texts
    return translations
