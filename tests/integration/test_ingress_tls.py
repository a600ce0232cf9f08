"""Ingress TLS and IngressClass in real namespaces, with the Kubernetes docs' own manifests
(tests/manifests/k8s-docs/): an ingress-nginx controller behind a LoadBalancer Service on 80 and
443, a client on the internet using `curl -k --resolve` as a person would. The default IngressClass
is written into an Ingress created after it (not into one created before); nginx answers the TLS
host with the Secret's certificate, redirects its plain HTTP with 308, and falls back to its own
fake certificate once the Secret is gone. The certificate files are nginx's group's to read only."""

from __future__ import annotations

import subprocess
from pathlib import Path

from harness import REPO, lab_up, netlab

DOCS = REPO / "tests" / "manifests" / "k8s-docs"
LAB = "t-ing-tls"
CONF = Path(f"/run/netlab/{LAB}/ingress/controller-0/nginx.conf")
CERTS = CONF.parent / "certs"
LB = "198.51.100.200"
HOST = "https-example.foo.com"
FAKE = "O=Acme Co; CN=Kubernetes Ingress Controller Fake Certificate"

LAB_FILE = f"""\
name: {LAB}
cluster:
  nodes: [node-1]
outside:
  - name: internet
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: controller}}
    spec:
      replicas: 1
      selector: {{matchLabels: {{app: controller}}}}
      template:
        metadata: {{labels: {{app: controller}}}}
        spec:
          containers:
            - name: controller
              args: [/nginx-ingress-controller]
              ports: [{{name: http, containerPort: 80}}, {{name: https, containerPort: 443}}]
  - apiVersion: v1
    kind: Service
    metadata: {{name: controller}}
    spec:
      type: LoadBalancer
      selector: {{app: controller}}
      ports: [{{name: http, port: 80, targetPort: http}}, {{name: https, port: 443, targetPort: https}}]
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: service1}}
    spec:
      replicas: 2
      selector: {{matchLabels: {{app: service1}}}}
      template:
        metadata: {{labels: {{app: service1}}}}
        spec:
          containers: [{{name: app, args: [netexec, --http-port=8080, --http-override=/hostname]}}]
  - apiVersion: v1
    kind: Service
    metadata: {{name: service1}}
    spec:
      selector: {{app: service1}}
      ports: [{{port: 80, targetPort: 8080}}]
"""


def _curl(*args: str) -> str:
    """curl's verbose trace and output, from the internet host."""
    done = subprocess.run(
        ["ip", "netns", "exec", f"nl-{LAB}.internet", "curl", "-sv", "--max-time", "5", *args],
        capture_output=True,
        text=True,
        timeout=15,
    )
    return done.stderr + done.stdout


def _https(host: str = HOST) -> str:
    return _curl("-k", "--resolve", f"{host}:443:{LB}", f"https://{host}/")


def _subject(trace: str) -> str:
    return next((line.split("subject: ", 1)[1] for line in trace.splitlines() if "subject: " in line), "")


def test_the_docs_tls_example_with_the_default_ingress_class(tmp_path: Path) -> None:
    lab = tmp_path / f"{LAB}.yaml"
    lab.write_text(LAB_FILE)
    with lab_up(str(lab)):
        # created before any default class: it stays without one, and the controller ignores it
        assert netlab("apply", LAB, "-f", str(DOCS / "ingress-tls.yaml")).code == 0
        assert "# not served: Ingress default/tls-example-ingress: no ingressClassName" in CONF.read_text()
        assert netlab("apply", LAB, "-f", str(DOCS / "ingressclass-default.yaml")).code == 0
        assert netlab("apply", LAB, "-f", str(DOCS / "ingressclass-parameters.yaml")).code == 0
        assert "# not served: Ingress default/tls-example-ingress" in CONF.read_text()  # an update: no admission
        # created again after the default class: admission writes nginx-example into it
        assert netlab("delete", LAB, "ingress/tls-example-ingress").code == 0
        applied = netlab("apply", LAB, "-f", str(DOCS / "ingress-tls.yaml"))
        assert applied.code == 0 and "nginx reloaded in controller-0" in applied.out, applied.err
        assert "# class nginx: serves default/tls-example-ingress" in CONF.read_text()

        trace = _https()
        assert _subject(trace) == "CN=https-example.foo.com", trace
        assert trace.rstrip().splitlines()[-1] in {"service1-0", "service1-1"}
        assert "Strict-Transport-Security: max-age=31536000; includeSubDomains" in trace
        plain = _curl("-o", "/dev/null", "-H", f"Host: {HOST}", f"http://{LB}/hostname")
        assert "< HTTP/1.1 308" in plain and f"< Location: https://{HOST}/hostname" in plain, plain
        assert "Strict-Transport-Security" not in plain  # HSTS only over HTTPS
        root = _curl("-o", "/dev/null", "-H", f"Host: {HOST}", f"http://{LB}/")
        assert f"< Location: https://{HOST}\n" in root  # ingress-nginx drops one trailing '/'
        other = _https("other.example")  # no rule, no TLS: the default server, the fake certificate
        assert _subject(other) == FAKE and "< HTTP/1.1 404" in other, other

        pem = CERTS / "default-testsecret-tls.pem"
        assert (pem.stat().st_uid, pem.stat().st_gid, oct(pem.stat().st_mode & 0o777)) == (0, 65534, "0o640")
        assert (CERTS.stat().st_gid, oct(CERTS.stat().st_mode & 0o777)) == (65534, "0o750")

        # the Secret gone: the controller serves its default certificate for the host, and still redirects
        deleted = netlab("delete", LAB, "secret/testsecret-tls")
        assert deleted.code == 0 and "nginx reloaded in controller-0" in deleted.out, deleted.err
        assert not pem.exists()
        assert "Secret default/testsecret-tls does not exist: the default certificate serves it" in CONF.read_text()
        trace = _https()
        assert _subject(trace) == FAKE and trace.rstrip().splitlines()[-1] in {"service1-0", "service1-1"}, trace
        assert "< HTTP/1.1 308" in _curl("-o", "/dev/null", "-H", f"Host: {HOST}", f"http://{LB}/")

        # the Secret back (the Ingress applied again is an update): its certificate again, after a reload
        again = netlab("apply", LAB, "-f", str(DOCS / "ingress-tls.yaml"))
        assert again.code == 0 and "nginx reloaded in controller-0" in again.out, again.err
        assert _subject(_https()) == "CN=https-example.foo.com" and pem.exists()
