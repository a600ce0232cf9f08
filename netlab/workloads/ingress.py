"""The ingress controller's own process in its pod: it runs nginx and stays nginx's parent, as
ingress-nginx's /nginx-ingress-controller does (netlab does the controller's watching and
rendering itself, from outside: netlab.kernel.ingress).

Started as `python -m netlab.workloads.ingress NGINX ARGS...`, already as nobody in the pod. Why a
parent at all: nginx rewrites its own environment block for its process titles, so its
`NETLAB_LAB` tag cannot be read back from /proc; this process keeps the tag readable, so `down` and
`clean` always find the pod's processes. nginx dies with it (PR_SET_PDEATHSIG), even when it is
killed outright; SIGTERM, SIGINT, SIGQUIT and SIGHUP are passed on to nginx (stop, stop, graceful
stop, reload), and it exits with nginx's status.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys

PR_SET_PDEATHSIG = 1  # linux/prctl.h
FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP)


def _die_with(parent: int) -> None:
    """In the child, before exec: SIGTERM when the parent goes; gone already: go now."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:
        os._exit(1)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, list(FORWARDED))  # the mask would survive exec


def main() -> None:
    argv = sys.argv[1:]
    if not argv:
        raise SystemExit("usage: python -m netlab.workloads.ingress NGINX [ARGS...]")
    for sig in FORWARDED:  # held until nginx runs, so none is lost in between
        signal.pthread_sigmask(signal.SIG_BLOCK, [sig])
    parent = os.getpid()
    child = subprocess.Popen(argv, preexec_fn=lambda: _die_with(parent), close_fds=True)
    for sig in FORWARDED:
        signal.signal(sig, lambda signum, _frame: child.send_signal(signum))
    signal.pthread_sigmask(signal.SIG_UNBLOCK, list(FORWARDED))
    code = child.wait()
    sys.exit(code if code >= 0 else 128 - code)


if __name__ == "__main__":
    main()
