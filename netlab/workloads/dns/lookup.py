"""What the DNS server answers, decided without sockets: the table, one question, one outcome.

The rules are CoreDNS's as the kubernetes plugin applies them (docs/cluster-dns.md):
names compare case-insensitively and answers keep the question's spelling; a name that exists
without the asked type is NODATA, a name under the served domain that does not exist is
NXDOMAIN, and both negative answers carry the enclosing SOA (its minimum is the negative TTL);
a CNAME is followed inside the table, or handed to the upstream when it leaves the domain
(ExternalName); names outside the domain that the table does not hold go to the upstream.
"""

from __future__ import annotations

from dataclasses import dataclass

from dnslib import QTYPE, RCODE, RR, A, DNSLabel, ZoneParser

Name = tuple[bytes, ...]  # lowercase labels, most specific first; the root is ()

TYPE_A, TYPE_AAAA, TYPE_CNAME, TYPE_SOA, TYPE_SRV = QTYPE.A, QTYPE.AAAA, QTYPE.CNAME, QTYPE.SOA, QTYPE.SRV
TYPE_ANY, ZONE_TRANSFERS = QTYPE.ANY, frozenset({QTYPE.AXFR, QTYPE.IXFR})
MAX_CNAMES = 8  # a longer chain is answered as far as it goes, as resolvers give up anyway
DEFAULT_POD_TTL = 5  # the kubernetes plugin's default TTL, for a zone without an SOA
MAX_LABEL, MAX_NAME = 63, 255  # RFC 1035 limits, in bytes on the wire


class ZoneError(Exception):
    """The zone text does not parse; whoever loads it keeps the table it had."""


def name_key(name: DNSLabel) -> Name:
    """The comparable form of a name: DNS names are case-insensitive (ASCII only)."""
    return tuple(label.lower() for label in name.label)


def fits_wire(name: DNSLabel) -> bool:
    """True when the name can be encoded: labels of 1..63 bytes, 255 bytes in all."""
    labels = name.label
    return all(0 < len(label) <= MAX_LABEL for label in labels) and sum(len(x) + 1 for x in labels) + 1 <= MAX_NAME


def below(name: Name, apex: Name) -> bool:
    """True when `name` is `apex` or a descendant of it."""
    return len(name) >= len(apex) and name[len(name) - len(apex) :] == apex


@dataclass(frozen=True)
class Table:
    """The records of a zone by owner, in zone-file order, with what answering needs precomputed:
    every proper ancestor of an owner (the empty non-terminals) and the SOAs by owner."""

    owners: dict[Name, tuple[RR, ...]]
    ancestors: frozenset[Name]
    soas: dict[Name, RR]

    def records(self, name: Name, rtype: int) -> tuple[RR, ...]:
        """The owner's records of one type (all of them for ANY)."""
        found = self.owners.get(name, ())
        return found if rtype == TYPE_ANY else tuple(rr for rr in found if rr.rtype == rtype)

    def closest_soa(self, name: Name) -> RR | None:
        """The SOA of the closest enclosing zone apex in the table, if any."""
        return next((self.soas[name[i:]] for i in range(len(name) + 1) if name[i:] in self.soas), None)


def parse_zone(text: str) -> Table:
    """Build a table from RFC 1035 master-file text ($ORIGIN, $TTL; one `name [ttl] [class] type
    rdata` per line, parentheses for continuation). Raises ZoneError for text dnslib rejects and
    for owner names that could not go on the wire."""
    try:
        records = list(ZoneParser(text))
    except Exception as exc:  # dnslib raises DNSError, ValueError, IndexError, UnicodeError... for bad text
        raise ZoneError(f"{type(exc).__name__}: {exc}") from exc
    owners: dict[Name, list[RR]] = {}
    for rr in records:
        if not fits_wire(rr.rname):
            raise ZoneError(f"owner name too long: {rr.rname}")
        owners.setdefault(name_key(rr.rname), []).append(rr)
    ancestors = frozenset(owner[i:] for owner in owners for i in range(1, len(owner) + 1))
    soas = {owner: soa[0] for owner, rrs in owners.items() if (soa := [rr for rr in rrs if rr.rtype == TYPE_SOA])}
    return Table({owner: tuple(rrs) for owner, rrs in owners.items()}, ancestors, soas)


@dataclass(frozen=True)
class Policy:
    """What the command line says about answering: the domain served (the root for the internet
    role) and whether `<dashed-ip>.<ns>.pod.<domain>` is answered from the name alone."""

    domain: Name
    pods_insecure: bool = False

    @property
    def pod_zone(self) -> Name:
        return (b"pod", *self.domain)

    def covers(self, name: Name) -> bool:
        """True for names this server is the authority for (NXDOMAIN when unknown)."""
        return below(name, self.domain)


@dataclass(frozen=True)
class Answer:
    """A response decided from the table. `chase` is a (name, type) the server still asks the
    upstream for, appending the answer records it gets to `answer` (a CNAME leaving the domain)."""

    rcode: int
    answer: tuple[RR, ...] = ()
    authority: tuple[RR, ...] = ()
    additional: tuple[RR, ...] = ()
    authoritative: bool = True
    chase: tuple[DNSLabel, int] | None = None


@dataclass(frozen=True)
class Forward:
    """Not ours: relay the query to the upstream as it came, and its response to the client."""


FORWARD = Forward()


