"""What the applier compares after loading a kube-proxy table (pure).

`nft list table` prints its own normal form (priorities as `dstnat - 10`, `mark set mark or` as
`meta mark set meta mark |`, elements in hash order and wrapped, `size 65535` added to dynamic
sets), so the listing is not compared as text: after a full sync the applier compares
`listed_chains(out) == expected_chains(script)` and `listed_elements(out) ==
expected_elements(script)`, out being `nft -j list table ip kube-proxy`. After a partial sync it
checks only what the transaction touched (`touched`), over netlink: listing a table of 10000
Services takes nft 1.0.6 about 6 s. `programmed` reads a listing back as Services for `status`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from netlab.render.nftables import FAMILY, TABLE

_DECLARED = re.compile(rf"^add (chain|set|map) {FAMILY} {TABLE} (\S+)")
_DELETED = re.compile(rf"^delete (chain|set) {FAMILY} {TABLE} (\S+)$")
_ELEMENT = re.compile(rf'^add element {FAMILY} {TABLE} (\S+) {{ (.*?)(?: comment "[^"]*")?(?: : (.*))? }}$')
_DELETED_ELEMENT = re.compile(rf"^delete element {FAMILY} {TABLE} (\S+) {{ (.*) }}$")
_DYNAMIC_PREFIX = "affinity-"  # filled by traffic (`update @set`), not by the transaction


@dataclass(frozen=True)
class Touched:
    """What a transaction leaves behind for each object it names: whether each chain and set
    exists, and each element's value (`goto X`, `drop`; "" for a plain set's key; None: gone)."""

    chains: dict[str, bool]
    sets: dict[str, bool]
    elements: dict[tuple[str, str], str | None]


def touched(script: str) -> Touched:
    """The objects a (partial) transaction adds or deletes, as they must be after it; a later
    line wins (a changed element is deleted, then added)."""
    chains: dict[str, bool] = {}
    sets: dict[str, bool] = {}
    elements: dict[tuple[str, str], str | None] = {}
    for line in script.splitlines():
        if m := _DECLARED.match(line) or _DELETED.match(line):
            (chains if m[1] == "chain" else sets)[m[2]] = line.startswith("add ")
        elif m := _ELEMENT.match(line):
            elements[m[1], m[2]] = m[3] or ""
        elif m := _DELETED_ELEMENT.match(line):
            elements[m[1], m[2]] = None
    return Touched(chains, sets, elements)


def expected_chains(rendered: str) -> set[str]:
    """Every chain the script creates."""
    return {m[2] for m in map(_DECLARED.match, rendered.splitlines()) if m and m[1] == "chain"}


def expected_elements(rendered: str) -> dict[str, set[str]]:
    """Every set and map the script creates, with its elements as `key` or `key : verdict`
    (element comments left out); affinity sets are there, always empty."""
    found: dict[str, set[str]] = {}
    for line in rendered.splitlines():
        if (m := _DECLARED.match(line)) and m[1] != "chain":
            found[m[2]] = set()
        elif m := _ELEMENT.match(line):
            found[m[1]].add(m[2] + (f" : {m[3]}" if m[3] else ""))
    return found


def _objects(nft_json: str, kinds: tuple[str, ...]) -> list[dict]:
    return [obj[kind] for obj in json.loads(nft_json)["nftables"] for kind in kinds if kind in obj]


def listed_chains(nft_json: str) -> set[str]:
    """The chains in the output of `nft -j list table ip kube-proxy`."""
    return {chain["name"] for chain in _objects(nft_json, ("chain",))}


def listed_elements(nft_json: str) -> dict[str, set[str]]:
    """The sets and maps in the output of `nft -j list table ip kube-proxy`, shaped as
    `expected_elements` shapes them (what traffic put into affinity sets is left out)."""
    found: dict[str, set[str]] = {}
    for obj in _objects(nft_json, ("set", "map")):
        dynamic = obj["name"].startswith(_DYNAMIC_PREFIX)
        found[obj["name"]] = set() if dynamic else {_json_element(e) for e in obj.get("elem", ())}
    return found


def _json_element(elem: object) -> str:
    if isinstance(elem, list):  # a map element: [key, value]
        return f"{_json_element(elem[0])} : {_json_verdict(elem[1])}"
    if isinstance(elem, dict) and "elem" in elem:  # a key with a comment or timeout
        return _json_element(elem["elem"]["val"])
    if isinstance(elem, dict) and "concat" in elem:
        return " . ".join(str(part) for part in elem["concat"])
    return str(elem)


def _json_verdict(value: dict) -> str:
    ((verdict, arg),) = value.items()
    return f"{verdict} {arg['target']}" if isinstance(arg, dict) else verdict


def programmed(nft_json: str) -> dict[str, tuple[str | None, list[str]]]:
    """What `nft -j list table ip kube-proxy` says is programmed, per service port (`ns/svc:port`):
    its ClusterIP frontend (`ip:port/PROTO`, from service-ips, or no-endpoint-services when it has
    no endpoints) and the endpoints its endpoint chains DNAT to. A LoadBalancer IP's elements
    (in service-ips leading to an `external-` chain, in no-endpoint-services an address not in
    cluster-ips) are not its frontend."""
    found: dict[str, tuple[str | None, list[str]]] = {}
    sets = _objects(nft_json, ("set",))
    listed = [{_json_element(e) for e in s.get("elem", ())} for s in sets if s.get("name") == "cluster-ips"]
    cluster_ips = listed[0] if listed else None  # None: not in the listing, every address may be one

    def port_name(chain: str) -> str:  # service-HASH-ns/svc/proto/port[__ip/port] -> ns/svc:port
        namespace, service, _proto, port = chain.split("-", 2)[2].split("__")[0].split("/")
        return f"{namespace}/{service}" + (f":{port}" if port else "")

    for obj in _objects(nft_json, ("map", "rule")):
        if obj.get("name") in ("service-ips", "no-endpoint-services"):
            for key, verdict in obj.get("elem", ()):
                commented = key.get("elem", {})
                ip, proto, port = commented.get("val", key)["concat"]
                target = verdict.get("goto", {}).get("target", "") if isinstance(verdict, dict) else ""
                if target.startswith("external-") or (cluster_ips is not None and ip not in cluster_ips):
                    continue
                name = commented.get("comment") or port_name(target)
                found[name] = (f"{ip}:{port}/{proto.upper()}", found.get(name, (None, []))[1])
        elif obj.get("chain", "").startswith("endpoint-"):
            for expr in obj["expr"]:
                if "dnat" in expr:
                    name = port_name(obj["chain"])
                    frontend, endpoints = found.get(name, (None, []))
                    found[name] = (frontend, sorted([*endpoints, f"{expr['dnat']['addr']}:{expr['dnat']['port']}"]))
    return found
