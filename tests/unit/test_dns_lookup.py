"""The DNS server's answers, decided from a zone table without sockets (netlab.workloads.dns.lookup)."""

from __future__ import annotations

import pytest
from dnslib import QTYPE, RCODE, DNSLabel

from netlab.workloads.dns.lookup import (
    FORWARD,
    MAX_CNAMES,
    Answer,
    Policy,
    Table,
    ZoneError,
    lookup,
    name_key,
    parse_zone,
)

CLUSTER_ZONE = """\
$ORIGIN cluster.local.
$TTL 5
@ IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 42 7200 1800 86400 5
dns-version 28800 IN TXT "1.1.0"
web.default.svc IN A 10.96.44.201
_http._tcp.web.default.svc IN SRV 0 100 80 web.default.svc.cluster.local.
db.default.svc IN A 10.244.1.5
db.default.svc IN A 10.244.2.5
db-0.db.default.svc IN A 10.244.1.5
db-1.db.default.svc IN A 10.244.2.5
_pg._tcp.db.default.svc IN SRV 0 50 5432 db-0.db.default.svc.cluster.local.
_pg._tcp.db.default.svc IN SRV 0 50 5432 db-1.db.default.svc.cluster.local.
foo.default.svc IN CNAME www.example.com.
alias.default.svc IN CNAME web.default.svc.cluster.local.
dangling.default.svc IN CNAME gone.default.svc.cluster.local.
loop-a.default.svc IN CNAME loop-b.default.svc.cluster.local.
loop-b.default.svc IN CNAME loop-a.default.svc.cluster.local.
201.44.96.10.in-addr.arpa. 5 IN PTR web.default.svc.cluster.local.
"""
CLUSTER = Policy(name_key(DNSLabel("cluster.local")), pods_insecure=True)
INTERNET_ZONE = """\
. 60 IN SOA ns.internet. hostmaster.internet. 1 7200 1800 86400 30
www.example.com. 60 IN A 203.0.113.80
"""
INTERNET = Policy(())


@pytest.fixture(scope="module")
def cluster() -> Table:
    return parse_zone(CLUSTER_ZONE)


def ask(table: Table, name: str, qtype: str, policy: Policy = CLUSTER) -> Answer:
    result = lookup(table, policy, DNSLabel(name), getattr(QTYPE, qtype))
    assert isinstance(result, Answer), f"{name} {qtype} was forwarded"
    return result


def data(records: tuple) -> list[tuple[str, str, str]]:
    """(owner, type, rdata) of each record, owners as spelled in the records."""
    return [(str(rr.rname), QTYPE[rr.rtype], str(rr.rdata)) for rr in records]


def soa_only(answer: Answer) -> None:
    assert [QTYPE[rr.rtype] for rr in answer.authority] == ["SOA"]
    assert str(answer.authority[0].rname) == "cluster.local."
    assert answer.authority[0].ttl == 5


def test_a_record_is_authoritative_with_the_zone_ttl(cluster: Table) -> None:
    answer = ask(cluster, "web.default.svc.cluster.local.", "A")
    assert answer.rcode == RCODE.NOERROR and answer.authoritative
    assert data(answer.answer) == [("web.default.svc.cluster.local.", "A", "10.96.44.201")]
    assert answer.answer[0].ttl == 5 and answer.authority == () and answer.additional == ()


def test_several_records_keep_zone_order(cluster: Table) -> None:
    answer = ask(cluster, "db.default.svc.cluster.local.", "A")
    assert [str(rr.rdata) for rr in answer.answer] == ["10.244.1.5", "10.244.2.5"]


def test_srv_carries_its_targets_addresses_in_additional(cluster: Table) -> None:
    answer = ask(cluster, "_pg._tcp.db.default.svc.cluster.local.", "SRV")
    assert [str(rr.rdata) for rr in answer.answer] == [
        "0 50 5432 db-0.db.default.svc.cluster.local.",
        "0 50 5432 db-1.db.default.svc.cluster.local.",
    ]
    assert data(answer.additional) == [
        ("db-0.db.default.svc.cluster.local.", "A", "10.244.1.5"),
        ("db-1.db.default.svc.cluster.local.", "A", "10.244.2.5"),
    ]