def lookup(table: Table, policy: Policy, qname: DNSLabel, qtype: int) -> Answer | Forward:
    """Decide the response to one question (class IN, already validated on the wire)."""
    name = name_key(qname)
    if qtype in ZONE_TRANSFERS:
        return Answer(RCODE.REFUSED, authoritative=False)
    if policy.pods_insecure and len(name) == len(policy.pod_zone) + 2 and below(name, policy.pod_zone):
        return pod_answer(table, policy, qname, qtype)
    if exists(table, policy, name):
        return answer_existing(table, policy, qname, qtype)
    if policy.covers(name):
        return negative(table, name, RCODE.NXDOMAIN)
    return FORWARD


def exists(table: Table, policy: Policy, name: Name) -> bool:
    """An owner, or an empty non-terminal inside the domain (`svc.cluster.local.`); with pods
    insecure, `pod.<domain>` and `<ns>.pod.<domain>` exist too (NODATA, as in CoreDNS)."""
    if name in table.owners:
        return True
    if not policy.covers(name):
        return False
    pod_enclosure = policy.pods_insecure and below(name, policy.pod_zone) and len(name) <= len(policy.pod_zone) + 1
    return name in table.ancestors or pod_enclosure


def pod_answer(table: Table, policy: Policy, qname: DNSLabel, qtype: int) -> Answer:
    """`10-244-1-5.<ns>.pod.<domain>` is A 10.244.1.5 whether or not such a pod exists (`pods
    insecure`); a first label that is not a dashed IPv4 address is NXDOMAIN."""
    name = name_key(qname)
    address = dashed_ipv4(name[0])
    if address is None:
        return negative(table, name, RCODE.NXDOMAIN)
    if qtype not in (TYPE_A, TYPE_ANY):
        return negative(table, name, RCODE.NOERROR)
    soa = table.closest_soa(policy.domain)
    ttl = soa.rdata.times[4] if soa is not None else DEFAULT_POD_TTL
    return Answer(RCODE.NOERROR, (RR(qname, TYPE_A, ttl=ttl, rdata=A(address)),))


def dashed_ipv4(label: bytes) -> str | None:
    """`10-244-1-5` -> `10.244.1.5`; None unless four decimal parts 0..255 without leading zeros
    (Go's net.ParseIP, which CoreDNS uses, rejects those)."""
    parts = label.split(b"-")
    valid = len(parts) == 4 and all(
        part.isdigit() and len(part) <= 3 and int(part) <= 255 and (part == b"0" or not part.startswith(b"0"))
        for part in parts
    )
    return b".".join(parts).decode() if valid else None


def answer_existing(table: Table, policy: Policy, qname: DNSLabel, qtype: int) -> Answer:
    """A name that exists: its records of the type, else its CNAME followed, else NODATA."""
    name = name_key(qname)
    records = table.records(name, qtype)
    if records:
        answer = tuple(renamed(rr, qname) for rr in records)
        return Answer(RCODE.NOERROR, answer, additional=srv_targets(table, answer))
    cnames = table.records(name, TYPE_CNAME)
    if cnames:
        return follow_cname(table, policy, renamed(cnames[0], qname), qtype)
    return negative(table, name, RCODE.NOERROR)


def follow_cname(table: Table, policy: Policy, cname: RR, qtype: int) -> Answer:
    """The CNAME, then its target's records of the type: from the table while the chain stays in
    it (MAX_CNAMES links, a loop stops it), else a chase for the upstream when the target is
    outside the domain; a target missing inside the domain ends in NXDOMAIN (RFC 6604)."""
    chain = [cname]
    seen = {name_key(cname.rname)}
    while True:
        target = chain[-1].rdata.label
        key = name_key(target)
        if key in seen:
            break
        seen.add(key)
        if not exists(table, policy, key):
            if policy.covers(key):
                return negative(table, key, RCODE.NXDOMAIN, tuple(chain))
            return Answer(RCODE.NOERROR, tuple(chain), chase=(target, qtype))
        records = table.records(key, qtype)
        if records:
            answer = (*chain, *records)
            return Answer(RCODE.NOERROR, answer, additional=srv_targets(table, answer))
        cnames = table.records(key, TYPE_CNAME)
        if not cnames:
            return negative(table, key, RCODE.NOERROR, tuple(chain))
        if len(chain) == MAX_CNAMES:
            break
        chain.append(cnames[0])
    return Answer(RCODE.NOERROR, tuple(chain))


def negative(table: Table, name: Name, rcode: int, answer: tuple[RR, ...] = ()) -> Answer:
    """NXDOMAIN or NODATA with the enclosing SOA, its TTL capped at the SOA minimum (RFC 2308)."""
    soa = table.closest_soa(name)
    if soa is None:
        return Answer(rcode, answer)
    negative_ttl = min(soa.ttl, soa.rdata.times[4])
    return Answer(rcode, answer, (RR(soa.rname, TYPE_SOA, soa.rclass, negative_ttl, soa.rdata),))


def srv_targets(table: Table, answer: tuple[RR, ...]) -> tuple[RR, ...]:
    """The A and AAAA records the table holds for the answer's SRV targets (CoreDNS adds them)."""
    targets = dict.fromkeys(name_key(rr.rdata.target) for rr in answer if rr.rtype == TYPE_SRV)
    return tuple(rr for target in targets for rr in table.owners.get(target, ()) if rr.rtype in (TYPE_A, TYPE_AAAA))


def renamed(rr: RR, owner: DNSLabel) -> RR:
    """The record under the owner name as the question spelled it (0x20 clients compare it)."""
    return RR(owner, rr.rtype, rr.rclass, rr.ttl, rr.rdata)
