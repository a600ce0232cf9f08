"""netlab.probe: the command builders and the readers of ping, curl, bind, bridge fdb and tcpdump.

The samples are what the real tools print (iputils ping 20221126, curl 7.88.1, iproute2 6.1
`bridge -j`, tcpdump 4.99.3), captured in a throwaway namespace and shortened, with lab addresses;
the curl 8 line follows curl's lib/cf-socket.c.
"""

from __future__ import annotations

import json

from netlab.probe import bind, bridge, capture, http, ping

NETNS = "nl-lab-pod-a"
PREFIX = ["ip", "netns", "exec", NETNS]

PING_OK = """\
PING 10.244.1.3 (10.244.1.3) 56(84) bytes of data.
64 bytes from 10.244.1.3: icmp_seq=1 ttl=64 time=0.042 ms
64 bytes from 10.244.1.3: icmp_seq=2 ttl=64 time=0.040 ms

--- 10.244.1.3 ping statistics ---
2 packets transmitted, 2 received, 0% packet loss, time 203ms
rtt min/avg/max/mdev = 0.040/0.041/0.042/0.001 ms
"""
PING_LOST = """\
PING 10.244.1.9 (10.244.1.9) 56(84) bytes of data.

--- 10.244.1.9 ping statistics ---
2 packets transmitted, 0 received, 100% packet loss, time 203ms

"""
PING_HOST_UNREACHABLE = """\
PING 10.0.0.9 (10.0.0.9) 56(84) bytes of data.
From 10.0.0.1 icmp_seq=1 Destination Host Unreachable
From 10.0.0.1 icmp_seq=2 Destination Host Unreachable

--- 10.0.0.9 ping statistics ---
2 packets transmitted, 0 received, +2 errors, 100% packet loss, time 1019ms
"""

CURL_REFUSED = """\
*   Trying 10.0.0.1:80...
* connect to 10.0.0.1 port 80 failed: Connection refused
* Failed to connect to 10.0.0.1 port 80 after 0 ms: Couldn't connect to server
* Closing connection 0
curl: (7) Failed to connect to 10.0.0.1 port 80 after 0 ms: Couldn't connect to server
"""
# curl 8.x (lib/cf-socket.c) also names the local end: "connect to %s port %u from %s port %d failed: %s"
CURL8_REFUSED = """\
*   Trying 10.0.0.1:80...
* connect to 10.0.0.1 port 80 from 10.0.0.2 port 45678 failed: Connection refused
* Failed to connect to 10.0.0.1 port 80 after 0 ms: Could not connect to server
curl: (7) Failed to connect to 10.0.0.1 port 80 after 0 ms: Could not connect to server
"""
CURL_NET_UNREACHABLE = """\
*   Trying 10.9.9.9:80...
* Immediate connect fail for 10.9.9.9: Network is unreachable
* Failed to connect to 10.9.9.9 port 80 after 0 ms: Couldn't connect to server
* Closing connection 0
curl: (7) Failed to connect to 10.9.9.9 port 80 after 0 ms: Couldn't connect to server
"""
CURL_TIMEOUT = """\
*   Trying 10.244.2.9:8080...
* Connection timed out after 2001 milliseconds
* Closing connection 0
curl: (28) Connection timed out after 2001 milliseconds
"""

# `bridge -j fdb show br cni0`: the bridge's own (self) and the ports' own (permanent) entries
# around one learned MAC per pod.
FDB = json.dumps(
    [
        {"mac": "33:33:00:00:00:01", "ifname": "cni0", "flags": ["self"], "state": "permanent"},
        {"mac": "01:00:5e:00:00:01", "ifname": "cni0", "flags": ["self"], "state": "permanent"},
        {"mac": "02:27:1d:e2:57:45", "ifname": "veth4de2dee7", "flags": [], "master": "cni0", "state": ""},
        {"mac": "76:e1:94:bf:c5:ca", "ifname": "veth4de2dee7", "flags": [], "master": "cni0", "state": "permanent"},
        {"mac": "33:33:00:00:00:01", "ifname": "veth4de2dee7", "flags": ["self"], "state": "permanent"},
        {"mac": "02:82:52:bf:c7:d6", "ifname": "vetha5f0f68d", "flags": [], "master": "cni0", "state": "stale"},
    ]
)

TCPDUMP_OUT = """\
12:00:00.000001 IP 10.244.1.2 > 10.244.2.2: ICMP echo request, id 7, seq 1, length 64
12:00:00.000042 IP 10.244.2.2 > 10.244.1.2: ICMP echo reply, id 7, seq 1, length 64
12:00:00.200001 IP 10.244.1.2 > 10.244.2.2: ICMP echo request, id 7, seq 2, length 64
12:00:00.200040 IP 10.244.2.2 > 10.244.1.2: ICMP echo reply, id 7, seq 2, length 64
"""
TCPDUMP_ERR = """\
tcpdump: verbose output suppressed, use -v[v]... for full protocol decode
listening on br0, link-type EN10MB (Ethernet), snapshot length 262144 bytes
4 packets captured
4 packets received by filter
0 packets dropped by kernel
"""


# -- command builders: inside the namespace, argv lists, bounded ---------------------------------
def test_ping_command_is_bounded_in_count_and_wait() -> None:
    argv = ping.command(NETNS, "10.244.1.3")
    assert argv[:4] == PREFIX and argv[4] == "ping" and argv[-1] == "10.244.1.3"
    assert argv[argv.index("-c") + 1] == "2" and argv[argv.index("-W") + 1] == "1"