def test_ptr_and_txt(cluster: Table) -> None:
    ptr = ask(cluster, "201.44.96.10.in-addr.arpa.", "PTR")
    assert data(ptr.answer) == [("201.44.96.10.in-addr.arpa.", "PTR", "web.default.svc.cluster.local.")]
    txt = ask(cluster, "dns-version.cluster.local.", "TXT")
    assert data(txt.answer) == [("dns-version.cluster.local.", "TXT", '"1.1.0"')] and txt.answer[0].ttl == 28800


def test_names_compare_case_insensitively_and_answers_keep_the_question_spelling(cluster: Table) -> None:
    answer = ask(cluster, "WeB.DeFault.SVC.Cluster.Local.", "A")
    assert data(answer.answer) == [("WeB.DeFault.SVC.Cluster.Local.", "A", "10.96.44.201")]


def test_any_gives_every_record_of_the_name(cluster: Table) -> None:
    answer = ask(cluster, "db.default.svc.cluster.local.", "ANY")
    assert len(answer.answer) == 2


def test_cname_inside_the_table_is_followed(cluster: Table) -> None:
    answer = ask(cluster, "alias.default.svc.cluster.local.", "A")
    assert data(answer.answer) == [
        ("alias.default.svc.cluster.local.", "CNAME", "web.default.svc.cluster.local."),
        ("web.default.svc.cluster.local.", "A", "10.96.44.201"),
    ]
    assert answer.chase is None


def test_cname_question_gets_the_cname_alone(cluster: Table) -> None:
    answer = ask(cluster, "alias.default.svc.cluster.local.", "CNAME")
    assert data(answer.answer) == [("alias.default.svc.cluster.local.", "CNAME", "web.default.svc.cluster.local.")]


def test_cname_leaving_the_domain_is_chased_upstream(cluster: Table) -> None:
    """ExternalName: the CNAME, then the target's records, which only the upstream knows."""
    answer = ask(cluster, "foo.default.svc.cluster.local.", "A")
    assert answer.rcode == RCODE.NOERROR
    assert data(answer.answer) == [("foo.default.svc.cluster.local.", "CNAME", "www.example.com.")]
    assert answer.chase == (DNSLabel("www.example.com."), QTYPE.A)


def test_cname_to_a_missing_name_inside_the_domain_is_nxdomain(cluster: Table) -> None:
    answer = ask(cluster, "dangling.default.svc.cluster.local.", "A")
    assert answer.rcode == RCODE.NXDOMAIN and len(answer.answer) == 1 and answer.chase is None
    soa_only(answer)


def test_cname_to_a_name_without_the_type_is_nodata(cluster: Table) -> None:
    answer = ask(cluster, "alias.default.svc.cluster.local.", "AAAA")
    assert answer.rcode == RCODE.NOERROR and len(answer.answer) == 1
    soa_only(answer)


def test_cname_loop_ends(cluster: Table) -> None:
    answer = ask(cluster, "loop-a.default.svc.cluster.local.", "A")
    assert [QTYPE[rr.rtype] for rr in answer.answer] == ["CNAME", "CNAME"]


def test_cname_chain_stops_after_the_limit() -> None:
    links = [f"c{i}.cluster.local. 5 IN CNAME c{i + 1}.cluster.local." for i in range(20)]
    table = parse_zone("\n".join(links))
    answer = ask(table, "c0.cluster.local.", "A")
    assert len(answer.answer) == MAX_CNAMES and answer.rcode == RCODE.NOERROR


def test_unknown_name_in_the_domain_is_nxdomain_with_the_soa(cluster: Table) -> None:
    for name in ("nope.default.svc.cluster.local.", "web.prod.svc.cluster.local.", "x.web.default.svc.cluster.local."):
        answer = ask(cluster, name, "A")
        assert answer.rcode == RCODE.NXDOMAIN and answer.answer == (), name
        soa_only(answer)
        assert answer.authority[0].rdata.times == (42, 7200, 1800, 86400, 5)


def test_wrong_type_is_nodata_with_the_soa(cluster: Table) -> None:
    for name, qtype in (
        ("web.default.svc.cluster.local.", "AAAA"),
        ("web.default.svc.cluster.local.", "TXT"),
        ("201.44.96.10.in-addr.arpa.", "A"),
    ):
        answer = ask(cluster, name, qtype)
        assert answer.rcode == RCODE.NOERROR and answer.answer == (), (name, qtype)
    soa_only(ask(cluster, "web.default.svc.cluster.local.", "AAAA"))


