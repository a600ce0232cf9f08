"""Ingress TLS and IngressClass (pure): the certificates kubernetes.io/tls Secrets hold
(netlab.model.tls), the default class the API server writes into an Ingress, ingress-nginx's
class matching and its choice of certificate per host (netlab.render.ingress), the https probe.
Bad files are goldens in tests/errors (ingress-tls-bad)."""

from __future__ import annotations

import base64
import textwrap
from pathlib import Path

import yaml

from netlab.model import load_lab
from netlab.model.edit import delete
from netlab.model.ingress import ControllerFlags, controller_flags
from netlab.model.lab import Container, Ingress, IngressClass, IngressRule
from netlab.model.tls import FAKE_SUBJECT, certificate, usable_certificates
from netlab.plan import make_plan
from netlab.plan.model import LabPlan
from netlab.probe import http
from netlab.render.ingress import DEFAULT_CERTIFICATE, ingress_config, planned_certificates, render_nginx_conf

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "tests" / "manifests" / "k8s-docs"
CERTS = "/run/x/certs"
NGINX = ControllerFlags()


def docs(name: str) -> list[dict]:
    return [d for d in yaml.safe_load_all((DOCS / name).read_text()) if d]


def docs_secret() -> dict[str, str]:
    data = docs("ingress-tls.yaml")[0]["data"]
    return {key: base64.b64decode(value).decode() for key, value in data.items()}


def lab_of(tmp_path: Path, objects: list[dict], args: str = "") -> LabPlan:
    """A one-node lab with a controller pod (its args after the binary), a Service service1, and `objects`."""
    head = f"""\
name: t-tls
cluster: {{nodes: [node-1]}}
objects:
  - apiVersion: v1
    kind: Pod
    metadata: {{name: controller}}
    spec: {{containers: [{{name: c, args: [/nginx-ingress-controller{args}]}}]}}
  - apiVersion: v1
    kind: Service
    metadata: {{name: service1}}
    spec: {{selector: {{app: x}}, ports: [{{port: 80}}]}}
"""
    path = tmp_path / "lab.yaml"
    path.write_text(head + textwrap.indent(yaml.safe_dump(objects, sort_keys=False), "  "))
    return make_plan(load_lab(path))


def config_of(plan: LabPlan, flags: ControllerFlags = NGINX):
    return ingress_config(plan, flags, planned_certificates(plan, flags, CERTS))


def tls_ingress(
    name: str = "tls-example-ingress", tls: list | None = None, host: str = "https-example.foo.com"
) -> dict:
    ing = docs("ingress-tls.yaml")[1]
    ing["metadata"]["name"] = name
    ing["spec"]["rules"][0]["host"] = host
    if tls is not None:
        ing["spec"]["tls"] = tls
    return ing


DEFAULT_CLASS = docs("ingressclass-default.yaml")[0]


# -- certificates -------------------------------------------------------------------------------
def test_a_secrets_certificate_is_read_from_its_pem() -> None:
    cert, why = certificate(docs_secret())
    assert why == "" and cert is not None
    assert (cert.common_name, cert.dns_names, cert.subject) == ("https-example.foo.com", (), "CN=https-example.foo.com")
    assert cert.matches("https-example.foo.com") and cert.matches("HTTPS-example.foo.com.")
    assert not cert.matches("other.foo.com")
    lab = load_lab(REPO / "labs" / "ingress-http.yaml")
    [(key, ours)] = usable_certificates(lab.config).items()
    assert key == "default/testsecret-tls" and ours.dns_names == ("https-example.foo.com",)


def test_a_certificate_is_valid_for_its_dns_names_and_wildcards_cover_one_label() -> None:
    cert, _ = certificate(docs_secret())
    assert cert is not None
    wild = type(cert)("x", "", ("*.foo.com",), "")
    assert wild.matches("a.foo.com") and not wild.matches("a.b.foo.com") and not wild.matches("foo.com")
    assert not wild.matches("x")  # with DNS names, the CN does not count


def test_what_a_controller_cannot_use_is_named() -> None:
    good = docs_secret()
    assert certificate({"tls.crt": good["tls.crt"]})[1] == "no tls.key"
    assert certificate({**good, "tls.crt": "not a pem"})[1] == "tls.crt holds no PEM certificate"
    assert certificate({**good, "tls.key": good["tls.crt"]})[1] == "tls.key holds no PEM private key"
    garbage = "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n"
    assert certificate({**good, "tls.crt": garbage})[1] == "tls.crt is not an X.509 certificate"


