"""DNS messages on the wire: a query decoded into what is worth answering (or refusing), and a
response encoded to fit its transport.

Decoding checks the section counts before parsing, as miekg/dns (CoreDNS) does, so no one packet
causes much work, and drops responses, since answering those invites loops. Encoding sets the
header a recursive server sends and, when a response is too big for the client's UDP buffer,
sends the header and question alone with TC set so the client asks again over TCP (RFC 7766).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dnslib import CLASS, EDNS0, OPCODE, QTYPE, RCODE, RR, DNSHeader, DNSQuestion, DNSRecord
from dnslib.label import DNSBuffer

from netlab.workloads.dns.lookup import Answer, fits_wire

HEADER_SIZE = 12
UDP_MIN, UDP_MAX, TCP_MAX = 512, 4096, 65535  # response size limits (RFC 1035, EDNS0 capped as CoreDNS does)


@dataclass(frozen=True)
class Query:
    """A query worth answering: its header, its one question, and what a UDP response may take."""

    header: DNSHeader
    question: DNSQuestion
    udp_size: int
    edns: bool  # it carried an OPT record, so the response carries one too


@dataclass(frozen=True)
class Rejection:
    """A query refused as a whole (FORMERR, NOTIMP, REFUSED), with its question when readable."""

    header: DNSHeader
    question: DNSQuestion | None
    rcode: int


def decode(packet: bytes) -> Query | Rejection | None:
    """Read a query off the wire. None: drop it (too short for a header, or a response: answering
    those invites loops). The section counts are checked first as miekg/dns (CoreDNS) does, which
    also bounds the parsing work any one packet can cause."""
    if len(packet) < HEADER_SIZE:
        return None
    header = DNSHeader.parse(DNSBuffer(packet))
    if header.qr:
        return None
    if header.opcode != OPCODE.QUERY:
        return Rejection(header, first_question(packet, header), RCODE.NOTIMP)
    if header.q != 1 or header.a > 1 or header.auth > 1 or header.ar > 2:
        return Rejection(header, None, RCODE.FORMERR)
    try:
        record = DNSRecord.parse(packet)
    except Exception:  # DNSError mostly; RecursionError for deep pointer chains, ValueError in some rdata
        return Rejection(header, first_question(packet, header), RCODE.FORMERR)
    question = record.questions[0]
    if not fits_wire(question.qname):
        return Rejection(header, None, RCODE.FORMERR)
    if question.qclass != CLASS.IN:
        return Rejection(header, question, RCODE.REFUSED)
    opt = next((rr for rr in record.ar if rr.rtype == QTYPE.OPT), None)
    udp_size = UDP_MIN if opt is None else min(max(opt.edns_len, UDP_MIN), UDP_MAX)
    return Query(header, question, udp_size, opt is not None)


def first_question(packet: bytes, header: DNSHeader) -> DNSQuestion | None:
    """The first question when it parses and could be sent back, for an error response."""
    if header.q < 1:
        return None
    buffer = DNSBuffer(packet)
    buffer.offset = HEADER_SIZE
    try:
        question = DNSQuestion.parse(buffer)
    except Exception:  # as in decode: whatever dnslib raises, the question is unreadable
        return None
    return question if fits_wire(question.qname) else None


def response_header(query: DNSHeader, rcode: int, authoritative: bool) -> DNSHeader:
    """The response's header: the query's id, opcode, RD and CD; RA since we forward."""
    return DNSHeader(
        id=query.id,
        bitmap=0,
        qr=1,
        opcode=query.opcode,
        aa=int(authoritative),
        rd=query.rd,
        ra=1,
        cd=query.cd,
        rcode=rcode,
    )


def encode_rejection(rejection: Rejection) -> bytes:
    questions = [rejection.question] if rejection.question is not None else []
    return DNSRecord(response_header(rejection.header, rejection.rcode, False), questions).pack()


def build_response(query: Query, answer: Answer, chased: Sequence[RR] = ()) -> DNSRecord:
    record = DNSRecord(
        response_header(query.header, answer.rcode, answer.authoritative),
        [query.question],
        [*answer.answer, *chased],
        auth=list(answer.authority),
        ar=list(answer.additional),
    )
    if query.edns:
        record.add_ar(EDNS0(udp_len=query.udp_size))
    return record


def servfail(query: Query) -> bytes:
    """SERVFAIL, not authoritative; small enough for any transport."""
    return build_response(query, Answer(RCODE.SERVFAIL, authoritative=False)).pack()


def truncated(header: DNSHeader, query: Query) -> bytes:
    """Header and question only, TC set: the client asks again over TCP (RFC 7766 prefers this
    to a partial RRset)."""
    header.tc = 1
    record = DNSRecord(header, [query.question])
    if query.edns:
        record.add_ar(EDNS0(udp_len=query.udp_size))
    return record.pack()


def fit(record: DNSRecord, query: Query, tcp: bool) -> bytes:
    wire = record.pack()
    return wire if len(wire) <= size_limit(query, tcp) else truncated(record.header, query)


def fit_relayed(reply: bytes, query: Query, tcp: bool) -> bytes:
    """An upstream response as it came (the client's id already in place), truncated when too
    big for the client's UDP buffer."""
    if len(reply) <= size_limit(query, tcp):
        return reply
    return truncated(DNSHeader.parse(DNSBuffer(reply)), query)


def size_limit(query: Query, tcp: bool) -> int:
    return TCP_MAX if tcp else query.udp_size


def is_reply_to(reply: bytes, message: bytes) -> bool:
    """Same id and the QR bit: enough with a connected socket and a random id and port."""
    return len(reply) >= HEADER_SIZE and reply[:2] == message[:2] and bool(reply[2] & 0x80)