def test_curl_command_is_bounded_in_time_and_prints_the_status() -> None:
    argv = http.command(NETNS, "http://10.244.1.3:8080/hostname")
    assert argv[:4] == PREFIX and argv[4] == "curl" and argv[-1] == "http://10.244.1.3:8080/hostname"
    assert argv[argv.index("--max-time") + 1] == "3" and argv[argv.index("--connect-timeout") + 1] == "2"
    assert argv[argv.index("-w") + 1] == "\n%{remote_ip}\n%{http_code}"
    assert "-v" in argv  # the trace names why a connect failed
    assert "-H" not in argv


def test_curl_sends_the_checks_headers() -> None:
    argv = http.command(NETNS, "http://198.51.100.200/", (("Host", "a.example"), ("X-Forwarded-For", "192.0.2.66")))
    headers = [argv[i + 1] for i, arg in enumerate(argv) if arg == "-H"]
    assert headers == ["Host: a.example", "X-Forwarded-For: 192.0.2.66"] and argv[-1] == "http://198.51.100.200/"


def test_tcpdump_command_is_bounded_in_packets() -> None:
    argv = capture.command(NETNS, "icmp and host 10.244.1.2", "br0")
    assert argv[:4] == PREFIX and argv[4] == "tcpdump"
    assert argv[argv.index("-c") + 1] == "1000" and argv[argv.index("-i") + 1] == "br0"
    assert argv[-4:] == ["icmp", "and", "host", "10.244.1.2"]


def test_tcpdump_listens_on_every_interface_by_default() -> None:
    argv = capture.command(NETNS, "udp port 8472")
    assert argv[argv.index("-i") + 1] == "any"


def test_bind_command_passes_port_and_protocol() -> None:
    argv = bind.command(NETNS, 8080, "UDP")
    assert argv[:4] == PREFIX and argv[4:6] == ["python3", "-c"] and argv[-2:] == ["8080", "UDP"]


def test_bridge_command_shows_one_bridge_as_json() -> None:
    assert bridge.command(NETNS, "cni0") == [*PREFIX, "bridge", "-j", "fdb", "show", "br", "cni0"]


# -- ping ----------------------------------------------------------------------------------------
def test_ping_replies() -> None:
    assert ping.read(0, PING_OK, "") == ping.PingResult(True, "2/2 replies, rtt 0.041 ms")


def test_ping_total_loss_is_a_timeout() -> None:
    assert ping.read(1, PING_LOST, "") == ping.PingResult(False, "no reply (timeout)")


def test_ping_without_a_route() -> None:
    assert ping.read(2, "", "ping: connect: Network is unreachable\n") == ping.PingResult(
        False, "no route (network unreachable)"
    )


def test_ping_destination_host_unreachable() -> None:
    assert ping.read(1, PING_HOST_UNREACHABLE, "") == ping.PingResult(False, "no route (host unreachable)")


# -- curl -----------------------------------------------------------------------------------------
def test_http_answer_has_body_and_status() -> None:
    assert http.read(0, "pod-b\n10.244.1.3\n200", "") == http.HttpResult(True, 200, "pod-b", peer="10.244.1.3")


def test_http_error_status_is_still_an_answer() -> None:
    assert http.read(0, "404 page not found\n\n10.0.0.1\n404", "") == http.HttpResult(
        True, 404, "404 page not found\n", peer="10.0.0.1"
    )


def test_http_refused_names_the_reason() -> None:
    assert http.read(7, "\n000", CURL_REFUSED) == http.HttpResult(False, error="connection refused")


def test_http_timeout() -> None:
    assert http.read(28, "\n000", CURL_TIMEOUT) == http.HttpResult(False, error="timeout")


def test_http_other_failures_say_the_curl_exit_code() -> None:
    assert http.read(6, "", "curl: (6) Could not resolve host: web\n").error == "name not resolved"
    assert http.read(35, "", "").error == "curl failed (35)"


def test_http_refused_with_curl_8() -> None:
    assert http.read(7, "\n000", CURL8_REFUSED) == http.HttpResult(False, error="connection refused")


def test_http_without_a_route_names_the_reason() -> None:
    assert http.read(7, "\n000", CURL_NET_UNREACHABLE) == http.HttpResult(False, error="network is unreachable")


# -- bind -----------------------------------------------------------------------------------------
def test_bind_port_in_use() -> None:
    assert bind.read(1, "Address already in use\n") == (True, "Address already in use")


def test_bind_port_free() -> None:
    assert bind.read(0, "free\n") == (False, "free")


def test_bind_probe_that_did_not_run_is_not_in_use() -> None:
    assert bind.read(1, "") == (False, "no answer")


# -- bridge fdb -----------------------------------------------------------------------------------
def test_bridge_reads_learned_macs_only() -> None:
    assert bridge.read(FDB) == {"02:27:1d:e2:57:45": "veth4de2dee7", "02:82:52:bf:c7:d6": "vetha5f0f68d"}


def test_bridge_without_entries() -> None:
    assert bridge.read("") == bridge.read("[]") == {}


# -- tcpdump --------------------------------------------------------------------------------------
def test_capture_counts_packets_and_gives_an_example() -> None:
    assert capture.read(TCPDUMP_OUT, TCPDUMP_ERR) == (4, TCPDUMP_OUT.splitlines()[0])


def test_capture_of_nothing() -> None:
    assert capture.read("", TCPDUMP_ERR.replace("4 packets", "0 packets")) == (0, "")


def test_capture_counts_lines_when_tcpdump_was_killed_before_its_summary() -> None:
    assert capture.read(TCPDUMP_OUT, "listening on br0, link-type EN10MB (Ethernet)\n")[0] == 4