# -- IngressClass and the default class ---------------------------------------------------------
def test_the_default_class_is_written_into_ingresses_created_after_it(tmp_path: Path) -> None:
    before = tls_ingress("before")
    plan = lab_of(tmp_path, [before, DEFAULT_CLASS, tls_ingress("after", host="b.foo.com")])
    classes = {i.name: i.ingress_class for i in plan.lab.ingresses}
    assert classes == {"before": None, "after": "nginx-example"}
    assert plan.lab.ingress_classes == (IngressClass("nginx-example", "k8s.io/ingress-nginx", default=True),)
    config = config_of(plan)
    assert config.served == ("default/after",)
    assert config.notes[0] == (
        "Ingress default/before: no ingressClassName (and no default IngressClass), "
        "--watch-ingress-without-class is false"
    )


def test_with_two_default_classes_the_newest_is_written(tmp_path: Path) -> None:
    second = {**DEFAULT_CLASS, "metadata": {**DEFAULT_CLASS["metadata"], "name": "newer"}}
    plan = lab_of(tmp_path, [DEFAULT_CLASS, second, tls_ingress()])
    assert plan.lab.ingresses[0].ingress_class == "newer"


def test_a_class_is_served_when_its_controller_is_the_controllers_class(tmp_path: Path) -> None:
    other = docs("ingressclass-parameters.yaml")[0]  # example.com/ingress-controller; parameters ignored
    theirs = {
        **tls_ingress("theirs", host="b.foo.com"),
        "spec": {**tls_ingress()["spec"], "ingressClassName": "external-lb"},
    }
    plan = lab_of(tmp_path, [other, DEFAULT_CLASS, tls_ingress(), theirs])
    config = config_of(plan)
    assert config.served == ("default/tls-example-ingress",)
    assert (
        "Ingress default/theirs: class external-lb is example.com/ingress-controller's, not this controller's"
        in (config.notes[0])
    )
    by_name = ControllerFlags(ingress_class="external-lb", class_by_name=True)
    assert config_of(plan, by_name).served == ("default/tls-example-ingress", "default/theirs")
    classless = Ingress("x", "default", (IngressRule("", ()),))
    assert ControllerFlags(watch_without_class=True).serves(classless, ())
    assert not ControllerFlags().serves(classless, ())


def test_the_controllers_tls_flags() -> None:
    argv = (
        "/nginx-ingress-controller",
        "--https-port",
        "8443",
        "--default-ssl-certificate=ns/tls",
        "--watch-ingress-without-class",
    )
    flags, problems = controller_flags(Container("c", args=argv))
    assert problems == []
    assert (flags.https_port, flags.default_certificate, flags.watch_without_class) == (8443, ("ns", "tls"), True)
    same = Container("c", args=("/nginx-ingress-controller", "--https-port=80"))
    assert controller_flags(same)[1] == ["--https-port: 80 is the --http-port too"]
    assert controller_flags(Container("c", args=("/nginx-ingress-controller", "--ingress-class-by-name=F")))[0] == (
        ControllerFlags()
    )


def test_delete_takes_an_ingressclass_by_name_alone() -> None:
    text = yaml.safe_dump({"name": "x", "objects": [{**DEFAULT_CLASS, "metadata": {"name": "c", "namespace": "x"}}]})
    assert yaml.safe_load(delete(text, ["ingressclass/c"]))["objects"] == []


def test_an_ingress_keeps_its_default_class_when_the_class_goes() -> None:
    """As the API server stored it at creation: deleting the class leaves the name in the Ingress."""
    text = yaml.safe_dump({"name": "x", "objects": [DEFAULT_CLASS, tls_ingress()]})
    [ingress] = yaml.safe_load(delete(text, ["ingressclass/nginx-example"]))["objects"]
    assert ingress["spec"]["ingressClassName"] == "nginx-example"


# -- the certificate per host ------------------------------------------------------------------
def secret(name: str = "testsecret-tls", data: dict | None = None) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name},
        "type": "kubernetes.io/tls",
        "stringData": data or docs_secret(),
    }


def certificates(plan: LabPlan, flags: ControllerFlags = NGINX) -> dict[str, str]:
    return {s.hostname: s.certificate for s in config_of(plan, flags).servers}


def test_a_tls_host_gets_its_secrets_certificate_and_redirects(tmp_path: Path) -> None:
    plan = lab_of(tmp_path, [DEFAULT_CLASS, secret(), tls_ingress()])
    assert certificates(plan) == {"_": "", "https-example.foo.com": "default/testsecret-tls"}
    conf = render_nginx_conf(
        plan,
        ControllerFlags(),
        "controller",
        "/run/x",
        "/run/x/log",
        planned_certificates(plan, ControllerFlags(), CERTS),
    )
    assert (
        "        listen 443 ssl;\n        # TLS: Secret default/testsecret-tls (CN=https-example.foo.com), PEM sha1 "
        in conf
    )
    assert f"        ssl_certificate     {CERTS}/default-testsecret-tls.pem;\n" in conf
    assert "        listen 443 default_server backlog=4096 ssl;\n" in conf
    assert f"    ssl_certificate     {CERTS}/default-fake-certificate.pem;\n" in conf
    assert "            return 308 https://$host$redirect_uri;\n" in conf