def test_reverse_name_held_without_an_soa_has_no_authority(cluster: Table) -> None:
    assert ask(cluster, "201.44.96.10.in-addr.arpa.", "A").authority == ()


def test_empty_non_terminals_are_nodata(cluster: Table) -> None:
    for name in (
        "svc.cluster.local.",
        "default.svc.cluster.local.",
        "_tcp.web.default.svc.cluster.local.",
        "pod.cluster.local.",
        "default.pod.cluster.local.",
    ):
        answer = ask(cluster, name, "A")
        assert answer.rcode == RCODE.NOERROR and answer.answer == (), name
        soa_only(answer)


def test_apex_soa(cluster: Table) -> None:
    answer = ask(cluster, "cluster.local.", "SOA")
    assert data(answer.answer)[0][:2] == ("cluster.local.", "SOA")


def test_pod_names_answer_their_dashed_address(cluster: Table) -> None:
    answer = ask(cluster, "10-244-1-5.default.pod.cluster.local.", "A")
    assert data(answer.answer) == [("10-244-1-5.default.pod.cluster.local.", "A", "10.244.1.5")]
    assert answer.answer[0].ttl == 5


def test_pod_names_other_types_are_nodata(cluster: Table) -> None:
    answer = ask(cluster, "10-244-1-5.any-ns.pod.cluster.local.", "AAAA")
    assert answer.rcode == RCODE.NOERROR and answer.answer == ()
    soa_only(answer)


@pytest.mark.parametrize("label", ["10-244-1", "10-244-1-256", "10-244-01-5", "a-b-c-d", "10-244-1-5-6", "web"])
def test_pod_names_that_are_not_dashed_ipv4_are_nxdomain(cluster: Table, label: str) -> None:
    answer = ask(cluster, f"{label}.default.pod.cluster.local.", "A")
    assert answer.rcode == RCODE.NXDOMAIN and answer.answer == ()
    soa_only(answer)


def test_pod_names_without_pods_insecure_are_nxdomain(cluster: Table) -> None:
    disabled = Policy(CLUSTER.domain)
    for name in ("10-244-1-5.default.pod.cluster.local.", "pod.cluster.local."):
        assert ask(cluster, name, "A", disabled).rcode == RCODE.NXDOMAIN, name


def test_names_outside_the_domain_are_forwarded(cluster: Table) -> None:
    for name, qtype in (
        ("example.org.", "A"),
        ("www.example.com.", "AAAA"),
        ("local.", "SOA"),
        (".", "NS"),
        ("1.0.0.127.in-addr.arpa.", "PTR"),
        ("44.96.10.in-addr.arpa.", "PTR"),
    ):
        assert lookup(cluster, CLUSTER, DNSLabel(name), getattr(QTYPE, qtype)) is FORWARD, name


def test_zone_transfers_are_refused(cluster: Table) -> None:
    assert ask(cluster, "cluster.local.", "AXFR").rcode == RCODE.REFUSED


def test_internet_role_answers_everything_and_forwards_nothing() -> None:
    table = parse_zone(INTERNET_ZONE)
    assert data(ask(table, "WWW.example.com.", "A", INTERNET).answer) == [("WWW.example.com.", "A", "203.0.113.80")]
    for name in ("example.org.", "nope.example.com.", "1.0.0.127.in-addr.arpa."):
        answer = ask(table, name, "A", INTERNET)
        assert answer.rcode == RCODE.NXDOMAIN, name
        assert str(answer.authority[0].rname) == "." and answer.authority[0].ttl == 30
    assert ask(table, "example.com.", "A", INTERNET).rcode == RCODE.NOERROR  # empty non-terminal


def test_zone_without_soa_gives_negative_answers_without_authority() -> None:
    table = parse_zone("www.example.com. 60 IN A 203.0.113.80\n")
    answer = ask(table, "nope.example.com.", "A", INTERNET)
    assert answer.rcode == RCODE.NXDOMAIN and answer.authority == ()


@pytest.mark.parametrize(
    "text",
    [
        "x. 5 IN A 1.2.3",
        "x. 5 IN BOGUS 1",
        "x. 5 IN A",
        f"{'a' * 64}.x. 5 IN A 1.2.3.4",
        ".".join(["abcdefghi"] * 30) + ". 5 IN A 1.2.3.4",
    ],
)
def test_bad_zone_text_raises_zone_error(text: str) -> None:
    with pytest.raises(ZoneError):
        parse_zone(text)
