"""A TLS server's certificate files (root): the Secrets' PEM files, and the fake default certificate.

A directory of PEM files per TLS server (an ingress controller pod's `certs/`), root's with group
nogroup and mode 0750, each file 0640: the unprivileged nginx (nobody, group nogroup) reads them,
nobody can change them, and no other user reads them. `down` removes them with the lab's state.

`fake_certificate` makes the certificate ingress-nginx makes at start (what it holds:
netlab.model.tls.fake_certificate_argv) with the openssl command line (scripts/provision.sh
installs it): no Python dependency for key generation, and the command a learner would type.
`write_secrets` writes the Secrets a server uses and keeps those Python's ssl module loads (the
key must match the certificate), as ingress-nginx serves its default certificate for the rest.
"""

from __future__ import annotations

import grp
import os
import ssl
import subprocess
from pathlib import Path

from netlab.errors import KernelError
from netlab.kernel.tools import locate
from netlab.model.tls import FAKE_PEM, Certificate, fake_certificate_argv, pem_file

GROUP = "nogroup"  # nobody's group: what the unprivileged servers run as
OPENSSL_TIMEOUT = 60.0  # an RSA 2048 key takes well under a second, an emulated VM a few


def openssl_binary() -> str:
    """Where openssl is.

    Raises:
        EnvironmentProblem: it is not installed.
    """
    return locate("openssl", "a TLS server makes its default certificate with it")


def prepare(directory: Path) -> None:
    """The certificate directory, root's and group nogroup's (0750), with the fake certificate."""
    directory.mkdir(mode=0o750, parents=True, exist_ok=True)
    os.chown(directory, 0, grp.getgrnam(GROUP).gr_gid)
    directory.chmod(0o750)
    if not (directory / FAKE_PEM).is_file():
        fake_certificate(directory / FAKE_PEM)


def fake_certificate(path: Path) -> None:
    """ingress-nginx's fake certificate and its key, in one PEM file at `path`.

    Raises:
        EnvironmentProblem: no openssl. KernelError: openssl failed.
    """
    key, crt = path.with_suffix(".key.tmp"), path.with_suffix(".crt.tmp")
    try:
        done = subprocess.run(
            fake_certificate_argv(openssl_binary(), str(key), str(crt)),
            capture_output=True,
            text=True,
            timeout=OPENSSL_TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
        if done.returncode != 0:
            why = (done.stderr.strip().splitlines() or ["no reason given"])[-1]
            raise KernelError(f"openssl could not make the fake certificate: {why}")
        _write(path, crt.read_text() + key.read_text())
    except subprocess.TimeoutExpired:
        raise KernelError(f"openssl did not make the fake certificate in {OPENSSL_TIMEOUT:.0f} s") from None
    finally:
        key.unlink(missing_ok=True)
        crt.unlink(missing_ok=True)


def write_secrets(directory: Path, wanted: dict[str, Certificate]) -> dict[str, Certificate]:
    """Write each Secret's PEM (by namespace/name) into `directory`, remove the files of Secrets
    no longer wanted, and return those the TLS library loads."""
    loaded = {}
    files = {pem_file(str(directory), *key.split("/")): (key, cert) for key, cert in wanted.items()}
    for old in directory.glob("*.pem"):
        if old.name != FAKE_PEM and str(old) not in files:
            old.unlink(missing_ok=True)
    for path, (key, cert) in files.items():
        _write(Path(path), cert.pem)
        if _loads(Path(path)):
            loaded[key] = cert
        else:
            Path(path).unlink(missing_ok=True)
    return loaded


def _loads(path: Path) -> bool:
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(str(path))
    except (ssl.SSLError, OSError):
        return False
    return True


def _write(path: Path, text: str) -> None:
    if path.is_file() and path.read_text() == text:
        return
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:  # a key: never readable by all
        f.write(text)
    os.chown(tmp, 0, grp.getgrnam(GROUP).gr_gid)
    tmp.chmod(0o640)
    tmp.replace(path)