def test_without_a_usable_secret_the_default_certificate_serves_the_host(tmp_path: Path) -> None:
    missing = lab_of(tmp_path, [DEFAULT_CLASS, tls_ingress()])
    assert certificates(missing)["https-example.foo.com"] == DEFAULT_CERTIFICATE
    assert config_of(missing).notes == (
        "Ingress default/tls-example-ingress: https-example.foo.com: Secret default/testsecret-tls does not exist: "
        "the default certificate serves it",
    )
    broken = lab_of(tmp_path, [DEFAULT_CLASS, secret(data={"tls.crt": "x", "tls.key": "y"}), tls_ingress()])
    assert "Secret default/testsecret-tls tls.crt holds no PEM certificate" in config_of(broken).notes[0]
    nameless = lab_of(tmp_path, [DEFAULT_CLASS, tls_ingress(tls=[{"hosts": ["https-example.foo.com"]}])])
    assert certificates(nameless)["https-example.foo.com"] == DEFAULT_CERTIFICATE and not config_of(nameless).notes


def test_a_certificate_not_valid_for_the_host_is_not_used(tmp_path: Path) -> None:
    plan = lab_of(
        tmp_path,
        [
            DEFAULT_CLASS,
            secret(),
            tls_ingress(tls=[{"hosts": ["a.foo.com"], "secretName": "testsecret-tls"}], host="a.foo.com"),
        ],
    )
    assert certificates(plan)["a.foo.com"] == DEFAULT_CERTIFICATE
    assert (
        "Secret default/testsecret-tls's certificate (CN=https-example.foo.com) is not valid for it"
        in config_of(plan).notes[0]
    )


def test_a_rule_host_not_listed_takes_a_tls_secret_valid_for_it(tmp_path: Path) -> None:
    """extractTLSSecretName: a tls entry whose certificate is valid for the host serves it; a tls
    host without a rule gets no server."""
    plan = lab_of(
        tmp_path, [DEFAULT_CLASS, secret(), tls_ingress(tls=[{"hosts": ["c.foo.com"], "secretName": "testsecret-tls"}])]
    )
    assert certificates(plan)["https-example.foo.com"] == "default/testsecret-tls"
    assert config_of(plan).notes == (
        "Ingress default/tls-example-ingress: tls host c.foo.com has no rule: no server of its own "
        "(the default server answers)",
    )


def test_the_default_ssl_certificate_flag_replaces_the_fake_one(tmp_path: Path) -> None:
    plan = lab_of(tmp_path, [secret("wildcard")], args=", --default-ssl-certificate=default/wildcard")
    flags = ControllerFlags(default_certificate=("default", "wildcard"))
    certs = planned_certificates(plan, flags, CERTS)
    assert certs.default == "default/wildcard" and certs.default_file() == f"{CERTS}/default-wildcard.pem"
    assert planned_certificates(plan, ControllerFlags(default_certificate=("default", "gone")), CERTS).default == ""
    assert FAKE_SUBJECT == "O=Acme Co; CN=Kubernetes Ingress Controller Fake Certificate"


# -- the https probe ---------------------------------------------------------------------------
def test_an_https_check_with_a_host_header_is_curl_resolve() -> None:
    argv = http.command("ns", "https://198.51.100.200/x", 1, (("Host", "a.example"),))
    assert argv[argv.index("-k") : argv.index("-k") + 3] == ["-k", "--resolve", "a.example:443:198.51.100.200"]
    assert argv[-1] == "https://a.example/x"
    assert "-k" not in http.command("ns", "http://198.51.100.200/", 1, (("Host", "a.example"),))
    by_name = http.command("ns", "https://ingress.example/", 1, (("Host", "a.example"),))
    assert "a.example:443:ingress.example:443" in by_name and "--connect-to" in by_name


def test_the_certificates_subject_is_read_from_curls_trace() -> None:
    trace = b"* SSL connection using TLSv1.3\n*  subject: CN=a.example; O=Acme\n" + b"netlab-transfer 0 2 200 1.2.3.4\n"
    [result] = http.read(0, b"ok", trace, 1)
    assert (result.certificate, result.body) == ("CN=a.example; O=Acme", "ok")
